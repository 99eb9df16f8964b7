// A raw block's lines, kept in the block's row (`block.lines`) instead of a row each: one JSON array
// per slot, `[event_key, ts, request, statement, flags, stream, log_group]`, in slot order; `ts` is null
// when the line has no time, and 0 stands for no request, statement, stream or group.
//
// Why: a line row cost SQLite ~0.5 µs (~240 ns a row, ~30 ns a column); the 1.5 M line rows of a 400k
// ingest were ~11% of its wall time, written under the sink's lock. A block's row is written anyway.
// Why JSON: the `events` view must read it in any sqlite3 (`json_each`); SQL cannot decode a binary blob.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One stored line, as `BlockLines` reads it back.
struct StoredLine: Equatable {
    var key: Int64
    var ts: Int64?
    var request: Int64
    var statement: Int32
    var flags: Int32
    var stream: Int32
    var group: Int32
}

enum BlockLines {
    /// The JSON text of a block's lines, in slot order. (Written through a pointer: appending byte by byte
    /// to an array cost a capacity check each.)
    static func encode(_ lines: ArraySlice<LineRow>) -> [UInt8] {
        // At most 20 bytes for each of three Int64, 11 for each of four Int32, 8 of punctuation.
        let bound = lines.count * 112 + 2
        let d = DecimalTables.shared
        return [UInt8](unsafeUninitializedCapacity: bound) { buf, count in
            let p = buf.baseAddress!
            var at = 0
            p[at] = UInt8(ascii: "[")
            at += 1
            for l in lines {
                if at > 1 {
                    p[at] = UInt8(ascii: ",")
                    at += 1
                }
                p[at] = UInt8(ascii: "[")
                at += 1
                at = d.write(p, at, l.hash)
                p[at] = UInt8(ascii: ",")
                at += 1
                if let ts = l.ts {
                    at = d.write(p, at, ts)
                } else {
                    p[at] = UInt8(ascii: "n")
                    p[at + 1] = UInt8(ascii: "u")
                    p[at + 2] = UInt8(ascii: "l")
                    p[at + 3] = UInt8(ascii: "l")
                    at += 4
                }
                p[at] = UInt8(ascii: ",")
                at = d.write(p, at + 1, l.request)
                p[at] = UInt8(ascii: ",")
                at = d.write(p, at + 1, Int64(l.statement))
                p[at] = UInt8(ascii: ",")
                at = d.write(p, at + 1, Int64(l.flags))
                p[at] = UInt8(ascii: ",")
                at = d.write(p, at + 1, Int64(l.stream))
                p[at] = UInt8(ascii: ",")
                at = d.write(p, at + 1, Int64(l.group))
                p[at] = UInt8(ascii: "]")
                at += 1
            }
            p[at] = UInt8(ascii: "]")
            count = at + 1
        }
    }

    /// Calls `body` with each line of `text` (a block's `lines`) and its slot. Throws on anything but the
    /// form `encode` writes (whitespace allowed): a store is read as written, never guessed at.
    static func decode(_ text: UnsafeRawBufferPointer, _ body: (Int, StoredLine) throws -> Void) throws {
        var r = Reader(bytes: text)
        try r.expect(UInt8(ascii: "["))
        var slot = 0
        if try r.peek() == UInt8(ascii: "]") {
            r.i += 1
        } else {
            while true {
                try r.expect(UInt8(ascii: "["))
                let key = try r.integer()
                try r.expect(UInt8(ascii: ","))
                let ts = try r.optionalInteger()
                try r.expect(UInt8(ascii: ","))
                let request = try r.integer()
                let statement = try r.nextInt32()
                let flags = try r.nextInt32()
                let stream = try r.nextInt32()
                let group = try r.nextInt32()
                try r.expect(UInt8(ascii: "]"))
                try body(
                    slot,
                    StoredLine(
                        key: key, ts: ts, request: request, statement: statement, flags: flags, stream: stream,
                        group: group))
                slot += 1
                let next = try r.next()
                if next == UInt8(ascii: "]") { break }
                guard next == UInt8(ascii: ",") else { throw Reader.malformed }
            }
        }
        guard r.atEnd else { throw Reader.malformed }
    }

