// Detects an input's shape from its first bytes (never from its name) and runs the matching reader.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What the first bytes of an input look like.
public enum Detected: Equatable, Sendable {
    case json, s3Export, insightsCSV
    /// A Cost and Usage Report CSV (a bill, read by CURReader into a BillSink).
    case bill
    /// Cost Explorer's `get-cost-and-usage` JSON (a bill, read by CostExplorerReader).
    case costExplorer
    /// A Parquet file (e.g. a CUR 2.0 export in Parquet), which attrib does not read.
    case parquet
    /// A table export: a header row and records, or a JSON array of row objects (TableReader).
    case table(TableFormat)
    /// A table export whose columns no mapping reads (nothing was read).
    case unknownTable
    case empty
    case unrecognized
}

/// Looks at the start of decompressed content and names the reader for it.
func detect(_ p: UnsafePointer<UInt8>, _ count: Int) -> Detected {
    var i = 0
    if count >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF { i = 3 }
    while i < count, isJSONSpace(p[i]) { i += 1 }
    if i >= count { return .empty }
    if count >= 4 && p[0] == 0x50 && p[1] == 0x41 && p[2] == 0x52 && p[3] == 0x31 { return .parquet }  // PAR1
    if p[i] == 0x7B && looksLikeCostExplorer(p, i, count) { return .costExplorer }
    if p[i] == 0x5B && looksLikeRowArray(p, i, count) { return .table(.jsonRows) }
    if p[i] == 0x7B || p[i] == 0x5B { return .json }
    // Examine the first lines: S3 export lines start with an ISO time; an Insights CSV starts with a
    // header naming @timestamp and @message; a JSON-lines file may start with plain-text noise, so it
    // is recognized by lines that are whole JSON objects (a quarter of the sample at least, so that
    // source code or prose with a stray brace is not taken for logs).
    var lineStart = i
    var lines = 0
    var objectLines = 0
    var table: TableFormat?
    while lineStart < count && lines < 64 {
        var lineEnd = lineStart
        while lineEnd < count && p[lineEnd] != 0x0A { lineEnd += 1 }
        let n = lineEnd - lineStart
        if lineEnd == count && lines > 0 { break }  // a partial last line in the sample proves nothing
        if lines == 0 {
            if n >= 21, p[lineStart + 4] == 0x2D, p[lineStart + 10] == 0x54 {
                var j = lineStart + 19
                while j < lineEnd && j < lineStart + 40 && p[j] != 0x20 { j += 1 }
                if j < lineEnd && p[j] == 0x20 && parseISOTimestamp(p, lineStart, j) != nil { return .s3Export }
            }
            let header = String(decoding: UnsafeBufferPointer(start: p + lineStart, count: min(n, 4096)), as: UTF8.self)
            if header.contains("@timestamp") && header.contains("@message") { return .insightsCSV }
            if isCURHeader(header) { return .bill }
            table = tableHeaderFormat(p, lineStart, lineEnd)
        }
        let line = JSONBytes(base: p, end: lineEnd)
        let k = line.skipSpace(lineStart)
        if k < lineEnd, p[k] == 0x7B, case .complete(let e) = line.scanValue(k),
            line.skipSpace(e) == lineEnd || p[lineEnd - 1] == 0x0D
        {
            objectLines += 1
        }
        if n > 0 { lines += 1 }
        lineStart = lineEnd + 1
    }
    if objectLines > 0 && objectLines * 4 >= lines { return .json }
    if let table { return .table(table) }
    return .unrecognized
}

