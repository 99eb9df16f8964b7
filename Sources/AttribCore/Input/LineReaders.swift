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
                try sink.reject(InputReject(position: Position(line: line, byte: cursor.absolutePos), reason: "line longer than \(cursor.maxCapacity >> 20) MiB", raw: cursor.bytes(cursor.pos, cursor.pos + 4096)))
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
                pending.append(contentsOf: UnsafeBufferPointer(start: cursor.storage + space + 1, count: lineEnd - space - 1))
            } else if pendingTimestamp != nil {
                pending.append(0x0A)
                pending.append(contentsOf: UnsafeBufferPointer(start: cursor.storage + start, count: lineEnd - start))
            } else if lineEnd > start {
                try sink.reject(InputReject(position: Position(line: line, byte: cursor.baseOffset + Int64(start)),
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
                return try sink.reject(InputReject(position: pendingPosition, reason: "invalid UTF-8 in message", raw: m))
            }
            try sink.event(EnvelopeEvent(timestampMs: ts, message: m, logGroup: nil, logStream: stream, position: pendingPosition))
        }
    }
}

/// The Logs Insights console's CSV export: a header naming `@timestamp`, `@message` (and maybe
/// `@logStream`, `@log`), RFC 4180 quoting, fields that may span lines.
final class InsightsCSVReader {
    private let cursor: StreamCursor
    private let sink: EventSink
    /// The record's fields, back to back in one buffer (decoded: doubled quotes undone).
    private let fieldBytes = ByteBuffer(capacity: 64 << 10)
    private var fieldStart: [Int] = []
    private var fieldEnd: [Int] = []

    private func field(_ i: Int) -> UnsafeBufferPointer<UInt8> { fieldBytes.slice(fieldStart[i], fieldEnd[i] - fieldStart[i]) }
    private var line = 1

    init(cursor: StreamCursor, sink: EventSink) {
        self.cursor = cursor
        self.sink = sink
    }

    func run() throws {
        sink.shape(.insightsCSV)
        // A UTF-8 byte order mark is common in console exports.
        if cursor.end - cursor.pos >= 3, cursor.storage[cursor.pos] == 0xEF, cursor.storage[cursor.pos + 1] == 0xBB,
            cursor.storage[cursor.pos + 2] == 0xBF
        {
            cursor.pos += 3
        }
        guard let headerCount = try readRecord() else { return }
        let header = (0..<headerCount).map { String(decoding: field($0), as: UTF8.self).trimmingSpaces() }
        let tsIndex = header.firstIndex(of: "@timestamp")
        let messageIndex = header.firstIndex(of: "@message")
        let streamIndex = header.firstIndex(of: "@logStream")
        let logIndex = header.firstIndex(of: "@log")
        guard let tsIndex, let messageIndex else {
            try sink.reject(InputReject(position: Position(line: 1, byte: 0), reason: "CSV header has no @timestamp and @message columns", raw: UnsafeRawBufferPointer(start: nil, count: 0)))
            return
        }
        var streams = NameCache()
        var groups = NameCache()
        while true {
            let recordLine = line
            let recordByte = cursor.absolutePos
            guard let count = try readRecord() else { break }
            if count == 1 && field(0).isEmpty { continue }  // blank line
            let at = Position(line: recordLine, byte: recordByte)
            guard count > max(tsIndex, messageIndex) else {
                try sink.reject(InputReject(position: at, reason: "CSV row has \(count) fields, expected \(header.count)", raw: UnsafeRawBufferPointer(start: nil, count: 0)))
                continue
            }
            let tsField = field(tsIndex)
            guard let ts = tsField.isEmpty ? nil : parseISOTimestamp(tsField.baseAddress!, 0, tsField.count) else {
                try sink.reject(InputReject(position: at, reason: "CSV row without a valid @timestamp", raw: UnsafeRawBufferPointer(tsField)))
                continue
            }
            let stream = streamIndex.flatMap { $0 < count ? streams.name(field($0)) : nil }
            var group: String?
            if let logIndex, logIndex < count {
                let log = field(logIndex)
                group = groups.name(log.firstIndex(of: 0x3A).map { UnsafeBufferPointer(rebasing: log[($0 + 1)...]) } ?? log)
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
        var offset = 0
        var inQuotes = false
        var recordEnd: Int?
        while recordEnd == nil {
            let p = cursor.storage
            var i = cursor.pos + offset
            while i < cursor.end {
                let c = p[i]
                if c == 0x22 {
                    inQuotes.toggle()
                } else if c == 0x0A && !inQuotes {
                    recordEnd = i
                    break
                }
                i += 1
            }
            if recordEnd != nil { break }
            offset = i - cursor.pos
            if try !cursor.fill() {
                if cursor.full {
                    try sink.reject(InputReject(position: Position(line: line, byte: cursor.absolutePos), reason: "CSV record longer than \(cursor.maxCapacity >> 20) MiB", raw: cursor.bytes(cursor.pos, cursor.pos + 4096)))
                    cursor.resetFull()
                    return nil
                }
                if cursor.pos >= cursor.end { return nil }
                if inQuotes {
                    if cursor.pendingError == nil {
                        try sink.reject(InputReject(position: Position(line: line, byte: cursor.absolutePos), reason: "unterminated quoted field", raw: cursor.bytes(cursor.pos, min(cursor.end, cursor.pos + 4096))))
                    }
                    cursor.pos = cursor.end
                    return nil
                }
                recordEnd = cursor.end
            }
        }
        let stop = recordEnd!
        var count = 0
        var i = cursor.pos
        let p = cursor.storage
        var lineEnd = stop
        if lineEnd > i && p[lineEnd - 1] == 0x0D { lineEnd -= 1 }
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
                // Quoted: runs up to the next quote are copied whole (memchr); "" is one quote.
                i += 1
                while i < lineEnd {
                    let q = memchr(p + i, 0x22, lineEnd - i).map { p.distance(to: $0.assumingMemoryBound(to: UInt8.self)) } ?? lineEnd
                    var k = i
                    while k < q, let nl = memchr(p + k, 0x0A, q - k) {
                        line += 1
                        k = p.distance(to: nl.assumingMemoryBound(to: UInt8.self)) + 1
                    }
                    fieldBytes.append(p + i, q - i)
                    i = q
                    guard i < lineEnd else { break }
                    if i + 1 < lineEnd && p[i + 1] == 0x22 {
                        fieldBytes.append(p + i, 1)
                        i += 2
                        continue
                    }
                    i += 1
                    break
                }
                // Anything between the closing quote and the comma is kept as it is (lenient).
                let s = i
                while i < lineEnd && p[i] != 0x2C { i += 1 }
                fieldBytes.append(p + s, i - s)
            } else {
                let s = i
                while i < lineEnd && p[i] != 0x2C { i += 1 }
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
}

extension String {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\r" || f == "\"" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" || l == "\"" { s.removeLast() }
        return String(s)
    }
}
