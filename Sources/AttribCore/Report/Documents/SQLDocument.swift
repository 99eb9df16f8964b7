// `sql` as a document: the columns and rows of a read-only query, as they came.

extension Reports {
    /// Every column is a dimension: SQLite has no column kinds to go by.
    public static func document(columns: [String], rows: [[Cell]]) -> Document {
        Document(Table(columns: columns.map { Column($0, .dimension) }, rows: rows))
    }
}
