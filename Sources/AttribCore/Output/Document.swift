// What every printer takes: a result as sections of tables, named values and text, whatever the format.

/// The kind of a column decides how printers format and align it.
public enum ColumnKind: Sendable, Equatable {
    /// A grouping value such as a model id or a day. Absent prints as empty (CSV) / "" (table).
    case dimension
    /// An identity value (user_email, user_sub, ...). Absent prints as `(none)` in a table.
    case identity
    /// A whole number (requests, tokens). Right-aligned with thousands separators in a table.
    case count
    /// US dollars. 6 decimals in CSV/TSV/JSON; 2 decimals with separators in a table. Absent = unpriced.
    case cost
    /// A fraction from 0 to 1. Printed as a percentage in a table, as a plain number elsewhere.
    case share
    /// A plain number shown with a fixed number of decimals in a table and CSV/TSV (prices per million
    /// tokens: 0.6000); a typed number in JSON.
    case decimal(places: Int)

    /// Numbers are right-aligned in a table and a Markdown table.
    var isNumeric: Bool {
        switch self {
        case .count, .cost, .share, .decimal: return true
        case .dimension, .identity: return false
        }
    }
}

public struct Column: Sendable, Equatable {
    public var name: String
    public var kind: ColumnKind
    public init(_ name: String, _ kind: ColumnKind) {
        self.name = name
        self.kind = kind
    }
}

/// One cell; `nil` payloads are absent values (empty in CSV, `null` in JSON).
public enum Cell: Sendable, Equatable {
    case text(String?)
    case int(Int64?)
    case number(Double?)
}

/// A JSON value for the extra top-level keys of a JSON document (e.g. `unpriced_models`).
public indirect enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int64)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.int(let x), .int(let y)): return x == y
        case (.number(let x), .number(let y)): return x == y
        case (.string(let x), .string(let y)): return x == y
        case (.array(let x), .array(let y)): return x == y
        case (.object(let x), .object(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }
}

/// Rows under named, typed columns, with optional totals.
public struct Table: Sendable {
    public var columns: [Column]
    public var rows: [[Cell]]
    /// Totals aligned with `columns` (dimension cells are `.text(nil)`); shown as the table's last
    /// line and as JSON's `totals` object. Never printed in CSV/TSV.
    public var totals: [Cell]?
    /// One line for people under the table, in the table format only (e.g. what the store holds in all).
    public var footer: String?

    public init(columns: [Column], rows: [[Cell]], totals: [Cell]? = nil, footer: String? = nil) {
        self.columns = columns
        self.rows = rows
        self.totals = totals
        self.footer = footer
    }
}

/// One named value of a `fields` section.
public struct Field: Sendable {
    public var name: String
    public var value: Cell
    public var kind: ColumnKind
    public init(_ name: String, _ value: Cell, _ kind: ColumnKind) {
        self.name = name
        self.value = value
        self.kind = kind
    }
}

public enum SectionContent: Sendable {
    /// A table of rows.
    case table(Table)
    /// Named values (totals). For people: a two-column table headed `nameHeader`, `valueHeader`,
    /// an absent text value shown as `(none)`; in JSON: one key per field.
    case fields([Field], nameHeader: String, valueHeader: String)
    /// Lines printed as they are (a request's raw log lines). Text has no JSON form: a document that
    /// wants the same content in JSON gives it a table section shown only in JSON.
    case text([String])
}

/// Where a section goes in the JSON object of its document.
public enum JSONLayout: Sendable, Equatable {
    /// `"rows": [...]`, then `"totals": {...}` when the table has totals: every one-table command.
    case rows
    /// `key: [row, ...]`.
    case array(String)
    /// `key: {first row}`, or `key: null` without rows: a section that describes one thing.
    case record(String)
    /// The fields as top-level keys (`gaps` totals).
    case topLevel
}

/// A titled part of a document, shown in some or all formats.
public struct Section: Sendable {
    /// A heading above the section in the table and Markdown formats.
    public var title: String?
    public var content: SectionContent
    public var json: JSONLayout
    /// The formats that print this section.
    public var formats: Set<OutputFormat>

    public init(
        title: String? = nil, _ content: SectionContent, json: JSONLayout = .rows,
        formats: Set<OutputFormat> = Set(OutputFormat.allCases)
    ) {
        self.title = title
        self.content = content
        self.json = json
        self.formats = formats
    }
}

/// A command's result, ready for any printer: its sections in order, plus extra keys for JSON.
/// Printers other than JSON separate the sections they print with one blank line.
public struct Document: Sendable {
    public var sections: [Section]
    /// Extra top-level JSON keys after the sections, in order (e.g. `unpriced_models`, `prices`).
    public var extras: [(String, JSONValue)]
    /// Lines for people about where the numbers come from; the CLI writes them on stderr under a table.
    public var notes: [String]

    public init(sections: [Section], extras: [(String, JSONValue)] = [], notes: [String] = []) {
        self.sections = sections
        self.extras = extras
        self.notes = notes
    }

    /// A document of one table: JSON `{"rows": [...], "totals": {...}, extras...}`.
    public init(_ table: Table, title: String? = nil, extras: [(String, JSONValue)] = [], notes: [String] = []) {
        self.init(sections: [Section(title: title, .table(table))], extras: extras, notes: notes)
    }

    /// The sections a format prints.
    public func sections(in format: OutputFormat) -> [Section] {
        sections.filter { $0.formats.contains(format) }
    }
}

public enum OutputFormat: String, CaseIterable, Sendable {
    case table, csv, tsv, json, jsonl, markdown
}
