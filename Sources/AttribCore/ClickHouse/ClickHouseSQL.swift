// `--sql clickhouse`: the query a report, mantle or gaps invocation runs, as one ClickHouse statement.
// The grouping, names, buckets and filters are the SQL generator's, from the same plan attrib runs on its
// store (ClickHouseDialect renders it); this file adds what attrib does in Swift after the SQL: the price
// of each group (through `attrib_model_keys` and `attrib_prices`, exported by attrib), the rows' costs,
// their order and `--top`.

import Foundation

public enum ClickHouseSQL {
    /// The statement for `report` (and `mantle` with `share`): the report's columns, in its order.
    public static func report(_ query: ReportQuery, share: Bool = false) -> String {
        let generated = grouped(query)
        let dims = query.dimensions.indices.map { "v\($0)" }
        let tokens =
            "(\(sumOf(query, .inputTokens)) + \(sumOf(query, .outputTokens)) + \(sumOf(query, .cacheReadTokens)) + \(sumOf(query, .cacheWriteTokens)))"
        var columns = zip(dims, query.dimensions).map { "\($0) AS \(quoted($1.name))" }
        columns += [
            "sum(\(sumOf(query, .requests))) AS requests", "sum(\(sumOf(query, .inputTokens))) AS input_tokens",
            "sum(\(sumOf(query, .outputTokens))) AS output_tokens",
            "sum(\(sumOf(query, .cacheReadTokens))) AS cache_read_tokens",
            "sum(\(sumOf(query, .cacheWriteTokens))) AS cache_write_tokens", "sum(\(tokens)) AS total_tokens",
            "if(countIf(group_cost IS NULL) > 0, NULL, sum(group_cost)) AS cost_usd",
        ]
        var sql = """
            SELECT \(columns.joined(separator: ",\n       "))
            FROM (
            SELECT *, \(cost(query, tokens: tokens)) AS group_cost
            FROM (
            \(generated)
            )
            )
            GROUP BY \(dims.isEmpty ? "()" : dims.joined(separator: ", "))
            ORDER BY \(order(query))
            """
        if let limit = query.limit { sql += "\nLIMIT \(limit)" }
        if share {
            // Each row's share of the total cost (of every row, before --top); none when a cost is unknown.
            sql = """
                SELECT *,
                       if(countIf(cost_usd IS NULL) OVER () > 0 OR sum(cost_usd) OVER () <= 0, NULL,
                          cost_usd / sum(cost_usd) OVER ()) AS share
                FROM (
                \(sql.replacingOccurrences(of: "\nLIMIT \(query.limit ?? 0)", with: ""))
                )
                ORDER BY \(outerOrder(query))
                """
            if let limit = query.limit { sql += "\nLIMIT \(limit)" }
        }
        return sql + "\nFORMAT CSVWithNames;\n"
    }

    /// The totals of `gaps` (SPEC gaps: requests, model_requests, attributed_requests, unattributed_requests,
    /// unattributed_tokens, unattributed_cost_usd, joined_requests, conflicts, usage lines without request_id).
    public static func gapsTotals(window: TimeWindow) -> String {
        let everything = ReportQuery(
            scope: .all, dimensions: [], window: window, measures: [.requests, .conflicts, .orphanUsage])
        let byDay = ReportQuery(
            scope: .modelRequests, dimensions: [.day, .attributed], window: window,
            measures: Measure.standard + [.joinedRequests])
        let t =
            "(\(sumOf(byDay, .inputTokens)) + \(sumOf(byDay, .outputTokens)) + \(sumOf(byDay, .cacheReadTokens)) + \(sumOf(byDay, .cacheWriteTokens)))"
        return """
            SELECT e.requests, d.model_requests, d.attributed_requests, d.unattributed_requests,
                   d.unattributed_tokens, d.unattributed_cost_usd, d.joined_requests, e.conflicts,
                   e.usage_lines_without_request_id
            FROM (
            SELECT sum(\(sumOf(everything, .requests))) AS requests, sum(\(sumOf(everything, .conflicts))) AS conflicts,
                   sum(\(sumOf(everything, .orphanUsage))) AS usage_lines_without_request_id
            FROM (
            \(grouped(everything))
            )
            ) AS e
            CROSS JOIN (
            SELECT sum(\(sumOf(byDay, .requests))) AS model_requests,
                   sumIf(\(sumOf(byDay, .requests)), v1 IS NOT NULL) AS attributed_requests,
                   sumIf(\(sumOf(byDay, .requests)), v1 IS NULL) AS unattributed_requests,
                   sumIf(\(t), v1 IS NULL) AS unattributed_tokens,
                   if(countIf(v1 IS NULL AND group_cost IS NULL) > 0, NULL, sumIf(group_cost, v1 IS NULL)) AS unattributed_cost_usd,
                   sumIf(\(sumOf(byDay, .joinedRequests)), v1 IS NOT NULL) AS joined_requests
            FROM (
            SELECT *, \(cost(byDay, tokens: t)) AS group_cost
            FROM (
            \(grouped(byDay))
            )
            )
            ) AS d
            FORMAT CSVWithNames;

            """
    }