/// Reads one input into `sink`. Returns what was detected; `.empty` and `.unrecognized` read nothing.
/// A decompression error is thrown after every good event before it has been delivered. `warn` receives
/// what the reader read leniently (one line per file, without the path). A bill goes to `bill` (without one,
/// it is read as nothing); a damaged bill is one problem there, not an error. A table export whose columns
/// `knowsColumns` refuses (no mapping reads them) is `.unknownTable`; without it every table is read.
public func readInput(
    _ source: ByteSource, path: String, forced: Shape? = nil, sink: EventSink,
    warn: ((String) -> Void)? = nil, bill: BillSink? = nil, knowsColumns: (([String]) -> Bool)? = nil
) throws -> Detected {
    let cursor = StreamCursor(source: source)
    while cursor.end < 65536, try cursor.fill() {}
    var detected: Detected
    if let forced {
        switch forced {
        case .s3Export: detected = .s3Export
        case .insightsCSV: detected = .insightsCSV
        case .tableCSV: detected = .table(.csv)
        case .tableTSV: detected = .table(.tsv)
        case .tableJSON: detected = .table(.jsonRows)
        default: detected = .json
        }
    } else {
        detected = detect(cursor.storage, cursor.end)
    }
    switch detected {
    case .table(let format):
        let read =
            format == .jsonRows
            ? try RowArrayReader(cursor: cursor, sink: sink, knowsColumns: knowsColumns).run()
            : try TableReader(cursor: cursor, sink: sink, format: format, knowsColumns: knowsColumns).run()
        if !read { detected = .unknownTable }
    case .json:
        // Cloud Logging's shapes are told apart from CloudWatch's by their first value (or the shape given).
        let logEntries = forced.map { $0 == .gcloudLoggingRead || $0 == .cloudLoggingSink }
        try JSONStreamReader(cursor: cursor, sink: sink, logEntries: logEntries).run()
    case .s3Export: try S3ExportReader(cursor: cursor, sink: sink, stream: s3StreamName(path)).run()
    case .insightsCSV: try InsightsCSVReader(cursor: cursor, sink: sink, warn: warn).run()
    case .bill:
        guard let bill else { break }
        let reader = CURReader(cursor: cursor, file: path, sink: bill)
        try reader.run()
        if case .corrupt(_, let offset, let reason)? = cursor.pendingError {
            bill.billProblem(
                file: path, line: reader.line,
                reason: "byte \(offset): \(reason); the lines before this one were kept, this one and the rest are lost"
            )
            return .bill
        }
    case .costExplorer:
        guard let bill else { break }
        try CostExplorerReader(cursor: cursor, file: path, sink: bill).run()
        if case .corrupt(_, let offset, let reason)? = cursor.pendingError {
            bill.billProblem(file: path, line: 0, reason: "byte \(offset): \(reason); the file was not read")
            return .costExplorer
        }
    case .parquet, .empty, .unrecognized, .unknownTable: break
    }
    if let error = cursor.pendingError { throw error }
    return detected
}

/// The log stream of an S3 export file. CreateExportTask writes `<prefix>/<taskId>/<logStream…>/000000.gz`
/// (then `000001.gz`, ...): the task id is a UUID, and a stream name holding `/` (Lambda's
/// `2019/06/19/[$LATEST]…`, ECS's `ecs/router/<task>`) becomes nested folders. The stream is the path
/// between the task folder and the file; the task folder is the nearest UUID-named folder above the file's
/// own folder (a UUID-named folder beside `aws-logs-write-test`, which AWS writes at the prefix, wins when
/// there are several). A relative path counts from the current directory. A file outside that layout has
/// no stream: its folder's name alone would split one stream into two names.
func s3StreamName(_ path: String) -> String? {
    guard path != "-" else { return nil }
    var absolute = path
    if !path.hasPrefix("/"), let cwd = getcwd(nil, 0) {
        absolute = String(cString: cwd) + "/" + path
        free(cwd)
    }
    var parts: [Substring] = []
    for part in absolute.split(separator: "/", omittingEmptySubsequences: true) where part != "." {
        if part == ".." {
            if !parts.isEmpty { parts.removeLast() }
        } else {
            parts.append(part)
        }
    }
    guard parts.count >= 3, isExportObjectName(parts[parts.count - 1]) else { return nil }
    let tasks = parts.indices.filter { $0 < parts.count - 2 && isUUID(parts[$0]) }
    guard var task = tasks.last else { return nil }
    if tasks.count > 1 {
        for t in tasks.reversed()
        where access("/" + parts[..<t].joined(separator: "/") + "/aws-logs-write-test", F_OK) == 0 {
            task = t
            break
        }
    }
    return parts[(task + 1)..<(parts.count - 1)].joined(separator: "/")
}

/// `000000.gz`, `000001.gz`, ... (six digits; any extension, e.g. after recompressing or unpacking).
private func isExportObjectName(_ s: Substring) -> Bool {
    let u = Array(s.utf8)
    guard u.count >= 6, u[..<6].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return false }
    return u.count == 6 || u[6] == 0x2E
}

private func isUUID(_ s: Substring) -> Bool {
    let u = Array(s.utf8)
    guard u.count == 36 else { return false }
    for (i, c) in u.enumerated() {
        if i == 8 || i == 13 || i == 18 || i == 23 {
            if c != 0x2D { return false }
        } else if !((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46)) {
            return false
        }
    }
    return true
}
