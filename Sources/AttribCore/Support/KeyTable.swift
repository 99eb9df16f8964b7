// Hash tables keyed by 64-bit store keys, for dedup and for the run's requests without touching SQLite.
// Hand-written open addressing over one flat array of slots: a Swift Set or Dictionary costs ~3x the
// memory and a hash call per probe; here one probe is a multiply and a load, and a key's value sits in
// the same cache line as the key.

import CHints

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

    /// Where the slots lie, for `prefetch(_:base:mask:)` on a thread that does not hold the table.
    var layout: (base: Int, mask: Int) {
        slots.withUnsafeBufferPointer { (Int(bitPattern: $0.baseAddress), mask) }
    }

    /// Asks the cache for the slot where a lookup of `key` starts in the table laid out at `base` (the tables
    /// are larger than the caches: a lookup nothing asked ahead waits for memory). Only a hint: with a
    /// stale layout it asks for the wrong line, and no address, even an unmapped one, can fault.
    @inline(__always) static func prefetch(_ key: Int64, base: Int, mask: Int) {
        attrib_prefetch(UnsafeRawPointer(bitPattern: base &+ slot(key, mask) &* MemoryLayout<Slot>.stride))
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
