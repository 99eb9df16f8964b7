// `attrib clickhouse`: what ClickHouse needs to give attrib's answers: the DDL and the price exports.

import ArgumentParser
import AttribCore
import Foundation

struct ClickHouse: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clickhouse",
        abstract: "The ClickHouse schema and price tables for attrib lines output.",
        discussion: """
            attrib lines is the parse step; ClickHouse stores the rows and answers the queries that \
            report, mantle and gaps print with --sql clickhouse. Setting up a database:

              attrib clickhouse schema | clickhouse-client --multiquery
              attrib lines exports/ | clickhouse-client --query "INSERT INTO attrib_lines FORMAT JSONEachRow"
              attrib clickhouse prices | clickhouse-client --query "INSERT INTO attrib_prices FORMAT CSVWithNames"
              clickhouse-client --query "SELECT DISTINCT model_id FROM attrib_lines WHERE model_id IS NOT NULL" \\
                | attrib clickhouse keys | clickhouse-client --query "INSERT INTO attrib_model_keys FORMAT CSVWithNames"
              attrib report --by user_email,modelId --sql clickhouse | clickhouse-client --multiquery
            """,
        subcommands: [Schema.self, Prices.self, Keys.self]
    )

    struct Schema: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the DDL: attrib_lines, attrib_prices, attrib_model_keys and the attrib_requests view.")

        func run() throws {
            try runCommand { Terminal.write(ClickHouseSchema.ddl) }
        }
    }

    struct Prices: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the price table per token at full precision, CSV with a header, for attrib_prices.")

        @OptionGroup var priceFile: PriceFileOption

        func run() throws {
            try runCommand { Terminal.write(ClickHouseSchema.pricesCSV(try priceFile.priceTable())) }
        }
    }

    struct Keys: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Print each model id's price key (attrib's lookup rules), CSV with a header, for attrib_model_keys.",
            discussion:
                "Model ids come from the arguments, else one per line on stdin; ids without a price are left out."
        )

        @OptionGroup var priceFile: PriceFileOption

        @Argument(help: ArgumentHelp("Model ids as logged (default: one per line on stdin).", valueName: "model"))
        var models: [String] = []

        func run() throws {
            try runCommand {
                var ids = models
                if ids.isEmpty {
                    while let line = readLine(strippingNewline: true) {
                        ids.append(line.hasSuffix("\r") ? String(line.dropLast()) : line)
                    }
                }
                Terminal.write(ClickHouseSchema.modelKeysCSV(try priceFile.priceTable(), models: ids))
            }
        }
    }
}

/// --prices alone (the ClickHouse exports compute no cost, so --cost has no place there).
struct PriceFileOption: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "A price table to use instead of the bundled one: LiteLLM JSON, or CSV (as for report).",
            valueName: "file"))
    var prices: String?

    func priceTable() throws -> PriceTable { try loadPriceTable(prices) }
}
