// Printers: one Document, six formats. Pure functions of the document; printers never query anything.

import Foundation

public struct RenderOptions: Sendable {
    /// ANSI styling for the table (the caller decides: terminal, NO_COLOR).
    public var color: Bool
    public init(color: Bool = false) { self.color = color }
}

public func render(_ doc: Document, format: OutputFormat, options: RenderOptions = RenderOptions()) -> String {
    switch format {
    case .csv: return renderDelimited(doc, separator: ",")
    case .tsv: return renderDelimited(doc, separator: "\t")
    case .json: return renderJSON(documentJSON(doc)) + "\n"
    case .jsonl: return doc.rows.map { renderJSON(rowJSON(doc.columns, $0), pretty: false) + "\n" }.joined()
    case .markdown: return renderMarkdown(doc)
    case .table: return renderTable(doc, color: options.color)
    }
}

// MARK: Numbers

/// A cost or share with exactly 6 decimals, never in exponent form.
func fixed6(_ v: Double) -> String {
    let s = String(format: "%.6f", v)
    return s == "-0.000000" ? "0.000000" : s
}

/// Groups digits with commas: 1234567 → 1,234,567.
func withSeparators(_ digits: String) -> String {
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

// MARK: CSV / TSV

/// RFC 4180 (comma) or TSV (tab, no quoting). Lines end with `\n`: what spreadsheets and Unix tools
/// both accept.
func renderDelimited(_ doc: Document, separator: Character) -> String {
    func field(_ s: String) -> String {
        if separator == "\t" {
            return String(s.map { $0 == "\t" || $0 == "\n" || $0 == "\r" ? " " : $0 })
        }
        if s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
            return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return s
    }
    func cell(_ c: Cell, _ kind: ColumnKind) -> String {
        switch c {
        case .text(let v): return field(v ?? "")
        case .int(let v): return v.map { String($0) } ?? ""
        case .number(let v): return v.map(fixed6) ?? ""
        }
    }
    var out = doc.columns.map { field($0.name) }.joined(separator: String(separator)) + "\n"
    for row in doc.rows {
        out += zip(row, doc.columns).map { cell($0, $1.kind) }.joined(separator: String(separator)) + "\n"
    }
    return out
}

// MARK: JSON

extension Cell {
    /// The cell as a JSON value: typed numbers (rounded to 6 decimals), null when absent.
    public var json: JSONValue { cellJSON(self, .dimension) }
}

func cellJSON(_ c: Cell, _ kind: ColumnKind) -> JSONValue {
    switch c {
    case .text(let v): return v.map { .string($0) } ?? .null
    case .int(let v): return v.map { .int($0) } ?? .null
    case .number(let v):
        guard let v else { return .null }
        return .number((v * 1_000_000).rounded() / 1_000_000)
    }
}

func rowJSON(_ columns: [Column], _ row: [Cell]) -> JSONValue {
    .object(zip(columns, row).map { ($0.name, cellJSON($1, $0.kind)) })
}

func documentJSON(_ doc: Document) -> JSONValue {
    var members: [(String, JSONValue)] = [("rows", .array(doc.rows.map { rowJSON(doc.columns, $0) }))]
    if let totals = doc.totals {
        let pairs = zip(doc.columns, totals).filter { $0.0.kind != .dimension && $0.0.kind != .identity }
        members.append(("totals", .object(pairs.map { ($0.0.name, cellJSON($0.1, $0.0.kind)) })))
    }
    members += doc.extras
    return .object(members)
}

func escapeJSON(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where u.value < 0x20:
            out += String(format: "\\u%04x", u.value)
        default: out.unicodeScalars.append(u)
        }
    }
    return out + "\""
}

func numberJSON(_ v: Double) -> String {
    guard v.isFinite else { return "null" }
    if v == v.rounded() && abs(v) < 1e15 { return String(Int64(v)) }
    var s = String(format: "%.6f", v)
    while s.hasSuffix("0") { s.removeLast() }
    if s.hasSuffix(".") { s.removeLast() }
    return s
}

/// Renders JSON: pretty (2-space indent) or compact.
public func renderJSON(_ value: JSONValue, pretty: Bool = true) -> String {
    var out = ""
    func write(_ v: JSONValue, _ indent: Int) {
        let pad = pretty ? String(repeating: "  ", count: indent + 1) : ""
        let close = pretty ? String(repeating: "  ", count: indent) : ""
        let nl = pretty ? "\n" : ""
        switch v {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .number(let d): out += numberJSON(d)
        case .string(let s): out += escapeJSON(s)
        case .array(let items):
            if items.isEmpty {
                out += "[]"
                return
            }
            out += "[" + nl
            for (i, item) in items.enumerated() {
                out += pad
                write(item, indent + 1)
                out += (i < items.count - 1 ? "," : "") + nl
            }
            out += close + "]"
        case .object(let members):
            if members.isEmpty {
                out += "{}"
                return
            }
            out += "{" + nl
            for (i, (k, item)) in members.enumerated() {
                out += pad + escapeJSON(k) + (pretty ? ": " : ":")
                write(item, indent + 1)
                out += (i < members.count - 1 ? "," : "") + nl
            }
            out += close + "}"
        }
    }
    write(value, 0)
    return out
}

