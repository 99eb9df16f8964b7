// Reads a stream of JSON values: CloudWatch envelope documents (filter-log-events, get-log-events pages
// back to back, Firehose records `}{`, get-query-results), Logs Insights JSON arrays, and JSON lines.
// Envelopes are streamed member by member; only one event at a time is held in memory.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Which container of events an envelope document has.
private enum EventsKind {
    case cloudWatchEvents  // filter-log-events / get-log-events "events"
    case firehoseLogEvents  // Firehose "logEvents"
    case queryResults  // get-query-results "results": rows of {field, value}
    case insightsRows  // the console's JSON export: rows of {"@timestamp", "@message", ...}
    case logEntries  // Google Cloud Logging LogEntry objects (gcloud's array, a sink file's lines)
}

/// Whether the value at `i` is a CloudWatch event object, whole in `v`: it has a `message` and an `eventId`,
/// `ingestionTime` or `logStreamName` (the first element of `aws logs filter-log-events --query events`).
func isCloudWatchEvent(_ v: JSONBytes, _ i: Int) -> Bool {
    var message = false
    var eventKey = false
    let end = v.forEachMemberEnd(i) { ks, ke, _, _ in
        if v.equals(ks, ke, "message") { message = true }
        if v.equals(ks, ke, "eventId") || v.equals(ks, ke, "ingestionTime") || v.equals(ks, ke, "logStreamName") {
            eventKey = true
        }
    }
    return end != nil && message && eventKey
}

final class JSONStreamReader {
    private let cursor: StreamCursor
    private let sink: EventSink
    /// Line numbers are exact while the stream is line-oriented (JSON lines); once a multi-line
    /// document appears, positions are byte offsets.
    private var line = 1
    private var linesKnown = true
    private let message = ByteBuffer(capacity: 64 << 10)
    private let scratch = ByteBuffer()
    private var streamNames = NameCache()
    private var rowFields: [(name: (Int, Int), value: (Int, Int))] = []
    private var groupNames = NameCache()
    /// Set when the current document was given up (cut off or broken); its container stops too.
    private var abandoned = false
    /// Set once the stream is known to hold CloudWatch documents (an envelope, an Insights array): a value
    /// between them that is not one (a foreign object, plain text) is a reject, not an event with no time.
    private var documents = false
    /// Set once a JSON line (or plain-text line) was read: the stream is JSON lines, not one document.
    private var readLines = false
    /// Whether the last `startsEnvelope` answer rested on a key only envelopes have.
    private var envelopeByKey = false
    /// Set when the input is Google Cloud Logging's (its first value is a LogEntry, or the shape was given):
    /// every value is then a LogEntry, or an array of them.
    private var logEntries: Bool?

    /// `logEntries`: read the input as Cloud Logging's (true), as CloudWatch's (false), or as its first
    /// value says (nil).
    init(cursor: StreamCursor, sink: EventSink, logEntries: Bool? = nil) {
        self.cursor = cursor
        self.sink = sink
        self.logEntries = logEntries
    }

    private func position(_ index: Int) -> Position {
        Position(line: linesKnown ? line : nil, byte: cursor.baseOffset + Int64(index))
    }

    func run() throws {
        try cursor.skipByteOrderMark()
        if logEntries ?? startsWithLogEntry(cursor.storage, cursor.pos, cursor.end) {
            return try readLogEntries()
        }
        documents = headHasEnvelope()
        while true {
            guard let c = try cursor.peekNonSpace(newlines: &line) else { break }
            switch c {
            case 0x7B:
                if try startsEnvelope() {
                    if envelopeByKey { documents = true }
                    linesKnown = false
                    try readEnvelope()
                } else if documents {
                    try rejectOutsideDocuments()
                } else {
                    try readLineObject()
                }
            case 0x5B where readLines && !documents:
                // A line of a JSON-lines file that is an array: one reject for the line, not a document.
                try rejectLine("line is a JSON array, not an object")
            case 0x5B:
                documents = true
                linesKnown = false
                cursor.pos += 1
                if arrayHoldsCloudWatchEvents() {
                    // `aws logs filter-log-events --query events`: the events array alone.
                    try readEventsArray(.cloudWatchEvents, group: nil, stream: nil)
                } else {
                    sink.shape(.insightsJSON)
                    try readEventsArray(.insightsRows, group: nil, stream: nil)
                }
            default:
                if documents {
                    try rejectOutsideDocuments()
                } else {
                    try readPlainLine()
                }
            }
        }
    }

