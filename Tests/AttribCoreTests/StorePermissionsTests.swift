// The store holds people's emails and ids: its files are created readable by their owner only.

import Foundation
import Testing

@testable import AttribCore

@Suite("Store files are owner-only")
struct StorePermissionsTests {
    func mode(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    @Test("A new store, its -wal and -shm are created 0600 under umask 022")
    func newStore() throws {
        let old = umask(0o022)
        defer { umask(old) }
        let db = temporaryDirectory().appendingPathComponent("attrib.db").path
        let store = try Store(path: db)
        try ingest([("logs.jsonl", lineA + "\n" + lineB + "\n")], into: db)
        // While a connection is open the -wal and -shm files exist.
        #expect(FileManager.default.fileExists(atPath: db + "-wal"))
        for path in [db, db + "-wal", db + "-shm"] {
            let m = try mode(path)
            #expect(m == 0o600, "\(path): \(String(m, radix: 8))")
        }
        _ = store
    }

    @Test("A store that already exists with other modes keeps them")
    func existingStore() throws {
        let old = umask(0o022)
        defer { umask(old) }
        let db = temporaryDirectory().appendingPathComponent("attrib.db").path
        #expect(FileManager.default.createFile(atPath: db, contents: nil))
        #expect(chmod(db, 0o640) == 0)
        try ingest([("logs.jsonl", lineA + "\n")], into: db)
        #expect(try mode(db) == 0o640)
    }
}
