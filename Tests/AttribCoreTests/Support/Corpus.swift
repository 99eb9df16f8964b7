// A generated corpus from scripts/gen-corpus (Python, sharing no code with attrib).

import Foundation
import Testing

/// Runs scripts/gen-corpus into a new folder and returns it (exports/, prices.csv, ground-truth.json).
func generateCorpus(requests: Int, seed: Int) throws -> URL {
    let out = temporaryDirectory().appendingPathComponent("corpus")
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = [
        "python3", repositoryURL.appendingPathComponent("scripts/gen-corpus").path,
        "--requests", String(requests), "--seed", String(seed), "--out", out.path,
    ]
    p.standardError = FileHandle.nullDevice
    try p.run()
    p.waitUntilExit()
    try #require(p.terminationStatus == 0, "scripts/gen-corpus failed")
    return out
}