    /// Whether the array starting before `cursor.pos` holds CloudWatch events (as `--query events` prints
    /// them; `isCloudWatchEvent`). Otherwise it is read as Logs Insights rows (whose keys start with `@`).
    private func arrayHoldsCloudWatchEvents() -> Bool {
        let v = JSONBytes(base: cursor.storage, end: cursor.end)
        return isCloudWatchEvent(v, v.skipSpace(cursor.pos))
    }

    /// Whether a line in the first buffer starts with a key only envelopes have (`{"messageType":`, ...),
    /// so that a foreign line before the first record of a Firehose file is caught too.
    private func headHasEnvelope() -> Bool {
        let p = cursor.storage
        var i = cursor.pos
        while i < cursor.end {
            let lineEnd =
                memchr(p + i, 0x0A, cursor.end - i).map { p.distance(to: $0.assumingMemoryBound(to: UInt8.self)) }
                ?? cursor.end
            let v = JSONBytes(base: p, end: lineEnd)
            var k = v.skipSpace(i)
            if k < lineEnd, p[k] == 0x7B {
                k = v.skipSpace(k + 1)
                if k < lineEnd, p[k] == 0x22, let close = memchr(p + k + 1, 0x22, lineEnd - k - 1) {
                    let keyStop = p.distance(to: close.assumingMemoryBound(to: UInt8.self))
                    for key in Self.envelopeKeys where v.equals(k + 1, keyStop, key) { return true }
                }
            }
            i = lineEnd + 1
        }
        return false
    }

    /// Keys that start an envelope and never a log line.
    private static let envelopeKeys: [StaticString] = [
        "events", "logEvents", "results", "searchedLogStreams", "messageType", "nextForwardToken",
        "nextBackwardToken", "subscriptionFilters", "statistics",
    ]

    /// A value between CloudWatch documents that is not one: a JSON value up to its end, else the line.
    private func rejectOutsideDocuments() throws {
        let newline = try cursor.findNewline()
        if cursor.full {
            try rejectOversizedLine()
            return
        }
        let lineEnd = newline ?? cursor.end
        var stop = lineEnd
        if cursor.storage[cursor.pos] == 0x7B,
            case .complete(let valueEnd) = JSONBytes(base: cursor.storage, end: lineEnd).scanValue(cursor.pos)
        {
            stop = valueEnd
        }
        try reject(cursor.pos, stop, "not a CloudWatch export document")
        cursor.pos = stop
    }

    // MARK: JSON lines

    /// A router log line as the container wrote it: the line is the message.
    private func readLineObject() throws {
        let newline = try cursor.findNewline()
        if cursor.full {
            try rejectOversizedLine()
            return
        }
        let lineEnd = newline ?? cursor.end
        let lineView = JSONBytes(base: cursor.storage, end: lineEnd)
        switch lineView.scanValue(cursor.pos) {
        case .complete(let valueEnd):
            sink.shape(.jsonLines)
            readLines = true
            try emit(timestamp: nil, cursor.pos, valueEnd, group: nil, stream: nil, at: position(cursor.pos))
            cursor.pos = valueEnd
        case .incomplete, .invalid:
            let reason =
                newline == nil && cursor.pendingError == nil ? "JSON cut off at end of input" : "malformed JSON line"
            if cursor.pendingError == nil || newline != nil {
                try reject(cursor.pos, lineEnd, reason)
            }
            cursor.pos = lineEnd
        }
    }

    /// Plain text (a traceback, an access log line): kept as an event with no fields.
    private func readPlainLine() throws {
        let newline = try cursor.findNewline()
        if cursor.full {
            try rejectOversizedLine()
            return
        }
        let lineEnd = newline ?? cursor.end
        sink.shape(.jsonLines)
        readLines = true
        try emit(timestamp: nil, cursor.pos, lineEnd, group: nil, stream: nil, at: position(cursor.pos))
        cursor.pos = lineEnd
    }

