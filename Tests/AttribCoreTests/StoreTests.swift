// Requests are assembled by request_id across shapes, files and runs; duplicates are never stored twice.

import Foundation
import Testing

@testable import AttribCore

func temporaryDirectory() -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("attrib-test-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Ingests in-memory inputs (name, content) into the store at `db`, one run.
@discardableResult
func ingest(_ inputs: [(String, String)], into db: String) throws -> IngestCounts {
    let store = try Store(path: db)
    let ingestor = try Ingestor(store: store, batchSize: 3)
    for (name, text) in inputs {
        _ = try ingestor.beginSource(path: name, fingerprint: nil, bytes: nil, compression: .none)
        _ = try readInput(MemorySource(text), path: name, sink: ingestor)
        try ingestor.endSource(complete: true)
    }
    return try ingestor.finish()
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
    let s = try store.db.prepare("""
        SELECT request_id, user_email, user_sub, model_id, route, status, input_tokens, output_tokens,
               cache_read_tokens, cache_write_tokens, lines FROM requests ORDER BY request_id
        """)
    var result: [StoredRequest] = []
    while try s.step() {
        result.append(StoredRequest(requestId: s.text(0)!, email: s.text(1), sub: s.text(2), model: s.text(3), route: s.text(4),
                                    status: s.optionalInt(5), tokens: [s.int(6), s.int(7), s.int(8), s.int(9)], lines: s.int(10)))
    }
    return result
}

let started = #"{"timestamp": "2026-03-02T09:00:00.000Z", "level": "INFO", "message": "Request started", "request_id": "req-1", "method": "POST", "path": "/v1/messages", "auth_source": "cognito", "user_sub": "sub-1", "user_email": "ana@example.com"}"#
let invoking = #"{"timestamp": "2026-03-02T09:00:00.010Z", "level": "INFO", "message": "Invoking Bedrock", "request_id": "req-1", "modelId": "us.anthropic.claude-sonnet-4-5-20250929-v1:0", "operation": "ConverseStream"}"#
let usage = #"{"timestamp": "2026-03-02T09:00:03.000Z", "level": "INFO", "message": "Stream usage emitted", "request_id": "req-1", "modelId": "us.anthropic.claude-sonnet-4-5-20250929-v1:0", "input_tokens": 100, "output_tokens": 200, "cache_read_input_tokens": 300, "cache_creation_input_tokens": 400}"#
let completed = #"{"timestamp": "2026-03-02T09:00:03.100Z", "level": "INFO", "message": "Request completed", "request_id": "req-1", "status": 200, "duration_ms": 3100, "auth_source": "cognito", "user_sub": "sub-1", "user_email": "ana@example.com"}"#
let mantle = #"{"timestamp": "2026-03-02T09:05:00.000Z", "message": "Mantle streaming complete", "request_id": "req-2", "modelId": "moonshotai.kimi-k2.5", "prompt_tokens": 1000, "completion_tokens": 10, "total_tokens": 1010, "prompt_tokens_details": {"cached_tokens": 250}}"#
let orphan = #"{"timestamp": "2026-03-02T09:06:00.000Z", "message": "Stream usage emitted", "modelId": "anthropic.claude-3-5-haiku-20241022-v1:0", "input_tokens": 5, "output_tokens": 6}"#

func filterDoc(_ lines: [(Int64, String)]) -> String {
    let events = lines.map { #"{"logStreamName": "router/router/abc", "timestamp": \#($0.0), "message": \#(jsonString($0.1)), "ingestionTime": 0, "eventId": "x"}"# }
    return #"{"events": [\#(events.joined(separator: ", "))], "searchedLogStreams": []}"#
}

@Suite("Requests are assembled by request_id")
struct StoreTests {
    let expected = [
        StoredRequest(requestId: "req-1", email: "ana@example.com", sub: "sub-1", model: "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
                      route: "bedrock", status: 200, tokens: [100, 200, 300, 400], lines: 4),
        StoredRequest(requestId: "req-2", email: nil, sub: nil, model: "moonshotai.kimi-k2.5", route: "mantle", status: nil,
                      tokens: [750, 10, 250, 0], lines: 1),
    ]

    @Test("A usage line without identity is attributed through request_id, across files and shapes")
    func joinAcrossFiles() throws {
        let db = temporaryDirectory().appendingPathComponent("a.db").path
        try ingest([("a.jsonl", started + "\n" + usage + "\n"), ("b.json", filterDoc([(1, invoking), (2, completed), (3, mantle)]))], into: db)
        let requests = try storedRequests(db)
        #expect(requests == expected)
    }

    @Test("The same events through several shapes and runs are stored once")
    func dedup() throws {
        let db = temporaryDirectory().appendingPathComponent("b.db").path
        let jsonl = [started, invoking, usage, completed, mantle].joined(separator: "\n") + "\n"
        let first = try ingest([("a.jsonl", jsonl)], into: db)
        #expect(first.newEvents == 5)
        // CloudWatch copies have envelope timestamps a few ms off: still the same events.
        let second = try ingest([("b.json", filterDoc([(7, usage), (8, started), (9, mantle)])), ("a.jsonl", jsonl)], into: db)
        #expect(second.newEvents == 0)
        #expect(second.duplicates == 8)
        #expect(try storedRequests(db) == expected)
    }

    @Test("Order of ingestion does not change requests, streams included")
    func orderIndependence() throws {
        let inputs = [("a.jsonl", [started, usage].joined(separator: "\n")), ("b.json", filterDoc([(1, invoking), (2, completed), (3, usage)])),
                      ("c.jsonl", mantle + "\n" + orphan)]
        let db1 = temporaryDirectory().appendingPathComponent("c.db").path
        let db2 = temporaryDirectory().appendingPathComponent("d.db").path
        try ingest(inputs, into: db1)
        try ingest(inputs.reversed(), into: db2)
        try ingest(inputs, into: db2)
        #expect(try storedRequests(db1) == storedRequests(db2))
        let streams = { (db: String) throws -> [String?] in
            let store = try Store(path: db, readOnly: true)
            let s = try store.db.prepare("SELECT log_stream FROM requests ORDER BY request_id")
            var out: [String?] = []
            while try s.step() { out.append(s.text(0)) }
            return out
        }
        #expect(try streams(db1) == streams(db2))
    }

    @Test("A usage line without request_id is a request of its own")
    func orphanUsage() throws {
        let db = temporaryDirectory().appendingPathComponent("e.db").path
        try ingest([("a.jsonl", orphan + "\n" + orphan + "\n")], into: db)
        let requests = try storedRequests(db)
        #expect(requests.count == 1)
        #expect(requests[0].requestId.hasPrefix("orphan-"))
        #expect(requests[0].tokens == [5, 6, 0, 0])
    }

    @Test("Two different emails on one request are a conflict, resolved the same way in any order")
    func conflicts() throws {
        let a = #"{"timestamp": "2026-03-02T09:00:00Z", "message": "Request started", "request_id": "r", "user_email": "b@example.com"}"#
        let b = #"{"timestamp": "2026-03-02T09:00:01Z", "message": "Request completed", "request_id": "r", "user_email": "a@example.com", "status": 200}"#
        for order in [[a, b], [b, a]] {
            let db = temporaryDirectory().appendingPathComponent("f.db").path
            try ingest(order.map { ("x", $0) }, into: db)
            let store = try Store(path: db, readOnly: true)
            #expect(try store.db.scalar("SELECT has_conflict FROM requests") == 1)
            let s = try store.db.prepare("SELECT user_email FROM requests")
            _ = try s.step()
            #expect(s.text(0) == "a@example.com")
        }
    }

    @Test("Raw events are kept in compressed blocks and read back")
    func rawBlocks() throws {
        let db = temporaryDirectory().appendingPathComponent("g.db").path
        try ingest([("a.jsonl", [started, invoking, usage, completed].joined(separator: "\n"))], into: db)
        let store = try Store(path: db, readOnly: true)
        let s = try store.db.prepare("SELECT data FROM block ORDER BY id")
        var messages: [String] = []
        while try s.step() {
            let block = try #require(BlockCodec.decompress(s.blob(0)))
            messages += BlockCodec.messages(block).map { String(decoding: $0, as: UTF8.self) }
        }
        #expect(messages == [started, invoking, usage, completed])
    }
}
