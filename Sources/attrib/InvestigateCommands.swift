// The investigations: mantle, gaps, show, sources, prices, sql.

import ArgumentParser
import AttribCore
import Foundation

struct Mantle: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Who is behind the Bedrock Mantle (third-party model) spend.",
        discussion: """
            Mantle requests only (a request with a "Forwarding to Bedrock Mantle", "Mantle streaming complete" \
            or "Mantle non-streaming response" line), grouped by user (default), with each row's share of \
            the Mantle cost. Requests with no identity at all form one row with an empty user: the \
            unattributed remainder.

            EXAMPLES:
              attrib mantle
              attrib mantle --model moonshotai.kimi-k2.5 --by user,day
              attrib mantle --since 2026-02-27 --by user_email
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: ArgumentHelp("Dimensions to group by, comma-separated.", valueName: "dims"))
    var by: String = "user"

    @Option(name: .long, help: ArgumentHelp("Only this model (as logged, or a glob such as '*kimi*').", valueName: "model"))
    var model: String?

    @OptionGroup var options: QueryOptions
    @OptionGroup var costOptions: CostOptions

    func run() throws {
        Terminal.ignoreSIGPIPE()
        do {
            var query = try options.query(dimensions: try AttribCore.ReportDimension.parseList(by), costMode: costOptions.cost)
            query.scope = .mantle
            if let model {
                query.filters.append(Filter(dimension: .modelId, op: model.contains("*") || model.contains("?") ? .glob : .equal, value: model))
            }
            let prices = try costOptions.priceTable()
            let store = try Store(path: global.storePath, readOnly: true)
            let result = try Reports.run(query, store: store, prices: prices)
            warnUnpriced(result.unpriced, quiet: global.quiet)
            Terminal.write(render(Reports.document(result, share: true), format: options.outputFormat, options: RenderOptions(color: Terminal.useColor)))
        } catch {
            throw fail(error)
        }
    }
}

struct Sources: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "What the store holds: inputs ingested, time range, event and request counts.",
        discussion: """
            One row per input read: its path, detected shape and compression, events (new and duplicate), \
            rejects, whether it was read completely, and its time range.

            EXAMPLES:
              attrib sources
              attrib sources --format json | jq '.rows[] | select(.rejects > 0)'
            """)

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: ArgumentHelp("table, csv, tsv, json, jsonl or markdown.", valueName: "format"))
    var format: OutputFormat?

    func run() throws {
        Terminal.ignoreSIGPIPE()
        do {
            let store = try Store(path: global.storePath, readOnly: true)
            let s = try Reports.sources(store: store)
            let columns = [Column("path", .dimension), Column("shape", .dimension), Column("compression", .dimension),
                           Column("bytes", .count), Column("events", .count), Column("new_events", .count),
                           Column("duplicates", .count), Column("rejects", .count), Column("complete", .dimension),
                           Column("first", .dimension), Column("last", .dimension)]
            let rows: [[Cell]] = s.sources.map { src in
                [.text(src.path), .text(src.shape), .text(src.compression), .int(src.bytes), .int(src.events), .int(src.newEvents),
                 .int(src.duplicates), .int(src.rejects), .text(src.complete ? "yes" : "no"),
                 .text(src.firstMs.map(formatISOTimestamp)), .text(src.lastMs.map(formatISOTimestamp))]
            }
            let extras: [(String, JSONValue)] = [
                ("events", .int(s.events)), ("requests", .int(s.requests)), ("model_requests", .int(s.modelRequests)),
                ("rejects", .int(s.rejects)),
                ("first", s.firstMs.map { .string(formatISOTimestamp($0)) } ?? .null),
                ("last", s.lastMs.map { .string(formatISOTimestamp($0)) } ?? .null),
            ]
            let fmt = format ?? (Terminal.stdoutIsTerminal ? .table : .csv)
            Terminal.write(render(Document(columns: columns, rows: rows, extras: extras), format: fmt, options: RenderOptions(color: Terminal.useColor)))
            if fmt == .table && !global.quiet {
                let range = "\(s.firstMs.map(formatISOTimestamp) ?? "-") .. \(s.lastMs.map(formatISOTimestamp) ?? "-")"
                Terminal.write("\(grouped(Int(s.events))) events, \(grouped(Int(s.requests))) requests (\(grouped(Int(s.modelRequests))) model requests), \(grouped(Int(s.rejects))) rejects; \(range)\n")
            }
        } catch {
            throw fail(error)
        }
    }
}

struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "One request: its lines in time order, as stored, and its assembled row.",
        discussion: """
            Prints every distinct line of the request (read back from the store's compressed blocks), then \
            the row attrib assembled from them: identity, model, route, status, the four token counts. \
            In JSON: {"lines": [{"time", "statement", "message"}...], "request": {...}}.

            EXAMPLE:
              attrib show 6f1c2a9e-0d7b-4c3e-9a51-2b8f4e7d1c20
              attrib show 6f1c2a9e-0d7b-4c3e-9a51-2b8f4e7d1c20 --format json | jq .request
            """)

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: ArgumentHelp("table, csv, tsv, json, jsonl or markdown (for the assembled row).", valueName: "format"))
    var format: OutputFormat?

    @Argument(help: ArgumentHelp("The request_id (orphan usage lines: the orphan-<hex> id from attrib sql).", valueName: "request-id"))
    var requestId: String

    func run() throws {
        Terminal.ignoreSIGPIPE()
        do {
            let store = try Store(path: global.storePath, readOnly: true)
            guard let lines = try Reports.show(requestId: requestId, store: store) else {
                Terminal.error("no request with request_id '\(requestId)' in \(store.path)")
                throw ExitCode(Exit.data)
            }
            let escaped = requestId.replacingOccurrences(of: "'", with: "''")
            let row = try store.query("SELECT * FROM requests WHERE request_id = '\(escaped)'")
            let fmt = format ?? (Terminal.stdoutIsTerminal ? .table : .csv)
            if fmt == .json {
                let lineValues: [JSONValue] = lines.map { l in
                    .object([("time", l.timeMs.map { .string(formatISOTimestamp($0)) } ?? .null),
                             ("statement", l.statement.map { .string($0) } ?? .null), ("message", .string(l.message))])
                }
                let request: JSONValue = row.rows.first.map { cells in
                    .object(zip(row.columns, cells).map { ($0, $1.json) })
                } ?? .null
                Terminal.write(renderJSON(.object([("lines", .array(lineValues)), ("request", request)])) + "\n")
                return
            }
            var out = ""
            for l in lines { out += "\(l.timeMs.map(formatISOTimestamp) ?? "-")  \(l.message)\n" }
            out += "\n"
            out += render(Document(columns: row.columns.map { Column($0, .dimension) }, rows: row.rows), format: fmt,
                          options: RenderOptions(color: Terminal.useColor))
            Terminal.write(out)
        } catch {
            throw fail(error)
        }
    }
}
