// Every report by one dimension is answered by a rollup (hours and other zones' days by the quarter-hour
// rollup, source / principal / client address by the caller rollup), with the same rows as a scan of every
// request, across a daylight-saving change; ingest keeps those rollups equal to a rebuild, and a store of
// the schema before them gets them by migration.

import Foundation
import Testing

@testable import AttribCore

@Suite("Quarter-hour and caller rollups answer every dimension as the request table does", .serialized)
struct SliceRollupTests {
    /// Router and gateway requests from 2026-03-20 for 20 days: over Europe's change to summer time (03-29).
    static let corpus: Result<URL, Error> = Result {
        let out = temporaryDirectory().appendingPathComponent("corpus")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [
            "python3", repositoryURL.appendingPathComponent("scripts/gen-corpus").path, "--requests", "3000",
            "--gateways", "150", "--seed", "41", "--start", "2026-03-20T00:00:00Z", "--out", out.path,
        ]
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw StoreError("scripts/gen-corpus failed") }
        let db = out.appendingPathComponent("attrib.db").path
        _ = try ingestPaths(files(under: out.appendingPathComponent("exports")), db: db)
        return out
    }

    func store() throws -> (Store, PriceTable) {
        let corpus = try Self.corpus.get()
        let store = try Store(path: corpus.appendingPathComponent("attrib.db").path, readOnly: true)
        return (store, try PriceTable.load(path: corpus.appendingPathComponent("prices.csv").path))
    }

    /// Runs `query` as planned and from the request table: the same rows, and the planned table.
    func compare(_ query: ReportQuery, _ store: Store, _ prices: PriceTable) throws -> SelectPlan.Table {
        let table = try Reports.plan(query, store: store, prices: prices).table
        var scan = query
        scan.readsRequests = true
        #expect(try Reports.plan(scan, store: store, prices: prices).table == .request)
        let a = try Reports.run(query, store: store, prices: prices)
        let b = try Reports.run(scan, store: store, prices: prices)
        let what = "\(query.dimensions) \(query.window.zone.identifier) from \(table)"
        #expect(a.rows.count > 0, "\(what)")
        #expect(a.rows.map(\.values) == b.rows.map(\.values), "\(what)")
        #expect(a.rows.map(\.requests) == b.rows.map(\.requests), "\(what)")
        #expect(a.rows.map(\.tokens) == b.rows.map(\.tokens), "\(what)")
        #expect(
            zip(a.rows, b.rows).allSatisfy { x, y in abs((x.costUSD ?? -1) - (y.costUSD ?? -1)) < 1e-6 }, "\(what)")
        return table
    }

    @Test("Each dimension alone: a rollup answers, with the request table's rows")
    func everyDimension() throws {
        let (store, prices) = try store()
        for d in ReportDimension.all {
            let table = try compare(ReportQuery(dimensions: [d]), store, prices)
            #expect(table != .request, "\(d)")
        }
        // The new dimensions are really there: several sources, principals and addresses.
        for d in [ReportDimension.source, .principal, .clientIp] {
            #expect(try Reports.run(ReportQuery(dimensions: [d]), store: store, prices: prices).rows.count > 2, "\(d)")
        }
        #expect(try compare(ReportQuery(dimensions: [.hour]), store, prices) == .quarterRollup)
        #expect(try compare(ReportQuery(dimensions: [.clientIp]), store, prices) == .callerRollup)
        let router = Filter(dimension: .source, op: .equal, value: "router")
        #expect(
            try compare(ReportQuery(dimensions: [.principal, .model], filters: [router]), store, prices)
                == .callerRollup)
    }

    @Test(
        "Hours, days, weeks and months in zones with a summer-time change or a half-hour offset",
        arguments: ["Europe/Berlin", "Asia/Kolkata", "Asia/Kathmandu", "America/New_York"])
    func zones(_ zone: String) throws {
        let (store, prices) = try store()
        let tz = try #require(TimeZone(identifier: zone))
        for d in [ReportDimension.hour, .day, .week, .month] {
            let query = ReportQuery(dimensions: [d, .route], window: TimeWindow(zone: tz))
            #expect(try compare(query, store, prices) == .quarterRollup, "\(d) \(zone)")
        }
        // Bounds on the zone's midnights (quarter hours in UTC), and gaps' split by day in the zone.
        let since = try parseTimeBound("2026-03-28", zone: tz, now: 0)
        let until = try parseTimeBound("2026-03-31", zone: tz, now: 0)
        let window = TimeWindow(since: since, until: until, zone: tz)
        #expect(
            try compare(ReportQuery(dimensions: [.hour, .status], window: window), store, prices) == .quarterRollup)
        let gaps = ReportQuery(scope: .modelRequests, dimensions: [.day, .attributed], window: TimeWindow(zone: tz))
        #expect(try compare(gaps, store, prices) == .quarterRollup)
        // A bound inside a quarter hour: the request table.
        let odd = ReportQuery(dimensions: [.hour], window: TimeWindow(since: since + 60_000, zone: tz))
        #expect(try compare(odd, store, prices) == .request)
    }

    func rows(_ store: Store, _ table: String) throws -> [[Int64?]] {
        let s = try store.db.prepare("SELECT * FROM \(table)")
        var rows: [[Int64?]] = []
        while try s.step() {
            let n = s.columnCount
            rows.append(
                (0..<(n - 1)).map { s.optionalInt($0) } + [s.optionalDouble(n - 1).map { Int64(($0 * 1e6).rounded()) }]
            )
        }
        return rows
    }

    @Test("Kept up to date over split and memory-capped runs: row for row a rebuild; and built by migration")
    func keptAndMigrated() throws {
        let corpus = try Self.corpus.get()
        let inputs = files(under: corpus.appendingPathComponent("exports"))
        let work = temporaryDirectory()
        let split = work.appendingPathComponent("split.db").path
        let third = inputs.count / 3
        for part in [inputs[..<third], inputs[third..<(2 * third)], inputs[(2 * third)...]].reversed() {
            _ = try ingestPaths(Array(part) + Array(part), db: split, force: true)
        }
        let capped = work.appendingPathComponent("capped.db").path
        _ = try ingestPaths(inputs, db: capped, threads: 2, requestCap: 300, runKeysPerShard: 20, batchSize: 700)
        for db in [split, capped] {
            var store = try Store(path: db)
            let kept = try ["quarter_rollup", "caller_rollup"].map { try rows(store, $0) }
            #expect(kept[0].count > 1_000)
            #expect(kept[1].count > 100)
            try store.transaction { try store.db.execute(Schema.rebuildRollup) }
            #expect(kept == (try ["quarter_rollup", "caller_rollup"].map { try rows(store, $0) }))

            // The store as the schema before these rollups had it: their migration builds them.
            let migration = try #require(Migration.all.first { $0.id.hasSuffix("-quarter-and-caller-rollups") })
            try store.db.execute("DROP TABLE quarter_rollup; DROP TABLE caller_rollup")
            try store.transaction { try store.db.execute(migration.sql) }
            store = try Store(path: db)
            #expect(kept == (try ["quarter_rollup", "caller_rollup"].map { try rows(store, $0) }))
        }
    }
}
