// What every printer takes: one result type, several printers (table, CSV, TSV, JSON, JSONL, Markdown).

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

/// A table of results with optional totals, plus extra keys for JSON.
public struct Document: Sendable {
    public var title: String?
    public var columns: [Column]
    public var rows: [[Cell]]
    /// Totals aligned with `columns` (dimension cells are `.text(nil)`); shown as the table's last
    /// line and as JSON's `totals` object. Never printed in CSV/TSV.
    public var totals: [Cell]?
    /// Extra top-level JSON keys after `rows` and `totals`, in order.
    public var extras: [(String, JSONValue)]

    public init(title: String? = nil, columns: [Column], rows: [[Cell]], totals: [Cell]? = nil,
                extras: [(String, JSONValue)] = []) {
        self.title = title
        self.columns = columns
        self.rows = rows
        self.totals = totals
        self.extras = extras
    }
}

public enum OutputFormat: String, CaseIterable, Sendable {
    case table, csv, tsv, json, jsonl, markdown
}
