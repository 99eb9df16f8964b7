// What differs between SQL engines when a query plan is rendered: how ids become text, how a time
// bucket is labelled, how a glob is matched. SQLite is the store's engine; a ClickHouse dialect renders
// the same plans for `attrib lines` output (SPEC §6a).

/// A value bound to a query parameter.
public enum SQLValue: Sendable, Equatable {
    case int(Int64)
    case text(String)
}

/// A zone's offsets from UTC over a time range: one entry for a fixed offset, else one per change
/// (its first entry starts at the beginning of time).
struct ZoneOffsets: Sendable, Equatable {
    var changes: [(fromSeconds: Int64, offsetSeconds: Int64)]

    static func == (a: ZoneOffsets, b: ZoneOffsets) -> Bool {
        a.changes.count == b.changes.count && zip(a.changes, b.changes).allSatisfy { $0 == $1 }
    }

    var isFixed: Bool { changes.count <= 1 }
    var fixedOffset: Int64 { changes.first?.offsetSeconds ?? 0 }
}

protocol SQLDialect {
    /// The dictionary id of a request's metadata tag `key` (a request-table query).
    func tag(_ key: String) -> String
    /// The text of a dictionary id (`expression` is an id column), or the column itself where the
    /// engine stores text.
    func text(ofId expression: String) -> String
    /// The quarter hour (15 minutes since the epoch) of an epoch-ms column: fine enough for any zone's
    /// offset, some of which are :30 or :45.
    func quarterHour(ofMillis expression: String) -> String
    /// The label of the bucket holding `seconds` (an epoch-seconds expression), in a zone whose offset
    /// at that time is `offset` (a seconds expression).
    func bucketLabel(_ bucket: TimeBucket, seconds: String, offset: String) -> String
    /// The zone's offset at `seconds`, reading the `zone_offset` table the plan declares when the offset
    /// changes.
    func offset(at seconds: String, _ offsets: ZoneOffsets) -> String
    /// True when `expression` matches the glob parameter `pattern` (fnmatch rules: `*`, `?`, `[...]`,
    /// `[!...]`, backslash escapes).
    func glob(_ expression: String, pattern: String) -> String
    /// A glob pattern (fnmatch rules) in the form `glob` expects.
    func globPattern(_ fnmatch: String) -> String
    /// Rows of a constant table, for a `WITH name(columns) AS (...)`.
    func values(_ rows: [[SQLValue]]) -> String
    /// A parameter placeholder.
    var parameter: String { get }
    /// An integer column as text (absent stays absent).
    func text(ofInteger expression: String) -> String
    /// The table (or view) that holds what a plan's table stands for.
    func table(_ table: SelectPlan.Table) -> String
    /// `expression & mask` as an integer.
    func bitAnd(_ expression: String, _ mask: Int64) -> String
    /// True (in a CASE) when `expression` has any bit of `mask`.
    func hasBits(_ expression: String, _ mask: Int64) -> String
    /// The price-table key of the model whose text is `modelText` (the text itself when it has none).
    func priceKey(ofModel modelText: String, _ plan: SelectPlan) -> String
    /// True when the plan's constants (zone offsets, price keys) are declared as tables in a WITH clause.
    var declaresConstantTables: Bool { get }
}

extension SQLDialect {
    /// The non-null values of an integer expression over a group, as comma-separated text (latencies for
    /// percentiles, which the runner computes). A dialect without `group_concat` overrides it.
    func list(_ expression: String) -> String { "group_concat(\(expression))" }
}

struct SQLiteDialect: SQLDialect {
    func text(ofId expression: String) -> String { "(SELECT value FROM dict WHERE id = \(expression))" }

    func tag(_ key: String) -> String {
        let literal = "'" + key.replacingOccurrences(of: "'", with: "''") + "'"
        return
            "(SELECT t.value FROM request_tag t WHERE t.request = request.id AND t.key = (SELECT id FROM dict WHERE value = \(literal)))"
    }

    func quarterHour(ofMillis expression: String) -> String { "(\(expression) / 900000)" }

    func bucketLabel(_ bucket: TimeBucket, seconds: String, offset: String) -> String {
        let local = offset == "0" ? seconds : "\(seconds) + \(offset)"
        switch bucket {
        case .hour: return "strftime('%Y-%m-%dT%H:00', \(local), 'unixepoch')"
        case .day: return "strftime('%Y-%m-%d', \(local), 'unixepoch')"
        // The Monday on or before the day: back six days, then forward to a Monday.
        case .week: return "date(\(local), 'unixepoch', '-6 days', 'weekday 1')"
        case .month: return "strftime('%Y-%m', \(local), 'unixepoch')"
        }
    }

    func offset(at seconds: String, _ offsets: ZoneOffsets) -> String {
        if offsets.isFixed { return String(offsets.fixedOffset) }
        return "(SELECT offset_s FROM zone_offset WHERE from_s <= \(seconds) ORDER BY from_s DESC LIMIT 1)"
    }

    func glob(_ expression: String, pattern: String) -> String { "\(expression) GLOB \(pattern)" }

    /// SQLite's GLOB has no escape character and negates a class with `^`: an escaped wildcard becomes
    /// a one-character class, `[!` becomes `[^`, a `[` that never closes is a literal `[`, and a
    /// trailing lone backslash matches nothing, as in fnmatch.
    func globPattern(_ fnmatch: String) -> String {
        // A lone trailing backslash matches nothing; neither does GLOB with an unclosed `[`.
        guard let pieces = GlobPiece.parse(fnmatch) else { return "[" }
        return pieces.map { piece in
            switch piece {
            case .anyRun: return "*"
            case .anyOne: return "?"
            // GLOB has no escape character: a wildcard taken literally becomes a one-character class.
            case .literal(let c): return "*?[".contains(c) ? "[\(c)]" : String(c)
            case .set(let negated, let body): return "[" + (negated ? "^" : "") + String(body) + "]"
            }
        }.joined()
    }

    func values(_ rows: [[SQLValue]]) -> String {
        "VALUES "
            + rows.map { row in
                "("
                    + row.map { v in
                        switch v {
                        case .int(let i): return String(i)
                        case .text(let s): return "'" + s.replacingOccurrences(of: "'", with: "''") + "'"
                        }
                    }.joined(separator: ", ") + ")"
            }.joined(separator: ", ")
    }

    var parameter: String { "?" }

    func text(ofInteger expression: String) -> String { "CAST(\(expression) AS TEXT)" }

    func table(_ table: SelectPlan.Table) -> String { table.rawValue }

    func bitAnd(_ expression: String, _ mask: Int64) -> String { "(\(expression) & \(mask))" }

    func hasBits(_ expression: String, _ mask: Int64) -> String { "\(expression) & \(mask)" }

    func priceKey(ofModel modelText: String, _ plan: SelectPlan) -> String {
        plan.priceKeys.isEmpty
            ? modelText : "coalesce((SELECT key FROM price_key WHERE model_id = \(modelText)), \(modelText))"
    }

    var declaresConstantTables: Bool { true }
}
