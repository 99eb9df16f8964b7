// One ingest worker: reads events from a reader (it is the reader's sink), dedups them, keeps the
// new ones (a line row each, raw text in zstd blocks) and gathers what they contribute to requests.
// Every batch is one transaction, so a kill loses at most the batches in flight; the merge rules are
// commutative, so any order, split or repetition of inputs gives the same requests. Several workers
// (one per core) share one `IngestShared`: the store, the dictionary, the dedup set, the requests.

/// Thrown out of a reader when a stop was requested; the last batch is committed.
public struct IngestInterrupted: Error {}

/// Counts for the end-of-run summary.
public struct IngestCounts: Sendable {
    public var files = 0
    public var skippedFiles = 0
    public var unrecognizedFiles = 0
    public var events = 0
    public var newEvents = 0
    public var duplicates = 0
    public var rejects = 0
    public var rejectsByReason: [String: Int] = [:]
    public var requestsTouched = 0
}

public final class Ingestor: EventSink {
    let store: Store
    let shared: IngestShared
    private let parser: LineParser
    private let line = ParsedLine()
    public private(set) var counts = IngestCounts()
    /// Events per transaction: large enough to amortise the commit, small enough that a kill loses little
    /// and a worker's batch stays small in memory.
    let batchSize: Int

    private var batchEvents = 0
    private var keysLoaded = false
    /// This batch's contributions to requests, merged into the run's at commit.
    private var deltas = RequestBatch()
    private var orphanId: [UInt8] = []
    private var statementStats: [Int32: (Int64, Int64, Int64, Int64)] = [:]

    /// A new line as it will be stored; `block` indexes this batch's `blocks`.
    private struct LineRow {
        var hash: Int64
        var ts: Int64?
        var request: Int64
        var statement: Int32
        var flags: Int32
        var block: Int32
        var slot: Int32
        var stream: Int32
        var group: Int32
    }
    private var lines: [LineRow] = []
    // Raw messages of new events, length-prefixed; each full block is compressed at once (by the worker,
    // outside the store lock) and written with the batch.
    private var block: [UInt8] = []
    private var blockSlots = 0
    private var blocks: [(events: Int, data: [UInt8])] = []
    // Level 1: blocks are written once and read rarely (show); level 3 cost 7% of ingest for ~10% size.
    private let compressor = BlockCompressor(level: 1)
    private var rejects: [(source: Int64, position: String, reason: String, raw: [UInt8])] = []
    private var sourceUpdates: [SourceUpdate] = []

    // The worker's view of the shared dictionary: lookups without a lock once a string was seen.
    private var localIds = ByteMap()

    // The source being read.
    private struct SourceUpdate {
        var id: Int64
        var shape: Shape?
        var events = 0, new = 0, duplicates = 0, rejects = 0
        var first: Int64?
        var last: Int64?
        var path: String
        var complete = false
    }
    private var source = SourceUpdate(id: 0, path: "")

    /// Called with one line (file, position, reason) for each of the first rejects of a file.
    public var onReject: ((String) -> Void)?
    /// Called every few thousand events and after each batch, for a progress display, with the bytes
    /// read so far (of `totalBytes`, when the inputs' sizes are known).
    public var onProgress: ((IngestCounts, _ bytesRead: Int64, _ totalBytes: Int64?) -> Void)?
    /// Bytes of the inputs read so far (set by the run for the file being read).
    public var bytesRead: () -> Int64 = { 0 }
    public var totalBytes: Int64?
    /// Set (e.g. from a signal handler) to stop at the next batch boundary.
    public var shouldStop: () -> Bool = { false }
    public private(set) var stopped = false

    /// The first worker of a run: takes the store for the run and finishes any interrupted one.
    public convenience init(store: Store, mapping: FieldMapping = .router, batchSize: Int = 25_000) throws {
        try self.init(store: store, mapping: mapping, batchSize: batchSize, requestCap: 500_000)
    }

