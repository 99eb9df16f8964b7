// What the ingest workers of one run share: the store (one writer at a time), the string dictionary,
// the set of event keys already stored, and the run's requests, written to the store once at the end.
//
// Why requests live in memory for the whole run: a request's lines arrive through several files and
// shapes, so batch-by-batch merging read and rewrote each request ~6 times (a SELECT and an UPDATE per
// touched request per batch: ~12 s of a 29 s ingest at 400k requests). Lines are committed batch by
// batch as before; after a kill, the requests of lines committed since the last request flush are
// re-derived from the raw blocks (`recover`), so nothing is lost and nothing is counted twice.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

final class IngestShared: @unchecked Sendable {
    let store: Store
    /// Held while writing the store (one worker commits at a time) and for the run's requests.
    let storeLock = Lock()
    let dictionary: SharedDictionary

    /// The event keys, in 64 shards with a lock each: the workers look up every event, and one lock
    /// for the set was contended (futex waits, 5% of ingest).
    /// The store's keys are kept bare (8 bytes each, ~10 bytes a stored event: a store is only bounded by
    /// the archive); this run's keys with their time and request (~30 bytes each), for the copies that
    /// follow them. A copy of an event from an earlier run is parsed to find its request.
    private final class KeyShard: @unchecked Sendable {
        let lock = Lock()
        var stored = KeySet()
        var run = EventKeyMap()
    }
    private let shards = (0..<64).map { _ in KeyShard() }
    private let loadLock = Lock()
    private var keysLoaded = false

    /// The run's requests not yet written (contributions of committed lines, and of duplicates).
    /// Requests are written early when the run holds `capacity` of them (memory stays bounded on any input).
    private var requests: RequestTable
    private var storeHasRequests: Bool
    private var touchedKeys = KeySet()
    /// Distinct requests this run wrote.
    var touched: Int { touchedKeys.count }
    /// Sources read completely; marked complete only when their requests are written, so after a kill
    /// they are read again and their duplicates' contributions (log streams) are not lost.
    private var completedSources: [Int64] = []
    /// Fingerprints of the files this run reads: an identical file later in the run is skipped, as it
    /// would be in a later run (its events are all this run's anyway).
    var claimedFingerprints = Set<String>()
    private var wroteRequests = false
    private var rollup = RollupChanges()
    private var nextBlockId: Int64
    private let lockFD: Int32

    init(store: Store, requestCap: Int = 500_000, runKeysPerShard: Int = 26_000) throws {
        self.store = store
        self.runKeysPerShard = runKeysPerShard
        requests = RequestTable(capacity: requestCap)
        // One ingest at a time per store: the dedup set and the dictionary ids are this run's own.
        lockFD = try StoreFileLock.acquire(store.path)
        try store.reloadDictionary()
        // Ingest appends; a small page cache does as well as a large one and keeps memory for requests.
        try store.db.execute("PRAGMA cache_size = -8192")
        dictionary = SharedDictionary(store: store)
        storeHasRequests = try store.db.scalar("SELECT count(*) FROM (SELECT 1 FROM request LIMIT 1)") ?? 0 > 0
        nextBlockId = (try store.db.scalar("SELECT max(id) FROM block") ?? 0) + 1
        // The rollup is brought up to date from this run's changes only if it was up to date before.
        // (A store without requests has an empty rollup, whatever its generation counters say.)
        if try storeHasRequests && !store.rollupIsFresh() { rollup.markStale() }
    }

    deinit { StoreFileLock.release(lockFD) }

    // MARK: Dedup

    /// Inserts an event key with its time and request; true when the event is new to the store and to
    /// this run. The keys must have been loaded (`loadKeys`).
    @inline(__always) func insertKey(_ key: Int64, time: Int64?, request: Int64) -> Bool {
        let shard = shards[Int(UInt64(bitPattern: key) >> 58)]
        return shard.lock.locked {
            guard !shard.stored.contains(key) else { return false }
            if shard.run.count >= runKeysPerShard {
                // Memory stays bounded in a long run: the oldest keys of the run keep only their key (their
                // later copies are parsed to find their request, as copies of earlier runs' events are).
                shard.run.forEachKey { _ = shard.stored.insert($0) }
                shard.run = EventKeyMap()
            }
            return shard.run.insert(key, StoredEvent(time: time ?? .min, request: request)) == nil
        }
    }

    /// This run's keys kept with their time and request, per shard: by default 1.66M in all, in tables of
    /// at most 32,768 slots (4/5 full: 26,214 keys), 50 MB.
    let runKeysPerShard: Int

    /// The time and request of an event this run stored.
    @inline(__always) func findKey(_ key: Int64) -> (time: Int64?, request: Int64)? {
        let shard = shards[Int(UInt64(bitPattern: key) >> 58)]
        guard let found = shard.lock.locked({ shard.run.find(key) }) else { return nil }
        return (found.time == .min ? nil : found.time, found.request)
    }

