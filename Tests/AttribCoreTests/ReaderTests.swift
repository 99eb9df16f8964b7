// Each export shape is read into the same events, whatever its envelope looks like.

import Foundation
import Testing

@testable import AttribCore

let lineA =
    #"{"timestamp": "2026-03-01T10:00:00.123Z", "message": "Request started", "request_id": "r1", "user_email": "zoë@example.com"}"#
let lineB =
    #"{"timestamp":"2026-03-01T10:00:01Z","message":"Stream usage emitted","request_id":"r1","modelId":"us.anthropic.claude-sonnet-4-5-20250929-v1:0","input_tokens":10,"output_tokens":"20"}"#

@Suite("Each export shape yields the same events")
struct ReaderTests {
    @Test("filter-log-events, pretty-printed, with stream names and nextToken")
    func filterLogEvents() throws {
        let doc = """
            {
                "events": [
                    {
                        "logStreamName": "router/router/abc",
                        "timestamp": 1772359200125,
                        "message": \(jsonString(lineA)),
                        "ingestionTime": 1772359200200,
                        "eventId": "1"
                    },
                    {
                        "logStreamName": "router/router/def",
                        "timestamp": 1772359201002,
                        "message": \(jsonString(lineB)),
                        "ingestionTime": 1772359201100,
                        "eventId": "2"
                    }
                ],
                "searchedLogStreams": [],
                "nextToken": "abc"
            }
            """
        let sink = try read(doc)
        #expect(sink.rejects.isEmpty)
        #expect(sink.shapes == [.filterLogEvents])
        #expect(sink.events.map(\.message) == [lineA, lineB])
        #expect(sink.events.map(\.stream) == ["router/router/abc", "router/router/def"])
        #expect(sink.events[0].timestamp == 1_772_359_200_125)
    }

    @Test("get-log-events pages appended back to back")
    func getLogEventsPages() throws {
        let page1 =
            #"{"events": [{"timestamp": 1, "message": \#(jsonString(lineA)), "ingestionTime": 2}], "nextForwardToken": "f/1", "nextBackwardToken": "b/1"}"#
        let page2 =
            "{\n  \"events\": [\n    {\"timestamp\": 3, \"message\": \(jsonString(lineB)), \"ingestionTime\": 4}\n  ],\n  \"nextForwardToken\": \"f/2\"\n}\n"
        let sink = try read(page1 + "\n" + page2)
        #expect(sink.rejects.isEmpty)
        #expect(sink.events.map(\.message) == [lineA, lineB])
        #expect(sink.shapes.contains(.getLogEvents))
    }

