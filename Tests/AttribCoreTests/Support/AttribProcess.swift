// Running the built attrib binary as a user does: arguments, stdin, environment; its status and output.

import Foundation

/// The built `attrib` next to the test bundle.
let attribBinary: URL = {
    var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    if dir.lastPathComponent.hasSuffix(".xctest") { dir = dir.deletingLastPathComponent() }
    for candidate in [dir, dir.deletingLastPathComponent()] {
        let url = candidate.appendingPathComponent("attrib")
        if FileManager.default.isExecutableFile(atPath: url.path) { return url }
    }
    return repositoryURL.appendingPathComponent(".build/debug/attrib")
}()

struct RunResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

func attrib(_ args: [String], stdin: Data? = nil, env: [String: String] = [:], in directory: URL? = nil) throws
    -> RunResult
{
    let p = Process()
    p.executableURL = attribBinary
    p.arguments = args
    if let directory { p.currentDirectoryURL = directory }
    var environment = ProcessInfo.processInfo.environment
    for (k, v) in env { environment[k] = v }
    p.environment = environment
    let out = Pipe()
    let err = Pipe()
    p.standardOutput = out
    p.standardError = err
    let input = Pipe()
    p.standardInput = input
    try p.run()
    if let stdin { input.fileHandleForWriting.write(stdin) }
    try input.fileHandleForWriting.close()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return RunResult(
        status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
        stderr: String(decoding: e, as: UTF8.self))
}

/// Starts attrib without waiting for it.
func launch(_ args: [String]) throws -> (Process, Pipe) {
    let p = Process()
    p.executableURL = attribBinary
    p.arguments = args
    let err = Pipe()
    p.standardError = err
    p.standardOutput = FileHandle.nullDevice
    try p.run()
    return (p, err)
}
