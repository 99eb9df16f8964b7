// `attrib mantle`: who is behind the Bedrock Mantle spend; a report of Mantle requests with each row's share.

import ArgumentParser
import AttribCore

struct Mantle: StoreDocumentCommand, SQLPrintingCommand {
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

    @Option(
        name: .long, help: ArgumentHelp("Only this model (as logged, or a glob such as '*kimi*').", valueName: "model"))
    var model: String?

    @OptionGroup var options: QueryOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var costOptions: CostOptions
    @OptionGroup var sqlOptions: SQLOptions
    @OptionGroup var invocations: InvocationOptions

    func validate() throws {
        try usageChecked {
            try options.checkSort(dimensions: try AttribCore.ReportDimension.parseList(by))
            try checkTranslatable(
                dimensions: try AttribCore.ReportDimension.parseList(by), filters: options.filters)
        }
    }

    func clickHouseSQL() throws -> String {
        ClickHouseSQL.report(try query(), share: true)
    }

    func document(store: Store) throws -> Document {
        let query = try query()
        let result = try Reports.run(query, store: store, prices: try costOptions.priceTable())
        warnUnpriced(result.unpriced, quiet: global.quiet)
        try invocations.warnOverlap(query, store: store, quiet: global.quiet)
        return Reports.document(result, share: true)
    }

    func query() throws -> ReportQuery {
        var query = try options.query(
            dimensions: try AttribCore.ReportDimension.parseList(by), costMode: costOptions.cost)
        query.scope = .mantle
        query.includesGatewayInvocations = invocations.includeGatewayInvocations
        if let model {
            query.filters.append(
                Filter(
                    dimension: .modelId, op: model.contains("*") || model.contains("?") ? .glob : .equal, value: model))
        }
        return query
    }
}