    @Test("Firehose records back to back, CONTROL_MESSAGE ignored")
    func firehose() throws {
        let control =
            #"{"messageType":"CONTROL_MESSAGE","owner":"CloudwatchLogs","logGroup":"","logStream":"","subscriptionFilters":[],"logEvents":[{"id":"","timestamp":1,"message":"CWL CONTROL MESSAGE: Checking health of destination Firehose."}]}"#
        let data =
            #"{"messageType":"DATA_MESSAGE","owner":"1","logGroup":"/ecs/llm-router","logStream":"router/router/abc","subscriptionFilters":["f"],"logEvents":[{"id":"1","timestamp":5,"message":\#(jsonString(lineA))},{"id":"2","timestamp":6,"message":\#(jsonString(lineB))}]}"#
        let sink = try read(control + data + "\n" + data)
        #expect(sink.rejects.isEmpty)
        #expect(sink.events.count == 4)
        #expect(
            sink.events[0] == .init(timestamp: 5, message: lineA, stream: "router/router/abc", group: "/ecs/llm-router")
        )
        #expect(sink.shapes == [.firehose])
    }

    @Test("S3 export lines, with a message continued on the next line")
    func s3Export() throws {
        let text =
            "2026-03-01T10:00:00.125Z \(lineA)\n2026-03-01T10:00:02.000Z Traceback (most recent call last):\n  File \"x.py\", line 1\n2026-03-01T10:00:01.002Z \(lineB)\n"
        let sink = try read(text, path: "exports/0f1e2d3c-aaaa-bbbb-cccc-0123456789ab/router/router/abc/000000.gz")
        #expect(sink.rejects.isEmpty)
        #expect(sink.shapes == [.s3Export])
        #expect(
            sink.events.map(\.message) == [lineA, "Traceback (most recent call last):\n  File \"x.py\", line 1", lineB])
        #expect(sink.events[0].stream == "router/router/abc")
        #expect(sink.events[0].timestamp == 1_772_359_200_125)
    }

    @Test("Logs Insights CSV with a BOM and quoted JSON")
    func insightsCSV() throws {
        func q(_ s: String) -> String { "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
        let text =
            "\u{FEFF}@timestamp,@message,@logStream,@log\r\n2026-03-01 10:00:00.125,\(q(lineA)),router/router/abc,123456789012:/ecs/llm-router\r\n2026-03-01 10:00:01.002,\(q(lineB)),router/router/abc,123456789012:/ecs/llm-router\r\n"
        let sink = try read(text)
        #expect(sink.rejects.isEmpty)
        #expect(sink.shapes == [.insightsCSV])
        #expect(sink.events.map(\.message) == [lineA, lineB])
        #expect(sink.events[0].group == "/ecs/llm-router")
        #expect(sink.events[0].timestamp == 1_772_359_200_125)
    }

    @Test("Logs Insights JSON array and get-query-results")
    func insightsJSON() throws {
        let array =
            #"[{"@timestamp": "2026-03-01 10:00:00.125", "@message": \#(jsonString(lineA)), "@logStream": "s1", "@log": "1:/g"}]"#
        let sink = try read(array)
        #expect(sink.events == [.init(timestamp: 1_772_359_200_125, message: lineA, stream: "s1", group: "/g")])
        let results =
            #"{"results": [[{"field": "@timestamp", "value": "2026-03-01 10:00:01.002"}, {"field": "@message", "value": \#(jsonString(lineB))}, {"field": "@ptr", "value": "x"}]], "statistics": {"recordsMatched": 1.0}, "status": "Complete"}"#
        let sink2 = try read(results)
        #expect(sink2.shapes == [.queryResults])
        #expect(sink2.events.map(\.message) == [lineB])
        #expect(sink2.events[0].timestamp == 1_772_359_201_002)
    }

    @Test("JSON lines with plain-text noise and a malformed line in the middle")
    func jsonLines() throws {
        let text =
            "INFO:     10.0.1.5:51234 - \"POST /v1/chat/completions HTTP/1.1\" 200 OK\n\(lineA)\n{\"timestamp\": \"2026-03-01T10:00:00Z\", \"mess\n\(lineB)\r\n"
        let sink = try read(text)
        #expect(
            sink.events.map(\.message) == [
                "INFO:     10.0.1.5:51234 - \"POST /v1/chat/completions HTTP/1.1\" 200 OK", lineA, lineB,
            ])
        #expect(sink.rejects.count == 1)
        #expect(sink.rejects.first?.0.line == 3)
    }

    @Test("A log line whose first key is also an envelope key (status, logGroup) is a line, not a document")
    func lineStartingWithEnvelopeKey() throws {
        let a =
            #"{"status": 200, "message": "Request completed", "request_id": "r1", "timestamp": "2026-03-01T10:00:00Z"}"#
        let b =
            #"{"logGroup": "x", "message": "Request started", "request_id": "r2", "timestamp": "2026-03-01T10:00:00Z"}"#
        let sink = try read(a + "\n" + b + "\n" + lineA + "\n")
        #expect(sink.events.map(\.message) == [a, b, lineA])
        #expect(sink.rejects.isEmpty)
        // A get-query-results document that starts with "status" is still a document.
        let results =
            #"{"status": "Complete", "results": [[{"field": "@timestamp", "value": "2026-03-01 10:00:01.002"}, {"field": "@message", "value": "hi"}]]}"#
        #expect(try read(results).events.map(\.message) == ["hi"])
    }

    @Test("A document cut off in the middle keeps the events before the cut")
    func truncatedDocument() throws {
        let doc =
            #"{"events": [{"timestamp": 1, "message": \#(jsonString(lineA))}, {"timestamp": 2, "message": "Request st"#
        let sink = try read(doc)
        #expect(sink.events.map(\.message) == [lineA])
        #expect(sink.rejects.count == 1)
        #expect(sink.rejects.first?.1 == "document cut off at end of input")
    }

    @Test("Unrecognized content is not read")
    func unrecognized() throws {
        let sink = CollectingSink()
        #expect(
            try readInput(MemorySource("Permission Check Successful"), path: "aws-logs-write-test", sink: sink)
                == .unrecognized)
        #expect(try readInput(MemorySource(""), path: "empty", sink: sink) == .empty)
        #expect(sink.events.isEmpty)
    }
}

@Suite("The router's fields are extracted through the mapping")
struct LineParserTests {
    func parse(_ s: String) -> ParsedLine {
        let line = ParsedLine()
        let parser = LineParser()
        Array(s.utf8).withUnsafeBytes { parser.parse($0, into: line) }
        return line
    }

    @Test("Anthropic-style usage is taken as it is; numbers may be strings")
    func anthropicUsage() {
        let l = parse(lineB)
        #expect(l.isJSON)
        #expect(l.string(.requestId) == "r1")
        #expect(l.isUsage)
        #expect(l.usage == (10, 20, 0, 0))
        #expect(l.ownTimestamp == 1_772_359_201_000)
    }

    @Test("OpenAI-style prompt_tokens include cached tokens, which become cache reads")
    func openAIUsage() {
        let l = parse(
            #"{"message": "Mantle non-streaming response", "request_id": "r", "modelId": "moonshotai.kimi-k2.5", "prompt_tokens": 1000, "completion_tokens": 50, "total_tokens": 1050, "prompt_tokens_details": {"cached_tokens": 400}}"#
        )
        #expect(l.usage == (600, 50, 400, 0))
    }

    @Test("Nested usage object of a Bedrock response")
    func nestedUsage() {
        let l = parse(
            #"{"message": "Bedrock response", "request_id": "r", "modelId": "m", "usage": {"input_tokens": 3, "output_tokens": 4, "cache_read_input_tokens": 5, "cache_creation_input_tokens": 6}}"#
        )
        #expect(l.usage == (3, 4, 5, 6))
    }

    @Test("An empty string means absent; escapes are decoded")
    func emptyAndEscapes() {
        let l = parse(
            #"{"message": "Request started", "user_email": "", "user_sub": "s\u00eb", "auth_source": "api_key"}"#)
        #expect(l.string(.userEmail) == nil)
        #expect(l.string(.userSub) == "së")
    }

    @Test("A negative token count makes the line invalid")
    func negativeTokens() {
        #expect(parse(#"{"message": "x", "input_tokens": -5}"#).invalid != nil)
        #expect(parse(#"{"message": "x", "input_tokens": 99999999999999999999}"#).invalid != nil)
    }

    @Test("Plain text has no fields")
    func plainText() {
        #expect(!parse("Traceback (most recent call last):").isJSON)
    }
}
