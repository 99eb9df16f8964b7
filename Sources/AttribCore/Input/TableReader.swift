// Table exports, where each row is a message with no envelope: CSV / TSV with a header row (ClickHouse
// CSVWithNames / TSVWithNames, psql `\copy ... CSV HEADER`) and `sqlite3 -json` arrays of row objects. Each row
// becomes one JSON object message `{"column": "value" | null, ...}` for the mapping, which types the columns.
// (ClickHouse JSONEachRow is JSON lines: JSONStreamReader reads it.)
//
// The CSV reader is written by hand: no Swift CSV package is in the repository's dependencies or the local
// package list, and it is on the hot path of a table import (one pass over each record, no allocation per row).

import CHints

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The kinds of table export, as `detect` names them.
public enum TableFormat: Equatable, Sendable {
    /// Comma-separated, RFC 4180 quoting; an unquoted `\N` (ClickHouse) or an unquoted empty field (psql) is NULL.
    case csv
    /// Tab-separated, no quoting, ClickHouse's backslash escapes; `\N` is NULL.
    case tsv
    /// `sqlite3 -json`: one JSON array of row objects.
    case jsonRows

    var shape: Shape {
        switch self {
        case .csv: return .tableCSV
        case .tsv: return .tableTSV
        case .jsonRows: return .tableJSON
        }
    }
}

/// Whether the line `start..<stop` is a table header: two or more column names (letters, digits, `_`, `.`, not
/// starting with a digit), each maybe in double quotes, separated by tabs (TSV) or commas (CSV).
func tableHeaderFormat(_ p: UnsafePointer<UInt8>, _ start: Int, _ stop: Int) -> TableFormat? {
    // Most first lines are JSON or text: one byte decides.
    guard stop > start, isNameByte(p[start]) || p[start] == 0x22 else { return nil }
    var stop = stop
    if p[stop - 1] == 0x0D { stop -= 1 }
    let tab = memchr(p + start, 0x09, stop - start) != nil
    let separator: UInt8 = tab ? 0x09 : 0x2C
    var columns = 0
    var i = start
    while true {
        let quoted = i < stop && p[i] == 0x22
        if quoted { i += 1 }
        let nameStart = i
        while i < stop, isNameByte(p[i]) { i += 1 }
        guard i > nameStart, !(p[nameStart] >= 0x30 && p[nameStart] <= 0x39) else { return nil }
        if quoted {
            guard i < stop, p[i] == 0x22 else { return nil }
            i += 1
        }
        columns += 1
        if i == stop { break }
        guard p[i] == separator else { return nil }
        i += 1
    }
    return columns >= 2 ? (tab ? .tsv : .csv) : nil
}

@inline(__always) private func isNameByte(_ c: UInt8) -> Bool {
    (c >= 0x61 && c <= 0x7A) || (c >= 0x41 && c <= 0x5A) || (c >= 0x30 && c <= 0x39) || c == 0x5F || c == 0x2E
}

/// Whether the array at `i` (its `[`) starts with an object whose values are all scalars and whose keys do not
/// start with `@` (a Logs Insights export's rows do): `sqlite3 -json` output.
func looksLikeRowArray(_ p: UnsafePointer<UInt8>, _ i: Int, _ count: Int) -> Bool {
    let v = JSONBytes(base: p, end: count)
    let k = v.skipSpace(i + 1)
    guard k < count, p[k] == 0x7B else { return false }
    // A Logs Insights export's first key is `@timestamp` or `@message`: decided without scanning the row.
    let key = v.skipSpace(k + 1)
    guard key + 1 < count, p[key] == 0x22, p[key + 1] != 0x40 else { return false }
    var scalars = true
    var members = 0
    let end = v.forEachMemberEnd(k) { ks, _, vs, _ in
        members += 1
        if p[ks] == 0x40 || p[vs] == 0x7B || p[vs] == 0x5B { scalars = false }
    }
    // CloudWatch events alone (`aws logs filter-log-events --query events`) are events, not rows.
    return end != nil && scalars && members > 0 && !isCloudWatchEvent(v, k)
}