    /// `requestCap`: requests held before they are written mid-run; `runKeysPerShard`: this run's event
    /// keys kept with their time and request (tests make both small).
    convenience init(store: Store, mapping: FieldMapping = .router, batchSize: Int = 25_000, requestCap: Int,
                     runKeysPerShard: Int = 26_000) throws {
        try self.init(shared: IngestShared(store: store, requestCap: requestCap, runKeysPerShard: runKeysPerShard),
                      mapping: mapping, batchSize: batchSize)
        try recover()
    }

    /// Another worker of the same run.
    init(shared: IngestShared, mapping: FieldMapping = .router, batchSize: Int) {
        self.store = shared.store
        self.shared = shared
        self.parser = LineParser(mapping: mapping)
        self.batchSize = batchSize
    }

    /// A worker for another thread of the same run, with this one's settings.
    func sibling() -> Ingestor {
        let w = Ingestor(shared: shared, mapping: parser.mapping.source, batchSize: batchSize)
        w.onReject = onReject
        w.shouldStop = shouldStop
        return w
    }

    // MARK: Sources

    public enum SourceDecision { case read, alreadyIngested }

    /// Starts a source. A source whose content fingerprint was already ingested completely is skipped:
    /// its events are all in the store, so reading it again could change nothing.
    public func beginSource(path: String, fingerprint: String?, bytes: Int64?, compression: Compression) throws -> SourceDecision {
        let id: Int64? = try shared.storeLock.locked {
            var existing: Int64 = 0
            if let fingerprint {
                if !shared.claimedFingerprints.insert(fingerprint).inserted { return nil }
                let s = try store.db.prepare("SELECT id, complete FROM source WHERE fingerprint = ? ORDER BY complete DESC LIMIT 1")
                s.bind(1, fingerprint)
                if try s.step() {
                    if s.int(1) == 1 { return nil }
                    existing = s.int(0)
                }
            }
            if existing != 0 { return existing }
            let s = try store.db.prepare("INSERT INTO source(path, fingerprint, bytes, compression, ingested_at) VALUES (?,?,?,?,?)")
            s.bind(1, path)
            s.bind(2, fingerprint)
            s.bind(3, bytes)
            s.bind(4, compression.rawValue)
            s.bind(5, Int64(nowMillis()))
            try s.run()
            return store.db.lastInsertRowID
        }
        guard let id else {
            counts.skippedFiles += 1
            return .alreadyIngested
        }
        source = SourceUpdate(id: id, path: path)
        counts.files += 1
        return .read
    }

    /// Ends the current source; `complete` marks it fully read (so a later run may skip it). Written
    /// with the batch that holds its last events.
    public func endSource(complete: Bool) throws {
        source.complete = complete
        sourceUpdates.append(source)
    }

    /// Forgets the current source (empty or not recognized): nothing of it is kept.
    public func discardSource() throws {
        try shared.storeLock.locked {
            let s = try store.db.prepare("DELETE FROM source WHERE id = ? AND new_events = 0 AND events = 0")
            s.bind(1, source.id)
            try s.run()
        }
        counts.files -= 1
        counts.unrecognizedFiles += 1
    }

    /// Records a problem with a whole file (e.g. a truncated compressed stream) as a reject; the caller
    /// says it on stderr in its own words, so it is not announced through `onReject`.
    public func rejectSource(position: Position, reason: String) throws {
        try record(InputReject(position: position, reason: reason, raw: UnsafeRawBufferPointer(start: nil, count: 0)), announce: false)
    }

    // MARK: EventSink

    public func shape(_ shape: Shape) {
        if source.shape == nil { source.shape = shape }
    }

    public func reject(_ r: InputReject) throws {
        try record(r, announce: true)
    }

    private func record(_ r: InputReject, announce: Bool) throws {
        counts.rejects += 1
        counts.rejectsByReason[r.reason, default: 0] += 1
        source.rejects += 1
        rejects.append((source.id, r.position.description, r.reason, Array(r.raw)))
        if announce, source.rejects <= Self.rejectsShownPerFile {
            onReject?("\(source.path): \(r.position): \(r.reason)")
        } else if announce, source.rejects == Self.rejectsShownPerFile + 1 {
            onReject?("\(source.path): more rejects; all are listed by `attrib sql \"SELECT * FROM reject\"`")
        }
        try endEvent()
    }

