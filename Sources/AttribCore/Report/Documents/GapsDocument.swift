// `gaps` as a document: the totals, a table by day and a table by log statement (SPEC §4).

extension Reports {
    /// Table and Markdown show three titled tables (the totals as name/value rows); CSV, TSV and JSONL carry
    /// the day table, the one a spreadsheet wants; JSON has the totals as top-level keys, `by_day` and
    /// `by_statement`.
    public static func document(_ g: GapsResult) -> Document {
        let totals = [
            Field("requests", .int(g.requests), .count), Field("model_requests", .int(g.modelRequests), .count),
            Field("attributed_requests", .int(g.attributedRequests), .count),
            Field("unattributed_requests", .int(g.unattributedRequests), .count),
            Field("unattributed_tokens", .int(g.unattributedTokens), .count),
            Field("unattributed_cost_usd", .number(g.unattributedCostUSD), .cost),
            Field("joined_requests", .int(g.joinedRequests), .count), Field("conflicts", .int(g.conflicts), .count),
            Field("usage_lines_without_request_id", .int(g.usageLinesWithoutRequestId), .count),
            Field("cutover", .text(g.cutover.map(formatISOTimestamp)), .dimension),
        ]
        let days = Table(
            columns: [
                Column("day", .dimension), Column("model_requests", .count), Column("unattributed_requests", .count),
                Column("unattributed_cost_usd", .cost),
            ],
            rows: g.byDay.map {
                [.text($0.day), .int($0.modelRequests), .int($0.unattributedRequests), .number($0.unattributedCostUSD)]
            })
        let statements = Table(
            columns: [
                Column("statement", .dimension), Column("lines", .count), Column("user_sub_share", .share),
                Column("user_email_share", .share), Column("auth_source_share", .share),
            ],
            rows: g.byStatement.map {
                [
                    .text($0.statement), .int($0.lines), .number($0.userSubShare), .number($0.userEmailShare),
                    .number($0.authSourceShare),
                ]
            })
        let summaries: Set<OutputFormat> = [.table, .markdown, .json]
        return Document(sections: [
            Section(
                title: "identity coverage", .fields(totals, nameHeader: "total", valueHeader: "value"), json: .topLevel,
                formats: summaries),
            Section(title: "by day", .table(days), json: .array("by_day")),
            Section(title: "by log statement", .table(statements), json: .array("by_statement"), formats: summaries),
        ])
    }
}
