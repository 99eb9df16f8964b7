// The run's requests beyond memory: when the table of requests fills, its entries are written in key order
// to a temporary file and the table starts again; at the end of the run, the files and the table are merged
// by key (a k-way merge) and handed to the sink a chunk at a time, in key order.
//
// Why not write them into the store when the table fills (as attrib did before): a run larger than the
// table then read and rewrote stored requests in place, a SELECT and an UPDATE each, in a table larger than
// SQLite's page cache. At 2M requests that was a quarter of the ingest's CPU, held the sink's lock (the other
// threads waited) and rewrote the table at each fill. Sorted runs are written and read once, sequentially,
// and the store's request table is written once, in key order (appended, for a new store).

import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A new, empty file for the run's requests (`.attrib-requests-XXXXXX`) in the first of `directories` where
/// one can be made; the caller unlinks it once it is open.
func temporaryRequestFile(in directories: [String]) throws -> (fd: Int32, path: String) {
    for dir in directories {
        var template = Array(((dir.hasSuffix("/") ? dir : dir + "/") + ".attrib-requests-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        if fd >= 0 {
            return (fd, String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
    }
    throw StoreError(
        "attrib: cannot create a temporary file for the run's requests in \(directories[0]): \(String(cString: strerror(errno)))"
    )
}

/// One sorted run of requests in a temporary file (unlinked once created: nothing is left after a kill).
/// A record: key (8 bytes), the delta's bytes, the request id's length (4 bytes) and bytes.
final class RequestSpillFile {
    private let fd: Int32
    private let place: String
    private(set) var records = 0
    private var size: Int64 = 0
    /// Where the records with keys at or above zero start (the upper half of `RequestMerge.halves`).
    private var upperStart: (offset: Int64, record: Int) = (0, 0)

    /// Writes `table`'s entries in key order (`order`) to a new file in `directory` (else the system's
    /// temporary folder).
    init(_ table: RequestTable, order: [Int], directory: String) throws {
        let made = try temporaryRequestFile(in: [directory, ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"])
        unlink(made.path)
        (fd, place) = made
        // Records are copied into a buffer of 1 MB and written when it is full.
        let capacity = 1 << 20
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 8)
        defer { buffer.deallocate() }
        var used = 0
        let head = 8 + MemoryLayout<RequestDelta>.size + 4
        var lower = 0
        var upperFound = false
        for (n, i) in order.enumerated() {
            if n + 16 < order.count { table.prefetch(order[n + 16], step: 1) }
            if n + 8 < order.count { table.prefetch(order[n + 8], step: 2) }
            if table.entryKeys[i] < 0 {
                lower += 1
            } else if !upperFound {
                upperStart = (size + Int64(used), lower)
                upperFound = true
            }
            try table.withRequestId(i) { id in
                if used + head + id.count > capacity {
                    try write(UnsafeRawBufferPointer(start: buffer, count: used))
                    used = 0
                }
                let record = buffer + used
                record.storeBytes(of: table.entryKeys[i], as: Int64.self)
                withUnsafeBytes(of: table.entries[i]) {
                    (record + 8).copyMemory(from: $0.baseAddress!, byteCount: $0.count)
                }
                (record + head - 4).storeBytes(of: Int32(id.count), as: Int32.self)
                if !id.isEmpty { (record + head).copyMemory(from: id.baseAddress!, byteCount: id.count) }
                used += head + id.count
            }
        }
        try write(UnsafeRawBufferPointer(start: buffer, count: used))
        records = order.count
        if !upperFound { upperStart = (size, records) }
    }

    deinit { close(fd) }

    private func write(_ bytes: UnsafeRawBufferPointer) throws {
        var done = 0
        while done < bytes.count {
            let n = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(size) + off_t(done))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                throw StoreError(
                    "attrib: cannot write the run's requests to a temporary file in \(place): \(String(cString: strerror(errno)))"
                )
            }
            done += n
        }
        size += Int64(bytes.count)
    }

    /// Reads the records back in order: all of them, or those with keys below zero, or at or above it.
    func reader(_ keys: KeyHalf = .all) -> Reader {
        switch keys {
        case .all: return Reader(self, offset: 0, records: records)
        case .belowZero: return Reader(self, offset: 0, records: upperStart.record)
        case .fromZero: return Reader(self, offset: upperStart.offset, records: records - upperStart.record)
        }
    }

    struct Reader {
        private let file: RequestSpillFile
        private var buffer = [UInt8](repeating: 0, count: 256 << 10)
        private var start = 0
        private var end = 0
        private var offset: Int64 = 0
        private var left: Int
        /// Records not read yet.
        var count: Int { left }
        private(set) var key: Int64 = 0
        private(set) var delta = RequestDelta()
        private var idRange = 0..<0

        init(_ file: RequestSpillFile, offset: Int64, records: Int) {
            self.file = file
            self.offset = offset
            left = records
        }

        /// Moves to the next record; false after the last.
        mutating func next() throws -> Bool {
            guard left > 0 else { return false }
            left -= 1
            let head = 8 + MemoryLayout<RequestDelta>.size + 4
            try fill(head)
            buffer.withUnsafeBytes { b in
                key = b.loadUnaligned(fromByteOffset: start, as: Int64.self)
                delta = b.loadUnaligned(fromByteOffset: start + 8, as: RequestDelta.self)
            }
            let n = Int(buffer.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: start + head - 4, as: Int32.self) })
            try fill(head + n)
            idRange = start + head..<start + head + n
            start += head + n
            return true
        }

        /// The current record's request id.
        func withRequestId<T>(_ body: (UnsafeBufferPointer<UInt8>) throws -> T) rethrows -> T {
            try buffer.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[idRange])) }
        }

        /// Makes `count` bytes from `start` available in the buffer.
        private mutating func fill(_ count: Int) throws {
            guard end - start < count else { return }
            if start > 0 {
                buffer.withUnsafeMutableBytes { b in
                    _ = memmove(b.baseAddress!, b.baseAddress! + start, end - start)
                }
                end -= start
                start = 0
            }
            if buffer.count < count { buffer += [UInt8](repeating: 0, count: count - buffer.count) }
            while end < count {
                let n = buffer.withUnsafeMutableBytes { b in
                    pread(file.fd, b.baseAddress! + end, b.count - end, off_t(offset))
                }
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else {
                    throw StoreError(
                        "attrib: cannot read the run's requests back from a temporary file in \(file.place): \(n == 0 ? "it ended early" : String(cString: strerror(errno)))"
                    )
                }
                end += n
                offset += Int64(n)
            }
        }
    }
}

