// Table exports: which mapping reads a table's columns (a row's table, for its record key, is
// CompiledMapping.table(of:)).

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