    /// The rest of the line as one reject.
    private func rejectLine(_ reason: String) throws {
        let newline = try cursor.findNewline()
        if cursor.full {
            try rejectOversizedLine()
            return
        }
        let lineEnd = newline ?? cursor.end
        try reject(cursor.pos, lineEnd, reason)
        cursor.pos = lineEnd
    }

    private func rejectOversizedLine() throws {
        let at = position(cursor.pos)
        try sink.reject(
            InputReject(
                position: at, reason: "line longer than \(cursor.limitText)",
                raw: cursor.bytes(cursor.pos, min(cursor.end, cursor.pos + 4096))))
        cursor.resetFull()
        if try cursor.skipLine() { line += 1 }
    }

    // MARK: Cloud Logging

    /// Google Cloud Logging's exports: arrays of LogEntry objects (`gcloud logging read --format=json`,
    /// streamed element by element) and LogEntry lines (a Cloud Storage sink file).
    private func readLogEntries() throws {
        while true {
            guard let c = try cursor.peekNonSpace(newlines: &line) else { break }
            switch c {
            case 0x5B:
                linesKnown = false
                sink.shape(.gcloudLoggingRead)
                cursor.pos += 1
                try readEventsArray(.logEntries, group: nil, stream: nil)
            case 0x7B:
                let newline = try cursor.findNewline()
                if cursor.full {
                    try rejectOversizedLine()
                    continue
                }
                let lineEnd = newline ?? cursor.end
                guard case .complete(let valueEnd) = JSONBytes(base: cursor.storage, end: lineEnd).scanValue(cursor.pos)
                else {
                    let cut = newline == nil && cursor.pendingError == nil
                    if cursor.pendingError == nil || newline != nil {
                        try reject(
                            cursor.pos, lineEnd, cut ? "LogEntry cut off at end of input" : "malformed JSON line")
                    }
                    cursor.pos = lineEnd
                    continue
                }
                sink.shape(.cloudLoggingSink)
                _ = try readElement(.logEntries, cursor.pos, valueEnd, group: nil, stream: nil, inPlace: false)
                cursor.pos = valueEnd
            default:
                try rejectLine("not a Cloud Logging LogEntry")
            }
        }
    }

    // MARK: Envelopes

    /// Whether the object at `pos` is a CloudWatch envelope (its events are streamed) or a log line.
    /// Envelopes start with keys a log line does not have; a few keys (`status`, `logGroup`, ...) occur
    /// in both, so for those the line is looked at whole: an envelope has an events array.
    private func startsEnvelope() throws -> Bool {
        envelopeByKey = false
        let r = try cursor.scan(at: 0) { v, i in
            let k = v.skipSpace(i + 1)
            if k >= v.end { return .incomplete }
            guard v[k] == 0x22 else { return .invalid(k) }
            return v.scanString(k)
        }
        guard case .complete(let keyEnd) = r else { return false }
        let v = cursor.view
        let keyStart = v.skipSpace(cursor.pos + 1) + 1
        let keyStop = keyEnd - 1
        for key in Self.envelopeKeys where v.equals(keyStart, keyStop, key) {
            envelopeByKey = true
            return true
        }
        var shared = false
        for key: StaticString in ["status", "owner", "logGroup", "logStream", "nextToken", "encryptionKey"]
        where v.equals(keyStart, keyStop, key) {
            shared = true
        }
        guard shared else { return false }
        let newline = try cursor.findNewline()
        if cursor.full {
            cursor.resetFull()
            return true  // longer than any log line: a document
        }
        let line = JSONBytes(base: cursor.storage, end: newline ?? cursor.end)
        var hasEvents = false
        let complete = line.forEachMemberEnd(cursor.pos) { ks, ke, vs, _ in
            if line[vs] == 0x5B
                && (line.equals(ks, ke, "events") || line.equals(ks, ke, "logEvents") || line.equals(ks, ke, "results"))
            {
                hasEvents = true
            }
        }
        return complete == nil || hasEvents
    }

