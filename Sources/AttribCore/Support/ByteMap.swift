// Byte strings as keys: an open-addressing map from bytes to ids looked up by pointer, and `ByteKey`
// for Swift dictionaries.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
            if hashes[i] == h
                && keys[i].withUnsafeBufferPointer({ k in
                    k.count == p.count && (k.count == 0 || memcmp(k.baseAddress!, p.baseAddress!, k.count) == 0)
                })
            {
                return id
            }
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

/// Bytes as a dictionary key, hashed in one call (an Array of UInt8 hashes byte by byte).
struct ByteKey: Hashable {
    let bytes: [UInt8]
    init(_ bytes: [UInt8]) { self.bytes = bytes }
    func hash(into hasher: inout Hasher) { bytes.withUnsafeBytes { hasher.combine(bytes: $0) } }
    static func == (a: ByteKey, b: ByteKey) -> Bool { a.bytes == b.bytes }
}
