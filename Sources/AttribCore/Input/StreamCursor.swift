// One reusable buffer refilled from a ByteSource, with a cursor; readers pin at `pos` and ask for more.
// Like ripgrep's line buffer: the bytes of the unit being read stay contiguous, nothing else is kept,
// so a 300 MB document is read in a few hundred KB of memory.

import CHints

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

final class StreamCursor {
    let source: ByteSource
    private(set) var storage: UnsafeMutablePointer<UInt8>
    private(set) var capacity: Int
    /// Valid bytes are `0..<end`; the reader is at `pos`.
    private(set) var end = 0
    var pos = 0
    private(set) var eof = false
    /// True when the buffer is at its maximum size and the unit at `pos` still does not fit.
    private(set) var full = false
    /// Absolute offset (in the decompressed stream) of `storage[0]`.
    private(set) var baseOffset: Int64 = 0
    /// A decompression error seen while reading; the bytes before it were delivered first.
    private(set) var pendingError: InputError?
    let maxCapacity: Int

    /// Largest single unit (line, event, document member) attrib will hold in memory.
    static let defaultMaxUnit = 64 << 20

    init(source: ByteSource, initialCapacity: Int = 1 << 20, maxCapacity: Int = StreamCursor.defaultMaxUnit) {
        self.source = source
        self.capacity = initialCapacity
        self.maxCapacity = max(maxCapacity, initialCapacity)
        self.storage = .allocate(capacity: initialCapacity)
    }

    deinit { storage.deallocate() }

    var view: JSONBytes { JSONBytes(base: storage, end: end) }
    var absolutePos: Int64 { baseOffset + Int64(pos) }

    /// Reads more bytes, keeping everything from `pos` on (moved to the front). Returns false at the
    /// end of the stream or when the unit at `pos` has reached `maxCapacity` (then `full` is set).
    func fill() throws -> Bool {
        if eof { return false }
        if pos > 0 {
            let keep = end - pos
            if keep > 0 { memmove(storage, storage + pos, keep) }
            baseOffset += Int64(pos)
            end = keep
            pos = 0
        }
        if end == capacity {
            if capacity >= maxCapacity {
                full = true
                return false
            }
            let newCapacity = min(capacity * 2, maxCapacity)
            let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
            grown.update(from: storage, count: end)
            storage.deallocate()
            storage = grown
            capacity = newCapacity
        }
        let n: Int
        do {
            n = try source.read(into: UnsafeMutableRawBufferPointer(start: storage + end, count: capacity - end))
        } catch let error as InputError {
            pendingError = error
            eof = true
            return false
        }
        if n == 0 {
            eof = true
            return false
        }
        end += n
        return true
    }

    /// The largest unit a reader takes, as rejects name it ("64 MiB").
    var limitText: String { "\(maxCapacity >> 20) MiB" }

    /// Skips a UTF-8 byte order mark at the cursor (console exports and Windows tools write one).
    func skipByteOrderMark() throws {
        if try end - pos >= 3 || fill(), end - pos >= 3, storage[pos] == 0xEF, storage[pos + 1] == 0xBB,
            storage[pos + 2] == 0xBF
        {
            pos += 3
        }
    }

    /// Clears the `full` flag after the oversized unit has been dealt with (the buffer keeps its grown size).
    func resetFull() { full = false }

    /// Runs `scan` at `pos + offset`, refilling while the result is incomplete.
    func scan(at offset: Int = 0, _ scan: (JSONBytes, Int) -> ScanResult) throws -> ScanResult {
        while true {
            let r = scan(view, pos + offset)
            if r == .incomplete, try fill() { continue }
            return r
        }
    }

    /// The first byte at or after `pos` that is not JSON whitespace, refilling as needed.
    /// `newlines` counts the line feeds skipped.
    func peekNonSpace(newlines: inout Int) throws -> UInt8? {
        while true {
            while pos < end {
                let c = storage[pos]
                if !isJSONSpace(c) { return c }
                if c == 0x0A { newlines += 1 }
                pos += 1
            }
            if try !fill() { return nil }
        }
    }