    private func readEnvelope() throws {
        abandoned = false
        let docStart = cursor.pos
        cursor.pos += 1
        var group: String?
        var stream: String?
        var control = false
        var sawEvents = false
        // An empty page still names its shape (events name it as they are read).
        var emptyEvents = false
        var searched = false
        var ignored = 0
        while true {
            guard let c = try cursor.peekNonSpace(newlines: &ignored) else {
                try truncated(docStart, "document cut off at end of input")
                return
            }
            if c == 0x7D {
                cursor.pos += 1
                if !sawEvents {
                    // Never silent: a document that looked like an envelope but carried no events.
                    try sink.reject(
                        InputReject(
                            position: Position(byte: cursor.absolutePos), reason: "JSON document without events",
                            raw: UnsafeRawBufferPointer(start: nil, count: 0)))
                } else if emptyEvents {
                    sink.shape(searched ? .filterLogEvents : .getLogEvents)
                }
                return
            }
            if c == 0x2C {
                cursor.pos += 1
                continue
            }
            guard c == 0x22, case .complete(let keyEnd) = try cursor.scan({ v, i in v.scanString(i) }) else {
                try malformedDocument()
                return
            }
            let v = cursor.view
            let keyStart = cursor.pos + 1
            let keyStop = keyEnd - 1
            let isEvents = v.equals(keyStart, keyStop, "events")
            let isLogEvents = v.equals(keyStart, keyStop, "logEvents")
            let isResults = v.equals(keyStart, keyStop, "results")
            let isGroup = v.equals(keyStart, keyStop, "logGroup")
            let isStream = v.equals(keyStart, keyStop, "logStream")
            let isType = v.equals(keyStart, keyStop, "messageType")
            let isForward = v.equals(keyStart, keyStop, "nextForwardToken")
            if v.equals(keyStart, keyStop, "searchedLogStreams") { searched = true }
            cursor.pos = keyEnd
            guard try cursor.peekNonSpace(newlines: &ignored) == 0x3A else {
                try malformedDocument()
                return
            }
            cursor.pos += 1
            guard let valueByte = try cursor.peekNonSpace(newlines: &ignored) else {
                try truncated(docStart, "document cut off at end of input")
                return
            }
            if valueByte == 0x5B && (isEvents || isLogEvents || isResults) {
                sawEvents = true
                cursor.pos += 1
                if isEvents {
                    if try cursor.peekNonSpace(newlines: &ignored) == 0x5D { emptyEvents = true }
                    try readEventsArray(.cloudWatchEvents, group: group, stream: stream)
                } else if isLogEvents {
                    sink.shape(.firehose)
                    if control {
                        try skipValueInArray()
                    } else {
                        try readEventsArray(.firehoseLogEvents, group: group, stream: stream)
                    }
                } else {
                    sink.shape(.queryResults)
                    try readEventsArray(.queryResults, group: nil, stream: nil)
                }
                if abandoned { return }
                continue
            }
            let r = try cursor.scan { v, i in v.scanValue(i) }
            guard case .complete(let valueEnd) = r else {
                if r == .incomplete && !cursor.full {
                    try truncated(docStart, "document cut off at end of input")
                } else {
                    try malformedDocument()
                }
                return
            }
            if isGroup || isStream || isType {
                let view = cursor.view
                scratch.removeAll()
                if view.readString(cursor.pos, into: scratch) != nil {
                    if isGroup { group = String(decoding: scratch.bytes, as: UTF8.self) }
                    if isStream { stream = String(decoding: scratch.bytes, as: UTF8.self) }
                    if isType && scratch.bytes.elementsEqual("CONTROL_MESSAGE".utf8) { control = true }
                }
            }
            if isForward { sink.shape(.getLogEvents) }
            cursor.pos = valueEnd
        }
    }

