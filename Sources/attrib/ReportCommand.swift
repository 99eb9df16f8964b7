// `attrib report`: tokens and cost grouped by any dimensions.

import ArgumentParser
import AttribCore
import Foundation

/// Options shared by every command that shows cost.
struct CostOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("A price table to use instead of the bundled one: LiteLLM JSON, or CSV (model,input_per_mtok,output_per_mtok,cache_read_per_mtok,cache_write_per_mtok).", valueName: "file"))
    var prices: String?

    @Option(name: .long, help: ArgumentHelp("computed (from the price table), logged (the cost the gateway logged), or auto (logged when present).", valueName: "source"))
    var cost: CostMode = .computed

    func priceTable() throws -> PriceTable {
        guard let prices else { return PriceTable.bundled() }
        do {
            return try PriceTable.load(path: prices)
        } catch {
            throw ReportError.data("\(error)")
        }
    }
}

extension CostMode: ExpressibleByArgument {}
extension OutputFormat: ExpressibleByArgument {}

/// --since, --until and --tz: shared by report, mantle and gaps.
struct TimeOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Only requests starting at or after this time: a date (2026-03-01), an ISO timestamp, or a span back from now (7d, 24h).", valueName: "time"))
    var since: String?

    @Option(name: .long, help: ArgumentHelp("Only requests starting before this time (exclusive); same forms as --since.", valueName: "time"))
    var until: String?

    @Option(name: .long, help: ArgumentHelp("IANA time zone for dates, --since/--until and time buckets (default UTC).", valueName: "zone"))
    var tz: String = "UTC"

    /// The zone and the bounds in epoch ms.
    func resolve() throws -> (zone: TimeZone, since: Int64?, until: Int64?) {
        guard let zone = TimeZone(identifier: tz) else {
            throw ReportError.usage("unknown time zone '\(tz)'; use an IANA name such as UTC or Europe/Berlin")
        }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        return (zone, try since.map { try parseTimeBound($0, zone: zone, now: now) }, try until.map { try parseTimeBound($0, zone: zone, now: now) })
    }
}

/// Options shared by report and mantle: time range, filters, sorting, output.
struct QueryOptions: ParsableArguments {
    @OptionGroup var time: TimeOptions

    @Option(name: .customLong("where"), help: ArgumentHelp("Filter: DIM=VALUE, DIM!=VALUE or DIM~GLOB; repeatable (all must hold).", valueName: "expr"))
    var filters: [String] = []

    @Option(name: .long, help: ArgumentHelp("Sort by a column (numbers descending, text ascending; add :asc or :desc). Default: cost_usd.", valueName: "column"))
    var sort: String?

    @Option(name: .long, help: ArgumentHelp("Show only the first N rows (totals still cover all rows).", valueName: "n"))
    var top: Int?

    @Option(name: .long, help: ArgumentHelp("table, csv, tsv, json, jsonl or markdown. Default: table on a terminal, csv otherwise.", valueName: "format"))
    var format: OutputFormat?

    func query(dimensions: [AttribCore.ReportDimension], costMode: CostMode) throws -> ReportQuery {
        let (zone, since, until) = try time.resolve()
        if let top, top < 1 { throw ReportError.usage("--top must be at least 1") }
        return ReportQuery(dimensions: dimensions, filters: try filters.map { try Filter.parse($0) },
                           window: TimeWindow(since: since, until: until, zone: zone),
                           order: try sort.map { try SortKey.parse($0, dimensions: dimensions) }, limit: top, costMode: costMode)
    }

    var outputFormat: OutputFormat { format ?? (Terminal.stdoutIsTerminal ? .table : .csv) }
}

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Tokens and cost grouped by user, model, time or any other dimension.",
        discussion: """
            Counts model requests (requests that named a model or carried usage); each request once, \
            whichever files its lines came from. Cost is computed now from the price table (bundled \
            LiteLLM snapshot, or --prices); a model without a price has an empty cost, never $0, and \
            is named on stderr with its tokens.

            DIMENSIONS: user_email, user_sub, user (email, else sub, else api key, else user id), \
            auth_source, api_key_id, user_id, project, modelId (as logged), model (price-table key), \
            route (mantle/bedrock), status, path, user_agent, log_group, log_stream, hour, day, week \
            (the Monday), month.

            EXAMPLES:
              attrib report --by user_email,modelId
              attrib report --by day,model --since 2026-03-01 --until 2026-04-01 --tz Europe/Berlin
              attrib report --by user --where modelId~'*kimi*' --top 10
              attrib report --format json | jq '.totals.cost_usd'
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: ArgumentHelp("Dimensions to group by, comma-separated.", valueName: "dims"))
    var by: String = "user_email,modelId"

    @OptionGroup var options: QueryOptions
    @OptionGroup var costOptions: CostOptions

    func run() throws {
        Terminal.ignoreSIGPIPE()
        do {
            let dimensions = try AttribCore.ReportDimension.parseList(by)
            let query = try options.query(dimensions: dimensions, costMode: costOptions.cost)
            let prices = try costOptions.priceTable()
            let store = try Store(path: global.storePath, readOnly: true)
            let result = try Reports.run(query, store: store, prices: prices)
            warnUnpriced(result.unpriced, quiet: global.quiet)
            let doc = Reports.document(result)
            Terminal.write(render(doc, format: options.outputFormat, options: RenderOptions(color: Terminal.useColor)))
        } catch {
            throw fail(error)
        }
    }
}

/// The stderr warning SPEC §3 asks for: unpriced models by name, with the tokens they hide.
func warnUnpriced(_ unpriced: [UnpricedModel], quiet: Bool) {
    if quiet { return }
    for u in unpriced {
        Terminal.warn("no price for model '\(u.modelId)' (\(grouped(Int(u.requests))) requests, \(grouped(Int(u.tokens.input))) input, \(grouped(Int(u.tokens.output))) output, \(grouped(Int(u.tokens.cacheRead))) cache read, \(grouped(Int(u.tokens.cacheWrite))) cache write tokens): its cost is left empty; give a price with --prices FILE")
    }
}
