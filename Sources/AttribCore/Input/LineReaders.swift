// Line-oriented shapes: S3 export (`<ISO time> <message>` lines) and Logs Insights CSV exports.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `2026-03-01T10:00:00.123Z <message>` lines from CreateExportTask. A line without the leading time
/// continues the previous event's message (CloudWatch messages may hold newlines).
final class S3ExportReader {
    private let cursor: StreamCursor
    private let sink: EventSink
    private let stream: String?
    private var pending: [UInt8] = []
    private var pendingTimestamp: Int64?
    private var pendingPosition = Position(line: 1, byte: 0)

    init(cursor: StreamCursor, sink: EventSink, stream: String?) {
        self.cursor = cursor
        self.sink = sink
        self.stream = stream
    }

    func run() throws {
        sink.shape(.s3Export)
        var line = 0
        while true {
            if cursor.pos >= cursor.end, try !cursor.fill() { break }
            line += 1
            let newline = try cursor.findNewline()
            if cursor.full {
                try flush()
                try sink.reject(
                    InputReject(
                        position: Position(line: line, byte: cursor.absolutePos),
                        reason: "line longer than \(cursor.limitText)", raw: cursor.bytes(cursor.pos, cursor.pos + 4096)
                    ))
                cursor.resetFull()
                _ = try cursor.skipLine()
                continue
            }
            var lineEnd = newline ?? cursor.end
            let next = newline.map { $0 + 1 } ?? cursor.end
            if lineEnd > cursor.pos && cursor.storage[lineEnd - 1] == 0x0D { lineEnd -= 1 }
            let start = cursor.pos
            if let space = s3TimestampEnd(start, lineEnd), let ts = parseISOTimestamp(cursor.storage, start, space) {
                try flush()
                pendingTimestamp = ts
                pendingPosition = Position(line: line, byte: cursor.baseOffset + Int64(start))
                pending.removeAll(keepingCapacity: true)
                pending.append(
                    contentsOf: UnsafeBufferPointer(start: cursor.storage + space + 1, count: lineEnd - space - 1))
            } else if pendingTimestamp != nil {
                pending.append(0x0A)
                pending.append(contentsOf: UnsafeBufferPointer(start: cursor.storage + start, count: lineEnd - start))
            } else if lineEnd > start {
                try sink.reject(
                    InputReject(
                        position: Position(line: line, byte: cursor.baseOffset + Int64(start)),
                        reason: "line does not start with a timestamp", raw: cursor.bytes(start, lineEnd)))
            }
            cursor.pos = next
        }
        try flush()
    }

    /// Index of the space after a leading `YYYY-MM-DDTHH:MM:SS[.fff]Z`, if the line starts with one.
    private func s3TimestampEnd(_ start: Int, _ stop: Int) -> Int? {
        let p = cursor.storage
        guard stop - start >= 20, p[start + 4] == 0x2D, p[start + 10] == 0x54 else { return nil }
        var i = start + 19
        while i < stop && i < start + 40 {
            if p[i] == 0x20 { return i }
            i += 1
        }
        return nil
    }

    private func flush() throws {
        guard let ts = pendingTimestamp else { return }
        pendingTimestamp = nil
        try pending.withUnsafeBytes { m in
            guard isValidUTF8(m.baseAddress!.assumingMemoryBound(to: UInt8.self), m.count) else {
                return try sink.reject(
                    InputReject(position: pendingPosition, reason: "invalid UTF-8 in message", raw: m))
            }
            try sink.event(
                EnvelopeEvent(timestampMs: ts, message: m, logGroup: nil, logStream: stream, position: pendingPosition))
        }
    }
}

/// The Logs Insights console's CSV export: a header naming `@timestamp`, `@message` (and maybe
/// `@logStream`, `@log`), RFC 4180 quoting, fields that may span lines.
///
/// A row that is not RFC 4180 (a quote inside a field, a field count other than the header's) is never cut
/// short. The console writes messages holding quotes without doubling them (`"{"kind":"Event",...}"`); when
/// every other column still parses on its own, from the start and from the end of the row, @message is all
/// the text between them (without its outer quotes), read whole and counted in one warning per file.
/// Otherwise the row is a reject naming its line.
final class InsightsCSVReader {
    private let cursor: StreamCursor
    private let sink: EventSink
    private let warn: ((String) -> Void)?
    /// The record's fields, back to back in one buffer (decoded: doubled quotes undone).
    private let fieldBytes = ByteBuffer(capacity: 64 << 10)
    private var fieldStart: [Int] = []
    private var fieldEnd: [Int] = []
    /// The last record's bytes in the buffer (line end excluded), and whether its quoting was RFC 4180.
    private var recordStart = 0
    private var recordStop = 0
    private var recordQuotingValid = true

    private func field(_ i: Int) -> UnsafeBufferPointer<UInt8> {
        fieldBytes.slice(fieldStart[i], fieldEnd[i] - fieldStart[i])
    }
    private var line = 1