    /// The array `[` has been consumed; reads elements until `]`.
    private func readEventsArray(_ kind: EventsKind, group: String?, stream: String?) throws {
        var ignored = 0
        while true {
            guard let c = try cursor.peekNonSpace(newlines: &ignored) else {
                try truncated(cursor.pos, "document cut off at end of input")
                return
            }
            if c == 0x5D {
                cursor.pos += 1
                return
            }
            if c == 0x2C {
                cursor.pos += 1
                continue
            }
            // One pass when the element is whole in the buffer (nearly always): its fields are read as it
            // is walked, instead of scanning it once for its end and again for its fields (-15% of reading).
            if let elementEnd = try readElement(
                kind, cursor.pos, cursor.end, group: group, stream: stream, inPlace: true)
            {
                cursor.pos = elementEnd
                continue
            }
            let r = try cursor.scan { v, i in v.scanValue(i) }
            switch r {
            case .complete(let elementEnd):
                _ = try readElement(kind, cursor.pos, elementEnd, group: group, stream: stream, inPlace: false)
                cursor.pos = elementEnd
            case .invalid(let at):
                try reject(cursor.pos, min(at + 1, cursor.end), "malformed event in JSON document")
                cursor.pos = at
                guard try resyncInArray() else { return }
            case .incomplete:
                if cursor.full {
                    try reject(cursor.pos, min(cursor.end, cursor.pos + 4096), "event larger than \(cursor.limitText)")
                    cursor.resetFull()
                    guard try cursor.skipLine(), try resyncInArray() else { return }
                } else {
                    try truncated(cursor.pos, "document cut off at end of input")
                    cursor.pos = cursor.end
                    return
                }
            }
        }
    }

    /// After a bad element in a pretty-printed document, skips to the next line that starts an
    /// element (`{`) or ends the array (`]`). Returns false at the end of input.
    private func resyncInArray() throws -> Bool {
        var ignored = 0
        while true {
            guard try cursor.skipLine() else { return false }
            guard let c = try cursor.peekNonSpace(newlines: &ignored) else { return false }
            if c == 0x7B || c == 0x5B || c == 0x5D { return true }
        }
    }

    private func skipValueInArray() throws {
        cursor.pos -= 1
        let r = try cursor.scan { v, i in v.scanValue(i) }
        if case .complete(let e) = r { cursor.pos = e } else { try malformedDocument() }
    }

