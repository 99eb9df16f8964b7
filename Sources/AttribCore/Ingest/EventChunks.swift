// Every thread on one large input: a thread with no file left helps the threads still reading.
//
// A file is still read by one thread, from its start to its end, with the same reader as always: that
// thread alone decompresses it and walks its envelope, so every event, reject and position is found
// exactly as in a one-thread run, however the input is cut (gzip members, zstd frames, a document
// pretty-printed or on one line, strings holding braces, quotes, escapes or any UTF-8). What the other
// threads take is the cost after the envelope: each event's dedup, the parse of its message, its request
// contributions, its raw block and the store writes (the larger part of an event's cost). The reading
// thread copies runs of events into chunks and hands them to the threads that wait for work; while they
// are busy it processes its events itself, so it never waits and memory stays bounded (a few chunks
// per helper). Each chunk's share of the source's counts and time range is added back before the
// source ends. Nothing depends on which thread processes an event: dedup is one shared set and request
// contributions merge in any order (IngestShared), as they already do for files read side by side.

import Foundation

/// Events copied out of a reader's buffer (messages back to back), with their envelope fields.
final class EventChunk {
    struct Entry {
        var timestampMs: Int64?
        var start: Int
        var count: Int
        var logGroup: String?
        var logStream: String?
        var position: Position
        var identity: UInt64?
    }

    var bytes: [UInt8] = []
    var events: [Entry] = []
    /// The source's share read from this chunk (counts, time range); added to the source by its reader.
    var source = SourceUpdate(id: 0, path: "")
    var announced = RejectAnnouncements()
    var owner = 0
    /// The parser (mapping) its file is read with, chosen by the reading thread.
    var parser = 0
    var error: Error?

    init(capacity: Int = EventExchange.chunkBytes + 64 << 10) {
        bytes.reserveCapacity(capacity)
    }

    func append(_ e: EnvelopeEvent) {
        let start = bytes.count
        bytes.append(contentsOf: e.message)
        events.append(
            Entry(
                timestampMs: e.timestampMs, start: start, count: e.message.count, logGroup: e.logGroup,
                logStream: e.logStream, position: e.position, identity: e.identity))
    }

    func isFull(events limit: Int) -> Bool { events.count >= limit || bytes.count >= EventExchange.chunkBytes }
}

/// Counts the rejects of one source said on stderr (the first few per file), whichever thread finds them.
final class RejectAnnouncements: @unchecked Sendable {
    private let lock = Lock()
    private var count = 0
    /// The number of this reject among the source's announced ones (1 for the first).
    func next() -> Int {
        lock.locked {
            count += 1
            return count
        }
    }
}

extension SourceUpdate {
    /// Adds a share of the same source read by another thread.
    mutating func add(_ o: SourceUpdate) {
        events += o.events
        new += o.new
        duplicates += o.duplicates
        rejects += o.rejects
        if let f = o.first { first = min(first ?? f, f) }
        if let l = o.last { last = max(last ?? l, l) }
        if shape == nil { shape = o.shape }
    }
}

extension IngestWorker {
    /// Processes a chunk of another thread's source as that source's events; errors stay in the chunk.
    func process(_ chunk: EventChunk) {
        let (savedSource, savedAnnounced) = (source, announced)
        source = chunk.source
        announced = chunk.announced
        defer {
            chunk.source = source
            source = savedSource
            announced = savedAnnounced
        }
        do {
            try withParser(chunk.parser) { try processEvents(of: chunk) }
        } catch {
            chunk.error = error
        }
    }

    /// How many events ahead of its lookup an event's dedup slot is asked for (`processEvents`).
    static let prefetchDistance = 4

    /// Processes a chunk's events in order. Their text hashes are made first and the dedup slots they
    /// look up asked of the cache: the run's key tables are tens of MB, and a lookup nothing asked ahead
    /// waited for memory (~80% of `event`'s own time at 400k requests).
    func processEvents(of chunk: EventChunk) throws {
        try chunk.bytes.withUnsafeBytes { raw in
            chunkHashes.removeAll(keepingCapacity: true)
            for e in chunk.events {
                // As `event` hashes the message (without line ends), without making the event for it.
                let m = chunk.message(e, in: raw).withoutLineEnd
                chunkHashes.append(e.identity ?? hashBytes(m.baseAddress, m.count))
            }
            let n = chunkHashes.count
            // A few events ahead, not all at once: a burst of misses fills the core's miss buffers, and then
            // the hint itself waits.
            for i in 0..<min(n, Self.prefetchDistance) {
                keys._withUnsafeGuaranteedRef { $0.prefetch(storeKey(chunkHashes[i])) }
            }
            for i in 0..<n {
                if i + Self.prefetchDistance < n {
                    keys._withUnsafeGuaranteedRef { $0.prefetch(storeKey(chunkHashes[i + Self.prefetchDistance])) }
                }
                try event(chunk.event(chunk.events[i], in: raw), textHash: chunkHashes[i])
            }
        }
    }
}

