// The run's dedup set: a key is new once, whichever insert moves a full shard's keys aside.

import Testing

@testable import AttribCore

@Suite("Event keys: an event is new once")
struct EventKeysTests {
    @Test("An insert that moves a full shard's keys aside still finds a key among them (a copy is not new)")
    func copyAfterTheMove() throws {
        // What two threads do to one event and its copy: the copy's lookup misses (the event is not stored
        // yet), the event is stored by the other thread, then the copy's insert comes to a full shard.
        let keys = EventKeys(runKeysPerShard: 4)
        try keys.load(from: MemoryBatchSink(), sinkLock: Lock())
        let shard: Int64 = 5 << 58  // the top six bits choose the shard: these keys share one
        for k in 1...4 { #expect(keys.insert(shard | Int64(k), time: 1, request: 9)) }
        #expect(keys.insert(shard | 4, time: 1, request: 9) == false)
        // The keys moved aside are still known: copies of them are duplicates, a new key is new.
        for k in 1...4 { #expect(keys.insert(shard | Int64(k), time: 1, request: 9) == false) }
        #expect(keys.insert(shard | 5, time: 1, request: 9))
    }

    @Test("Cache hints read the tables' layout without a lock while other threads grow and move them")
    func prefetchWhileTablesMove() async throws {
        // Small shards, so the run's tables double and are moved aside many times while hints are given.
        let keys = EventKeys(runKeysPerShard: 3_000)
        try keys.load(from: MemoryBatchSink(), sinkLock: Lock())
        let n: Int64 = 200_000
        func key(_ i: Int64) -> Int64 { storeKey(UInt64(bitPattern: i) &* 0x9E37_79B9_7F4A_7C15 | 1) }
        await withTaskGroup(of: Int.self) { group in
            for t in 0..<2 {
                group.addTask {
                    var new = 0
                    for i in stride(from: Int64(t), to: n, by: 2) {
                        keys.prefetch(key(i &+ 7))
                        keys.prefetch(key(i))
                        if keys.insert(key(i), time: i, request: i) { new += 1 }
                    }
                    return new
                }
            }
            group.addTask {
                for i in 0..<(2 * n) { keys.prefetch(key(i % n)) }
                return 0
            }
            var total = 0
            for await count in group { total += count }
            #expect(total == Int(n))
        }
        // Every key is a copy now, whether it is still in a run table or was moved aside.
        var copies = 0
        for i in 0..<n where !keys.insert(key(i), time: i, request: i) { copies += 1 }
        #expect(copies == Int(n))
    }
}
