// `show` as a document: a request's raw lines, then the row attrib assembled from them.

extension Reports {
    /// For people (and CSV), the lines as text, `time  message`, then the row as a table; in JSON,
    /// `{"lines": [{"time", "statement", "message"}...], "request": {...}}`.
    public static func document(_ shown: ShownRequest) -> Document {
        let lines = Table(
            columns: [Column("time", .dimension), Column("statement", .dimension), Column("message", .dimension)],
            rows: shown.lines.map {
                [.text($0.timeMs.map(formatISOTimestamp)), .text($0.statement), .text($0.message)]
            })
        let text = shown.lines.map { "\($0.timeMs.map(formatISOTimestamp) ?? "-")  \($0.message)" }
        let request = Table(columns: shown.row.columns.map { Column($0, .dimension) }, rows: shown.row.rows)
        var people = Set(OutputFormat.allCases)
        people.remove(.json)
        return Document(sections: [
            Section(.table(lines), json: .array("lines"), formats: [.json]),
            Section(.text(text), formats: people),
            Section(.table(request), json: .record("request")),
        ])
    }
}