    /// Calls `body` with the event key of each line of `text`, in slot order: the first number of each
    /// line, found by a scan to the line's end (loading a store's 1.5 M keys: 0.54 s by `decode`). Text
    /// not in the form `encode` writes is read by `decode`, which throws.
    static func forEachKey(_ text: UnsafeRawBufferPointer, _ body: (Int64) -> Void) throws {
        let n = text.count
        guard n >= 2, text[0] == UInt8(ascii: "["), text[n - 1] == UInt8(ascii: "]") else {
            return try decode(text) { _, l in body(l.key) }
        }
        var keys: [Int64] = []
        var i = 1
        if n > 2 {
            while true {
                // `[` key `,` ... `]`, then `,` or the end.
                guard i < n, text[i] == UInt8(ascii: "[") else { return try decode(text) { _, l in body(l.key) } }
                i += 1
                let negative = i < n && text[i] == UInt8(ascii: "-")
                if negative { i += 1 }
                var m: UInt64 = 0
                let start = i
                while i < n, text[i] &- 48 < 10, i - start < 19 {
                    m = m &* 10 &+ UInt64(text[i] &- 48)
                    i += 1
                }
                guard i > start, i < n, text[i] == UInt8(ascii: ","), m <= UInt64(Int64.max) else {
                    return try decode(text) { _, l in body(l.key) }
                }
                keys.append(negative ? -Int64(m) : Int64(m))
                guard let close = memchr(text.baseAddress! + i, Int32(UInt8(ascii: "]")), n - i) else {
                    return try decode(text) { _, l in body(l.key) }
                }
                i = text.baseAddress!.distance(to: UnsafeRawPointer(close)) + 1
                guard i < n else { return try decode(text) { _, l in body(l.key) } }
                if text[i] == UInt8(ascii: "]") {
                    guard i == n - 1 else { return try decode(text) { _, l in body(l.key) } }
                    break
                }
                guard text[i] == UInt8(ascii: ",") else { return try decode(text) { _, l in body(l.key) } }
                i += 1
            }
        }
        for k in keys { body(k) }
    }

    private struct Reader {
        static let malformed = StoreError("a block's lines are not in the form attrib writes")
        let bytes: UnsafeRawBufferPointer
        var i = 0

        mutating func skipSpace() {
            while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 {
                i += 1
            }
        }
        var atEnd: Bool {
            mutating get {
                skipSpace()
                return i == bytes.count
            }
        }
        mutating func peek() throws -> UInt8 {
            skipSpace()
            guard i < bytes.count else { throw Self.malformed }
            return bytes[i]
        }
        mutating func next() throws -> UInt8 {
            let b = try peek()
            i += 1
            return b
        }
        mutating func expect(_ b: UInt8) throws {
            guard try next() == b else { throw Self.malformed }
        }
        mutating func optionalInteger() throws -> Int64? {
            if try peek() == UInt8(ascii: "n") {
                guard i + 4 <= bytes.count, bytes[i + 1] == UInt8(ascii: "u"), bytes[i + 2] == UInt8(ascii: "l"),
                    bytes[i + 3] == UInt8(ascii: "l")
                else { throw Self.malformed }
                i += 4
                return nil
            }
            return try integer()
        }
        /// `,` and a dictionary id or flags (as `encode` wrote an Int32).
        mutating func nextInt32() throws -> Int32 {
            try expect(UInt8(ascii: ","))
            return Int32(truncatingIfNeeded: try integer())
        }
        /// A decimal integer within Int64 (JSON's form: an optional minus, digits).
        mutating func integer() throws -> Int64 {
            let negative = try peek() == UInt8(ascii: "-")
            if negative { i += 1 }
            let start = i
            var m: UInt64 = 0
            while i < bytes.count, bytes[i] &- 48 < 10 {
                let (times10, o1) = m.multipliedReportingOverflow(by: 10)
                let (sum, o2) = times10.addingReportingOverflow(UInt64(bytes[i] &- 48))
                guard !o1 && !o2 else { throw Self.malformed }
                m = sum
                i += 1
            }
            guard i > start else { throw Self.malformed }
            if negative {
                guard m <= UInt64(Int64.max) + 1 else { throw Self.malformed }
                return m == UInt64(Int64.max) + 1 ? .min : -Int64(m)
            }
            guard m <= UInt64(Int64.max) else { throw Self.malformed }
            return Int64(m)
        }
    }
}

