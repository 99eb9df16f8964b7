// The SQLite store as the sink of an ingest run: each batch is one transaction (dictionary additions,
// blocks, lines, rejects, sources, statement statistics), the run's requests are merged into the stored
// ones, and the rollup is kept up to date from what changed.

import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

final class StoreWriter: BatchSink {
    let store: Store
    private var storeHasRequests: Bool
    private var touchedKeys = KeySet()
    /// Sources read completely; marked complete only when their requests are written, so after a kill
    /// they are read again and their duplicates' contributions (log streams) are not lost.
    private var completedSources: [Int64] = []
    private var wroteRequests = false
    private var rollup = RollupChanges()
    private var nextBlockId: Int64
    private let lockFD: Int32
    /// WAL checkpoints on a thread of their own while the run writes (Checkpointer.swift).
    private var checkpointer: Checkpointer?

    init(store: Store, halvesFrom: Int = StoreWriter.halvesFrom) throws {
        self.store = store
        self.halvesFrom = halvesFrom
        // One ingest at a time per store: the dedup set and the dictionary ids are this run's own.
        lockFD = try StoreFileLock.acquire(store.path)
        try store.reloadDictionary()
        // Ingest appends; a small page cache does as well as a large one and keeps memory for requests.
        try store.db.execute("PRAGMA cache_size = -8192")
        checkpointer = Checkpointer(path: store.path, writer: store.db)
        storeHasRequests = try store.db.scalar("SELECT count(*) FROM (SELECT 1 FROM request LIMIT 1)") ?? 0 > 0
        nextBlockId = (try store.db.scalar("SELECT max(id) FROM block") ?? 0) + 1
        // The rollup is brought up to date from this run's changes only if it was up to date before.
        // (A store without requests has an empty rollup, whatever its generation counters say.)
        if try storeHasRequests && !store.rollupIsFresh() { rollup.markStale() }
    }

    deinit {
        checkpointer?.stop()
        StoreFileLock.release(lockFD)
    }

    /// The rollup's sums of a new store's requests while a second thread adds to them (`writeChunk`): those
    /// with keys below zero and those from zero up apart, added to the rollup in that order at the end, as
    /// when two threads write them (`writeHalves`), so the sums are the same to the last bit either way.
    private final class NewRowSums: @unchecked Sendable {
        var lower = RollupChanges()
        var upper = RollupChanges()
    }
    private var newRowSums: NewRowSums?

    /// From how many requests a new store's are written by two threads (`RequestHalves.swift`): below, the
    /// scratch database costs more than the second thread saves.
    static let halvesFrom = 20_000
    private let halvesFrom: Int
    /// Requests the scratch database's thread wrote (for tests: that the two threads did write).
    private(set) var rowsWrittenBySecondThread = 0
    /// The scratch database of the second thread, while the run's last unit is open.
    private var half: RequestHalfStore?

    /// Spill files of the run's requests go beside the store (where there is room for it).
    var spillDirectory: String? {
        let dir = (store.path as NSString).deletingLastPathComponent
        return dir.isEmpty ? "." : dir
    }

    /// Requests written by this writer: the keys of those written while the store had some already, and a
    /// count of those inserted while it had none (each inserted once: keys come once each, in order, and a
    /// store that got requests no longer takes that path).
    var requestsWritten: Int { touchedKeys.count + insertedIntoEmpty }
    private var insertedIntoEmpty = 0

    // MARK: What the store holds

    func storedStrings() throws -> [[UInt8]] { store.values }

    func storedEventKeyCount() throws -> Int {
        Int(try store.db.scalar("SELECT coalesce(sum(events), 0) FROM block") ?? 0)
    }

    func forEachStoredEventKey(_ body: (Int64) -> Void) throws {
        let s = try store.db.prepare("SELECT id, lines FROM block")
        while try s.step() { try store.db.withBlockLines(s) { try BlockLines.forEachKey($0, body) } }
    }

    /// Lines of the blocks after `blocks_merged`, with their messages from the raw blocks.
    func forEachUnmergedLine(_ body: (UnmergedLine) throws -> Void) throws -> Int {
        let db = store.db
        let merged = try db.scalar("SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'blocks_merged'") ?? 0
        var count = 0
        try db.forEachBlock(after: merged, withMessages: true) { _, lines, messages in
            for (slot, l) in lines.enumerated() {
                count += 1
                guard slot < messages.count else { continue }
                try messages[slot].withUnsafeBytes { message in
                    try body(UnmergedLine(key: l.key, time: l.ts, stream: l.stream, group: l.group, message: message))
                }
            }
        }
        return count
    }

