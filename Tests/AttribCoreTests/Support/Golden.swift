// Comparing output with a golden file in Fixtures/golden; ATTRIB_RECORD=1 re-records it.

import Foundation
import Testing

let recording = ProcessInfo.processInfo.environment["ATTRIB_RECORD"] == "1"

func compareGolden(_ actual: String, _ name: String) throws {
    let url = fixturesURL.appendingPathComponent("golden").appendingPathComponent(name)
    if recording {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try actual.write(to: url, atomically: true, encoding: .utf8)
        return
    }
    let expected = try String(contentsOf: url, encoding: .utf8)
    #expect(actual == expected, "golden \(name) differs; if the change is intended, re-record with ATTRIB_RECORD=1")
}
