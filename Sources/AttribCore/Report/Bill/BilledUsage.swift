// The bill's usage lines as reconcile and the witness view read them: each line's model (the canonical name
// logged ids meet), token type and token count (the unit from pricing_unit, checked against cost ÷ amount),
// and the bill's other lines (credits, discounts, tax) added up by kind.

import Foundation

/// One usage line of the bill, read.
struct BilledUsage {
    var startMs: Int64
    var endMs: Int64
    /// The canonical model; the usage type itself when it names no token type.
    var model: String
    /// Nil: the usage type names no token type attrib knows.
    var tokenType: TokenType?
    var tokens: Int64
    var micros: Int64
    var mantle: Bool
    /// `unknownUsageType` or `unknownModel`, else nil.
    var status: ReconcileStatus?
    /// The caller's ARN (line_item_iam_principal), when the bill names one.
    var principal: String?
}

struct BillReading {
    var usage: [BilledUsage] = []
    /// Lines and micro-dollars by kind (credit, discount, tax, ...): the whole bill in the window.
    var adjustments: [String: (lines: Int, micros: Int64)] = [:]
    /// Every caller the usage lines name.
    var principals: Set<String> = []
    /// Unknown usage types and billed models, unit problems, an empty bill: one line each.
    var warnings: [String] = []
}

extension Reports {
    /// The bill's lines starting in the window; `keep` chooses the usage lines (by model, principal, time),
    /// and only those kept are named in warnings.
    static func readBill(
        _ store: Store, window: TimeWindow, prices: PriceTable, keep: (BilledUsage) -> Bool
    ) throws -> BillReading {
        var reading = BillReading()
        var unknownTypes: [String: Int] = [:]
        var unknownModels: [String: Int] = [:]
        var unitWarnings: Set<String> = []
        var parsed: [String: UsageType?] = [:]
        let lines = try store.billLines(since: window.since, until: window.until)
        if lines.isEmpty {
            reading.warnings.append(
                "no bill lines in the store\(window.since != nil || window.until != nil ? " in this window" : ""): ingest a CUR 2.0 or legacy CUR CSV, an export folder or a Cost Explorer answer first"
            )
        }
        for line in lines {
            guard line.kind == BillLineKind.usage.rawValue else {
                reading.adjustments[line.kind, default: (0, 0)].lines += 1
                reading.adjustments[line.kind, default: (0, 0)].micros += line.micros
                continue
            }
            let cacheKey = line.usageType + "\u{0}" + (line.productName ?? "")
            let usage: UsageType?
            if let cached = parsed[cacheKey] {
                usage = cached
            } else {
                usage = UsageType(line.usageType, productName: line.productName)
                parsed[cacheKey] = usage
            }
            if let p = line.principal { reading.principals.insert(p) }
            var billed = BilledUsage(
                startMs: line.startMs, endMs: line.endMs, model: line.usageType, tokenType: nil, tokens: 0,
                micros: line.micros, mantle: false, status: .unknownUsageType, principal: line.principal)
            guard let usage else {
                guard keep(billed) else { continue }
                unknownTypes[line.usageType, default: 0] += 1
                reading.usage.append(billed)
                continue
            }
            let match = BillModels.priceKey(usage.billedModel, prices: prices)
            billed.model = match.map { canonicalModel($0.key, prices: prices) } ?? usage.billedModel
            billed.tokenType = usage.tokenType
            billed.mantle = usage.mantle
            billed.status = match == nil ? .unknownModel : nil
            guard keep(billed) else { continue }
            if match == nil { unknownModels[usage.billedModel, default: 0] += 1 }
            var scale = tokensPerUnit(line.pricingUnit)
            let listRate = prices.resolve(billed.model).map { perToken($0.price, usage.tokenType) }
            if scale == nil, let listRate, listRate > 0, line.usageAmount > 0 {
                // No unit attrib knows: the scale whose rate is nearest the list price.
                let rate = Double(line.micros) / 1e6 / line.usageAmount
                scale = [1, 1000, 1_000_000].min {
                    abs(log(rate / (listRate * Double($0)))) < abs(log(rate / (listRate * Double($1))))
                }
                unitWarnings.insert(
                    "bill: pricing_unit '\(line.pricingUnit ?? "")' of \(line.usageType) names no token count; \(scale!) tokens per unit inferred from cost ÷ amount"
                )
            } else if let s = scale, let listRate, listRate > 0, line.usageAmount > 0, line.micros > 0 {
                let ratio = Double(line.micros) / 1e6 / (line.usageAmount * Double(s)) / listRate
                if ratio > 30 || ratio < 1.0 / 30 {
                    unitWarnings.insert(
                        "bill: \(line.usageType): pricing_unit '\(line.pricingUnit ?? "")' gives \(String(format: "%.3g", ratio))× the list price per token; check the unit"
                    )
                }
            }
            billed.tokens = Int64((line.usageAmount * Double(scale ?? 1)).rounded())
            if scale == nil {
                unitWarnings.insert(
                    "bill: pricing_unit '\(line.pricingUnit ?? "")' of \(line.usageType) names no token count and the model has no list price; amounts read as tokens"
                )
            }
            reading.usage.append(billed)
        }
        for (t, n) in unknownTypes.sorted(by: { $0.key < $1.key }) {
            reading.warnings.append(
                "bill: usage type '\(t)' (\(n) line\(n == 1 ? "" : "s")) names no token type attrib knows; its cost is shown under that name, all unexplained"
            )
        }
        for (m, n) in unknownModels.sorted(by: { $0.key < $1.key }) {
            reading.warnings.append(
                "bill: billed model '\(m)' (\(n) line\(n == 1 ? "" : "s")) is not in the billed-model table (attrib bill-models) nor the price table; shown under that name"
            )
        }
        reading.warnings += unitWarnings.sorted()
        return reading
    }
}

/// A day label (`YYYY-MM-DD`) of an instant in `zone`.
func dayLabel(_ ms: Int64, zone: TimeZone) -> String {
    let offset = Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(ms) / 1000)))
    let local = ms / 1000 + offset
    return isoDate(daysSinceEpoch: Int64((Double(local) / 86_400).rounded(.down)))
}
