// Google Cloud Logging's LogEntry (`gcloud logging read --format=json` arrays, Cloud Storage sink lines):
// recognising one from its keys, and the parts of it an event needs. The reading itself is JSONStreamReader's
// (the streaming array and line readers of the CloudWatch shapes).

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where the members of a LogEntry an event needs are, in one walk over the entry.
struct LogEntryMembers {
    /// String values, quotes included (start, end).
    var insertId: (Int, Int)?
    var logName: (Int, Int)?
    var timestamp: (Int, Int)?
    var receiveTimestamp: (Int, Int)?
    /// `jsonPayload` or `protoPayload` (an object, handed over as the message) or `textPayload` (a string).
    var payload: (Int, Int)?
    var payloadIsText = false

    /// Notes the member `key` with its value at `vs..<ve`.
    mutating func note(_ v: JSONBytes, _ ks: Int, _ ke: Int, _ vs: Int, _ ve: Int) {
        if v.equals(ks, ke, "insertId") {
            insertId = (vs, ve)
        } else if v.equals(ks, ke, "logName") {
            logName = (vs, ve)
        } else if v.equals(ks, ke, "timestamp") {
            timestamp = (vs, ve)
        } else if v.equals(ks, ke, "receiveTimestamp") {
            receiveTimestamp = (vs, ve)
        } else if v.equals(ks, ke, "jsonPayload") || v.equals(ks, ke, "protoPayload") {
            if payload == nil || payloadIsText, v[vs] == 0x7B {
                payload = (vs, ve)
                payloadIsText = false
            }
        } else if v.equals(ks, ke, "textPayload"), payload == nil, v[vs] == 0x22 {
            payload = (vs, ve)
            payloadIsText = true
        }
    }
}

/// Whether the first JSON value at `start` (an object, or the first element of an array) is a LogEntry: it
/// has `insertId` or `logName`, and `jsonPayload`, `textPayload` or `protoPayload`. Keys are looked at as
/// far as the bytes go (the first entry of a large export may not be whole in them); never the file's name.
func startsWithLogEntry(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
    // Cheap for every other input: the first 16 KiB at most, and a walk only when they name a LogEntry key.
    let end = min(end, start + 16384)
    guard contains(p, start, end, "\"insertId\"", anchor: 7) || contains(p, start, end, "\"logName\"", anchor: 4)
    else { return false }
    let v = JSONBytes(base: p, end: end)
    var i = v.skipSpace(start)
    if i < end && p[i] == 0x5B {
        // The first object of the array: a stray value before it (a number, a string) is not a LogEntry.
        i = v.skipSpace(i + 1)
        for _ in 0..<16 where i < end && p[i] != 0x7B {
            guard case .complete(let e) = v.scanValue(i) else { return false }
            i = v.skipSpace(e)
            if i < end && p[i] == 0x2C { i = v.skipSpace(i + 1) }
        }
    }
    guard i < end && p[i] == 0x7B else { return false }
    var named = false
    var payload = false
    _ = v.forEachMemberEnd(i) { ks, ke, _, _ in
        if v.equals(ks, ke, "insertId") || v.equals(ks, ke, "logName") { named = true }
        if v.equals(ks, ke, "jsonPayload") || v.equals(ks, ke, "textPayload") || v.equals(ks, ke, "protoPayload") {
            payload = true
        }
    }
    return named && payload
}

/// Whether `needle` occurs in `start..<end`, found by memchr for its byte at `anchor` (a rare one: the capital
/// of `insertId`, `logName`), then compared whole.
private func contains(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int, _ needle: StaticString, anchor: Int)
    -> Bool
{
    let n = needle.utf8CodeUnitCount
    var i = start + anchor
    while i < end - (n - anchor - 1) {
        guard let q = memchr(p + i, Int32(needle.utf8Start[anchor]), end - (n - anchor - 1) - i) else { return false }
        let j = p.distance(to: q.assumingMemoryBound(to: UInt8.self))
        if j - anchor >= start, memcmp(p + j - anchor, needle.utf8Start, n) == 0 { return true }
        i = j + 1
    }
    return false
}

/// Appends the JSON value at `start..<stop` (well-formed) to `out` without the white space between its
/// tokens: a pretty-printed `jsonPayload` (gcloud) and a compact one (a sink file) are then the same text.
func appendCompactJSON(_ v: JSONBytes, _ start: Int, _ stop: Int, to out: ByteBuffer) {
    out.reserve(out.count + stop - start)
    var i = start
    var runStart = start
    var inString = false
    while i < stop {
        let c = v[i]
        if inString {
            if c == 0x5C {
                i += 2
                continue
            }
            if c == 0x22 { inString = false }
        } else if c == 0x22 {
            inString = true
        } else if isJSONSpace(c) {
            if i > runStart { out.append(v.base + runStart, i - runStart) }
            runStart = i + 1
        }
        i += 1
    }
    if stop > runStart { out.append(v.base + runStart, stop - runStart) }
}

/// The nanoseconds below the millisecond of an RFC 3339 time (`...:SS.123456789Z` → 456789).
func subMillisecondNanos(_ p: UnsafePointer<UInt8>, _ count: Int) -> Int64 {
    guard count > 20, p[19] == 0x2E || p[19] == 0x2C else { return 0 }
    var nanos: Int64 = 0
    var scale: Int64 = 100_000
    var i = 23
    while i < count, scale > 0, p[i] >= 0x30, p[i] <= 0x39 {
        nanos += Int64(p[i] - 0x30) * scale
        scale /= 10
        i += 1
    }
    return nanos
}

/// A LogEntry's identity (README "Google Cloud Logging"): its `insertId`, its `logName` (both decoded) and
/// its time to the nanosecond; chained as the reader decodes them.
func logEntryIdentity(_ bytes: UnsafeBufferPointer<UInt8>, seed: UInt64) -> UInt64 {
    hashBytes(UnsafeRawPointer(bytes.baseAddress), bytes.count, seed: seed ^ 0x6C6F_6745_6E74_7279)
}
