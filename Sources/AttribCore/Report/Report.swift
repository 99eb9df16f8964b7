// Runs a report: one SQL scan of the narrow request table grouped by integer ids, then names, time
// buckets, filters and prices applied to the (few) groups in Swift, then sorted rows.

import Foundation

public struct ReportRow: Sendable, Equatable {
    /// One value per dimension; nil when absent.
    public var values: [String?]
    public var requests: Int64 = 0
    public var inputTokens: Int64 = 0
    public var outputTokens: Int64 = 0
    public var cacheReadTokens: Int64 = 0
    public var cacheWriteTokens: Int64 = 0
    /// Nil when some of the row's tokens have no price (never a silent $0).
    public var costUSD: Double? = 0

    public var totalTokens: Int64 { inputTokens + outputTokens + cacheReadTokens + cacheWriteTokens }

    mutating func add(_ o: ReportRow) {
        requests += o.requests
        inputTokens += o.inputTokens
        outputTokens += o.outputTokens
        cacheReadTokens += o.cacheReadTokens
        cacheWriteTokens += o.cacheWriteTokens
        costUSD = costUSD.flatMap { a in o.costUSD.map { a + $0 } }
    }
}

/// A model the price table could not resolve, with what it hides.
public struct UnpricedModel: Sendable, Equatable {
    public var modelId: String
    public var requests: Int64
    public var inputTokens: Int64
    public var outputTokens: Int64
    public var cacheReadTokens: Int64
    public var cacheWriteTokens: Int64
}

/// Prices the (model, token counts) groups of a query, resolving each model id once, and collects the
/// models that have no price with the tokens they hide (SPEC §3: never $0 silently).
struct Costing {
    let store: Store
    let prices: PriceTable
    private var cache: [Int64: PriceMatch?] = [:]
    private var unpriced: [String: UnpricedModel] = [:]

    init(store: Store, prices: PriceTable) {
        self.store = store
        self.prices = prices
    }

    mutating func match(_ model: Int64?) -> PriceMatch? {
        if let cached = cache[model ?? 0] { return cached }
        let match = store.value(model).flatMap { prices.resolve($0) }
        cache[model ?? 0] = match
        return match
    }

    /// The cost of a group; nil when its model has no price and it has tokens (recorded as unpriced);
    /// zero tokens cost exactly nothing, priced or not.
    mutating func cost(model: Int64?, requests: Int64, input: Int64, output: Int64, cacheRead: Int64, cacheWrite: Int64) -> Double? {
        if let match = match(model) {
            return match.price.cost(input: input, output: output, cacheRead: cacheRead, cacheWrite: cacheWrite)
        }
        if input + output + cacheRead + cacheWrite == 0 { return 0 }
        let name = store.value(model) ?? "(no model)"
        var u = unpriced[name] ?? UnpricedModel(modelId: name, requests: 0, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0)
        u.requests += requests
        u.inputTokens += input
        u.outputTokens += output
        u.cacheReadTokens += cacheRead
        u.cacheWriteTokens += cacheWrite
        unpriced[name] = u
        return nil
    }

    var unpricedModels: [UnpricedModel] { unpriced.values.sorted { $0.modelId < $1.modelId } }
}

public struct ReportResult: Sendable {
    public var dimensions: [ReportDimension]
    public var rows: [ReportRow]
    public var totals: ReportRow
    public var unpriced: [UnpricedModel]
    public var priceSource: String
}

