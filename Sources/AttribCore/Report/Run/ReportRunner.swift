// Runs a query: plans it, renders it for SQLite, reads the groups, prices them and orders the rows.
// SQL does the scan, the names, the time buckets, the filters and the grouping; what stays in Swift is
// the price of each group (Costing) and therefore the order by cost and `--top`, which need it.

import Foundation

public struct ReportRow: Sendable, Equatable {
    /// One value per dimension; nil when absent.
    public var values: [String?]
    public var requests: Int64 = 0
    public var tokens = TokenUsage()
    /// Nil when some of the row's tokens have no price (never a silent $0).
    public var costUSD: Double? = 0
    /// The latencies (ms) of the row's requests that logged one, when the query measures them, sorted by
    /// the document (percentiles).
    public var latencies: [Int64] = []

    public init(values: [String?]) { self.values = values }

    public var totalTokens: Int64 { tokens.total }

    mutating func add(_ o: ReportRow) {
        requests += o.requests
        tokens += o.tokens
        costUSD = costUSD.flatMap { a in o.costUSD.map { a + $0 } }
        latencies += o.latencies
    }

    /// The nearest-rank percentile `q` (0 < q ≤ 1) of the row's latencies: the smallest latency that at
    /// least q of them do not exceed; nil when none was logged.
    public func latencyPercentile(_ q: Double) -> Int64? {
        guard !latencies.isEmpty else { return nil }
        let sorted = latencies.sorted()
        let rank = Int((q * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }
}

public struct ReportResult: Sendable {
    public var dimensions: [ReportDimension]
    public var rows: [ReportRow]
    public var totals: ReportRow
    public var unpriced: [UnpricedModel]
    public var priceSource: String
    /// `report --requests all`: latency p50 / p95 / max columns.
    public var showsLatency = false
}

/// One group of a query's SQL: the dimension values, the model, whether its cost was logged, the measures.
struct QueryGroup {
    var values: [String?]
    var modelId: String?
    var hasLogged: Bool
    var counts: [Int64]
    var loggedCost: Double?
    var latencies: [Int64] = []
    let measures: [Measure]

    subscript(_ m: Measure) -> Int64 {
        measures.firstIndex(of: m).map { counts[$0] } ?? 0
    }

    var tokens: TokenUsage {
        TokenUsage(
            input: self[.inputTokens], output: self[.outputTokens], cacheRead: self[.cacheReadTokens],
            cacheWrite: self[.cacheWriteTokens])
    }
}

extension Reports {
    /// What the planner needs to know about the store.
    static func facts(_ store: Store) throws -> StoreFacts {
        StoreFacts(
            rollupIsFresh: try store.rollupIsFresh(), timeRange: try store.eventTimeRange(),
            gatewayPrincipal: try gatewayInvocationPrincipal(store))
    }

    /// The plan for `query` on this store, with the price keys it needs.
    static func plan(_ query: ReportQuery, store: Store, prices: PriceTable) throws -> SelectPlan {
        var plan = QueryPlanner.plan(query, facts: try facts(store))
        if plan.needsPriceKeys {
            for id in try store.modelIds(in: plan.table.rawValue) {
                if let match = prices.resolve(id) { plan.priceKeys.append((id, match.key)) }
            }
        }
        return plan
    }

    /// The query's groups, in the order of their values, model and logged flag.
    static func groups(_ query: ReportQuery, store: Store, prices: PriceTable) throws -> [QueryGroup] {
        let generated = SQLGenerator.generate(try plan(query, store: store, prices: prices), SQLiteDialect())
        let s = try store.db.prepare(generated.sql)
        for (i, a) in generated.arguments.enumerated() {
            switch a {
            case .int(let v): s.bind(Int32(i + 1), v)
            case .text(let v): s.bind(Int32(i + 1), v)
            }
        }
        let n = Int32(generated.dimensionCount)
        var groups: [QueryGroup] = []
        while try s.step() {
            var g = QueryGroup(
                values: (0..<n).map { s.text($0) }, modelId: s.text(n), hasLogged: s.int(n + 1) == 1,
                counts: [], loggedCost: nil, measures: query.measures)
            for (i, m) in query.measures.enumerated() {
                let column = n + 2 + Int32(i)
                if m == .loggedCost {
                    g.loggedCost = s.optionalDouble(column)
                    g.counts.append(0)
                } else if m == .latencies {
                    g.latencies = (s.text(column) ?? "").split(separator: ",").compactMap { Int64($0) }
                    g.counts.append(0)
                } else {
                    g.counts.append(s.int(column))
                }
            }
            groups.append(g)
        }
        return groups
    }

    /// Runs `query`: one row per distinct combination of its dimensions' values, priced, ordered.
    public static func run(_ query: ReportQuery, store: Store, prices: PriceTable) throws -> ReportResult {
        var costing = Costing(prices: prices)
        var rows: [ReportRow] = []
        var totals = ReportRow(values: [])
        // Groups arrive ordered by their values, so a row's groups are consecutive; costs are added in
        // that order, which depends only on the content (reports are identical whatever the store's history).
        for g in try groups(query, store: store, prices: prices) {
            var part = ReportRow(values: g.values)
            part.requests = g[.requests]
            part.tokens = g.tokens
            part.latencies = g.latencies
            let computed = costing.cost(model: g.modelId, requests: part.requests, tokens: part.tokens)
            switch query.costMode {
            case .computed: part.costUSD = computed
            case .logged: part.costUSD = g.hasLogged ? g.loggedCost : (part.totalTokens == 0 ? 0 : nil)
            case .auto: part.costUSD = g.hasLogged ? g.loggedCost : computed
            }
            if !rows.isEmpty && rows[rows.count - 1].values == part.values {
                rows[rows.count - 1].add(part)
            } else {
                var row = ReportRow(values: part.values)
                row.add(part)
                rows.append(row)
            }
            totals.add(part)
        }
        sortRows(&rows, by: query.order)
        if let limit = query.limit { rows = Array(rows.prefix(limit)) }
        return ReportResult(
            dimensions: query.dimensions, rows: rows, totals: totals,
            unpriced: costing.unpricedModels, priceSource: prices.source,
            showsLatency: query.measures.contains(.latencies))
    }

    /// Orders rows by `order` (default: cost descending with unpriced last, then total tokens descending).
    /// Ties always fall back to the dimension values, so the order is total and reports are stable.
    static func sortRows(_ rows: inout [ReportRow], by order: SortKey?) {
        func byValues(_ a: ReportRow, _ b: ReportRow) -> Bool {
            for (x, y) in zip(a.values, b.values) where x != y {
                return (x ?? "").utf8.lexicographicallyPrecedes((y ?? "").utf8) || (x == nil && y == "")
            }
            return false
        }
        func metric(_ m: MetricColumn, _ r: ReportRow) -> Double? {
            switch m {
            case .requests: return Double(r.requests)
            case .inputTokens: return Double(r.tokens.input)
            case .outputTokens: return Double(r.tokens.output)
            case .cacheReadTokens: return Double(r.tokens.cacheRead)
            case .cacheWriteTokens: return Double(r.tokens.cacheWrite)
            case .totalTokens: return Double(r.totalTokens)
            case .costUSD: return r.costUSD
            }
        }
        func descending(_ m: MetricColumn) -> (ReportRow, ReportRow) -> Bool {
            { a, b in
                let x = metric(m, a)
                let y = metric(m, b)
                if x != y {
                    guard let x else { return false }  // absent (unpriced) sorts last
                    guard let y else { return true }
                    return x > y
                }
                return byValues(a, b)
            }
        }
        guard let order else {
            rows.sort { a, b in
                if a.costUSD != b.costUSD { return descending(.costUSD)(a, b) }
                if a.totalTokens != b.totalTokens { return a.totalTokens > b.totalTokens }
                return byValues(a, b)
            }
            return
        }
        switch order.column {
        case .metric(let m):
            let by = descending(m)
            rows.sort { a, b in order.ascending ? by(b, a) : by(a, b) }
        case .dimension(let i):
            rows.sort { a, b in
                let x = a.values[i] ?? ""
                let y = b.values[i] ?? ""
                if x != y { return order.ascending == x.utf8.lexicographicallyPrecedes(y.utf8) }
                return byValues(a, b)
            }
        }
    }
}
