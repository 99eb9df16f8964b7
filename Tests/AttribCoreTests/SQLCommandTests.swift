// `attrib sql` runs exactly one read-only statement, and says which statement it refused.

import Foundation
import Testing

@testable import AttribCore

@Suite("attrib sql refuses what it does not run, naming it")
struct SQLCommandTests {
    func storeWithOneRequest() throws -> String {
        let db = temporaryDirectory().appendingPathComponent("attrib.db").path
        try ingest([("logs.jsonl", lineA + "\n" + lineB + "\n")], into: db)
        return db
    }

    func usageMessage(_ body: () throws -> Void) -> String? {
        do {
            try body()
        } catch ReportError.usage(let message) {
            return message
        } catch {
            return "other error: \(error)"
        }
        return nil
    }

    @Test("Several statements are refused with one line, nothing run")
    func severalStatements() throws {
        let db = try storeWithOneRequest()
        let store = try Store(path: db, readOnly: true)
        let message = usageMessage { _ = try store.query("SELECT 1; DELETE FROM reject") }
        #expect(message?.contains("one statement") == true, "\(message ?? "no error")")
        #expect(message?.contains("DELETE FROM reject") == true, "\(message ?? "no error")")
        // A trailing semicolon, space and comment are still one statement.
        #expect(try store.query("SELECT 1;  -- done\n").rows.count == 1)

        let r = try attrib(["sql", "--db", db, "SELECT 1; DELETE FROM reject"])
        #expect(r.status == 64)
        #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
        #expect(r.stdout.isEmpty)
    }

    @Test("ATTACH and DETACH are refused by name, not as a store that cannot be opened")
    func attach() throws {
        let db = try storeWithOneRequest()
        let store = try Store(path: db, readOnly: true)
        let other = temporaryDirectory().appendingPathComponent("x.db").path
        let message = usageMessage { _ = try store.query("ATTACH DATABASE '\(other)' AS e") }
        #expect(message?.contains("ATTACH") == true, "\(message ?? "no error")")
        #expect(message?.contains("cannot open") == false, "\(message ?? "no error")")
        #expect(!FileManager.default.fileExists(atPath: other))

        let r = try attrib(["sql", "--db", db, "ATTACH DATABASE '\(other)' AS e"])
        #expect(r.status == 64)
        #expect(r.stderr.contains("ATTACH"), "\(r.stderr)")
        #expect(!r.stderr.contains("cannot open"), "\(r.stderr)")
    }

    @Test("A statement that writes is refused by its name")
    func write() throws {
        let db = try storeWithOneRequest()
        let store = try Store(path: db, readOnly: true)
        let message = usageMessage { _ = try store.query("DELETE FROM reject") }
        #expect(message?.contains("read-only") == true, "\(message ?? "no error")")
        #expect(message?.contains("DELETE") == true, "\(message ?? "no error")")
    }
}
