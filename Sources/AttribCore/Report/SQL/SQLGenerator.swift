// Renders a plan as one SQL statement for a dialect. Three levels, each with one job:
//   1. group the table's rows by the integer columns the query needs (a scan of small integers);
//   2. turn each group's integers into the values users see: dictionary text, the `user` chain, the
//      route, the price key, time-bucket labels in the query's zone;
//   3. keep the groups that pass the filters and add them up by the report's dimensions, the model and
//      whether a cost was logged, in an order fixed by the content (so costs, which the runner adds up
//      in Swift, are summed in the same order whichever order the store was filled in).

struct GeneratedSQL: Equatable {
    var sql: String
    var arguments: [SQLValue]
    /// The output columns: the query's dimensions, `model_id`, `has_logged`, then one per measure.
    var dimensionCount: Int
}

enum SQLGenerator {
    static func generate(_ plan: SelectPlan, _ dialect: SQLDialect) -> GeneratedSQL {
        let query = plan.query
        let rollup = plan.table.isRollup
        var arguments: [SQLValue] = []

        // Level 1: the integer columns. The model and whether a cost was logged come first: the runner
        // prices each group by its model and picks logged or computed costs.
        var columns = ["model", rollup ? "has_logged" : "(logged_cost IS NOT NULL)"]
        func column(_ expression: String) -> String {
            if let i = columns.firstIndex(of: expression) { return "g.c\(i)" }
            columns.append(expression)
            return "g.c\(columns.count - 1)"
        }
        let modelText = dialect.text(ofId: "g.c0")
        var labels: [String] = []
        for d in plan.dimensions {
            switch d.value {
            case .dictionary(let name):
                labels.append(dialect.text(ofId: column(name)))
            case .firstOf(let names):
                labels.append(dialect.text(ofId: column("coalesce(\(names.joined(separator: ", ")))")))
            case .integer(let name):
                labels.append(dialect.text(ofInteger: column(name)))
            case .route:
                let bits = column(dialect.bitAnd("flags", RequestFlag.model | RequestFlag.mantle))
                labels.append(
                    "CASE WHEN \(dialect.hasBits(bits, RequestFlag.mantle)) THEN 'mantle' WHEN \(dialect.hasBits(bits, RequestFlag.model)) THEN 'bedrock' END"
                )
            case .priceKey:
                labels.append(dialect.priceKey(ofModel: modelText, plan))
            case .bucket(let bucket):
                if plan.table == .quarterRollup {
                    // A quarter hour lies inside one hour and one day of the zone: group by the zone's hour or
                    // day number (fewer groups than quarters, each labelled once), as local time at offset 0.
                    let unit: Int64 = bucket == .hour ? 3600 : 86_400
                    let local = column("((quarter * 900 + \(inlineOffset("quarter * 900", plan.offsets))) / \(unit))")
                    labels.append(dialect.bucketLabel(bucket, seconds: "\(local) * \(unit)", offset: "0"))
                    continue
                }
                let quarter = column(plan.table == .request ? dialect.quarterHour(ofMillis: "start_ms") : "(day * 96)")
                let seconds = "\(quarter) * 900"
                labels.append(
                    dialect.bucketLabel(bucket, seconds: seconds, offset: dialect.offset(at: seconds, plan.offsets)))
            case .attributed:
                let identified =
                    plan.table == .quarterRollup ? "identified" : "(user_email IS NOT NULL OR user_sub IS NOT NULL)"
                labels.append("CASE WHEN \(column(identified)) THEN 'yes' END")
            case .tag(let key):
                labels.append(dialect.text(ofId: column(dialect.tag(key))))
            }
        }
        let measures = query.measures.map {
            $0 == .latencies ? dialect.list("latency_ms") : aggregate($0, rollup: rollup, dialect)
        }

        var conditions: [String] = []
        switch query.scope {
        case .all: break
        case .modelRequests: conditions.append("\(dialect.bitAnd("flags", RequestFlag.modelRequest)) != 0")
        case .mantle:
            conditions.append("\(dialect.bitAnd("flags", RequestFlag.modelRequest)) != 0")
            conditions.append("\(dialect.bitAnd("flags", RequestFlag.mantle)) != 0")
        }
        let time = plan.table.time
        if let since = query.window.since {
            conditions.append("\(time.column) >= \(dialect.parameter)")
            arguments.append(.int(since / time.unitMs))
        }
        if let until = query.window.until {
            conditions.append("\(time.column) < \(dialect.parameter)")
            arguments.append(.int(until / time.unitMs))
        }

        // Level 3's filters, on the values of level 2.
        var predicates: [String] = []
        for f in query.filters {
            let v = "v\(plan.dimensions.firstIndex(of: f.dimension)!)"
            switch f.op {
            case .equal: predicates.append("coalesce(\(v), '') = \(dialect.parameter)")
            case .notEqual: predicates.append("coalesce(\(v), '') != \(dialect.parameter)")
            case .glob: predicates.append(dialect.glob(v, pattern: dialect.parameter))
            }
            arguments.append(.text(f.op == .glob ? dialect.globPattern(f.value) : f.value))
        }
        if let glob = plan.excludedInvocationPrincipal {
            let source = "v\(plan.dimensions.firstIndex(of: .source)!)"
            let principal = "v\(plan.dimensions.firstIndex(of: .principal)!)"
            predicates.append(
                "NOT (coalesce(\(source), '') = \(dialect.parameter) AND \(dialect.glob("coalesce(\(principal), '')", pattern: dialect.parameter)))"
            )
            arguments += [.text(Reports.bedrockSource), .text(dialect.globPattern(glob))]
        }

        var with: [String] = []
        if dialect.declaresConstantTables && !plan.offsets.isFixed
            && plan.dimensions.contains(where: { $0.bucket != nil })
        {
            let rows = plan.offsets.changes.map { [SQLValue.int($0.fromSeconds), .int($0.offsetSeconds)] }
            with.append("zone_offset(from_s, offset_s) AS (\(dialect.values(rows)))")
        }
        if dialect.declaresConstantTables && plan.needsPriceKeys && !plan.priceKeys.isEmpty {
            with.append(
                "price_key(model_id, key) AS (\(dialect.values(plan.priceKeys.map { [.text($0.modelId), .text($0.key)] })))"
            )
        }

        let output = query.dimensions.indices.map { "v\($0)" }
        let keys = (output + ["model_id", "has_logged"]).joined(separator: ", ")
        let inner = columns.enumerated().map { "\($1) AS c\($0)" } + measures.enumerated().map { "\($1) AS m\($0)" }
        let middle =
            labels.enumerated().map { "\($1) AS v\($0)" } + ["\(modelText) AS model_id", "g.c1 AS has_logged"]
            + measures.indices.map { "g.m\($0)" }
        var sql = with.isEmpty ? "" : "WITH " + with.joined(separator: ",\n     ") + "\n"
        sql += """
            SELECT \(keys)\(query.measures.indices.map { ", " + (query.measures[$0] == .latencies ? dialect.list("m\($0)") : "sum(m\($0))") }.joined())
            FROM (
              SELECT \(middle.joined(separator: ", "))
              FROM (
                SELECT \(inner.joined(separator: ", "))
                FROM \(dialect.table(plan.table))\(conditions.isEmpty ? "" : "\n    WHERE " + conditions.joined(separator: " AND "))
                GROUP BY \(columns.indices.map { "c\($0)" }.joined(separator: ", "))
              ) AS g
            )\(predicates.isEmpty ? "" : "\nWHERE " + predicates.joined(separator: " AND "))
            GROUP BY \(keys)
            ORDER BY \(keys)
            """
        return GeneratedSQL(sql: sql, arguments: arguments, dimensionCount: query.dimensions.count)
    }

