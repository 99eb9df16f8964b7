// Hostile inputs never crash or hang a reader, are reported with a position, and lose nothing good.

import Foundation
import Testing

@testable import AttribCore

@Suite("Hostile inputs: no crash, no hang, good data kept")
struct HostileInputTests {
    let good = #"{"timestamp": "2026-03-01T10:00:00Z", "message": "Request started", "request_id": "ok-1"}"#
    let good2 =
        #"{"timestamp": "2026-03-01T10:00:01Z", "message": "Request completed", "request_id": "ok-1", "status": 200}"#

    func messages(_ s: CollectingSink) -> [String] { s.events.map(\.message) }

    @Test("JSON nested 100,000 levels deep in a JSON line")
    func deepNesting() throws {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        let text = good + "\n{\"a\": " + deep + "}\n" + good2 + "\n"
        let sink = try read(text, chunk: 65536)
        #expect(messages(sink).contains(good))
        #expect(messages(sink).contains(good2))
        // The deep line is valid JSON: kept as an event with no fields; parsing it must not recurse.
        let parser = LineParser()
        let line = ParsedLine()
        Array(("{\"a\": " + deep + "}").utf8).withUnsafeBytes { parser.parse($0, into: line) }
        #expect(line.isJSON)
    }

    @Test("Unbalanced deep nesting is a reject, not a hang")
    func deepUnbalanced() throws {
        let text = good + "\n{\"a\": " + String(repeating: "[", count: 100_000) + "\n" + good2 + "\n"
        let sink = try read(text, chunk: 65536)
        #expect(messages(sink) == [good, good2])
        #expect(sink.rejects.count == 1)
        #expect(sink.rejects.first?.0.line == 2)
    }

    @Test("A single 30 MB line is read; memory is bounded by the unit limit")
    func hugeLine() throws {
        let big =
            #"{"timestamp": "2026-03-01T10:00:00Z", "message": "x", "pad": ""# + String(repeating: "a", count: 30 << 20)
            + "\"}"
        let sink = try read(good + "\n" + big + "\n" + good2 + "\n", chunk: 1 << 20)
        #expect(sink.events.count == 3)
        #expect(sink.rejects.isEmpty)
    }

    @Test("A line beyond the 64 MiB unit limit is rejected and reading goes on")
    func oversizedLine() throws {
        let big = "{\"pad\": \"" + String(repeating: "a", count: 65 << 20) + "\"}"
        let sink = try read(good + "\n" + big + "\n" + good2 + "\n", chunk: 4 << 20)
        #expect(messages(sink) == [good, good2])
        #expect(sink.rejects.count == 1)
        #expect(sink.rejects.first?.1.contains("longer than") == true)
    }

