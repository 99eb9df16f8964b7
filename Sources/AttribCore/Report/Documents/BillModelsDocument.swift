// `bill-models` as a document: the billed-model table and whether the price table in use has each key.

extension Reports {
    public static func billModelsDocument(prices: PriceTable) -> Document {
        let rows: [[Cell]] = BillModels.table.map { e in
            let match = prices.resolve(e.priceKey)
            return [.text(e.billedModel), .text(e.priceKey), .text(match == nil ? "no" : "yes")]
        }
        return Document(
            Table(
                columns: [
                    Column("billed_model", .dimension), Column("price_key", .dimension), Column("priced", .dimension),
                ],
                rows: rows), extras: [("prices", .string(prices.source))])
    }
}
