// `attrib gaps`: where identity is missing, since when, and how much money that hides.

import ArgumentParser
import AttribCore

struct Gaps: StoreDocumentCommand, SQLPrintingCommand {
    static let configuration = CommandConfiguration(
        abstract: "Where identity is missing, and how much money that hides.",
        discussion: """
            Totals over all requests: requests, model_requests, attributed_requests (a line of the request \
            had a non-empty user_sub or user_email), unattributed_requests, unattributed_tokens, \
            unattributed_cost_usd, joined_requests (a usage line without identity, attributed through \
            request_id), conflicts, usage lines without request_id; the cutover (the first line with \
            identity); then a table by day and a table by log statement with the share of lines carrying \
            user_sub, user_email and auth_source — which checks the router fix itself.

            EXAMPLES:
              attrib gaps
              attrib gaps --format json | jq .unattributed_cost_usd
            """
    )

    @OptionGroup var global: GlobalOptions

    @OptionGroup var time: TimeOptions

    @OptionGroup var output: OutputOptions

    @OptionGroup var costOptions: CostOptions

    @OptionGroup var sqlOptions: SQLOptions

    @OptionGroup var invocations: InvocationOptions

    func validate() throws {
        try usageChecked { try checkTranslatable() }
    }

    /// The totals; the cutover and the tables by day and by statement are not part of the query.
    func clickHouseSQL() throws -> String {
        let (zone, sinceMs, untilMs) = try time.resolve()
        return ClickHouseSQL.gapsTotals(window: TimeWindow(since: sinceMs, until: untilMs, zone: zone))
    }

    func document(store: Store) throws -> Document {
        let (zone, sinceMs, untilMs) = try time.resolve()
        let window = TimeWindow(since: sinceMs, until: untilMs, zone: zone)
        let g = try Reports.gaps(
            store: store, prices: try costOptions.priceTable(), window: window,
            includesGatewayInvocations: invocations.includeGatewayInvocations)
        warnUnpriced(g.unpriced, quiet: global.quiet)
        var query = ReportQuery(dimensions: [], window: window)
        query.includesGatewayInvocations = invocations.includeGatewayInvocations
        try invocations.warnOverlap(query, store: store, quiet: global.quiet)
        return Reports.document(g)
    }
}