    // MARK: Sources

    func openSource(path: String, fingerprint: String?, bytes: Int64?, compression: Compression) throws -> Int64? {
        if let fingerprint {
            let s = try store.db.prepare(
                "SELECT id, complete FROM source WHERE fingerprint = ? ORDER BY complete DESC LIMIT 1")
            s.bind(1, fingerprint)
            if try s.step() { return s.int(1) == 1 ? nil : s.int(0) }
            s.reset()
            if let bytes {
                // A store written before `v2:` fingerprints: a source of the same size may hold this content
                // under the old fingerprint (computed then, once); it takes the new one, so later runs match it
                // at once.
                let legacy = try store.db.prepare(
                    "SELECT 1 FROM source WHERE bytes = ? AND fingerprint NOT LIKE 'v2:%' LIMIT 1")
                legacy.bind(1, bytes)
                if try legacy.step(), let old = legacyFingerprint(path: path) {
                    s.bind(1, old)
                    if try s.step() {
                        let (id, complete) = (s.int(0), s.int(1) == 1)
                        s.reset()
                        let update = try store.db.prepare("UPDATE source SET fingerprint = ? WHERE fingerprint = ?")
                        update.bind(1, fingerprint)
                        update.bind(2, old)
                        try update.run()
                        return complete ? nil : id
                    }
                }
                // A file read while its fingerprint was made (none before it) and interrupted: its source has
                // no fingerprint yet; the same path and size resume it.
                let resumed = try store.db.prepare(
                    "SELECT id FROM source WHERE fingerprint IS NULL AND complete = 0 AND path = ? AND bytes = ? ORDER BY id DESC LIMIT 1"
                )
                resumed.bind(1, path)
                resumed.bind(2, bytes)
                if try resumed.step() {
                    let id = resumed.int(0)
                    let update = try store.db.prepare("UPDATE source SET fingerprint = ? WHERE id = ?")
                    update.bind(1, fingerprint)
                    update.bind(2, id)
                    try update.run()
                    return id
                }
            }
        }
        let s = try store.db.prepare(
            "INSERT INTO source(path, fingerprint, bytes, compression, ingested_at) VALUES (?,?,?,?,?)")
        s.bind(1, path)
        s.bind(2, fingerprint)
        s.bind(3, bytes)
        s.bind(4, compression.rawValue)
        s.bind(5, Int64(nowMillis()))
        try s.run()
        return store.db.lastInsertRowID
    }

    func storedSourceSizes() throws -> Set<Int64> {
        var sizes = Set<Int64>()
        let s = try store.db.prepare("SELECT DISTINCT bytes FROM source WHERE bytes IS NOT NULL")
        while try s.step() { sizes.insert(s.int(0)) }
        return sizes
    }

    func discardSource(_ id: Int64) throws {
        let s = try store.db.prepare("DELETE FROM source WHERE id = ? AND new_events = 0 AND events = 0")
        s.bind(1, id)
        try s.run()
    }

    // MARK: Writing

    func atomically(_ body: () throws -> Void) throws {
        try store.transaction(body)
    }

    func atomicallyEndingRun(requests: Int, _ body: () throws -> Void) throws {
        // Without a scratch database (no room beside the store), one thread writes them as for a small run.
        guard !storeHasRequests, requests >= halvesFrom, let directory = spillDirectory,
            let half = try? RequestHalfStore(store: store.db, directory: directory)
        else {
            return try atomically(body)
        }
        self.half = half
        defer {
            self.half = nil
            half.detach(from: store.db)
        }
        // Deferred, so that the scratch database is not locked while the second thread writes it; the first
        // statement writes the store, which holds the write lock from then on as an immediate one would.
        try store.transaction(immediate: false) {
            try store.db.execute("UPDATE meta SET value = value WHERE key = 'requests_generation'")
            try body()
        }
    }

    /// The run's WAL written into the store file and emptied. SQLite does it when the last connection closes,
    /// but a run's threads may still hold the store when the process exits (1 or 2 ingests in 30 of a small
    /// corpus kept a 4 MB WAL, and the store file alone lacked the run). The same work the close would do:
    /// the checkpoint thread kept the WAL short.
    func runEnded() {
        try? store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    }

