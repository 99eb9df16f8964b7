// `reconcile --witnesses` as a document: the three witnesses by the --by columns, then by principal, with one
// sentence for people on how much of what Bedrock saw from the gateway's principal the gateway logged.

extension Reports {
    public static func document(_ r: WitnessResult) -> Document {
        let metrics = [
            Column("invocation_tokens", .count), Column("gateway_tokens", .count), Column("billed_tokens", .count),
            Column("gateway_share", .share), Column("invocation_share", .share),
        ]
        func cells(_ row: WitnessRow) -> [Cell] {
            [
                .int(row.invocationTokens), .int(row.gatewayTokens), .int(row.billedTokens),
                .number(row.gatewayShare), .number(row.invocationShare),
            ]
        }
        let columns = r.columns.map { Column($0, $0 == "principal" ? .identity : .dimension) } + metrics
        let main = Table(
            columns: columns, rows: r.rows.map { $0.values.map { Cell.text($0) } + cells($0) },
            totals: r.columns.map { _ in Cell.text(nil) } + cells(r.totals))
        var footer: String?
        func percent(_ share: Double) -> String { humanCell(.number(share), .share) }
        if let g = r.byPrincipal.first(where: { $0.values.first == r.gatewayPrincipal }), let share = g.gatewayShare {
            footer =
                "The gateway logged \(percent(share)) of the tokens Bedrock saw from its principal \(r.gatewayPrincipal)"
                + (g.invocationShare.map {
                    "; Bedrock's invocation logs hold \(percent($0)) of the tokens billed to it."
                }
                    ?? ".")
        }
        let byPrincipal = Table(
            columns: [Column("principal", .identity)] + metrics,
            rows: r.byPrincipal.map { $0.values.map { Cell.text($0) } + cells($0) }, footer: footer)
        var sections = [Section(.table(main))]
        if r.columns != ["principal"] {
            sections.append(
                Section(
                    title: "By principal", .table(byPrincipal), json: .array("by_principal"),
                    formats: [.table, .markdown, .json]))
        } else {
            sections[0] = Section(
                .table(Table(columns: main.columns, rows: main.rows, totals: main.totals, footer: footer)))
        }
        return Document(sections: sections, extras: [("gateway_principal", .string(r.gatewayPrincipal))])
    }
}
