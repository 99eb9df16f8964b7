// Prices the groups of a query: the one part of a report SQL does not do, because the price lookup
// rules (SPEC §3) are Swift and a sum of doubles must be added up in an order fixed by the content.

/// A model the price table could not resolve, with what it hides.
public struct UnpricedModel: Sendable, Equatable {
    public var modelId: String
    public var requests: Int64
    public var tokens: TokenUsage
}

/// Resolves each model id once and collects the models that have no price with the tokens they hide
/// (SPEC §3: never $0 silently).
struct Costing {
    let prices: PriceTable
    private var cache: [String: PriceMatch?] = [:]
    private var unpriced: [String: UnpricedModel] = [:]

    init(prices: PriceTable) { self.prices = prices }

    mutating func match(_ model: String?) -> PriceMatch? {
        guard let model else { return nil }
        if let cached = cache[model] { return cached }
        let match = prices.resolve(model)
        cache[model] = match
        return match
    }

    /// The cost of a group; nil when its model has no price and it has tokens (recorded as unpriced);
    /// zero tokens cost exactly nothing, priced or not.
    mutating func cost(model: String?, requests: Int64, tokens: TokenUsage) -> Double? {
        if let match = match(model) { return match.price.cost(tokens) }
        if tokens.total == 0 { return 0 }
        let name = model ?? "(no model)"
        var u = unpriced[name] ?? UnpricedModel(modelId: name, requests: 0, tokens: .zero)
        u.requests += requests
        u.tokens += tokens
        unpriced[name] = u
        return nil
    }

    var unpricedModels: [UnpricedModel] { unpriced.values.sorted { $0.modelId < $1.modelId } }
}