    func write(_ batch: IngestBatch) throws {
        let db = store.db
        if !batch.strings.isEmpty {
            let s = try db.prepare("INSERT INTO dict(id, value) VALUES (?, ?)")
            for (id, value) in batch.strings {
                s.bind(1, Int64(id))
                s.bind(2, text: value)
                try s.run()
            }
        }
        let firstBlock = nextBlockId
        nextBlockId += Int64(batch.blocks.count)
        if !batch.blocks.isEmpty {
            // A block's row holds its lines too (BlockLines.swift): no row per line.
            let insertBlock = try db.prepare(
                "INSERT INTO block(id, events, data, lines, first_ms, last_ms) VALUES (?,?,?,?,?,?)")
            for (i, b) in batch.blocks.enumerated() {
                insertBlock.bind(1, firstBlock + Int64(i))
                insertBlock.bind(2, Int64(b.events))
                insertBlock.bind(5, b.firstMs)
                insertBlock.bind(6, b.lastMs)
                // Bound without a copy: the statement runs while both buffers are held.
                try b.data.withUnsafeBytes { data in
                    try b.lines.withUnsafeBytes { lines in
                        insertBlock.bindStatic(3, blob: data)
                        insertBlock.bindStatic(4, text: lines)
                        try insertBlock.run()
                    }
                }
            }
        }
        var cutover = Int64.max
        let identity = Int32(LineFlag.userSub | LineFlag.userEmail)
        for l in batch.lines where l.flags & identity != 0 {
            if let ts = l.ts { cutover = min(cutover, ts) }
        }
        if cutover != .max {
            // Gaps' cutover: the earliest line with identity, kept here so gaps reads it, not every line.
            let s = try db.prepare(
                """
                INSERT INTO meta(key, value) VALUES ('identity_cutover', ?) ON CONFLICT(key)
                DO UPDATE SET value = min(CAST(value AS INTEGER), CAST(excluded.value AS INTEGER))
                """)
            s.bind(1, cutover)
            try s.run()
        }
        if !batch.rejects.isEmpty {
            let s = try db.prepare("INSERT OR IGNORE INTO reject(source, position, reason, raw) VALUES (?,?,?,?)")
            for r in batch.rejects {
                s.bind(1, r.source)
                s.bind(2, r.position)
                s.bind(3, r.reason)
                r.raw.withUnsafeBytes { s.bind(4, bytes: $0) }
                try s.run()
            }
        }
        if !batch.requestTags.isEmpty {
            let s = try db.prepare(
                """
                INSERT INTO request_tag(request, key, value) VALUES (?,?,?) ON CONFLICT(request, key)
                DO UPDATE SET value = excluded.value
                WHERE (SELECT value FROM dict WHERE id = excluded.value) < (SELECT value FROM dict WHERE id = request_tag.value)
                """)
            for t in batch.requestTags {
                s.bind(1, t.request)
                s.bind(2, Int64(t.key))
                s.bind(3, Int64(t.value))
                try s.run()
            }
        }
        try writeSourceUpdates(batch.sources)
        try writeStatementStats(batch.statementStats)
    }

    private func writeSourceUpdates(_ updates: [SourceUpdate]) throws {
        guard !updates.isEmpty else { return }
        let s = try store.db.prepare(
            """
            UPDATE source SET shape = coalesce(?, shape), events = ?, new_events = new_events + ?, duplicates = ?,
                rejects = ?, first_ms = min(coalesce(first_ms, ?), ?), last_ms = max(coalesce(last_ms, ?), ?), path = ?,
                fingerprint = coalesce(?, fingerprint)
            WHERE id = ?
            """)
        for u in updates {
            s.bind(1, u.shape?.rawValue)
            s.bind(2, Int64(u.events))
            s.bind(3, Int64(u.new))
            s.bind(4, Int64(u.duplicates))
            s.bind(5, Int64(u.rejects))
            s.bind(6, u.first)
            s.bind(7, u.first)
            s.bind(8, u.last)
            s.bind(9, u.last)
            s.bind(10, u.path)
            s.bind(11, u.fingerprint)
            s.bind(12, u.id)
            try s.run()
            if u.complete { completedSources.append(u.id) }
        }
    }

