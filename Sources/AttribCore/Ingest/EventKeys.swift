// The run's set of event keys (dedup): the store's keys bare, this run's with their time and request.

/// The time (`Int64.min`: none) and request (0: none) of an event this run stored: a duplicate is
/// recognised before its message is parsed (its key is the hash of its text when the text carries its own
/// timestamp), and what it still contributes (its time to its file's range, its log stream to its request)
/// comes from here. Parsing was 22% of ingest and 41% of the events in a typical archive are duplicates.
struct StoredEvent {
    var time: Int64
    var request: Int64
}

/// This run's event keys with their `StoredEvent` (24 bytes a slot).
typealias EventKeyMap = KeyTable<StoredEvent>

extension KeyTable where Value == StoredEvent {
    init(minimumCapacity: Int = 1 << 10) {
        self.init(minimumCapacity: minimumCapacity, filler: StoredEvent(time: 0, request: 0))
    }
}

/// The event keys, in 64 shards with a lock each: the workers look up every event, and one lock
/// for the set was contended (futex waits, 5% of ingest).
/// The store's keys are kept bare (8 bytes each, ~10 bytes a stored event: a store is only bounded by
/// the archive); this run's keys with their time and request (~30 bytes each), for the copies that
/// follow them. A copy of an event from an earlier run is parsed to find its request.
final class EventKeys: @unchecked Sendable {
    private final class Shard: @unchecked Sendable {
        let lock = Lock()
        var stored = KeySet()
        var run = EventKeyMap()
    }
    private let shards = (0..<64).map { _ in Shard() }
    /// The shards again, for the hot path: reached without a reference count (`shards` keeps them alive).
    /// Both workers look up every event, and a count changed on each lookup was a cache line the two
    /// cores passed back and forth.
    private let shardRefs: UnsafeMutablePointer<Unmanaged<Shard>>
    private let loadLock = Lock()
    private var loaded = false

    /// This run's keys kept with their time and request, per shard: by default 1.66M in all, in tables of
    /// at most 32,768 slots (4/5 full: 26,214 keys), 50 MB when full.
    let runKeysPerShard: Int

    init(runKeysPerShard: Int) {
        self.runKeysPerShard = runKeysPerShard
        shardRefs = .allocate(capacity: 64)
        shardRefs.initialize(from: shards.map { Unmanaged.passUnretained($0) }, count: 64)
        for (index, shard) in shards.enumerated() { publishAll(shard, index) }
    }

    deinit {
        layouts.deallocate()
        shardRefs.deallocate()
    }

    /// Inserts an event key with its time and request; true when the event is new to the sink and to
    /// this run. The keys must have been loaded (`load`).
    @inline(__always) func insert(_ key: Int64, time: Int64?, request: Int64) -> Bool {
        let index = Int(UInt64(bitPattern: key) >> 58)
        return shardRefs[index]._withUnsafeGuaranteedRef { shard in
            shard.lock.locked {
                defer { publish(shard, index) }
                if shard.run.count >= runKeysPerShard {
                    // Memory stays bounded in a long run: the oldest keys of the run keep only their key (their
                    // later copies are parsed to find their request, as copies of earlier runs' events are).
                    shard.run.forEachKey { _ = shard.stored.insert($0) }
                    shard.run = EventKeyMap()
                }
                // After the move, not before: a key another thread inserted a moment ago may have just moved.
                // (Checked first, a copy read by one thread while another stored the event was new again when
                // its insert was the one that moved the keys: two lines for one event.)
                guard !shard.stored.contains(key) else { return false }
                return shard.run.insert(key, StoredEvent(time: time ?? .min, request: request)) == nil
            }
        }
    }

    /// Asks the cache for where lookups of `key` start, a few events before they are made. Without the
    /// shard's lock (two locks per event cost what the hint saves): it reads the layout each shard publishes
    /// when its tables move, in plain words that a race can only make stale.
    @inline(__always) func prefetch(_ key: Int64) {
        let h = layouts + Int(UInt64(bitPattern: key) >> 58) * 4
        EventKeyMap.prefetch(key, base: h[0], mask: h[1])
        KeySet.prefetch(key, base: h[2], mask: h[3])
    }

    /// Per shard: the run table's base and mask, then the stored set's (`prefetch`); written under the lock.
    private let layouts: UnsafeMutablePointer<Int> = {
        let p = UnsafeMutablePointer<Int>.allocate(capacity: 64 * 4)
        p.initialize(repeating: 0, count: 64 * 4)
        return p
    }()

    private func publishAll(_ shard: Shard, _ index: Int) {
        let h = layouts + index * 4
        (h[0], h[1]) = shard.run.layout
        (h[2], h[3]) = shard.stored.layout
    }

    @inline(__always) private func publish(_ shard: Shard, _ index: Int) {
        let h = layouts + index * 4
        let run = shard.run.layout
        if h[0] != run.base || h[1] != run.mask {
            (h[0], h[1]) = run
            (h[2], h[3]) = shard.stored.layout
        }
    }

    /// The time and request of an event this run stored.
    @inline(__always) func find(_ key: Int64) -> (time: Int64?, request: Int64)? {
        let found = shardRefs[Int(UInt64(bitPattern: key) >> 58)]._withUnsafeGuaranteedRef { shard in
            shard.lock.locked { shard.run.find(key) }
        }
        guard let found else { return nil }
        return (found.time == .min ? nil : found.time, found.request)
    }

    /// Reads the sink's event keys, once per run, when a worker first reads a file: a run that skips
    /// every file (already ingested) never pays for it. `sinkLock` is held while reading the sink.
    func load(from sink: BatchSink, sinkLock: Lock) throws {
        try loadLock.locked {
            guard !loaded else { return }
            try sinkLock.locked {
                let n = try sink.storedEventKeyCount()
                // The run's tables start small and double as keys come (at most 32,768 slots each, as
                // before): allocating them full up front zeroed 50 MB in every run, 51 M instructions
                // (17% of a 5,500-event ingest) and 50 MB of peak RSS in a run that reads a few files.
                for shard in shards {
                    shard.stored = KeySet(minimumCapacity: n / shards.count)
                    shard.run = EventKeyMap()
                }
                try sink.forEachStoredEventKey { key in
                    _ = shards[Int(UInt64(bitPattern: key) >> 58)].stored.insert(key)
                }
                for (index, shard) in shards.enumerated() { shard.lock.locked { publishAll(shard, index) } }
            }
            loaded = true
        }
    }

    /// Gives the memory back at the end of a run (a later run loads again).
    func release() {
        loadLock.locked {
            for (index, shard) in shards.enumerated() {
                shard.lock.locked {
                    shard.stored = KeySet()
                    shard.run = EventKeyMap()
                    publishAll(shard, index)
                }
            }
            loaded = false
        }
    }
}
