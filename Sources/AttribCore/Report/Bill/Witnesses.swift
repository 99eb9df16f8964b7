// `attrib reconcile --witnesses`: the three witnesses of a Bedrock call side by side, per principal × model ×
// hour (or day, week, month): what Bedrock's invocation logs saw from each IAM principal, what the gateway's
// logs hold (the gateway's own principal's row), and what the bill charged. Both log sides are queries of
// the query model (by source); the bill is read as reconcile reads it.

import Foundation

public struct WitnessQuery: Sendable {
    public var bucket: TimeBucket
    /// The `--by` columns in order: one time bucket, and any of `principal`, `model`, `token_type`.
    public var columnOrder: [String]
    public var window: TimeWindow
    /// `--where` on model (the canonical model all three share) and on day, week or month.
    public var filters: [Filter]
    /// The gateway's own IAM principal (a glob on the principal ARN).
    public var gatewayPrincipal: String

    public static let defaultBy = "day,principal,model"

    /// Parses `--by` and checks the filters.
    public static func parse(
        by text: String, window: TimeWindow, filters: [Filter], gatewayPrincipal: String
    ) throws(ReportError) -> WitnessQuery {
        var q = WitnessQuery(
            bucket: .day, columnOrder: [], window: window, filters: filters, gatewayPrincipal: gatewayPrincipal)
        var bucket: TimeBucket?
        for name in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces).lowercased() })
        where !name.isEmpty {
            switch name {
            case "hour", "day", "week", "month":
                guard bucket == nil else { throw .usage("--by: one time bucket at most (hour, day, week or month)") }
                bucket = TimeBucket(rawValue: name)
            case "principal", "model", "token_type": break
            default:
                throw .usage(
                    "reconcile --witnesses --by '\(name)': expected hour, day, week or month, principal, model, token_type"
                )
            }
            if q.columnOrder.contains(name) { continue }
            q.columnOrder.append(name)
        }
        q.bucket = bucket ?? .day
        for f in filters
        where !(f.dimension == .model || f.dimension == .day || f.dimension == .week || f.dimension == .month) {
            throw .usage(
                "reconcile --witnesses --where '\(f.dimension.name)': only model, day, week and month are on all three witnesses"
            )
        }
        return q
    }
}

/// One row of the witness view.
public struct WitnessRow: Sendable, Equatable {
    public var values: [String?]
    /// Tokens in Bedrock's invocation logs.
    public var invocationTokens: Int64 = 0
    /// Tokens in the gateway's logs (every source but bedrock-invocations), on the gateway principal's rows.
    public var gatewayTokens: Int64 = 0
    /// Tokens on the bill; nil when the bill's lines are coarser than the time bucket.
    public var billedTokens: Int64? = 0

    /// The share of the tokens Bedrock saw that the gateway logged.
    public var gatewayShare: Double? {
        invocationTokens > 0 ? Double(gatewayTokens) / Double(invocationTokens) : nil
    }
    /// The share of the billed tokens Bedrock's invocation logs hold.
    public var invocationShare: Double? {
        guard let billedTokens, billedTokens > 0 else { return nil }
        return Double(invocationTokens) / Double(billedTokens)
    }

    mutating func add(_ o: WitnessRow) {
        invocationTokens += o.invocationTokens
        gatewayTokens += o.gatewayTokens
        billedTokens = billedTokens.flatMap { a in o.billedTokens.map { a + $0 } }
    }
}

public struct WitnessResult: Sendable {
    public var columns: [String]
    public var rows: [WitnessRow]
    /// One row per principal (the gateway's under its glob).
    public var byPrincipal: [WitnessRow]
    public var totals: WitnessRow
    public var gatewayPrincipal: String
    public var warnings: [String]
}

