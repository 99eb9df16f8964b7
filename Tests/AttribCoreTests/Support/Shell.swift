// Shell commands (gzip, zstd, mount) for making test inputs.

import Foundation

/// Runs a shell command (gzip, zstd) for making test inputs.
@discardableResult
func shell(_ command: String) throws -> Int32 {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/sh")
    p.arguments = ["-c", command]
    try p.run()
    p.waitUntilExit()
    return p.terminationStatus
}
