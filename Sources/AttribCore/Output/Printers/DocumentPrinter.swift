// The entry point of the printers: one printer per format, each renders every command's document.

public struct RenderOptions: Sendable {
    /// ANSI styling for the table (the caller decides: terminal, NO_COLOR).
    public var color: Bool
    /// The terminal's width, for the table (nil: not a terminal, no limit).
    public var width: Int?
    public init(color: Bool = false, width: Int? = nil) {
        self.color = color
        self.width = width
    }
}

/// Turns a document into the text of one format. Pure: printers never query anything.
public protocol DocumentPrinter {
    func render(_ document: Document) -> String
}

/// The printer of a format.
public func printer(for format: OutputFormat, options: RenderOptions = RenderOptions()) -> any DocumentPrinter {
    switch format {
    case .table: return TablePrinter(color: options.color, width: options.width)
    case .csv: return DelimitedPrinter(separator: ",")
    case .tsv: return DelimitedPrinter(separator: "\t")
    case .json: return JSONPrinter()
    case .jsonl: return JSONLinesPrinter()
    case .markdown: return MarkdownPrinter()
    }
}

public func render(_ document: Document, format: OutputFormat, options: RenderOptions = RenderOptions()) -> String {
    printer(for: format, options: options).render(document)
}

/// A printer of a text format: prints the sections shown in its format one by one, separated by a blank line.
protocol SectionPrinter: DocumentPrinter {
    var format: OutputFormat { get }
    func renderSection(_ section: Section) -> String
}

extension SectionPrinter {
    func renderSections(_ document: Document) -> String {
        document.sections(in: format).map(renderSection).joined(separator: "\n")
    }
}

/// A printer for people (table, Markdown): fields print as a two-column table of their human text.
protocol HumanTablePrinter: SectionPrinter {
    func renderTable(_ table: Table, title: String?) -> String
}

extension HumanTablePrinter {
    func renderSection(_ section: Section) -> String {
        switch section.content {
        case .table(let table):
            return renderTable(table, title: section.title)
        case .fields(let fields, let nameHeader, let valueHeader):
            return renderTable(
                fieldsTable(fields, nameHeader: nameHeader, valueHeader: valueHeader, value: humanCell),
                title: section.title)
        case .text(let lines):
            return textLines(lines)
        }
    }
}

/// Named values as a two-column table of text, for the formats that show fields as a table.
func fieldsTable(_ fields: [Field], nameHeader: String, valueHeader: String, value: (Cell, ColumnKind) -> String)
    -> Table
{
    Table(
        columns: [Column(nameHeader, .dimension), Column(valueHeader, .dimension)],
        rows: fields.map { f in
            if case .text(nil) = f.value { return [.text(f.name), .text("(none)")] }
            return [.text(f.name), .text(value(f.value, f.kind))]
        })
}

/// Text lines, each ending with a newline.
func textLines(_ lines: [String]) -> String {
    lines.map { $0 + "\n" }.joined()
}
