// parseISOTimestamp against Foundation's Gregorian calendar in UTC: every day of many years (leap years,
// the ends of months), fractions of 0 to 9 digits, both separators and zone forms; impossible dates are nil.

import Foundation
import Testing

@testable import AttribCore

@Suite("ISO timestamps")
struct TimestampTests {
    static func parse(_ s: String) -> Int64? {
        Array(s.utf8).withUnsafeBufferPointer { parseISOTimestamp($0.baseAddress!, 0, $0.count) }
    }

    func pad(_ v: Int, _ width: Int) -> String {
        let s = String(v)
        return String(repeating: "0", count: max(0, width - s.count)) + s
    }

    @Test("Every day of 1970-1973, 1999-2001, 2023-2029 and 2096-2101, and impossible days, as Foundation has them")
    func days() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        var rng = SplitMix(seed: 77)
        let years = Array(1970...1973) + Array(1999...2001) + Array(2023...2029) + Array(2096...2101)
        var checked = 0
        for year in years {
            for month in 1...12 {
                for day in 1...31 {
                    let hour = Int(rng.next() % 24)
                    let minute = Int(rng.next() % 60)
                    let second = Int(rng.next() % 60)
                    let fraction = String((0..<Int(rng.next() % 10)).map { _ in Character(String(rng.next() % 10)) })
                    let separator = rng.next() % 2 == 0 ? "T" : " "
                    let zone = ["Z", "", "+00:00", "z"][Int(rng.next() % 4)]
                    let text =
                        "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))\(separator)\(pad(hour, 2)):\(pad(minute, 2)):\(pad(second, 2))"
                        + (fraction.isEmpty ? "" : "." + fraction) + zone
                    let components = DateComponents(
                        year: year, month: month, day: day, hour: hour, minute: minute, second: second)
                    let date = calendar.date(from: components)
                    let real = date.map { calendar.component(.day, from: $0) == day } ?? false
                    if real {
                        let millis = Int64(fraction.prefix(3).padding(toLength: 3, withPad: "0", startingAt: 0))!
                        let expected = Int64((date!.timeIntervalSince1970).rounded()) * 1000 + millis
                        #expect(Self.parse(text) == expected, "\(text)")
                    } else {
                        #expect(Self.parse(text) == nil, "\(text)")
                    }
                    checked += 1
                }
            }
        }
        #expect(checked == years.count * 12 * 31)
        // A zone offset moves the instant; a fraction without digits is malformed.
        #expect(Self.parse("2026-03-01T10:00:00.5+01:30") == Self.parse("2026-03-01T08:30:00.500Z"))
        #expect(Self.parse("2026-03-01T10:00:00.Z") == nil)
    }
}
