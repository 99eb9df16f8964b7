// CSV (RFC 4180) and TSV for programs and spreadsheets: a header row, plain numbers, no totals.

import Foundation

public struct DelimitedPrinter: SectionPrinter {
    /// `,` for CSV, a tab for TSV.
    public var separator: Character
    public init(separator: Character) { self.separator = separator }

    var format: OutputFormat { separator == "\t" ? .tsv : .csv }

    public func render(_ document: Document) -> String { renderSections(document) }

    func renderSection(_ section: Section) -> String {
        switch section.content {
        case .table(let table):
            return renderTable(table)
        case .fields(let fields, let nameHeader, let valueHeader):
            return renderTable(fieldsTable(fields, nameHeader: nameHeader, valueHeader: valueHeader, value: plainCell))
        case .text(let lines):
            return textLines(lines)
        }
    }

    /// CSV quotes a field holding a comma, quote or line break; TSV cannot quote, so such characters become spaces.
    func field(_ s: String) -> String {
        if separator == "\t" {
            return String(s.map { $0 == "\t" || $0 == "\n" || $0 == "\r" ? " " : $0 })
        }
        if s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
            return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return s
    }

    /// Lines end with `\n`: what spreadsheets and Unix tools both accept.
    func renderTable(_ table: Table) -> String {
        let sep = String(separator)
        var out = table.columns.map { field($0.name) }.joined(separator: sep) + "\n"
        for row in table.rows {
            out += zip(row, table.columns).map { field(plainCell($0, $1.kind)) }.joined(separator: sep) + "\n"
        }
        return out
    }
}
