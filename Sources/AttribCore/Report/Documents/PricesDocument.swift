// `prices` as a document: the price table in use, or how each given model id resolves (USD per million tokens).

extension Reports {
    /// Without `models`, every model of the table; with them, the key each resolves to and the rule that matched.
    /// Prices are typed numbers with 4 decimals for people (0.6000) and plain numbers in JSON (0.6).
    public static func document(_ table: PriceTable, resolving models: [String] = []) -> Document {
        let perMillion = { (v: Double) -> Cell in .number(v * 1_000_000) }
        let priceColumns = ["input_per_mtok", "output_per_mtok", "cache_read_per_mtok", "cache_write_per_mtok"]
            .map { Column($0, .decimal(places: 4)) }
        var columns = [Column("model", .dimension)]
        var rows: [[Cell]] = []
        if models.isEmpty {
            columns += priceColumns
            rows = table.models.map { m in
                [
                    .text(m.key), perMillion(m.price.inputPerToken), perMillion(m.price.outputPerToken),
                    perMillion(m.price.cacheReadPerToken), perMillion(m.price.cacheWritePerToken),
                ]
            }
        } else {
            columns += [Column("key", .dimension), Column("rule", .dimension)] + priceColumns
            rows = models.map { id in
                guard let m = table.resolve(id) else {
                    return [
                        .text(id), .text(nil), .text("no price"), .number(nil), .number(nil), .number(nil),
                        .number(nil),
                    ]
                }
                return [
                    .text(id), .text(m.key), .text(m.rule.rawValue), perMillion(m.price.inputPerToken),
                    perMillion(m.price.outputPerToken), perMillion(m.price.cacheReadPerToken),
                    perMillion(m.price.cacheWritePerToken),
                ]
            }
        }
        return Document(
            Table(columns: columns, rows: rows), extras: [("prices", .string(table.source))],
            notes: ["prices: \(table.source)"])
    }
}
