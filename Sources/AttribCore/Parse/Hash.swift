// A fast, well-mixed 64-bit hash of bytes for event identity (dedup) and request keys.
// Hand-written (a wyhash-style multiply-fold over 8-byte words) because it runs on every event and
// Swift's Hasher is randomly seeded per process: keys must be the same in every run and every store.

@inline(__always) private func fold(_ a: UInt64, _ b: UInt64) -> UInt64 {
    let r = a.multipliedFullWidth(by: b)
    return r.high ^ r.low
}

private let k0: UInt64 = 0xa076_1d64_78bd_642f
private let k1: UInt64 = 0xe703_7ed1_a0b4_28db
private let k2: UInt64 = 0x8ebc_6af0_9c88_c6e3

/// Hashes `count` bytes at `p`, continuing from `seed`.
func hashBytes(_ p: UnsafeRawPointer?, _ count: Int, seed: UInt64 = 0) -> UInt64 {
    var h = seed ^ k0 ^ UInt64(truncatingIfNeeded: count) &* k1
    guard let p else { return fold(h, k2) }
    var i = 0
    while i + 16 <= count {
        let a = p.loadUnaligned(fromByteOffset: i, as: UInt64.self)
        let b = p.loadUnaligned(fromByteOffset: i + 8, as: UInt64.self)
        h = fold(a ^ k1 ^ h, b ^ k2)
        i += 16
    }
    // The last 0-15 bytes, little-endian, in two words (`hashTailBytewise` is the definition). From 8 bytes
    // up, one load of the last 8 bytes, shifted (it overlaps bytes already hashed, never goes past the end):
    // a message's tail byte by byte was ~15 branches an event.
    var tail0: UInt64 = 0
    var tail1: UInt64 = 0
    let rest = count - i
    if rest > 0 && count >= 8 {
        let last = UInt64(littleEndian: p.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self))
        if rest <= 8 {
            tail0 = last >> UInt64(8 * (8 - rest))
        } else {
            tail0 = UInt64(littleEndian: p.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            tail1 = last >> UInt64(8 * (16 - rest))
        }
    } else if rest > 0 {
        (tail0, tail1) = hashTailBytewise(p + i, rest)
    }
    h = fold(tail0 ^ k1 ^ h, tail1 ^ k2 ^ UInt64(truncatingIfNeeded: count))
    return fold(h ^ k0, k1)
}

/// Four independent lanes of 16 bytes each, 64 bytes a step, so the multiplies overlap (`hashBytesWide`,
/// `WideStreamHasher`).
private struct WideLanes {
    private var h0: UInt64, h1: UInt64, h2: UInt64, h3: UInt64

    init(seed: UInt64) { (h0, h1, h2, h3) = (seed ^ k0, seed ^ k1, seed ^ k2, seed ^ k0 ^ k1) }

    @inline(__always) mutating func block(_ p: UnsafeRawPointer) {
        @inline(__always) func word(_ at: Int) -> UInt64 { p.loadUnaligned(fromByteOffset: at, as: UInt64.self) }
        h0 = fold(word(0) ^ k1 ^ h0, word(8) ^ k2)
        h1 = fold(word(16) ^ k1 ^ h1, word(24) ^ k2)
        h2 = fold(word(32) ^ k1 ^ h2, word(40) ^ k2)
        h3 = fold(word(48) ^ k1 ^ h3, word(56) ^ k2)
    }

    /// The lanes folded into one word: the seed of `hashBytes` over the last < 64 bytes.
    var folded: UInt64 { fold(h0 ^ k1, h1 ^ k2) ^ fold(h2 ^ k2, h3 ^ k0) }
}

/// Hashes `count` bytes at `p` in four independent lanes of 16 bytes (then `hashBytes` for the rest), so
/// the multiplies overlap: ~4 times `hashBytes`' speed on long inputs (whole files, `fingerprint`), a
/// different value.
func hashBytesWide(_ p: UnsafeRawPointer, _ count: Int, seed: UInt64) -> UInt64 {
    var lanes = WideLanes(seed: seed)
    var i = 0
    while i + 64 <= count {
        lanes.block(p + i)
        i += 64
    }
    return hashBytes(p + i, count - i, seed: lanes.folded)
}

/// `hashBytesWide` over a stream cut into pieces of any size: each `chunk` bytes (a multiple of 64) are
/// hashed as `hashBytesWide` hashes them, seeded by the chunk before (`fileHash`'s MiBs, as a file is read).
struct WideStreamHasher {
    private let chunk: Int
    private(set) var seed: UInt64
    private var lanes: WideLanes
    /// Bytes of the current chunk taken; of them, those not yet in the lanes (< 64) wait in `pending`.
    private var inChunk = 0
    private var pending = [UInt8](repeating: 0, count: 64)
    private var pendingCount = 0

    init(seed: UInt64, chunk: Int) {
        precondition(chunk > 0 && chunk % 64 == 0)
        self.chunk = chunk
        self.seed = seed
        lanes = WideLanes(seed: seed)
    }

    /// The chunk's hash, as `hashBytesWide` ends it (the lanes folded, then the last < 64 bytes).
    private mutating func endChunk() {
        let folded = lanes.folded
        seed = pending.withUnsafeBytes { hashBytes($0.baseAddress!, pendingCount, seed: folded) }
        pendingCount = 0
        lanes = WideLanes(seed: seed)
        inChunk = 0
    }

    mutating func add(_ p: UnsafeRawPointer, _ count: Int) {
        var i = 0
        while i < count {
            let take = min(count - i, chunk - inChunk)
            var j = 0
            if pendingCount > 0 {
                let fill = min(64 - pendingCount, take)
                pending.withUnsafeMutableBytes {
                    ($0.baseAddress! + pendingCount).copyMemory(from: p + i, byteCount: fill)
                }
                pendingCount += fill
                j = fill
                if pendingCount == 64 {
                    pending.withUnsafeBytes { lanes.block($0.baseAddress!) }
                    pendingCount = 0
                }
            }
            while j + 64 <= take {
                lanes.block(p + i + j)
                j += 64
            }
            if j < take {
                let rest = take - j
                pending.withUnsafeMutableBytes { $0.baseAddress!.copyMemory(from: p + i + j, byteCount: rest) }
                pendingCount = rest
            }
            inChunk += take
            i += take
            if inChunk == chunk { endChunk() }
        }
    }

    /// The hash of everything added (a last, short chunk ended).
    mutating func finish() -> UInt64 {
        if inChunk > 0 { endChunk() }
        return seed
    }
}

/// The last `count` (< 16) bytes at `p` as two little-endian words, one byte at a time.
func hashTailBytewise(_ p: UnsafeRawPointer, _ count: Int) -> (UInt64, UInt64) {
    var tail0: UInt64 = 0
    var tail1: UInt64 = 0
    for i in 0..<count {
        let byte = UInt64(p.load(fromByteOffset: i, as: UInt8.self))
        if i < 8 { tail0 |= byte << UInt64(8 * i) } else { tail1 |= byte << UInt64(8 * (i - 8)) }
    }
    return (tail0, tail1)
}

/// A hash as a SQLite integer key (never 0, which is kept free as "none").
@inline(__always) func storeKey(_ h: UInt64) -> Int64 {
    let k = Int64(bitPattern: h)
    return k == 0 ? 1 : k
}