    /// Index of the next `\n` at or after `pos + offset`, refilling (and growing) as needed; nil when
    /// the stream ends first or the line exceeds the maximum unit (`full`).
    func findNewline(from offset: Int = 0) throws -> Int? {
        var searched = offset
        while true {
            if pos + searched < end,
                let p = memchr(storage + pos + searched, 0x0A, end - pos - searched)
            {
                return storage.distance(to: p.assumingMemoryBound(to: UInt8.self))
            }
            searched = end - pos
            if try !fill() { return nil }
        }
    }

    /// Skips to just after the next `\n` without holding the line (for oversized lines).
    /// Returns false when the stream ended first.
    func skipLine() throws -> Bool {
        while true {
            if pos < end, let p = memchr(storage + pos, 0x0A, end - pos) {
                pos = storage.distance(to: p.assumingMemoryBound(to: UInt8.self)) + 1
                return true
            }
            pos = end
            full = false
            if try !fill() { return false }
        }
    }

    /// Where a CSV record that starts at `pos` ends.
    enum RecordEnd {
        /// At this index: its `\n`, or `end` for a last record without one.
        case at(Int)
        /// Nothing is left.
        case endOfInput
        /// The input ends inside a quoted field.
        case unterminated
        /// The record is longer than `maxCapacity` (`full` is set).
        case tooLong
    }

    /// Finds the end of the record at `pos`, refilling as needed: its first `\n` outside quotes (`quoting`,
    /// CSV) or its first `\n` (TSV, which escapes its newlines). A doubled quote toggles twice, so it needs no
    /// case of its own.
    func recordEnd(quoting: Bool) throws -> RecordEnd {
        var offset = 0
        var inQuotes = false
        while true {
            let p = storage
            var i = pos + offset
            // A record that does not start with a quote and has none before its newline (most psql and TSV
            // rows) ends there: two memchr. Otherwise (Insights rows are quoted JSON) quotes are counted (below).
            if !inQuotes, i < end, !quoting || p[i] != 0x22 {
                let nl =
                    memchr(p + i, 0x0A, end - i).map { p.distance(to: $0.assumingMemoryBound(to: UInt8.self)) } ?? end
                if nl < end, !quoting || memchr(p + i, 0x22, nl - i) == nil { return .at(nl) }
            }
            // Sixteen bytes a step (SSE2): a newline ends the record when the quotes before it, in the record,
            // are even; the quotes of the whole step toggle the state once per odd count.
            while i + 16 <= end {
                var quotes: UInt32 = 0
                var newlines = attrib_newlines_quotes16(p + i, &quotes)
                if !quoting { quotes = 0 }
                while newlines != 0 {
                    let at = newlines.trailingZeroBitCount
                    let before = (quotes & ((1 << UInt32(at)) - 1)).nonzeroBitCount & 1 == 1
                    if inQuotes == before { return .at(i + at) }
                    newlines &= newlines - 1
                }
                if quotes.nonzeroBitCount & 1 == 1 { inQuotes.toggle() }
                i += 16
            }
            while i < end {
                let c = p[i]
                if c == 0x22 && quoting {
                    inQuotes.toggle()
                } else if c == 0x0A && !inQuotes {
                    return .at(i)
                }
                i += 1
            }
            offset = i - pos
            if try !fill() {
                if full { return .tooLong }
                if pos >= end { return .endOfInput }
                return inQuotes ? .unterminated : .at(end)
            }
        }
    }

    /// A reject for the record at `pos` (its first 4 KiB), at `line`.
    func recordReject(line: Int, _ reason: String) -> InputReject {
        InputReject(
            position: Position(line: line, byte: absolutePos), reason: reason, raw: bytes(pos, min(end, pos + 4096)))
    }

    /// The `\n`s in `start..<stop`.
    func newlines(_ start: Int, _ stop: Int) -> Int {
        var n = 0
        var k = start
        while k < stop, let nl = memchr(storage + k, 0x0A, stop - k) {
            n += 1
            k = storage.distance(to: nl.assumingMemoryBound(to: UInt8.self)) + 1
        }
        return n
    }

    func bytes(_ start: Int, _ stop: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: storage + start, count: max(0, stop - start))
    }
}