    init(cursor: StreamCursor, sink: EventSink, warn: ((String) -> Void)? = nil) {
        self.cursor = cursor
        self.sink = sink
        self.warn = warn
    }

    func run() throws {
        sink.shape(.insightsCSV)
        try cursor.skipByteOrderMark()
        guard let headerCount = try readRecord() else { return }
        let header = (0..<headerCount).map { String(decoding: field($0), as: UTF8.self).trimmingSpaces() }
        let tsIndex = header.firstIndex(of: "@timestamp")
        let messageIndex = header.firstIndex(of: "@message")
        let streamIndex = header.firstIndex(of: "@logStream")
        let logIndex = header.firstIndex(of: "@log")
        guard let tsIndex, let messageIndex else {
            try sink.reject(
                InputReject(
                    position: Position(line: 1, byte: 0), reason: "CSV header has no @timestamp and @message columns",
                    raw: UnsafeRawBufferPointer(start: nil, count: 0)))
            return
        }
        var streams = NameCache()
        var groups = NameCache()
        var wholeRows = 0
        var firstWholeRow = 0
        defer {
            if wholeRows > 0 {
                warn?(
                    "\(wholeRows) row\(wholeRows == 1 ? "" : "s") not quoted as RFC 4180 (first at line \(firstWholeRow)): "
                        + "@message read whole, as all the text between the other columns")
            }
        }
        while true {
            let recordLine = line
            let recordByte = cursor.absolutePos
            guard var count = try readRecord() else { break }
            if count == 1 && field(0).isEmpty && recordQuotingValid { continue }  // blank line
            let at = Position(line: recordLine, byte: recordByte)
            if !recordQuotingValid || count != header.count {
                guard readWholeMessage(columns: header.count, message: messageIndex) else {
                    let reason =
                        recordQuotingValid
                        ? "CSV row is not RFC 4180: \(count) fields, the header has \(header.count)"
                        : "CSV row is not RFC 4180: a quote inside a field"
                    try sink.reject(
                        InputReject(
                            position: at, reason: reason,
                            raw: cursor.bytes(recordStart, min(recordStop, recordStart + 65536))))
                    continue
                }
                count = header.count
                wholeRows += 1
                if wholeRows == 1 { firstWholeRow = recordLine }
            }
            let tsField = field(tsIndex)
            guard let ts = tsField.isEmpty ? nil : parseISOTimestamp(tsField.baseAddress!, 0, tsField.count) else {
                try sink.reject(
                    InputReject(
                        position: at, reason: "CSV row without a valid @timestamp", raw: UnsafeRawBufferPointer(tsField)
                    ))
                continue
            }
            let stream = streamIndex.flatMap { $0 < count ? streams.name(field($0)) : nil }
            var group: String?
            if let logIndex, logIndex < count {
                let log = field(logIndex)
                group = groups.name(
                    log.firstIndex(of: 0x3A).map { UnsafeBufferPointer(rebasing: log[($0 + 1)...]) } ?? log)
            }
            let m = UnsafeRawBufferPointer(field(messageIndex))
            guard m.count == 0 || isValidUTF8(m.baseAddress!.assumingMemoryBound(to: UInt8.self), m.count) else {
                try sink.reject(InputReject(position: at, reason: "invalid UTF-8 in message", raw: m))
                continue
            }
            try sink.event(EnvelopeEvent(timestampMs: ts, message: m, logGroup: group, logStream: stream, position: at))
        }
    }

    /// Reads one record into `fields`; returns its field count, or nil at the end of input.
    private func readRecord() throws -> Int? {
        // Make sure the whole record is in the buffer: find its end, honouring quotes.
        let stop: Int
        switch try cursor.recordEnd(quoting: true) {
        case .at(let i): stop = i
        case .endOfInput: return nil
        case .tooLong:
            try sink.reject(cursor.recordReject(line: line, "CSV record longer than \(cursor.limitText)"))
            cursor.resetFull()
            return nil
        case .unterminated:
            if cursor.pendingError == nil {
                try sink.reject(cursor.recordReject(line: line, "unterminated quoted field"))
            }
            cursor.pos = cursor.end
            return nil
        }
        var count = 0
        var i = cursor.pos
        let p = cursor.storage
        var lineEnd = stop
        if lineEnd > i && p[lineEnd - 1] == 0x0D { lineEnd -= 1 }
        recordStart = i
        recordStop = lineEnd
        recordQuotingValid = true
        // Lines are counted over the whole record: with stray quotes, a newline may sit outside a quoted run.
        line += cursor.newlines(i, stop)
        fieldBytes.removeAll()
        func begin() {
            if count == fieldStart.count {
                fieldStart.append(0)
                fieldEnd.append(0)
            }
            fieldStart[count] = fieldBytes.count
        }
        while true {
            begin()
            if i < lineEnd && p[i] == 0x22 {
                let closed = readQuotedCSVField(p, &i, lineEnd, into: fieldBytes)
                // Text between the closing quote and the comma: not RFC 4180 (see readWholeMessage).
                let s = i
                while i < lineEnd && p[i] != 0x2C { i += 1 }
                if !closed || i > s { recordQuotingValid = false }
                fieldBytes.append(p + s, i - s)
            } else {
                let s = i
                while i < lineEnd && p[i] != 0x2C { i += 1 }
                if i > s && memchr(p + s, 0x22, i - s) != nil { recordQuotingValid = false }
                fieldBytes.append(p + s, i - s)
            }
            fieldEnd[count] = fieldBytes.count
            count += 1
            if i < lineEnd && p[i] == 0x2C {
                i += 1
                continue
            }
            break
        }
        line += 1
        cursor.pos = min(stop + 1, cursor.end)
        return count
    }

