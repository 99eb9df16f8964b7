// `attrib lines`: one normalised row per distinct event, for ClickHouse (JSONEachRow, CSV or TSV with a
// header). The rows come from the same pipeline as `ingest` (detection, decompression, dedup within the
// run, rejects): `LinesSink` is a `BatchSink` that prints each batch's new lines instead of storing them.
//
// The event key is the store's: a 64-bit hash (Parse/Hash.swift, fixed seeds, no per-process state) of
// the message's bytes (line ends at its end removed); a JSON message with its own timestamp is keyed by
// its text alone, anything else by its text seeded with the event's epoch ms. So a copy of an event in
// another file, shape or run, read on any machine, has the same key.

/// How `attrib lines` writes rows.
public enum LineRowFormat: String, CaseIterable, Sendable {
    /// ClickHouse `JSONEachRow`: one JSON object a line; absent values are left out (NULL in ClickHouse).
    case jsonEachRow = "jsoneachrow"
    /// RFC 4180 with a header (ClickHouse `CSVWithNames`); absent values are empty fields.
    case csv
    /// Tab-separated with a header (ClickHouse `TSVWithNames`); absent values are `\N`.
    case tsv
}

/// The columns of a line row, in order (the `attrib_lines` table of `attrib clickhouse schema`).
public enum LineColumn: String, CaseIterable, Sendable {
    case eventKey = "event_key"
    case timeMs = "time_ms"
    case source
    case logGroup = "log_group"
    case logStream = "log_stream"
    case requestId = "request_id"
    case statement
    case userEmail = "user_email"
    case userSub = "user_sub"
    case authSource = "auth_source"
    case userId = "user_id"
    case apiKeyId = "api_key_id"
    case project
    case modelId = "model_id"
    case status
    case latencyMs = "latency_ms"
    case method
    case path
    case userAgent = "user_agent"
    case loggedCost = "logged_cost"
    case isJSON = "is_json"
    case isUsage = "is_usage"
    case isMantle = "is_mantle"
    case inputTokens = "input_tokens"
    case outputTokens = "output_tokens"
    case cacheReadTokens = "cache_read_tokens"
    case cacheWriteTokens = "cache_write_tokens"

    /// The canonical text field a column holds, if it is one.
    var textField: CanonicalField? {
        switch self {
        case .requestId: return .requestId
        case .statement: return .statement
        case .userEmail: return .userEmail
        case .userSub: return .userSub
        case .authSource: return .authSource
        case .userId: return .userId
        case .apiKeyId: return .apiKeyId
        case .project: return .project
        case .modelId: return .modelId
        case .method: return .method
        case .path: return .path
        case .userAgent: return .userAgent
        default: return nil
        }
    }
}

/// Writes line rows into a byte buffer in one format.
final class LineRowEncoder {
    let format: LineRowFormat
    let parser: LineParser
    let line = ParsedLine()
    private(set) var out: [UInt8] = []
    private var first = true
    private let sourceName: [UInt8]

    init(format: LineRowFormat, mapping: FieldMapping) {
        self.format = format
        parser = LineParser(mapping: mapping)
        sourceName = Array(mapping.name.utf8)
        out.reserveCapacity(1 << 20)
    }

    /// The header line (CSV, TSV), or nothing (JSONEachRow).
    func header() {
        guard format != .jsonEachRow else { return }
        out.append(contentsOf: LineColumn.allCases.map(\.rawValue).joined(separator: format == .csv ? "," : "\t").utf8)
        out.append(0x0A)
    }

    /// Takes the bytes written so far.
    func take() -> [UInt8] {
        defer { out.removeAll(keepingCapacity: true) }
        return out
    }

    var pendingBytes: Int { out.count }

    /// Parses `message` and writes its row. `group`/`stream` are the log group and stream, when known.
    func row(
        key: Int64, timeMs: Int64?, group: UnsafeBufferPointer<UInt8>?, stream: UnsafeBufferPointer<UInt8>?,
        message: UnsafeRawBufferPointer
    ) {
        parser.parse(message, into: line)
        first = true
        column = 0
        begin()
        integer(.eventKey, key)
        integer(.timeMs, timeMs)
        sourceName.withUnsafeBufferPointer { text(.source, $0) }
        text(.logGroup, group)
        text(.logStream, stream)
        for (column, field) in Self.leadingText { text(column, line.bytes(field)) }
        text(.modelId, line.bytes(.modelId))
        integer(.status, line.integer(.status))
        integer(.latencyMs, line.integer(.latencyMs))
        text(.method, line.bytes(.method))
        text(.path, line.bytes(.path))
        text(.userAgent, line.bytes(.userAgent))
        if let cost = line.loggedCost {
            name(.loggedCost)
            out.append(contentsOf: "\(cost)".utf8)
        } else {
            null(.loggedCost)
        }
        let usage = line.isUsage
        integer(.isJSON, line.isJSON ? 1 : 0)
        integer(.isUsage, usage ? 1 : 0)
        let mantle = line.bytes(.statement).map { parser.mapping.isMantleStatement($0) } ?? false
        integer(.isMantle, mantle ? 1 : 0)
        let u = usage ? line.usage : (input: 0, output: 0, cacheRead: 0, cacheWrite: 0)
        integer(.inputTokens, u.input)
        integer(.outputTokens, u.output)
        integer(.cacheReadTokens, u.cacheRead)
        integer(.cacheWriteTokens, u.cacheWrite)
        end()
    }

