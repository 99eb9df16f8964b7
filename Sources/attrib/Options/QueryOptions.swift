// Options shared by report and mantle: time range, filters, sorting, how many rows.

import ArgumentParser
import AttribCore

struct QueryOptions: ParsableArguments {
    @OptionGroup var time: TimeOptions

    @Option(name: .customLong("where"), help: ArgumentHelp("Filter: DIM=VALUE, DIM!=VALUE or DIM~GLOB; repeatable (all must hold).", valueName: "expr"))
    var filters: [String] = []

    @Option(name: .long, help: ArgumentHelp("Sort by a column (numbers descending, text ascending; add :asc or :desc). Default: cost_usd.", valueName: "column"))
    var sort: String?

    @Option(name: .long, help: ArgumentHelp("Show only the first N rows (totals still cover all rows).", valueName: "n"))
    var top: Int?

    /// --sort is checked by the report itself: which columns exist depends on the dimensions.
    func validate() throws {
        try usageChecked {
            if let top, top < 1 { throw ReportError.usage("--top must be at least 1") }
            for filter in filters { _ = try Filter.parse(filter) }
        }
    }

    func query(dimensions: [AttribCore.ReportDimension], costMode: CostMode) throws -> ReportQuery {
        let (zone, since, until) = try time.resolve()
        var q = ReportQuery(dimensions: dimensions, timeZone: zone, sort: sort, top: top, costMode: costMode)
        q.since = since
        q.until = until
        q.filters = try filters.map { try Filter.parse($0) }
        return q
    }
}