extension EventChunk {
    /// An entry's message, in the chunk's bytes (`raw`).
    @inline(__always) func message(_ e: Entry, in raw: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: raw[e.start..<(e.start + e.count)])
    }

    @inline(__always) func event(_ e: Entry, in raw: UnsafeRawBufferPointer) -> EnvelopeEvent {
        EnvelopeEvent(
            timestampMs: e.timestampMs, message: message(e, in: raw), logGroup: e.logGroup, logStream: e.logStream,
            position: e.position, identity: e.identity)
    }
}

/// The run's exchange of chunks between the threads reading files and those with none left.
final class EventExchange: @unchecked Sendable {
    /// Events per chunk: ~1 ms of work at 256, so the lock and wake-up per chunk (~10 µs) stay small
    /// beside it (tests make it 1 or a few).
    let chunkEvents: Int
    static let chunkBytes = 512 << 10

    private let condition = NSCondition()
    private var pending: [EventChunk] = []
    private var spare: [EventChunk] = []
    private var readers: Int
    private var helpers = 0
    /// Per reading thread: chunks handed out and not yet processed, the shares of its source they read,
    /// and the first error one of them met.
    private var inFlight: [Int: Int] = [:]
    private var shares: [Int: SourceUpdate] = [:]
    private var errors: [Int: Error] = [:]

    /// Tests: every event is handed out, and the first reader waits (up to 15 s) for a helper to exist (2 s was
    /// passed once on a loaded machine: the file was read before the helper started, and none was helped).
    let handOutAll: Bool
    private var waitedForHelper = false
    /// Events processed by a thread other than the one that read them.
    private(set) var eventsHelped = 0

    init(threads: Int, chunkEvents: Int, handOutAll: Bool = false) {
        readers = threads
        self.chunkEvents = chunkEvents
        self.handOutAll = handOutAll
    }

    /// Whether a reading thread should hand out its next events: some thread waits for work, or will
    /// soon (two chunks queued per helper keep helpers busy while the reader fills the next one).
    func wantsChunk() -> Bool {
        condition.lock()
        defer { condition.unlock() }
        if handOutAll {
            if helpers == 0 && !waitedForHelper {
                waitedForHelper = true
                _ = condition.wait(until: Date(timeIntervalSinceNow: 15))
            }
            return true
        }
        return helpers > 0 && pending.count < 2 * helpers
    }

    func newChunk(owner: Int, source: SourceUpdate, announced: RejectAnnouncements) -> EventChunk {
        condition.lock()
        let chunk = spare.popLast() ?? EventChunk()
        condition.unlock()
        chunk.owner = owner
        chunk.source = SourceUpdate(id: source.id, path: source.path)
        chunk.announced = announced
        chunk.error = nil
        return chunk
    }

    func submit(_ chunk: EventChunk) {
        condition.lock()
        pending.append(chunk)
        inFlight[chunk.owner, default: 0] += 1
        condition.signal()
        condition.unlock()
    }

    /// Records a processed chunk's share and error, and keeps the chunk for reuse.
    private func done(_ chunk: EventChunk) {
        shares[chunk.owner, default: SourceUpdate(id: chunk.source.id, path: "")].add(chunk.source)
        if let e = chunk.error, errors[chunk.owner] == nil { errors[chunk.owner] = e }
        inFlight[chunk.owner, default: 0] -= 1
        // A chunk that held a huge event (up to 64 MiB) gives that memory back.
        chunk.bytes.removeAll(keepingCapacity: chunk.bytes.capacity <= 2 * Self.chunkBytes)
        chunk.events.removeAll(keepingCapacity: true)
        chunk.announced = RejectAnnouncements()
        spare.append(chunk)
        condition.broadcast()
    }

