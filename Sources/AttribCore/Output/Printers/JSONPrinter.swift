// JSON for programs: one object per document (typed numbers, null when absent), or JSON lines, one row each.

import Foundation

/// One JSON object: each section at its `JSONLayout` place, then the document's extras.
public struct JSONPrinter: DocumentPrinter {
    public init() {}

    public func render(_ document: Document) -> String {
        renderJSON(value(document)) + "\n"
    }

    func value(_ document: Document) -> JSONValue {
        var members: [(String, JSONValue)] = []
        for section in document.sections(in: .json) {
            switch (section.content, section.json) {
            case (.table(let table), .rows):
                members.append(("rows", .array(table.rows.map { rowJSON(table.columns, $0) })))
                if let totals = table.totals {
                    let pairs = zip(table.columns, totals).filter { $0.0.kind != .dimension && $0.0.kind != .identity }
                    members.append(("totals", .object(pairs.map { ($0.0.name, cellJSON($0.1, $0.0.kind)) })))
                }
            case (.table(let table), .array(let key)):
                members.append((key, .array(table.rows.map { rowJSON(table.columns, $0) })))
            case (.table(let table), .record(let key)):
                members.append((key, table.rows.first.map { rowJSON(table.columns, $0) } ?? .null))
            case (.table(let table), .topLevel):
                if let row = table.rows.first, case .object(let pairs) = rowJSON(table.columns, row) {
                    members += pairs
                }
            case (.fields(let fields, _, _), .topLevel), (.fields(let fields, _, _), .rows):
                members += fields.map { ($0.name, cellJSON($0.value, $0.kind)) }
            case (.fields(let fields, _, _), .array(let key)), (.fields(let fields, _, _), .record(let key)):
                members.append((key, .object(fields.map { ($0.name, cellJSON($0.value, $0.kind)) })))
            case (.text, _):
                continue
            }
        }
        return .object(members + document.extras)
    }
}

/// JSON lines: every row of every table shown in JSONL as one compact object per line (fields as one
/// object, text as it is), sections separated by a blank line like the other text formats.
public struct JSONLinesPrinter: SectionPrinter {
    public init() {}

    var format: OutputFormat { .jsonl }

    public func render(_ document: Document) -> String { renderSections(document) }

    func renderSection(_ section: Section) -> String {
        switch section.content {
        case .table(let table):
            return table.rows.map { renderJSON(rowJSON(table.columns, $0), pretty: false) + "\n" }.joined()
        case .fields(let fields, _, _):
            return renderJSON(.object(fields.map { ($0.name, cellJSON($0.value, $0.kind)) }), pretty: false) + "\n"
        case .text(let lines):
            return textLines(lines)
        }
    }
}

/// A cell as a JSON value: typed numbers (rounded to 6 decimals), null when absent.
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