    /// The zone's offset at `seconds` as a CASE over its changes (a few a year), evaluated per row without a
    /// lookup.
    static func inlineOffset(_ seconds: String, _ offsets: ZoneOffsets) -> String {
        guard !offsets.isFixed else { return String(offsets.fixedOffset) }
        let later = offsets.changes.dropFirst().reversed().map {
            "WHEN \(seconds) >= \($0.fromSeconds) THEN \($0.offsetSeconds)"
        }
        return "CASE \(later.joined(separator: " ")) ELSE \(offsets.changes[0].offsetSeconds) END"
    }

    /// A measure's aggregate over the request table (one row per request) or the rollup (rows that
    /// count `requests` requests each).
    static func aggregate(_ m: Measure, rollup: Bool, _ dialect: SQLDialect) -> String {
        func count(_ bits: Int64) -> String {
            let test = "\(dialect.bitAnd("flags", bits)) != 0"
            return rollup ? "sum((\(test)) * requests)" : "sum(\(test))"
        }
        switch m {
        case .requests: return rollup ? "sum(requests)" : "count(*)"
        case .inputTokens: return "sum(input_tokens)"
        case .outputTokens: return "sum(output_tokens)"
        case .cacheReadTokens: return "sum(cache_read_tokens)"
        case .cacheWriteTokens: return "sum(cache_write_tokens)"
        case .loggedCost: return "sum(logged_cost)"
        case .joinedRequests: return count(RequestFlag.usageWithoutIdentity)
        case .conflicts: return count(rollup ? RollupFlag.conflict : RequestFlag.anyConflict)
        case .orphanUsage: return count(RequestFlag.orphan)
        case .latencies: return "NULL"  // not in the rollup (the planner reads requests); a list, see `generate`
        }
    }
}
