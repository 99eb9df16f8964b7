// The queries behind the HTML page: each one is a `report`, `mantle`, `gaps` or `reconcile` query, run by the
// same runner as the command.

import Foundation

/// Everything the HTML page shows, as the results of the commands that show the same numbers.
public struct PageResults: Sendable {
    /// `report --by day --sort day`: each day's total.
    public var byDay: ReportResult
    /// `report --by day,modelId`: the stacked columns.
    public var byDayModel: ReportResult
    /// `report --by modelId`: which models get a colour of their own, and their totals.
    public var byModel: ReportResult
    /// `mantle --by day`: the Mantle spend of each day.
    public var mantleByDay: ReportResult
    /// `report --by user`: the top users.
    public var users: ReportResult
    /// `mantle` (by user): the Mantle attribution with its unattributed remainder.
    public var mantle: ReportResult
    /// `gaps`: identity coverage (over the time window; `gaps` takes no filters).
    public var gaps: GapsResult
    /// The query the page was asked for (window, filters, cost mode).
    public var query: ReportQuery
    /// The day of the identity cutover in the query's zone, when identity was ever logged.
    public var cutoverDay: String?
    /// `reconcile --by day` over the same window, when the store holds a bill (nil: the page has no
    /// reconcile panel).
    public var reconcile: ReconcileResult? = nil
}

extension Reports {
    /// Runs the page's queries over `base`'s window, filters and cost mode (its dimensions, order and limit
    /// are not used).
    public static func page(_ base: ReportQuery, store: Store, prices: PriceTable) throws -> PageResults {
        func run(_ dimensions: [ReportDimension], scope: RequestScope = .modelRequests, byFirst: Bool = false)
            throws -> ReportResult
        {
            var q = base
            q.scope = scope
            q.dimensions = dimensions
            q.order = byFirst ? SortKey(.dimension(0), ascending: true) : nil
            q.limit = nil
            return try Reports.run(q, store: store, prices: prices)
        }
        let gaps = try Reports.gaps(store: store, prices: prices, window: base.window)
        var results = PageResults(
            byDay: try run([.day], byFirst: true), byDayModel: try run([.day, .modelId], byFirst: true),
            byModel: try run([.modelId]), mantleByDay: try run([.day], scope: .mantle, byFirst: true),
            users: try run([.user]), mantle: try run([.user], scope: .mantle), gaps: gaps, query: base,
            cutoverDay: gaps.cutover.map { dayLabel($0, zone: base.window.zone) })
        if try store.holdsBill() {
            // As `attrib reconcile --by day` with the same time options parses and runs it: the bill takes no
            // --where but on model, so the page applies none; the remembered gateway principal applies.
            let q = try ReconcileQuery.parse(
                by: "day", split: false, window: base.window, filters: [],
                gatewayPrincipal: try store.billSetting("gateway_principal"))
            results.reconcile = try Reports.reconcile(q, store: store, prices: prices)
        }
        return results
    }

    /// `YYYY-MM-DD` of an instant in `zone`: the label the `day` bucket gives it.
    static func dayLabel(_ ms: Int64, zone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let c = calendar.dateComponents([.year, .month, .day], from: Date(timeIntervalSince1970: Double(ms) / 1000))
        return String(format: "%04d-%02d-%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0)
    }
}

extension Store {
    /// Whether any bill line is stored (in any period).
    func holdsBill() throws -> Bool {
        try db.scalar("SELECT count(*) FROM (SELECT 1 FROM bill_line LIMIT 1)") ?? 0 > 0
    }
}