    /// Reads the element at `start` (an event, row or result) and emits its event or a reject. `inPlace`:
    /// `stop` is only the end of the buffer, the element may not be whole; then nothing is emitted and nil
    /// returned when it does not parse, for the caller to take the validating path. Returns its end.
    private func readElement(
        _ kind: EventsKind, _ start: Int, _ stop: Int, group: String?, stream: String?, inPlace: Bool
    ) throws -> Int? {
        let v = JSONBytes(base: cursor.storage, end: stop)
        var elementEnd: Int?
        var timestamp: Int64?
        var messageFound = false
        var streamName = stream
        var groupName = group
        var eventStream: (Int, Int)?
        var identity: UInt64?
        let at = position(start)
        switch kind {
        case .logEntries:
            var entry = LogEntryMembers()
            elementEnd = v.forEachMemberEnd(start) { ks, ke, vs, ve in entry.note(v, ks, ke, vs, ve) }
            guard elementEnd != nil else {
                if inPlace { return nil }
                try reject(start, stop, "LogEntry is not a JSON object")
                return stop
            }
            message.removeAll()
            if let (ps, pe) = entry.payload {
                messageFound =
                    entry.payloadIsText ? v.readString(ps, into: message, wide: JSONBytes.wideStrings) != nil : true
                if !entry.payloadIsText { appendCompactJSON(v, ps, pe, to: message) }
            }
            // The time: `timestamp`, else when Cloud Logging received the entry.
            var nanos: Int64 = 0
            for (ts, _) in [entry.timestamp, entry.receiveTimestamp].compactMap({ $0 }) where timestamp == nil {
                scratch.removeAll()
                guard v.readString(ts, into: scratch) != nil, let b = scratch.bytes.baseAddress else { continue }
                timestamp = parseISOTimestamp(b, 0, scratch.count)
                nanos = (timestamp ?? 0) &* 1_000_000 &+ subMillisecondNanos(b, scratch.count)
            }
            // The identity: `insertId` within `logName` at `timestamp` (without an insertId, the text and time).
            var seed = UInt64(bitPattern: nanos)
            if let (ls, _) = entry.logName {
                scratch.removeAll()
                if v.readString(ls, into: scratch) != nil {
                    groupName = groupNames.name(scratch.bytes)
                    seed = logEntryIdentity(scratch.bytes, seed: seed)
                }
            }
            if let (ids, _) = entry.insertId, timestamp != nil {
                scratch.removeAll()
                if v.readString(ids, into: scratch) != nil { identity = logEntryIdentity(scratch.bytes, seed: seed) }
            }
            if !messageFound {
                try reject(start, elementEnd!, "LogEntry without jsonPayload or textPayload")
                return elementEnd
            }
        case .cloudWatchEvents, .firehoseLogEvents:
            // The message is decoded as it is walked (one pass over the longest value).
            // swift-format-ignore: OnlyOneTrailingClosureArgument
            elementEnd = v.forEachMemberEnd(
                start,
                take: { ks, ke, vs in
                    guard v.equals(ks, ke, "message") else { return nil }
                    let e = decodeMessage(v, vs)
                    messageFound = e != nil
                    return e
                }
            ) { ks, ke, vs, ve in
                if v.equals(ks, ke, "timestamp") {
                    timestamp = parseInteger(v.base, vs, ve)
                } else if v.equals(ks, ke, "logStreamName") {
                    eventStream = (vs, ve)
                }
            }
            guard elementEnd != nil else {
                if inPlace { return nil }
                try reject(start, stop, "event is not a JSON object")
                return stop
            }
            if kind == .cloudWatchEvents {
                sink.shape(eventStream != nil ? .filterLogEvents : .getLogEvents)
            }
            scratch.removeAll()
            if let (s, e) = eventStream, v.readString(s, into: scratch) != nil, e > s {
                streamName = streamNames.name(scratch.bytes)
            }
        case .insightsRows, .queryResults:
            // The row's fields, in a buffer reused from row to row (no allocation per event).
            var fields: [(name: (Int, Int), value: (Int, Int))] = []
            swap(&fields, &rowFields)
            fields.removeAll(keepingCapacity: true)
            defer { swap(&fields, &rowFields) }
            // The message is decoded as the row is walked (one pass over the longest value).
            if kind == .insightsRows {
                // swift-format-ignore: OnlyOneTrailingClosureArgument
                elementEnd = v.forEachMemberEnd(
                    start,
                    take: { ks, ke, vs in
                        guard v.equals(ks, ke, "@message") else { return nil }
                        let e = decodeMessage(v, vs)
                        messageFound = e != nil
                        return e
                    }
                ) { ks, ke, vs, ve in fields.append(((ks, ke), (vs, ve))) }
                guard elementEnd != nil else {
                    if inPlace { return nil }
                    try reject(start, stop, "row is not a JSON object")
                    return stop
                }
            } else {
                elementEnd = v.forEachElementEnd(
                    start,
                    parse: { es in
                        guard v[es] == 0x7B else {
                            if case .complete(let e) = v.scanValue(es) { return e }  // not a field: skipped
                            return nil
                        }
                        var name: (Int, Int)?
                        var value: (Int, Int)?
                        var isMessage = false
                        // swift-format-ignore: OnlyOneTrailingClosureArgument
                        let end = v.forEachMemberEnd(
                            es,
                            take: { ks, ke, vs in
                                // The value of "@message" when "field" came first, as AWS writes it.
                                guard isMessage, v.equals(ks, ke, "value") else { return nil }
                                let e = decodeMessage(v, vs)
                                messageFound = e != nil
                                return e
                            }
                        ) { ks, ke, vs, ve in
                            if v.equals(ks, ke, "field"), v[vs] == 0x22 {
                                name = (vs + 1, ve - 1)
                                isMessage = v.equals(vs + 1, ve - 1, "@message")
                            }
                            if v.equals(ks, ke, "value") { value = (vs, ve) }
                        }
                        if let name, let value { fields.append((name, value)) }
                        return end
                    })
                guard elementEnd != nil else {
                    if inPlace { return nil }
                    try reject(start, stop, "result row is not an array of fields")
                    return stop
                }
            }
            for (name, value) in fields {
                let (ns, ne) = name
                let (vs, ve) = value
                if v.equals(ns, ne, "@timestamp") {
                    scratch.removeAll()
                    if v.readString(vs, into: scratch) != nil {
                        // "2026-03-01 10:00:00.123" from AWS; some tools (moto) write epoch ms as a string.
                        let b = scratch.bytes
                        timestamp =
                            b.isEmpty
                            ? nil
                            : parseISOTimestamp(b.baseAddress!, 0, b.count)
                                ?? parseInteger(b.baseAddress!, 0, b.count).flatMap {
                                    epochMillis(fromNumber: Double($0))
                                }
                    } else {
                        timestamp = parseInteger(v.base, vs, ve)
                    }
                } else if v.equals(ns, ne, "@message") {
                    messageFound = decodeMessage(v, vs) != nil
                } else if v.equals(ns, ne, "@logStream") {
                    scratch.removeAll()
                    if v.readString(vs, into: scratch) != nil { streamName = streamNames.name(scratch.bytes) }
                } else if v.equals(ns, ne, "@log") {
                    // "123456789012:/ecs/llm-router": the group follows the account id.
                    scratch.removeAll()
                    if v.readString(vs, into: scratch) != nil {
                        let b = scratch.bytes
                        groupName = groupNames.name(
                            b.firstIndex(of: 0x3A).map { UnsafeBufferPointer(rebasing: b[($0 + 1)...]) } ?? b)
                    }
                }
            }
        }
        let end = elementEnd ?? stop
        guard messageFound else {
            try reject(start, end, "event without a message")
            return end
        }
        guard let timestamp else {
            try reject(start, end, "event without a valid timestamp")
            return end
        }
        try emitDecoded(
            timestamp: timestamp, message.raw, group: groupName, stream: streamName, at: at, rawStart: start,
            rawStop: end, identity: identity)
        return end
    }

