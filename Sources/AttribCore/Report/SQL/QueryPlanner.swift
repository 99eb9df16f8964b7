// Chooses where a query is answered (the day rollup or the request table) and gathers what the SQL
// needs from outside the query: the zone's offsets over the data's time range, the price keys.

import Foundation

/// What the planner needs to know about a store.
struct StoreFacts: Sendable {
    /// The rollup reflects every committed change to requests.
    var rollupIsFresh: Bool
    /// The earliest and latest event times in the store (nil when it holds none).
    var timeRange: ClosedRange<Int64>?
    /// The gateway's own IAM principal (a glob), when the store holds Bedrock invocation logs and remembers it:
    /// invocation records it made are the gateway's requests again.
    var gatewayPrincipal: String? = nil
}

/// A query made concrete: the table it reads and every constant its SQL needs.
struct SelectPlan: Sendable {
    enum Table: String, Sendable {
        /// One row per request.
        case request
        /// Requests added up by UTC day and identity × model × route × status.
        case rollup
        /// Requests added up by UTC day and model × method × path × user agent × log group × log stream ×
        /// route × status (TrafficRollup.swift).
        case trafficRollup = "traffic_rollup"
        /// Requests added up by UTC day and model × source × principal × client address × route × status
        /// (CallerRollup.swift).
        case callerRollup = "caller_rollup"
        /// Requests added up by UTC quarter hour and model × identified × route × status (QuarterRollup.swift).
        case quarterRollup = "quarter_rollup"

        /// One of the rollups: rows that count `requests` requests each, by UTC day or quarter hour.
        var isRollup: Bool { self != .request }

        /// The column that places a row in time, and the milliseconds one unit of it spans.
        var time: (column: String, unitMs: Int64) {
            switch self {
            case .request: return ("start_ms", 1)
            case .quarterRollup: return ("quarter", 900_000)
            case .rollup, .trafficRollup, .callerRollup: return ("day", 86_400_000)
            }
        }
    }
    var table: Table
    var query: ReportQuery
    /// The zone's offsets over the query's time range (for time buckets).
    var offsets: ZoneOffsets
    /// Model id → price-table key, for the models that have a price (only when the query uses `model`).
    var priceKeys: [(modelId: String, key: String)] = []
    /// Leave out invocation records (source `bedrock-invocations`) whose principal matches this glob.
    var excludedInvocationPrincipal: String? = nil

    /// Dimensions of the output first, then those only filtered on (or needed to leave gateway invocation
    /// records out); each once.
    var dimensions: [ReportDimension] {
        var all = query.dimensions
        for f in query.filters where !all.contains(f.dimension) { all.append(f.dimension) }
        if excludedInvocationPrincipal != nil {
            for d in [ReportDimension.source, .principal] where !all.contains(d) { all.append(d) }
        }
        return all
    }

    var needsPriceKeys: Bool { dimensions.contains { $0.value == .priceKey } }
}

enum QueryPlanner {
    static func plan(_ query: ReportQuery, facts: StoreFacts) -> SelectPlan {
        // Leaving the gateway's own invocation records out needs the source and the principal of each
        // request with its identity: only the request table holds both.
        let excluded = query.includesGatewayInvocations ? nil : facts.gatewayPrincipal
        var offsets = ZoneOffsets(changes: [(Int64.min, 0)])
        if query.dimensions.contains(where: { $0.bucket != nil })
            || query.filters.contains(where: { $0.dimension.bucket != nil })
        {
            offsets = zoneOffsets(query.window, facts.timeRange)
        }
        let table: SelectPlan.Table
        if query.readsRequests || excluded != nil {
            table = .request
        } else if usesRollup(query, facts: facts) {
            table = .rollup
        } else if usesTrafficRollup(query, facts: facts) {
            table = .trafficRollup
        } else if answers(query, facts: facts, { $0.inCallerRollup }) {
            table = .callerRollup
        } else if usesQuarterRollup(query, facts: facts, offsets: offsets) {
            table = .quarterRollup
        } else {
            table = .request
        }
        return SelectPlan(table: table, query: query, offsets: offsets, excludedInvocationPrincipal: excluded)
    }

