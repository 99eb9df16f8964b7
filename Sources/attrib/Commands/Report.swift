// `attrib report`: tokens and cost grouped by any dimensions.

import ArgumentParser
import AttribCore

struct Report: StoreDocumentCommand, SQLPrintingCommand {
    static let configuration = CommandConfiguration(
        abstract: "Tokens and cost grouped by user, model, time or any other dimension.",
        discussion: """
            Counts model requests (requests that named a model or carried usage; --requests all counts \
            every request, e.g. audit events, and adds latency columns: nearest-rank p50 and p95 and the \
            max, in ms, over the requests that logged one); each request once, \
            whichever files its lines came from. Cost is computed now from the price table (bundled \
            LiteLLM snapshot, or --prices); a model without a price has an empty cost, never $0, and \
            is named on stderr with its tokens.

            DIMENSIONS: user_email, user_sub, user (email, else sub, else api key, else user id), \
            auth_source, api_key_id, user_id, project, modelId (as logged), model (price-table key), \
            route (mantle/bedrock), status, path, user_agent, log_group, log_stream, hour, day, week \
            (the Monday), month, source (the mapping that read the request: router, aura, ...), \
            principal (the caller's IAM principal ARN), client_ip, token_id (the gateway's token id), \
            meta.KEY (a request metadata tag: Bedrock's requestMetadata, e.g. meta.user).

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

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Which requests to count: model (named a model or carried usage) or all (also audit events, requests without usage; adds latency p50/p95/max columns).",
            valueName: "model|all"))
    var requests: RequestsArgument = .model

    @OptionGroup var options: QueryOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var costOptions: CostOptions
    @OptionGroup var sqlOptions: SQLOptions
    @OptionGroup var invocations: InvocationOptions

    @Flag(
        name: .long,
        help: ArgumentHelp(
            "Add a column drawing each row's share of the cost as a bar (table format only).",
            discussion:
                "Plain # characters instead of block characters when NO_COLOR is set, TERM is dumb or the locale is not UTF-8."
        ))
    var bars = false

    func validate() throws {
        try usageChecked {
            try options.checkSort(dimensions: try AttribCore.ReportDimension.parseList(by))
            if bars && output.resolved != .table {
                throw ReportError.usage(
                    "--bars draws in the table format; add --format table (output that is not a terminal is csv by default)"
                )
            }
            if sqlOptions.sql != nil && requests == .all {
                throw ReportError.usage(
                    "--requests all cannot be translated for --sql: attrib computes the latency percentiles itself")
            }
            try checkTranslatable(
                dimensions: try AttribCore.ReportDimension.parseList(by), filters: options.filters)
        }
    }

    func clickHouseSQL() throws -> String {
        ClickHouseSQL.report(
            try options.query(dimensions: try AttribCore.ReportDimension.parseList(by), costMode: costOptions.cost))
    }

    func document(store: Store) throws -> Document {
        var query = try options.query(
            dimensions: try AttribCore.ReportDimension.parseList(by), costMode: costOptions.cost)
        if requests == .all {
            query.scope = .all
            query.measures.append(.latencies)
        }
        query.includesGatewayInvocations = invocations.includeGatewayInvocations
        let result = try Reports.run(query, store: store, prices: try costOptions.priceTable())
        warnUnpriced(result.unpriced, quiet: global.quiet)
        try invocations.warnOverlap(query, store: store, quiet: global.quiet)
        return Reports.document(result, bars: bars ? ShareBar(plain: Terminal.plainCharacters) : nil)
    }
}

/// `--requests`: model requests (the default) or every request.
enum RequestsArgument: String, ExpressibleByArgument, CaseIterable {
    case model, all
}
