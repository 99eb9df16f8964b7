// `attrib reconcile`: the bill's Bedrock usage held against the logs, cell by cell (day × model × token type,
// × principal when the bill names one), and with `--split` the billed dollars of each cell divided among the
// users the logs hold for it. The logged side is a query of the query model (Reports.groups by day, model
// and the split's identity); the bill side is the store's bill lines, read through the usage-type parser and
// the billed-model table.

import Foundation

public struct ReconcileQuery: Sendable {
    /// `day`, `week` or `month` (nil: no time column).
    public var bucket: TimeBucket?
    public var byModel: Bool
    public var byTokenType: Bool
    /// The order of the grouping columns as given with `--by`.
    public var columnOrder: [String]
    public var window: TimeWindow
    /// `--where`: model, principal, day, week and month filter both sides (the bill has them); any other
    /// dimension filters the split rows (with `--split`; without, parse refuses it).
    public var filters: [Filter]
    /// `--split --by <identity>`: the identity dimension billed dollars are split by.
    public var split: ReportDimension?
    /// Bill lines of principals matching this glob are the gateway's; others keep their lines.
    public var gatewayPrincipal: String?
    /// Count the gateway principal's own Bedrock invocation records beside its logs (`--include-gateway-invocations`).
    public var includesGatewayInvocations = false

    public init(
        bucket: TimeBucket?, byModel: Bool, byTokenType: Bool, columnOrder: [String], window: TimeWindow,
        filters: [Filter] = [], split: ReportDimension? = nil, gatewayPrincipal: String? = nil
    ) {
        self.bucket = bucket
        self.byModel = byModel
        self.byTokenType = byTokenType
        self.columnOrder = columnOrder
        self.window = window
        self.filters = filters
        self.split = split
        self.gatewayPrincipal = gatewayPrincipal
    }

    /// The dimensions a bill line has: its model, its caller and its time.
    static func billHas(_ d: ReportDimension) -> Bool {
        d == .model || d == .principal || d == .day || d == .week || d == .month
    }

    /// Parses reconcile's `--by`: a time bucket (day, week, month), `model`, `token_type`, and with `--split`
    /// one identity dimension.
    public static func parse(
        by text: String, split: Bool, window: TimeWindow, filters: [Filter], gatewayPrincipal: String?
    ) throws(ReportError) -> ReconcileQuery {
        let names = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            .filter { !$0.isEmpty }
        var q = ReconcileQuery(
            bucket: nil, byModel: false, byTokenType: false, columnOrder: [], window: window,
            gatewayPrincipal: gatewayPrincipal)
        for name in names {
            switch name {
            case "day", "week", "month":
                guard q.bucket == nil else { throw .usage("--by: one time bucket at most (day, week or month)") }
                q.bucket = TimeBucket(rawValue: name)
                q.columnOrder.append(name)
            case "model":
                q.byModel = true
                q.columnOrder.append(name)
            case "token_type":
                q.byTokenType = true
                q.columnOrder.append(name)
            default:
                if split, let d = try? ReportDimension.parseList(name).first, d.isIdentity {
                    guard q.split == nil else { throw .usage("--split: one identity dimension in --by") }
                    q.split = d
                    q.columnOrder.append(d.name)
                    continue
                }
                throw .usage(
                    "reconcile --by '\(name)': expected day, week, month, model, token_type"
                        + (split ? " and one identity dimension (user, user_email, user_sub, ...)" : ""))
            }
        }
        if split && q.split == nil {
            throw .usage("--split needs an identity dimension in --by (e.g. --by user or --by user_email)")
        }
        for f in filters where !split && !billHas(f.dimension) {
            throw .usage(
                "reconcile --where '\(f.dimension.name)': the bill has no \(f.dimension.name) (it has model, principal, day, week and month); with --split, --where \(f.dimension.name) filters the split rows"
            )
        }
        q.filters = filters
        return q
    }
}

/// One row of `reconcile`.
public struct ReconcileRow: Sendable, Equatable {
    public var values: [String?]
    public var billedTokens: Int64 = 0
    public var loggedTokens: Int64 = 0
    public var billedMicros: Int64 = 0
    /// Logged tokens at list prices; nil when some have no price.
    public var listCostUSD: Double? = 0
    public var unexplainedMicros: Int64 = 0
    public var statuses: Set<ReconcileStatus> = []

