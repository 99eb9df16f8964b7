// The traffic rollup (day × model × method × path × user agent × log group × log stream × route × status)
// answers the reports the day rollup cannot, exactly as a scan of every request does, and each ingest keeps
// it equal to a rebuild; gaps' cutover is kept by ingest too.

import Foundation
import Testing

@testable import AttribCore

@Suite("The traffic rollup answers path, user agent and stream reports as the request table does")
struct TrafficRollupTests {
    func rows(_ db: String, _ table: String) throws -> [[Int64?]] {
        let store = try Store(path: db, readOnly: true)
        let s = try store.db.prepare("SELECT * FROM \(table)")
        var rows: [[Int64?]] = []
        while try s.step() {
            let n = s.columnCount
            rows.append(
                (0..<(n - 1)).map { s.optionalInt($0) } + [s.optionalDouble(n - 1).map { Int64($0 * 1e6) }])
        }
        return rows
    }

    @Test("Kept up to date over split, repeated and memory-capped runs: row for row a rebuild")
    func equalToRebuild() throws {
        let corpus = try generateCorpus(requests: 3_000, seed: 23)
        let inputs = files(under: corpus.appendingPathComponent("exports"))
        let split = corpus.appendingPathComponent("split.db").path
        let reversed = Array(inputs.reversed())
        let third = reversed.count / 3
        for part in [reversed[..<third], reversed[third..<(2 * third)], reversed[(2 * third)...]] {
            _ = try ingestPaths(Array(part) + Array(part), db: split, force: true)
        }
        let capped = corpus.appendingPathComponent("capped.db").path
        _ = try ingestPaths(inputs, db: capped, threads: 2, requestCap: 300, runKeysPerShard: 20, batchSize: 700)
        for db in [split, capped] {
            let kept = try rows(db, "traffic_rollup")
            #expect(kept.count > 100)
            let store = try Store(path: db)
            try store.transaction { try store.db.execute(Schema.rebuildRollup) }
            #expect(kept == (try rows(db, "traffic_rollup")))
        }
    }

    @Test("Reports by path, status, user agent, log group and stream: the same rows from the rollup and a scan")
    func sameAnswers() throws {
        let corpus = try generateCorpus(requests: 2_000, seed: 29)
        let db = corpus.appendingPathComponent("attrib.db").path
        _ = try ingestPaths(files(under: corpus.appendingPathComponent("exports")), db: db)
        let store = try Store(path: db, readOnly: true)
        let prices = try PriceTable.load(path: corpus.appendingPathComponent("prices.csv").path)
        let agent = Filter(dimension: .userAgent, op: .glob, value: "*")
        let queries: [(RequestScope, [ReportDimension], [Filter])] = [
            (.modelRequests, [.userAgent], []), (.modelRequests, [.path, .status], []),
            (.modelRequests, [.logStream], []), (.all, [.logGroup, .day, .route], []),
            (.modelRequests, [.model, .month], [agent]), (.mantle, [.userAgent, .modelId], []),
        ]
        for (scope, dims, filters) in queries {
            let query = ReportQuery(scope: scope, dimensions: dims, filters: filters)
            #expect(try Reports.plan(query, store: store, prices: prices).table == .trafficRollup)
            // A bound inside a day sends the same query to the request table.
            var scan = query
            scan.window = TimeWindow(since: 1)
            #expect(try Reports.plan(scan, store: store, prices: prices).table == .request)
            let a = try Reports.run(query, store: store, prices: prices)
            let b = try Reports.run(scan, store: store, prices: prices)
            #expect(a.rows.count > 1, "\(dims)")
            #expect(a.rows.map(\.values) == b.rows.map(\.values), "\(dims)")
            #expect(a.rows.map(\.totalTokens) == b.rows.map(\.totalTokens), "\(dims)")
            #expect(
                zip(a.rows, b.rows).allSatisfy { x, y in
                    x.requests == y.requests && abs((x.costUSD ?? 0) - (y.costUSD ?? 0)) < 1e-6
                }, "\(dims)")
        }
    }

    @Test("Gaps' cutover is kept by ingest: the earliest line with identity")
    func cutover() throws {
        let db = temporaryDirectory().appendingPathComponent("attrib.db").path
        let late = lineA.replacingOccurrences(of: "10:00:00.123Z", with: "11:00:00Z").replacingOccurrences(
            of: "\"r1\"", with: "\"r2\"")
        try ingest([("late.jsonl", late + "\n")], into: db)
        try ingest([("early.jsonl", lineA + "\n" + lineB + "\n")], into: db)
        let store = try Store(path: db, readOnly: true)
        let kept = try store.db.scalar("SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'identity_cutover'")
        #expect(kept == 1_772_359_200_123)
        #expect(try store.identityCutover() == 1_772_359_200_123)
    }
}