extension Reports {
    public static func witnesses(_ q: WitnessQuery, store: Store, prices: PriceTable) throws -> WitnessResult {
        let zone = q.window.zone
        let modelFilters = q.filters.filter { $0.dimension == .model }
        let timeFilters = q.filters.filter { $0.dimension != .model }
        func modelPasses(_ m: String) -> Bool { modelFilters.allSatisfy { $0.matches(m) } }
        func principalLabel(_ arn: String?) -> String? {
            arn.map { fnmatch(q.gatewayPrincipal, $0, 0) == 0 ? q.gatewayPrincipal : principalName($0) }
        }
        struct Key: Hashable {
            var time: String?
            var principal: String?
            var model: String
            var tokenType: TokenType?
        }
        var cells: [Key: WitnessRow] = [:]
        var canonical: [String: String] = [:]
        func model(_ id: String) -> String {
            if let m = canonical[id] { return m }
            let m = canonicalModel(id, prices: prices)
            canonical[id] = m
            return m
        }

        // Both logs, through the query model: Bedrock's invocation records by principal (the gateway's own
        // included: they are this view's subject), the gateway's requests (every other source).
        let bucketDimension = ReportDimension.all.first { $0.bucket == q.bucket }!
        var invocations = ReportQuery(
            dimensions: [bucketDimension, .principal, .modelId],
            filters: timeFilters + [Filter(dimension: .source, op: .equal, value: bedrockSource)], window: q.window)
        invocations.includesGatewayInvocations = true
        let gateway = ReportQuery(
            dimensions: [bucketDimension, .modelId],
            filters: timeFilters + [Filter(dimension: .source, op: .notEqual, value: bedrockSource)], window: q.window)
        var sawInvocations = false
        for (query, isGateway) in [(invocations, false), (gateway, true)] {
            for g in try groups(query, store: store, prices: prices) {
                guard let id = g.values.last! ?? g.modelId else { continue }
                let m = model(id)
                guard modelPasses(m) else { continue }
                let principal = isGateway ? q.gatewayPrincipal : principalLabel(g.values[1])
                for t in TokenType.allCases {
                    let n = t.count(g.tokens)
                    guard n != 0 else { continue }
                    let key = Key(time: g.values[0], principal: principal, model: m, tokenType: t)
                    if isGateway {
                        cells[key, default: WitnessRow(values: [])].gatewayTokens += n
                    } else {
                        sawInvocations = true
                        cells[key, default: WitnessRow(values: [])].invocationTokens += n
                    }
                }
            }
        }

        // The bill, placed in the bucket of each line's start; a line longer than the bucket (a daily line in
        // an hour) cannot be placed, and then the billed column is left empty rather than misplaced.
        let reading = try readBill(store, window: q.window, prices: prices) { line in
            modelPasses(line.model)
                && timeFilters.allSatisfy { f in
                    f.matches(bucketLabel(day: dayLabel(line.startMs, zone: zone), f.dimension.bucket!))
                }
        }
        var warnings = reading.warnings.filter { !$0.hasPrefix("no bill lines") }
        let longest: Int64 = q.bucket == .hour ? 3_600_000 : q.bucket == .day ? 25 * 3_600_000 : .max
        let unplaced = reading.usage.filter { $0.endMs - $0.startMs > longest }.count
        for line in reading.usage where unplaced == 0 {
            let time =
                q.bucket == .hour
                ? hourLabel(line.startMs, zone: zone) : bucketLabel(day: dayLabel(line.startMs, zone: zone), q.bucket)
            let key = Key(
                time: time, principal: principalLabel(line.principal), model: line.model, tokenType: line.tokenType)
            cells[key, default: WitnessRow(values: [])].billedTokens! += line.tokens
        }
        if unplaced > 0 {
            warnings.append(
                "reconcile --witnesses: \(unplaced) bill line\(unplaced == 1 ? " spans" : "s span") more than one \(q.bucket.rawValue): the billed_tokens column is left empty; --by \(q.bucket == .hour ? "day" : "week") places them"
            )
        }
        if reading.usage.isEmpty {
            warnings.append(
                "reconcile --witnesses: no bill lines in the store\(q.window.since != nil || q.window.until != nil ? " in this window" : ""): billed_tokens is 0"
            )
        } else if !reading.usage.contains(where: { $0.principal != nil }) {
            warnings.append(
                "reconcile --witnesses: the bill names no callers (no line_item_iam_principal): its tokens are on rows of principal (none)"
            )
        }
        if !sawInvocations {
            warnings.append(
                "reconcile --witnesses: no Bedrock invocation logs in the store\(q.window.since != nil || q.window.until != nil ? " in this window" : ""): ingest them (mapping bedrock-invocations) for the invocation_tokens column"
            )
        }

        // Rows by the --by columns; principals; totals.
        func values(_ key: Key) -> [String?] {
            q.columnOrder.map { name in
                switch name {
                case "principal": return key.principal
                case "model": return key.model
                case "token_type": return key.tokenType?.rawValue
                default: return key.time
                }
            }
        }
        var rows: [[String?]: WitnessRow] = [:]
        var principals: [String?: WitnessRow] = [:]
        var totals = WitnessRow(values: [])
        for (key, cell) in cells {
            var c = cell
            if unplaced > 0 { c.billedTokens = nil }
            let v = values(key)
            rows[v, default: WitnessRow(values: v)].add(c)
            principals[key.principal, default: WitnessRow(values: [key.principal])].add(c)
            totals.add(c)
        }
        func ordered(_ rows: some Collection<WitnessRow>) -> [WitnessRow] {
            rows.sorted { a, b in
                for (x, y) in zip(a.values, b.values) where x != y {
                    guard let y else { return false }
                    guard let x else { return true }
                    return x.utf8.lexicographicallyPrecedes(y.utf8)
                }
                return false
            }
        }
        return WitnessResult(
            columns: q.columnOrder, rows: ordered(rows.values), byPrincipal: ordered(principals.values),
            totals: totals, gatewayPrincipal: q.gatewayPrincipal, warnings: warnings)
    }
}

/// An hour label (`YYYY-MM-DDTHH:00`, as the query model's `hour`) of an instant in `zone`.
func hourLabel(_ ms: Int64, zone: TimeZone) -> String {
    let offset = Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(ms) / 1000)))
    let local = Int64((Double(ms / 1000 + offset)).rounded(.down))
    let day = Int64((Double(local) / 86_400).rounded(.down))
    let hour = (local - day * 86_400) / 3600
    return isoDate(daysSinceEpoch: day) + (hour < 10 ? "T0\(hour):00" : "T\(hour):00")
}
