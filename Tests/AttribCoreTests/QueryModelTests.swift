// The query model: time buckets, filters and the planner, checked against the spec, and the SQL each
// plan renders to, kept as goldens per dialect (Fixtures/golden/sql; ATTRIB_RECORD=1 re-records).

import Foundation
import Testing

@testable import AttribCore

#if canImport(Glibc)
import Glibc
#endif

/// A router usage line for request `id` at `time` (ISO, UTC) on `model`.
private func usageLine(_ id: String, _ time: String, model: String = "moonshotai.kimi-k2.5", email: String? = nil)
    -> String
{
    let identity = email.map { #","user_email":"\#($0)""# } ?? ""
    return
        #"{"timestamp":"\#(time)","message":"Bedrock response","request_id":"\#(id)","modelId":"\#(model)"\#(identity),"usage":{"input_tokens":10,"output_tokens":5}}"#
}

/// Requests per bucket label of `dimension` in `zone`.
private func buckets(_ store: Store, _ dimension: ReportDimension, _ zone: String) throws -> [String: Int64] {
    let query = ReportQuery(dimensions: [dimension], window: TimeWindow(zone: TimeZone(identifier: zone)!))
    var result: [String: Int64] = [:]
    for row in try Reports.run(query, store: store, prices: .bundled()).rows {
        result[row.values[0] ?? "-"] = row.requests
    }
    return result
}

@Suite("Time buckets follow the zone")
struct TimeBucketTests {
    // Europe/Berlin leaves CET (+1) for CEST (+2) at 2026-03-29T01:00Z and returns at 2026-10-25T01:00Z.
    // Asia/Kolkata is +5:30 all year.
    static let times = [
        "a": "2026-03-28T23:30:00.000Z",  // Berlin 00:30 on the 29th (CET)
        "b": "2026-03-29T00:30:00.000Z",  // Berlin 01:30 (CET)
        "c": "2026-03-29T01:30:00.000Z",  // Berlin 03:30 (CEST: 02:00-03:00 does not exist)
        "d": "2026-10-25T00:30:00.000Z",  // Berlin 02:30 CEST
        "e": "2026-10-25T01:30:00.000Z",  // Berlin 02:30 CET: the same wall-clock hour again
        "f": "2026-03-01T18:45:00.000Z",  // Sunday in UTC; Kolkata 00:15 on Monday 2 March
        "g": "2026-03-31T23:00:00.000Z",  // Berlin 01:00 on 1 April
    ]

    let store: Store

    init() throws {
        let db = temporaryDirectory().appendingPathComponent("buckets.db").path
        let text = Self.times.sorted { $0.key < $1.key }.map { usageLine($0.key, $0.value) }.joined(separator: "\n")
        try ingest([("logs.jsonl", text)], into: db)
        store = try Store(path: db, readOnly: true)
    }

    @Test("Hours in Berlin skip the missing hour and count the repeated one twice")
    func hours() throws {
        #expect(
            try buckets(store, .hour, "Europe/Berlin") == [
                "2026-03-01T19:00": 1, "2026-03-29T00:00": 1, "2026-03-29T01:00": 1, "2026-03-29T03:00": 1,
                "2026-10-25T02:00": 2, "2026-04-01T01:00": 1,
            ])
        #expect(
            try buckets(store, .hour, "UTC") == [
                "2026-03-01T18:00": 1, "2026-03-28T23:00": 1, "2026-03-29T00:00": 1, "2026-03-29T01:00": 1,
                "2026-10-25T00:00": 1, "2026-10-25T01:00": 1, "2026-03-31T23:00": 1,
            ])
    }

    @Test("Days start at local midnight: a half-hour zone moves a late-evening request to the next day")
    func days() throws {
        #expect(
            try buckets(store, .day, "Asia/Kolkata") == [
                "2026-03-02": 1, "2026-03-29": 3, "2026-10-25": 2, "2026-04-01": 1,
            ])
        #expect(
            try buckets(store, .day, "UTC") == [
                "2026-03-01": 1, "2026-03-28": 1, "2026-03-29": 2, "2026-10-25": 2, "2026-03-31": 1,
            ])
    }

    @Test("A week is labelled by its Monday, in the zone")
    func weeks() throws {
        // 2026-03-01 is a Sunday (week of Monday 23 February); in Kolkata it is already Monday 2 March.
        #expect(
            try buckets(store, .week, "UTC") == ["2026-02-23": 1, "2026-03-23": 3, "2026-10-19": 2, "2026-03-30": 1])
        #expect(
            try buckets(store, .week, "Asia/Kolkata") == [
                "2026-03-02": 1, "2026-03-23": 3, "2026-03-30": 1, "2026-10-19": 2,
            ])
    }

    @Test("Months in the zone")
    func months() throws {
        #expect(try buckets(store, .month, "Europe/Berlin") == ["2026-03": 4, "2026-04": 1, "2026-10": 2])
        #expect(try buckets(store, .month, "UTC") == ["2026-03": 5, "2026-10": 2])
    }

    @Test("--since and --until bound the request's start; a bucket filter keeps only its bucket")
    func windowAndFilter() throws {
        let since = try parseTimeBound("2026-03-29", zone: .utc, now: 0)
        let until = try parseTimeBound("2026-03-29T01:00:00Z", zone: .utc, now: 0)
        let q = ReportQuery(dimensions: [.hour], window: TimeWindow(since: since, until: until))
        #expect(try Reports.run(q, store: store, prices: .bundled()).rows.map(\.values) == [["2026-03-29T00:00"]])
        let filtered = ReportQuery(
            dimensions: [.modelId], filters: [try Filter.parse("day=2026-03-29")],
            window: TimeWindow(zone: TimeZone(identifier: "Europe/Berlin")!))
        #expect(try Reports.run(filtered, store: store, prices: .bundled()).totals.requests == 3)
    }
}