    /// Waits until every chunk `owner` handed out is processed (taking back those no helper started);
    /// returns their share of the source and the first error one met.
    func drain(owner: Int, worker: IngestWorker) -> (SourceUpdate?, Error?) {
        condition.lock()
        let mine = pending.filter { $0.owner == owner }
        pending.removeAll { $0.owner == owner }
        condition.unlock()
        for chunk in mine {
            worker.process(chunk)
            condition.lock()
            done(chunk)
            condition.unlock()
        }
        condition.lock()
        defer { condition.unlock() }
        while inFlight[owner, default: 0] > 0 { condition.wait() }
        let result = (shares.removeValue(forKey: owner), errors.removeValue(forKey: owner))
        return result
    }

    /// A thread that has no file left: it processes other threads' chunks until every reader is done.
    /// `failed`: it stopped on an error and only leaves.
    func help(_ worker: IngestWorker, failed: Bool) {
        condition.lock()
        defer { condition.unlock() }
        readers -= 1
        guard !failed else {
            condition.broadcast()
            return
        }
        helpers += 1
        condition.broadcast()
        while true {
            while pending.isEmpty && readers > 0 { condition.wait() }
            guard !pending.isEmpty else { break }
            let chunk = pending.removeFirst()
            eventsHelped += chunk.events.count
            condition.unlock()
            worker.process(chunk)
            condition.lock()
            done(chunk)
        }
        helpers -= 1
    }
}

/// The sink a reading thread's reader pushes into when other threads may help: events go to the
/// thread's own worker, or in chunks to the exchange when a helper waits.
final class ChunkingSink: EventSink {
    let worker: IngestWorker
    let exchange: EventExchange
    let owner: Int
    private var building: EventChunk?
    /// Events processed directly before asking the exchange again (one lock per 64 events).
    private var untilCheck = 0

    init(worker: IngestWorker, exchange: EventExchange, owner: Int) {
        self.worker = worker
        self.exchange = exchange
        self.owner = owner
    }

    func shape(_ shape: Shape) { worker.shape(shape) }

    /// Rejects stay with the reading thread (they are rare, and said on stderr in the order found).
    func reject(_ r: InputReject) throws {
        try processKept()
        try worker.reject(r)
    }

    /// The thread's own events, kept a few at a time so that their dedup slots are asked of the cache before
    /// they are looked up (`processEvents`); processed in the order read, before anything that follows them.
    private let kept = EventChunk(capacity: 64 << 10)
    static let keptEvents = 16

    @inline(__always) private func keep(_ e: EnvelopeEvent) throws {
        // The file's mapping is chosen by its first JSON message: until then events go one by one.
        if worker.isRecognizing { return try worker.event(e) }
        kept.append(e)
        if kept.events.count >= Self.keptEvents || kept.bytes.count >= 48 << 10 { try processKept() }
    }

    private func processKept() throws {
        guard !kept.events.isEmpty else { return }
        defer {
            kept.bytes.removeAll(keepingCapacity: kept.bytes.capacity <= 1 << 20)
            kept.events.removeAll(keepingCapacity: true)
        }
        try worker.processEvents(of: kept)
    }

    func event(_ e: EnvelopeEvent) throws {
        if building == nil {
            if untilCheck > 0 {
                untilCheck -= 1
                return try keep(e)
            }
            guard exchange.wantsChunk() else {
                untilCheck = 63
                return try keep(e)
            }
            try processKept()
            building = exchange.newChunk(owner: owner, source: worker.source, announced: worker.announced)
            building!.parser = worker.parserIndex
        }
        let chunk = building!
        // The file's mapping is chosen by its first JSON message, here, before any of it leaves this thread
        // (the plain-text events before it read alike with every mapping).
        if worker.isRecognizing {
            worker.recognizeBeforeHandingOut(e)
            chunk.parser = worker.parserIndex
        }
        chunk.append(e)
        if chunk.isFull(events: exchange.chunkEvents) {
            building = nil
            exchange.submit(chunk)
        }
    }

    /// Called when the reader stopped (at the end, on damage or on an interruption): the events handed
    /// out are processed and their share added to the source. Returns the first error a chunk met.
    func drain() -> Error? {
        var keptError: Error? = nil
        do { try processKept() } catch { keptError = error }
        if let chunk = building {
            building = nil
            exchange.submit(chunk)
        }
        let (share, error) = exchange.drain(owner: owner, worker: worker)
        if let share { worker.source.add(share) }
        return keptError ?? error
    }
}
