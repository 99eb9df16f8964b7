// `reconcile` as a document: the bill against the logs by cell, subtotals (all, Mantle, other principals) and
// the bill's adjustments; with `--split`, the billed dollars by identity.

extension Reports {
    public static func document(_ r: ReconcileResult) -> Document {
        let people: Set<OutputFormat> = [.table, .markdown, .json]
        let adjustments = Table(
            columns: [Column("kind", .dimension), Column("lines", .count), Column("cost_usd", .cost)],
            rows: r.adjustments.map { [.text($0.kind), .int(Int64($0.lines)), .number(dollars($0.micros))] })
        let extras: [(String, JSONValue)] = [("prices", .string(r.priceSource))]
        if let split = r.splitRows {
            // The identity column sits where --by named it; the split rows carry every --by column.
            var columns = r.splitColumns.enumerated().map { i, name in
                Column(name, i == r.splitIdentityIndex ? .identity : .dimension)
            }
            columns += [Column("source", .dimension), Column("tokens", .count), Column("billed_cost_usd", .cost)]
            let rows: [[Cell]] = split.map { row in
                row.values.map { Cell.text($0) } + [
                    .text(row.source), .int(row.tokens), .number(dollars(row.billedMicros)),
                ]
            }
            let tokens = split.reduce(0) { $0 + $1.tokens }
            let micros = split.reduce(0) { $0 + $1.billedMicros }
            let totals =
                columns.dropLast(3).map { _ in Cell.text(nil) } + [.text(nil), .int(tokens), .number(dollars(micros))]
            return Document(
                sections: [
                    Section(.table(Table(columns: columns, rows: rows, totals: totals))),
                    Section(
                        title: "Bill adjustments (not split; --where does not apply)", .table(adjustments),
                        json: .array("adjustments"), formats: people),
                ], extras: extras)
        }
        let metrics: [Column] = [
            Column("billed_tokens", .count), Column("logged_tokens", .count), Column("explained_share", .share),
            Column("billed_cost_usd", .cost), Column("list_cost_usd", .cost), Column("unexplained_tokens", .count),
            Column("unexplained_cost_usd", .cost), Column("status", .dimension),
        ]
        func cells(_ row: ReconcileRow) -> [Cell] {
            [
                .int(row.billedTokens), .int(row.loggedTokens), .number(row.explainedShare),
                .number(dollars(row.billedMicros)), .number(row.listCostUSD), .int(row.unexplainedTokens),
                .number(dollars(row.unexplainedMicros)), .text(row.status),
            ]
        }
        let columns = r.columns.map { Column($0, .dimension) } + metrics
        let main = Table(
            columns: columns, rows: r.rows.map { row in row.values.map { Cell.text($0) } + cells(row) },
            totals: r.columns.map { _ in Cell.text(nil) } + cells(r.totals).dropLast() + [.text(nil)])
        let subtotals = Table(
            columns: [Column("subtotal", .dimension)] + metrics.dropLast(),
            rows: r.subtotals.map { [.text($0.0)] + cells($0.1).dropLast() })
        return Document(
            sections: [
                Section(.table(main)),
                Section(title: "Subtotals", .table(subtotals), json: .array("subtotals"), formats: people),
                Section(
                    title: "Bill adjustments (the whole bill in the window; --where does not apply)",
                    .table(adjustments), json: .array("adjustments"), formats: people),
            ], extras: extras)
    }
}

/// Micro-dollars as dollars (exact to the sixth decimal when printed with six).
func dollars(_ micros: Int64) -> Double { Double(micros) / 1_000_000 }