@Suite("Filters are SQL predicates with the documented rules")
struct FilterSQLTests {
    @Test("A glob in SQLite matches exactly what fnmatch matches", arguments: 0..<4)
    func globEquivalence(seed: Int) throws {
        let db = try Connection(path: ":memory:")
        let s = try db.prepare("SELECT ? GLOB ?")
        var rng = SplitMix(seed: UInt64(seed))
        let patternAlphabet = Array("ab*?[]!-\\.").map(String.init)
        let textAlphabet = Array("ab[]*-!\\.").map(String.init)
        var checked = 0
        for _ in 0..<2_000 {
            let pattern = (0..<Int(rng.next() % UInt64(7))).map { _ in
                patternAlphabet[Int(rng.next() % UInt64(patternAlphabet.count))]
            }.joined()
            let text = (0..<Int(rng.next() % UInt64(6))).map { _ in
                textAlphabet[Int(rng.next() % UInt64(textAlphabet.count))]
            }.joined()
            // A backslash inside brackets is beyond what --where documents; fnmatch and GLOB read it differently.
            if pattern.contains("[") && pattern.contains("\\") { continue }
            let expected = fnmatch(pattern, text, 0) == 0
            s.bind(1, text)
            s.bind(2, SQLiteDialect().globPattern(pattern))
            _ = try s.step()
            let actual = s.int(0) == 1
            s.reset()
            #expect(actual == expected, "pattern \(pattern) on \(text): fnmatch \(expected), SQLite \(actual)")
            checked += 1
        }
        #expect(checked > 1_000)
    }

    @Test("An absent value matches FIELD= and FIELD!=x, never a glob; the user chain falls back in order")
    func absentValues() throws {
        let db = temporaryDirectory().appendingPathComponent("filters.db").path
        let lines = [
            usageLine("r1", "2026-03-01T10:00:00.000Z", email: "ada@example.com"),
            usageLine("r2", "2026-03-01T10:00:01.000Z"),
            #"{"timestamp":"2026-03-01T10:00:02.000Z","message":"Bedrock response","request_id":"r3","modelId":"m","user_sub":"sub-3","api_key_id":"key-3","usage":{"input_tokens":1}}"#,
            #"{"timestamp":"2026-03-01T10:00:03.000Z","message":"Bedrock response","request_id":"r4","modelId":"m","api_key_id":"key-4","user_id":"u4","usage":{"input_tokens":1}}"#,
        ]
        try ingest([("logs.jsonl", lines.joined(separator: "\n"))], into: db)
        let store = try Store(path: db, readOnly: true)
        func users(_ filter: String) throws -> [String?] {
            let q = ReportQuery(
                dimensions: [.user], filters: [try Filter.parse(filter)], order: SortKey(.dimension(0), ascending: true)
            )
            return try Reports.run(q, store: store, prices: .bundled()).rows.map { $0.values[0] }
        }
        #expect(try users("user_email=") == [nil, "key-4", "sub-3"])
        #expect(try users("user_email!=ada@example.com") == [nil, "key-4", "sub-3"])
        #expect(try users("user_email~*") == ["ada@example.com"])
        #expect(try users("user~*-*") == ["key-4", "sub-3"])
        #expect(try users("user_id=u4") == ["key-4"])
    }
}

@Suite("The planner answers from the rollup only when the rollup holds the answer")
struct PlannerTests {
    let fresh = StoreFacts(rollupIsFresh: true, timeRange: nil)