    /// Reads the stored event keys, once per run, when a worker first reads a file: a run that skips
    /// every file (already ingested) never pays for it.
    func loadKeys() throws {
        try loadLock.locked {
            guard !keysLoaded else { return }
            try storeLock.locked {
                let n = try store.db.scalar("SELECT count(*) FROM line") ?? 0
                for shard in shards {
                    shard.stored = KeySet(minimumCapacity: Int(n) / shards.count)
                    shard.run = EventKeyMap(minimumCapacity: runKeysPerShard)
                }
                let s = try store.db.prepare("SELECT hash FROM line")
                while try s.step() {
                    let key = s.int(0)
                    _ = shards[Int(UInt64(bitPattern: key) >> 58)].stored.insert(key)
                }
            }
            keysLoaded = true
        }
    }

    // MARK: Writing (caller holds storeLock)

    /// Ids for `count` new blocks.
    func takeBlockIds(_ count: Int) -> Int64 {
        defer { nextBlockId += Int64(count) }
        return nextBlockId
    }

    func sourceCompleted(_ id: Int64) { completedSources.append(id) }

    /// Merges a worker's batch of request contributions (its lines are committed in the same transaction).
    func mergeRequests(_ batch: RequestBatch) throws {
        // One look at the dictionary for the whole batch, not a lock per comparison.
        let less = dictionary.comparator()
        try batch.forEach { key, delta, requestId in
            requests.merge(key, delta, requestId: requestId, less: less)
            if requests.isFull { try flushRequests(final: false) }
        }
    }

    /// Writes the run's requests into the request table (inside the caller's transaction) and moves the
    /// recovery mark past every committed line.
    /// Mid-run (`final` false), contributions that only name a request not stored yet (a copy's log
    /// stream, read before another thread committed the request's line) are kept for the next write.
    func flushRequests(final: Bool) throws {
        let db = store.db
        var wroteNow = false
        if requests.count > 0 {
            let select = try db.prepare("SELECT \(RequestDelta.columns) FROM request WHERE id = ?")
            let update = try db.prepare("""
                UPDATE request SET (\(RequestDelta.columns)) = (?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21,?22,?23,?24)
                WHERE id = ?1
                """)
            let newRows = try RowInserter(db, table: "request", columns: ["id"] + RequestDelta.columnNames) { [unowned self] s, c, i in
                s.bind(c, self.requests.entryKeys[i])
                self.requests.withRequestId(i) { self.requests.entries[i].bind(to: s, from: c + 1, requestId: $0) }
            }
            // Key order: the table's B-tree is filled left to right.
            let keys = requests.entryKeys
            let less = dictionary.comparator()
            var carried: [(Int64, RequestDelta, [UInt8])] = []
            for i in keys.indices.sorted(by: { keys[$0] < keys[$1] }) {
                let key = keys[i]
                let delta = requests.entries[i]
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
                if !exists && delta.lines == 0 {
                    // Only copies of lines whose request is not stored (yet: its line may still be in
                    // another thread's batch).
                    if !final { carried.append((key, delta, requests.withRequestId(i) { Array($0) })) }
                    continue
                }
                if !exists { rollup.replace(nil, with: merged) }
                _ = touchedKeys.insert(key)
                wroteNow = true
                if !exists {
                    try newRows.add(i)  // a new request: its row is the run's delta as it is
                    continue
                }
                update.bind(1, key)
                requests.withRequestId(i) { id in
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
            requests.removeAll()
            for (key, delta, id) in carried {
                id.withUnsafeBufferPointer { requests.merge(key, delta, requestId: $0, less: less) }
            }
            storeHasRequests = true
            if wroteNow {
                // Reports read the rollup only while it matches the requests (see `finish`).
                try db.execute("UPDATE meta SET value = value + 1 WHERE key = 'requests_generation'")
                wroteRequests = true
            }
        }
        try db.execute("""
            INSERT OR REPLACE INTO meta(key, value) VALUES ('lines_merged', (SELECT coalesce(max(id), 0) FROM line))
            """)
    }

    /// Writes what is left, marks the sources read completely, and brings the rollup up to date.
    func finish() throws {
        try storeLock.locked {
            try store.transaction {
                try dictionary.writePending(store.db)
                try flushRequests(final: true)
                // The run's memory goes back before the rollup is rebuilt (the peak of a run is here).
                requests = RequestTable(capacity: 0)
                loadLock.locked {
                    for shard in shards {
                        shard.stored = KeySet()
                        shard.run = EventKeyMap()
                    }
                    keysLoaded = false
                }
                if !completedSources.isEmpty {
                    let s = try store.db.prepare("UPDATE source SET complete = 1 WHERE id = ?")
                    for id in completedSources {
                        s.bind(1, id)
                        try s.run()
                    }
                    completedSources.removeAll()
                }
                if wroteRequests || rollup.needsRebuild {
                    if rollup.needsRebuild {
                        try store.db.execute(Schema.rebuildRollup)
                    } else {
                        try rollup.apply(store.db)
                        try store.db.execute("""
                            UPDATE meta SET value = (SELECT value FROM meta WHERE key = 'requests_generation') WHERE key = 'rollup_generation'
                            """)
                    }
                    rollup = RollupChanges()
                    wroteRequests = false
                }
            }
            try store.reloadDictionary()
        }
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
