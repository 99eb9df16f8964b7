// Identity coverage (attrib gaps): how many requests and how much money have no identity, since when
// identity is logged, and which log statements carry it. Two queries of the report model (all requests;
// model requests by day and attribution) and two facts the store keeps (cutover, statement stats).

import Foundation

public struct GapsDay: Sendable, Equatable {
    public var day: String
    public var modelRequests: Int64 = 0
    public var unattributedRequests: Int64 = 0
    public var unattributedCostUSD: Double? = 0
}

public struct GapsStatement: Sendable, Equatable {
    public var statement: String
    public var lines: Int64
    public var userSubShare: Double
    public var userEmailShare: Double
    public var authSourceShare: Double
}

public struct GapsResult: Sendable {
    public var requests: Int64 = 0
    public var modelRequests: Int64 = 0
    public var attributedRequests: Int64 = 0
    public var unattributedRequests: Int64 = 0
    public var unattributedTokens: Int64 = 0
    public var unattributedCostUSD: Double? = 0
    public var joinedRequests: Int64 = 0
    public var conflicts: Int64 = 0
    public var usageLinesWithoutRequestId: Int64 = 0
    /// Epoch ms of the earliest line with a non-empty user_sub or user_email.
    public var cutover: Int64?
    public var byDay: [GapsDay] = []
    public var byStatement: [GapsStatement] = []
    public var unpriced: [UnpricedModel] = []
}

extension Reports {
    public static func gaps(
        store: Store, prices: PriceTable, window: TimeWindow = TimeWindow(), includesGatewayInvocations: Bool = false
    ) throws -> GapsResult {
        var r = GapsResult()
        var everything = ReportQuery(
            scope: .all, dimensions: [], window: window, measures: [.requests, .conflicts, .orphanUsage])
        everything.includesGatewayInvocations = includesGatewayInvocations
        for g in try groups(everything, store: store, prices: prices) {
            r.requests += g[.requests]
            r.conflicts += g[.conflicts]
            r.usageLinesWithoutRequestId += g[.orphanUsage]
        }

        var byDay = ReportQuery(
            scope: .modelRequests, dimensions: [.day, .attributed], window: window,
            measures: Measure.standard + [.joinedRequests])
        byDay.includesGatewayInvocations = includesGatewayInvocations
        var costing = Costing(prices: prices)
        var days: [GapsDay] = []
        for g in try groups(byDay, store: store, prices: prices) {
            let count = g[.requests]
            let day = g.values[0] ?? "(no time)"
            if days.last?.day != day { days.append(GapsDay(day: day)) }
            r.modelRequests += count
            days[days.count - 1].modelRequests += count
            if g.values[1] != nil {
                r.attributedRequests += count
                r.joinedRequests += g[.joinedRequests]
            } else {
                let tokens = g.tokens
                r.unattributedRequests += count
                r.unattributedTokens += tokens.total
                days[days.count - 1].unattributedRequests += count
                let cost = costing.cost(model: g.modelId, requests: count, tokens: tokens)
                r.unattributedCostUSD = r.unattributedCostUSD.flatMap { a in cost.map { a + $0 } }
                days[days.count - 1].unattributedCostUSD = days[days.count - 1].unattributedCostUSD.flatMap { a in
                    cost.map { a + $0 }
                }
            }
        }
        r.byDay = days.sorted { $0.day < $1.day }
        r.unpriced = costing.unpricedModels
        r.cutover = try store.identityCutover()
        r.byStatement = try store.statementCoverage().map { s in
            let share = { (n: Int64) in s.lines > 0 ? Double(n) / Double(s.lines) : 0 }
            return GapsStatement(
                statement: s.statement, lines: s.lines, userSubShare: share(s.withUserSub),
                userEmailShare: share(s.withUserEmail), authSourceShare: share(s.withAuthSource))
        }
        return r
    }
}