    @Test("Identity, model, route, status and UTC days: the rollup")
    func rollup() {
        for dims: [ReportDimension] in [
            [.userEmail, .modelId], [.user, .model, .route, .status], [.day, .week, .month],
        ] {
            #expect(QueryPlanner.plan(ReportQuery(dimensions: dims), facts: fresh).table == .rollup)
        }
        let dayBounds = TimeWindow(since: 86_400_000 * 20_000, until: 86_400_000 * 20_010)
        #expect(QueryPlanner.plan(ReportQuery(dimensions: [.user], window: dayBounds), facts: fresh).table == .rollup)
    }

    @Test("Paths, user agents, log groups and streams with model, route, status, UTC days: the traffic rollup")
    func trafficRollup() {
        for dims: [ReportDimension] in [
            [.path], [.userAgent], [.logStream], [.logGroup], [.path, .status], [.userAgent, .model, .route, .day],
            [.logStream, .modelId, .month],
        ] {
            #expect(QueryPlanner.plan(ReportQuery(dimensions: dims), facts: fresh).table == .trafficRollup)
        }
        let filtered = ReportQuery(
            dimensions: [.modelId], filters: [Filter(dimension: .userAgent, op: .glob, value: "claude-cli*")])
        #expect(QueryPlanner.plan(filtered, facts: fresh).table == .trafficRollup)
    }

    @Test("Hours and other zones' days: the quarter-hour rollup; source, principal, client address: the caller rollup")
    func quarterAndCallerRollups() {
        let berlin = TimeWindow(zone: TimeZone(identifier: "Europe/Berlin")!)
        let kolkata = TimeWindow(zone: TimeZone(identifier: "Asia/Kolkata")!)
        for query in [
            ReportQuery(dimensions: [.hour]), ReportQuery(dimensions: [.day], window: berlin),
            ReportQuery(dimensions: [.week, .modelId, .status], window: kolkata),
            ReportQuery(dimensions: [.month, .route], window: berlin),
            ReportQuery(scope: .modelRequests, dimensions: [.day, .attributed], window: berlin),
        ] {
            #expect(QueryPlanner.plan(query, facts: fresh).table == .quarterRollup, "\(query.dimensions)")
        }
        for dims: [ReportDimension] in [[.source], [.principal], [.clientIp], [.clientIp, .model, .day]] {
            #expect(QueryPlanner.plan(ReportQuery(dimensions: dims), facts: fresh).table == .callerRollup)
        }
        // Data before 1970-01-02 (local hours and days would be numbered wrongly) reads the requests.
        let early = StoreFacts(rollupIsFresh: true, timeRange: 0...1_000)
        #expect(QueryPlanner.plan(ReportQuery(dimensions: [.hour]), facts: early).table == .request)
        var forced = ReportQuery(dimensions: [.user])
        forced.readsRequests = true
        #expect(QueryPlanner.plan(forced, facts: fresh).table == .request)
    }

    @Test("Dimensions of two rollups, latencies, a bound inside a day or a stale rollup: the request table")
    func requestTable() {
        for dims: [ReportDimension] in [
            [.path, .hour], [.user, .path], [.userAgent, .userEmail], [.user, .hour], [.source, .user],
            [.clientIp, .path],
        ] {
            #expect(QueryPlanner.plan(ReportQuery(dimensions: dims), facts: fresh).table == .request)
        }
        let stalePaths = StoreFacts(rollupIsFresh: false, timeRange: nil)
        #expect(QueryPlanner.plan(ReportQuery(dimensions: [.path]), facts: stalePaths).table == .request)
        // Latencies are not in a rollup either (`report --requests all`).
        let latency = ReportQuery(dimensions: [.user], measures: Measure.standard + [.latencies])
        #expect(QueryPlanner.plan(latency, facts: fresh).table == .request)
        let pathLatency = ReportQuery(dimensions: [.path], measures: Measure.standard + [.latencies])
        #expect(QueryPlanner.plan(pathLatency, facts: fresh).table == .request)
        let berlin = TimeWindow(zone: TimeZone(identifier: "Europe/Berlin")!)
        #expect(
            QueryPlanner.plan(ReportQuery(dimensions: [.day, .user], window: berlin), facts: fresh).table == .request)
        // A zone only matters for buckets.
        #expect(QueryPlanner.plan(ReportQuery(dimensions: [.user], window: berlin), facts: fresh).table == .rollup)
        #expect(QueryPlanner.plan(ReportQuery(dimensions: [.user], since: 1), facts: fresh).table == .request)
        let filtered = ReportQuery(dimensions: [.user], filters: [Filter(dimension: .path, op: .equal, value: "/v1")])
        #expect(QueryPlanner.plan(filtered, facts: fresh).table == .request)
        let stale = StoreFacts(rollupIsFresh: false, timeRange: nil)
        #expect(QueryPlanner.plan(ReportQuery(dimensions: [.user]), facts: stale).table == .request)
    }

    @Test("A zone with summer time gets its offsets over the data's range, clipped to the window")
    func offsets() {
        let march = try! parseTimeBound("2026-03-01", zone: .utc, now: 0)
        let december = try! parseTimeBound("2026-12-01", zone: .utc, now: 0)
        let berlin = TimeWindow(zone: TimeZone(identifier: "Europe/Berlin")!)
        let all = QueryPlanner.zoneOffsets(berlin, march...december)
        #expect(all.changes.map(\.offsetSeconds) == [3600, 7200, 3600])
        #expect(all.changes[1].fromSeconds == 1_774_746_000)  // 2026-03-29T01:00:00Z
        var summer = berlin
        summer.since = try! parseTimeBound("2026-05-01", zone: .utc, now: 0)
        summer.until = try! parseTimeBound("2026-06-01", zone: .utc, now: 0)
        #expect(QueryPlanner.zoneOffsets(summer, march...december).changes.map(\.offsetSeconds) == [7200])
        let kolkata = TimeWindow(zone: TimeZone(identifier: "Asia/Kolkata")!)
        #expect(QueryPlanner.zoneOffsets(kolkata, march...december).changes.map(\.offsetSeconds) == [19800])
    }
}

