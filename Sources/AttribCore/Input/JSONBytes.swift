// Byte-level JSON primitives over a contiguous buffer: skip a value, read a string, read a number.
// Hand-written because the hot path must not allocate per event (Foundation's JSON builds whole trees)
// and must survive hostile input: no recursion, so 100,000 levels of nesting cost nothing but a counter.

import CHints

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The result of scanning one JSON value in a buffer that may not hold all of it yet.
enum ScanResult: Equatable {
    /// The value ends just before this index.
    case complete(Int)
    /// The buffer ended inside the value: read more and scan again.
    case incomplete
    /// Not valid JSON at this index.
    case invalid(Int)
}

/// Non-zero when some byte of `w` equals `b` (the classic "has zero byte" bit trick on w ^ b·0x0101…).
@inline(__always) func hasByte(_ w: UInt64, _ b: UInt8) -> UInt64 {
    let x = w ^ (0x0101_0101_0101_0101 &* UInt64(b))
    return (x &- 0x0101_0101_0101_0101) & ~x & 0x8080_8080_8080_8080
}

@inline(__always) func isJSONSpace(_ c: UInt8) -> Bool {
    c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09
}

/// A read-only view of bytes with JSON helpers. Indices are absolute offsets into `base`.
struct JSONBytes {
    let base: UnsafePointer<UInt8>
    let end: Int

    @inline(__always) subscript(_ i: Int) -> UInt8 { base[i] }

    /// True when `readString` may take 64 bytes a step (AVX-512 with VBMI2, checked once: hints.h).
    static let wideStrings = attrib_has_wide_strings() != 0

    @inline(__always) func skipSpace(_ i: Int) -> Int {
        var i = i
        while i < end, isJSONSpace(base[i]) { i += 1 }
        return i
    }

    /// Finds the end of the string starting at `i` (which must be `"`). A raw newline inside a string
    /// is invalid JSON; reporting it lets line-based shapes resynchronise at the next line.
    func scanString(_ i: Int) -> ScanResult {
        var j = i + 1
        while true {
            // Sixteen bytes at a time (SSE2) while none is a quote, a backslash or a line end, then eight
            // for the window's last bytes (SWAR: a zero byte in word ^ pattern marks a match; the lowest
            // marked byte is exact), then straight to the match. Messages inside envelopes are escaped JSON
            // (a backslash every few bytes): a chunk's escapes are passed over inside it (a backslash's bit
            // and the next byte's are cleared), instead of leaving the sixteen-byte steps at each.
            while j + 16 <= end {
                var m = attrib_scan16_string_stops(base + j)
                var next = j + 16
                while m != 0 {
                    let p = m.trailingZeroBitCount
                    let c = base[j + p]
                    if c == 0x22 { return .complete(j + p + 1) }
                    if c != 0x5C { return .invalid(j + p) }
                    if p == 15 {
                        next = j + 17  // the escaped byte opens the next chunk
                        break
                    }
                    m &= ~(UInt32(3) << p)
                }
                j = next
            }
            while j + 8 <= end {
                let w = UnsafeRawPointer(base + j).loadUnaligned(as: UInt64.self)
                let m = hasByte(w, 0x22) | hasByte(w, 0x5C) | hasByte(w, 0x0A) | hasByte(w, 0x0D)
                if m != 0 {
                    j += m.trailingZeroBitCount >> 3
                    break
                }
                j += 8
            }
            guard j < end else { return .incomplete }
            let c = base[j]
            if c == 0x22 { return .complete(j + 1) }
            if c == 0x5C {
                j += 2
                continue
            }
            if c == 0x0A || c == 0x0D { return .invalid(j) }
            j += 1
        }
    }