    /// Rejects named one line each on stderr, per file, before the rest are only counted.
    static let rejectsShownPerFile = 10

    public func event(_ e: EnvelopeEvent) throws {
        // The message text without the line end a container or export may leave on it.
        var n = e.message.count
        while n > 0, let c = e.message.baseAddress?.load(fromByteOffset: n - 1, as: UInt8.self), c == 0x0A || c == 0x0D {
            n -= 1
        }
        let message = UnsafeRawBufferPointer(start: e.message.baseAddress, count: n)
        if !keysLoaded {
            try shared.loadKeys()
            keysLoaded = true
        }
        let stream = e.logStream.map { nameID($0, &lastStream) } ?? 0
        let group = e.logGroup.map { nameID($0, &lastGroup) } ?? 0
        // Event identity (SPEC §3): a JSON message with its own timestamp is identified by its text
        // alone (envelope times differ by a few ms between shapes); anything else by text and time. So a
        // text whose hash is a stored key is a copy of a stored event: it is not parsed again.
        let textHash = hashBytes(message.baseAddress, message.count)
        if let known = shared.findKey(storeKey(textHash)) {
            counts.events += 1
            source.events += 1
            counts.duplicates += 1
            source.duplicates += 1
            noteTime(known.time)
            if known.request != 0 && (stream != 0 || group != 0) {
                // It may name a smaller log stream (group) than the other copies: the request keeps the
                // smallest over all copies of all its lines, whatever their order.
                var d = RequestDelta()
                d.logStream = stream
                d.logGroup = group
                deltas.append(known.request, d, requestId: UnsafeBufferPointer(start: nil, count: 0))
            }
            return try endEvent()
        }
        parser.parse(message, into: line)
        if let invalid = line.invalid {
            return try reject(InputReject(position: e.position, reason: invalid, raw: message))
        }
        counts.events += 1
        source.events += 1
        let ts = line.ownTimestamp ?? e.timestampMs
        let eventKey = line.ownTimestamp != nil
            ? storeKey(textHash)
            : storeKey(hashBytes(message.baseAddress, message.count, seed: UInt64(bitPattern: ts ?? Int64.min) &* 0x9E37_79B9_7F4A_7C15))
        let requestKey = self.requestKey(eventKey: eventKey)
        let isNew = shared.insertKey(eventKey, time: ts, request: requestKey)

        noteTime(ts)
        if isNew {
            counts.newEvents += 1
            source.new += 1
            var flags: Int32 = 0
            if line.bytes(.userSub) != nil { flags |= Int32(LineFlag.userSub) }
            if line.bytes(.userEmail) != nil { flags |= Int32(LineFlag.userEmail) }
            if line.bytes(.authSource) != nil { flags |= Int32(LineFlag.authSource) }
            if line.isUsage { flags |= Int32(LineFlag.usage) }
            if line.isJSON { flags |= Int32(LineFlag.json) }
            let statement = line.bytes(.statement).map { intern($0) } ?? 0
            contribute(requestKey: requestKey, eventKey: eventKey, ts: ts, stream: stream, group: group, isNew: true)
            lines.append(LineRow(hash: eventKey, ts: ts, request: requestKey, statement: statement, flags: flags,
                                 block: Int32(blocks.count), slot: Int32(blockSlots), stream: stream, group: group))
            appendToBlock(message)
            if block.count >= Self.blockBytes { sealBlock() }
            if statement != 0 {
                var s = statementStats[statement] ?? (0, 0, 0, 0)
                s.0 += 1
                if flags & Int32(LineFlag.userSub) != 0 { s.1 += 1 }
                if flags & Int32(LineFlag.userEmail) != 0 { s.2 += 1 }
                if flags & Int32(LineFlag.authSource) != 0 { s.3 += 1 }
                statementStats[statement] = s
            }
        } else {
            counts.duplicates += 1
            source.duplicates += 1
            // A duplicate may come from a shape that names a log stream (group) the first copy lacked:
            // the request keeps the smallest over all copies of all its lines, whatever their order.
            if stream != 0 || group != 0 {
                contribute(requestKey: requestKey, eventKey: eventKey, ts: ts, stream: stream, group: group, isNew: false)
            }
        }
        try endEvent()
    }

