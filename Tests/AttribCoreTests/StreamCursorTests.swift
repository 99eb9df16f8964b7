// StreamCursor: one reusable buffer refilled from a ByteSource. The unit at `pos` stays contiguous, nothing
// before it is kept, the buffer grows only up to the unit cap (then `full`, never more), and damage is
// reported after the good bytes.

import Testing

@testable import AttribCore

/// A source that counts its reads and, optionally, fails after handing out its bytes.
private final class ScriptedSource: ByteSource {
    let inner: MemorySource
    let failure: InputError?
    var reads = 0
    init(_ text: String, chunk: Int, failure: InputError? = nil) {
        inner = MemorySource(text, chunk: chunk)
        self.failure = failure
    }
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        reads += 1
        let n = try inner.read(into: buffer)
        if n == 0, let failure { throw failure }
        return n
    }
    var rawBytesRead: Int64 { inner.rawBytesRead }
}

private func text(_ c: StreamCursor, _ start: Int, _ stop: Int) -> String {
    String(decoding: c.bytes(start, stop), as: UTF8.self)
}

/// Reads every line through findNewline, as the line readers do; returns the lines and the absolute offset
/// of each line's start.
private func lines(_ c: StreamCursor) throws -> [(String, Int64)] {
    var out: [(String, Int64)] = []
    while true {
        if c.pos >= c.end, try !c.fill() { break }
        let start = c.absolutePos
        if let nl = try c.findNewline() {
            out.append((text(c, c.pos, nl), start))
            c.pos = nl + 1
        } else {
            out.append((text(c, c.pos, c.end), start))
            c.pos = c.end
        }
    }
    return out
}

@Suite("The stream cursor refills one bounded buffer")
struct StreamCursorTests {
    @Test("Bytes handed out one at a time arrive whole and in order", arguments: [1, 3, 7, 4096])
    func tinyChunks(chunk: Int) throws {
        let input = (0..<500).map { "line \($0) ✓" }.joined(separator: "\n") + "\n"
        let c = StreamCursor(source: MemorySource(input, chunk: chunk), initialCapacity: 16, maxCapacity: 1 << 20)
        var out: [UInt8] = []
        while true {
            while c.pos < c.end {
                out.append(c.storage[c.pos])
                c.pos += 1
            }
            if try !c.fill() { break }
        }
        #expect(out == Array(input.utf8))
        #expect(c.absolutePos == Int64(input.utf8.count))
        #expect(c.eof)
        #expect(!c.full)
    }

    @Test("Lines are found across refills, each with its offset in the stream")
    func linesAcrossRefills() throws {
        let input = "abc\n\nde\r\nlast without newline"
        let c = StreamCursor(source: MemorySource(input, chunk: 2), initialCapacity: 4, maxCapacity: 64)
        let found = try lines(c)
        #expect(found.map(\.0) == ["abc", "", "de\r", "last without newline"])
        #expect(found.map(\.1) == [0, 4, 5, 9])
    }

    @Test("A reader that keeps up never grows the buffer: bytes before `pos` are dropped")
    func noGrowthWhenConsumed() throws {
        let input = String(repeating: "0123456789\n", count: 10_000)
        let c = StreamCursor(source: MemorySource(input, chunk: 5), initialCapacity: 64, maxCapacity: 1 << 20)
        let found = try lines(c)
        #expect(found.count == 10_000)
        #expect(found.allSatisfy { $0.0 == "0123456789" })
        #expect(c.capacity == 64)
    }

    @Test("A unit longer than the buffer grows it, and stays contiguous")
    func growsForLongUnit() throws {
        let long = String(repeating: "x", count: 1000)
        let c = StreamCursor(source: MemorySource(long + "\nok\n", chunk: 3), initialCapacity: 16, maxCapacity: 4096)
        let found = try lines(c)
        #expect(found.map(\.0) == [long, "ok"])
        #expect(c.capacity >= 1001)
        #expect(c.capacity <= 4096)
        #expect(!c.full)
    }

