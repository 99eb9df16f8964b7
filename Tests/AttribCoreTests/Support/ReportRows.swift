// A report's CSV rows cut to their first columns (the dimensions and counts a test checks).

import Testing

/// Runs `attrib report ARGS --format csv`, expects success, and returns each line's first `n` fields.
func reportRows(_ args: [String], columns n: Int) throws -> [String] {
    let r = try attrib(["report"] + args + ["--format", "csv"])
    #expect(r.status == 0, "\(r.stderr)")
    return r.stdout.split(separator: "\n").map {
        $0.split(separator: ",", omittingEmptySubsequences: false).prefix(n).joined(separator: ",")
    }
}
