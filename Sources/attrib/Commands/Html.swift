// `attrib html`: the report as one self-contained HTML page with charts, for people who will not open a terminal.

import ArgumentParser
import AttribCore
import Foundation

struct Html: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the report as one self-contained HTML page with charts.",
        discussion: """
            One HTML file with no scripts and no external fonts, images or styles: it opens from a mail \
            attachment with no network and prints on A4 and Letter. It holds the spend per day stacked by \
            model with the Mantle share and the identity cutover, the top users by cost, the Mantle \
            attribution with its unattributed remainder, and identity coverage per day and per log statement; \
            when the store holds a bill, the bill against the logs per day (billed, explained by the logs, \
            unexplained: reconcile --by day over the same time window, which --where does not filter). \
            The numbers are those of report, mantle, gaps and reconcile with the same options, and every number \
            in a chart is also in a table on the page. --where filters the spend, users and Mantle parts; identity \
            coverage, like gaps, covers every request in the time window.

            EXAMPLES:
              attrib html --out report.html
              attrib html --out march.html --since 2026-03-01 --until 2026-04-01 --tz Europe/Berlin
              attrib html --out kimi.html --where modelId~'*kimi*' --top 50
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: ArgumentHelp("The HTML file to write (- for stdout).", valueName: "file"))
    var out: String

    @OptionGroup var time: TimeOptions

    @Option(
        name: .customLong("where"),
        help: ArgumentHelp("Filter: DIM=VALUE, DIM!=VALUE or DIM~GLOB; repeatable (all must hold).", valueName: "expr"))
    var filters: [String] = []

    @Option(
        name: .long,
        help: ArgumentHelp("Users shown by name in the users and Mantle parts; the rest are one row.", valueName: "n"))
    var top: Int = 20

    @Option(
        name: .long,
        help: ArgumentHelp("Models with a colour of their own in the daily chart; the rest are one.", valueName: "n"))
    var models: Int = 8

    @OptionGroup var costOptions: CostOptions

    func validate() throws {
        try usageChecked {
            if top < 1 { throw ReportError.usage("--top must be at least 1") }
            if models < 1 { throw ReportError.usage("--models must be at least 1") }
            if out.isEmpty { throw ReportError.usage("--out needs a file name (or - for stdout)") }
            for filter in filters { _ = try Filter.parse(filter) }
        }
    }

    func run() throws {
        try runCommand {
            let (zone, since, until) = try time.resolve()
            let query = ReportQuery(
                dimensions: [], filters: try filters.map { try Filter.parse($0) },
                window: TimeWindow(since: since, until: until, zone: zone), costMode: costOptions.cost)
            let prices = try costOptions.priceTable()
            let results = try Reports.page(query, store: try global.openStore(), prices: prices)
            warnUnpriced(results.byModel.unpriced, quiet: global.quiet)
            let window =
                [since.map { "from " + formatISOTimestamp($0) }, until.map { "until " + formatISOTimestamp($0) }]
                .compactMap { $0 }.joined(separator: " ")
            let facts = [
                Field("time window", .text(window.isEmpty ? "everything in the store" : window), .dimension),
                Field("time zone", .text(time.tz), .dimension),
                Field("filters", .text(filters.isEmpty ? "none" : filters.joined(separator: " and ")), .dimension),
                Field("cost", .text(costOptions.cost.rawValue), .dimension),
                Field("prices", .text(prices.source), .dimension),
            ]
            let page = Reports.page(results, limits: Reports.PageLimits(users: top, models: models), facts: facts)
            let html = HTMLPrinter(generator: "attrib \(Attrib.version)").render(page)
            if out == "-" {
                Terminal.write(html)
                return
            }
            do {
                try Data(html.utf8).write(to: URL(fileURLWithPath: out), options: .atomic)
            } catch {
                Terminal.error("cannot write '\(out)': \(error.localizedDescription)")
                throw ExitCode(Exit.failure)
            }
        }
    }
}
