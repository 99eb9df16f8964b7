// Where tests find the repository, its Fixtures, and a fresh temporary folder.

import Foundation

/// The repository's Fixtures folder (this file is Tests/AttribCoreTests/Support/Paths.swift).
let fixturesURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")

let repositoryURL = fixturesURL.deletingLastPathComponent()

/// A new, empty folder under the system temporary directory.
func temporaryDirectory() -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("attrib-test-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