    /// Billed minus logged: negative when the logs hold more than the bill (e.g. the bill lags a day).
    public var unexplainedTokens: Int64 { billedTokens - loggedTokens }
    public var explainedShare: Double? { billedTokens > 0 ? Double(loggedTokens) / Double(billedTokens) : nil }

    mutating func add(_ o: ReconcileRow) {
        billedTokens += o.billedTokens
        loggedTokens += o.loggedTokens
        billedMicros += o.billedMicros
        listCostUSD = listCostUSD.flatMap { a in o.listCostUSD.map { a + $0 } }
        unexplainedMicros += o.unexplainedMicros
        statuses.formUnion(o.statuses)
    }

    /// One word for the row: the cells' statuses, or `mixed`.
    public var status: String {
        if statuses.count == 1 { return statuses.first!.rawValue }
        if statuses.contains(.unknownUsageType) { return ReconcileStatus.unknownUsageType.rawValue }
        if statuses.contains(.unknownModel) { return ReconcileStatus.unknownModel.rawValue }
        if loggedTokens > billedTokens { return ReconcileStatus.loggedAbove.rawValue }
        return loggedTokens == billedTokens ? ReconcileStatus.explained.rawValue : ReconcileStatus.partly.rawValue
    }
}

public enum ReconcileStatus: String, Sendable, Hashable {
    case explained
    case partly = "partly explained"
    case notInLogs = "not in logs"
    case loggedAbove = "logged above billed"
    case notBilled = "not billed"
    case unknownUsageType = "unknown usage type"
    case unknownModel = "unknown billed model"
}

/// One row of `reconcile --split`: billed dollars attributed to an identity (or left unexplained).
public struct SplitRow: Sendable, Equatable {
    public var values: [String?]
    /// `logs` (the gateway's logs name the identity), `principal` (the bill's own caller), `unexplained`.
    public var source: String
    public var tokens: Int64 = 0
    public var billedMicros: Int64 = 0
}

public struct ReconcileResult: Sendable {
    public var columns: [String]
    public var rows: [ReconcileRow]
    public var totals: ReconcileRow
    /// `all`, `mantle`, and `other principals` (lines of principals that are not the gateway's).
    public var subtotals: [(String, ReconcileRow)]
    /// Credits, discounts, tax, refunds, fees: lines and micro-dollars by kind.
    public var adjustments: [(kind: String, lines: Int, micros: Int64)]
    public var splitRows: [SplitRow]?
    /// The split rows' columns (the `--by` names in order) and where the identity is among them.
    public var splitColumns: [String] = []
    public var splitIdentityIndex: Int?
    /// Unknown usage types and billed models, unit problems: one line each, for stderr.
    public var warnings: [String]
    public var priceSource: String
}

