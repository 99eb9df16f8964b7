// A quoted CSV field (`readQuotedCSVField`, on the path of every Logs Insights CSV row and table export) is
// decoded as RFC 4180 says: against a byte-by-byte reading on fields built to hit every path: runs between
// `""` of every length (the 16-byte steps and their edges), a field ending at the record's end or not
// closed, and text after the closing quote.

import Testing

@testable import AttribCore

@Suite("Quoted CSV fields decode as RFC 4180 says")
struct CSVFieldTests {
    /// The decoded bytes, the index after the field (after its closing quote), and whether it was closed.
    static func reference(_ s: [UInt8], stop: Int) -> (bytes: [UInt8], end: Int, closed: Bool) {
        var out: [UInt8] = []
        var i = 1
        while i < stop {
            if s[i] == 0x22 {
                if i + 1 < stop && s[i + 1] == 0x22 {
                    out.append(0x22)
                    i += 2
                    continue
                }
                return (out, i + 1, true)
            }
            out.append(s[i])
            i += 1
        }
        return (out, i, false)
    }

    @Test("Random quoted fields: the same bytes, end and verdict as the reference")
    func randomFields() {
        var rng = SplitMix(seed: 0xC5F)
        let buffer = ByteBuffer(capacity: 8)
        var closedCount = 0
        for _ in 0..<20_000 {
            var s: [UInt8] = [0x22]
            for _ in 0..<Int(rng.next() % 8) {
                for _ in 0..<Int(rng.next() % 40) {
                    let c = UInt8(0x20 + rng.next() % 0x5F)
                    s.append(c == 0x22 ? 0x7B : c)
                }
                switch rng.next() % 4 {
                case 0: s += [0x22, 0x22]
                case 1: s += Array("é\n,\\".utf8)
                default: break
                }
            }
            if rng.next() % 6 != 0 { s.append(0x22) }
            s += Array(",next\",x".utf8.prefix(Int(rng.next() % 9)))
            let stop = rng.next() % 10 == 0 ? 1 + Int(rng.next() % UInt64(s.count)) : s.count
            let want = Self.reference(s, stop: stop)
            buffer.removeAll()
            var i = 0
            let closed = s.withUnsafeMutableBufferPointer {
                readQuotedCSVField($0.baseAddress!, &i, stop, into: buffer)
            }
            let got = Array(buffer.bytes)
            #expect(
                got == want.bytes && i == want.end && closed == want.closed, "\(String(decoding: s, as: UTF8.self))")
            if closed { closedCount += 1 }
        }
        #expect(closedCount > 10_000)
    }
}