    @Test("A unit of exactly the cap fits")
    func unitAtCap() throws {
        let line = String(repeating: "y", count: 63)  // 63 bytes and its newline: 64
        let c = StreamCursor(source: MemorySource(line + "\n", chunk: 5), initialCapacity: 16, maxCapacity: 64)
        let nl = try c.findNewline()
        #expect(nl == 63)
        #expect(!c.full)
        #expect(c.capacity == 64)
    }

    @Test("A unit over the cap sets `full` instead of growing; the stream is not over")
    func fullAtCap() throws {
        let long = String(repeating: "z", count: 100)
        let source = ScriptedSource(long + "\nok\n", chunk: 7)
        let c = StreamCursor(source: source, initialCapacity: 16, maxCapacity: 64)
        #expect(try c.findNewline() == nil)
        #expect(c.full)
        #expect(!c.eof)
        #expect(c.capacity == 64)
        #expect(c.end == 64)
        // Until the unit is dealt with, asking again reads nothing and stays full.
        let reads = source.reads
        #expect(try !c.fill())
        #expect(c.full)
        #expect(source.reads == reads)
        #expect(c.capacity == 64)
    }

    @Test("After an oversized line, skipLine resumes at the next line, at its true offset")
    func skipOversizedLine() throws {
        let long = String(repeating: "z", count: 100)
        let c = StreamCursor(source: MemorySource(long + "\nok\n", chunk: 7), initialCapacity: 16, maxCapacity: 64)
        _ = try c.findNewline()
        #expect(c.full)
        c.resetFull()
        #expect(!c.full)
        #expect(try c.skipLine())
        #expect(!c.full)
        #expect(c.absolutePos == 101)
        let found = try lines(c)
        #expect(found.map(\.0) == ["ok"])
        #expect(found.map(\.1) == [101])
        #expect(c.capacity == 64)
    }

    @Test("The default cap is 64 MiB, and a cap below the initial size is the initial size")
    func caps() {
        #expect(StreamCursor(source: MemorySource("")).maxCapacity == 64 << 20)
        #expect(StreamCursor(source: MemorySource(""), initialCapacity: 32, maxCapacity: 8).maxCapacity == 32)
    }

    @Test("At the end of input fill says so once, and the source is not read again")
    func endOfInput() throws {
        let source = ScriptedSource("ab", chunk: 1)
        let c = StreamCursor(source: source, initialCapacity: 16)
        #expect(try c.fill())
        #expect(try c.fill())
        #expect(try !c.fill())
        #expect(c.eof)
        #expect(c.pendingError == nil)
        let reads = source.reads
        #expect(try !c.fill())
        #expect(source.reads == reads)
        #expect(text(c, 0, c.end) == "ab")
    }

    @Test("An empty source is at its end at once")
    func emptySource() throws {
        let c = StreamCursor(source: MemorySource(""), initialCapacity: 16)
        #expect(try !c.fill())
        #expect(c.eof)
        #expect(try c.findNewline() == nil)
        #expect(try !c.skipLine())
        var newlines = 0
        #expect(try c.peekNonSpace(newlines: &newlines) == nil)
    }

    @Test("Skipping a last line without a newline ends the stream")
    func skipLastLine() throws {
        let c = StreamCursor(source: MemorySource("no newline here", chunk: 4), initialCapacity: 16)
        #expect(try !c.skipLine())
        #expect(c.eof)
    }

    @Test("peekNonSpace skips whitespace across refills and counts the line feeds")
    func peekNonSpace() throws {
        let c = StreamCursor(source: MemorySource(" \t\r\n\n  \n{", chunk: 1), initialCapacity: 4)
        var newlines = 0
        #expect(try c.peekNonSpace(newlines: &newlines) == UInt8(ascii: "{"))
        #expect(newlines == 3)
        #expect(c.absolutePos == 8)
    }