    /// Decodes the string value at `vs` into `message`; returns its end, or nil when it is not a valid string.
    private func decodeMessage(_ v: JSONBytes, _ vs: Int) -> Int? {
        message.removeAll()
        return v.readString(vs, into: message, wide: JSONBytes.wideStrings)
    }

    // MARK: Emitting

    private func emit(timestamp: Int64?, _ start: Int, _ stop: Int, group: String?, stream: String?, at: Position)
        throws
    {
        let bytes = cursor.bytes(start, stop)
        try emitDecoded(
            timestamp: timestamp, bytes, group: group, stream: stream, at: at, rawStart: start, rawStop: stop)
    }

    private func emitDecoded(
        timestamp: Int64?, _ bytes: UnsafeRawBufferPointer, group: String?, stream: String?,
        at: Position, rawStart: Int, rawStop: Int, identity: UInt64? = nil
    ) throws {
        guard
            isValidUTF8(
                bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? UnsafePointer(bitPattern: 1)!, bytes.count)
        else {
            return try reject(rawStart, rawStop, "invalid UTF-8 in message")
        }
        try sink.event(
            EnvelopeEvent(
                timestampMs: timestamp, message: bytes, logGroup: group, logStream: stream, position: at,
                identity: identity))
    }

    private func reject(_ start: Int, _ stop: Int, _ reason: String) throws {
        let raw = cursor.bytes(start, min(stop, start + 65536))
        try sink.reject(InputReject(position: position(start), reason: reason, raw: raw))
    }

    /// A document that ends early: reported once, unless the decompressor already explains why.
    private func truncated(_ start: Int, _ reason: String) throws {
        abandoned = true
        if cursor.pendingError != nil { return }
        try reject(start, cursor.end, reason)
        cursor.pos = cursor.end
    }

    /// Structure broken outside an events array: the rest of the document cannot be trusted.
    private func malformedDocument() throws {
        try reject(cursor.pos, min(cursor.end, cursor.pos + 200), "malformed JSON document")
        _ = try cursor.skipLine()
    }
}

/// Turns repeated name bytes (log streams) into one shared String instead of one per event.
struct NameCache {
    private var last: [UInt8] = []
    private var lastName: String?

    mutating func name(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        if bytes.isEmpty { return nil }
        if let lastName, bytes.count == last.count,
            last.withUnsafeBufferPointer({ memcmp($0.baseAddress!, bytes.baseAddress!, bytes.count) == 0 })
        {
            return lastName
        }
        last = Array(bytes)
        let s = String(decoding: bytes, as: UTF8.self)
        lastName = s
        return s
    }
}