    /// Finds the end of the JSON value starting at `i`, validating its structure (not number syntax
    /// in full detail). Iterative: nesting depth is a counter, never the call stack.
    func scanValue(_ start: Int) -> ScanResult {
        var i = skipSpace(start)
        if i >= end { return .incomplete }
        // Bracket stack as a bit string: 1 = object, 0 = array. Depth beyond 64 keeps a counter only
        // for the overflow part, stored in `deepKinds`.
        var deepKinds: [Bool] = []
        var depth = 0
        var stackBits: UInt64 = 0
        // In an object we alternate key / value; `expectKey` is true right after `{` or `,` in one.
        var expectKey = false
        func push(_ object: Bool) {
            if depth < 64 {
                stackBits = (stackBits << 1) | (object ? 1 : 0)
            } else {
                deepKinds.append(object)
            }
            depth += 1
        }
        func topIsObject() -> Bool {
            depth > 64 ? deepKinds[deepKinds.count - 1] : (stackBits & 1) == 1
        }
        func pop() {
            if depth > 64 { deepKinds.removeLast() } else { stackBits >>= 1 }
            depth -= 1
        }
        while true {
            i = skipSpace(i)
            if i >= end { return .incomplete }
            // A value (or, in an object, a key then a value).
            if expectKey {
                guard base[i] == 0x22 else { return .invalid(i) }
                switch scanString(i) {
                case .complete(let j): i = j
                case let other: return other
                }
                i = skipSpace(i)
                if i >= end { return .incomplete }
                guard base[i] == 0x3A else { return .invalid(i) }
                i += 1
                i = skipSpace(i)
                if i >= end { return .incomplete }
                expectKey = false
            }
            let c = base[i]
            switch c {
            case 0x7B:  // {
                i = skipSpace(i + 1)
                if i >= end { return .incomplete }
                if base[i] == 0x7D {
                    i += 1
                } else {
                    push(true)
                    expectKey = true
                    continue
                }
            case 0x5B:  // [
                i = skipSpace(i + 1)
                if i >= end { return .incomplete }
                if base[i] == 0x5D {
                    i += 1
                } else {
                    push(false)
                    continue
                }
            case 0x22:
                switch scanString(i) {
                case .complete(let j): i = j
                case let other: return other
                }
            case 0x74, 0x66, 0x6E:  // true false null
                let word: StaticString = c == 0x74 ? "true" : (c == 0x66 ? "false" : "null")
                let n = word.utf8CodeUnitCount
                if i + n > end { return .incomplete }
                for k in 0..<n where base[i + k] != word.utf8Start[k] { return .invalid(i + k) }
                i += n
            case 0x2D, 0x30...0x39:
                var j = i + 1
                while j < end {
                    let d = base[j]
                    if (d >= 0x30 && d <= 0x39) || d == 0x2E || d == 0x65 || d == 0x45 || d == 0x2B || d == 0x2D {
                        j += 1
                    } else {
                        break
                    }
                }
                // A number at the very end of the buffer may continue in the next read.
                if j >= end && depth > 0 { return .incomplete }
                i = j
            default:
                return .invalid(i)
            }
            // After a value: close containers or continue with a comma.
            while true {
                if depth == 0 { return .complete(i) }
                i = skipSpace(i)
                if i >= end { return .incomplete }
                let d = base[i]
                if d == 0x2C {
                    i += 1
                    expectKey = topIsObject()
                    break
                }
                if d == (topIsObject() ? 0x7D : 0x5D) {
                    i += 1
                    pop()
                    continue
                }
                return .invalid(i)
            }
        }
    }

