// `attrib prices` and `attrib sql`: the price table in use, and read-only SQL over the documented views.

import ArgumentParser
import AttribCore
import Foundation

struct Prices: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The price table in use, or how each given model id resolves.",
        discussion: """
            Without arguments, lists every model of the table with its prices per million tokens. With \
            model ids, shows for each the key it resolves to and the rule that matched (exact, arn, \
            geo-prefix, provider, alias), or that it has no price.

            EXAMPLES:
              attrib prices moonshotai.kimi-k2.5 us.anthropic.claude-sonnet-4-5-20250929-v1:0
              attrib prices --prices my-prices.csv --format csv
            """
    )

    @OptionGroup var costOptions: CostOptions

    @Option(name: .long, help: ArgumentHelp("table, csv, tsv, json, jsonl or markdown.", valueName: "format"))
    var format: OutputFormat?

    @Argument(help: ArgumentHelp("Model ids as logged.", valueName: "model"))
    var models: [String] = []

    func run() throws {
        Terminal.ignoreSIGPIPE()
        do {
            let table = try costOptions.priceTable()
            let perMillion = { (v: Double) -> Cell in .number(v * 1_000_000) }
            var columns = [Column("model", .dimension)]
            var rows: [[Cell]] = []
            if models.isEmpty {
                columns += [Column("input_per_mtok", .share), Column("output_per_mtok", .share),
                            Column("cache_read_per_mtok", .share), Column("cache_write_per_mtok", .share)]
                rows = table.models.map { m in
                    [.text(m.key), perMillion(m.price.inputPerToken), perMillion(m.price.outputPerToken),
                     perMillion(m.price.cacheReadPerToken), perMillion(m.price.cacheWritePerToken)]
                }
            } else {
                columns += [Column("key", .dimension), Column("rule", .dimension), Column("input_per_mtok", .share),
                            Column("output_per_mtok", .share), Column("cache_read_per_mtok", .share), Column("cache_write_per_mtok", .share)]
                rows = models.map { id in
                    guard let m = table.resolve(id) else {
                        return [.text(id), .text(nil), .text("no price"), .number(nil), .number(nil), .number(nil), .number(nil)]
                    }
                    return [.text(id), .text(m.key), .text(m.rule.rawValue), perMillion(m.price.inputPerToken), perMillion(m.price.outputPerToken),
                            perMillion(m.price.cacheReadPerToken), perMillion(m.price.cacheWritePerToken)]
                }
            }
            let fmt = format ?? (Terminal.stdoutIsTerminal ? .table : .csv)
            // Prices print as plain numbers (USD per million tokens), not percentages.
            let doc = Document(columns: columns.map { $0.kind == .share ? Column($0.name, .count) : $0 },
                               rows: rows.map { $0.map { if case .number(let v) = $0 { return Cell.text(v.map { String(format: "%.4f", $0) }) } else { return $0 } } },
                               extras: [("prices", .string(table.source))])
            Terminal.write(render(doc, format: fmt, options: RenderOptions(color: Terminal.useColor)))
            if fmt == .table { Terminal.write("prices: \(table.source)\n", to: 2) }
        } catch {
            throw fail(error)
        }
    }
}

struct Sql: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sql",
        abstract: "Read-only SQL over the store's views, for what the built-in reports do not cover.",
        discussion: """
            The store is opened read-only: statements that write fail. Views:

            requests: request_id, start_ms, start_time, user_email, user_sub, auth_source, user_id, \
            api_key_id, project, model_id, route, status, latency_ms, method, path, user_agent, log_group, \
            log_stream, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, total_tokens, \
            logged_cost, lines, is_model_request, is_orphan_usage, has_conflict.

            events: event_key, ts, time, request_id, statement, has_user_sub, has_user_email, \
            has_auth_source, is_usage, is_json, block, slot.

            Also the table reject (source, position, reason, raw) and source (path, shape, compression, \
            bytes, events, new_events, duplicates, rejects, complete, first_ms, last_ms).

            EXAMPLES:
              attrib sql "SELECT user_email, count(*) FROM requests WHERE route = 'mantle' GROUP BY 1"
              attrib sql "SELECT statement, count(*) FROM events WHERE request_id IS NULL GROUP BY 1"
              attrib sql "SELECT position, reason FROM reject"
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: ArgumentHelp("table, csv, tsv, json, jsonl or markdown.", valueName: "format"))
    var format: OutputFormat?

    @Argument(help: ArgumentHelp("One SQL statement.", valueName: "query"))
    var query: String

    func run() throws {
        Terminal.ignoreSIGPIPE()
        do {
            let store = try Store(path: global.storePath, readOnly: true)
            let result = try store.query(query)
            let columns = result.columns.map { Column($0, .dimension) }
            let fmt = format ?? (Terminal.stdoutIsTerminal ? .table : .csv)
            Terminal.write(render(Document(columns: columns, rows: result.rows), format: fmt, options: RenderOptions(color: Terminal.useColor)))
        } catch {
            throw fail(error)
        }
    }
}
