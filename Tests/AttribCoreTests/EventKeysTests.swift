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
}