/// Decodes the quoted CSV field whose opening quote is at `i` into `out` (runs up to the next quote copied whole,
/// `""` as one quote); `i` ends after the closing quote. False when the field is not closed before `stop`.
func readQuotedCSVField(_ p: UnsafeMutablePointer<UInt8>, _ i: inout Int, _ stop: Int, into out: ByteBuffer) -> Bool {
    i += 1
    while i < stop {
        // Sixteen bytes copied and searched per step (SSE2): a JSON message in a CSV field has a `""` every few
        // bytes, and a memchr and a copy call for each run cost more than the run. The last bytes: memchr.
        var found = false
        while i + 16 <= stop {
            out.reserve(out.count + 16)
            let m = attrib_copy16_quotes(out.base + out.count, p + i)
            if m != 0 {
                let n = m.trailingZeroBitCount
                out.count += n
                i += n
                found = true
                break
            }
            out.count += 16
            i += 16
        }
        if !found {
            let q = memchr(p + i, 0x22, stop - i).map { p.distance(to: $0.assumingMemoryBound(to: UInt8.self)) } ?? stop
            out.append(p + i, q - i)
            i = q
        }
        guard i < stop else { break }
        if i + 1 < stop && p[i + 1] == 0x22 {
            out.append(p + i, 1)
            i += 2
            continue
        }
        i += 1
        return true
    }
    return false
}

/// Reads a CSV or TSV table export: the header names the columns, each record after it is one event.
/// Records that cannot be read whole (a field count other than the header's, an unterminated quote, text after
/// a closing quote, invalid UTF-8) are one reject each, naming their line (the header is line 1).
final class TableReader {
    private let cursor: StreamCursor
    private let sink: EventSink
    private let format: TableFormat
    private let knowsColumns: (([String]) -> Bool)?
    /// The record's fields, decoded, back to back; per field where it starts and ends, and whether it is NULL.
    private let fieldBytes = ByteBuffer(capacity: 64 << 10)
    private var fieldStart: [Int] = []
    private var fieldEnd: [Int] = []
    private var fieldNull: [Bool] = []
    /// Why the last record cannot be read, if it cannot.
    private var recordProblem: String?
    /// `"name":` of each column, JSON-escaped.
    private var keys: [[UInt8]] = []
    private let message = ByteBuffer(capacity: 64 << 10)
    private var line = 1

    /// `knowsColumns`: whether some mapping reads a table with these columns (nil: any table is read).
    init(cursor: StreamCursor, sink: EventSink, format: TableFormat, knowsColumns: (([String]) -> Bool)?) {
        self.cursor = cursor
        self.sink = sink
        self.format = format
        self.knowsColumns = knowsColumns
    }

    /// Reads the table; false when no mapping knows its columns (nothing was read).
    func run() throws -> Bool {
        try cursor.skipByteOrderMark()
        guard let headerCount = try readRecord() else { return false }
        let header = (0..<headerCount).map { String(decoding: field($0), as: UTF8.self) }
        if let knowsColumns, !knowsColumns(header) { return false }
        sink.shape(format.shape)
        keys = header.map { Array((escapeJSON($0) + ":").utf8) }
        while true {
            let at = Position(line: line, byte: cursor.absolutePos)
            guard let count = try readRecord() else { break }
            if count == 1 && field(0).isEmpty && recordProblem == nil && !fieldNull[0] { continue }  // blank line
            if count == 1 && fieldNull[0] && format == .csv && fieldEnd[0] == fieldStart[0] && recordProblem == nil {
                continue  // an empty line reads as one NULL field in CSV
            }
            if let problem = recordProblem ?? (count != keys.count ? fieldCountProblem(count) : nil) {
                try sink.reject(InputReject(position: at, reason: problem, raw: cursor.bytes(recordStart, recordStop)))
                continue
            }
            buildMessage(count)
            let m = message.raw
            guard isValidUTF8(message.base, message.count) else {
                try sink.reject(InputReject(position: at, reason: "invalid UTF-8 in row", raw: m))
                continue
            }
            try sink.event(EnvelopeEvent(timestampMs: nil, message: m, logGroup: nil, logStream: nil, position: at))
        }
        return true
    }

    private func fieldCountProblem(_ count: Int) -> String {
        "row has \(count) field\(count == 1 ? "" : "s"), the header has \(keys.count)"
    }

    private func field(_ i: Int) -> UnsafeBufferPointer<UInt8> {
        fieldBytes.slice(fieldStart[i], fieldEnd[i] - fieldStart[i])
    }

    /// `{"a":"1","b":null}` from the record's fields: every value a JSON string (the mapping types it).
    private func buildMessage(_ count: Int) {
        message.removeAll()
        message.append(0x7B)
        for i in 0..<count {
            if i > 0 { message.append(0x2C) }
            keys[i].withUnsafeBufferPointer { message.append($0.baseAddress!, $0.count) }
            if fieldNull[i] {
                Self.null.withUnsafeBufferPointer { message.append($0.baseAddress!, 4) }
                continue
            }
            message.append(0x22)
            let f = field(i)
            var s = 0
            for k in 0..<f.count {
                let c = f[k]
                guard c == 0x22 || c == 0x5C || c < 0x20 else { continue }
                if k > s { message.append(f.baseAddress! + s, k - s) }
                s = k + 1
                message.append(0x5C)
                switch c {
                case 0x22, 0x5C: message.append(c)
                case 0x0A: message.append(0x6E)
                case 0x0D: message.append(0x72)
                case 0x09: message.append(0x74)
                default:
                    for h in [0x75, 0x30, 0x30, Self.hex[Int(c >> 4)], Self.hex[Int(c & 15)]] { message.append(h) }
                }
            }
            if f.count > s { message.append(f.baseAddress! + s, f.count - s) }
            message.append(0x22)
        }
        message.append(0x7D)
    }

