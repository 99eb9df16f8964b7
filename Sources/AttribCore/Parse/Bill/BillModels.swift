// The billed-model table (Parse/Bill/bill-models.csv, compiled in): the names a bill gives models, mapped to
// price-table keys so that billed and logged tokens meet in the same model.

public struct BillModelEntry: Sendable, Equatable {
    public var billedModel: String
    public var priceKey: String
}

/// How a billed model found its price-table key.
public enum BillModelRule: String, Sendable {
    /// An entry of the billed-model table.
    case table
    /// The billed name is itself a model id the price table knows (Mantle usage types name model ids).
    case priceTable = "price-table"
}

public enum BillModels {
    /// The built-in table, in file order.
    public static let table: [BillModelEntry] = BuiltInBillModels.csv.split(separator: "\n").dropFirst().compactMap {
        let parts = $0.split(separator: ",", maxSplits: 1).map(String.init)
        return parts.count == 2 ? BillModelEntry(billedModel: parts[0], priceKey: parts[1]) : nil
    }

    private static let byName: [String: String] = Dictionary(
        table.map { ($0.billedModel, $0.priceKey) }, uniquingKeysWith: { a, _ in a })

    /// The price-table key of a billed model, as the price table in use spells it; nil when neither the
    /// table nor the price table knows it (the caller reports it by name and keeps its lines).
    public static func priceKey(_ billed: String, prices: PriceTable) -> (key: String, rule: BillModelRule)? {
        if let key = byName[billed] { return (prices.resolve(key)?.key ?? key, .table) }
        if let match = prices.resolve(billed) { return (match.key, .priceTable) }
        return nil
    }
}
