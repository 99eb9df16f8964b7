// Interruptions and concurrent use: kill -9 mid-ingest, Ctrl-C, a report during an ingest, two ingests,
// and stores that are read-only, corrupt or from a newer attrib.

import Foundation
import Testing

@testable import AttribCore

func reportCSV(_ db: String, prices: String) throws -> String {
    let r = try attrib(["report", "--db", db, "--prices", prices, "--by", "user_email,modelId,day,route,log_stream"])
    #expect(r.status == 0, "\(r.stderr)")
    return r.stdout
}

@Suite("Interruptions and concurrent use", .serialized)
struct ReliabilityTests {
    static let corpus: URL = try! generateCorpus(requests: 3_000, seed: 5)
    var exports: String { Self.corpus.appendingPathComponent("exports").path }
    var prices: String { Self.corpus.appendingPathComponent("prices.csv").path }

    func baseline() throws -> String {
        let db = temporaryDirectory().appendingPathComponent("base.db").path
        #expect(try attrib(["ingest", "--db", db, "--quiet", exports]).status == 0)
        return try reportCSV(db, prices: prices)
    }

    @Test("After an ingest the store file alone holds the run, while the store is still open")
    func storeFileHoldsTheRun() throws {
        // SQLite writes the WAL into the file when the last connection closes; a run's threads could still hold
        // the store when the process exited, and the WAL stayed (1-2 ingests in 30). The run ends with it.
        let db = temporaryDirectory().appendingPathComponent("open.db").path
        let store = try Store(path: db)
        let ingestor = try IngestWorker(store: store, batchSize: 500)
        let outcome = try IngestRun.run(
            paths: [exports], store: store, options: IngestOptions(workers: 2), ingestor: ingestor
        ) { _ in }
        #expect(outcome.counts.newEvents > 0)
        let wal = (try? FileManager.default.attributesOfItem(atPath: db + "-wal")[.size] as? Int) ?? 0
        #expect(wal == 0, "the WAL holds \(wal) bytes after the run")
        let copy = db + ".copy"
        try FileManager.default.copyItem(atPath: db, toPath: copy)
        let held = try Store(path: copy, readOnly: true)
        #expect(try held.db.scalar("SELECT count(*) FROM request") == store.db.scalar("SELECT count(*) FROM request"))
        #expect(try held.db.scalar("SELECT count(*) FROM request") ?? 0 > 2_000)
        withExtendedLifetime((store, ingestor)) {}
    }

    @Test("kill -9 at several points, then the same command again: the same report as an uninterrupted run")
    func killAndResume() throws {
        let expected = try baseline()
        #expect(expected.split(separator: "\n").count > 50)
        for delay in [0.05, 0.2, 0.4, 0.7, 1.0] {
            let db = temporaryDirectory().appendingPathComponent("kill.db").path
            let (p, _) = try launch(["ingest", "--db", db, "--quiet", "--batch-size", "300", exports])
            Thread.sleep(forTimeInterval: delay)
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            let again = try attrib(["ingest", "--db", db, "--quiet", exports])
            #expect(again.status == 0, "resume after kill at \(delay)s: \(again.stderr)")
            #expect(try reportCSV(db, prices: prices) == expected, "kill at \(delay)s")
            try expectOneSourceEach(db)
        }
    }

    /// Each file is one source, complete, with its fingerprint: one interrupted while its fingerprint was being
    /// made (as it was read) was resumed, not added again.
    func expectOneSourceEach(_ db: String) throws {
        let store = try Store(path: db, readOnly: true)
        let s = try store.db.prepare(
            "SELECT count(*), count(DISTINCT path), count(fingerprint), sum(complete) FROM source")
        #expect(try s.step())
        let (count, paths, fingerprints, complete) = (s.int(0), s.int(1), s.int(2), s.int(3))
        #expect(count > 5 && paths == count && fingerprints == count && complete == count)
    }