/// Which of a run's requests a merge reads: all, or the half of the key space below zero or from zero up
/// (`RequestMerge.halves`: two threads write the two halves of a new store's requests).
enum KeyHalf { case all, belowZero, fromZero }

/// The run's requests in key order, each one merged over the table in memory and the spilled runs: what
/// the sink writes at the end of a run (`BatchSink.writeRequests`).
struct RequestMerge {
    private let table: RequestTable
    private let spills: [RequestSpillFile]
    private let order: [Int]
    private var position = 0
    private var readers: [RequestSpillFile.Reader]
    /// The runs' current keys as a binary heap of (key, run): run `readers.count` is the table.
    private var heap: [(key: Int64, run: Int)] = []
    private let less: (Int32, Int32) -> Bool
    /// How many requests are merged (an upper bound until the end: a request in several runs counts once).
    let upperBound: Int

    init(table: RequestTable, spills: [RequestSpillFile], less: @escaping (Int32, Int32) -> Bool) throws {
        try self.init(table: table, order: table.keyOrder(), spills: spills, keys: .all, less: less)
    }

    private init(
        table: RequestTable, order: [Int], spills: [RequestSpillFile], keys: KeyHalf,
        less: @escaping (Int32, Int32) -> Bool
    ) throws {
        self.table = table
        self.spills = spills
        self.order = order
        readers = spills.map { $0.reader(keys) }
        self.less = less
        upperBound = order.count + readers.reduce(0) { $0 + $1.count }
        for r in readers.indices where try readers[r].next() { push(readers[r].key, r) }
        if !order.isEmpty { push(table.entryKeys[order[0]], readers.count) }
    }

    /// The same requests as two merges, of the keys below zero and of those from zero up (request keys are
    /// hashes: about half each). Before the first `next`.
    func halves() throws -> (lower: RequestMerge, upper: RequestMerge) {
        let keys = table.entryKeys
        var low = 0
        var high = order.count
        while low < high {
            let mid = (low + high) / 2
            if keys[order[mid]] < 0 { low = mid + 1 } else { high = mid }
        }
        return (
            try RequestMerge(table: table, order: Array(order[..<low]), spills: spills, keys: .belowZero, less: less),
            try RequestMerge(table: table, order: Array(order[low...]), spills: spills, keys: .fromZero, less: less)
        )
    }

    /// True when every request is in the table (nothing was spilled).
    var isInMemory: Bool { readers.isEmpty }

