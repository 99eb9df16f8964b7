// The progress line of an ingest: bytes of the inputs as stored (compressed) on both sides, never past
// the total, an ETA once the rate is known.

import Foundation
import Testing

@testable import AttribCore

@Suite("Ingest progress counts file bytes once and never overshoots")
struct IngestProgressTests {
    /// `n` router lines, each its own request.
    func lines(_ file: Int, _ n: Int) -> String {
        (0..<n).map { i in
            #"{"timestamp":"2026-03-01T10:00:01Z","message":"Stream usage emitted","request_id":"f\#(file)-r\#(i)","modelId":"m","input_tokens":10,"output_tokens":20}"#
        }.joined(separator: "\n") + "\n"
    }

    @Test("Several files on two threads: the bytes reported stay within the total and reach it")
    func twoWorkers() throws {
        let dir = temporaryDirectory()
        var total: Int64 = 0
        for f in 0..<8 {
            let text = lines(f, 400 + 50 * f)
            try text.write(to: dir.appendingPathComponent("f\(f).jsonl"), atomically: true, encoding: .utf8)
            total += Int64(text.utf8.count)
        }
        let store = try Store(path: dir.appendingPathComponent("attrib.db").path)
        let ingestor = try IngestWorker(store: store, batchSize: 50)
        let seen = Lock()
        var reports: [(Int64, Int64?)] = []
        ingestor.onProgress = { _, read, total in seen.locked { reports.append((read, total)) } }
        _ = try IngestRun.run(
            paths: [dir.path], store: store, options: IngestOptions(workers: 2), ingestor: ingestor, warn: { _ in })
        #expect(!reports.isEmpty)
        #expect(reports.allSatisfy { $0.1 == total })
        let over = reports.filter { $0.0 > total }
        #expect(over.isEmpty, "reported past the total \(total): \(over.prefix(3).map(\.0))")
        #expect(reports.last?.0 == total)
    }

    @Test("The line: percent below 100 until the end, an ETA once meaningful")
    func line() {
        let early = IngestProgress.line(events: 1000, read: 1_048_576, total: 100 * 1_048_576, elapsedSeconds: 0.5)
        #expect(early == "ingest: 1.0 / 100.0 MB (1%), 1,000 events, 2,000 events/s")
        let later = IngestProgress.line(
            events: 50_000, read: 25 * 1_048_576, total: 100 * 1_048_576, elapsedSeconds: 10)
        #expect(later == "ingest: 25.0 / 100.0 MB (25%), 50,000 events, 5,000 events/s, about 30 s left")
        let minutes = IngestProgress.line(
            events: 50_000, read: 10 * 1_048_576, total: 100 * 1_048_576, elapsedSeconds: 20)
        #expect(minutes.hasSuffix(", about 3 min left"))
        // Read everything but not finished: 99%, not 100%; more than the total is shown as the total.
        let almost = IngestProgress.line(events: 9, read: 100 * 1_048_576, total: 100 * 1_048_576, elapsedSeconds: 20)
        #expect(almost.contains("(99%)"))
        #expect(!almost.contains("left"))
        let last = IngestProgress.line(events: 9, read: 99 * 1_048_576, total: 100 * 1_048_576, elapsedSeconds: 20)
        #expect(!last.contains("left"), "\(last)")
        let over = IngestProgress.line(events: 9, read: 120 * 1_048_576, total: 100 * 1_048_576, elapsedSeconds: 20)
        #expect(over.hasPrefix("ingest: 100.0 / 100.0 MB (99%)"))
        // Unknown total (stdin): bytes only.
        #expect(
            IngestProgress.line(events: 10, read: 2_097_152, total: nil, elapsedSeconds: 1)
                == "ingest: 2.0 MB, 10 events, 10 events/s")
    }
}