    private func writeStatementStats(_ stats: [Int32: StatementCounts]) throws {
        guard !stats.isEmpty else { return }
        let s = try store.db.prepare(
            """
            INSERT INTO statement_stats(statement, lines, with_user_sub, with_user_email, with_auth_source)
            VALUES (?,?,?,?,?)
            ON CONFLICT(statement) DO UPDATE SET lines = lines + excluded.lines,
                with_user_sub = with_user_sub + excluded.with_user_sub,
                with_user_email = with_user_email + excluded.with_user_email,
                with_auth_source = with_auth_source + excluded.with_auth_source
            """)
        for (statement, v) in stats {
            s.bind(1, Int64(statement))
            s.bind(2, v.lines)
            s.bind(3, v.withUserSub)
            s.bind(4, v.withUserEmail)
            s.bind(5, v.withAuthSource)
            try s.run()
        }
    }

    /// Writes the run's requests into the request table (inside the caller's transaction) and moves the
    /// recovery mark past every committed line. They come in key order, so the table's B-tree is filled left
    /// to right (and, merged with a stored table, read left to right), a chunk at a time.
    func writeRequests(_ requests: inout RequestMerge, less: (Int32, Int32) -> Bool) throws {
        let db = store.db
        var wroteNow = false
        if storeHasRequests && insertedIntoEmpty > 0 {
            // A second write (after a recovery's): every request stored was inserted by this writer, so their
            // keys are the ones it wrote, counted once whichever write touches them again.
            let s = try db.prepare("SELECT id FROM request")
            while try s.step() { _ = touchedKeys.insert(s.int(0)) }
            insertedIntoEmpty = 0
        }
        if requests.upperBound > 0 {
            let select = try db.prepare("SELECT \(RequestDelta.columns) FROM request WHERE id = ?")
            let update = try db.prepare(
                """
                UPDATE request SET (\(RequestDelta.columns)) = (\((2...RequestDelta.columnNames.count + 1).map { "?\($0)" }.joined(separator: ",")))
                WHERE id = ?1
                """)
            if let half, !storeHasRequests {
                wroteNow = try writeHalves(requests, half: half)
            } else {
                try requests.forEachChunk(limit: 1 << 14) { chunk in
                    if try writeChunk(chunk, select: select, update: update, less: less) { wroteNow = true }
                }
                if let sums = newRowSums {
                    rollup.add(sums.lower)
                    rollup.add(sums.upper)
                    newRowSums = nil
                }
            }
            storeHasRequests = storeHasRequests || wroteNow
            if wroteNow {
                // Reports read the rollup only while it matches the requests (see `finish`).
                try db.execute("UPDATE meta SET value = value + 1 WHERE key = 'requests_generation'")
                wroteRequests = true
            }
        }
        try db.execute(
            """
            INSERT OR REPLACE INTO meta(key, value) VALUES ('blocks_merged', (SELECT coalesce(max(id), 0) FROM block))
            """)
    }

    /// The lower half's sums, handed to the second thread (read after a semaphore's wait).
    private final class SumsHandoff: @unchecked Sendable { var sums: RollupChanges? }

    /// Writes a new store's requests on two threads (`RequestHalves.swift`); true when a row was written.
    /// While this thread copies the scratch table in, the second adds the two halves' rollup sums (lower, then
    /// upper: the order of the one-thread path, so every sum is the same to the bit).
    private func writeHalves(_ requests: RequestMerge, half: RequestHalfStore) throws -> Bool {
        let halves = try requests.halves()
        var lower = halves.lower
        let upperMerge = UncheckedBox(halves.upper)
        let upperInserted = DispatchSemaphore(value: 0)
        let lowerSums = SumsHandoff()
        let lowerDone = DispatchSemaphore(value: 0)
        let upperThread = SideThread<Result<(rows: Int, sums: RollupChanges), Error>> {
            var merge = upperMerge.value
            let db = half.connection
            let written: HalfWritten
            do {
                try db.execute("BEGIN")
                written = try Self.insertNew(&merge, into: db, table: RequestHalfStore.table)
                try db.execute("COMMIT")
            } catch {
                try? db.execute("ROLLBACK")
                upperInserted.signal()
                return .failure(error)
            }
            upperInserted.signal()
            lowerDone.wait()
            guard var sums = lowerSums.sums else { return .success((written.rows, written.sums)) }
            sums.add(written.sums)
            return .success((written.rows, sums))
        }
        let lowerWritten = Result { try Self.insertNew(&lower, into: store.db, table: "request") }
        // The sums are added on the second thread only onto a rollup with no changes yet (else they are
        // added here in the same order).
        let addedThere = rollup.isEmpty
        if addedThere, case .success(let w) = lowerWritten { lowerSums.sums = w.sums }
        lowerDone.signal()
        upperInserted.wait()
        let written = try lowerWritten.get()
        var copied: Error?
        do {
            try store.db.execute("INSERT INTO request SELECT * FROM half.\(RequestHalfStore.table)")
        } catch {
            copied = error
        }
        // The upper half's rows, and its sums (with the lower half's before them when added there).
        let upper = try upperThread.join().get()
        if let copied { throw copied }
        if addedThere {
            rollup.add(upper.sums)
        } else {
            rollup.add(written.sums)
            rollup.add(upper.sums)
        }
        insertedIntoEmpty += written.rows + upper.rows
        rowsWrittenBySecondThread += upper.rows
        return written.rows + upper.rows > 0
    }