extension Connection {
    /// Calls `body` with each block after `after` (in id order) whose lines' text holds `containing` (any
    /// block when nil), its lines and, when `withMessages`, its raw messages (empty when a block cannot be
    /// read: its lines still count).
    func forEachBlock(
        after: Int64 = 0, containing: String? = nil, withMessages: Bool,
        _ body: (_ id: Int64, _ lines: [StoredLine], _ messages: [[UInt8]]) throws -> Void
    ) throws {
        let s = try prepare(
            "SELECT id, lines\(withMessages ? ", data" : "") FROM block WHERE id > ?"
                + (containing == nil ? "" : " AND instr(lines, ?) > 0") + " ORDER BY id")
        s.bind(1, after)
        if let containing { s.bind(2, containing) }
        var lines: [StoredLine] = []
        while try s.step() {
            lines.removeAll(keepingCapacity: true)
            try withBlockLines(s) { text in try BlockLines.decode(text) { _, l in lines.append(l) } }
            let messages = withMessages ? BlockCodec.decompress(s.blob(2)).map(BlockCodec.messages) ?? [] : []
            try body(s.int(0), lines, messages)
        }
    }

    /// Calls `body` with the lines' text of the block row at hand (`id` in column 0, `lines` in column 1);
    /// an error reading it names the store and the block.
    func withBlockLines(_ s: Statement, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        do {
            try s.withBytes(1, body)
        } catch let e as StoreError {
            throw StoreError("\(path): block \(s.int(0)): \(e.message)")
        }
    }
}

/// What `encode` writes numbers with: "00" to "99" (two bytes each) and 10^0 ... 10^19, in memory of their
/// own (an array's global would be checked for its first use and bounds on each call).
struct DecimalTables: @unchecked Sendable {
    let pairs: UnsafeMutablePointer<UInt8>
    let powers: UnsafeMutablePointer<UInt64>

    static let shared: DecimalTables = {
        let pairs = UnsafeMutablePointer<UInt8>.allocate(capacity: 200)
        for n in 0..<100 {
            pairs[2 * n] = 48 + UInt8(n / 10)
            pairs[2 * n + 1] = 48 + UInt8(n % 10)
        }
        let powers = UnsafeMutablePointer<UInt64>.allocate(capacity: 20)
        var p: UInt64 = 1
        for n in 0..<20 {
            powers[n] = p
            p &*= 10
        }
        return DecimalTables(pairs: pairs, powers: powers)
    }()

    /// Writes `v` in decimal at `p + at`, two digits a step; returns the index after it.
    @inline(__always) func write(_ p: UnsafeMutablePointer<UInt8>, _ at: Int, _ v: Int64) -> Int {
        var at = at
        if v < 0 {
            p[at] = UInt8(ascii: "-")
            at += 1
        }
        var m = v.magnitude
        // The digit count from the bit length (log10 2 ~ 1233 / 4096), corrected by one comparison.
        let approx = ((64 - (m | 1).leadingZeroBitCount) &* 1233) >> 12
        let digits = m == 0 ? 1 : approx &+ (m >= powers[approx] ? 1 : 0)
        var end = at &+ digits
        let result = end
        while m >= 100 {
            let pair = Int(truncatingIfNeeded: m % 100) &* 2
            m /= 100
            end &-= 2
            p[end] = pairs[pair]
            p[end &+ 1] = pairs[pair &+ 1]
        }
        if m >= 10 {
            let pair = Int(truncatingIfNeeded: m) &* 2
            p[end &- 2] = pairs[pair]
            p[end &- 1] = pairs[pair &+ 1]
        } else {
            p[end &- 1] = 48 &+ UInt8(truncatingIfNeeded: m)
        }
        return result
    }
}
