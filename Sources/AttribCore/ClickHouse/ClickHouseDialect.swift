// The SQL dialect for ClickHouse: plans render against the `attrib_requests` view of `attrib clickhouse
// schema`, whose columns hold text, not dictionary ids. Time buckets use ClickHouse's own zone data
// (the SQLite store reads the zone's offsets from a table attrib computes for the store's time range;
// a ClickHouse query must hold for any data, so it asks the engine).

import Foundation

struct ClickHouseDialect: SQLDialect {
    /// The query's zone (for time buckets).
    var zone: TimeZone

    /// Stands for a parameter until `ClickHouseSQL.inline` writes the value in its place: a ClickHouse
    /// query printed for `clickhouse-client` carries its values as literals.
    static let marker = "\u{1}?\u{1}"

    func text(ofId expression: String) -> String { expression }

    /// Never asked: attrib lines writes no metadata tags, and `--sql` refuses a `meta.KEY` dimension.
    func tag(_ key: String) -> String { "CAST(NULL AS Nullable(String))" }

    func quarterHour(ofMillis expression: String) -> String { "intDiv(\(expression), 900000)" }

    func bucketLabel(_ bucket: TimeBucket, seconds: String, offset: String) -> String {
        let local = offset == "0" ? seconds : "\(seconds) + \(offset)"
        let time = "toDateTime(\(local), 'UTC')"
        switch bucket {
        case .hour: return "formatDateTime(\(time), '%Y-%m-%dT%H:00')"
        case .day: return "formatDateTime(\(time), '%Y-%m-%d')"
        case .week: return "toString(toMonday(\(time)))"
        case .month: return "formatDateTime(\(time), '%Y-%m')"
        }
    }

    /// The zone's offset at `seconds` from ClickHouse's time zone data (0 in UTC).
    func offset(at seconds: String, _ offsets: ZoneOffsets) -> String {
        if zone.identifier == "UTC" || zone.identifier == "GMT" { return "0" }
        return "timeZoneOffset(toDateTime(\(seconds), \(Self.literal(zone.identifier))))"
    }

    func glob(_ expression: String, pattern: String) -> String { "match(\(expression), \(pattern))" }

    /// fnmatch rules as an anchored RE2 pattern: `*` any run (line breaks too), `?` one character,
    /// `[...]`/`[!...]` a class, a backslash escapes; a `[` that never closes is a literal `[`, and a
    /// trailing lone backslash matches nothing, as in fnmatch.
    func globPattern(_ fnmatch: String) -> String {
        guard let pieces = GlobPiece.parse(fnmatch) else { return "(?s)[^\\x00-\\x{10FFFF}]" }  // matches nothing
        func literal(_ ch: Character) -> String {
            "\\.+*?()|[]{}^$".contains(ch) ? "\\" + String(ch) : String(ch)
        }
        let body = pieces.map { piece in
            switch piece {
            case .anyRun: return ".*"
            case .anyOne: return "."
            case .literal(let c): return literal(c)
            case .set(let negated, let members):
                let escaped = members.map { "\\[]^".contains($0) ? "\\" + String($0) : String($0) }.joined()
                return "[" + (negated ? "^" : "") + escaped + "]"
            }
        }.joined()
        return "(?s)^" + body + "$"
    }

    func values(_ rows: [[SQLValue]]) -> String {
        "VALUES " + rows.map { "(" + $0.map(Self.literal).joined(separator: ", ") + ")" }.joined(separator: ", ")
    }

    var parameter: String { Self.marker }

    /// `toString` keeps NULL (a CAST of a NULL to String fails in ClickHouse).
    func text(ofInteger expression: String) -> String { "toString(\(expression))" }

    func table(_ table: SelectPlan.Table) -> String { "attrib_requests" }

    func bitAnd(_ expression: String, _ mask: Int64) -> String { "bitAnd(\(expression), \(mask))" }

    func hasBits(_ expression: String, _ mask: Int64) -> String { "bitAnd(\(expression), \(mask)) != 0" }

    /// Through the exported model → key table (`attrib clickhouse keys`): attrib's lookup rules run
    /// in Swift once per model id, never a second time in SQL.
    func priceKey(ofModel modelText: String, _ plan: SelectPlan) -> String {
        "coalesce(nullIf(joinGet('attrib_model_keys', 'key', ifNull(\(modelText), '')), ''), \(modelText))"
    }

    var declaresConstantTables: Bool { false }

    static func literal(_ v: SQLValue) -> String {
        switch v {
        case .int(let i): return String(i)
        case .text(let s): return literal(s)
        }
    }

    static func literal(_ s: String) -> String {
        "'" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'"
    }
}