    /// Writes one chunk of requests (in key order); true when a row was written.
    private func writeChunk(_ chunk: RequestBatch, select: Statement, update: Statement, less: (Int32, Int32) -> Bool)
        throws -> Bool
    {
        let db = store.db
        var wroteNow = false
        let keys = chunk.keys
        let deltas = chunk.deltas
        let newRows = try RowInserter(db, table: "request", columns: ["id"] + RequestDelta.columnNames) { s, c, i in
            s.bind(c, keys[i])
            chunk.withRequestId(i) { deltas[i].bind(to: s, from: c + 1, requestId: $0) }
        }
        // With no request stored yet (a new store), every request with lines is a new row and its rollup
        // change needs nothing from the store: the sums are made on a second thread, in the same order,
        // while this one inserts (this is the serial end of a run).
        var newStoreSums: SideThread<NewRowSums>?
        if !storeHasRequests {
            // The side thread holds the only reference while it runs (no copy on its first write).
            let sums = newRowSums ?? NewRowSums()
            newRowSums = nil
            newStoreSums = SideThread {
                for i in deltas.indices where deltas[i].lines > 0 {
                    if keys[i] < 0 {
                        sums.lower.replace(nil, with: deltas[i])
                    } else {
                        sums.upper.replace(nil, with: deltas[i])
                    }
                }
                return sums
            }
        }
        for i in keys.indices {
            let key = keys[i]
            let delta = deltas[i]
            var merged = delta
            var exists = false
            var storedId: [UInt8] = []
            if storeHasRequests {
                select.bind(1, key)
                if try select.step() {
                    exists = true
                    var stored = RequestDelta(row: select)
                    storedId = Array((select.text(0) ?? "").utf8)
                    select.reset()
                    let before = stored
                    stored.merge(delta, less: less)
                    if stored.sameAs(before) { continue }  // only duplicates, nothing new
                    merged = stored
                    rollup.replace(before, with: merged)
                } else {
                    select.reset()
                }
            }
            // Only copies of lines whose request is not stored: nothing to write.
            if !exists && delta.lines == 0 { continue }
            if newStoreSums == nil {
                if !exists { rollup.replace(nil, with: merged) }
                _ = touchedKeys.insert(key)
            }
            wroteNow = true
            if !exists {
                try newRows.add(i)  // a new request: its row is the run's delta as it is
                if newStoreSums != nil { insertedIntoEmpty += 1 }
                continue
            }
            update.bind(1, key)
            chunk.withRequestId(i) { id in
                // Contributions that only named the request's key leave its id as stored.
                if id.isEmpty {
                    storedId.withUnsafeBufferPointer { merged.bind(to: update, from: 2, requestId: $0) }
                } else {
                    merged.bind(to: update, from: 2, requestId: id)
                }
            }
            try update.run()
        }
        try newRows.finish()
        if let thread = newStoreSums { newRowSums = thread.join() }
        return wroteNow
    }

    /// Marks the sources read completely, brings the rollup up to date (inside the caller's transaction)
    /// and reloads the dictionary for the store's readers.
    func finish() throws {
        let db = store.db
        if !completedSources.isEmpty {
            let s = try db.prepare("UPDATE source SET complete = 1 WHERE id = ?")
            for id in completedSources {
                s.bind(1, id)
                try s.run()
            }
            completedSources.removeAll()
        }
        if wroteRequests || rollup.needsRebuild {
            if rollup.needsRebuild {
                try db.execute(Schema.rebuildRollup)
            } else {
                try rollup.apply(db)
                try db.execute(
                    """
                    UPDATE meta SET value = (SELECT value FROM meta WHERE key = 'requests_generation') WHERE key = 'rollup_generation'
                    """)
            }
            rollup = RollupChanges()
            wroteRequests = false
        }
        try store.reloadDictionary()
        checkpointer?.stop()
        checkpointer = nil
    }
}

