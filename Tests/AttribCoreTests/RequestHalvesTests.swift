// A new store's requests written by two threads (RequestHalves.swift) are the requests and the rollups one
// thread writes, to the last bit of every sum, with or without spilled requests.

import Foundation
import Testing

@testable import AttribCore

@Suite("A new store's requests written by two threads: the same store as one thread writes")
struct RequestHalvesTests {
    /// Every row of `table` (or of the `requests` view) as text, doubles by their bits.
    func rows(_ db: String, _ sql: String) throws -> [[String]] {
        let store = try Store(path: db, readOnly: true)
        let s = try store.db.prepare(sql)
        var rows: [[String]] = []
        while try s.step() {
            rows.append(
                (0..<s.columnCount).map { c in
                    if s.columnType(c) == 2, let d = s.optionalDouble(c) {  // SQLITE_FLOAT
                        return "f" + String(d.bitPattern, radix: 16)
                    }
                    return s.text(c) ?? "NULL"
                })
        }
        return rows
    }

    func ingest(_ inputs: [String], into db: String, halvesFrom: Int, requestCap: Int = 250_000) throws -> Int {
        let store = try Store(path: db)
        let ingestor = try IngestWorker(
            store: store, batchSize: 700, requestCap: requestCap, requestHalvesFrom: halvesFrom)
        _ = try IngestRun.run(paths: inputs, store: store, options: IngestOptions(workers: 1), ingestor: ingestor) {
            _ in
        }
        return (ingestor.shared.sink as! StoreWriter).rowsWrittenBySecondThread
    }

    @Test("Two threads (with and without spills) write what one writes: requests, rollups, reports")
    func sameStore() throws {
        let corpus = try generateCorpus(requests: 2_500, seed: 31)
        let inputs = files(under: corpus.appendingPathComponent("exports"))
        let one = corpus.appendingPathComponent("one.db").path
        let two = corpus.appendingPathComponent("two.db").path
        let spilled = corpus.appendingPathComponent("two-spilled.db").path
        #expect(try ingest(inputs, into: one, halvesFrom: .max) == 0)
        let second = try ingest(inputs, into: two, halvesFrom: 0)
        let secondSpilled = try ingest(inputs, into: spilled, halvesFrom: 0, requestCap: 300)

        let requests = try rows(one, "SELECT * FROM requests ORDER BY request_id")
        #expect(requests.count > 2_000)
        // Request keys are hashes: the second thread wrote about half of them.
        #expect(second > requests.count / 3 && second < requests.count * 2 / 3)
        #expect(secondSpilled == second)
        for db in [two, spilled] {
            #expect(try rows(db, "SELECT * FROM requests ORDER BY request_id") == requests)
            // One thread reads the files in the same order each time: the same dictionary ids, so the
            // rollups compare row for row, sums by their bits.
            for table in ["rollup", "traffic_rollup", "quarter_rollup", "caller_rollup"] {
                let expected = try rows(one, "SELECT * FROM \(table) ORDER BY 1, 2, 3, 4, 5, 6")
                #expect(expected.count > 10)
                #expect(try rows(db, "SELECT * FROM \(table) ORDER BY 1, 2, 3, 4, 5, 6") == expected)
            }
            #expect(try rows(db, "PRAGMA integrity_check") == [["ok"]])
        }
        // Logged costs (doubles): the sums of the two halves are added in one order whichever path wrote them.
        // Summed in key order instead, one row's sum would differ in its last bits from the halves'.
        var lines = ""
        var state: UInt64 = 7
        for i in 0..<400 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let cost = Double(state >> 11) / Double(1 << 53) * 3.7
            lines +=
                #"{"timestamp":"2026-03-01T00:00:\#(String(format: "%02d", i % 60)).000Z","request_id":"cost-\#(i)","#
            lines += #""modelId":"moonshotai.kimi-k2.5","user_email":"u\#(i % 3)@example.com","prompt_tokens":10,"#
            lines += #""completion_tokens":5,"cost_usd":\#(cost),"message":"Mantle streaming complete"}"# + "\n"
        }
        let costs = corpus.appendingPathComponent("costs.jsonl")
        try lines.write(to: costs, atomically: true, encoding: .utf8)
        let costOne = corpus.appendingPathComponent("cost-one.db").path
        let costTwo = corpus.appendingPathComponent("cost-two.db").path
        #expect(try ingest([costs.path], into: costOne, halvesFrom: .max) == 0)
        #expect(try ingest([costs.path], into: costTwo, halvesFrom: 0) > 100)
        let logged = try rows(costOne, "SELECT logged_cost FROM rollup ORDER BY 1")
        #expect(logged.count == 3 && logged.allSatisfy { $0[0].hasPrefix("f") })
        #expect(try rows(costTwo, "SELECT logged_cost FROM rollup ORDER BY 1") == logged)
        for table in ["rollup", "traffic_rollup", "quarter_rollup", "caller_rollup"] {
            #expect(
                try rows(costTwo, "SELECT * FROM \(table) ORDER BY 1, 2, 3, 4, 5, 6")
                    == rows(costOne, "SELECT * FROM \(table) ORDER BY 1, 2, 3, 4, 5, 6"))
        }

        // No scratch file is left beside the store.
        let left = try FileManager.default.contentsOfDirectory(atPath: corpus.path).filter { $0.hasPrefix(".attrib-") }
        #expect(left.isEmpty)
    }
}