    // MARK: Fields

    private func begin() {
        if format == .jsonEachRow { out.append(UInt8(ascii: "{")) }
    }

    private func end() {
        if format == .jsonEachRow { out.append(UInt8(ascii: "}")) }
        out.append(0x0A)
    }

    /// Each column's `"name":` in JSON, made once (appending a String's UTF-8 per field was 7% of a run).
    private static let jsonNames: [[UInt8]] = LineColumn.allCases.map { Array("\"\($0.rawValue)\":".utf8) }
    /// The index of the column being written: a row writes every column in `LineColumn` order (looking a
    /// column up by its String raw value hashed the string, 10% of a run).
    private var column = 0

    /// Starts a present value: the separator, and in JSON its name.
    private func name(_ c: LineColumn) {
        assert(LineColumn.allCases[column] == c, "columns are written in order")
        defer { column += 1 }
        switch format {
        case .jsonEachRow:
            if !first { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: Self.jsonNames[column])
        case .csv: if !first { out.append(UInt8(ascii: ",")) }
        case .tsv: if !first { out.append(0x09) }
        }
        first = false
    }

    /// An absent value: left out of a JSON row, empty in CSV, `\N` in TSV.
    private func null(_ c: LineColumn) {
        assert(LineColumn.allCases[column] == c, "columns are written in order")
        defer { column += 1 }
        switch format {
        case .jsonEachRow: return
        case .csv: if !first { out.append(UInt8(ascii: ",")) }
        case .tsv:
            if !first { out.append(0x09) }
            out.append(contentsOf: "\\N".utf8)
        }
        first = false
    }

    private func integer(_ c: LineColumn, _ v: Int64?) {
        guard let v else { return null(c) }
        name(c)
        if v < 0 { out.append(UInt8(ascii: "-")) }
        // Digits straight into the buffer (`String(v)` allocated per value).
        var m = v.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: room for 20 digits
        withUnsafeMutableBytes(of: &digits) { d in
            var i = 24
            repeat {
                i -= 1
                d[i] = UInt8(ascii: "0") + UInt8(m % 10)
                m /= 10
            } while m > 0
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: d[i...]))
        }
    }

    /// The text columns between the stream and the model, with their fields.
    private static let leadingText: [(LineColumn, CanonicalField)] = [
        LineColumn.requestId, .statement, .userEmail, .userSub, .authSource, .userId, .apiKeyId, .project,
    ].map { ($0, $0.textField!) }

    private static let unicodeEscape: [UInt8] = Array("\\u00".utf8)
    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    private func text(_ c: LineColumn, _ v: UnsafeBufferPointer<UInt8>?) {
        guard let v, !v.isEmpty else { return null(c) }
        name(c)
        switch format {
        case .jsonEachRow:
            out.append(UInt8(ascii: "\""))
            // Runs of bytes that need no escape are copied whole.
            var start = 0
            for (i, b) in v.enumerated() where b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: v[start..<i]))
                start = i + 1
                if b < 0x20 {
                    out.append(contentsOf: Self.unicodeEscape)
                    out.append(Self.hex[Int(b >> 4)])
                    out.append(Self.hex[Int(b & 15)])
                } else {
                    out.append(UInt8(ascii: "\\"))
                    out.append(b)
                }
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: v[start...]))
            out.append(UInt8(ascii: "\""))
        case .csv:
            let quote = v.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 0x0A || $0 == 0x0D }
            if !quote {
                out.append(contentsOf: v)
                return
            }
            out.append(UInt8(ascii: "\""))
            for b in v {
                if b == UInt8(ascii: "\"") { out.append(b) }
                out.append(b)
            }
            out.append(UInt8(ascii: "\""))
        case .tsv:
            // ClickHouse's TSV escaping: backslash, tab, line feed and carriage return.
            for b in v {
                switch b {
                case UInt8(ascii: "\\"): out.append(contentsOf: "\\\\".utf8)
                case 0x09: out.append(contentsOf: "\\t".utf8)
                case 0x0A: out.append(contentsOf: "\\n".utf8)
                case 0x0D: out.append(contentsOf: "\\r".utf8)
                default: out.append(b)
                }
            }
        }
    }
}

