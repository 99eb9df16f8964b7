// The table for people on a terminal: aligned columns, separators, a totals line, optional ANSI bold.

public struct TablePrinter: HumanTablePrinter {
    public var color: Bool
    /// The terminal's width in columns: a wider table is fitted into it (see TableFit); nil: no limit.
    public var width: Int?
    public init(color: Bool = false, width: Int? = nil) {
        self.color = color
        self.width = width
    }

    var format: OutputFormat { .table }

    public func render(_ document: Document) -> String { renderSections(document) }

    func renderTable(_ table: Table, title: String?) -> String {
        let columns = table.columns
        var lines: [[String]] = [columns.map(\.name)]
        lines += table.rows.map { zip($0, columns).map { humanCell($0, $1.kind) } }
        var totalsLine: [String]?
        if let totals = table.totals {
            var t = zip(totals, columns).map { humanCell($0, $1.kind == .identity ? .dimension : $1.kind) }
            if !t.isEmpty { t[0] = "total" }
            totalsLine = t
        }
        var numeric = columns.map(\.kind.isNumeric)
        var fitNote: [String] = []
        if let width {
            var fit = TableFit(lines: lines + (totalsLine.map { [$0] } ?? []), numeric: numeric)
            fit.fit(width)
            lines = Array(fit.lines.prefix(lines.count))
            totalsLine = totalsLine == nil ? nil : fit.lines.last
            numeric = fit.numeric
            fitNote = fit.note(width: width)
        }
        var widths = numeric.map { _ in 0 }
        for line in lines + (totalsLine.map { [$0] } ?? []) {
            for (i, s) in line.enumerated() { widths[i] = max(widths[i], displayWidth(s)) }
        }
        func format(_ line: [String]) -> String {
            var parts: [String] = []
            for (i, s) in line.enumerated() {
                let pad = String(repeating: " ", count: widths[i] - displayWidth(s))
                parts.append(numeric[i] ? pad + s : s + pad)
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
        if let title { out += bold + title + reset + "\n" }
        out += bold + format(lines[0]) + reset + "\n" + rule + "\n"
        if table.rows.isEmpty { out += "(no rows)\n" }
        for line in lines.dropFirst() { out += format(line) + "\n" }
        if let totalsLine {
            out += rule + "\n" + bold + format(totalsLine) + reset + "\n"
        }
        if let footer = table.footer { out += footer + "\n" }
        for line in fitNote { out += dim + line + reset + "\n" }
        return out
    }
}