    /// Widens the current file's time range to `ts`.
    private func noteTime(_ ts: Int64?) {
        guard let ts else { return }
        source.first = min(source.first ?? ts, ts)
        source.last = max(source.last ?? ts, ts)
    }

    /// Counts an event (or reject) into the batch: progress now and then, a commit when the batch is full.
    private func endEvent() throws {
        batchEvents += 1
        if batchEvents & 8191 == 0, let onProgress { onProgress(counts, bytesRead(), totalBytes) }
        try maybeCommit()
    }

    /// The key of the parsed line's request (0: none).
    private func requestKey(eventKey: Int64) -> Int64 {
        if let rid = line.bytes(.requestId) {
            return storeKey(hashBytes(UnsafeRawPointer(rid.baseAddress), rid.count, seed: 0x5EED))
        }
        // A usage line without request_id is a request of its own (SPEC §3).
        return line.isUsage ? storeKey(UInt64(bitPattern: eventKey) ^ 0x0A5B_C0FF_EE00_0000) : 0
    }

    /// Adds what the parsed line contributes to its request.
    private func contribute(requestKey: Int64, eventKey: Int64, ts: Int64?, stream: Int32, group: Int32, isNew: Bool) {
        guard requestKey != 0 else { return }
        let rid = line.bytes(.requestId)
        var d = RequestDelta()
        if isNew { fill(&d, ts: ts, isOrphan: rid == nil) }
        d.logStream = stream
        d.logGroup = group
        if let rid {
            deltas.append(requestKey, d, requestId: rid)
        } else {
            orphanId.removeAll(keepingCapacity: true)
            orphanId.append(contentsOf: "orphan-\(String(UInt64(bitPattern: eventKey), radix: 16))".utf8)
            orphanId.withUnsafeBufferPointer { deltas.append(requestKey, d, requestId: $0) }
        }
    }

    // Readers hand out the same stream String for runs of events; remembering the last one saves a
    // dictionary lookup and an allocation per event.
    private var lastStream: (String, Int32)?
    private var lastGroup: (String, Int32)?

    private func nameID(_ name: String, _ last: inout (String, Int32)?) -> Int32 {
        if let last, last.0 == name { return last.1 }
        let id = intern(Array(name.utf8))
        last = (name, id)
        return id
    }

    private func intern(_ bytes: UnsafeBufferPointer<UInt8>) -> Int32 {
        let h = ByteMap.hash(bytes)
        let found = localIds.find(bytes, hash: h)
        if found != 0 { return found }
        let copy = Array(bytes)
        let id = shared.dictionary.intern(copy)
        localIds.insert(copy, hash: h, id: id)
        return id
    }

    private func intern(_ bytes: [UInt8]) -> Int32 {
        bytes.withUnsafeBufferPointer { intern($0) }
    }

    /// Fills a request delta from the parsed line.
    private func fill(_ d: inout RequestDelta, ts: Int64?, isOrphan: Bool) {
        d.startMs = ts ?? .max
        d.lines = 1
        for f in IdentityField.allCases {
            if let v = line.bytes(f.canonical) { d[identity: f.rawValue] = intern(v) }
        }
        if let m = line.bytes(.modelId) {
            d.model = intern(m)
            d.flags |= RequestFlag.model
        }
        if let s = line.bytes(.statement), isMantleStatement(s) { d.flags |= RequestFlag.mantle }
        if line.isUsage {
            d.flags |= RequestFlag.usage
            let u = line.usage
            d.input = u.input
            d.output = u.output
            d.cacheRead = u.cacheRead
            d.cacheWrite = u.cacheWrite
            if line.bytes(.userSub) == nil && line.bytes(.userEmail) == nil { d.flags |= RequestFlag.usageWithoutIdentity }
        }
        if isOrphan { d.flags |= RequestFlag.orphan }
        d.loggedCost = line.loggedCost ?? .nan
        d.status = line.integer(.status) ?? .min
        d.latencyMs = line.integer(.latencyMs) ?? .min
        if let v = line.bytes(.method) { d.method = intern(v) }
        if let v = line.bytes(.path) { d.path = intern(v) }
        if let v = line.bytes(.userAgent) { d.userAgent = intern(v) }
    }

