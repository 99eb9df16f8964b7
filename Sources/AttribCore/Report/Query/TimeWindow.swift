// A query's time window: bounds on a request's start, and the zone dates and buckets are read in.

import Foundation

public struct TimeWindow: Sendable, Equatable {
    /// Inclusive lower bound on a request's start (epoch ms).
    public var since: Int64?
    /// Exclusive upper bound.
    public var until: Int64?
    public var zone: TimeZone

    public init(since: Int64? = nil, until: Int64? = nil, zone: TimeZone = .utc) {
        self.since = since
        self.until = until
        self.zone = zone
    }

    /// UTC or a zone that is always at offset zero: the day rollup's UTC days are its days.
    var isUTC: Bool { zone.secondsFromGMT() == 0 && zone.nextDaylightSavingTimeTransition == nil }

    /// Both bounds (when given) fall on multiples of `unitMs` since the epoch (UTC midnights, quarter hours).
    func isAligned(to unitMs: Int64) -> Bool { [since, until].allSatisfy { $0.map { $0 % unitMs == 0 } ?? true } }
}

extension TimeZone {
    public static let utc = TimeZone(identifier: "UTC")!
}

/// Parses `--since` / `--until`: a date (`2026-03-01`, midnight in `zone`), an ISO timestamp
/// (zone-less ones read in `zone`), or a span back from `now` (`7d`, `24h`, `30m`, `2w`).
public func parseTimeBound(_ text: String, zone: TimeZone, now: Int64) throws(ReportError) -> Int64 {
    let t = text.trimmingCharacters(in: .whitespaces)
    if let unit = t.last, "mhdw".contains(unit), let n = Int64(t.dropLast()), n >= 0 {
        let ms: Int64 = unit == "m" ? 60_000 : unit == "h" ? 3_600_000 : unit == "d" ? 86_400_000 : 604_800_000
        let (span, overflow) = n.multipliedReportingOverflow(by: ms)
        guard !overflow, span <= now - minimumTime else { throw .usage("bad span '\(text)': too far back to count") }
        return now - span
    }
    var bytes = Array(t.utf8)
    if bytes.count == 10 { bytes += Array("T00:00:00".utf8) }
    let zoneMarks: [UInt8] = [UInt8(ascii: "Z"), UInt8(ascii: "z"), UInt8(ascii: "+"), UInt8(ascii: "-")]
    let hasZone = bytes.count > 19 && bytes[19...].contains { zoneMarks.contains($0) }
    guard
        let parsed = bytes.withUnsafeBufferPointer({ b in
            b.isEmpty ? nil : parseISOTimestamp(b.baseAddress!, 0, b.count)
        })
    else {
        throw .usage("bad date '\(text)': expected YYYY-MM-DD, an ISO 8601 timestamp, or a span like 7d or 24h")
    }
    if hasZone { return parsed }
    return instant(ofWallClock: parsed, in: zone)
}

/// The earliest time a span may count back to (year 0).
private let minimumTime: Int64 = -62_167_219_200_000

/// The instant at which `zone`'s clocks show `wallClock` (epoch ms read as if in UTC). The offset is the one
/// in force at that instant, not at `wallClock` read as UTC: near a change the two differ by the change.
/// A time in a skipped hour reads as after the change (02:30 on a spring-forward night is 03:30 summer
/// time); a time in a repeated hour as its second occurrence.
func instant(ofWallClock wallClock: Int64, in zone: TimeZone) -> Int64 {
    func offset(_ ms: Int64) -> Int64 {
        Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(ms) / 1000))) * 1000
    }
    let guess = wallClock - offset(wallClock)
    let corrected = wallClock - offset(guess)
    return offset(corrected) == offset(guess) ? corrected : max(guess, corrected)
}
