// What `attrib sql` says about the SQL it refuses: the statement's first keyword, whether a remainder
// holds anything but spaces and comments, and a short excerpt.

enum SQLText {
    /// The text with its leading spaces and comments (`-- ...` to the line end, `/* ... */`) removed.
    static func withoutLeadingComments(_ sql: Substring) -> Substring {
        var s = sql
        while true {
            s = s.drop { $0.isWhitespace || $0 == ";" }
            if s.hasPrefix("--") {
                s = s.drop { $0 != "\n" }
            } else if s.hasPrefix("/*") {
                guard let end = s.range(of: "*/") else { return s[s.endIndex...] }
                s = s[end.upperBound...]
            } else {
                return s
            }
        }
    }

    /// True when `sql` holds no statement: only spaces, semicolons and comments.
    static func isEmpty(_ sql: String) -> Bool { withoutLeadingComments(sql[...]).isEmpty }

    /// The statement's first word, upper-cased (`ATTACH`, `DELETE`), or `the statement`.
    static func firstKeyword(_ sql: String) -> String {
        let word = withoutLeadingComments(sql[...]).prefix { $0.isLetter }
        return word.isEmpty ? "the statement" : word.uppercased()
    }

    /// The statement's text without leading spaces and comments, on one line, at most 80 characters.
    static func excerpt(_ sql: String) -> String {
        let text = withoutLeadingComments(sql[...]).split(whereSeparator: \.isNewline).joined(separator: " ")
        return text.count > 80 ? text.prefix(79) + "…" : text
    }
}
