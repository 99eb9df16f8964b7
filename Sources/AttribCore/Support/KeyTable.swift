// Hash tables keyed by 64-bit store keys, for dedup and for the run's requests without touching SQLite.
// Hand-written open addressing over one flat array of slots: a Swift Set or Dictionary costs ~3x the
// memory and a hash call per probe; here one probe is a multiply and a load, and a key's value sits in
// the same cache line as the key.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Keys (never 0, see `storeKey`) with a value each, up to 4/5 full (linear probing then stays within a
/// cache line or two per lookup). With `Void` values a slot is the 8-byte key alone.
struct KeyTable<Value> {
    private struct Slot {
        var key: Int64  // 0: empty
        var value: Value
    }
    private var slots: [Slot]
    private var mask: Int
    private let filler: Value
    private(set) var count = 0

    /// `filler` fills empty slots (its value is never read).
    init(minimumCapacity: Int = 1 << 10, filler: Value) {
        var capacity = 1 << 10
        while capacity * 4 < minimumCapacity * 5 { capacity <<= 1 }
        self.filler = filler
        slots = [Slot](repeating: Slot(key: 0, value: filler), count: capacity)
        mask = capacity - 1
    }

    @inline(__always) private static func slot(_ key: Int64, _ mask: Int) -> Int {
        // Keys are already well-mixed hashes; one multiply spreads sequential test keys too.
        Int(truncatingIfNeeded: (UInt64(bitPattern: key) &* 0x9E37_79B9_7F4A_7C15) >> 20) & mask
    }

    /// Adds `key` with `value` and returns nil; when `key` is there already, returns its value instead.
    @inline(__always) mutating func insert(_ key: Int64, _ value: Value) -> Value? {
        if count * 5 >= slots.count * 4 { grow() }
        let mask = self.mask
        return slots.withUnsafeMutableBufferPointer { s in
            var i = Self.slot(key, mask)
            while true {
                let k = s[i].key
                if k == key { return s[i].value }
                if k == 0 {
                    s[i] = Slot(key: key, value: value)
                    count += 1
                    return nil
                }
                i = (i + 1) & mask
            }
        }
    }

    /// The value of `key`, when it is there.
    @inline(__always) func find(_ key: Int64) -> Value? {
        slots.withUnsafeBufferPointer { s in
            var i = Self.slot(key, mask)
            while true {
                let k = s[i].key
                if k == key { return s[i].value }
                if k == 0 { return nil }
                i = (i + 1) & mask
            }
        }
    }

    /// Calls `body` with every key.
    func forEachKey(_ body: (Int64) -> Void) {
        for s in slots where s.key != 0 { body(s.key) }
    }

    /// Empties the table, keeping its size.
    mutating func removeAll() {
        for i in slots.indices { slots[i] = Slot(key: 0, value: filler) }
        count = 0
    }

    private mutating func grow() {
        let old = slots
        slots = [Slot](repeating: Slot(key: 0, value: filler), count: old.count * 2)
        mask = slots.count - 1
        count = 0
        for s in old where s.key != 0 { _ = insert(s.key, s.value) }
    }
}

/// The store's event keys, and other sets of keys (8 bytes a slot).
typealias KeySet = KeyTable<Void>

extension KeyTable where Value == Void {
    init(minimumCapacity: Int = 1 << 10) { self.init(minimumCapacity: minimumCapacity, filler: ()) }

    /// Inserts `key`; true when it was not there before.
    @inline(__always) mutating func insert(_ key: Int64) -> Bool { insert(key, ()) == nil }

    func contains(_ key: Int64) -> Bool { find(key) != nil }
}

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
    init(minimumCapacity: Int = 1 << 10) { self.init(minimumCapacity: minimumCapacity, filler: StoredEvent(time: 0, request: 0)) }
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
