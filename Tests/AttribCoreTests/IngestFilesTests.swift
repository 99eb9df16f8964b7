// Ingesting real files: compression by magic bytes, directories, missing paths, damaged streams.

import Foundation
import Testing

@testable import AttribCore

@Suite("Ingesting files from disk")
struct IngestFilesTests {
    let lines = [started, invoking, usage, completed, mantle]

    @Test("gzip with several members, zstd and plain are detected by content, not name")
    func compression() throws {
        let dir = temporaryDirectory()
        let text = lines.joined(separator: "\n") + "\n"
        try text.write(to: dir.appendingPathComponent("plain.log"), atomically: true, encoding: .utf8)
        try shell(
            "cd \(dir.path) && head -c 300 plain.log > a && tail -c +301 plain.log > b && gzip -c a > multi.dat && gzip -c b >> multi.dat && rm a b"
        )
        try shell("cd \(dir.path) && zstd -q -c plain.log > z.json && mkdir sub && cp z.json sub/again")
        let db = dir.appendingPathComponent("s.db").path
        let (outcome, warnings) = try ingestPaths([dir.path], db: db)
        #expect(warnings.isEmpty)
        // sub/again has the same bytes as z.json: skipped within the same run.
        #expect(outcome.counts.events == 15)
        #expect(outcome.counts.skippedFiles == 1)
        #expect(outcome.counts.newEvents == 5)
        #expect(try storedRequests(db).count == 2)
        let (again, _) = try ingestPaths([dir.path], db: db)
        #expect(again.counts.skippedFiles == 4)
        #expect(again.counts.events == 0)
    }

    @Test(
        "A file ingested by an attrib of the first fingerprints (before `v2:`) is still skipped, and then matched at once"
    )
    func legacyFingerprints() throws {
        let dir = temporaryDirectory()
        // Over 2 MiB, so the hash runs over more than one read, and a size that is no multiple of 64.
        var text = ""
        var i = 0
        while text.utf8.count < (5 << 19) + 37 {
            text +=
                lines.map { $0.replacingOccurrences(of: "\"req-", with: "\"req\(i)-") }.joined(separator: "\n") + "\n"
            i += 1
        }
        let file = dir.appendingPathComponent("old.log")
        try text.write(to: file, atomically: true, encoding: .utf8)
        let db = dir.appendingPathComponent("s.db").path
        let (first, _) = try ingestPaths([file.path], db: db)
        #expect(first.counts.skippedFiles == 0)
        let size = Int64(text.utf8.count)
        let wide = try #require(fingerprint(path: file.path, size: size))
        let old = try #require(legacyFingerprint(path: file.path))
        #expect(wide.hasPrefix("v2:\(size)-") && old.hasPrefix("\(size)-") && !old.hasPrefix("v2:"))
        // The store as an older attrib left it: the source under its old fingerprint.
        func stored() throws -> [String] {
            let store = try Store(path: db, readOnly: true)
            let s = try store.db.prepare("SELECT fingerprint FROM source")
            var result: [String] = []
            while try s.step() { result.append(s.text(0) ?? "") }
            return result
        }
        #expect(try stored() == [wide])
        try shell("sqlite3 \(db) \"UPDATE source SET fingerprint = '\(old)'\"")
        let (again, _) = try ingestPaths([file.path], db: db)
        #expect(again.counts.skippedFiles == 1)
        #expect(again.counts.events == 0)
        #expect(try stored() == [wide])
        // A fingerprint made while a file is read (`StreamingFingerprint`, in any pieces, with bytes left
        // unread at the end) is the one made before reading it.
        var random = SplitMix(seed: 0xF11E)
        let bytes = Array(text.utf8)
        for _ in 0..<5 {
            let streamed = StreamingFingerprint()
            var i = 0
            let stop = bytes.count - Int.random(in: 0...(3 << 20), using: &random)
            bytes.withUnsafeBytes { all in
                while i < stop {
                    let n = min(stop - i, Int.random(in: 1...(random.next() & 1 == 0 ? 100 : 1 << 21), using: &random))
                    streamed.add(all.baseAddress! + i, n)
                    i += n
                }
            }
            #expect(streamed.finish(path: file.path, size: size) == wide)
        }
        // A file that changed while it was read gets no fingerprint (a later run reads it again).
        let changed = StreamingFingerprint()
        bytes.withUnsafeBytes { changed.add($0.baseAddress!, 100) }
        #expect(changed.finish(path: file.path, size: size + 1) == nil)
        // Another file of the same size is not taken for it.
        let other = dir.appendingPathComponent("other.log")
        try String(text.reversed()).write(to: other, atomically: true, encoding: .utf8)
        #expect(fingerprint(path: other.path, size: size) != wide)
        #expect(legacyFingerprint(path: other.path) != old)
    }