// MARK: Table and Markdown

func humanCell(_ c: Cell, _ kind: ColumnKind) -> String {
    switch c {
    case .text(let v):
        if let v { return v }
        return kind == .identity ? "(none)" : ""
    case .int(let v):
        // Counts get separators; integers in a dimension column (epoch ms, ids, status) stay as they are.
        return v.map { kind == .count ? withSeparators(String($0)) : String($0) } ?? ""
    case .number(let v):
        switch kind {
        case .cost: return v.map { "$" + withSeparators(String(format: "%.2f", $0)) } ?? "unpriced"
        case .share: return v.map { String(format: "%.1f%%", $0 * 100) } ?? ""
        default: return v.map { withSeparators(String(format: "%.2f", $0)) } ?? ""
        }
    }
}

private func isNumeric(_ kind: ColumnKind) -> Bool { kind == .count || kind == .cost || kind == .share }

/// Display width: East Asian wide and fullwidth characters take two cells.
func displayWidth(_ s: String) -> Int {
    var w = 0
    for u in s.unicodeScalars {
        let v = u.value
        if v < 0x20 || (0x300...0x36F).contains(v) || v == 0x200B { continue }
        let wide = (0x1100...0x115F).contains(v) || (0x2E80...0xA4CF).contains(v) || (0xAC00...0xD7A3).contains(v)
            || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v) || (0xFF00...0xFF60).contains(v)
            || (0xFFE0...0xFFE6).contains(v) || (0x1F300...0x1FAFF).contains(v) || (0x20000...0x3FFFD).contains(v)
        w += wide ? 2 : 1
    }
    return w
}

func renderTable(_ doc: Document, color: Bool) -> String {
    var lines: [[String]] = [doc.columns.map(\.name)]
    lines += doc.rows.map { zip($0, doc.columns).map { humanCell($0, $1.kind) } }
    var totalsLine: [String]?
    if let totals = doc.totals {
        var t = zip(totals, doc.columns).map { humanCell($0, $1.kind == .identity ? .dimension : $1.kind) }
        if !t.isEmpty { t[0] = "total" }
        totalsLine = t
    }
    var widths = doc.columns.map { _ in 0 }
    for line in lines + (totalsLine.map { [$0] } ?? []) {
        for (i, s) in line.enumerated() { widths[i] = max(widths[i], displayWidth(s)) }
    }
    func format(_ line: [String]) -> String {
        var parts: [String] = []
        for (i, s) in line.enumerated() {
            let pad = String(repeating: " ", count: widths[i] - displayWidth(s))
            parts.append(isNumeric(doc.columns[i].kind) ? pad + s : s + pad)
        }
        var text = parts.joined(separator: "  ")
        while text.hasSuffix(" ") { text.removeLast() }
        return text
    }
    let bold = color ? "\u{1B}[1m" : ""
    let dim = color ? "\u{1B}[2m" : ""
    let reset = color ? "\u{1B}[0m" : ""
    let rule = dim + widths.map { String(repeating: "─", count: $0) }.joined(separator: "  ") + reset
    var out = ""
    if let title = doc.title { out += bold + title + reset + "\n" }
    out += bold + format(lines[0]) + reset + "\n" + rule + "\n"
    if doc.rows.isEmpty { out += "(no rows)\n" }
    for line in lines.dropFirst() { out += format(line) + "\n" }
    if let totalsLine {
        out += rule + "\n" + bold + format(totalsLine) + reset + "\n"
    }
    return out
}

func renderMarkdown(_ doc: Document) -> String {
    func escape(_ s: String) -> String { s.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ") }
    var out = ""
    if let title = doc.title { out += "### \(escape(title))\n\n" }
    out += "| " + doc.columns.map { escape($0.name) }.joined(separator: " | ") + " |\n"
    out += "|" + doc.columns.map { isNumeric($0.kind) ? " ---: |" : " --- |" }.joined() + "\n"
    for row in doc.rows {
        out += "| " + zip(row, doc.columns).map { escape(humanCell($0, $1.kind)) }.joined(separator: " | ") + " |\n"
    }
    if let totals = doc.totals {
        var cells = zip(totals, doc.columns).map { escape(humanCell($0, $1.kind == .identity ? .dimension : $1.kind)) }
        if !cells.isEmpty { cells[0] = "**Total**" }
        out += "| " + cells.joined(separator: " | ") + " |\n"
    }
    return out
}
