// `sources` as a document: one row per input read, the store's totals as JSON keys and a line under the table.

extension Reports {
    /// `summaryLine` puts the store's totals in one line under the table (the table format only; `--quiet` drops it).
    public static func document(_ s: StoreSummary, summaryLine: Bool = true) -> Document {
        let columns = [
            Column("path", .dimension), Column("shape", .dimension), Column("compression", .dimension),
            Column("bytes", .count), Column("events", .count), Column("new_events", .count),
            Column("duplicates", .count), Column("rejects", .count), Column("complete", .dimension),
            Column("first", .dimension), Column("last", .dimension),
        ]
        let rows: [[Cell]] = s.sources.map { src in
            [
                .text(src.path), .text(src.shape), .text(src.compression), .int(src.bytes), .int(src.events),
                .int(src.newEvents),
                .int(src.duplicates), .int(src.rejects), .text(src.complete ? "yes" : "no"),
                .text(src.firstMs.map(formatISOTimestamp)), .text(src.lastMs.map(formatISOTimestamp)),
            ]
        }
        let extras: [(String, JSONValue)] = [
            ("events", .int(s.events)), ("requests", .int(s.requests)), ("model_requests", .int(s.modelRequests)),
            ("rejects", .int(s.rejects)),
            ("first", s.firstMs.map { .string(formatISOTimestamp($0)) } ?? .null),
            ("last", s.lastMs.map { .string(formatISOTimestamp($0)) } ?? .null),
        ]
        var footer: String?
        if summaryLine {
            let range = "\(s.firstMs.map(formatISOTimestamp) ?? "-") .. \(s.lastMs.map(formatISOTimestamp) ?? "-")"
            footer =
                "\(withSeparators(s.events)) events, \(withSeparators(s.requests)) requests "
                + "(\(withSeparators(s.modelRequests)) model requests), \(withSeparators(s.rejects)) rejects; \(range)"
        }
        return Document(Table(columns: columns, rows: rows, footer: footer), extras: extras)
    }
}