    @Test("Ctrl-C stops at a batch boundary, says how to resume, and resuming completes the work")
    func interrupt() throws {
        let expected = try baseline()
        let db = temporaryDirectory().appendingPathComponent("int.db").path
        let (p, err) = try launch(["ingest", "--db", db, "--batch-size", "200", exports])
        Thread.sleep(forTimeInterval: 0.3)
        kill(p.processIdentifier, SIGINT)
        p.waitUntilExit()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        if p.terminationStatus == 130 {
            #expect(message.contains("run the same command again"))
        } else {
            #expect(p.terminationStatus == 0, "finished before the signal: \(message)")
        }
        #expect(try attrib(["ingest", "--db", db, "--quiet", exports]).status == 0)
        #expect(try reportCSV(db, prices: prices) == expected)
        try expectOneSourceEach(db)
    }

    @Test("A report answers while an ingest runs; two ingests at once queue or fail clearly, never corrupt")
    func concurrency() throws {
        let expected = try baseline()
        let db = temporaryDirectory().appendingPathComponent("conc.db").path
        #expect(
            try attrib(["ingest", "--db", db, "--quiet", Self.corpus.appendingPathComponent("exports/container").path])
                .status == 0)
        let (first, firstErr) = try launch(["ingest", "--db", db, "--quiet", "--batch-size", "300", exports])
        let (second, secondErr) = try launch(["ingest", "--db", db, "--quiet", "--batch-size", "300", exports])
        var reports = 0
        while first.isRunning || second.isRunning {
            let r = try attrib(["report", "--db", db, "--prices", prices])
            #expect(r.status == 0, "report during ingest: \(r.stderr)")
            reports += 1
            if reports > 200 { break }
        }
        first.waitUntilExit()
        second.waitUntilExit()
        for (p, pipe) in [(first, firstErr), (second, secondErr)] {
            let message = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(
                p.terminationStatus == 0 || (p.terminationStatus == 1 && message.contains("busy")),
                "\(p.terminationStatus): \(message)")
        }
        #expect(try attrib(["ingest", "--db", db, "--quiet", exports]).status == 0)
        #expect(try reportCSV(db, prices: prices) == expected)
        #expect(try attrib(["sql", "--db", db, "PRAGMA integrity_check"]).stdout.contains("ok"))
    }

    @Test("A store written by an older schema (committed in Fixtures/stores) is migrated and reports the same")
    func olderSchema() throws {
        let db = temporaryDirectory().appendingPathComponent("v1.db")
        try FileManager.default.copyItem(at: fixturesURL.appendingPathComponent("stores/schema-v1.db"), to: db)
        let r = try attrib(["report", "--db", db.path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(
            r.stdout
                == (try String(contentsOf: fixturesURL.appendingPathComponent("golden/exports.csv"), encoding: .utf8)))
        let store = try Store(path: db.path, readOnly: true)
        #expect(try store.db.scalar("PRAGMA user_version") == Int64(Schema.version))
        #expect(try store.query("SELECT value FROM meta WHERE key = 'migrated_from_schema'").rows.first == [.text("1")])
        // Ingesting into it afterwards adds nothing new: the same events.
        let again = try attrib([
            "ingest", "--force", "--db", db.path, fixturesURL.appendingPathComponent("exports").path,
        ])
        #expect(again.stderr.contains("(0 new, 196 duplicates)"))
        // It keeps the page size it was written with: only a new store gets the larger pages.
        let migrated = try Store(path: db.path, readOnly: true)
        #expect(try migrated.db.scalar("PRAGMA page_size") == 4096)
    }

    @Test("A new store has 32 KiB pages, and keeps them when written again")
    func pageSize() throws {
        let db = temporaryDirectory().appendingPathComponent("pages.db").path
        let exports = fixturesURL.appendingPathComponent("exports").path
        #expect(try attrib(["ingest", "--db", db, "--quiet", exports]).status == 0)
        #expect(try Store(path: db, readOnly: true).db.scalar("PRAGMA page_size") == Int64(Store.pageSize))
        #expect(try attrib(["ingest", "--force", "--db", db, "--quiet", exports]).status == 0)
        let store = try Store(path: db, readOnly: true)
        #expect(try store.db.scalar("PRAGMA page_size") == 32768)
        #expect(try store.query("PRAGMA integrity_check").rows.first == [.text("ok")])
    }

    @Test("A store on a read-only file system: reports answer, ingest says it is read-only")
    func readOnlyFolder() throws {
        let mountPoint = temporaryDirectory().appendingPathComponent("ro")
        try FileManager.default.createDirectory(at: mountPoint, withIntermediateDirectories: true)
        // Needs a tmpfs mount (root with CAP_SYS_ADMIN, as on the CI machine); elsewhere there is
        // nothing to test with, since root writes through file modes.
        guard try shell("mount -t tmpfs tmpfs '\(mountPoint.path)' 2>/dev/null") == 0 else { return }
        defer { _ = try? shell("umount '\(mountPoint.path)'") }
        let db = temporaryDirectory().appendingPathComponent("src.db").path
        #expect(
            try attrib(["ingest", "--db", db, "--quiet", fixturesURL.appendingPathComponent("exports").path]).status
                == 0)
        try Store(path: db).db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        // Only the store file, as copied onto read-only media: no WAL index can be created next to it.
        try FileManager.default.copyItem(atPath: db, toPath: mountPoint.appendingPathComponent("only.db").path)
        #expect(try shell("mount -o remount,ro '\(mountPoint.path)'") == 0)
        let store = mountPoint.appendingPathComponent("only.db").path
        let r = try attrib(["report", "--db", store])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(
            r.stdout
                == (try String(contentsOf: fixturesURL.appendingPathComponent("golden/exports.csv"), encoding: .utf8)))
        let w = try attrib(["ingest", "--db", store, fixturesURL.appendingPathComponent("exports").path])
        #expect(w.status == 1)
        #expect(w.stderr.contains("only.db") && w.stderr.contains("read"), "\(w.stderr)")
    }

    @Test("A corrupt store, a newer store and a read-only store give one clear line and exit 1")
    func badStores() throws {
        let dir = temporaryDirectory()
        let corrupt = dir.appendingPathComponent("corrupt.db").path
        try Data((0..<8192).map { UInt8(truncatingIfNeeded: $0 &* 7919) }).write(to: URL(fileURLWithPath: corrupt))
        for args in [["ingest", "--db", corrupt, exports], ["report", "--db", corrupt]] {
            let r = try attrib(args)
            #expect(r.status == 1)
            #expect(r.stderr.contains("corrupt.db") && r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
        }

        let newer = dir.appendingPathComponent("newer.db").path
        #expect(
            try attrib([
                "ingest", "--db", newer, "--quiet", Self.corpus.appendingPathComponent("exports/container").path,
            ]).status == 0)
        let store = try Store(path: newer)
        try store.db.execute("PRAGMA user_version = 99")
        let r = try attrib(["report", "--db", newer])
        #expect(r.status == 1)
        #expect(r.stderr.contains("newer attrib"))

        let readOnly = dir.appendingPathComponent("ro.db").path
        #expect(
            try attrib([
                "ingest", "--db", readOnly, "--quiet", Self.corpus.appendingPathComponent("exports/container").path,
            ]).status == 0)
        chmod(readOnly, 0o444)
        defer { chmod(readOnly, 0o644) }
        if getuid() != 0 {  // root writes through file modes
            let w = try attrib(["ingest", "--db", readOnly, exports])
            #expect(w.status == 1)
            #expect(w.stderr.contains("read-only"))
        }
        #expect(try attrib(["report", "--db", readOnly]).status == 0)
        #expect(
            try attrib(["report", "--db", dir.appendingPathComponent("missing.db").path]).stderr.contains(
                "no store here yet"))
    }
}
