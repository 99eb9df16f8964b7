// Every file in Fixtures/exports has a golden report in Fixtures/golden; ATTRIB_RECORD=1 re-records them.

import Foundation
import Testing

@testable import AttribCore

let fixturesURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Fixtures")
let recording = ProcessInfo.processInfo.environment["ATTRIB_RECORD"] == "1"

/// Fixture inputs, as paths relative to Fixtures/exports.
func fixtureFiles() -> [String] {
    let root = fixturesURL.appendingPathComponent("exports")
    let e = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey])
    var out: [String] = []
    while let url = e?.nextObject() as? URL {
        if (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
            out.append(String(url.path.dropFirst(root.path.count + 1)))
        }
    }
    return out.sorted()
}

/// Ingests `paths` into a fresh store and returns it.
func freshStore(_ paths: [String]) throws -> Store {
    let db = temporaryDirectory().appendingPathComponent("golden.db").path
    _ = try ingestPaths(paths, db: db)
    return try Store(path: db, readOnly: true)
}

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

func report(_ store: Store, by: [ReportDimension] = [.userEmail, .modelId], format: OutputFormat) throws -> String {
    let result = try Reports.run(ReportQuery(dimensions: by), store: store, prices: .bundled())
    return render(Reports.document(result), format: format)
}

@Suite("Golden reports of the Fixtures sample")
struct GoldenTests {
    @Test("Each fixture file alone gives its golden user × model report", arguments: fixtureFiles())
    func perFile(_ file: String) throws {
        let store = try freshStore([fixturesURL.appendingPathComponent("exports").appendingPathComponent(file).path])
        try compareGolden(try report(store, format: .csv), "per-file/\(file).csv")
    }

    @Test("The whole sample in table, CSV and JSON")
    func wholeSample() throws {
        let store = try freshStore([fixturesURL.appendingPathComponent("exports").path])
        try compareGolden(try report(store, format: .table), "all.txt")
        try compareGolden(try report(store, format: .csv), "all.csv")
        try compareGolden(try report(store, format: .json), "all.json")
    }

    @Test("The whole sample equals the totals computed by the fixture script from its own requests")
    func independentExpectation() throws {
        let store = try freshStore([fixturesURL.appendingPathComponent("exports").path])
        let result = try Reports.run(ReportQuery(dimensions: [.userEmail, .modelId], sort: "user_email:asc"), store: store, prices: .bundled())
        // The script sorts by email then model, byte-wise; an absent email is the empty string.
        let rows = result.rows.map { r in
            [r.values[0] ?? "", r.values[1] ?? "", String(r.requests), String(r.inputTokens), String(r.outputTokens),
             String(r.cacheReadTokens), String(r.cacheWriteTokens), String(r.totalTokens)].joined(separator: ",")
        }.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        let expected = try String(contentsOf: fixturesURL.appendingPathComponent("expected-user-model.csv"), encoding: .utf8)
            .split(separator: "\n").dropFirst().map(String.init)
        #expect(rows == expected)
    }
}
