// A store ingested from a folder of files, and a report's CSV rows cut to their first columns (the dimensions
// and counts a test checks).

import Foundation
import Testing

/// A new store holding one ingest, without flags, of a folder of `files` (name → lines).
func ingestedFolder(_ files: [String: [String]]) throws -> String {
    let db = temporaryDirectory().appendingPathComponent("ingested.db").path
    let r = try attrib(["ingest", "--db", db, try folder(files)])
    #expect(r.status == 0, "\(r.stderr)")
    return db
}

/// Runs `attrib report ARGS --format csv`, expects success, and returns each line's first `n` fields.
func reportRows(_ args: [String], columns n: Int) throws -> [String] {
    let r = try attrib(["report"] + args + ["--format", "csv"])
    #expect(r.status == 0, "\(r.stderr)")
    return r.stdout.split(separator: "\n").map {
        $0.split(separator: ",", omittingEmptySubsequences: false).prefix(n).joined(separator: ",")
    }
}