    // MARK: Rows that are not RFC 4180

    /// Re-reads the last record as `columns` fields where only the `message` column may be malformed: the
    /// columns before it parse from the row's start, those after it from its end, and the message is the
    /// text between (its outer quotes removed, nothing else undone). False, with the fields untouched, when
    /// that is ambiguous: another column does not parse, a quoted message does not end in its quote, or a
    /// line inside the message starts like a row of its own (a stray quote ran the record on).
    private func readWholeMessage(columns: Int, message: Int) -> Bool {
        let p = cursor.storage
        var left: [(Int, Int)] = []
        var start = recordStart
        for _ in 0..<message {
            guard let end = Self.fieldEnd(p, start, recordStop) else { return false }
            left.append((start, end))
            guard end < recordStop else { return false }
            start = end + 1
        }
        var right: [(Int, Int)] = []
        var stop = recordStop
        for _ in (message + 1)..<max(columns, message + 1) {
            guard let begin = Self.fieldStart(p, recordStart, stop), begin > start else { return false }
            right.append((begin, stop))
            stop = begin - 1
        }
        guard start <= stop else { return false }
        var m = (start, stop)
        if stop > start && p[start] == 0x22 {
            guard stop - start >= 2, p[stop - 1] == 0x22 else { return false }
            m = (start + 1, stop - 1)
        }
        var k = m.0
        while k < m.1, let nl = memchr(p + k, 0x0A, m.1 - k) {
            k = p.distance(to: nl.assumingMemoryBound(to: UInt8.self)) + 1
            var comma = k
            while comma < m.1 && comma < k + 40 && p[comma] != 0x2C { comma += 1 }
            if comma < m.1, p[comma] == 0x2C, comma - k >= 10, parseISOTimestamp(p, k, comma) != nil { return false }
        }
        fieldBytes.removeAll()
        for (n, (s, e)) in (left + [m] + right.reversed()).enumerated() {
            if n == fieldStart.count {
                fieldStart.append(0)
                fieldEnd.append(0)
            }
            fieldStart[n] = fieldBytes.count
            if n != message && e > s && p[s] == 0x22 {
                // A well-formed quoted field: drop its quotes, undo doubled ones.
                var i = s + 1
                while i < e - 1 {
                    fieldBytes.append(p + i, 1)
                    i += p[i] == 0x22 ? 2 : 1
                }
            } else {
                fieldBytes.append(p + s, e - s)
            }
            fieldEnd[n] = fieldBytes.count
        }
        return true
    }

    /// The end of the RFC 4180 field starting at `i` (at a comma or `stop`), or nil when it is not one.
    private static func fieldEnd(_ p: UnsafeMutablePointer<UInt8>, _ i: Int, _ stop: Int) -> Int? {
        var j = i
        if j < stop && p[j] == 0x22 {
            j += 1
            while true {
                guard j < stop else { return nil }
                if p[j] == 0x22 {
                    if j + 1 < stop && p[j + 1] == 0x22 {
                        j += 2
                        continue
                    }
                    j += 1
                    break
                }
                j += 1
            }
            return j == stop || p[j] == 0x2C ? j : nil
        }
        while j < stop && p[j] != 0x2C {
            if p[j] == 0x22 { return nil }
            j += 1
        }
        return j
    }

    /// The start of the RFC 4180 field ending at `stop` (just after a comma, or `lower`), read backwards;
    /// nil when it is not one.
    private static func fieldStart(_ p: UnsafeMutablePointer<UInt8>, _ lower: Int, _ stop: Int) -> Int? {
        var j = stop - 1
        if j >= lower && p[j] == 0x22 {
            j -= 1
            while true {
                guard j >= lower else { return nil }
                if p[j] == 0x22 {
                    if j - 1 >= lower && p[j - 1] == 0x22 {
                        j -= 2
                        continue
                    }
                    break
                }
                j -= 1
            }
            return j == lower || p[j - 1] == 0x2C ? j : nil
        }
        while j >= lower && p[j] != 0x2C {
            if p[j] == 0x22 { return nil }
            j -= 1
        }
        return j + 1
    }
}

extension String {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\r" || f == "\"" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" || l == "\"" { s.removeLast() }
        return String(s)
    }
}