/// An ingest run's sink that prints each batch's new lines as rows and keeps nothing but the run's
/// dictionary (log groups, streams and statements by id): memory does not grow with the rows written.
/// Requests are not assembled here; ClickHouse assembles them (`attrib clickhouse schema`).
public final class LinesSink: BatchSink {
    let encoder: LineRowEncoder
    /// Receives the rows, about 1 MiB at a time.
    let output: ([UInt8]) throws -> Void
    private var strings: [[UInt8]] = [[]]
    private var sources = 0
    public private(set) var rowsWritten = 0

    public init(format: LineRowFormat, mapping: FieldMapping = .router, output: @escaping ([UInt8]) throws -> Void) {
        encoder = LineRowEncoder(format: format, mapping: mapping)
        self.output = output
        encoder.header()
    }

    func storedStrings() throws -> [[UInt8]] { [[]] }
    func storedEventKeyCount() throws -> Int { 0 }
    func forEachStoredEventKey(_ body: (Int64) -> Void) throws {}
    func forEachUnmergedLine(_ body: (UnmergedLine) throws -> Void) throws -> Int { 0 }

    func openSource(path: String, fingerprint: String?, bytes: Int64?, compression: Compression) throws -> Int64? {
        sources += 1
        return Int64(sources)
    }

    func discardSource(_ id: Int64) throws {}

    func atomically(_ body: () throws -> Void) throws { try body() }

    func write(_ batch: IngestBatch) throws {
        for (id, value) in batch.strings {
            while strings.count <= Int(id) { strings.append([]) }
            strings[Int(id)] = value
        }
        guard !batch.lines.isEmpty else { return }
        // Each block once: its bytes and where each message starts (no array per message).
        let blocks = batch.blocks.map { BlockCodec.decompress($0.data) ?? [] }
        let offsets = blocks.map(BlockCodec.messageOffsets)
        for row in batch.lines {
            let b = Int(row.block)
            let slot = Int(row.slot)
            guard slot < offsets[b].count else { continue }
            let range = offsets[b][slot]
            withString(row.group) { group in
                withString(row.stream) { stream in
                    blocks[b].withUnsafeBytes { bytes in
                        encoder.row(
                            key: row.hash, timeMs: row.ts, group: group, stream: stream,
                            message: UnsafeRawBufferPointer(rebasing: bytes[range]))
                    }
                }
            }
            rowsWritten += 1
            if encoder.pendingBytes >= 1 << 20 { try output(encoder.take()) }
        }
        if encoder.pendingBytes > 0 { try output(encoder.take()) }
    }

    private func withString(_ id: Int32, _ body: (UnsafeBufferPointer<UInt8>?) -> Void) {
        guard id > 0, Int(id) < strings.count else { return body(nil) }
        strings[Int(id)].withUnsafeBufferPointer { body($0) }
    }

    func writeRequests(_ requests: inout RequestMerge, less: (Int32, Int32) -> Bool) throws {}

    var spillDirectory: String? { nil }

    func finish() throws {
        if encoder.pendingBytes > 0 { try output(encoder.take()) }
    }

    var requestsWritten: Int { 0 }
}

extension Store {
    /// Writes the rows of every line the store holds (`attrib lines --db`), in the order they were
    /// stored, with `output` receiving about 1 MiB at a time; returns how many.
    public func writeLineRows(
        format: LineRowFormat, mapping: FieldMapping = .router, output: ([UInt8]) throws -> Void
    ) throws -> Int {
        let encoder = LineRowEncoder(format: format, mapping: mapping)
        encoder.header()
        var rows = 0
        func bytes(_ id: Int32) -> [UInt8]? { id == 0 ? nil : value(Int64(id)).map { Array($0.utf8) } }
        try db.forEachBlock(withMessages: true) { _, lines, messages in
            for (slot, l) in lines.enumerated() where slot < messages.count {
                let group = bytes(l.group)
                let stream = bytes(l.stream)
                messages[slot].withUnsafeBytes { message in
                    group.withOptionalBuffer { g in
                        stream.withOptionalBuffer { st in
                            encoder.row(key: l.key, timeMs: l.ts, group: g, stream: st, message: message)
                        }
                    }
                }
                rows += 1
                if encoder.pendingBytes >= 1 << 20 { try output(encoder.take()) }
            }
        }
        if encoder.pendingBytes > 0 { try output(encoder.take()) }
        return rows
    }
}

extension Optional where Wrapped == [UInt8] {
    fileprivate func withOptionalBuffer(_ body: (UnsafeBufferPointer<UInt8>?) -> Void) {
        guard let self else { return body(nil) }
        self.withUnsafeBufferPointer { body($0) }
    }
}

extension IngestWorker {
    /// The first worker of an `attrib lines` run: no store; the run's requests are not kept (ClickHouse
    /// assembles them), so the request table stays small.
    public convenience init(lines sink: LinesSink, mapping: FieldMapping = .router, batchSize: Int = 25_000) throws {
        try self.init(sink: sink, mapping: mapping, batchSize: batchSize, requestCap: 4096)
    }
}
