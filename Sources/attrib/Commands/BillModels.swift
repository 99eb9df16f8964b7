// `attrib bill-models`: the table that maps the model names of a bill to price-table keys.

import ArgumentParser
import AttribCore

struct BillModelsCommand: DocumentCommand {
    static let configuration = CommandConfiguration(
        commandName: "bill-models",
        abstract: "The billed-model table: the model names a bill uses, and the price-table keys they map to.",
        discussion: """
            A bill names models in its usage types (USE1-Claude4.5Sonnet-input-tokens) or, for \
            Marketplace models, by product name (Claude Sonnet 4.5 (Amazon Bedrock Edition)). reconcile \
            maps each to a price-table key through this table (built in, from \
            Sources/AttribCore/Parse/Bill/bill-models.csv), else takes the name itself when the price \
            table knows it (Mantle usage types name model ids, e.g. moonshotai.kimi-k2.5). A name known \
            to neither is reported by reconcile, never dropped. The priced column says whether the price \
            table in use has the key.

            EXAMPLES:
              attrib bill-models
              attrib bill-models --prices my-prices.csv --format csv
            """
    )

    @Option(
        name: .long,
        help: ArgumentHelp("A price table to check the keys against (LiteLLM JSON or CSV).", valueName: "file"))
    var prices: String?

    @OptionGroup var output: OutputOptions

    func document() throws -> Document {
        let table = try loadPriceTable(prices)
        return Reports.billModelsDocument(prices: table)
    }
}
