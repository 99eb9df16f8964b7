// JSON string decoding (`JSONBytes.readString`, the hottest loop of ingest) and skipping (`scanString`)
// against plain byte-by-byte versions (the decoder written from RFC 8259), on strings built to hit every
// path: runs between escapes of every length, escapes at 16- and 8-byte edges, `\u` escapes and surrogate pairs (lone ones too), raw high bytes, control
// bytes, bad escapes, and strings cut off at every length.

import Testing

@testable import AttribCore

@Suite("JSON strings decode as RFC 8259 says")
struct JSONStringTests {
    /// The reference: the decoded bytes and the index after the closing quote, or nil when malformed or cut
    /// off. A lone surrogate becomes U+FFFD; bytes of 0x80 and above are copied as they are.
    static func reference(_ s: [UInt8]) -> (bytes: [UInt8], end: Int)? {
        guard s.first == 0x22 else { return nil }
        func hex4(_ i: Int) -> UInt32? {
            guard i + 4 <= s.count else { return nil }
            var v: UInt32 = 0
            for c in s[i..<(i + 4)] {
                switch c {
                case 0x30...0x39: v = v << 4 | UInt32(c - 0x30)
                case 0x41...0x46: v = v << 4 | UInt32(c - 0x41 + 10)
                case 0x61...0x66: v = v << 4 | UInt32(c - 0x61 + 10)
                default: return nil
                }
            }
            return v
        }
        func utf8(_ scalar: UInt32) -> [UInt8] { Array(String(Character(Unicode.Scalar(scalar)!)).utf8) }
        var out: [UInt8] = []
        var i = 1
        while i < s.count {
            let c = s[i]
            if c == 0x22 { return (out, i + 1) }
            if c < 0x20 { return nil }
            if c != 0x5C {
                out.append(c)
                i += 1
                continue
            }
            guard i + 1 < s.count else { return nil }
            let e = s[i + 1]
            i += 2
            switch e {
            case 0x22, 0x5C, 0x2F: out.append(e)
            case 0x62: out.append(0x08)
            case 0x66: out.append(0x0C)
            case 0x6E: out.append(0x0A)
            case 0x72: out.append(0x0D)
            case 0x74: out.append(0x09)
            case 0x75:
                guard var scalar = hex4(i) else { return nil }
                i += 4
                if scalar >= 0xD800 && scalar < 0xDC00 {
                    if i + 6 <= s.count, s[i] == 0x5C, s[i + 1] == 0x75, let low = hex4(i + 2),
                        low >= 0xDC00 && low < 0xE000
                    {
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        i += 6
                    } else {
                        scalar = 0xFFFD
                    }
                } else if scalar >= 0xDC00 && scalar < 0xE000 {
                    scalar = 0xFFFD
                }
                out += utf8(scalar)
            default: return nil
            }
        }
        return nil
    }

    /// Where `scanString` must stop: after the closing quote, at a raw line end (invalid), or nowhere yet.
    static func scanReference(_ s: [UInt8]) -> ScanResult {
        var j = 1
        while j < s.count {
            switch s[j] {
            case 0x22: return .complete(j + 1)
            case 0x5C: j += 2
            case 0x0A, 0x0D: return .invalid(j)
            default: j += 1
            }
        }
        return .incomplete
    }

    /// `wide`: the 64-byte steps where this processor has them (`JSONBytes.wideStrings`), else the 16-byte ones.
    static func decode(_ s: [UInt8], into buffer: ByteBuffer, wide: Bool) -> (bytes: [UInt8], end: Int)? {
        buffer.count = 3  // something already in the buffer stays
        let end = s.withUnsafeBufferPointer {
            JSONBytes(base: $0.baseAddress!, end: $0.count).readString(
                0, into: buffer, wide: wide && JSONBytes.wideStrings)
        }
        guard let end else {
            #expect(buffer.count == 3, "a failed decode leaves the buffer as it was")
            return nil
        }
        return (Array(UnsafeBufferPointer(start: buffer.base + 3, count: buffer.count - 3)), end)
    }

