// `attrib gaps`: where identity is missing, since when, and how much money that hides.

import ArgumentParser
import AttribCore
import Foundation

struct Gaps: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Where identity is missing, and how much money that hides.",
        discussion: """
            Totals over all requests: requests, model_requests, attributed_requests (a line of the request \
            had a non-empty user_sub or user_email), unattributed_requests, unattributed_tokens, \
            unattributed_cost_usd, joined_requests (a usage line without identity, attributed through \
            request_id), conflicts, usage lines without request_id; the cutover (the first line with \
            identity); then a table by day and a table by log statement with the share of lines carrying \
            user_sub, user_email and auth_source — which checks the router fix itself.

            EXAMPLES:
              attrib gaps
              attrib gaps --format json | jq .unattributed_cost_usd
            """
    )

    @OptionGroup var global: GlobalOptions

    @OptionGroup var time: TimeOptions

    @Option(name: .long, help: ArgumentHelp("table, csv, tsv, json, jsonl or markdown.", valueName: "format"))
    var format: OutputFormat?

    @OptionGroup var costOptions: CostOptions

    func run() throws {
        Terminal.ignoreSIGPIPE()
        do {
            let (zone, sinceMs, untilMs) = try time.resolve()
            let prices = try costOptions.priceTable()
            let store = try Store(path: global.storePath, readOnly: true)
            let g = try Reports.gaps(store: store, prices: prices, window: TimeWindow(since: sinceMs, until: untilMs, zone: zone))
            warnUnpriced(g.unpriced, quiet: global.quiet)
            let fmt = format ?? (Terminal.stdoutIsTerminal ? .table : .csv)
            Terminal.write(renderGaps(g, format: fmt))
        } catch {
            throw fail(error)
        }
    }

    func renderGaps(_ g: GapsResult, format: OutputFormat) -> String {
        let totals: [(String, Cell)] = [
            ("requests", .int(g.requests)), ("model_requests", .int(g.modelRequests)),
            ("attributed_requests", .int(g.attributedRequests)), ("unattributed_requests", .int(g.unattributedRequests)),
            ("unattributed_tokens", .int(g.unattributedTokens)), ("unattributed_cost_usd", .number(g.unattributedCostUSD)),
            ("joined_requests", .int(g.joinedRequests)), ("conflicts", .int(g.conflicts)),
            ("usage_lines_without_request_id", .int(g.usageLinesWithoutRequestId)),
            ("cutover", .text(g.cutover.map(formatISOTimestamp))),
        ]
        let dayColumns = [Column("day", .dimension), Column("model_requests", .count), Column("unattributed_requests", .count),
                          Column("unattributed_cost_usd", .cost)]
        let dayRows: [[Cell]] = g.byDay.map { [.text($0.day), .int($0.modelRequests), .int($0.unattributedRequests), .number($0.unattributedCostUSD)] }
        let statementColumns = [Column("statement", .dimension), Column("lines", .count), Column("user_sub_share", .share),
                                Column("user_email_share", .share), Column("auth_source_share", .share)]
        let statementRows: [[Cell]] = g.byStatement.map {
            [.text($0.statement), .int($0.lines), .number($0.userSubShare), .number($0.userEmailShare), .number($0.authSourceShare)]
        }
        let options = RenderOptions(color: Terminal.useColor)
        switch format {
        case .json:
            func rows(_ columns: [Column], _ rows: [[Cell]]) -> JSONValue {
                .array(rows.map { r in .object(zip(columns, r).map { ($0.name, $1.json) }) })
            }
            let object: [(String, JSONValue)] = totals.map { ($0.0, $0.1.json) } + [
                ("by_day", rows(dayColumns, dayRows)), ("by_statement", rows(statementColumns, statementRows)),
            ]
            return renderJSON(.object(object)) + "\n"
        case .table, .markdown:
            let totalsDoc = Document(title: "identity coverage", columns: [Column("total", .dimension), Column("value", .dimension)],
                                     rows: totals.map { name, cell in
                                         switch cell {
                                         case .int(let v): return [.text(name), .text(v.map { grouped(Int($0)) } ?? "")]
                                         case .number(let v): return [.text(name), .text(v.map { String(format: "$%.2f", $0) } ?? "unpriced")]
                                         case .text(let v): return [.text(name), .text(v ?? "(none)")]
                                         }
                                     })
            return [render(totalsDoc, format: format, options: options),
                    render(Document(title: "by day", columns: dayColumns, rows: dayRows), format: format, options: options),
                    render(Document(title: "by log statement", columns: statementColumns, rows: statementRows), format: format, options: options)]
                .joined(separator: "\n")
        case .csv, .tsv, .jsonl:
            // Machine formats carry the day table, the one a spreadsheet wants; totals and statements are in JSON.
            return render(Document(columns: dayColumns, rows: dayRows), format: format, options: options)
        }
    }
}