@Suite("Each plan renders to the same SQL (golden SQL per dialect)")
struct GoldenSQLTests {
    static let facts = StoreFacts(
        rollupIsFresh: true,
        timeRange: try! parseTimeBound(
            "2026-03-01", zone: .utc, now: 0)...parseTimeBound("2026-06-01", zone: .utc, now: 0))

    static let queries: [(String, ReportQuery)] = [
        ("report-default", ReportQuery()),
        (
            "report-user-day-berlin",
            ReportQuery(dimensions: [.user, .day], window: TimeWindow(zone: TimeZone(identifier: "Europe/Berlin")!))
        ),
        (
            "report-hour-where",
            ReportQuery(
                dimensions: [.hour, .status],
                filters: [
                    Filter(dimension: .path, op: .notEqual, value: "/health"),
                    Filter(dimension: .userAgent, op: .glob, value: "claude-cli/[!0]*"),
                ], window: TimeWindow(since: 1_772_330_400_000, until: 1_772_416_800_000))
        ),
        (
            "report-model-route",
            ReportQuery(
                dimensions: [.model, .route],
                filters: [Filter(dimension: .model, op: .equal, value: "moonshotai.kimi-k2.5")])
        ),
        (
            "mantle-default",
            ReportQuery(
                scope: .mantle, dimensions: [.user], filters: [Filter(dimension: .modelId, op: .glob, value: "*kimi*")])
        ),
        ("gaps-all", ReportQuery(scope: .all, dimensions: [], measures: [.requests, .conflicts, .orphanUsage])),
        ("gaps-by-day", ReportQuery(dimensions: [.day, .attributed], measures: Measure.standard + [.joinedRequests])),
        (
            "report-all-requests-latency",
            ReportQuery(
                scope: .all, dimensions: [.userId, .path, .status],
                filters: [Filter(dimension: .source, op: .equal, value: "aura")],
                measures: Measure.standard + [.latencies])
        ),
    ]

    @Test("SQLite", arguments: queries.map(\.0))
    func sqlite(_ name: String) throws {
        let query = Self.queries.first { $0.0 == name }!.1
        var plan = QueryPlanner.plan(query, facts: Self.facts)
        if plan.needsPriceKeys {
            plan.priceKeys = [
                ("moonshot.kimi-k2.5", "moonshotai.kimi-k2.5"),
                ("us.anthropic.claude-sonnet-4-5-20250929-v1:0", "anthropic.claude-sonnet-4-5-20250929-v1:0"),
            ]
        }
        let generated = SQLGenerator.generate(plan, SQLiteDialect())
        let arguments = generated.arguments.map { a -> String in
            switch a {
            case .int(let v): return String(v)
            case .text(let v): return "'\(v)'"
            }
        }
        let text =
            "-- \(name) (\(plan.table.rawValue)); arguments: \(arguments.joined(separator: ", "))\n\(generated.sql)\n"
        try compareGolden(text, "sql/sqlite/\(name).sql")
        // The SQL is valid: SQLite prepares it against the schema.
        let db = temporaryDirectory().appendingPathComponent("sql.db").path
        _ = try Store(path: db)
        _ = try Store(path: db, readOnly: true).db.prepare(generated.sql)
    }
}