    @Test(
        "Random strings of every kind: the same bytes and end as the reference, or both malformed",
        arguments: [false, true])
    func randomStrings(wide: Bool) {
        var rng = SplitMix(seed: 7)
        let pieces: [[UInt8]] = [
            Array("\\\"".utf8), Array("\\\\".utf8), Array("\\/".utf8), Array("\\n".utf8), Array("\\t".utf8),
            Array("\\b\\f\\r".utf8), Array("\\u00e9".utf8), Array("\\u20AC".utf8), Array("\\ud83d\\ude00".utf8),
            Array("\\ud83d".utf8), Array("\\ude00".utf8), Array("\\ud83dx".utf8), Array("\\u12".utf8),
            Array("\\x".utf8), Array("é€😀".utf8), [0xFF, 0xC3], [0x01], [0x1F], Array("\t".utf8), [0x7F],
            [0x0A], [0x0D], Array("é€😀 long runs of high bytes é€😀 too".utf8),
        ]
        let buffer = ByteBuffer(capacity: 16)
        var agreed = 0
        for _ in 0..<20_000 {
            var s: [UInt8] = [0x22]
            for _ in 0..<Int(rng.next() % 12) {
                // A run of plain printable bytes of any length (the 16- and 8-byte steps and their edges),
                // then maybe an escape or another special piece.
                for _ in 0..<Int(rng.next() % 40) {
                    let c = UInt8(0x20 + rng.next() % 0x5F)
                    s.append(c == 0x22 || c == 0x5C ? 0x41 : c)
                }
                if rng.next() % 3 != 0 { s += pieces[Int(rng.next() % UInt64(pieces.count))] }
            }
            if rng.next() % 8 != 0 { s.append(0x22) }
            s += Array(",\"next\"".utf8.prefix(Int(rng.next() % 8)))
            // Cut off at a random length now and then.
            if rng.next() % 10 == 0 { s = Array(s.prefix(1 + Int(rng.next() % UInt64(s.count)))) }
            let want = Self.reference(s)
            let got = Self.decode(s, into: buffer, wide: wide)
            #expect(got?.bytes == want?.bytes && got?.end == want?.end, "\(String(decoding: s, as: UTF8.self))")
            if want != nil { agreed += 1 }
            let scanned = s.withUnsafeBufferPointer { JSONBytes(base: $0.baseAddress!, end: $0.count).scanString(0) }
            #expect(scanned == Self.scanReference(s), "\(String(decoding: s, as: UTF8.self))")
        }
        #expect(agreed > 5_000)  // most strings are well formed
    }

    /// Escaped JSON, as a message inside an envelope: `\"` every few bytes. Each escape (and the closing quote) is
    /// put at every offset around the 64-byte steps' edges, after runs of `\"` and before more.
    @Test("Escapes at every offset around the 64-byte steps", arguments: [false, true])
    func escapesAroundWideSteps(wide: Bool) {
        let escapes: [[UInt8]] = [
            Array("\\\"".utf8), Array("\\/".utf8), Array("\\\\".utf8), Array("\\\\\\\"".utf8),
            Array("\\n".utf8), Array("\\u00e9".utf8), Array("\\x".utf8), [0x1F], Array("\"".utf8), [0x5C],
        ]
        let buffer = ByteBuffer(capacity: 16)
        var rng = SplitMix(seed: 64)
        var wellFormed = 0
        for lead in 0..<140 {
            for escape in escapes {
                // An opening quote, `lead` bytes of escaped JSON, the escape, then a little more and the end.
                var s: [UInt8] = [0x22]
                while s.count < lead + 1 {
                    s += rng.next() % 4 == 0 ? Array("\\\"".utf8) : [UInt8(0x61 + rng.next() % 26)]
                }
                s = Array(s.prefix(lead + 1))
                if s.last == 0x5C { s[s.count - 1] = 0x62 }  // not inside an escape
                s += escape
                for _ in 0..<Int(rng.next() % 90) { s += rng.next() % 3 == 0 ? Array("\\\"".utf8) : [0x7A] }
                s.append(0x22)
                for cut in [s.count, s.count - 1, s.count - 2] {
                    let piece = Array(s.prefix(cut))
                    let want = Self.reference(piece)
                    let got = Self.decode(piece, into: buffer, wide: wide)
                    #expect(
                        got?.bytes == want?.bytes && got?.end == want?.end, "\(String(decoding: piece, as: UTF8.self))")
                    if want != nil { wellFormed += 1 }
                }
            }
        }
        // Most are well formed (the generator makes what the reference accepts).
        #expect(wellFormed > 140 * 6)
    }
}
