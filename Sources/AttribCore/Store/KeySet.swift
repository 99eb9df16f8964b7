// The event keys already in the store (and seen in this run), for dedup without touching SQLite.
// Hand-written open addressing over a flat [Int64]: a Swift Set<Int64> costs ~3x the memory and a
// hash call per probe; here one probe is a multiply and a load. 1.5M keys take 32 MB.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct KeySet {
    /// Slots hold keys; 0 is empty (store keys are never 0, see `storeKey`).
    private var slots: [Int64]
    private var mask: Int
    private(set) var count = 0

    init(minimumCapacity: Int = 1 << 10) {
        var capacity = 1 << 10
        while capacity * 4 < minimumCapacity * 5 { capacity <<= 1 }
        slots = [Int64](repeating: 0, count: capacity)
        mask = capacity - 1
    }

    @inline(__always) private static func slot(_ key: Int64, _ mask: Int) -> Int {
        // Keys are already well-mixed hashes; one multiply spreads sequential test keys too.
        Int(truncatingIfNeeded: (UInt64(bitPattern: key) &* 0x9E37_79B9_7F4A_7C15) >> 20) & mask
    }

    /// Inserts `key`; returns true when it was not there before.
    @inline(__always) mutating func insert(_ key: Int64) -> Bool {
        // Up to 4/5 full: linear probing over 8-byte keys stays within a cache line or two per lookup,
        // and the set is the largest thing a run keeps (8 bytes a stored line).
        if count * 5 >= slots.count * 4 { grow() }
        return slots.withUnsafeMutableBufferPointer { s in
            var i = Self.slot(key, mask)
            while true {
                let k = s[i]
                if k == key { return false }
                if k == 0 {
                    s[i] = key
                    count += 1
                    return true
                }
                i = (i + 1) & mask
            }
        }
    }

    func contains(_ key: Int64) -> Bool {
        var i = Self.slot(key, mask)
        while true {
            let k = slots[i]
            if k == key { return true }
            if k == 0 { return false }
            i = (i + 1) & mask
        }
    }

    private mutating func grow() {
        let old = slots
        slots = [Int64](repeating: 0, count: old.count * 2)
        mask = slots.count - 1
        count = 0
        for k in old where k != 0 { _ = insert(k) }
    }
}

/// The stored events by key, with each one's time and request: a duplicate is recognised before its message
/// is parsed (its key is the hash of its text when the text carries its own timestamp), and what it still
/// contributes (its time to its file's range, its log stream to its request) comes from here. Parsing was
/// 22% of ingest and 41% of the events in a typical archive are duplicates. 24 bytes a slot, 4/5 full.
struct EventKeyMap {
    /// Key (0: empty), time and request side by side: a lookup touches one cache line, not three.
    private struct Slot {
        var key: Int64
        var time: Int64
        var request: Int64
    }
    private var slots: [Slot]
    private var mask: Int
    private(set) var count = 0

    init(minimumCapacity: Int = 1 << 10) {
        var capacity = 1 << 10
        while capacity * 4 < minimumCapacity * 5 { capacity <<= 1 }
        slots = [Slot](repeating: Slot(key: 0, time: 0, request: 0), count: capacity)
        mask = capacity - 1
    }

    @inline(__always) private static func slot(_ key: Int64, _ mask: Int) -> Int {
        Int(truncatingIfNeeded: (UInt64(bitPattern: key) &* 0x9E37_79B9_7F4A_7C15) >> 20) & mask
    }

    /// Adds `key` with its event's time (`Int64.min`: none) and request (0: none); true when it is new.
    @inline(__always) mutating func insert(_ key: Int64, time: Int64, request: Int64) -> Bool {
        if count * 5 >= slots.count * 4 { grow() }
        let mask = self.mask
        return slots.withUnsafeMutableBufferPointer { s in
            var i = Self.slot(key, mask)
            while true {
                let k = s[i].key
                if k == key { return false }
                if k == 0 {
                    s[i] = Slot(key: key, time: time, request: request)
                    count += 1
                    return true
                }
                i = (i + 1) & mask
            }
        }
    }

    /// The time and request of a stored event.
    @inline(__always) func find(_ key: Int64) -> (time: Int64, request: Int64)? {
        slots.withUnsafeBufferPointer { s in
            var i = Self.slot(key, mask)
            while true {
                let k = s[i].key
                if k == key { return (s[i].time, s[i].request) }
                if k == 0 { return nil }
                i = (i + 1) & mask
            }
        }
    }

    /// Calls `body` with every key.
    func forEachKey(_ body: (Int64) -> Void) {
        for s in slots where s.key != 0 { body(s.key) }
    }

    private mutating func grow() {
        let old = slots
        slots = [Slot](repeating: Slot(key: 0, time: 0, request: 0), count: old.count * 2)
        mask = slots.count - 1
        count = 0
        for s in old where s.key != 0 { _ = insert(s.key, time: s.time, request: s.request) }
    }
}

/// A mutex (pthread), for the state the ingest workers share.
final class Lock: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>

    init() {
        mutex = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    @inline(__always) func locked<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }
}

/// Byte strings to dictionary ids, looked up by pointer (no Array, no Hasher per lookup): each worker's
/// cache of the shared dictionary, hit for nearly every field of every event.
struct ByteMap {
    private var hashes: [UInt64]
    private var ids: [Int32]  // 0: empty slot
    private var keys: [[UInt8]]
    private var mask: Int
    private var count = 0

    init() {
        hashes = [UInt64](repeating: 0, count: 256)
        ids = [Int32](repeating: 0, count: 256)
        keys = [[UInt8]](repeating: [], count: 256)
        mask = 255
    }

    @inline(__always) static func hash(_ p: UnsafeBufferPointer<UInt8>) -> UInt64 {
        hashBytes(UnsafeRawPointer(p.baseAddress), p.count, seed: 0xD1C7)
    }

    /// The id stored for these bytes (whose `hash` is given), or 0.
    @inline(__always) func find(_ p: UnsafeBufferPointer<UInt8>, hash h: UInt64) -> Int32 {
        var i = Int(truncatingIfNeeded: h) & mask
        while true {
            let id = ids[i]
            if id == 0 { return 0 }
            if hashes[i] == h && keys[i].withUnsafeBufferPointer({ k in k.count == p.count && (k.count == 0 || memcmp(k.baseAddress!, p.baseAddress!, k.count) == 0) }) { return id }
            i = (i + 1) & mask
        }
    }

    mutating func insert(_ key: [UInt8], hash h: UInt64, id: Int32) {
        if (count + 1) * 2 > ids.count { grow() }
        var i = Int(truncatingIfNeeded: h) & mask
        while ids[i] != 0 { i = (i + 1) & mask }
        hashes[i] = h
        ids[i] = id
        keys[i] = key
        count += 1
    }

    private mutating func grow() {
        let (oldHashes, oldIds, oldKeys) = (hashes, ids, keys)
        let n = ids.count * 2
        hashes = [UInt64](repeating: 0, count: n)
        ids = [Int32](repeating: 0, count: n)
        keys = [[UInt8]](repeating: [], count: n)
        mask = n - 1
        count = 0
        for i in oldIds.indices where oldIds[i] != 0 { insert(oldKeys[i], hash: oldHashes[i], id: oldIds[i]) }
    }
}
