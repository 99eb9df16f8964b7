// The event hash (`hashBytes`) is part of every store: event keys and request keys are its values, so a
// change to how it is computed must not change one value. Checked against the definition (16-byte words,
// then the tail byte by byte) for every length up to 80 and for buffers that end where their memory ends.

import Testing

@testable import AttribCore

@Suite("The event hash keeps its values")
struct HashTests {
    /// The definition, as stores were written with it: the words, then the last bytes one at a time.
    static func reference(_ bytes: [UInt8], seed: UInt64) -> UInt64 {
        let k0: UInt64 = 0xa076_1d64_78bd_642f
        let k1: UInt64 = 0xe703_7ed1_a0b4_28db
        let k2: UInt64 = 0x8ebc_6af0_9c88_c6e3
        func fold(_ a: UInt64, _ b: UInt64) -> UInt64 {
            let r = a.multipliedFullWidth(by: b)
            return r.high ^ r.low
        }
        func word(_ at: Int) -> UInt64 {
            (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[at + $1]) << UInt64(8 * $1) }
        }
        var h = seed ^ k0 ^ UInt64(bytes.count) &* k1
        var i = 0
        while i + 16 <= bytes.count {
            h = fold(word(i) ^ k1 ^ h, word(i + 8) ^ k2)
            i += 16
        }
        var tail0: UInt64 = 0
        var tail1: UInt64 = 0
        for (n, byte) in bytes[i...].enumerated() {
            if n < 8 { tail0 |= UInt64(byte) << UInt64(8 * n) } else { tail1 |= UInt64(byte) << UInt64(8 * (n - 8)) }
        }
        h = fold(tail0 ^ k1 ^ h, tail1 ^ k2 ^ UInt64(bytes.count))
        return fold(h ^ k0, k1)
    }

    @Test("Every length up to 80, random bytes and seeds, in buffers of exactly that size")
    func everyLength() {
        var random = SplitMix(seed: 0x4A5_11)
        for length in 0...80 {
            for _ in 0..<200 {
                let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) }
                let seed = random.next() & (random.next() & 1 == 0 ? 0 : .max)
                // An allocation of exactly `length` bytes: a read past its end is memory the hash must not use.
                let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(length, 1), alignment: 1)
                defer { buffer.deallocate() }
                buffer.copyBytes(from: bytes)
                let got = hashBytes(UnsafeRawPointer(buffer.baseAddress!), length, seed: seed)
                #expect(got == Self.reference(bytes, seed: seed), "length \(length), seed \(seed)")
            }
        }
    }

    @Test("The tail of a message at every offset of a larger buffer")
    func offsets() {
        var random = SplitMix(seed: 0x7A11)
        let bytes = (0..<256).map { _ in UInt8.random(in: 0...255, using: &random) }
        bytes.withUnsafeBytes { all in
            for start in 0..<64 {
                for length in 0...(256 - start) where length < 48 || length % 7 == 0 {
                    let got = hashBytes(all.baseAddress! + start, length)
                    #expect(got == Self.reference(Array(bytes[start..<(start + length)]), seed: 0))
                }
            }
        }
    }

    @Test("The streaming wide hash: any cut of the input into pieces gives the chunks' chained `hashBytesWide`")
    func streamingWide() {
        var random = SplitMix(seed: 0x5_7EA4)
        let chunk = 256
        for length in [0, 1, 63, 64, 65, 255, 256, 257, 511, 512, 1_000, 1_337] {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) }
            // The definition: each chunk by `hashBytesWide`, seeded by the one before.
            var expected: UInt64 = 0x5EED
            bytes.withUnsafeBytes { all in
                var i = 0
                while i < length {
                    let n = min(chunk, length - i)
                    expected = hashBytesWide(all.baseAddress! + i, n, seed: expected)
                    i += n
                }
            }
            for _ in 0..<40 {
                var hasher = WideStreamHasher(seed: 0x5EED, chunk: chunk)
                bytes.withUnsafeBytes { all in
                    var i = 0
                    while i < length {
                        let n = min(length - i, Int.random(in: 1...(random.next() & 1 == 0 ? 7 : 300), using: &random))
                        hasher.add(all.baseAddress! + i, n)
                        i += n
                    }
                }
                #expect(hasher.finish() == expected, "length \(length)")
            }
        }
    }
}
