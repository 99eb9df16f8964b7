// One large input read with every thread (EventExchange): whatever the chunking and however the
// document is cut into gzip members or zstd frames (inside strings, escapes, multi-byte UTF-8), the
// store holds exactly what a one-thread ingest of the plain document holds.

import Foundation
import Testing

@testable import AttribCore

@Suite("One large input, every thread", .serialized)
struct SharedReadingTests {
    /// A filter-log-events document as the aws CLI writes it (pretty-printed), whose messages hold
    /// braces, brackets, quotes, backslashes, escaped line ends and UTF-8 of every length, raw or as
    /// `\u` escapes (surrogate pairs too); with duplicate events and events that are rejects.
    static func document(requests: Int) -> String {
        var events: [String] = []
        let agents = [
            #"curl/8.4 {"x": [1, 2]}"#, #"say "hi" \ back"#, "caf\u{E9} \u{65E5}\u{672C} \u{1F389}",
            "a}\n],{\"b\": \"}\"", #"\u00e9 stays literal"#,
        ]
        for i in 0..<requests {
            let rid = "req-\(i)"
            let ms = 1_772_442_000_000 + Int64(i) * 1000
            let email = i % 5 == 0 ? "\u{E9}l\u{E8}ve\(i % 7)@example.com" : "user\(i % 11)@example.com"
            let agent = agents[i % agents.count]
            func line(_ fields: [String: Any]) -> String {
                let data = try! JSONSerialization.data(
                    withJSONObject: fields, options: [.sortedKeys, .withoutEscapingSlashes])
                return String(decoding: data, as: UTF8.self)
            }
            let lines = [
                line([
                    "timestamp": iso(ms), "message": "Request started", "request_id": rid, "method": "POST",
                    "path": "/v1/messages", "user_email": email, "user_agent": agent,
                ]),
                line([
                    "timestamp": iso(ms + 10), "message": "Invoking Bedrock", "request_id": rid,
                    "modelId": "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
                ]),
                line([
                    "timestamp": iso(ms + 900), "message": "Stream usage emitted", "request_id": rid,
                    "modelId": "us.anthropic.claude-sonnet-4-5-20250929-v1:0", "input_tokens": 100 + i,
                    "output_tokens": 7 * i % 300, "cache_read_input_tokens": i % 13,
                ]),
                line([
                    "timestamp": iso(ms + 950), "message": "Request completed", "request_id": rid,
                    "status": i % 9 == 0 ? 500 : 200, "duration_ms": 950, "user_email": email,
                ]),
            ]
            for (k, l) in lines.enumerated() {
                var message = jsonString(l)
                if i % 2 == 1 {
                    // The same text as escapes: \u00e9, and a surrogate pair for the emoji.
                    message = message.replacingOccurrences(of: "\u{E9}", with: #"\u00e9"#)
                        .replacingOccurrences(of: "\u{1F389}", with: #"\ud83c\udf89"#)
                }
                let stream = "router/\(i % 3)"
                events.append(
                    """
                            {
                                "logStreamName": "\(stream)",
                                "timestamp": \(ms + Int64(k)),
                                "message": \(message),
                                "ingestionTime": \(ms + 5000),
                                "eventId": "\(i)-\(k)"
                            }
                    """)
            }
            if i % 17 == 3 { events.append(events[events.count - 3]) }  // a duplicate, later in the document
            if i % 29 == 5 {
                events.append(
                    """
                            {
                                "logStreamName": "router/x",
                                "timestamp": \(ms),
                                "eventId": "no-message-\(i)"
                            }
                    """)
            }
        }
        return "{\n    \"events\": [\n" + events.joined(separator: ",\n")
            + "\n    ],\n    \"searchedLogStreams\": []\n}\n"
    }

    static func iso(_ ms: Int64) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
    }

    /// Byte offsets where a cut is adversarial: inside an escape (`\"`, `\u00e9`, a surrogate pair),
    /// between the bytes of a multi-byte character, inside a string just after a brace.
    static func adversarialCuts(_ bytes: [UInt8]) -> [Int] {
        var cuts: [Int] = []
        func first(_ needle: [UInt8], after: Int) -> Int? {
            guard needle.count <= bytes.count else { return nil }
            var i = after
            while i + needle.count <= bytes.count {
                if bytes[i] == needle[0] && Array(bytes[i..<(i + needle.count)]) == needle { return i }
                i += 1
            }
            return nil
        }
        var from = 0
        for (needle, offset) in [
            (Array(#"\""#.utf8), 1), (Array("\u{E9}".utf8), 1), (Array(#"\u00e9"#.utf8), 3),
            (Array(#"\ud83c\udf89"#.utf8), 7), (Array("\u{1F389}".utf8), 2), (Array("\u{65E5}".utf8), 2),
            (Array(#"{\\\"x"#.utf8), 1), (Array(#"\\n"#.utf8), 1),
        ] {
            if let at = first(needle, after: from) {
                cuts.append(at + offset)
                from = at + needle.count + 1000
            }
        }
        return cuts.sorted()
    }

    /// Everything a run stores, in an order that does not depend on which thread wrote what.
    static func dump(_ db: String) throws -> [String] {
        let store = try Store(path: db, readOnly: true)
        var out: [String] = []
        func rows(_ sql: String) throws {
            let s = try store.db.prepare(sql)
            var got: [String] = []
            while try s.step() {
                got.append((0..<s.columnCount).map { s.text($0) ?? "∅" }.joined(separator: "|"))
            }
            out.append(sql)
            out += got.sorted()
        }
        try rows(
            "SELECT shape, events, new_events, duplicates, rejects, complete, first_ms, last_ms FROM source")
        try rows("SELECT position, reason, hex(raw) FROM reject r JOIN source s ON s.id = r.source")
        try rows(
            """
            SELECT event_key, ts, request_id, statement, has_user_sub, has_user_email, has_auth_source, is_usage,
                   is_json FROM events
            """)
        try rows("SELECT * FROM requests")
        // Every stored message, whichever block holds it.
        let b = try store.db.prepare("SELECT data FROM block")
        var messages: [String] = []
        while try b.step() {
            for m in BlockCodec.messages(BlockCodec.decompress(b.blob(0)) ?? []) {
                messages.append(String(decoding: m, as: UTF8.self))
            }
        }
        out += messages.sorted()
        return out
    }

    static func ingest(_ path: String, db: String, threads: Int, chunkEvents: Int) throws -> IngestOutcome {
        let store = try Store(path: db)
        let worker = try IngestWorker(store: store, batchSize: 500)
        var options = IngestOptions(workers: threads)
        options.helpAboveBytes = 0
        options.chunkEvents = chunkEvents
        options.handOutAll = true
        return try IngestRun.run(paths: [path], store: store, options: options, ingestor: worker) { _ in }
    }

    @Test("A document cut in strings, escapes and UTF-8, as gzip members or zstd frames: the one-thread store")
    func documentCutAnywhere() throws {
        let dir = temporaryDirectory()
        let text = Self.document(requests: 600)
        let bytes = Array(text.utf8)
        let plain = dir.appendingPathComponent("all.json")
        try Data(bytes).write(to: plain)
        let cuts = Self.adversarialCuts(bytes)
        #expect(cuts.count == 8)

        // gzip members and zstd frames that end exactly at the cuts.
        var pieces: [String] = []
        var start = 0
        for (k, cut) in (cuts + [bytes.count]).enumerated() {
            let piece = dir.appendingPathComponent("piece\(k)")
            try Data(bytes[start..<cut]).write(to: piece)
            pieces.append(piece.path)
            start = cut
        }
        let gz = dir.appendingPathComponent("all.json.gz").path
        let zst = dir.appendingPathComponent("all.json.zst").path
        #expect(try shell("for p in \(pieces.joined(separator: " ")); do gzip -c $p >> \(gz); done") == 0)
        #expect(try shell("for p in \(pieces.joined(separator: " ")); do zstd -q -c $p >> \(zst); done") == 0)

        let one = dir.appendingPathComponent("one.db").path
        let baseline = try Self.ingest(plain.path, db: one, threads: 1, chunkEvents: 256)
        #expect(baseline.eventsHelped == 0)
        #expect(baseline.counts.duplicates > 30)
        #expect(baseline.counts.rejects > 15)
        let expected = try Self.dump(one)
        #expect(expected.count > 5000)

        for (input, threads, chunk) in [
            (plain.path, 2, 1), (plain.path, 2, 7), (gz, 2, 3), (zst, 2, 64), (gz, 3, 2), (zst, 1, 5),
        ] {
            let db = dir.appendingPathComponent(
                "\(threads)-\(chunk)-\(URL(fileURLWithPath: input).lastPathComponent).db")
            let outcome = try Self.ingest(input, db: db.path, threads: threads, chunkEvents: chunk)
            if threads > 1 { #expect(outcome.eventsHelped > 0, "\(input) -j \(threads)") }
            #expect(outcome.counts.newEvents == baseline.counts.newEvents)
            #expect(outcome.counts.rejects == baseline.counts.rejects)
            let same = try Self.dump(db.path) == expected
            #expect(same, "\(input) -j \(threads), chunks of \(chunk)")
        }
    }

    @Test("S3 export lines with rejects in the middle: line numbers of the whole file with two threads")
    func exportLinesPositions() throws {
        let dir = temporaryDirectory()
        var data = Data()
        for i in 0..<3000 {
            data.append(
                contentsOf: Array(
                    "2026-03-02T09:00:\(String(format: "%02d", i % 60)).\(String(format: "%03d", i % 1000))Z ".utf8))
            if i % 401 == 7 {
                data.append(contentsOf: [0x7B, 0xFF, 0xFE, 0x7D, 0x0A])  // invalid UTF-8: a reject at this line
            } else {
                data.append(
                    contentsOf: Array(#"{"message": "Request started", "request_id": "r\#(i % 900)", "n": \#(i)}"#.utf8)
                )
                data.append(0x0A)
            }
        }
        let path = dir.appendingPathComponent("lines.log")
        try data.write(to: path)
        let one = dir.appendingPathComponent("one.db").path
        let two = dir.appendingPathComponent("two.db").path
        _ = try Self.ingest(path.path, db: one, threads: 1, chunkEvents: 256)
        let outcome = try Self.ingest(path.path, db: two, threads: 2, chunkEvents: 3)
        #expect(outcome.eventsHelped > 0)
        let a = try Self.dump(one)
        let positions = a.filter { $0.contains("|invalid UTF-8 in message|") }.map { $0.prefix { $0 != "|" } }
        #expect(positions.sorted() == (0..<3000).filter { $0 % 401 == 7 }.map { "line \($0 + 1)" }.sorted())
        let same = try Self.dump(two) == a
        #expect(same)
    }
}

@Suite("Events handed to another thread keep their file's mapping")
struct SharedReadingMappingTests {
    /// A large aura audit file (read by one thread, handed out event by event) beside small router files
    /// (whose thread then helps): every aura request must be read with aura's mapping.
    @Test("A gateway's events processed by a thread that last read the router's: the one-thread store")
    func helperUsesTheFilesMapping() throws {
        let template = GatewayLines.aura[0]
        let aura = (0..<1500).map { i in
            template.replacingOccurrences(of: #""request_id": "a-1""#, with: #""request_id": "a-\#(i)""#)
                .replacingOccurrences(
                    of: "10:00:00.123Z",
                    with: "10:\(String(format: "%02d", i / 60 % 60)):\(String(format: "%02d", i % 60)).123Z")
        }
        var files: [String: [String]] = ["aura/audit.jsonl": aura]
        for k in 0..<6 {
            files["router/\(k).jsonl"] = GatewayLines.router.map {
                $0.replacingOccurrences(of: #""r-1""#, with: #""r-\#(k)""#)
            }
        }
        let dir = try folder(files)
        func stored(_ db: String) throws -> [String] {
            try sqlRows(
                db,
                "SELECT request_id, source, user_id, auth_source, status, latency_ms, user_email, model_id FROM requests ORDER BY request_id"
            )
        }
        let one = temporaryDirectory().appendingPathComponent("one.db").path
        _ = try SharedReadingTests.ingest(dir, db: one, threads: 1, chunkEvents: 256)
        let expected = try stored(one)
        #expect(expected.count == 1506)
        #expect(expected.filter { $0.contains(",aura,u-1,api_key,200,12,") }.count == 1500)
        for round in 0..<3 {
            let two = temporaryDirectory().appendingPathComponent("two-\(round).db").path
            let outcome = try SharedReadingTests.ingest(dir, db: two, threads: 2, chunkEvents: 1)
            #expect(try stored(two) == expected, "round \(round): \(outcome.eventsHelped) events helped")
        }
    }
}
