// Reads a Cost and Usage Report CSV (CUR 2.0 / Data Exports, or legacy CUR) and pushes its Bedrock lines
// into a BillSink. Streams record by record: a whole account's CUR may be large; only Bedrock's lines stay.

/// Is this the header line of a CUR CSV? (CUR 2.0 `line_item_usage_type`, legacy `lineItem/UsageType`.)
func isCURHeader(_ header: String) -> Bool {
    header.contains("line_item_usage_type") || header.contains("lineItem/UsageType")
}

/// A column name in CUR 2.0 spelling: legacy `lineItem/UsageStartDate` is `line_item_usage_start_date`.
func curColumnName(_ raw: String) -> String {
    guard raw.contains("/") else { return raw.lowercased() }
    var out = ""
    for c in raw {
        if c == "/" {
            out.append("_")
        } else if c.isUppercase {
            if let last = out.last, last != "_" { out.append("_") }
            out.append(contentsOf: c.lowercased())
        } else {
            out.append(c)
        }
    }
    return out
}

final class CURReader {
    private let cursor: StreamCursor
    private let sink: BillSink
    private let file: String
    /// The line being read (the first line of the record, after `run()` stopped early).
    private(set) var line = 1
    private var field: [UInt8] = []
    /// Whether the last record ended with a line end (a damaged stream's last record is cut short).
    private var terminated = false

    init(cursor: StreamCursor, file: String, sink: BillSink) {
        self.cursor = cursor
        self.file = file
        self.sink = sink
    }

    /// The next byte, or nil at the end of the (decompressed) stream.
    @inline(__always) private func next() throws -> UInt8? {
        if cursor.pos == cursor.end {
            guard try cursor.fill(), cursor.pos < cursor.end else { return nil }
        }
        let b = cursor.storage[cursor.pos]
        cursor.pos += 1
        return b
    }

    /// One RFC 4180 record, or nil at the end. `cut` is set when the stream ended inside a quoted field.
    private func record(cut: inout Bool) throws -> [String]? {
        terminated = false
        var fields: [String] = []
        field.removeAll(keepingCapacity: true)
        var quoted = false
        var any = false
        while let b = try next() {
            any = true
            if quoted {
                if b == 0x22 {
                    var more = cursor.pos < cursor.end
                    if !more { more = try cursor.fill() && cursor.pos < cursor.end }
                    if more && cursor.storage[cursor.pos] == 0x22 {
                        cursor.pos += 1
                        field.append(0x22)
                    } else {
                        quoted = false
                    }
                } else {
                    if b == 0x0A { line += 1 }
                    field.append(b)
                }
                continue
            }
            switch b {
            case 0x22 where field.isEmpty: quoted = true
            case 0x2C:
                fields.append(String(decoding: field, as: UTF8.self))
                field.removeAll(keepingCapacity: true)
            case 0x0A:
                line += 1
                if field.last == 0x0D { field.removeLast() }
                fields.append(String(decoding: field, as: UTF8.self))
                terminated = true
                return fields
            default: field.append(b)
            }
        }
        guard any else { return nil }
        if quoted { cut = true }
        if field.last == 0x0D { field.removeLast() }
        fields.append(String(decoding: field, as: UTF8.self))
        return fields
    }

