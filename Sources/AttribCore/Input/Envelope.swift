// What readers hand out: envelope events (timestamp, message bytes, stream) and rejects, through a sink.

import CHints

/// The export shapes of SPEC §2. A reader reports which one it saw, per file.
public enum Shape: String, Sendable, CaseIterable {
    case filterLogEvents = "filter-log-events"
    case getLogEvents = "get-log-events"
    case s3Export = "s3-export"
    case firehose = "firehose"
    case insightsJSON = "insights-json"
    case insightsCSV = "insights-csv"
    case queryResults = "get-query-results"
    case jsonLines = "json-lines"
    /// Google Cloud Logging: `gcloud logging read --format=json` (one array of LogEntry objects).
    case gcloudLoggingRead = "gcloud-logging-read"
    /// Google Cloud Logging: a Cloud Storage sink file (one LogEntry a line).
    case cloudLoggingSink = "cloud-logging-sink"
    /// Table exports (TableReader): CSV or TSV with a header row, and `sqlite3 -json` arrays of rows.
    case tableCSV = "table-csv"
    case tableTSV = "table-tsv"
    case tableJSON = "table-json"
}

/// Where something is in an input: a line number for line-based shapes, else a byte offset in the
/// decompressed stream.
public struct Position: Sendable, Equatable, CustomStringConvertible {
    public var line: Int?
    public var byte: Int64

    public init(line: Int? = nil, byte: Int64) {
        self.line = line
        self.byte = byte
    }

    public var description: String {
        if let line { return "line \(line)" }
        return "byte \(byte)"
    }
}

/// One event as an export carries it. `message` is only valid during the sink call.
public struct EnvelopeEvent {
    /// The envelope's timestamp (epoch ms), when the shape has one.
    public var timestampMs: Int64?
    public var message: UnsafeRawBufferPointer
    public var logGroup: String?
    public var logStream: String?
    public var position: Position
    /// The event's identity when the shape names one (a Cloud Logging entry's `insertId`, `logName` and
    /// `timestamp`): copies of the entry are one event whatever their bytes (pretty-printed or not).
    public var identity: UInt64? = nil

    /// The message text without the line ends a container or export may leave on it (README: messages are
    /// stored without them, so the same event is the same text in every shape).
    @inline(__always) var messageWithoutLineEnd: UnsafeRawBufferPointer { message.withoutLineEnd }
}

extension UnsafeRawBufferPointer {
    /// These bytes without the line ends (`\n`, `\r`) at their end.
    @inline(__always) var withoutLineEnd: UnsafeRawBufferPointer {
        var n = count
        while n > 0, let c = baseAddress?.load(fromByteOffset: n - 1, as: UInt8.self), c == 0x0A || c == 0x0D {
            n -= 1
        }
        return UnsafeRawBufferPointer(start: baseAddress, count: n)
    }
}

/// Something that could not be read; `raw` (valid only during the call) is kept for inspection.
public struct InputReject {
    public var position: Position
    public var reason: String
    public var raw: UnsafeRawBufferPointer
}

/// Readers push into a sink and never know where events go (ripgrep's sink protocol).
public protocol EventSink: AnyObject {
    func shape(_ shape: Shape)
    func event(_ event: EnvelopeEvent) throws
    func reject(_ reject: InputReject) throws
}

/// Checks that bytes are valid UTF-8. Most log bytes are ASCII: runs of them go 32 bytes at a time (SSE2),
/// then 8, and the check returns to those steps after each multi-byte sequence (not byte by byte to the end).
func isValidUTF8(_ p: UnsafePointer<UInt8>, _ count: Int) -> Bool {
    var i = 0
    while true {
        while i + 32 <= count && attrib_ascii32(p + i) != 0 { i += 32 }
        while i + 8 <= count && UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
            i += 8
        }
        guard i < count else { return true }
        let c = p[i]
        if c < 0x80 {
            i += 1
            continue
        }
        let n: Int
        let minimum: UInt32
        var scalar: UInt32
        if c & 0xE0 == 0xC0 {
            n = 1
            scalar = UInt32(c & 0x1F)
            minimum = 0x80
        } else if c & 0xF0 == 0xE0 {
            n = 2
            scalar = UInt32(c & 0x0F)
            minimum = 0x800
        } else if c & 0xF8 == 0xF0 {
            n = 3
            scalar = UInt32(c & 0x07)
            minimum = 0x10000
        } else {
            return false
        }
        guard i + n < count else { return false }
        for k in 1...n {
            let d = p[i + k]
            guard d & 0xC0 == 0x80 else { return false }
            scalar = scalar << 6 | UInt32(d & 0x3F)
        }
        if scalar < minimum || scalar > 0x10FFFF || (scalar >= 0xD800 && scalar < 0xE000) { return false }
        i += n + 1
    }
}