    private func appendToBlock(_ message: UnsafeRawBufferPointer) {
        var n = message.count
        while n >= 0x80 {
            block.append(UInt8(n & 0x7F) | 0x80)
            n >>= 7
        }
        block.append(UInt8(n))
        block.append(contentsOf: message)
        blockSlots += 1
    }

    /// Raw blocks hold about 1 MiB of messages: memory stays small whatever the batch size, and `show`
    /// decompresses little to find one request's lines.
    static let blockBytes = 1 << 20

    private func sealBlock() {
        guard blockSlots > 0 else { return }
        blocks.append((blockSlots, block.withUnsafeBytes { compressor.compress($0) }))
        block.removeAll(keepingCapacity: true)
        blockSlots = 0
    }

    // MARK: Batches

    private func maybeCommit() throws {
        if batchEvents >= batchSize {
            try commit()
            if shouldStop() {
                stopped = true
                throw IngestInterrupted()
            }
        }
    }

    /// Writes the batch (dictionary additions, blocks, lines, rejects, sources, statistics) in one
    /// transaction and hands its request contributions to the run.
    public func commit() throws {
        sealBlock()
        defer { onProgress?(counts, bytesRead(), totalBytes) }
        guard !lines.isEmpty || !rejects.isEmpty || !sourceUpdates.isEmpty || !deltas.isEmpty else {
            batchEvents = 0
            return
        }
        try shared.storeLock.locked {
            try store.transaction {
                let db = store.db
                try shared.dictionary.writePending(db)
                let firstBlock = shared.takeBlockIds(blocks.count)
                let insertBlock = try db.prepare("INSERT INTO block(id, events, data) VALUES (?,?,?)")
                for (i, b) in blocks.enumerated() {
                    insertBlock.bind(1, firstBlock + Int64(i))
                    insertBlock.bind(2, Int64(b.events))
                    b.data.withUnsafeBytes { insertBlock.bind(3, bytes: $0) }
                    try insertBlock.run()
                }
                func id(_ v: Int32) -> Int64? { v == 0 ? nil : Int64(v) }
                let lineRows = try RowInserter(db, table: "line", columns: ["hash", "ts", "request", "statement", "flags", "block", "slot", "stream", "log_group"]) { s, c, row in
                    let l = self.lines[row]
                    s.bind(c, l.hash)
                    s.bind(c + 1, l.ts)
                    s.bind(c + 2, l.request == 0 ? nil : l.request)
                    s.bind(c + 3, id(l.statement))
                    s.bind(c + 4, Int64(l.flags))
                    s.bind(c + 5, firstBlock + Int64(l.block))
                    s.bind(c + 6, Int64(l.slot))
                    s.bind(c + 7, id(l.stream))
                    s.bind(c + 8, id(l.group))
                }
                for row in lines.indices { try lineRows.add(row) }
                try lineRows.finish()
                if !rejects.isEmpty {
                    let s = try db.prepare("INSERT OR IGNORE INTO reject(source, position, reason, raw) VALUES (?,?,?,?)")
                    for r in rejects {
                        s.bind(1, r.source)
                        s.bind(2, r.position)
                        s.bind(3, r.reason)
                        r.raw.withUnsafeBytes { s.bind(4, bytes: $0) }
                        try s.run()
                    }
                }
                try writeSourceUpdates(db)
                try writeStatementStats(db)
                try shared.mergeRequests(deltas)
            }
        }
        lines.removeAll(keepingCapacity: true)
        blocks.removeAll()
        rejects.removeAll()
        sourceUpdates.removeAll()
        statementStats.removeAll(keepingCapacity: true)
        deltas.removeAll()
        batchEvents = 0
    }