    private static let null: [UInt8] = Array("null".utf8)
    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    // MARK: Records

    /// The last record's bytes in the buffer (line end excluded), for a reject.
    private var recordStart = 0
    private var recordStop = 0

    /// Reads one record into the fields; returns its field count, or nil at the end of input.
    private func readRecord() throws -> Int? {
        let stop: Int
        switch try cursor.recordEnd(quoting: format == .csv) {
        case .at(let i): stop = i
        case .endOfInput: return nil
        case .tooLong:
            try sink.reject(cursor.recordReject(line: line, "row longer than \(cursor.limitText)"))
            cursor.resetFull()
            _ = try cursor.skipLine()
            line += 1
            return try readRecord()
        case .unterminated:
            if cursor.pendingError == nil {
                try sink.reject(cursor.recordReject(line: line, "unterminated quoted field at the end of the file"))
            }
            cursor.pos = cursor.end
            return nil
        }
        let p = cursor.storage
        var lineEnd = stop
        if lineEnd > cursor.pos && p[lineEnd - 1] == 0x0D { lineEnd -= 1 }
        recordStart = cursor.pos
        recordStop = lineEnd
        recordProblem = nil
        line += cursor.newlines(cursor.pos, stop) + 1
        fieldBytes.removeAll()
        let count = format == .csv ? splitCSV(p, cursor.pos, lineEnd) : splitTSV(p, cursor.pos, lineEnd)
        cursor.pos = min(stop + 1, cursor.end)
        return count
    }

    private func begin(_ n: Int) {
        if n == fieldStart.count {
            fieldStart.append(0)
            fieldEnd.append(0)
            fieldNull.append(false)
        }
        fieldStart[n] = fieldBytes.count
        fieldNull[n] = false
    }

    /// Ends field `count` at `i`; true when a separator follows (another field), which is skipped.
    @inline(__always) private func endField(
        _ count: inout Int, _ p: UnsafeMutablePointer<UInt8>, _ i: inout Int, _ stop: Int, separator: UInt8
    ) -> Bool {
        fieldEnd[count] = fieldBytes.count
        count += 1
        guard i < stop && p[i] == separator else { return false }
        i += 1
        return true
    }

    /// RFC 4180 fields of `i..<stop`: a quoted field's runs up to the next quote are copied whole, `""` is one
    /// quote; an unquoted `\N` or empty field is NULL.
    private func splitCSV(_ p: UnsafeMutablePointer<UInt8>, _ start: Int, _ stop: Int) -> Int {
        var i = start
        var count = 0
        while true {
            begin(count)
            if i < stop && p[i] == 0x22 {
                if !readQuotedCSVField(p, &i, stop, into: fieldBytes) {
                    recordProblem = recordProblem ?? "unterminated quoted field"
                } else if i < stop && p[i] != 0x2C {
                    recordProblem = recordProblem ?? "text after the closing quote of field \(count + 1)"
                }
                while i < stop && p[i] != 0x2C { i += 1 }
            } else {
                let s = i
                while i < stop && p[i] != 0x2C { i += 1 }
                if i > s && memchr(p + s, 0x22, i - s) != nil {
                    recordProblem = recordProblem ?? "a quote inside unquoted field \(count + 1)"
                }
                if i == s || (i - s == 2 && p[s] == 0x5C && p[s + 1] == 0x4E) {
                    fieldNull[count] = true
                } else {
                    fieldBytes.append(p + s, i - s)
                }
            }
            if !endField(&count, p, &i, stop, separator: 0x2C) { return count }
        }
    }

