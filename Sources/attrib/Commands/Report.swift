// `attrib report`: tokens and cost grouped by any dimensions.

import ArgumentParser
import AttribCore

struct Report: StoreDocumentCommand, SQLPrintingCommand {
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
    @OptionGroup var output: OutputOptions
    @OptionGroup var costOptions: CostOptions
    @OptionGroup var sqlOptions: SQLOptions

    func validate() throws {
        try usageChecked {
            try options.checkSort(dimensions: try AttribCore.ReportDimension.parseList(by))
            try checkTranslatable(
                dimensions: try AttribCore.ReportDimension.parseList(by), filters: options.filters)
        }
    }

    func clickHouseSQL() throws -> String {
        ClickHouseSQL.report(
            try options.query(dimensions: try AttribCore.ReportDimension.parseList(by), costMode: costOptions.cost))
    }

    func document(store: Store) throws -> Document {
        let query = try options.query(
            dimensions: try AttribCore.ReportDimension.parseList(by), costMode: costOptions.cost)
        let result = try Reports.run(query, store: store, prices: try costOptions.priceTable())
        warnUnpriced(result.unpriced, quiet: global.quiet)
        return Reports.document(result)
    }
}
