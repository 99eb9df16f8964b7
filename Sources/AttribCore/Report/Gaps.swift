// Identity coverage (attrib gaps): how many requests and how much money have no identity, since when
// identity is logged, and which log statements carry it.

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
    public static func gaps(store: Store, prices: PriceTable, timeZone: TimeZone = TimeZone(identifier: "UTC")!,
                            since: Int64? = nil, until: Int64? = nil) throws -> GapsResult {
        var r = GapsResult()
        var conditions = ["1"]
        if since != nil { conditions.append("start_ms >= ?1") }
        if until != nil { conditions.append("start_ms < ?2") }
        let s = try store.db.prepare("""
            SELECT model, start_ms / 900000, (flags & 5) != 0,
                   (user_email IS NOT NULL OR user_sub IS NOT NULL),
                   count(*), sum(input_tokens), sum(output_tokens), sum(cache_read_tokens), sum(cache_write_tokens),
                   sum((flags & 8) != 0), sum((flags & \(RequestFlag.anyConflict)) != 0), sum((flags & 16) != 0)
            FROM request WHERE \(conditions.joined(separator: " AND ")) GROUP BY 1, 2, 3, 4
            """)
        if let since { s.bind(1, since) }
        if let until { s.bind(2, until) }
        var days: [String: GapsDay] = [:]
        var costing = Costing(store: store, prices: prices)
        var groups: [(model: Int64?, quarter: Int64?, isModel: Bool, attributed: Bool, count: Int64,
                      tokens: (Int64, Int64, Int64, Int64), joined: Int64, conflicts: Int64, orphans: Int64)] = []
        while try s.step() {
            groups.append((s.optionalInt(0), s.optionalInt(1), s.int(2) == 1, s.int(3) == 1, s.int(4),
                           (s.int(5), s.int(6), s.int(7), s.int(8)), s.int(9), s.int(10), s.int(11)))
        }
        // Costs are added in an order fixed by the content (model names, not dictionary ids), so two
        // stores with the same requests give identical sums.
        // Each model's name looked up once (not twice per comparison).
        var modelNames: [Int64: String?] = [:]
        for g in groups where modelNames.index(forKey: g.model ?? 0) == nil {
            modelNames.updateValue(store.value(g.model), forKey: g.model ?? 0)
        }
        groups.sort { a, b in
            let (x, y) = (modelNames[a.model ?? 0]!, modelNames[b.model ?? 0]!)
            if x != y { return nilFirst(x, y) }
            if a.quarter != b.quarter { return (a.quarter ?? .min) < (b.quarter ?? .min) }
            return (a.isModel ? 1 : 0, a.attributed ? 1 : 0) < (b.isModel ? 1 : 0, b.attributed ? 1 : 0)
        }
        for g in groups {
            let (count, tokens) = (g.count, g.tokens)
            r.requests += count
            r.conflicts += g.conflicts
            r.usageLinesWithoutRequestId += g.orphans
            guard g.isModel else { continue }
            r.modelRequests += count
            let day = g.quarter.map { timeBucket(.day, quarterHour: $0, zone: timeZone) } ?? "(no time)"
            var d = days[day] ?? GapsDay(day: day)
            d.modelRequests += count
            if g.attributed {
                r.attributedRequests += count
                r.joinedRequests += g.joined
            } else {
                r.unattributedRequests += count
                d.unattributedRequests += count
                r.unattributedTokens += tokens.0 + tokens.1 + tokens.2 + tokens.3
                let cost = costing.cost(model: g.model, requests: count, input: tokens.0, output: tokens.1,
                                        cacheRead: tokens.2, cacheWrite: tokens.3)
                r.unattributedCostUSD = r.unattributedCostUSD.flatMap { a in cost.map { a + $0 } }
                d.unattributedCostUSD = d.unattributedCostUSD.flatMap { a in cost.map { a + $0 } }
            }
            days[day] = d
        }
        r.byDay = days.values.sorted { $0.day < $1.day }
        r.unpriced = costing.unpricedModels
        r.cutover = try store.db.scalar("SELECT min(ts) FROM line WHERE flags & 3 != 0 AND ts IS NOT NULL")
        let st = try store.db.prepare("""
            SELECT d.value, s.lines, s.with_user_sub, s.with_user_email, s.with_auth_source
            FROM statement_stats s JOIN dict d ON d.id = s.statement ORDER BY s.lines DESC, d.value
            """)
        while try st.step() {
            let lines = st.int(1)
            let share = { (n: Int64) in lines > 0 ? Double(n) / Double(lines) : 0 }
            r.byStatement.append(GapsStatement(statement: st.text(0) ?? "", lines: lines, userSubShare: share(st.int(2)),
                                               userEmailShare: share(st.int(3)), authSourceShare: share(st.int(4))))
        }
        return r
    }
}
