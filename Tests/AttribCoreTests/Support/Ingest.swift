// Ingesting in tests: in-memory inputs or files on disk into a store, and the requests it then holds.

import Foundation

@testable import AttribCore

/// Ingests in-memory inputs (name, content) into the store at `db`, one run.
@discardableResult
func ingest(_ inputs: [(String, String)], into db: String) throws -> IngestCounts {
    let store = try Store(path: db)
    let ingestor = try IngestWorker(store: store, batchSize: 3)
    for (name, text) in inputs {
        _ = try ingestor.beginSource(path: name, fingerprint: nil, bytes: nil, compression: .none)
        _ = try readInput(MemorySource(text), path: name, sink: ingestor)
        try ingestor.endSource(complete: true)
    }
    return try ingestor.finish()
}

func ingestPaths(
    _ paths: [String], db: String, force: Bool = false, threads: Int? = nil, requestCap: Int = 250_000,
    runKeysPerShard: Int = 26_000, batchSize: Int = 25_000, requestHalvesFrom: Int = StoreWriter.halvesFrom
) throws -> (IngestOutcome, [String]) {
    let store = try Store(path: db)
    let ingestor = try IngestWorker(
        store: store, batchSize: batchSize, requestCap: requestCap, runKeysPerShard: runKeysPerShard,
        requestHalvesFrom: requestHalvesFrom)
    var warnings: [String] = []
    let outcome = try IngestRun.run(
        paths: paths, store: store, options: IngestOptions(force: force, workers: threads), ingestor: ingestor
    ) { warnings.append($0) }
    return (outcome, warnings)
}

struct StoredRequest: Equatable {
    var requestId: String
    var email: String?
    var sub: String?
    var model: String?
    var route: String?
    var status: Int64?
    var tokens: [Int64]
    var lines: Int64
}

func storedRequests(_ db: String) throws -> [StoredRequest] {
    let store = try Store(path: db, readOnly: true)
    let s = try store.db.prepare(
        """
        SELECT request_id, user_email, user_sub, model_id, route, status, input_tokens, output_tokens,
               cache_read_tokens, cache_write_tokens, lines FROM requests ORDER BY request_id
        """)
    var result: [StoredRequest] = []
    while try s.step() {
        result.append(
            StoredRequest(
                requestId: s.text(0)!, email: s.text(1), sub: s.text(2), model: s.text(3), route: s.text(4),
                status: s.optionalInt(5), tokens: [s.int(6), s.int(7), s.int(8), s.int(9)], lines: s.int(10)))
    }
    return result
}
