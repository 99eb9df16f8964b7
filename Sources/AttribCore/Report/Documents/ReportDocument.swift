// `report` and `mantle` as a document: the SPEC §4 columns, totals, unpriced models and the price source.

extension Reports {
    /// The report as a printable document (SPEC §4 columns). `share` adds each row's share of the total
    /// cost: `mantle` is a report of Mantle requests with that one extra column, so it has no document of its own.
    /// `bars` adds the same share drawn as a bar (`report --bars`), a text column for the table format.
    public static func document(_ r: ReportResult, title: String? = nil, share: Bool = false, bars: ShareBar? = nil)
        -> Document
    {
        var columns = r.dimensions.map { Column($0.name, $0.isIdentity ? .identity : .dimension) }
        columns += [
            Column("requests", .count), Column("input_tokens", .count), Column("output_tokens", .count),
            Column("cache_read_tokens", .count), Column("cache_write_tokens", .count),
            Column("total_tokens", .count), Column("cost_usd", .cost),
        ]
        if share { columns.append(Column("share", .share)) }
        if r.showsLatency {
            columns += [
                Column("latency_p50_ms", .count), Column("latency_p95_ms", .count), Column("latency_max_ms", .count),
            ]
        }
        if bars != nil { columns.append(Column("share_of_cost", .dimension)) }
        func metrics(_ row: ReportRow) -> [Cell] {
            var cells: [Cell] = [
                .int(row.requests), .int(row.tokens.input), .int(row.tokens.output), .int(row.tokens.cacheRead),
                .int(row.tokens.cacheWrite), .int(row.totalTokens), .number(row.costUSD),
            ]
            if share {
                let total = r.totals.costUSD ?? 0
                cells.append(.number(row.costUSD.flatMap { total > 0 ? $0 / total : nil }))
            }
            if r.showsLatency {
                cells += [0.5, 0.95, 1].map { q in .int(row.latencyPercentile(q)) }
            }
            return cells
        }
        func bar(_ row: ReportRow) -> [Cell] {
            guard let bars else { return [] }
            let total = r.totals.costUSD ?? 0
            return [.text(row.costUSD.flatMap { total > 0 ? bars.draw($0 / total) : nil })]
        }
        let rows = r.rows.map { row in row.values.map { Cell.text($0) } + metrics(row) + bar(row) }
        let totals = r.dimensions.map { _ in Cell.text(nil) } + metrics(r.totals) + (bars == nil ? [] : [.text(nil)])
        let unpriced: [JSONValue] = r.unpriced.map { u in
            .object([
                ("modelId", .string(u.modelId)), ("requests", .int(u.requests)), ("input_tokens", .int(u.tokens.input)),
                ("output_tokens", .int(u.tokens.output)), ("cache_read_tokens", .int(u.tokens.cacheRead)),
                ("cache_write_tokens", .int(u.tokens.cacheWrite)),
            ])
        }
        return Document(
            Table(columns: columns, rows: rows, totals: totals), title: title,
            extras: [("unpriced_models", .array(unpriced)), ("prices", .string(r.priceSource))])
    }
}
