// `mappings` as a document: the built-in field mappings, how each recognises its lines, and its description.

extension Reports {
    /// One row per built-in mapping, in the order files are tried (the default, the router's, first).
    public static func mappingsDocument() -> Document {
        let columns = [
            Column("mapping", .dimension), Column("recognized_by", .dimension), Column("description", .dimension),
        ]
        let rows: [[Cell]] = FieldMapping.builtIns.sorted { a, b in
            (a.recognize.isEmpty ? 0 : 1, a.name) < (b.recognize.isEmpty ? 0 : 1, b.name)
        }.map { m in
            [.text(m.name), .text(recognizedBy(m)), .text(m.description)]
        }
        return Document(Table(columns: columns, rows: rows))
    }

    /// `schemaType = "ModelInvocationLog"`, alternatives joined by `or`; the default when it has no rule.
    static func recognizedBy(_ m: FieldMapping) -> String {
        if m.recognize.isEmpty { return "(default)" }
        return m.recognize.map { all in
            all.map { c in
                let path = c.path.joined(separator: ".")
                return c.equals.map { "\(path) = \($0)" } ?? "\(path) present"
            }.joined(separator: " and ")
        }.joined(separator: " or ")
    }
}