    /// Tab-separated fields with ClickHouse's escapes (`\t`, `\n`, `\\`, ...); `\N` alone is NULL.
    private func splitTSV(_ p: UnsafeMutablePointer<UInt8>, _ start: Int, _ stop: Int) -> Int {
        var i = start
        var count = 0
        while true {
            begin(count)
            let s = i
            while i < stop && p[i] != 0x09 { i += 1 }
            if i - s == 2 && p[s] == 0x5C && p[s + 1] == 0x4E {
                fieldNull[count] = true
            } else {
                var k = s
                while k < i {
                    guard let b = memchr(p + k, 0x5C, i - k) else {
                        fieldBytes.append(p + k, i - k)
                        break
                    }
                    let e = p.distance(to: b.assumingMemoryBound(to: UInt8.self))
                    fieldBytes.append(p + k, e - k)
                    guard e + 1 < i else {
                        recordProblem = recordProblem ?? "a lone backslash at the end of field \(count + 1)"
                        k = i
                        break
                    }
                    var c = p[e + 1]
                    switch c {
                    case 0x62: c = 0x08  // \b
                    case 0x66: c = 0x0C  // \f
                    case 0x6E: c = 0x0A  // \n
                    case 0x72: c = 0x0D  // \r
                    case 0x74: c = 0x09  // \t
                    case 0x30: c = 0x00  // \0
                    case 0x76: c = 0x0B  // \v
                    case 0x61: c = 0x07  // \a
                    default: break  // \\, \', \" and any other character stand for themselves
                    }
                    fieldBytes.append(c)
                    k = e + 2
                }
            }
            if !endField(&count, p, &i, stop, separator: 0x09) { return count }
        }
    }
}

/// Reads `sqlite3 -json` output: one JSON array of row objects, each row one event (its text is the message).
/// sqlite3 writes a row a line, so positions are lines. An element that is not an object is a reject; a
/// broken element ends the array (what came before it is kept).
final class RowArrayReader {
    private let cursor: StreamCursor
    private let sink: EventSink
    private let knowsColumns: (([String]) -> Bool)?
    private var line = 1

    init(cursor: StreamCursor, sink: EventSink, knowsColumns: (([String]) -> Bool)?) {
        self.cursor = cursor
        self.sink = sink
        self.knowsColumns = knowsColumns
    }

    /// Reads the array; false when no mapping knows the first row's columns (nothing was read).
    func run() throws -> Bool {
        try cursor.skipByteOrderMark()
        guard try cursor.peekNonSpace(newlines: &line) == 0x5B else { return false }
        cursor.pos += 1
        var first = true
        while true {
            guard let c = try cursor.peekNonSpace(newlines: &line) else {
                if cursor.pendingError == nil {
                    try reject(cursor.pos, cursor.pos, "JSON array cut off at the end of the file")
                }
                return !first
            }
            if c == 0x5D {
                cursor.pos += 1
                return true
            }
            if c == 0x2C && !first {
                cursor.pos += 1
                continue
            }
            let r = try cursor.scan { v, i in v.scanValue(i) }
            let start = cursor.pos  // after the scan: a refill moves the bytes to the front of the buffer
            guard case .complete(let end) = r else {
                if r == .incomplete && cursor.pendingError != nil { return !first }
                try reject(
                    start, min(cursor.end, start + 4096),
                    r == .incomplete ? "JSON array cut off at the end of the file" : "malformed row")
                cursor.pos = cursor.end
                while try cursor.fill() { cursor.pos = cursor.end }
                return !first
            }
            let at = Position(line: line, byte: cursor.baseOffset + Int64(start))
            if first {
                first = false
                if let knowsColumns, !knowsColumns(Self.keys(cursor.view, start)) { return false }
                sink.shape(.tableJSON)
            }
            let raw = cursor.bytes(start, end)
            line += cursor.newlines(start, end)
            cursor.pos = end
            guard cursor.storage[start] == 0x7B else {
                try sink.reject(InputReject(position: at, reason: "row is not a JSON object", raw: raw))
                continue
            }
            guard isValidUTF8(cursor.storage + start, end - start) else {
                try sink.reject(InputReject(position: at, reason: "invalid UTF-8 in row", raw: raw))
                continue
            }
            try sink.event(EnvelopeEvent(timestampMs: nil, message: raw, logGroup: nil, logStream: nil, position: at))
        }
    }

    private func reject(_ start: Int, _ stop: Int, _ reason: String) throws {
        try sink.reject(
            InputReject(
                position: Position(line: line, byte: cursor.baseOffset + Int64(start)), reason: reason,
                raw: cursor.bytes(start, stop)))
    }

    /// The keys of the object at `start`.
    private static func keys(_ v: JSONBytes, _ start: Int) -> [String] {
        var keys: [String] = []
        guard v[start] == 0x7B else { return keys }
        _ = v.forEachMemberEnd(start) { ks, ke, _, _ in
            keys.append(String(decoding: UnsafeBufferPointer(start: v.base + ks, count: ke - ks), as: UTF8.self))
        }
        return keys
    }
}

extension ByteBuffer {
    @inline(__always) func append(_ c: UInt8) {
        reserve(count + 1)
        base[count] = c
        count += 1
    }
}
