// Messages are checked for valid UTF-8 (`isValidUTF8`) before they are kept: the same verdict as Swift's
// own decoder on byte strings built to hit its paths: long ASCII runs (the 32- and 8-byte steps and their
// edges), valid sequences of every length between them, and every kind of bad one (overlong, surrogate,
// beyond U+10FFFF, stray continuation, cut off at the end).

import Testing

@testable import AttribCore

@Suite("UTF-8 validation agrees with Swift's decoder")
struct UTF8ValidationTests {
    @Test("Random byte strings: valid exactly when Swift decodes them")
    func randomStrings() {
        var rng = SplitMix(seed: 0x0_7F8)
        let valid: [[UInt8]] = [
            Array("é".utf8), Array("€".utf8), Array("😀".utf8), [0xC2, 0x80], [0xDF, 0xBF], [0xEF, 0xBF, 0xBF],
            [0xF4, 0x8F, 0xBF, 0xBF], [0xED, 0x9F, 0xBF], [0xEE, 0x80, 0x80],
        ]
        let invalid: [[UInt8]] = [
            [0xC0, 0xAF], [0xE0, 0x80, 0xAF], [0xF0, 0x80, 0x80, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80],
            [0x80], [0xBF], [0xFF], [0xF8, 0x88, 0x80, 0x80, 0x80], [0xC3], [0xE2, 0x82], [0xF0, 0x9F, 0x98],
        ]
        var agreedValid = 0
        for _ in 0..<20_000 {
            var bytes: [UInt8] = []
            for _ in 0..<Int(rng.next() % 6) {
                for _ in 0..<Int(rng.next() % 80) { bytes.append(UInt8(rng.next() % 0x80)) }
                switch rng.next() % 8 {
                case 0: bytes += invalid[Int(rng.next() % UInt64(invalid.count))]
                case 1, 2, 3: bytes += valid[Int(rng.next() % UInt64(valid.count))]
                default: break
                }
            }
            let want = String(validating: bytes, as: UTF8.self) != nil
            let got = bytes.withUnsafeBufferPointer {
                isValidUTF8($0.baseAddress ?? UnsafePointer(bitPattern: 1)!, $0.count)
            }
            #expect(got == want, "\(bytes)")
            if want { agreedValid += 1 }
        }
        #expect(agreedValid > 5_000)
    }
}