extension Reports {
    /// Runs `query` over the store's model requests.
    public static func run(_ query: ReportQuery, store: Store, prices: PriceTable) throws -> ReportResult {
        // 1. Which raw columns to group by: those of the dimensions and the filters, plus the model
        //    (cost depends on it) and whether a logged cost exists (for --cost auto).
        // The day rollup answers when nothing finer than a UTC day is needed (checked below).
        let rollup = try useRollup(query, store: store)
        var columns: [String] = ["model", rollup ? "has_logged" : "(logged_cost IS NOT NULL)"]
        func column(_ expression: String) -> Int {
            if let i = columns.firstIndex(of: expression) { return i }
            columns.append(expression)
            return columns.count - 1
        }
        let wanted = query.dimensions + query.filters.map(\.dimension)
        var sources: [ReportDimension: [Int]] = [:]
        for d in wanted where sources[d] == nil {
            switch d {
            case .userEmail: sources[d] = [column("user_email")]
            case .userSub: sources[d] = [column("user_sub")]
            case .authSource: sources[d] = [column("auth_source")]
            case .apiKeyId: sources[d] = [column("api_key_id")]
            case .userId: sources[d] = [column("user_id")]
            case .project: sources[d] = [column("project")]
            case .user: sources[d] = [column("user_email"), column("user_sub"), column("api_key_id"), column("user_id")]
            case .modelId, .model: sources[d] = [0]
            case .route: sources[d] = [column("(flags & 3)")]
            case .status: sources[d] = [column("status")]
            case .path: sources[d] = [column("path")]
            case .userAgent: sources[d] = [column("user_agent")]
            case .logGroup: sources[d] = [column("log_group")]
            case .logStream: sources[d] = [column("log_stream")]
            // 15-minute buckets: fine enough for any time zone's offset (some are :30 or :45).
            case .hour, .day, .week, .month: sources[d] = [column(rollup ? "(day * 96)" : "(start_ms / 900000)")]
            }
        }
        var conditions = ["(flags & 5) != 0"]
        if query.mantleOnly { conditions.append("(flags & 2) != 0") }
        if query.since != nil { conditions.append(rollup ? "day >= ?1 / 86400000" : "start_ms >= ?1") }
        if query.until != nil { conditions.append(rollup ? "day < ?2 / 86400000" : "start_ms < ?2") }
        let grouping = columns.joined(separator: ", ")
        let sql = """
            SELECT \(grouping), \(rollup ? "sum(requests)" : "count(*)"), sum(input_tokens), sum(output_tokens),
                   sum(cache_read_tokens), sum(cache_write_tokens), sum(logged_cost)
            FROM \(rollup ? "rollup" : "request") WHERE \(conditions.joined(separator: " AND ")) GROUP BY \(grouping)
            """
        let s = try store.db.prepare(sql)
        if let since = query.since { s.bind(1, since) }
        if let until = query.until { s.bind(2, until) }

        var costing = Costing(store: store, prices: prices)
        var groups: [[String?]: ReportRow] = [:]
        var parts: [(key: [String?], model: String, logged: Int64, part: ReportRow)] = []
        var totals = ReportRow(values: [])
        let n = Int32(columns.count)
        var raw = [Int64?](repeating: nil, count: columns.count)
        while try s.step() {
            for i in 0..<columns.count { raw[i] = s.optionalInt(Int32(i)) }
            var part = ReportRow(values: [])
            part.requests = s.int(n)
            part.inputTokens = s.int(n + 1)
            part.outputTokens = s.int(n + 2)
            part.cacheReadTokens = s.int(n + 3)
            part.cacheWriteTokens = s.int(n + 4)
            let logged = s.optionalDouble(n + 5)
            let modelId = raw[0]
            let match = costing.match(modelId)
            let computed = costing.cost(model: modelId, requests: part.requests, input: part.inputTokens, output: part.outputTokens,
                                        cacheRead: part.cacheReadTokens, cacheWrite: part.cacheWriteTokens)
            switch query.costMode {
            case .computed: part.costUSD = computed
            case .logged: part.costUSD = raw[1] == 1 ? logged : (part.totalTokens == 0 ? 0 : nil)
            case .auto: part.costUSD = raw[1] == 1 ? logged : computed
            }

            func value(_ d: ReportDimension) -> String? {
                let src = sources[d]!
                switch d {
                case .user:
                    for i in src { if let v = store.value(raw[i]) { return v } }
                    return nil
                case .model:
                    return match?.key ?? store.value(modelId)
                case .route:
                    guard let bits = raw[src[0]] else { return nil }
                    return bits & 2 != 0 ? "mantle" : (bits & 1 != 0 ? "bedrock" : nil)
                case .status:
                    return raw[src[0]].map { String($0) }
                case .hour, .day, .week, .month:
                    return raw[src[0]].map { timeBucket(d, quarterHour: $0, zone: query.timeZone) }
                default:
                    return store.value(raw[src[0]])
                }
            }
            if !query.filters.allSatisfy({ $0.matches(value($0.dimension)) }) { continue }
            parts.append((query.dimensions.map(value), match?.key ?? store.value(modelId) ?? "", raw[1] ?? 0, part))
        }
        // Costs are doubles: they are added in an order fixed by the content (not by dictionary ids or
        // hash order, which differ between stores ingested in another order), so reports are identical.
        parts.sort { a, b in
            if a.key != b.key { return a.key.lexicographicallyPrecedes(b.key, by: nilFirst) }
            if a.model != b.model { return a.model < b.model }
            if a.logged != b.logged { return a.logged < b.logged }
            let x = a.part, y = b.part
            return (x.requests, x.inputTokens, x.outputTokens, x.cacheReadTokens, x.cacheWriteTokens, x.costUSD ?? -1)
                < (y.requests, y.inputTokens, y.outputTokens, y.cacheReadTokens, y.cacheWriteTokens, y.costUSD ?? -1)
        }
        for (key, _, _, part) in parts {
            if groups[key] == nil {
                var row = ReportRow(values: key)
                row.add(part)
                groups[key] = row
            } else {
                groups[key]!.add(part)
            }
            totals.add(part)
        }
        var rows = Array(groups.values)
        try sortRows(&rows, by: query.sort, dimensions: query.dimensions)
        if let top = query.top { rows = Array(rows.prefix(top)) }
        return ReportResult(dimensions: query.dimensions, rows: rows, totals: totals,
                            unpriced: costing.unpricedModels, priceSource: prices.source)
    }

