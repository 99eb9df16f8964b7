// --sql clickhouse: print the query an invocation runs, for ClickHouse, instead of running it.

import ArgumentParser
import AttribCore

enum SQLTarget: String, ExpressibleByArgument, CaseIterable {
    case clickhouse
}

struct SQLOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Print this invocation's query for ClickHouse (the tables of attrib clickhouse schema) instead of running it.",
            valueName: "dialect"))
    var sql: SQLTarget?
}

/// A command that can print its query instead of running it.
protocol SQLPrintingCommand: DocumentCommand {
    var sqlOptions: SQLOptions { get }
    var costOptions: CostOptions { get }
    /// The statement; throws a usage error naming a flag it cannot translate.
    func clickHouseSQL() throws -> String
}

extension SQLPrintingCommand {
    /// Flags whose meaning a ClickHouse query cannot carry: one line naming the flag, exit 64.
    func checkTranslatable(dimensions: [AttribCore.ReportDimension] = [], filters: [String] = []) throws {
        guard sqlOptions.sql != nil else { return }
        // attrib lines carries no principal or client address (yet): a report by them is not printed.
        // Nor a token id or metadata tags.
        for d in dimensions where d == .principal || d == .clientIp || d == .tokenId || d.tagKey != nil {
            throw ReportError.usage("--by \(d.name) cannot be translated for --sql: attrib lines does not write it")
        }
        for f in filters {
            let d = try Filter.parse(f).dimension
            guard [.principal, .clientIp, .tokenId].contains(d) || d.tagKey != nil else { continue }
            throw ReportError.usage("--where \(f) cannot be translated for --sql: attrib lines does not write it")
        }
        // attrib lines writes the log group and stream of the copy of an event it reads first, where the
        // store keeps the smallest over all copies: a report by them could differ, so it is not printed.
        for d in dimensions where d == .logGroup || d == .logStream {
            throw ReportError.usage(
                "--by \(d.name) cannot be translated for --sql: attrib lines keeps the \(d.name) of the first copy of an event, attrib the smallest of all copies"
            )
        }
        for f in filters {
            let d = try Filter.parse(f).dimension
            if d == .logGroup || d == .logStream {
                throw ReportError.usage(
                    "--where \(f) cannot be translated for --sql: attrib lines keeps the \(d.name) of the first copy of an event, attrib the smallest of all copies"
                )
            }
        }
        if costOptions.prices != nil {
            throw ReportError.usage(
                "--prices cannot be translated for --sql: ClickHouse prices from attrib_prices and attrib_model_keys (load them with attrib clickhouse prices|keys --prices FILE)"
            )
        }
        if output.format != nil {
            throw ReportError.usage("--format cannot be translated for --sql: the query prints CSVWithNames")
        }
    }
}