    /// Decodes the string starting at `i` (its opening quote) onto the end of `out`. Returns the index
    /// after the closing quote, or nil when the string is malformed or cut off (then `out` is unchanged).
    /// One pass, copying while scanning: each 8-byte word read is stored to `out` at once (a word holding
    /// the run's end is stored whole and `count` moves only up to the end), so a run between escapes costs
    /// no second pass and no copy call. (The Array-appending version cost ~90 instructions per run, and
    /// with a scan for the end first, 16% of ingest; scanning, then copying each run with a call, 12%.)
    /// `wide`: 64 bytes a step where the processor can (`wideStrings`), for a message inside an envelope
    /// (escaped JSON, often hundreds of bytes); a short value, most of a line's, is read in one 16-byte step
    /// without the call (the wide steps made a line's parse ~1% slower). The tests compare both.
    func readString(_ i: Int, into out: ByteBuffer, wide: Bool = false) -> Int? {
        guard i < end, base[i] == 0x22 else { return nil }
        let first = out.count
        var j = i + 1
        while true {
            // The next quote, backslash or control byte (< 0x20): sixteen bytes at a time (SSE2, exact for
            // any byte), then eight for the window's last bytes (the control test is exact for ASCII words
            // only; a word with a high byte is looked at byte by byte).
            var k = j
            var o = out.count
            // Set when the special byte was found exactly (at `k`).
            var found = false
            // Sixty-four bytes at a time where the processor can (hints.h): each `\"` and `\/` decoded
            // inside the step; it stops where the steps below would leave theirs.
            if wide && k + 64 <= end {
                if o + 256 > out.capacity {
                    out.count = o
                    out.reserve(o + 256)
                }
                var written = 0
                var stopped: Int32 = 0
                k += attrib_decode_string_wide(out.base + o, out.capacity - o, base + k, end - k, &written, &stopped)
                o += written
                found = stopped != 0
                if !found && k + 64 <= end {
                    // Out of room: more, and the steps again.
                    out.count = o
                    j = k
                    continue
                }
            }
            while !found && k + 16 <= end {
                if o + 16 > out.capacity {
                    out.count = o
                    out.reserve(o + 16)
                }
                let m = attrib_copy16_string_stops(out.base + o, base + k)
                if m != 0 {
                    let n = m.trailingZeroBitCount
                    k += n
                    o += n
                    // `\"`, `\\` and `\/` (most escapes in a message that is JSON itself) are decoded here,
                    // without leaving the sixteen-byte steps.
                    if base[k] == 0x5C, k + 1 < end {
                        let e = base[k + 1]
                        if e == 0x22 || e == 0x5C || e == 0x2F {
                            out.base[o] = e
                            k += 2
                            o += 1
                            continue
                        }
                    }
                    found = true
                    break
                }
                k += 16
                o += 16
            }
            while !found && k + 8 <= end {
                if o + 8 > out.capacity {
                    out.count = o
                    out.reserve(o + 8)
                }
                let w = UnsafeRawPointer(base + k).loadUnaligned(as: UInt64.self)
                UnsafeMutableRawPointer(out.base + o).storeBytes(of: w, as: UInt64.self)
                let m =
                    hasByte(w, 0x22) | hasByte(w, 0x5C)
                    | (w & 0x8080_8080_8080_8080 == 0
                        ? ((w &- 0x2020_2020_2020_2020) & ~w & 0x8080_8080_8080_8080) : 0x80)
                if m != 0 {
                    let n = m.trailingZeroBitCount >> 3
                    k += n
                    o += n
                    found = w & 0x8080_8080_8080_8080 == 0
                    break
                }
                k += 8
                o += 8
            }
            out.count = o
            // A word with a high byte (or the window's last bytes) is looked at byte by byte; those bytes
            // are copied here.
            if !found {
                let scanned = k
                while k < end {
                    let c = base[k]
                    if c == 0x22 || c == 0x5C || c < 0x20 { break }
                    k += 1
                }
                if k > scanned { out.append(base + scanned, k - scanned) }
            }
            guard k < end else { break }
            let c = base[k]
            if c == 0x22 { return k + 1 }
            if c < 0x20 { break }
            // A backslash escape.
            guard k + 1 < end else { break }
            out.reserve(out.count + 4)
            let dst = out.base + out.count
            let e = base[k + 1]
            j = k + 2
            switch e {
            case 0x22, 0x5C, 0x2F: dst[0] = e
            case 0x62: dst[0] = 0x08
            case 0x66: dst[0] = 0x0C
            case 0x6E: dst[0] = 0x0A
            case 0x72: dst[0] = 0x0D
            case 0x74: dst[0] = 0x09
            case 0x75:
                guard var scalar = hex4(k + 2) else {
                    out.count = first
                    return nil
                }
                j = k + 6
                if scalar >= 0xD800 && scalar < 0xDC00 {
                    // A surrogate pair; a lone high surrogate becomes U+FFFD.
                    if j + 6 <= end, base[j] == 0x5C, base[j + 1] == 0x75, let low = hex4(j + 2),
                        low >= 0xDC00 && low < 0xE000
                    {
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        j += 6
                    } else {
                        scalar = 0xFFFD
                    }
                } else if scalar >= 0xDC00 && scalar < 0xE000 {
                    scalar = 0xFFFD
                }
                out.count += writeUTF8(scalar, to: dst)
                continue
            default:
                out.count = first
                return nil
            }
            out.count += 1
        }
        out.count = first
        return nil
    }