    /// The rollup holds UTC days and the identity, model, route and status of requests: it can answer a
    /// query that groups and filters on nothing else, in UTC, with day-aligned bounds, when it is fresh.
    static func useRollup(_ query: ReportQuery, store: Store) throws -> Bool {
        let utc = query.timeZone.secondsFromGMT() == 0 && query.timeZone.nextDaylightSavingTimeTransition == nil
        for d in query.dimensions + query.filters.map(\.dimension) {
            switch d {
            case .userEmail, .userSub, .user, .authSource, .apiKeyId, .userId, .project, .modelId, .model, .route, .status: continue
            case .day, .week, .month: if utc { continue } else { return false }
            default: return false
            }
        }
        for bound in [query.since, query.until] where bound.map({ $0 % 86_400_000 != 0 }) == true { return false }
        return try store.rollupIsFresh()
    }

    public static let metricColumns = ["requests", "input_tokens", "output_tokens", "cache_read_tokens",
                                       "cache_write_tokens", "total_tokens", "cost_usd"]

    static func sortRows(_ rows: inout [ReportRow], by sort: String?, dimensions: [ReportDimension]) throws(ReportError) {
        // Ties always fall back to the dimension values, so the order is total and reports are stable.
        func byValues(_ a: ReportRow, _ b: ReportRow) -> Bool {
            for (x, y) in zip(a.values, b.values) where x != y {
                return (x ?? "").utf8.lexicographicallyPrecedes((y ?? "").utf8) || (x == nil && y == "")
            }
            return false
        }
        func metric(_ name: String, _ r: ReportRow) -> Double? {
            switch name {
            case "requests": return Double(r.requests)
            case "input_tokens": return Double(r.inputTokens)
            case "output_tokens": return Double(r.outputTokens)
            case "cache_read_tokens": return Double(r.cacheReadTokens)
            case "cache_write_tokens": return Double(r.cacheWriteTokens)
            case "total_tokens": return Double(r.totalTokens)
            case "cost_usd": return r.costUSD
            default: return nil
            }
        }
        func descending(_ name: String) -> (ReportRow, ReportRow) -> Bool {
            { a, b in
                let x = metric(name, a)
                let y = metric(name, b)
                if x != y {
                    guard let x else { return false }  // absent (unpriced) sorts last
                    guard let y else { return true }
                    return x > y
                }
                return byValues(a, b)
            }
        }
        guard let sort else {
            rows.sort { a, b in
                if a.costUSD != b.costUSD { return descending("cost_usd")(a, b) }
                if a.totalTokens != b.totalTokens { return a.totalTokens > b.totalTokens }
                return byValues(a, b)
            }
            return
        }
        var name = sort
        var ascending: Bool?
        if name.hasSuffix(":asc") { ascending = true; name.removeLast(4) }
        if name.hasSuffix(":desc") { ascending = false; name.removeLast(5) }
        if metricColumns.contains(name) {
            let order = descending(name)
            rows.sort { a, b in ascending == true ? order(b, a) : order(a, b) }
        } else if let d = ReportDimension(rawValue: name), let i = dimensions.firstIndex(of: d) {
            rows.sort { a, b in
                let x = a.values[i] ?? "", y = b.values[i] ?? ""
                if x != y { return (ascending == false) != x.utf8.lexicographicallyPrecedes(y.utf8) }
                return byValues(a, b)
            }
        } else {
            throw .usage("--sort '\(sort)': not a column of this report; columns: \((dimensions.map(\.rawValue) + metricColumns).joined(separator: ", "))")
        }
    }

    /// A time bucket label in `zone`: hour `2026-03-01T10:00`, day `2026-03-01`, week (its Monday)
    /// `2026-02-23`, month `2026-03`.
    static func timeBucket(_ d: ReportDimension, quarterHour: Int64, zone: TimeZone) -> String {
        let utc = quarterHour * 900_000
        let local = utc + Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(utc) / 1000))) * 1000
        var days = local >= 0 ? local / 86_400_000 : (local - 86_399_999) / 86_400_000
        if d == .week { days -= ((days + 3) % 7 + 7) % 7 }
        let (y, m, day) = civilFromDays(days)
        func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
        switch d {
        case .hour: return "\(y)-\(two(m))-\(two(day))T\(two((local - days * 86_400_000) / 3_600_000)):00"
        case .month: return "\(y)-\(two(m))"
        default: return "\(y)-\(two(m))-\(two(day))"
        }
    }
}

/// Orders optional strings with nil first (a fixed order for adding up costs).
func nilFirst(_ a: String?, _ b: String?) -> Bool {
    guard let b else { return false }
    guard let a else { return true }
    return a < b
}
