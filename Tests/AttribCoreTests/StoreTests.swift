// Requests are assembled by request_id across shapes, files and runs; duplicates are never stored twice.

import Foundation
import Testing

@testable import AttribCore

func filterDoc(_ lines: [(Int64, String)]) -> String {
    let events = lines.map {
        #"{"logStreamName": "router/router/abc", "timestamp": \#($0.0), "message": \#(jsonString($0.1)), "ingestionTime": 0, "eventId": "x"}"#
    }
    return #"{"events": [\#(events.joined(separator: ", "))], "searchedLogStreams": []}"#
}

@Suite("Requests are assembled by request_id")
struct StoreTests {
    let expected = [
        StoredRequest(
            requestId: "req-1", email: "ana@example.com", sub: "sub-1",
            model: "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
            route: "bedrock", status: 200, tokens: [100, 200, 300, 400], lines: 4),
        StoredRequest(
            requestId: "req-2", email: nil, sub: nil, model: "moonshotai.kimi-k2.5", route: "mantle", status: nil,
            tokens: [750, 10, 250, 0], lines: 1),
    ]

    @Test("A usage line without identity is attributed through request_id, across files and shapes")
    func joinAcrossFiles() throws {
        let db = temporaryDirectory().appendingPathComponent("a.db").path
        try ingest(
            [
                ("a.jsonl", started + "\n" + usage + "\n"),
                ("b.json", filterDoc([(1, invoking), (2, completed), (3, mantle)])),
            ], into: db)
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
        let second = try ingest(
            [("b.json", filterDoc([(7, usage), (8, started), (9, mantle)])), ("a.jsonl", jsonl)], into: db)
        #expect(second.newEvents == 0)
        #expect(second.duplicates == 8)
        #expect(try storedRequests(db) == expected)
    }

    @Test("Order of ingestion does not change requests, streams included")
    func orderIndependence() throws {
        let inputs = [
            ("a.jsonl", [started, usage].joined(separator: "\n")),
            ("b.json", filterDoc([(1, invoking), (2, completed), (3, usage)])),
            ("c.jsonl", mantle + "\n" + orphan),
        ]
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
        let a =
            #"{"timestamp": "2026-03-02T09:00:00Z", "message": "Request started", "request_id": "r", "user_email": "b@example.com"}"#
        let b =
            #"{"timestamp": "2026-03-02T09:00:01Z", "message": "Request completed", "request_id": "r", "user_email": "a@example.com", "status": 200}"#
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