    @Test("scan refills until the JSON value is complete, or reports it incomplete at the end")
    func scanRefills() throws {
        let value = #"{"a": [1, 2, "x\"y"], "b": {"c": null}}"#
        let c = StreamCursor(source: MemorySource(value + " tail", chunk: 1), initialCapacity: 4, maxCapacity: 1024)
        let r = try c.scan { view, i in view.scanValue(i) }
        #expect(r == .complete(value.utf8.count))
        #expect(text(c, c.pos, value.utf8.count) == value)

        let cut = StreamCursor(source: MemorySource(#"{"a": [1, 2"#, chunk: 1), initialCapacity: 4, maxCapacity: 1024)
        #expect(try cut.scan { view, i in view.scanValue(i) } == .incomplete)
        #expect(cut.eof)
    }

    @Test("Damage is reported after the good bytes: they are delivered, then the error is kept")
    func damageAfterGoodBytes() throws {
        let damage = InputError.corrupt(path: "x.gz", offset: 9, reason: "truncated")
        let c = StreamCursor(source: ScriptedSource("good\nbytes", chunk: 3, failure: damage), initialCapacity: 4)
        let found = try lines(c)
        #expect(found.map(\.0) == ["good", "bytes"])
        #expect(c.pendingError == damage)
        #expect(c.eof)
        #expect(try !c.fill())
    }
}

/// A CSV record's end (`recordEnd`): the first newline outside quotes, found sixteen bytes a step, against a
/// byte loop that toggles at each quote, on generated records (quoted fields with `""`, newlines inside
/// quotes, unquoted rows) read through sources of several chunk sizes.
@Suite("CSV record ends")
struct RecordEndTests {
    /// The records' ends as offsets in `bytes`, and how the input ends.
    static func reference(_ bytes: [UInt8], quoting: Bool) -> (ends: [Int], tail: String) {
        var ends: [Int] = []
        var start = 0
        while start < bytes.count {
            var inQuotes = false
            var i = start
            var found = false
            while i < bytes.count {
                if bytes[i] == 0x22 && quoting {
                    inQuotes.toggle()
                } else if bytes[i] == 0x0A && !inQuotes {
                    found = true
                    break
                }
                i += 1
            }
            if !found { return (ends, inQuotes ? "unterminated" : "at end") }
            ends.append(i)
            start = i + 1
        }
        return (ends, "end")
    }

    @Test("Random records: the same ends as a byte loop, whatever the reads")
    func randomRecords() throws {
        var rng = SplitMix(seed: 0x5EC)
        for round in 0..<300 {
            var bytes: [UInt8] = []
            for _ in 0..<Int(rng.next() % 30) {
                for _ in 0..<Int(rng.next() % 4) {
                    switch rng.next() % 5 {
                    case 0, 1:
                        bytes.append(0x22)
                        for _ in 0..<Int(rng.next() % 60) {
                            let r = rng.next() % 20
                            bytes += r == 0 ? [0x22, 0x22] : r == 1 ? [0x0A] : [UInt8(0x23 + rng.next() % 0x50)]
                        }
                        bytes.append(0x22)
                    default:
                        for _ in 0..<Int(rng.next() % 40) { bytes.append(UInt8(0x23 + rng.next() % 0x50)) }
                    }
                    bytes.append(0x2C)
                }
                bytes += rng.next() % 3 == 0 ? [0x0D, 0x0A] : [0x0A]
            }
            if rng.next() % 5 == 0 { bytes.append(0x22) }  // an unterminated quote at the end, now and then
            for quoting in [true, false] {
                let want = Self.reference(bytes, quoting: quoting)
                let cursor = StreamCursor(source: MemorySource(bytes, chunk: [7, 64, 1 << 12][round % 3]))
                var ends: [Int] = []
                var tail = "end"
                loop: while true {
                    switch try cursor.recordEnd(quoting: quoting) {
                    case .at(let i):
                        let absolute = Int(cursor.absolutePos) + (i - cursor.pos)
                        if i >= cursor.end {
                            tail = "at end"
                            break loop
                        }
                        ends.append(absolute)
                        cursor.pos = i + 1
                    case .endOfInput: break loop
                    case .unterminated:
                        tail = "unterminated"
                        break loop
                    case .tooLong:
                        tail = "too long"
                        break loop
                    }
                }
                #expect(ends == want.ends && tail == want.tail, "round \(round), quoting \(quoting)")
            }
        }
    }
}