    private func hex4(_ i: Int) -> UInt32? {
        guard i + 4 <= end else { return nil }
        var v: UInt32 = 0
        for k in 0..<4 {
            let c = base[i + k]
            let d: UInt32
            switch c {
            case 0x30...0x39: d = UInt32(c - 0x30)
            case 0x41...0x46: d = UInt32(c - 0x41 + 10)
            case 0x61...0x66: d = UInt32(c - 0x61 + 10)
            default: return nil
            }
            v = v << 4 | d
        }
        return v
    }

    /// Compares the bytes in `start..<stop` with an ASCII literal.
    @inline(__always) func equals(_ start: Int, _ stop: Int, _ literal: StaticString) -> Bool {
        let n = literal.utf8CodeUnitCount
        guard stop - start == n else { return false }
        return memcmp(base + start, literal.utf8Start, n) == 0
    }
}

/// Parses a JSON number token as a non-negative or negative integer, refusing fractions, exponents
/// and values beyond Int64. Integral fractions like `12.0` are accepted.
func parseInteger(_ p: UnsafePointer<UInt8>, _ start: Int, _ stop: Int) -> Int64? {
    var i = start
    guard i < stop else { return nil }
    var negative = false
    if p[i] == 0x2D {
        negative = true
        i += 1
    }
    guard i < stop else { return nil }
    var value: Int64 = 0
    var digits = 0
    while i < stop, p[i] >= 0x30, p[i] <= 0x39 {
        let (m, o1) = value.multipliedReportingOverflow(by: 10)
        let (a, o2) = m.addingReportingOverflow(Int64(p[i] - 0x30))
        if o1 || o2 { return nil }
        value = a
        digits += 1
        i += 1
    }
    guard digits > 0 else { return nil }
    if i < stop && p[i] == 0x2E {
        i += 1
        while i < stop, p[i] == 0x30 { i += 1 }
    }
    guard i == stop else { return nil }
    return negative ? -value : value
}

/// Parses a JSON number token as a Double (for costs and epoch seconds).
func parseDouble(_ p: UnsafePointer<UInt8>, _ start: Int, _ stop: Int) -> Double? {
    guard stop > start, stop - start < 64 else { return nil }
    var tmp = [CChar](repeating: 0, count: stop - start + 1)
    for k in 0..<(stop - start) { tmp[k] = CChar(bitPattern: p[start + k]) }
    var endPtr: UnsafeMutablePointer<CChar>? = nil
    let v = tmp.withUnsafeMutableBufferPointer { buf -> Double in
        let r = strtod(buf.baseAddress!, &endPtr)
        if endPtr != buf.baseAddress! + (stop - start) { return .nan }
        return r
    }
    return v.isFinite ? v : nil
}

extension JSONBytes {
    /// Like `forEachMemberEnd`, but `take(keyStart, keyEnd, valueStart)` may read a value itself and
    /// return its end (one pass over a long value instead of a scan and then a decode); when it returns
    /// nil the value is scanned and handed to `body` as usual.
    func forEachMemberEnd(_ i: Int, take: (Int, Int, Int) -> Int?, _ body: (Int, Int, Int, Int) -> Void) -> Int? {
        guard i < end, base[i] == 0x7B else { return nil }
        var j = skipSpace(i + 1)
        if j < end && base[j] == 0x7D { return j + 1 }
        while j < end {
            guard base[j] == 0x22, case .complete(let keyEnd) = scanString(j) else { return nil }
            var k = skipSpace(keyEnd)
            guard k < end, base[k] == 0x3A else { return nil }
            k = skipSpace(k + 1)
            let valueEnd: Int
            if let taken = take(j + 1, keyEnd - 1, k) {
                valueEnd = taken
            } else {
                guard case .complete(let e) = scanValue(k) else { return nil }
                valueEnd = e
                body(j + 1, keyEnd - 1, k, valueEnd)
            }
            j = skipSpace(valueEnd)
            guard j < end else { return nil }
            if base[j] == 0x7D { return j + 1 }
            guard base[j] == 0x2C else { return nil }
            j = skipSpace(j + 1)
        }
        return nil
    }