    @Test("Invalid UTF-8 in a message and in an envelope")
    func invalidUTF8() throws {
        var bytes = Array((good + "\n").utf8)
        bytes += Array(#"{"message": "bad "#.utf8) + [0xC3, 0x28] + Array("\"}\n".utf8)
        bytes += Array((good2 + "\n").utf8)
        let sink = CollectingSink()
        _ = try readInput(MemorySource(bytes), path: "x", sink: sink)
        #expect(messages(sink) == [good, good2])
        #expect(sink.rejects.map(\.1) == ["invalid UTF-8 in message"])

        var envelope = Array(#"{"events": [{"timestamp": 1, "message": "ok"}, {"timestamp": 2, "message": "b"#.utf8)
        envelope += [0xFF, 0xFE] + Array(#""}, {"timestamp": 3, "message": "ok2"}]}"#.utf8)
        let sink2 = CollectingSink()
        _ = try readInput(MemorySource(envelope), path: "y", sink: sink2)
        #expect(messages(sink2) == ["ok", "ok2"])
        #expect(sink2.rejects.count == 1)
    }

    @Test("NUL bytes, a BOM and CRLF line ends")
    func nulBOMCRLF() throws {
        let text = "\u{FEFF}" + good + "\r\n" + "\u{0}\u{0}garbage\u{0}\r\n" + good2 + "\r\n"
        let sink = try read(text)
        #expect(messages(sink).contains(good))
        #expect(messages(sink).contains(good2 + "\r") || messages(sink).contains(good2))
    }

    @Test("Random bytes never crash a reader", arguments: 0..<20)
    func randomBytes(seed: Int) throws {
        var rng = SplitMix(seed: UInt64(seed))
        let prefixes: [[UInt8]] = [
            [], Array("{\"events\": [".utf8), Array("[".utf8), Array("@timestamp,@message\n".utf8),
            Array("2026-03-01T10:00:00.000Z ".utf8), Array("{\"results\": [[".utf8),
        ]
        let bytes = prefixes[seed % prefixes.count] + (0..<4096).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        let sink = CollectingSink()
        _ = try readInput(MemorySource(bytes, chunk: 97), path: "random", sink: sink)
    }

    @Test("Mutated valid documents never crash a reader", arguments: 0..<40)
    func mutations(seed: Int) throws {
        var rng = SplitMix(seed: UInt64(seed) &+ 1000)
        let docs = [
            #"{"events": [{"logStreamName": "s", "timestamp": 1, "message": "\#(good.replacingOccurrences(of: "\"", with: "\\\""))"}], "searchedLogStreams": []}"#,
            good + "\n" + good2 + "\n",
            "@timestamp,@message\n2026-03-01 10:00:00.000,\"" + good.replacingOccurrences(of: "\"", with: "\"\"")
                + "\"\n",
            "2026-03-01T10:00:00.000Z " + good + "\n",
            #"[{"@timestamp": "2026-03-01 10:00:00.000", "@message": "x"}]"#,
        ]
        var bytes = Array(docs[seed % docs.count].utf8)
        for _ in 0..<(1 + Int(rng.next() % 8)) {
            let i = Int(rng.next() % UInt64(bytes.count))
            switch rng.next() % 3 {
            case 0: bytes[i] = UInt8(truncatingIfNeeded: rng.next())
            case 1: bytes.remove(at: i)
            default: bytes.insert(Array("{}[]\",:\\\n".utf8)[Int(rng.next() % 9)], at: i)
            }
        }
        let sink = CollectingSink()
        _ = try readInput(MemorySource(bytes, chunk: 13), path: "mutated", sink: sink)
    }

    @Test("Impossible timestamps are not turned into wrong ones")
    func impossibleTimestamps() {
        for s in [
            "2026-02-30T10:00:00Z", "2026-13-01T00:00:00Z", "2026-03-01T25:00:00Z", "0000-01-01T00:00:00Z",
            "2026-03-01T10:00:00+99:00",
        ] {
            let bytes = Array(s.utf8)
            #expect(bytes.withUnsafeBufferPointer { parseISOTimestamp($0.baseAddress!, 0, $0.count) } == nil, "\(s)")
        }
        let ok = Array("2026-03-01T10:00:00.5+01:30".utf8)
        #expect(ok.withUnsafeBufferPointer { parseISOTimestamp($0.baseAddress!, 0, $0.count) } == 1_772_353_800_500)
    }

    @Test("A CSV with an unterminated quote keeps the rows before it")
    func unterminatedQuote() throws {
        let text =
            "@timestamp,@message\n2026-03-01 10:00:00.000,ok\n2026-03-01 10:00:01.000,\"never closed\n2026-03-01 10:00:02.000,lost\n"
        let sink = try read(text)
        #expect(messages(sink) == ["ok"])
        #expect(sink.rejects.map(\.1) == ["unterminated quoted field"])
        #expect(sink.rejects.first?.0.line == 3)
    }

    @Test("Duplicate keys: the first occurrence wins, deterministically")
    func duplicateKeys() {
        let parser = LineParser()
        let line = ParsedLine()
        Array(#"{"request_id": "a", "request_id": "b", "input_tokens": 1, "input_tokens": 2}"#.utf8).withUnsafeBytes {
            parser.parse($0, into: line)
        }
        #expect(line.string(.requestId) == "a")
        #expect(line.integer(.inputTokens) == 1)
    }
}
