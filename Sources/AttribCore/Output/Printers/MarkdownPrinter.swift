// GitHub-flavoured Markdown tables, for pasting into an issue or a wiki page.

import Foundation

public struct MarkdownPrinter: HumanTablePrinter {
    public init() {}

    var format: OutputFormat { .markdown }

    public func render(_ document: Document) -> String { renderSections(document) }

    /// A cell may not break the table: `|` is escaped and a newline becomes a space.
    func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }

    func renderTable(_ table: Table, title: String?) -> String {
        let columns = table.columns
        var out = ""
        if let title { out += "### \(escape(title))\n\n" }
        out += "| " + columns.map { escape($0.name) }.joined(separator: " | ") + " |\n"
        out += "|" + columns.map { $0.kind.isNumeric ? " ---: |" : " --- |" }.joined() + "\n"
        for row in table.rows {
            out += "| " + zip(row, columns).map { escape(humanCell($0, $1.kind)) }.joined(separator: " | ") + " |\n"
        }
        if let totals = table.totals {
            var cells = zip(totals, columns).map { escape(humanCell($0, $1.kind == .identity ? .dimension : $1.kind)) }
            if !cells.isEmpty { cells[0] = "**Total**" }
            out += "| " + cells.joined(separator: " | ") + " |\n"
        }
        return out
    }
}
