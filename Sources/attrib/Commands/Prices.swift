// `attrib prices`: the price table in use, or how each given model id resolves.

import ArgumentParser
import AttribCore

struct Prices: DocumentCommand {
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

    @OptionGroup var output: OutputOptions

    @Argument(help: ArgumentHelp("Model ids as logged.", valueName: "model"))
    var models: [String] = []

    func document() throws -> Document {
        Reports.document(try costOptions.priceTable(), resolving: models)
    }
}
