// Table rows as records: which mapping reads a table's columns, and which of a mapping's tables a row is of
// (the first `recognize` alternative it satisfies), for a record's key.

extension MappingChoice {
    /// Whether some mapping reads a table with these columns: a forced mapping reads any table; otherwise a
    /// candidate one of whose `recognize` alternatives names only top-level columns the header has.
    public func knowsColumns(_ header: [String]) -> Bool {
        if forced != nil { return true }
        let columns = Set(header)
        return candidates.contains { m in
            m.recognize.contains { alternative in
                alternative.allSatisfy { $0.path.count == 1 && columns.contains($0.path[0]) }
            }
        }
    }
}

extension MappingRecognizer {
    /// The index of the first of `mapping`'s `recognize` alternatives that holds for `message` (its table), or
    /// -1: a mapping's tables (budgateway's ModelInferenceDetails and ModelInference, mizan's request_logs and
    /// usage_events) share the record id, so a record is the table and the id together.
    static func table(of message: UnsafeRawBufferPointer, _ mapping: FieldMapping) -> Int {
        guard let base = message.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return -1 }
        let v = JSONBytes(base: base, end: message.count)
        let start = v.skipSpace(0)
        guard start < v.end, v[start] == 0x7B else { return -1 }
        let scratch = ByteBuffer()
        return mapping.recognize.firstIndex { $0.allSatisfy { holds($0, v, start, scratch) } } ?? -1
    }
}