extension Reports {
    public static func reconcile(_ q: ReconcileQuery, store: Store, prices: PriceTable) throws -> ReconcileResult {
        let zone = q.window.zone
        let onBill = q.filters.filter { ReconcileQuery.billHas($0.dimension) }
        let modelFilters = onBill.filter { $0.dimension == .model }
        func modelPasses(_ m: String) -> Bool { modelFilters.allSatisfy { $0.matches(m) } }
        func timePasses(_ day: String) -> Bool {
            onBill.allSatisfy { f in
                guard let bucket = f.dimension.bucket else { return true }
                return f.matches(bucketLabel(day: day, bucket))
            }
        }

        // The bill: usage lines into cells; adjustments by kind.
        struct CellKey: Hashable {
            var day: String
            var model: String
            var tokenType: TokenType?
            /// Nil: the gateway's (or no principal known); else the other principal's short name.
            var principal: String?
        }
        struct BilledCell {
            var tokens: Int64 = 0
            var micros: Int64 = 0
            var mantle = false
            var status: ReconcileStatus?
        }
        func isGateway(_ arn: String) -> Bool { q.gatewayPrincipal.map { fnmatch($0, arn, 0) == 0 } ?? true }
        let reading = try readBill(store, window: q.window, prices: prices) { line in
            modelPasses(line.model) && timePasses(dayLabel(line.startMs, zone: zone))
                && onBill.allSatisfy { $0.dimension != .principal || $0.matches(line.principal) }
        }
        var billed: [CellKey: BilledCell] = [:]
        for line in reading.usage {
            let principal = line.principal.flatMap { isGateway($0) ? nil : principalName($0) }
            let key = CellKey(
                day: dayLabel(line.startMs, zone: zone), model: line.model, tokenType: line.tokenType,
                principal: principal)
            billed[key, default: BilledCell()].tokens += line.tokens
            billed[key]!.micros += line.micros
            if line.mantle { billed[key]!.mantle = true }
            if let status = line.status { billed[key]!.status = status }
        }
        var warnings = reading.warnings
        if q.gatewayPrincipal == nil && reading.principals.count > 1 {
            warnings.insert(
                "bill: its lines name \(reading.principals.count) callers (line_item_iam_principal) and no gateway principal is known: every line is held against the gateway's logs; name the gateway's role with --gateway-principal GLOB so that other callers keep their lines",
                at: 0)
        }

        // The logs: a query of the query model, by day, model id and the split's identity; by principal when
        // the bill names callers (an invocation record of another principal meets that principal's lines); by
        // the dimensions the bill lacks that --where names with --split (the split rows are filtered by them).
        // The --where filters on day, week and month filter the query; the model filters the canonical model
        // both sides share; the principal filters each group's principal, where the gateway's own requests (which
        // carry none) are its principal's calls. Logged ids and billed names meet in one canonical model (no ARN,
        // provider or geo prefix); the list price is the logged id's, as `attrib report` prices it.
        let principalCells = q.gatewayPrincipal != nil && !reading.principals.isEmpty
        let principalFilters = onBill.filter { $0.dimension == .principal }
        let gatewayARNs = reading.principals.filter(isGateway)
        var dimensions: [ReportDimension] = [.day, .modelId]
        if let split = q.split { dimensions.append(split) }
        if (principalCells || !principalFilters.isEmpty) && !dimensions.contains(.principal) {
            dimensions.append(.principal)
        }
        let principalIndex = dimensions.firstIndex(of: .principal)
        let extraStart = dimensions.count
        for f in q.filters where !ReconcileQuery.billHas(f.dimension) && !dimensions.contains(f.dimension) {
            dimensions.append(f.dimension)
        }
        var logQuery = ReportQuery(
            dimensions: dimensions,
            filters: onBill.filter { $0.dimension != .model && $0.dimension != .principal }, window: q.window,
            measures: Measure.standard)
        logQuery.includesGatewayInvocations = q.includesGatewayInvocations
        /// An identity of the split and the values of the dimensions only --where names.
        struct Share: Hashable {
            var who: String?
            var extras: [String?]
        }
        func sharePasses(_ share: Share) -> Bool {
            q.filters.allSatisfy { f in
                guard !ReconcileQuery.billHas(f.dimension) else { return true }
                if f.dimension == q.split { return f.matches(share.who) }
                return dimensions[extraStart...].firstIndex(of: f.dimension).map {
                    f.matches(share.extras[$0 - extraStart])
                }
                    ?? f.matches(nil)
            }
        }
        let noExtras = [String?](repeating: nil, count: dimensions.count - extraStart)
        // (day, model, token type) → share → tokens
        var logged: [CellKey: [Share: Int64]] = [:]
        var listCost: [CellKey: Double?] = [:]
        var canonical: [String: String] = [:]
        for g in try groups(logQuery, store: store, prices: prices) {
            guard let day = g.values[0], let id = g.values[1] ?? g.modelId else { continue }
            let model = canonical[id] ?? canonicalModel(id, prices: prices)
            canonical[id] = model
            guard modelPasses(model) else { continue }
            let share = Share(
                who: q.split == nil ? nil : g.values[2], extras: Array(g.values[extraStart...]))
            let arn = principalIndex.flatMap { g.values[$0] }
            let principalPasses = principalFilters.allSatisfy { f in
                arn.map { f.matches($0) }
                    ?? (gatewayARNs.isEmpty ? f.matches(nil) : gatewayARNs.contains { f.matches($0) })
            }
            guard principalPasses else { continue }
            let principal = principalCells ? arn.flatMap { isGateway($0) ? nil : principalName($0) } : nil
            let price = prices.resolve(id)?.price
            for t in TokenType.allCases {
                let n = t.count(g.tokens)
                guard n != 0 else { continue }
                let key = CellKey(day: day, model: model, tokenType: t, principal: principal)
                logged[key, default: [:]][share, default: 0] += n
                let cost = price.map { Double(n) * perToken($0, t) }
                listCost[key] = (listCost[key] ?? 0).flatMap { a in cost.map { a + $0 } }
            }
        }

        // Cells: the union of both sides, in a fixed order.
        let keys = Set(billed.keys).union(logged.keys).sorted {
            ($0.day, $0.model, $0.tokenType?.rawValue ?? "", $0.principal ?? "")
                < ($1.day, $1.model, $1.tokenType?.rawValue ?? "", $1.principal ?? "")
        }
        var columns: [String] = []
        for name in q.columnOrder where q.split == nil || name != q.split!.name { columns.append(name) }
        func label(_ key: CellKey) -> [String?] {
            columns.map { name in
                switch name {
                case "day", "week", "month": return bucketLabel(day: key.day, TimeBucket(rawValue: name)!)
                case "model": return key.model
                default: return key.tokenType?.rawValue
                }
            }
        }
        var rows: [[String?]: ReconcileRow] = [:]
        var totals = ReconcileRow(values: [])
        var mantle = ReconcileRow(values: [])
        var others = ReconcileRow(values: [])
        var splitRows: [String: SplitRow] = [:]
        for key in keys {
            let bill = billed[key] ?? BilledCell()
            let shares = logged[key] ?? [:]
            var cell = ReconcileRow(values: label(key))
            cell.billedTokens = bill.tokens
            cell.billedMicros = bill.micros
            cell.loggedTokens = shares.values.reduce(0, +)
            if cell.loggedTokens > 0 { cell.listCostUSD = listCost[key] ?? nil }
            // The cell's money: explained (the logged tokens' share) and unexplained (what is billed beyond
            // them), then the explained part among the identities by their tokens.
            let unexplainedWeight = max(0, cell.billedTokens - cell.loggedTokens)
            let parts =
                cell.loggedTokens + unexplainedWeight == 0
                ? [0, bill.micros]
                : LargestRemainder.split(bill.micros, weights: [cell.loggedTokens, unexplainedWeight])
            cell.unexplainedMicros = key.principal == nil ? parts[1] : 0
            cell.statuses = [
                bill.status
                    ?? (key.principal != nil && cell.loggedTokens == 0
                        ? .notInLogs
                        : cell.billedTokens == 0 && bill.micros == 0
                            ? .notBilled
                            : cell.loggedTokens == 0
                                ? .notInLogs
                                : cell.loggedTokens > cell.billedTokens
                                    ? .loggedAbove : cell.loggedTokens == cell.billedTokens ? .explained : .partly)
            ]
            if key.principal != nil {
                others.add(cell)
            } else {
                rows[cell.values, default: ReconcileRow(values: cell.values)].add(cell)
                totals.add(cell)
                if bill.mantle { mantle.add(cell) }
            }

            guard let split = q.split else { continue }
            let extra = cell.values
            func credit(_ who: String?, _ source: String, tokens: Int64, micros: Int64) {
                let values = splitValues(columns: q.columnOrder, identity: split.name, who: who, extra: extra)
                let id = values.map { $0 ?? "\u{0}" }.joined(separator: "\u{1}") + "\u{1}" + source
                var row = splitRows[id] ?? SplitRow(values: values, source: source)
                row.tokens += tokens
                row.billedMicros += micros
                splitRows[id] = row
            }
            if let principal = key.principal {
                if (bill.tokens != 0 || bill.micros != 0) && sharePasses(Share(who: principal, extras: noExtras)) {
                    credit(principal, "principal", tokens: bill.tokens, micros: bill.micros)
                }
                continue
            }
            let who = shares.keys.sorted { a, b in
                a.who != b.who
                    ? identityOrder(a.who, b.who)
                    : a.extras.map { $0 ?? "" }.lexicographicallyPrecedes(b.extras.map { $0 ?? "" })
            }
            let explained = LargestRemainder.split(parts[0], weights: who.map { shares[$0]! })
            for (w, m) in zip(who, explained) where sharePasses(w) {
                credit(w.who, "logs", tokens: shares[w]!, micros: m)
            }
            if (unexplainedWeight > 0 || parts[1] != 0) && sharePasses(Share(who: nil, extras: noExtras)) {
                credit(nil, "unexplained", tokens: unexplainedWeight, micros: parts[1])
            }
        }
        var ordered = Array(rows.values)
        ordered.sort { a, b in
            for (x, y) in zip(a.values, b.values) where x != y {
                return (x ?? "").utf8.lexicographicallyPrecedes((y ?? "").utf8)
            }
            return false
        }
        var subtotals: [(String, ReconcileRow)] = [("all", totals), ("mantle", mantle)]
        if q.gatewayPrincipal != nil { subtotals.append(("other principals", others)) }
        var splitList = splitRows.values.sorted { a, b in
            if a.billedMicros != b.billedMicros { return a.billedMicros > b.billedMicros }
            if a.source != b.source { return a.source < b.source }
            return a.values.map { $0 ?? "" }.lexicographicallyPrecedes(b.values.map { $0 ?? "" })
        }
        if q.split == nil { splitList = [] }
        return ReconcileResult(
            columns: columns, rows: ordered, totals: totals, subtotals: subtotals,
            adjustments: reading.adjustments.sorted { $0.key < $1.key }.map {
                ($0.key, $0.value.lines, $0.value.micros)
            },
            splitRows: q.split == nil ? nil : splitList, splitColumns: q.columnOrder,
            splitIdentityIndex: q.split.flatMap { q.columnOrder.firstIndex(of: $0.name) }, warnings: warnings,
            priceSource: prices.source)
    }
}

