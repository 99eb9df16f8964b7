// Timestamps as logs write them (ISO 8601, Insights' "2026-03-01 10:00:00.123", epoch numbers) → UTC epoch ms.
// Hand-written: Foundation's ISO8601DateFormatter allocates and is slow per event, and rejects
// the space-separated form Logs Insights uses.

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
@inline(__always) func daysFromCivil(_ y: Int64, _ m: Int64, _ d: Int64) -> Int64 {
    let y = m <= 2 ? y - 1 : y
    let era = (y >= 0 ? y : y - 399) / 400
    let yoe = y - era * 400
    let mp = (m + 9) % 12
    let doy = (153 * mp + 2) / 5 + d - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    return era * 146097 + doe - 719468
}

/// Civil date of a day count since 1970-01-01.
func civilFromDays(_ z: Int64) -> (year: Int64, month: Int64, day: Int64) {
    let z = z + 719468
    let era = (z >= 0 ? z : z - 146096) / 146097
    let doe = z - era * 146097
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
    let y = yoe + era * 400
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let d = doy - (153 * mp + 2) / 5 + 1
    let m = mp < 10 ? mp + 3 : mp - 9
    return (m <= 2 ? y + 1 : y, m, d)
}

@inline(__always) private func digits(_ p: UnsafePointer<UInt8>, _ i: Int, _ n: Int) -> Int64? {
    var v: Int64 = 0
    for k in 0..<n {
        let c = p[i + k]
        guard c >= 0x30 && c <= 0x39 else { return nil }
        v = v * 10 + Int64(c - 0x30)
    }
    return v
}

/// Parses `YYYY-MM-DD[T| ]HH:MM:SS[.fff…][Z|±HH:MM|±HHMM|±HH]` in `start..<stop` to epoch ms.
/// No zone means UTC. Returns nil for anything malformed or impossible (month 13, Feb 30, year < 1970
/// or > 9999), so a bad timestamp never becomes a wrong one.
func parseISOTimestamp(_ p: UnsafePointer<UInt8>, _ start: Int, _ stop: Int) -> Int64? {
    let n = stop - start
    guard n >= 19 else { return nil }
    let i = start
    guard let year = digits(p, i, 4), p[i + 4] == 0x2D, let month = digits(p, i + 5, 2), p[i + 7] == 0x2D,
        let day = digits(p, i + 8, 2), p[i + 10] == 0x54 || p[i + 10] == 0x20 || p[i + 10] == 0x74,
        let hour = digits(p, i + 11, 2), p[i + 13] == 0x3A, let minute = digits(p, i + 14, 2),
        p[i + 16] == 0x3A, let second = digits(p, i + 17, 2)
    else { return nil }
    guard year >= 1970, year <= 9999, month >= 1, month <= 12, day >= 1, hour < 24, minute < 60, second < 61
    else { return nil }
    let monthDays: [Int64] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
    let maxDay = month == 2 && leap ? 29 : monthDays[Int(month - 1)]
    guard day <= maxDay else { return nil }
    var j = i + 19
    var millis: Int64 = 0
    if j < stop && (p[j] == 0x2E || p[j] == 0x2C) {
        j += 1
        var scale: Int64 = 100
        let fracStart = j
        while j < stop, p[j] >= 0x30, p[j] <= 0x39 {
            millis += Int64(p[j] - 0x30) * scale
            scale /= 10
            j += 1
        }
        guard j > fracStart else { return nil }
    }
    var offsetMinutes: Int64 = 0
    if j < stop {
        let c = p[j]
        if c == 0x5A || c == 0x7A {
            j += 1
        } else if c == 0x2B || c == 0x2D {
            // Bounds first: never read past `stop`.
            guard j + 3 <= stop, let oh = digits(p, j + 1, 2) else { return nil }
            var k = j + 3
            if k == stop {
                // `+00`: hours only, as PostgreSQL prints a timestamptz.
                guard oh < 24 else { return nil }
                offsetMinutes = oh * 60 * (c == 0x2D ? -1 : 1)
                j = k
            } else {
                if p[k] == 0x3A { k += 1 }
                guard k + 2 <= stop, let om = digits(p, k, 2), oh < 24, om < 60 else { return nil }
                offsetMinutes = (oh * 60 + om) * (c == 0x2D ? -1 : 1)
                j = k + 2
            }
        }
    }
    guard j == stop else { return nil }
    let days = daysFromCivil(year, month, day)
    let seconds = days * 86400 + hour * 3600 + minute * 60 + min(second, 59) - offsetMinutes * 60
    return seconds * 1000 + millis
}

/// Formats epoch ms as `2026-03-01T10:00:00.123Z`.
public func formatISOTimestamp(_ ms: Int64) -> String {
    let days = ms >= 0 ? ms / 86_400_000 : (ms - 86_399_999) / 86_400_000
    let rest = ms - days * 86_400_000
    let (y, m, d) = civilFromDays(days)
    let h = rest / 3_600_000
    let mi = rest / 60_000 % 60
    let s = rest / 1000 % 60
    let f = rest % 1000
    func pad(_ v: Int64, _ w: Int) -> String {
        let s = String(v)
        return s.count >= w ? s : String(repeating: "0", count: w - s.count) + s
    }
    return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(h, 2)):\(pad(mi, 2)):\(pad(s, 2)).\(pad(f, 3))Z"
}

/// Reads an epoch number as ms: values above 10^11 are taken as ms, smaller ones as seconds.
func epochMillis(fromNumber value: Double) -> Int64? {
    guard value.isFinite, value > 0, value < 253_402_300_800_000 else { return nil }
    return value >= 1e11 ? Int64(value) : Int64((value * 1000).rounded())
}