    /// Calls `body(keyStart, keyEnd, valueStart, valueEnd)` for each member of the object at `i` (key bounds
    /// exclude the quotes; escaped keys are passed raw); returns the index after the closing brace, or nil
    /// when malformed.
    func forEachMemberEnd(_ i: Int, _ body: (Int, Int, Int, Int) -> Void) -> Int? {
        forEachMemberEnd(i, take: { _, _, _ in nil }, body)
    }

    /// Walks the array at `i` with `parse(elementStart)` reading each element and returning its end (nil:
    /// malformed), so an element is read once, not scanned for its end first. Returns the index after the
    /// closing bracket, or nil when malformed.
    func forEachElementEnd(_ i: Int, parse: (Int) -> Int?) -> Int? {
        guard i < end, base[i] == 0x5B else { return nil }
        var j = skipSpace(i + 1)
        if j < end && base[j] == 0x5D { return j + 1 }
        while j < end {
            guard let valueEnd = parse(j) else { return nil }
            j = skipSpace(valueEnd)
            guard j < end else { return nil }
            if base[j] == 0x5D { return j + 1 }
            guard base[j] == 0x2C else { return nil }
            j = skipSpace(j + 1)
        }
        return nil
    }

}

/// Writes a scalar as UTF-8; returns the bytes written (1 to 4).
@inline(__always) func writeUTF8(_ scalar: UInt32, to p: UnsafeMutablePointer<UInt8>) -> Int {
    if scalar < 0x80 {
        p[0] = UInt8(scalar)
        return 1
    } else if scalar < 0x800 {
        p[0] = UInt8(0xC0 | (scalar >> 6))
        p[1] = UInt8(0x80 | (scalar & 0x3F))
        return 2
    } else if scalar < 0x10000 {
        p[0] = UInt8(0xE0 | (scalar >> 12))
        p[1] = UInt8(0x80 | ((scalar >> 6) & 0x3F))
        p[2] = UInt8(0x80 | (scalar & 0x3F))
        return 3
    }
    p[0] = UInt8(0xF0 | (scalar >> 18))
    p[1] = UInt8(0x80 | ((scalar >> 12) & 0x3F))
    p[2] = UInt8(0x80 | ((scalar >> 6) & 0x3F))
    p[3] = UInt8(0x80 | (scalar & 0x3F))
    return 4
}

/// A growable byte buffer reused from value to value: decoded strings are written into it through a
/// pointer, without the per-append checks of an Array.
final class ByteBuffer {
    private(set) var base: UnsafeMutablePointer<UInt8>
    private(set) var capacity: Int
    var count = 0

    init(capacity: Int = 1024) {
        self.capacity = max(capacity, 16)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    /// Makes room for `n` bytes in all, keeping the first `count`.
    @inline(__always) func reserve(_ n: Int) {
        if n > capacity { grow(n) }
    }

    private func grow(_ n: Int) {
        var c = capacity
        while c < n { c *= 2 }
        let b = UnsafeMutablePointer<UInt8>.allocate(capacity: c)
        b.update(from: base, count: count)
        base.deallocate()
        base = b
        capacity = c
    }

    func append(_ p: UnsafePointer<UInt8>, _ n: Int) {
        reserve(count + n)
        (base + count).update(from: p, count: n)
        count += n
    }

    func removeAll() { count = 0 }

    var bytes: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base, count: count) }
    var raw: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }
    func slice(_ start: Int, _ length: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: base + start, count: length)
    }
}
