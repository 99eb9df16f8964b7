// Bill lines in the store: each ingest replaces the billing periods it read, whole, in one transaction, so
// the same bill ingested twice, or a period delivered again, replaces and never adds.

/// What an ingest did to the stored bill.
public struct BillWriteSummary: Sendable, Equatable {
    /// The periods replaced, `YYYY-MM`, in order.
    public var periods: [String]
    public var lines: Int
    /// Lines those periods held before.
    public var replacedLines: Int
}

extension Store {
    /// Replaces every period that `lines` touch with `lines` (all of a period's files must come in one run:
    /// an export folder, or the files of a period named together).
    func replaceBillPeriods(_ lines: [BillLine]) throws -> BillWriteSummary {
        let periods = Array(Set(lines.map(\.period))).sorted()
        guard !periods.isEmpty else { return BillWriteSummary(periods: [], lines: 0, replacedLines: 0) }
        return try transaction {
            var replaced = 0
            let count = try db.prepare("SELECT count(*) FROM bill_line WHERE period = ?")
            let delete = try db.prepare("DELETE FROM bill_line WHERE period = ?")
            for p in periods {
                count.bind(1, p)
                if try count.step() { replaced += Int(count.int(0)) }
                count.reset()
                delete.bind(1, p)
                try delete.run()
            }
            let insert = try db.prepare(
                """
                INSERT INTO bill_line(period, start_ms, end_ms, account, product_code, product_name, kind, line_item_type,
                    usage_type, operation, usage_amount, pricing_unit, unblended_micros, net_micros, principal, file, line)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for l in lines {
                insert.bind(1, l.period)
                insert.bind(2, l.startMs)
                insert.bind(3, l.endMs)
                insert.bind(4, l.account)
                insert.bind(5, l.productCode)
                insert.bind(6, l.productName)
                insert.bind(7, l.kind.rawValue)
                insert.bind(8, l.lineItemType)
                insert.bind(9, l.usageType)
                insert.bind(10, l.operation)
                insert.bind(11, Double?.some(l.usageAmount))
                insert.bind(12, l.pricingUnit)
                insert.bind(13, l.unblendedMicros)
                insert.bind(14, l.netMicros)
                insert.bind(15, l.principal)
                insert.bind(16, l.file)
                insert.bind(17, Int64(l.line))
                try insert.run()
                insert.reset()
            }
            return BillWriteSummary(periods: periods, lines: lines.count, replacedLines: replaced)
        }
    }

    /// A remembered setting of the bill (e.g. `gateway_principal`).
    public func billSetting(_ key: String) throws -> String? {
        let s = try db.prepare("SELECT value FROM bill_setting WHERE key = ?")
        s.bind(1, key)
        return try s.step() ? s.text(0) : nil
    }

    public func setBillSetting(_ key: String, _ value: String) throws {
        let s = try db.prepare("INSERT OR REPLACE INTO bill_setting(key, value) VALUES (?, ?)")
        s.bind(1, key)
        s.bind(2, value)
        try s.run()
    }
}

/// A stored bill line, as reconcile reads it.
struct StoredBillLine {
    var startMs: Int64
    var endMs: Int64
    var kind: String
    var usageType: String
    var productName: String?
    var usageAmount: Double
    var pricingUnit: String?
    var micros: Int64
    var principal: String?
}

extension Store {
    /// Bill lines starting in `[since, until)`, in a fixed order (time, usage type, principal, id).
    func billLines(since: Int64?, until: Int64?) throws -> [StoredBillLine] {
        let s = try db.prepare(
            """
            SELECT start_ms, kind, usage_type, product_name, usage_amount, pricing_unit, unblended_micros, principal, end_ms
            FROM bill_line WHERE start_ms >= ? AND start_ms < ?
            ORDER BY start_ms, usage_type, coalesce(principal, ''), id
            """)
        s.bind(1, since ?? Int64.min)
        s.bind(2, until ?? Int64.max)
        var out: [StoredBillLine] = []
        while try s.step() {
            out.append(
                StoredBillLine(
                    startMs: s.int(0), endMs: s.int(8), kind: s.text(1) ?? "", usageType: s.text(2) ?? "",
                    productName: s.text(3),
                    usageAmount: s.double(4), pricingUnit: s.text(5), micros: s.int(6), principal: s.text(7)))
        }
        return out
    }
}
