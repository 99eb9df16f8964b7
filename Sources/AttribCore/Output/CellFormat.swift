// How one cell reads: numbers for programs (CSV, TSV) and for people (table, Markdown), display width.

import Foundation

/// A number with exactly `places` decimals (6 for costs and shares), never in exponent form.
func fixed(_ v: Double, places: Int = 6) -> String {
    let s = String(format: "%.\(places)f", v)
    return s.hasPrefix("-") && s.allSatisfy({ $0 == "-" || $0 == "0" || $0 == "." }) ? String(s.dropFirst()) : s
}

/// Groups digits with commas: 1234567 → 1,234,567 (an optional sign and decimals are kept).
public func withSeparators(_ digits: String) -> String {
    var body = Substring(digits)
    var sign = ""
    if body.first == "-" {
        sign = "-"
        body = body.dropFirst()
    }
    let parts = body.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
    let integer = Array(parts[0])
    var out = ""
    for (i, c) in integer.enumerated() {
        if i > 0 && (integer.count - i) % 3 == 0 { out.append(",") }
        out.append(c)
    }
    if parts.count > 1 { out += "." + parts[1] }
    return sign + out
}

/// Groups the digits of a whole number: 1234567 → 1,234,567.
public func withSeparators<N: BinaryInteger>(_ n: N) -> String { withSeparators(String(n)) }

/// A cell for programs: plain numbers (no separators), empty when absent.
func plainCell(_ c: Cell, _ kind: ColumnKind) -> String {
    switch c {
    case .text(let v): return v ?? ""
    case .int(let v): return v.map { String($0) } ?? ""
    case .number(let v):
        guard let v else { return "" }
        if case .decimal(let places) = kind { return fixed(v, places: places) }
        return fixed(v)
    }
}

/// A cell for people: separators, dollars, percentages, `(none)` for absent identity, `unpriced` for absent cost.
func humanCell(_ c: Cell, _ kind: ColumnKind) -> String {
    switch c {
    case .text(let v):
        if let v { return v }
        return kind == .identity ? "(none)" : ""
    case .int(let v):
        // Counts get separators; integers in a dimension column (epoch ms, ids, status) stay as they are.
        return v.map { kind == .count ? withSeparators($0) : String($0) } ?? ""
    case .number(let v):
        switch kind {
        case .cost: return v.map { "$" + withSeparators(String(format: "%.2f", $0)) } ?? "unpriced"
        case .share: return v.map(shareText) ?? ""
        case .decimal(let places): return v.map { withSeparators(fixed($0, places: places)) } ?? ""
        default: return v.map { withSeparators(String(format: "%.2f", $0)) } ?? ""
        }
    }
}

/// A share as a percentage with one decimal, never rounded to a whole it is not: a share just short of all is
/// `>99.9%`, not `100.0%` (a reconcile row with cents unexplained read as fully explained), and one just above
/// none is `<0.1%`, not `0.0%`.
func shareText(_ v: Double) -> String {
    let shown = String(format: "%.1f%%", v * 100)
    if v < 1 && shown == "100.0%" { return ">99.9%" }
    if v > 0 && shown == "0.0%" { return "<0.1%" }
    return shown
}

/// Display width: East Asian wide and fullwidth characters take two cells.
func displayWidth(_ s: String) -> Int {
    var w = 0
    for u in s.unicodeScalars {
        let v = u.value
        if v < 0x20 || (0x300...0x36F).contains(v) || v == 0x200B { continue }
        let wide =
            (0x1100...0x115F).contains(v) || (0x2E80...0xA4CF).contains(v) || (0xAC00...0xD7A3).contains(v)
            || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v) || (0xFF00...0xFF60).contains(v)
            || (0xFFE0...0xFFE6).contains(v) || (0x1F300...0x1FAFF).contains(v) || (0x20000...0x3FFFD).contains(v)
        w += wide ? 2 : 1
    }
    return w
}