    func run() throws {
        try cursor.skipByteOrderMark()
        var cut = false
        guard let header = try record(cut: &cut) else { return }
        let names = header.map { curColumnName($0.trimmingSpaces()) }
        func index(_ name: String) -> Int? { names.firstIndex(of: name) }
        let required = [
            "line_item_usage_type", "line_item_product_code", "line_item_line_item_type",
            "line_item_usage_start_date", "line_item_unblended_cost",
        ]
        if let missing = required.first(where: { index($0) == nil }) {
            sink.billProblem(file: file, line: 1, reason: "the CUR header has no \(missing) column; file skipped")
            sink.billFileRead(file: file, otherLines: 0, complete: false)
            return
        }
        let usageType = index("line_item_usage_type")!
        let product = index("line_item_product_code")!
        let itemType = index("line_item_line_item_type")!
        let start = index("line_item_usage_start_date")!
        let cost = index("line_item_unblended_cost")!
        let end = index("line_item_usage_end_date")
        let amount = index("line_item_usage_amount")
        let unit = index("pricing_unit")
        let net = index("line_item_net_unblended_cost")
        let principal = index("line_item_iam_principal")
        let account = index("line_item_usage_account_id")
        let operation = index("line_item_operation")
        let period = index("bill_billing_period_start_date")
        let productName = index("product_product_name")
        let productMap = index("product")

        var other = 0
        while true {
            let at = line
            cut = false
            guard let row = try record(cut: &cut) else { break }
            if !terminated && cursor.pendingError != nil {  // cut short by the damage: said by the caller
                line = at
                break
            }
            if row.count == 1 && row[0].isEmpty { continue }  // a blank line
            if cut {
                sink.billProblem(file: file, line: at, reason: "the file ends inside a quoted field; line skipped")
                break
            }
            guard row.count == names.count else {
                sink.billProblem(
                    file: file, line: at,
                    reason: "\(row.count) columns where the header has \(names.count); line skipped")
                continue
            }
            func value(_ i: Int?) -> String? {
                guard let i else { return nil }
                let v = row[i]
                return v.isEmpty ? nil : v
            }
            let code = row[product]
            var name = value(productName)
            if name == nil, let map = value(productMap) { name = mapValue(map, key: "product_name") }
            let isBedrock =
                code == "AmazonBedrock" || code == "AmazonBedrockService"
                || (name?.contains("Amazon Bedrock Edition") ?? false)
            guard isBedrock else {
                other += 1
                continue
            }
            guard let startMs = parseCURTime(row[start]) else {
                sink.billProblem(
                    file: file, line: at,
                    reason: "line_item_usage_start_date '\(row[start])' is not a time; line skipped")
                continue
            }
            guard let micros = parseMicros(row[cost]) else {
                sink.billProblem(
                    file: file, line: at,
                    reason: "line_item_unblended_cost '\(row[cost])' is not a number; line skipped")
                continue
            }
            var usageAmount = 0.0
            if let text = value(amount) {
                guard let a = Double(text) else {
                    sink.billProblem(
                        file: file, line: at, reason: "line_item_usage_amount '\(text)' is not a number; line skipped")
                    continue
                }
                usageAmount = a
            }
            var netMicros: Int64?
            if let text = value(net) {
                guard let n = parseMicros(text) else {
                    sink.billProblem(
                        file: file, line: at,
                        reason: "line_item_net_unblended_cost '\(text)' is not a number; line skipped")
                    continue
                }
                netMicros = n
            }
            let periodStart = value(period).flatMap(parseCURTime) ?? startMs
            sink.billLine(
                BillLine(
                    period: monthLabel(periodStart), startMs: startMs,
                    endMs: value(end).flatMap(parseCURTime) ?? startMs, account: value(account), productCode: code,
                    productName: name, kind: BillLineKind(lineItemType: row[itemType]), lineItemType: row[itemType],
                    usageType: row[usageType], operation: value(operation), usageAmount: usageAmount,
                    pricingUnit: value(unit), unblendedMicros: micros, netMicros: netMicros,
                    principal: value(principal), file: file, line: at))
        }
        sink.billFileRead(file: file, otherLines: other, complete: cursor.pendingError == nil && !cut)
    }
}

/// The value of `"key":"value"` in a CUR 2.0 map column (JSON text).
func mapValue(_ map: String, key: String) -> String? {
    guard let r = map.range(of: "\"\(key)\"") else { return nil }
    var rest = map[r.upperBound...].drop { $0 == " " || $0 == ":" }
    guard rest.first == "\"" else { return nil }
    rest = rest.dropFirst()
    guard let close = rest.firstIndex(of: "\"") else { return nil }
    return String(rest[..<close])
}

/// `2026-03-01T00:00:00.000Z`, `2026-03-01T00:00:00Z` or `2026-03-01 00:00:00` (UTC) in epoch ms.
func parseCURTime(_ text: String) -> Int64? {
    var bytes = Array(text.utf8)
    guard bytes.count >= 19 else { return nil }
    if bytes.count == 19 { bytes.append(0x5A) }
    return bytes.withUnsafeBufferPointer { parseISOTimestamp($0.baseAddress!, 0, $0.count) }
}

/// `YYYY-MM` of a UTC time.
func monthLabel(_ ms: Int64) -> String {
    let (year, month, _) = civilFromDays(Int64((Double(ms) / 86_400_000).rounded(.down)))
    return "\(year)-\(month < 10 ? "0" : "")\(month)"
}

/// A decimal amount of dollars as integer micro-dollars, rounded half away from zero at the sixth decimal;
/// exact for plain decimal text (no binary floating point), nil when the text is not a number.
public func parseMicros(_ text: String) -> Int64? {
    let s = text.trimmingSpaces()
    if s.contains("e") || s.contains("E") {
        guard let d = Double(s), d.isFinite, abs(d) < 9e12 else { return nil }
        return Int64((d * 1_000_000).rounded(.toNearestOrAwayFromZero))
    }
    var bytes = Substring(s).utf8[...]
    var negative = false
    if bytes.first == 0x2D || bytes.first == 0x2B {
        negative = bytes.first == 0x2D
        bytes = bytes.dropFirst()
    }
    var whole: Int64 = 0
    var fraction: Int64 = 0
    var places = 0
    var roundUp = false
    var seenDot = false
    var digits = 0
    for b in bytes {
        if b == 0x2E {
            if seenDot { return nil }
            seenDot = true
            continue
        }
        guard b >= 0x30 && b <= 0x39 else { return nil }
        digits += 1
        let d = Int64(b - 0x30)
        if !seenDot {
            guard whole < 900_000_000_000 else { return nil }
            whole = whole * 10 + d
        } else if places < 6 {
            fraction = fraction * 10 + d
            places += 1
        } else if places == 6 {
            roundUp = d >= 5
            places += 1
        }
    }
    guard digits > 0 else { return nil }
    while places < 6 {
        fraction *= 10
        places += 1
    }
    let micros = whole * 1_000_000 + fraction + (roundUp ? 1 : 0)
    return negative ? -micros : micros
}
