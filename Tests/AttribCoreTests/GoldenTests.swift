// Every file in Fixtures/exports has a golden report in Fixtures/golden; ATTRIB_RECORD=1 re-records them.

import Foundation
import Testing

@testable import AttribCore

/// The fixture sets: hand-designed exports in every shape, and real aws CLI output captured from moto.
let fixtureSets = ["exports", "aws-cli"]

/// Fixture inputs, as paths relative to Fixtures/.
func fixtureFiles() -> [String] {
    var out: [String] = []
    for set in fixtureSets {
        let e = FileManager.default.enumerator(
            at: fixturesURL.appendingPathComponent(set), includingPropertiesForKeys: [.isRegularFileKey])
        while let url = e?.nextObject() as? URL {
            if (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
                out.append(String(url.path.dropFirst(fixturesURL.path.count + 1)))
            }
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

func report(_ store: Store, by: [ReportDimension] = [.userEmail, .modelId], format: OutputFormat) throws -> String {
    let result = try Reports.run(ReportQuery(dimensions: by), store: store, prices: .bundled())
    return render(Reports.document(result), format: format)
}

@Suite("Golden reports of the Fixtures sample")
struct GoldenTests {
    @Test("Each fixture file alone gives its golden user × model report", arguments: fixtureFiles())
    func perFile(_ file: String) throws {
        let store = try freshStore([fixturesURL.appendingPathComponent(file).path])
        try compareGolden(try report(store, format: .csv), "per-file/\(file).csv")
    }

    @Test("Each whole fixture set in table, CSV and JSON", arguments: fixtureSets)
    func wholeSet(_ set: String) throws {
        let store = try freshStore([fixturesURL.appendingPathComponent(set).path])
        try compareGolden(try report(store, format: .table), "\(set).txt")
        try compareGolden(try report(store, format: .csv), "\(set).csv")
        try compareGolden(try report(store, format: .json), "\(set).json")
    }

    @Test("Each fixture set equals the totals its script computed from its own requests", arguments: fixtureSets)
    func independentExpectation(_ set: String) throws {
        let store = try freshStore([fixturesURL.appendingPathComponent(set).path])
        let result = try Reports.run(
            ReportQuery(dimensions: [.userEmail, .modelId], order: SortKey(.dimension(0), ascending: true)),
            store: store, prices: .bundled())
        // The script sorts by email then model, byte-wise; an absent email is the empty string.
        let rows = result.rows.map { r in
            [
                r.values[0] ?? "", r.values[1] ?? "", String(r.requests), String(r.tokens.input),
                String(r.tokens.output),
                String(r.tokens.cacheRead), String(r.tokens.cacheWrite), String(r.totalTokens),
            ].joined(separator: ",")
        }.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        let name = set == "exports" ? "expected-user-model.csv" : "\(set)-expected-user-model.csv"
        let expected = try String(contentsOf: fixturesURL.appendingPathComponent(name), encoding: .utf8)
            .split(separator: "\n").dropFirst().map(String.init)
        #expect(rows == expected)
    }
}