    /// The quarter-hour rollup answers buckets in any zone whose offsets, and the times they change, are
    /// whole quarter hours (every zone today), with bounds on UTC quarter hours, for data after 1970-01-01
    /// (its local hours and days are numbered by integer division).
    static func usesQuarterRollup(_ query: ReportQuery, facts: StoreFacts, offsets: ZoneOffsets) -> Bool {
        let quarters = offsets.changes.allSatisfy {
            $0.offsetSeconds % 900 == 0 && ($0.fromSeconds == .min || $0.fromSeconds % 900 == 0)
        }
        return quarters && (facts.timeRange?.lowerBound ?? 86_400_000) >= 86_400_000
            && answers(query, facts: facts, unitMs: 900_000, bucketsInAnyZone: true) { $0.inQuarterRollup }
    }

    /// The rollup holds UTC days and the identity, model, route and status of requests: it answers a query
    /// that groups and filters on nothing else, in UTC, with day-aligned bounds, when it is fresh.
    static func usesRollup(_ query: ReportQuery, facts: StoreFacts) -> Bool {
        answers(query, facts: facts) { $0.inRollup }
    }

    /// The traffic rollup holds UTC days, the model, route and status, and method, path, agent, log group and
    /// stream: the same conditions, over those.
    static func usesTrafficRollup(_ query: ReportQuery, facts: StoreFacts) -> Bool {
        answers(query, facts: facts) { $0.inTrafficRollup }
    }

    /// Whether a rollup holding the dimensions `holds` accepts can answer `query`: every dimension and filter
    /// held, time buckets only in UTC (rollup days are UTC days) unless `bucketsInAnyZone`, bounds on its
    /// units (UTC midnights), no latencies (no rollup holds them), and the rollups fresh.
    private static func answers(
        _ query: ReportQuery, facts: StoreFacts, unitMs: Int64 = 86_400_000, bucketsInAnyZone: Bool = false,
        _ holds: (ReportDimension) -> Bool
    ) -> Bool {
        if query.measures.contains(.latencies) { return false }
        for d in query.dimensions + query.filters.map(\.dimension) {
            guard holds(d) else { return false }
            if d.bucket != nil && !bucketsInAnyZone && !query.window.isUTC { return false }
        }
        return query.window.isAligned(to: unitMs) && facts.rollupIsFresh
    }

    /// The offsets of the window's zone from the start to the end of the data (clipped to the window).
    static func zoneOffsets(_ window: TimeWindow, _ range: ClosedRange<Int64>?) -> ZoneOffsets {
        let zone = window.zone
        guard
            zone.nextDaylightSavingTimeTransition != nil
                || zone.nextDaylightSavingTimeTransition(after: Date(timeIntervalSince1970: 0)) != nil,
            let range
        else {
            return ZoneOffsets(changes: [(Int64.min, Int64(zone.secondsFromGMT()))])
        }
        let lower = max(range.lowerBound, window.since ?? .min) / 1000
        let upper = min(range.upperBound, window.until ?? .max) / 1000
        var date = Date(timeIntervalSince1970: Double(lower))
        var changes: [(fromSeconds: Int64, offsetSeconds: Int64)] = [(Int64.min, Int64(zone.secondsFromGMT(for: date)))]
        while let next = zone.nextDaylightSavingTimeTransition(after: date), next.timeIntervalSince1970 <= Double(upper)
        {
            let offset = Int64(zone.secondsFromGMT(for: next))
            if offset != changes.last!.offsetSeconds { changes.append((Int64(next.timeIntervalSince1970), offset)) }
            date = next
        }
        return ZoneOffsets(changes: changes)
    }
}

extension ReportDimension {
    /// The traffic rollup holds what this dimension needs (time buckets: days and coarser, in UTC).
    var inTrafficRollup: Bool { inDayRollup(holding: TrafficKey.requestColumns) }

    /// A rollup by UTC day holding the request columns `columns` (and the route and model) holds what this
    /// dimension needs.
    func inDayRollup(holding columns: Set<String>) -> Bool {
        switch value {
        case .dictionary(let column), .integer(let column): return columns.contains(column)
        case .route, .priceKey: return true
        case .bucket(let bucket): return bucket != .hour
        case .firstOf, .attributed, .tag: return false
        }
    }
}
