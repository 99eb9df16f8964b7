// The recovery mark when the run's requests outgrow its table (spilled to temporary files, merged at the
// end): a kill after any commit loses nothing (the next run re-derives what was only in memory or a spill).

import Foundation
import Testing

@testable import AttribCore

@Suite("Recovery mark with spilled requests")
struct RecoveryMarkTests {
    /// 120 requests: first every request's line with its identity, then every request's usage line, so the
    /// usage lines add to requests already spilled.
    static let text: String = {
        let model = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
        var lines: [String] = []
        for i in 0..<120 {
            lines.append(
                #"{"timestamp": "2026-03-02T09:\#(String(format: "%02d:%02d", i / 60, i % 60)).000Z", "message": "Request received", "request_id": "k-\#(i)", "user_email": "u\#(i % 7)@example.com", "modelId": "\#(model)"}"#
            )
        }
        for i in 0..<120 {
            lines.append(
                #"{"timestamp": "2026-03-02T10:\#(String(format: "%02d:%02d", i / 60, i % 60)).000Z", "message": "Stream usage emitted", "request_id": "k-\#(i)", "modelId": "\#(model)", "input_tokens": \#(1000 + i), "output_tokens": \#(10 + i)}"#
            )
        }
        return lines.joined(separator: "\n") + "\n"
    }()

    /// Ingests `text` with a small request table (50) and batches of 40 events; with `stopAfter`, the run
    /// ends right after that many commits without writing its requests, as a kill -9 would leave it.
    static func run(db: String, stopAfter: Int?) throws {
        let worker = try IngestWorker(store: try Store(path: db), batchSize: 40, requestCap: 50)
        var commits = 0
        worker.shouldStop = {
            commits += 1
            return stopAfter.map { commits >= $0 } ?? false
        }
        _ = try worker.beginSource(path: "logs.jsonl", fingerprint: nil, bytes: nil, compression: .none)
        do {
            _ = try readInput(MemorySource(text, chunk: 4096), path: "logs.jsonl", sink: worker)
        } catch is IngestInterrupted {
            return  // killed: nothing after the last commit is written
        }
        try worker.endSource(complete: true)
        _ = try worker.finish()
    }

    @Test("killed after each commit, then run again: the same requests as a run never killed")
    func killAfterEachCommit() throws {
        let dir = temporaryDirectory()
        let whole = dir.appendingPathComponent("whole.db").path
        try Self.run(db: whole, stopAfter: nil)
        let expected = try storedRequests(whole)
        #expect(expected.count == 120)
        #expect(expected.allSatisfy { $0.lines == 2 && $0.email != nil && $0.tokens[0] >= 1000 })
        // 240 lines in batches of 40: six commits; the request table (50) is written before commits 2-6.
        for stop in 1...5 {
            let db = dir.appendingPathComponent("killed-\(stop).db").path
            try Self.run(db: db, stopAfter: stop)
            try Self.run(db: db, stopAfter: nil)
            #expect(try storedRequests(db) == expected, "killed after commit \(stop)")
        }
    }
}
