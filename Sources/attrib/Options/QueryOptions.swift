// Options shared by report and mantle: time range, filters, sorting, how many rows.

import ArgumentParser
import AttribCore

struct QueryOptions: ParsableArguments {
    @OptionGroup var time: TimeOptions

    @Option(
        name: .customLong("where"),
        help: ArgumentHelp("Filter: DIM=VALUE, DIM!=VALUE or DIM~GLOB; repeatable (all must hold).", valueName: "expr"))
    var filters: [String] = []

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Sort by a column (numbers descending, text ascending; add :asc or :desc). Default: cost_usd.",
            valueName: "column"))
    var sort: String?

    @Option(
        name: .long, help: ArgumentHelp("Show only the first N rows (totals still cover all rows).", valueName: "n"))
    var top: Int?

    func validate() throws {
        try usageChecked {
            if let top, top < 1 { throw ReportError.usage("--top must be at least 1") }
            for filter in filters { _ = try Filter.parse(filter) }
        }
    }

    /// --sort names a column of the report, so it is checked with the command's dimensions.
    func checkSort(dimensions: [AttribCore.ReportDimension]) throws {
        _ = try sort.map { try SortKey.parse($0, dimensions: dimensions) }
    }

    func query(dimensions: [AttribCore.ReportDimension], costMode: CostMode) throws -> ReportQuery {
        let (zone, since, until) = try time.resolve()
        return ReportQuery(
            dimensions: dimensions, filters: try filters.map { try Filter.parse($0) },
            window: TimeWindow(since: since, until: until, zone: zone),
            order: try sort.map { try SortKey.parse($0, dimensions: dimensions) }, limit: top, costMode: costMode)
    }
}