/// Identities in a fixed order: absent first, then by their UTF-8 bytes (the order of the largest-remainder ties).
private func identityOrder(_ a: String?, _ b: String?) -> Bool {
    guard let b else { return false }
    guard let a else { return true }
    return a.utf8.lexicographicallyPrecedes(b.utf8)
}

/// The split row's values: the `--by` columns in their order, with the identity where it was named.
private func splitValues(columns: [String], identity: String, who: String?, extra: [String?]) -> [String?] {
    var out: [String?] = []
    var i = 0
    for name in columns {
        if name == identity {
            out.append(who)
        } else {
            out.append(extra[i])
            i += 1
        }
    }
    return out
}

/// A principal as the invocation logs name it: the last part of its ARN (the SSO user's email in
/// `assumed-role/AWSReservedSSO_.../alice@example.com`, the user in `user/bob`, a role's session).
func principalName(_ arn: String) -> String {
    arn.split(separator: "/").last.map(String.init) ?? arn
}

/// The model a logged id or a billed model's key stands for in reconcile: without an ARN, a provider form or a
/// geo prefix (a logged `us.anthropic.…` and a billed `Claude4.5Sonnet` are the same model), then the price
/// table's key for it when that key is itself bare.
func canonicalModel(_ id: String, prices: PriceTable) -> String {
    var s = Substring(id)
    if s.hasPrefix("arn:"), let slash = s.lastIndex(of: "/") { s = s[s.index(after: slash)...] }
    for p in PriceTable.providerPrefixes where s.hasPrefix(p) {
        s = s.dropFirst(p.count)
        // bedrock/<region>/<model>
        if let slash = s.firstIndex(of: "/"), s[..<slash].contains("-") { s = s[s.index(after: slash)...] }
        break
    }
    for g in PriceTable.geoPrefixes where s.hasPrefix(g) {
        s = s.dropFirst(g.count)
        break
    }
    let bare = String(s)
    guard let key = prices.resolve(bare)?.key else { return bare }
    let prefixed = key.contains("/") || PriceTable.geoPrefixes.contains { key.hasPrefix($0) }
    return prefixed ? bare : key
}

func perToken(_ p: ModelPrice, _ t: TokenType) -> Double {
    switch t {
    case .input: return p.inputPerToken
    case .output: return p.outputPerToken
    case .cacheRead: return p.cacheReadPerToken
    case .cacheWrite: return p.cacheWritePerToken
    }
}

/// `YYYY-MM-DD` of a day number (days since 1970-01-01).
func isoDate(daysSinceEpoch days: Int64) -> String {
    let (y, m, d) = civilFromDays(days)
    func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
    return "\(y)-\(two(m))-\(two(d))"
}

/// A day label's week (its Monday) or month; the day itself for `day`.
func bucketLabel(day: String, _ bucket: TimeBucket) -> String {
    switch bucket {
    case .day, .hour: return day
    case .month: return String(day.prefix(7))
    case .week:
        let parts = day.split(separator: "-").compactMap { Int64($0) }
        guard parts.count == 3 else { return day }
        let days = daysFromCivil(parts[0], parts[1], parts[2])
        let weekday = ((days % 7) + 7 + 3) % 7  // 0 = Monday (1970-01-01 was a Thursday)
        return isoDate(daysSinceEpoch: days - weekday)
    }
}
