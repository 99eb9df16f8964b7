// --since / --until (SPEC §3 "Time"): a date is midnight in --tz, an ISO timestamp with a zone is taken as is,
// a zone-less one is read in --tz, and a span (7d, 24h, 30m, 2w) counts back from now.

import Foundation
import Testing

@testable import AttribCore

/// Epoch ms of a UTC timestamp, read by Foundation (not by attrib's own parser).
private func utc(_ text: String) -> Int64 {
    let f = ISO8601DateFormatter()
    f.formatOptions = text.contains(".") ? [.withInternetDateTime, .withFractionalSeconds] : [.withInternetDateTime]
    return Int64((f.date(from: text)!.timeIntervalSince1970 * 1000).rounded())
}

private func zone(_ id: String) -> TimeZone { TimeZone(identifier: id)! }

private let now = utc("2026-03-10T12:00:00Z")

@Suite("A time bound is read in the zone")
struct TimeBoundTests {
    @Test(
        "A date is midnight in the zone",
        arguments: [
            ("2026-03-01", "UTC", "2026-03-01T00:00:00Z"),
            ("2026-01-15", "Europe/Berlin", "2026-01-14T23:00:00Z"),  // winter, +01:00
            ("2026-07-15", "Europe/Berlin", "2026-07-14T22:00:00Z"),  // summer, +02:00
            ("2026-03-01", "Asia/Kolkata", "2026-02-28T18:30:00Z"),  // +05:30
            ("2026-03-01", "America/New_York", "2026-03-01T05:00:00Z"),  // -05:00
        ])
    func date(text: String, zoneId: String, midnight: String) throws {
        #expect(try parseTimeBound(text, zone: zone(zoneId), now: now) == utc(midnight))
    }

    @Test(
        "An ISO timestamp with Z or an offset is taken as is, whatever the zone",
        arguments: [
            ("2026-07-15T10:30:00Z", "2026-07-15T10:30:00Z"),
            ("2026-07-15T10:30:00.250Z", "2026-07-15T10:30:00.250Z"),
            ("2026-07-15T10:30:00+05:30", "2026-07-15T05:00:00Z"),
            ("2026-07-15T10:30:00+0530", "2026-07-15T05:00:00Z"),
            ("2026-07-15T10:30:00-04:00", "2026-07-15T14:30:00Z"),
        ])
    func zoned(text: String, instant: String) throws {
        for id in ["UTC", "Europe/Berlin", "Asia/Kolkata"] {
            #expect(try parseTimeBound(text, zone: zone(id), now: now) == utc(instant), "in \(id)")
        }
    }

    @Test(
        "A zone-less ISO timestamp is wall-clock time in the zone",
        arguments: [
            ("2026-07-15T10:30:00", "UTC", "2026-07-15T10:30:00Z"),
            ("2026-07-15T10:30:00", "Europe/Berlin", "2026-07-15T08:30:00Z"),
            ("2026-01-15T10:30:00", "Europe/Berlin", "2026-01-15T09:30:00Z"),
            ("2026-07-15T10:30:00.250", "Asia/Kolkata", "2026-07-15T05:00:00.250Z"),
        ])
    func zoneless(text: String, zoneId: String, instant: String) throws {
        #expect(try parseTimeBound(text, zone: zone(zoneId), now: now) == utc(instant))
    }

    @Test(
        "A span counts back from now",
        arguments: [
            ("7d", "2026-03-03T12:00:00Z"),
            ("24h", "2026-03-09T12:00:00Z"),
            ("30m", "2026-03-10T11:30:00Z"),
            ("2w", "2026-02-24T12:00:00Z"),
            ("0d", "2026-03-10T12:00:00Z"),
        ])
    func span(text: String, instant: String) throws {
        #expect(try parseTimeBound(text, zone: zone("UTC"), now: now) == utc(instant))
    }

    @Test("Surrounding spaces are ignored")
    func spaces() throws {
        #expect(try parseTimeBound(" 7d ", zone: zone("UTC"), now: now) == utc("2026-03-03T12:00:00Z"))
        #expect(try parseTimeBound(" 2026-03-01 ", zone: zone("UTC"), now: now) == utc("2026-03-01T00:00:00Z"))
    }

    @Test(
        "Bad text is a usage error that quotes it",
        arguments: [
            "", "yesterday", "7x", "d", "-7d", "7.5d", "2026-02-30", "2026-13-01", "2026-3-1", "03/01/2026",
            "2026-03-01T25:00:00", "2026-03-01T10:00:00+5",
        ])
    func bad(text: String) {
        let error = #expect(throws: ReportError.self) { try parseTimeBound(text, zone: zone("UTC"), now: now) }
        guard case .usage(let message)? = error else {
            Issue.record("expected a usage error, got \(String(describing: error))")
            return
        }
        #expect(message.contains("'\(text)'"))
    }

    // The zone's offset is the one in force at the bound itself (it used to be looked up at the wall-clock
    // time read as UTC, an hour off within a few hours of a DST change).
    @Test(
        "A date on a DST-change day is still midnight in the zone",
        arguments: [
            ("2026-04-05", "Australia/Sydney", "2026-04-04T13:00:00Z"),  // midnight is +11:00; DST ends at 03:00
            ("2026-10-04", "Australia/Sydney", "2026-10-03T14:00:00Z"),  // midnight is +10:00; DST starts at 02:00
        ])
    func dateOnDSTChange(text: String, zoneId: String, midnight: String) throws {
        let bound = try parseTimeBound(text, zone: zone(zoneId), now: now)
        #expect(bound == utc(midnight))
    }

    @Test(
        "A zone-less timestamp just after a DST change uses the offset in force then",
        arguments: [
            ("2026-03-29T01:30:00", "Europe/Berlin", "2026-03-29T00:30:00Z"),  // still +01:00 (DST at 02:00)
            ("2026-03-08T03:30:00", "America/New_York", "2026-03-08T07:30:00Z"),  // already -04:00 (DST at 02:00)
        ])
    func wallClockOnDSTChange(text: String, zoneId: String, instant: String) throws {
        let bound = try parseTimeBound(text, zone: zone(zoneId), now: now)
        #expect(bound == utc(instant))
    }

    // `n * 86_400_000` used to overflow and trap (SIGILL) instead of exiting 64. Checked through the binary,
    // since a trap would take the test process down.
    @Test("A span too large to count back is a usage error, not a crash")
    func hugeSpan() throws {
        let db = temporaryDirectory().appendingPathComponent("empty.db").path
        _ = try Store(path: db)
        let r = try attrib(["report", "--db", db, "--since", "200000000000d"], env: ["SWIFT_BACKTRACE": "enable=no"])
        #expect(r.status == 64, "\(r.stderr)")
    }
}
