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

    /// The cost of a group; nil when its model has no price and it has tokens; zero tokens cost exactly
    /// nothing, priced or not. Every group of a model without a price is recorded, so its request count
    /// does not depend on how finely a query groups.
    mutating func cost(model: String?, requests: Int64, tokens: TokenUsage) -> Double? {
        if let match = match(model) { return match.price.cost(tokens) }
        let name = model ?? "(no model)"
        var u = unpriced[name] ?? UnpricedModel(modelId: name, requests: 0, tokens: .zero)
        u.requests += requests
        u.tokens += tokens
        unpriced[name] = u
        return tokens.total == 0 ? 0 : nil
    }

    /// The models without a price whose tokens the result leaves uncosted.
    var unpricedModels: [UnpricedModel] {
        unpriced.values.filter { $0.tokens.total > 0 }.sorted { $0.modelId < $1.modelId }
    }
}
