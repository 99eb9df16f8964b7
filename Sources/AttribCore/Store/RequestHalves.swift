// A new store's requests written by two threads: the end of a cold ingest was one thread inserting every
// request (SQLite's INSERT, ~1.1 µs a row of 28 columns) while the other core idled. SQLite has one writer
// per database, so the keys from zero up go into a scratch database beside the store, on a second thread
// with a connection of its own, while the store's connection inserts the keys below zero. The store then
// copies the scratch table in one `INSERT INTO request SELECT * FROM half.request_half`: the tables are
// declared alike, so SQLite copies each row's record as it is (its transfer optimisation, ~0.3 µs a row)
// and appends it, every key being above those already written.
//
// The scratch file is attached before the run's last transaction (SQLite cannot attach inside one) and
// unlinked at once: nothing is left after a kill. That transaction begins deferred so that it does not
// lock the scratch database while the second thread writes it; its first statement writes the store.

import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

final class RequestHalfStore: @unchecked Sendable {
    /// The scratch database's own connection, for the thread that fills it.
    let connection: Connection
    static let table = "request_half"

    /// Creates the scratch database in `directory`, declares its table as the store's `request` and
    /// attaches it to the store's connection as `half`.
    init(store: Connection, directory: String) throws {
        let (fd, path) = try temporaryRequestFile(in: [directory])
        close(fd)
        defer { unlink(path) }
        connection = try Connection(path: path)
        // Scratch: no journal, no syncs, a small cache (rows are appended); the store's page size, so its rows
        // are copied as they are.
        try connection.execute(
            "PRAGMA page_size = 32768; PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -2048")
        let declared = try store.prepare("SELECT sql FROM main.sqlite_schema WHERE type = 'table' AND name = 'request'")
        guard try declared.step(), let sql = declared.text(0), let open = sql.firstIndex(of: "(") else {
            throw StoreError("\(store.path): the store has no request table")
        }
        try connection.execute("CREATE TABLE \(Self.table)\(sql[open...])")
        let attach = try store.prepare("ATTACH DATABASE ? AS half")
        attach.bind(1, path)
        try attach.run()
    }

    /// Detaches the scratch database (after the store's transaction ended).
    func detach(from store: Connection) {
        try? store.execute("DETACH DATABASE half")
    }
}

extension StoreWriter {
    /// What one thread inserted of a new store's requests, and the rollup's sums of them.
    struct HalfWritten {
        var rows = 0
        var sums = RollupChanges()
    }

    /// Inserts the requests of `merge` that have lines (a new store: every one is a new row) into `table`
    /// of `db`, in key order, adding each to the sums.
    static func insertNew(_ merge: inout RequestMerge, into db: Connection, table: String) throws -> HalfWritten {
        var written = HalfWritten()
        // Merged on this thread, not a chunk ahead on a third (two threads then share the two cores; wall
        // 0.976–0.981 against merging ahead), in chunks of 8,192.
        try merge.forEachChunk(limit: 1 << 13, ahead: false) { chunk in
            let keys = chunk.keys
            let deltas = chunk.deltas
            let rows = try RowInserter(db, table: table, columns: ["id"] + RequestDelta.columnNames) { s, c, i in
                s.bind(c, keys[i])
                chunk.withRequestId(i) { deltas[i].bind(to: s, from: c + 1, requestId: $0) }
            }
            for i in keys.indices where deltas[i].lines > 0 {
                written.sums.replace(nil, with: deltas[i])
                try rows.add(i)
                written.rows += 1
            }
            try rows.finish()
        }
        return written
    }
}