    /// Calls `body` with the requests in key order, up to `limit` at a time. With spills and `ahead`, the
    /// merge runs on a thread of its own, up to two chunks ahead of `body` (at 2M requests it was a third of
    /// the serial end of a run, on the thread that then inserts them).
    mutating func forEachChunk(limit: Int, ahead: Bool = true, _ body: (RequestBatch) throws -> Void) throws {
        if isInMemory || !ahead {
            var chunk = RequestBatch()
            while try next(into: &chunk, limit: limit) {
                try body(chunk)
                chunk.removeAll()
            }
            return
        }
        let queue = ChunkQueue(depth: 2)
        let box = UncheckedBox(self)
        let producer = SideThread<RequestMerge> {
            var merge = box.value
            do {
                while queue.waitForRoom() {
                    var chunk = RequestBatch()
                    guard try merge.next(into: &chunk, limit: limit) else { break }
                    queue.put(chunk)
                }
                queue.end(nil)
            } catch {
                queue.end(error)
            }
            return merge
        }
        do {
            while let chunk = try queue.take() { try body(chunk) }
        } catch {
            queue.cancel()
            self = producer.join()
            throw error
        }
        self = producer.join()
    }

    /// Appends up to `limit` requests, merged and in key order, to `chunk`; false when none was left.
    mutating func next(into chunk: inout RequestBatch, limit: Int) throws -> Bool {
        guard !heap.isEmpty else { return false }
        var added = 0
        var id: [UInt8] = []
        while added < limit, let key = heap.first?.key {
            var delta = RequestDelta()
            var first = true
            id.removeAll(keepingCapacity: true)
            while let top = heap.first, top.key == key {
                let r = top.run
                if r == readers.count {
                    let i = order[position]
                    if position + 16 < order.count { table.prefetch(order[position + 16], step: 1) }
                    if position + 8 < order.count { table.prefetch(order[position + 8], step: 2) }
                    if first { delta = table.entries[i] } else { delta.merge(table.entries[i], less: less) }
                    if id.isEmpty { table.withRequestId(i) { id.append(contentsOf: $0) } }
                    position += 1
                    if position < order.count { replaceTop(table.entryKeys[order[position]]) } else { popTop() }
                } else {
                    if first { delta = readers[r].delta } else { delta.merge(readers[r].delta, less: less) }
                    if id.isEmpty { readers[r].withRequestId { id.append(contentsOf: $0) } }
                    if try readers[r].next() { replaceTop(readers[r].key) } else { popTop() }
                }
                first = false
            }
            id.withUnsafeBufferPointer { chunk.append(key, delta, requestId: $0) }
            added += 1
        }
        return true
    }

    // The heap orders by key, then run (so equal keys are merged in run order: earlier runs first).
    private static func precedes(_ a: (key: Int64, run: Int), _ b: (key: Int64, run: Int)) -> Bool {
        a.key != b.key ? a.key < b.key : a.run < b.run
    }

    private mutating func push(_ key: Int64, _ run: Int) {
        heap.append((key, run))
        var i = heap.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard Self.precedes(heap[i], heap[parent]) else { break }
            heap.swapAt(i, parent)
            i = parent
        }
    }

    private mutating func replaceTop(_ key: Int64) {
        heap[0].key = key
        siftDown()
    }

    private mutating func popTop() {
        let last = heap.removeLast()
        guard !heap.isEmpty else { return }
        heap[0] = last
        siftDown()
    }

    private mutating func siftDown() {
        var i = 0
        while true {
            let l = 2 * i + 1
            guard l < heap.count else { return }
            var m = l
            if l + 1 < heap.count && Self.precedes(heap[l + 1], heap[l]) { m = l + 1 }
            guard Self.precedes(heap[m], heap[i]) else { return }
            heap.swapAt(i, m)
            i = m
        }
    }
}

/// Chunks from the merging thread to the writing one: at most `depth` waiting, then the end (or an error).
/// (A condition, not semaphores: libdispatch traps when a semaphore is freed below its initial count.)
private final class ChunkQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private let depth: Int
    private var chunks: [RequestBatch] = []
    private var ended = false
    private var failure: Error?
    private var cancelled = false

    init(depth: Int) { self.depth = depth }

    /// The producer waits for room; false when the consumer gave up.
    func waitForRoom() -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while chunks.count >= depth && !cancelled { condition.wait() }
        return !cancelled
    }

    func put(_ chunk: RequestBatch) {
        condition.lock()
        chunks.append(chunk)
        condition.broadcast()
        condition.unlock()
    }

    func end(_ error: Error?) {
        condition.lock()
        ended = true
        failure = error
        condition.broadcast()
        condition.unlock()
    }

    /// The next chunk; nil after the last.
    func take() throws -> RequestBatch? {
        condition.lock()
        defer { condition.unlock() }
        while chunks.isEmpty && !ended { condition.wait() }
        if !chunks.isEmpty {
            condition.broadcast()
            return chunks.removeFirst()
        }
        if let failure { throw failure }
        return nil
    }

    /// The consumer failed: the producer stops at its next chunk.
    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }
}