extension RequestDelta {
    /// The stored row's columns, in the order of `writeRequests`'s statements.
    static let columnNames = [
        "request_id", "start_ms", "user_email", "user_sub", "auth_source", "user_id", "api_key_id", "project", "model",
        "status", "latency_ms", "method", "path", "user_agent", "log_group", "log_stream",
        "input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens", "logged_cost", "lines", "flags",
        "source", "principal", "client_ip", "token_id",
    ]
    static let columns = columnNames.joined(separator: ", ")

    /// A logged status or latency as stored in memory: within Int32, above the absent marker.
    static func clamped(_ v: Int64) -> Int32 { Int32(clamping: max(v, Int64(Int32.min) + 1)) }

    /// Reads a stored request (the columns above, from index 0; its request id is not needed).
    init(row s: Statement) {
        self.init()
        func id(_ i: Int32) -> Int32 { Int32(truncatingIfNeeded: s.int(i)) }
        startMs = s.optionalInt(1) ?? .max
        for k in 0..<IdentityField.allCases.count { self[identity: k] = id(Int32(2 + k)) }
        model = id(8)
        status = s.optionalInt(9).map(Self.clamped) ?? .min
        latencyMs = s.optionalInt(10).map(Self.clamped) ?? .min
        method = id(11)
        path = id(12)
        userAgent = id(13)
        logGroup = id(14)
        logStream = id(15)
        input = s.int(16)
        output = s.int(17)
        cacheRead = s.int(18)
        cacheWrite = s.int(19)
        loggedCost = s.optionalDouble(20) ?? .nan
        lines = Int32(truncatingIfNeeded: s.int(21))
        flags = s.int(22)
        source = id(23)
        principal = id(24)
        clientIp = id(25)
        tokenId = id(26)
    }

    /// Binds the columns above from parameter `first` on.
    func bind(to u: Statement, from first: Int32, requestId: UnsafeBufferPointer<UInt8>) {
        func id(_ v: Int32) -> Int64? { v == 0 ? nil : Int64(v) }
        u.bind(first, text: UnsafeRawBufferPointer(requestId))
        u.bind(first + 1, startMs == .max ? nil : startMs)
        for k in 0..<IdentityField.allCases.count { u.bind(first + 2 + Int32(k), id(self[identity: k])) }
        u.bind(first + 8, id(model))
        u.bind(first + 9, status == .min ? nil : Int64(status))
        u.bind(first + 10, latencyMs == .min ? nil : Int64(latencyMs))
        u.bind(first + 11, id(method))
        u.bind(first + 12, id(path))
        u.bind(first + 13, id(userAgent))
        u.bind(first + 14, id(logGroup))
        u.bind(first + 15, id(logStream))
        u.bind(first + 16, input)
        u.bind(first + 17, output)
        u.bind(first + 18, cacheRead)
        u.bind(first + 19, cacheWrite)
        u.bind(first + 20, loggedCost.isNaN ? nil : loggedCost)
        u.bind(first + 21, Int64(lines))
        u.bind(first + 22, flags)
        u.bind(first + 23, id(source))
        u.bind(first + 24, id(principal))
        u.bind(first + 25, id(clientIp))
        u.bind(first + 26, id(tokenId))
    }
}

/// An advisory lock on the store file for the length of an ingest: a second `attrib ingest` on the
/// same store waits for the first (reports never wait: SQLite's WAL lets them read meanwhile).
/// flock(2), not fcntl: SQLite's own fcntl locks are separate and closing our descriptor cannot drop
/// them. Descriptors are kept open and reused, so that the lock is never released by a close.
enum StoreFileLock {
    private static let lock = Lock()
    nonisolated(unsafe) private static var descriptors: [String: Int32] = [:]

    static func acquire(_ path: String) throws -> Int32 {
        let fd: Int32 = lock.locked {
            if let fd = descriptors[path] { return fd }
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            if fd >= 0 { descriptors[path] = fd }
            return fd
        }
        guard fd >= 0 else { return -1 }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            if errno == EWOULDBLOCK {
                let message = "attrib: waiting for another ingest into \(path) to finish\n"
                _ = message.withCString { write(2, $0, strlen($0)) }
            }
            while flock(fd, LOCK_EX) != 0 && errno == EINTR {}
        }
        return fd
    }

    static func release(_ fd: Int32) {
        if fd >= 0 { flock(fd, LOCK_UN) }
    }
}
