// `aws logs filter-log-events --query events > events.json`: the events array alone, without its document.

import Foundation
import Testing

@testable import AttribCore

@Suite("The events array alone (--query events)")
struct QueryEventsArrayTests {
    static func event(_ id: Int, stream: String, message: String) -> String {
        let fields = [
            #""logStreamName": "\#(stream)""#, #""timestamp": \#(1_772_442_001_000 + id)"#,
            #""message": \#(jsonString(message))"#, #""ingestionTime": \#(1_772_442_002_000 + id)"#,
            #""eventId": "\#(id)""#,
        ]
        return "{" + fields.joined(separator: ", ") + "}"
    }

    static let model = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"

    @Test(
        "is read as CloudWatch events: every event, its log stream, and the same events as a whole document count once")
    func eventsArray() throws {
        let started =
            #"{"timestamp": "2026-03-02T09:00:01.000Z", "message": "Request started", "request_id": "q1", "#
            + #""user_email": "ana@example.com", "modelId": "\#(Self.model)"}"#
        let usage =
            #"{"timestamp": "2026-03-02T09:00:02.000Z", "message": "Stream usage emitted", "request_id": "q1", "#
            + #""modelId": "\#(Self.model)", "input_tokens": 1200, "output_tokens": 34}"#
        let events = [
            Self.event(1, stream: "ecs/router/a1", message: started),
            Self.event(2, stream: "ecs/router/a1", message: usage),
        ]
        let bare = "[\n  " + events.joined(separator: ",\n  ") + "\n]\n"
        let document = #"{"events": ["# + events.joined(separator: ",") + #"], "searchedLogStreams": []}"#

        let db = temporaryDirectory().appendingPathComponent("q.db").path
        let counts = try ingest([("events.json", bare)], into: db)
        #expect(counts.events == 2)
        #expect(counts.newEvents == 2)
        #expect(counts.rejects == 0)
        let requests = try storedRequests(db)
        #expect(requests.map(\.requestId) == ["q1"])
        #expect(requests.first?.email == "ana@example.com")
        #expect(requests.first?.tokens == [1200, 34, 0, 0])
        #expect(requests.first?.lines == 2)
        let store = try Store(path: db, readOnly: true)
        #expect(try store.db.scalar("SELECT count(*) FROM requests WHERE log_stream = 'ecs/router/a1'") == 1)

        // The same events in their whole document: duplicates, nothing added.
        let again = try ingest([("page.json", document)], into: db)
        #expect(again.duplicates == 2)
        #expect(try storedRequests(db) == requests)
    }

    @Test("detection: an events array is not a table export, and an Insights JSON array is still Insights rows")
    func detection() {
        let bare = "[" + Self.event(1, stream: "s", message: "hello") + "]"
        let insights = #"[{"@timestamp": "2026-03-02 09:00:01.000", "@message": "hello"}]"#
        let rows = #"[{"request_id": "r1", "prompt_tokens": 5}]"#
        for (text, expected) in [(bare, Detected.json), (insights, .json), (rows, .table(.jsonRows))] {
            let bytes = Array(text.utf8)
            let got = bytes.withUnsafeBufferPointer { detect($0.baseAddress!, $0.count) }
            #expect(got == expected, "\(text)")
        }
    }
}
