// `attrib clickhouse schema`: the tables `attrib lines` feeds and the view that assembles requests with
// attrib's own rules (Ingest/RequestAssembly.swift, `RequestDelta.merge`, is the written spec: every
// rule there is commutative and associative, so it is an aggregate ClickHouse can compute per request
// in any order, on any shard holding all of the request's lines). Also the price exports.

import Foundation

public enum ClickHouseSchema {
    /// The column types of `attrib_lines`, in `LineColumn` order.
    static func type(_ c: LineColumn) -> String {
        switch c {
        case .eventKey: return "Int64"
        case .timeMs, .status, .latencyMs: return "Nullable(Int64)"
        case .source: return "LowCardinality(String)"
        case .loggedCost: return "Nullable(Float64)"
        case .isJSON, .isUsage, .isMantle: return "UInt8"
        case .inputTokens, .outputTokens, .cacheReadTokens, .cacheWriteTokens: return "Int64"
        default: return "Nullable(String)"
        }
    }

    /// The DDL, for `clickhouse-client --multiquery` (statements end with `;`, one blank line between).
    public static var ddl: String {
        let columns = LineColumn.allCases.map { "    \($0.rawValue) \(type($0))" }.joined(separator: ",\n")
        return """
            -- attrib \(ClickHouseSchema.version): tables for `attrib lines` output and the requests view.
            -- One row per distinct event; a row delivered twice (a file read by two workers, a rerun) has the
            -- same event_key and counts once: merges keep one, and the view dedups by event_key before adding up.
            CREATE TABLE IF NOT EXISTS attrib_lines
            (
            \(columns)
            )
            ENGINE = ReplacingMergeTree
            ORDER BY event_key;

            -- attrib's price table, per token (attrib clickhouse prices [--prices FILE]).
            CREATE TABLE IF NOT EXISTS attrib_prices
            (
                key String,
                input_per_token Float64,
                output_per_token Float64,
                cache_read_per_token Float64,
                cache_write_per_token Float64,
                priced UInt8 DEFAULT 1
            )
            ENGINE = Join(ANY, LEFT, key);

            -- Each logged model id and the price key attrib's lookup rules resolve it to (exact key, ARN,
            -- geo prefix, provider forms, aliases), from attrib itself (attrib clickhouse keys).
            CREATE TABLE IF NOT EXISTS attrib_model_keys
            (
                model_id String,
                key String
            )
            ENGINE = Join(ANY, LEFT, model_id);

            \(requestsView);
            """
    }

    static let version = "clickhouse-schema-1"

    /// The sharding key of `attrib_lines` (docs/clickhouse.md): every line of a request has the same
    /// request_id, so a request is assembled on one shard; a usage line without one is a request of its
    /// own, placed by its event key (all copies of an event have the same key).
    public static let shardKey = "cityHash64(ifNull(request_id, toString(event_key)))"

    /// One row per request, assembled from its distinct lines by `source` and `request_id` (a usage line
    /// without request_id is a request of its own), with `RequestDelta.merge`'s rules: identity fields,
    /// model, method, path, user agent, log group and stream are the byte-wise smallest non-empty value;
    /// status and latency the largest; start the earliest time; tokens, logged cost and lines the sum; the
    /// flags (`RequestFlag`) the union, with a conflict bit per identity field holding two values.
    static var requestsView: String {
        let smallest = [
            ("user_email", "user_email"), ("user_sub", "user_sub"), ("auth_source", "auth_source"),
            ("user_id", "user_id"), ("api_key_id", "api_key_id"), ("project", "project"), ("model_id", "model"),
            ("method", "method"), ("path", "path"), ("user_agent", "user_agent"), ("log_group", "log_group"),
            ("log_stream", "log_stream"),
        ]
        let kept = LineColumn.allCases.filter { $0 != .eventKey && $0 != .logGroup && $0 != .logStream }
        let dedup =
            ["event_key AS l_event_key"] + kept.map { "any(\($0.rawValue)) AS l_\($0.rawValue)" }
            + ["min(log_group) AS l_log_group", "min(log_stream) AS l_log_stream"]
        let conflicts = IdentityField.allCases.map { f in
            "(uniqExact(l_\(f.column)) > 1) * \(RequestFlag.conflict(f.rawValue))"
        }
        let flags =
            [
                "max(l_model_id IS NOT NULL) * \(RequestFlag.model)", "max(l_is_mantle) * \(RequestFlag.mantle)",
                "max(l_is_usage) * \(RequestFlag.usage)",
                "max(l_is_usage AND l_user_sub IS NULL AND l_user_email IS NULL) * \(RequestFlag.usageWithoutIdentity)",
                "(count(l_request_id) = 0) * \(RequestFlag.orphan)",
            ] + conflicts
        let columns =
            [
                "l_source AS source", "l_request AS request_id", "min(l_time_ms) AS start_ms",
            ] + smallest.map { "min(l_\($0.0)) AS \($0.1)" } + [
                "max(l_status) AS status", "max(l_latency_ms) AS latency_ms", "count() AS lines",
                "sum(l_input_tokens) AS input_tokens", "sum(l_output_tokens) AS output_tokens",
                "sum(l_cache_read_tokens) AS cache_read_tokens", "sum(l_cache_write_tokens) AS cache_write_tokens",
                "sum(l_logged_cost) AS logged_cost",
                "toInt64(" + flags.joined(separator: "\n        + ") + ") AS flags",
            ]
        return """
            -- attrib's requests: one row per request, assembled with attrib's merge rules.
            CREATE VIEW IF NOT EXISTS attrib_requests AS
            SELECT
                \(columns.joined(separator: ",\n    "))
            FROM
            (
                SELECT *,
                    ifNull(l_request_id, concat('orphan-', replaceRegexpOne(lower(hex(toUInt64(l_event_key))), '^0+', ''))) AS l_request
                FROM
                (
                    SELECT \(dedup.joined(separator: ",\n            "))
                    FROM attrib_lines
                    GROUP BY event_key
                )
                WHERE l_request_id IS NOT NULL OR l_is_usage = 1
            )
            GROUP BY l_source, l_request
            """
    }

    /// The price table per token at full precision, as `CSVWithNames` for `attrib_prices`.
    public static func pricesCSV(_ table: PriceTable) -> String {
        var out = "key,input_per_token,output_per_token,cache_read_per_token,cache_write_per_token\n"
        for m in table.models {
            let p = m.price
            out += csvField(m.key) + ","
            out +=
                [p.inputPerToken, p.outputPerToken, p.cacheReadPerToken, p.cacheWritePerToken].map { "\($0)" }
                .joined(separator: ",") + "\n"
        }
        return out
    }

    /// Each model id that has a price with its key, as `CSVWithNames` for `attrib_model_keys`.
    public static func modelKeysCSV(_ table: PriceTable, models: [String]) -> String {
        var out = "model_id,key\n"
        var seen = Set<String>()
        for id in models where !id.isEmpty && seen.insert(id).inserted {
            if let m = table.resolve(id) { out += csvField(id) + "," + csvField(m.key) + "\n" }
        }
        return out
    }

    static func csvField(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
            ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
}
