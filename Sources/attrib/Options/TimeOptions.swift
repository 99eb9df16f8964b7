// --since, --until and --tz: shared by report, mantle and gaps; checked before the store is opened.

import ArgumentParser
import AttribCore
import Foundation

struct TimeOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Only requests starting at or after this time: a date (2026-03-01), an ISO timestamp, or a span back from now (7d, 24h).",
            valueName: "time"))
    var since: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Only requests starting before this time (exclusive); same forms as --since.", valueName: "time"))
    var until: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "IANA time zone for dates, --since/--until and time buckets (default UTC).", valueName: "zone"))
    var tz: String = "UTC"

    func validate() throws {
        try usageChecked { _ = try resolve() }
    }

    /// The zone and the bounds in epoch ms.
    func resolve() throws -> (zone: TimeZone, since: Int64?, until: Int64?) {
        guard let zone = TimeZone(identifier: tz) else {
            throw ReportError.usage("unknown time zone '\(tz)'; use an IANA name such as UTC or Europe/Berlin")
        }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        return (
            zone, try since.map { try parseTimeBound($0, zone: zone, now: now) },
            try until.map { try parseTimeBound($0, zone: zone, now: now) }
        )
    }
}