    // MARK: Pieces

    /// The generator's statement for `query` on `attrib_requests`, its values written in.
    static func grouped(_ query: ReportQuery) -> String {
        let plan = QueryPlanner.plan(query, facts: StoreFacts(rollupIsFresh: false, timeRange: nil))
        let generated = SQLGenerator.generate(plan, ClickHouseDialect(zone: query.window.zone))
        return inline(generated.sql, generated.arguments)
    }

    /// Writes each argument as a literal in place of its marker.
    static func inline(_ sql: String, _ arguments: [SQLValue]) -> String {
        let parts = sql.components(separatedBy: ClickHouseDialect.marker)
        var out = parts[0]
        for (i, part) in parts.dropFirst().enumerated() {
            out += ClickHouseDialect.literal(arguments[i]) + part
        }
        return out
    }

    /// The generator's output column of measure `m` (its sum over the group).
    static func sumOf(_ query: ReportQuery, _ m: Measure) -> String {
        guard let i = query.measures.firstIndex(of: m) else { return "0" }
        return "`sum(m\(i))`"
    }

    /// A group's cost as attrib's runner computes it (`Costing.cost` and the cost modes).
    static func cost(_ query: ReportQuery, tokens: String) -> String {
        let key = "joinGet('attrib_model_keys', 'key', ifNull(model_id, ''))"
        func price(_ column: String) -> String { "joinGet('attrib_prices', '\(column)', \(key))" }
        let computed = """
            if(\(key) != '' AND \(price("priced")) = 1,
                   \(sumOf(query, .inputTokens)) * \(price("input_per_token")) + \(sumOf(query, .outputTokens)) * \(price("output_per_token"))
                   + \(sumOf(query, .cacheReadTokens)) * \(price("cache_read_per_token")) + \(sumOf(query, .cacheWriteTokens)) * \(price("cache_write_per_token")),
                   if(\(tokens) = 0, 0, NULL))
            """
        let logged = sumOf(query, .loggedCost)
        switch query.costMode {
        case .computed: return computed
        case .logged: return "if(has_logged, \(logged), if(\(tokens) = 0, 0, NULL))"
        case .auto: return "if(has_logged, \(logged), \(computed))"
        }
    }

    /// The runner's order (`Reports.sortRows`): by a metric or a dimension, ties by the dimension values
    /// byte-wise, an absent value before an empty one.
    static func order(_ query: ReportQuery) -> String {
        let values = query.dimensions.indices.flatMap { ["ifNull(v\($0), '') ASC", "isNotNull(v\($0)) ASC"] }
        func metric(_ m: MetricColumn) -> String { m.rawValue }
        var keys: [String]
        if let order = query.order {
            switch order.column {
            case .metric(let m):
                // A metric sorts descending, unknown costs last; ascending reverses the whole order.
                keys = ["\(metric(m)) DESC NULLS LAST"] + values
                if order.ascending { keys = keys.map(reversed) }
            case .dimension(let i):
                keys = ["ifNull(v\(i), '') \(order.ascending ? "ASC" : "DESC")"] + values
            }
        } else {
            keys = ["cost_usd DESC NULLS LAST", "total_tokens DESC"] + values
        }
        return keys.joined(separator: ", ")
    }

    /// `order` over the report's output columns (for the outer query of `mantle`).
    static func outerOrder(_ query: ReportQuery) -> String {
        var o = order(query)
        for (i, d) in query.dimensions.enumerated().reversed() {
            o = o.replacingOccurrences(of: "v\(i)", with: quoted(d.name))
        }
        return o
    }

    static func reversed(_ key: String) -> String {
        if key.hasSuffix(" DESC NULLS LAST") { return String(key.dropLast(16)) + " ASC NULLS FIRST" }
        if key.hasSuffix(" ASC") { return String(key.dropLast(4)) + " DESC" }
        return key
    }

    static func quoted(_ name: String) -> String { "`\(name)`" }
}