    @Test("gzip members of every size, whole or cut anywhere in their last bytes: each line inflated is kept once")
    func gzipMembers() throws {
        let dir = temporaryDirectory()
        // Seven members of 1 to ~200 KB of lines (one that fills output buffers many times over).
        var members: [[String]] = []
        var n = 0
        for size in [1, 3, 40, 700, 5, 2_000, 60] {
            members.append(
                (0..<size).map { _ in
                    n += 1
                    return lines[n % lines.count].replacingOccurrences(of: "\"req-", with: "\"m\(n)-")
                })
        }
        for (i, member) in members.enumerated() {
            try (member.joined(separator: "\n") + "\n").write(
                to: dir.appendingPathComponent("m\(i)"), atomically: true, encoding: .utf8)
        }
        let all = (0..<members.count).map { "m\($0)" }.joined(separator: " ")
        try shell("cd \(dir.path) && for m in \(all); do gzip -c $m >> all.gz; done && rm \(all)")
        let whole = try Data(contentsOf: dir.appendingPathComponent("all.gz"))
        let db = dir.appendingPathComponent("whole.db").path
        let (outcome, warnings) = try ingestPaths([dir.appendingPathComponent("all.gz").path], db: db)
        #expect(warnings.isEmpty)
        #expect(outcome.counts.events == members.reduce(0) { $0 + $1.count })
        // Cut in the last member's trailer (CRC and length) or just before it: every line inflated is kept,
        // and the cut is reported at the file's end.
        for cut in [1, 4, 5, 8, 9] {
            let file = dir.appendingPathComponent("cut-\(cut).gz")
            try whole.prefix(whole.count - cut).write(to: file)
            let (cutOutcome, cutWarnings) = try ingestPaths(
                [file.path], db: dir.appendingPathComponent("cut-\(cut).db").path)
            #expect(
                cutWarnings == [
                    "\(file.path): byte \(whole.count - cut): truncated gzip stream; events before it were kept"
                ])
            let before = members.dropLast().reduce(0) { $0 + $1.count }
            #expect(cutOutcome.counts.events >= before && cutOutcome.counts.events <= outcome.counts.events)
            if cut <= 8 { #expect(cutOutcome.counts.events == outcome.counts.events) }
        }
    }

    @Test("A truncated gzip stream keeps the events before the damage and reports the byte offset")
    func truncatedGzip() throws {
        let dir = temporaryDirectory()
        var text = ""
        for i in 0..<2000 {
            text +=
                #"{"timestamp": "2026-03-01T10:00:00Z", "message": "Request started", "request_id": "r\#(i)", "pad": "\#(UUID().uuidString)"}"#
                + "\n"
        }
        try text.write(to: dir.appendingPathComponent("full.log"), atomically: true, encoding: .utf8)
        try shell(
            "cd \(dir.path) && gzip -c full.log > full.gz && head -c 40000 full.gz > cut.gz && rm full.gz full.log")
        let db = dir.appendingPathComponent("t.db").path
        let (outcome, warnings) = try ingestPaths([dir.appendingPathComponent("cut.gz").path], db: db)
        #expect(outcome.counts.events > 100)
        #expect(outcome.counts.events < 2000)
        #expect(warnings.count == 1)
        #expect(warnings.first?.contains("cut.gz: byte") == true)
        #expect(warnings.first?.contains("truncated gzip stream") == true)
        #expect(outcome.counts.rejectsByReason["truncated gzip stream"] == 1)
    }

    @Test("A truncated zstd stream keeps the events before the damage")
    func truncatedZstd() throws {
        let dir = temporaryDirectory()
        var text = ""
        for i in 0..<5000 {
            text +=
                #"{"timestamp": "2026-03-01T10:00:00Z", "message": "Request started", "request_id": "r\#(i)", "pad": "\#(UUID().uuidString)"}"#
                + "\n"
        }
        try text.write(to: dir.appendingPathComponent("full.log"), atomically: true, encoding: .utf8)
        try shell(
            "cd \(dir.path) && zstd -q -c full.log > full.zst && head -c 100000 full.zst > cut.zst && rm full.zst full.log"
        )
        let db = dir.appendingPathComponent("z.db").path
        let (outcome, warnings) = try ingestPaths([dir.appendingPathComponent("cut.zst").path], db: db)
        #expect(outcome.counts.events > 100)
        #expect(outcome.counts.events < 5000)
        #expect(warnings.first?.contains("truncated zstd stream") == true)
    }

    @Test("A missing path is reported; the other inputs are still ingested")
    func missingPath() throws {
        let dir = temporaryDirectory()
        try (lines.joined(separator: "\n")).write(
            to: dir.appendingPathComponent("a.jsonl"), atomically: true, encoding: .utf8)
        let db = dir.appendingPathComponent("m.db").path
        let (outcome, warnings) = try ingestPaths(
            [dir.appendingPathComponent("nope.json").path, dir.appendingPathComponent("a.jsonl").path], db: db)
        #expect(outcome.openErrors == [.notFound(path: dir.appendingPathComponent("nope.json").path)])
        #expect(warnings.first?.hasSuffix("nope.json: no such file or directory") == true)
        #expect(outcome.counts.newEvents == 5)
    }

    @Test("Unrecognized files in a directory are skipped with one warning each; a symlink loop is cut")
    func unrecognizedAndLoops() throws {
        let dir = temporaryDirectory()
        try (lines.joined(separator: "\n")).write(
            to: dir.appendingPathComponent("a.jsonl"), atomically: true, encoding: .utf8)
        try "Permission Check Successful".write(
            to: dir.appendingPathComponent("aws-logs-write-test"), atomically: true, encoding: .utf8)
        try Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13]).write(
            to: dir.appendingPathComponent("image.png"))
        try FileManager.default.createSymbolicLink(
            atPath: dir.appendingPathComponent("loop").path, withDestinationPath: dir.path)
        let db = dir.appendingPathComponent("u.db").path
        let (outcome, warnings) = try ingestPaths([dir.path], db: db)
        #expect(outcome.counts.newEvents == 5)
        #expect(outcome.counts.unrecognizedFiles == 2)
        #expect(warnings.filter { $0.contains("not recognized") }.count == 2)
        #expect(warnings.contains { $0.contains("symlink loop") })
    }
}