    private func writeSourceUpdates(_ db: Connection) throws {
        guard !sourceUpdates.isEmpty else { return }
        let s = try db.prepare("""
            UPDATE source SET shape = coalesce(?, shape), events = ?, new_events = new_events + ?, duplicates = ?,
                rejects = ?, first_ms = min(coalesce(first_ms, ?), ?), last_ms = max(coalesce(last_ms, ?), ?), path = ?
            WHERE id = ?
            """)
        for u in sourceUpdates {
            s.bind(1, u.shape?.rawValue)
            s.bind(2, Int64(u.events))
            s.bind(3, Int64(u.new))
            s.bind(4, Int64(u.duplicates))
            s.bind(5, Int64(u.rejects))
            s.bind(6, u.first)
            s.bind(7, u.first)
            s.bind(8, u.last)
            s.bind(9, u.last)
            s.bind(10, u.path)
            s.bind(11, u.id)
            try s.run()
            if u.complete { shared.sourceCompleted(u.id) }
        }
    }

    private func writeStatementStats(_ db: Connection) throws {
        guard !statementStats.isEmpty else { return }
        let s = try db.prepare("""
            INSERT INTO statement_stats(statement, lines, with_user_sub, with_user_email, with_auth_source)
            VALUES (?,?,?,?,?)
            ON CONFLICT(statement) DO UPDATE SET lines = lines + excluded.lines,
                with_user_sub = with_user_sub + excluded.with_user_sub,
                with_user_email = with_user_email + excluded.with_user_email,
                with_auth_source = with_auth_source + excluded.with_auth_source
            """)
        for (statement, v) in statementStats {
            s.bind(1, Int64(statement))
            s.bind(2, v.0)
            s.bind(3, v.1)
            s.bind(4, v.2)
            s.bind(5, v.3)
            try s.run()
        }
    }

    /// Commits what is pending, writes the run's requests and brings the rollup up to date; returns the
    /// run's counts (this worker's; `IngestRun` adds up its workers').
    public func finish() throws -> IngestCounts {
        try commit()
        try shared.finish()
        counts.requestsTouched = shared.touched
        return counts
    }

    /// Abandons the batch in flight (after an error), leaving the store as of the last commit.
    public func rollback() {
        deltas.removeAll()
        statementStats.removeAll()
        lines.removeAll()
        rejects.removeAll()
        sourceUpdates.removeAll()
        blocks.removeAll()
        block.removeAll()
        blockSlots = 0
    }

    // MARK: Recovery

    /// After a kill: lines committed since the requests were last written have their contributions
    /// re-derived from the raw blocks (the same parse as at ingest), so the store is whole again.
    private func recover() throws {
        let db = store.db
        let merged = try db.scalar("SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'lines_merged'") ?? 0
        let last = try db.scalar("SELECT max(id) FROM line") ?? 0
        guard last > merged else { return }
        let s = try db.prepare("SELECT hash, ts, stream, log_group, block, slot FROM line WHERE id > ? ORDER BY id")
        s.bind(1, merged)
        let b = try db.prepare("SELECT data FROM block WHERE id = ?")
        var blockId: Int64 = -1
        var messages: [[UInt8]] = []
        while try s.step() {
            if s.int(4) != blockId {
                blockId = s.int(4)
                b.bind(1, blockId)
                messages = try b.step() ? BlockCodec.decompress(b.blob(0)).map(BlockCodec.messages) ?? [] : []
                b.reset()
            }
            let slot = Int(s.int(5))
            guard slot < messages.count else { continue }
            messages[slot].withUnsafeBytes { parser.parse($0, into: line) }
            // Stored dictionary ids are the run's own (the shared dictionary starts from the store's).
            let stream = Int32(truncatingIfNeeded: s.optionalInt(2) ?? 0)
            let group = Int32(truncatingIfNeeded: s.optionalInt(3) ?? 0)
            contribute(requestKey: requestKey(eventKey: s.int(0)), eventKey: s.int(0), ts: s.optionalInt(1), stream: stream, group: group, isNew: true)
        }
        try commit()
        try shared.storeLock.locked { try store.transaction { try shared.flushRequests(final: true) } }
    }
}

func nowMillis() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
