// A JSON-lines file in which one line is not an object: one reject for that line, line numbers after it.

import Testing

@testable import AttribCore

@Suite("A JSON line that is an array is one reject naming its line")
struct JSONLinesOddLineTests {
    @Test("[1, 2, 3] between router lines: one reject at its line; later rejects keep line numbers")
    func arrayLine() throws {
        let text = "\(lineA)\n[1, 2, 3]\n\(lineB)\n{\"timestamp\": \"2026-03-01T10:00:00Z\", \"mess\n\(lineA)\n"
        for chunk in [7, 4096] {
            let sink = try read(text, chunk: chunk)
            #expect(sink.events.map(\.message) == [lineA, lineB, lineA])
            #expect(sink.rejects.map(\.0.description) == ["line 2", "line 4"])
            #expect(sink.rejects.first?.1.contains("array") == true, "\(sink.rejects)")
        }
    }

    @Test("An Insights JSON export (one array) is still read as one")
    func insightsStillRead() throws {
        let doc = #"[{"@timestamp": "2026-03-01 10:00:01.002", "@message": "hi"}]"#
        let sink = try read(doc)
        #expect(sink.events.map(\.message) == ["hi"])
        #expect(sink.rejects.isEmpty)
    }
}
