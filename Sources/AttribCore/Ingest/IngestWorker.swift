// One ingest worker: reads events from a reader (it is the reader's sink), dedups them, keeps the
// new ones (a line row each, raw text in zstd blocks) and gathers what they contribute to requests.
// It pushes each batch into the run's `BatchSink` as one unit (for the store, a transaction), so a kill
// loses at most the batches in flight; the merge rules are commutative, so any order, split or
// repetition of inputs gives the same requests. Several workers (one per core) share one
// `IngestShared`: the sink, the dictionary, the dedup set, the requests.

/// Thrown out of a reader when a stop was requested; the last batch is committed.
public struct IngestInterrupted: Error {}

/// Counts for the end-of-run summary.
public struct IngestCounts: Sendable {
    public var files = 0
    public var skippedFiles = 0
    public var unrecognizedFiles = 0
    /// Files recognised and read to their end without a reject, even with no events (a health check).
    public var cleanFiles = 0
    public var events = 0
    public var newEvents = 0
    public var duplicates = 0
    public var rejects = 0
    public var rejectsByReason: [String: Int] = [:]
    public var requestsTouched = 0
    /// Files read, by the name of the mapping that read them.
    public var filesByMapping: [String: Int] = [:]
}

public final class IngestWorker: EventSink {
    let shared: IngestShared
    /// `shared.keys`, reached without a reference count on every event (`shared` keeps it alive): a count
    /// both workers change is a cache line passed between the cores.
    let keys: Unmanaged<EventKeys>
    /// The mappings this run reads with, and a parser for each (the fallback's first).
    let mappings: MappingChoice
    private let parsers: [LineParser]
    /// The parser of the file being read.
    private(set) var parser: LineParser
    /// Per parser: the seed of its request keys. The router's is the one stores have always used; any
    /// other mapping's includes its name, so two gateways' request ids never join (ids joined per source).
    private let requestSeeds: [UInt64]
    private var requestSeed: UInt64 = 0x5EED
    /// The dictionary id of the current parser's mapping name (0 until first needed).
    private var sourceName: Int32 = 0
    /// True until the file's first JSON message chose its mapping.
    private var recognizing = false
    let line = ParsedLine()
    public private(set) var counts = IngestCounts()
    /// Events per transaction: large enough to amortise the commit, small enough that a kill loses little
    /// and a worker's batch stays small in memory.
    let batchSize: Int

    private var batchEvents = 0
    private var keysLoaded = false
    /// The text hashes of the chunk being processed (`processEvents`), reused.
    var chunkHashes: [UInt64] = []
    /// What this batch will write: its lines, blocks, rejects, sources, statistics and request
    /// contributions (merged into the run's at commit).
    private var batch = IngestBatch()
    private var orphanId: [UInt8] = []

    // Raw messages of new events, length-prefixed; each full block is compressed at once (by the worker,
    // outside the sink lock) and written with the batch.
    private var block: [UInt8] = []
    private var blockSlots = 0
    /// Where the block's lines start in `batch.lines`.
    private var blockFirstLine = 0
    // Level 1: blocks are written once and read rarely (show); level 3 cost 7% of ingest for ~10% size.
    private let compressor = BlockCompressor(level: 1)

    // The worker's view of the shared dictionary: lookups without a lock once a string was seen.
    private var localIds = ByteMap()

    // The source being read (or, while a chunk of another thread's source is processed, its share).
    var source = SourceUpdate(id: 0, path: "")
    /// How many of the source's rejects were said on stderr, shared by the threads that read its events.
    var announced = RejectAnnouncements()

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
    /// `mapping`: read every file with it; nil: recognise each file's mapping from its content.
    public convenience init(store: Store, mapping: FieldMapping? = nil, batchSize: Int = 25_000) throws {
        try self.init(store: store, mapping: mapping, batchSize: batchSize, requestCap: 250_000)
    }

    /// `requestCap`: requests held before they are spilled to a temporary file (RequestSpill.swift); `runKeysPerShard`: this run's event
    /// keys kept with their time and request; `requestHalvesFrom`: from how many requests a new store's are
    /// written by two threads (RequestHalves.swift). Tests make them small.
    convenience init(
        store: Store, mapping: FieldMapping? = nil, batchSize: Int = 25_000, requestCap: Int,
        runKeysPerShard: Int = 26_000, requestHalvesFrom: Int = StoreWriter.halvesFrom
    ) throws {
        try self.init(
            sink: StoreWriter(store: store, halvesFrom: requestHalvesFrom), mapping: mapping, batchSize: batchSize,
            requestCap: requestCap,
            runKeysPerShard: runKeysPerShard)
    }

    /// The first worker of a run into any sink: finishes what an interrupted run left in it.
    convenience init(
        sink: BatchSink, mapping: FieldMapping? = nil, batchSize: Int = 25_000, requestCap: Int = 250_000,
        runKeysPerShard: Int = 26_000
    ) throws {
        try self.init(
            shared: IngestShared(sink: sink, requestCap: requestCap, runKeysPerShard: runKeysPerShard),
            mappings: mapping.map(MappingChoice.forced) ?? .builtIn, batchSize: batchSize)
        try recover()
    }

    /// Another worker of the same run.
    init(shared: IngestShared, mappings: MappingChoice, batchSize: Int) {
        self.shared = shared
        keys = .passUnretained(shared.keys)
        self.mappings = mappings
        self.parsers = mappings.all.map { LineParser(mapping: $0) }
        self.parser = parsers[0]
        self.requestSeeds = mappings.all.map { m in
            m.name == FieldMapping.router.name
                ? 0x5EED : Array(m.name.utf8).withUnsafeBytes { hashBytes($0.baseAddress, $0.count, seed: 0x5EED) }
        }
        self.requestSeed = requestSeeds[0]
        self.batchSize = batchSize
    }

    /// A worker for another thread of the same run, with this one's settings.
    func sibling() -> IngestWorker {
        let w = IngestWorker(shared: shared, mappings: mappings, batchSize: batchSize)
        w.onReject = onReject
        w.shouldStop = shouldStop
        return w
    }

    // MARK: Sources

    public enum SourceDecision { case read, alreadyIngested }

    /// Starts a source. A source whose content fingerprint was already ingested completely is skipped:
    /// its events are all in the sink, so reading it again could change nothing.
    public func beginSource(path: String, fingerprint: String?, bytes: Int64?, compression: Compression) throws
        -> SourceDecision
    {
        let id: Int64? = try shared.sinkLock.locked {
            if let fingerprint, !shared.claimedFingerprints.insert(fingerprint).inserted { return nil }
            return try shared.sink.openSource(
                path: path, fingerprint: fingerprint, bytes: bytes, compression: compression)
        }
        guard let id else {
            counts.skippedFiles += 1
            return .alreadyIngested
        }
        source = SourceUpdate(id: id, path: path)
        announced = RejectAnnouncements()
        counts.files += 1
        use(parser: 0)
        recognizing = parsers.count > 1
        return .read
    }

    /// Ends the current source; `complete` marks it fully read (so a later run may skip it). Written
    /// with the batch that holds its last events.
    public func endSource(complete: Bool, fingerprint: String? = nil) throws {
        source.complete = complete
        source.fingerprint = fingerprint
        if complete && source.rejects == 0 { counts.cleanFiles += 1 }
        counts.filesByMapping[parser.mapping.source.name, default: 0] += 1
        batch.sources.append(source)
    }

    /// Forgets the current source (empty or not recognized): nothing of it is kept.
    public func discardSource() throws {
        try shared.sinkLock.locked { try shared.sink.discardSource(source.id) }
        counts.files -= 1
        counts.unrecognizedFiles += 1
    }

    /// Forgets the current source because it is not a log (a bill, read into its own sink): not counted.
    public func setAsideSource() throws {
        try shared.sinkLock.locked { try shared.sink.discardSource(source.id) }
        counts.files -= 1
    }

    /// Records a problem with a whole file (e.g. a truncated compressed stream) as a reject; the caller
    /// says it on stderr in its own words, so it is not announced through `onReject`.
    public func rejectSource(position: Position, reason: String) throws {
        try record(
            InputReject(position: position, reason: reason, raw: UnsafeRawBufferPointer(start: nil, count: 0)),
            announce: false)
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
        batch.rejects.append(
            StoredReject(source: source.id, position: r.position.description, reason: r.reason, raw: Array(r.raw)))
        let said = announce ? announced.next() : 0
        if announce, said <= Self.rejectsShownPerFile {
            onReject?("\(source.path): \(r.position): \(r.reason)")
        } else if announce, said == Self.rejectsShownPerFile + 1 {
            onReject?("\(source.path): more rejects; all are listed by `attrib sql \"SELECT * FROM reject\"`")
        }
        try endEvent()
    }

    /// Rejects named one line each on stderr, per file, before the rest are only counted.
    static let rejectsShownPerFile = 10

    public func event(_ e: EnvelopeEvent) throws { try event(e, textHash: nil) }

    /// `textHash`: the hash of the message's text (without line ends) when the caller made it already.
    func event(_ e: EnvelopeEvent, textHash precomputed: UInt64?) throws {
        let message = e.messageWithoutLineEnd
        if recognizing { recognize(message) }
        if !keysLoaded {
            try shared.loadKeys()
            keysLoaded = true
        }
        let stream = e.logStream.map { nameID($0, &lastStream) } ?? 0
        let group = e.logGroup.map { nameID($0, &lastGroup) } ?? 0
        // Event identity (SPEC §3): a JSON message with its own timestamp is identified by its text
        // alone (envelope times differ by a few ms between shapes); anything else by text and time. So a
        // text whose hash is a stored key is a copy of a stored event: it is not parsed again. A shape that
        // names its events (Cloud Logging's insertId) gives their identity instead; a table row (a mapping with
        // a record field) is identified by its record, known only after the parse.
        let textHash = e.identity ?? precomputed ?? hashBytes(message.baseAddress, message.count)
        let recordField = parser.mapping.recordField
        if recordField == nil, let known = keys._withUnsafeGuaranteedRef({ $0.find(storeKey(textHash)) }) {
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
                batch.requests.append(known.request, d, requestId: UnsafeBufferPointer(start: nil, count: 0))
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
        let eventKey =
            recordField.map { line.bytes($0) != nil } == true
            ? recordKey(message, line.bytes(recordField!)!)
            : line.ownTimestamp != nil || e.identity != nil
                ? storeKey(textHash)
                : storeKey(
                    hashBytes(
                        message.baseAddress, message.count,
                        seed: UInt64(bitPattern: ts ?? Int64.min) &* 0x9E37_79B9_7F4A_7C15))
        let requestKey = self.requestKey(eventKey: eventKey)
        let isNew = keys._withUnsafeGuaranteedRef { $0.insert(eventKey, time: ts, request: requestKey) }

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
            batch.lines.append(
                LineRow(
                    hash: eventKey, ts: ts, request: requestKey, statement: statement, flags: flags,
                    block: Int32(batch.blocks.count), slot: Int32(blockSlots), stream: stream, group: group))
            appendToBlock(message)
            if block.count >= Self.blockBytes { sealBlock() }
            if statement != 0 {
                var s = batch.statementStats[statement] ?? StatementCounts()
                s.lines += 1
                if flags & Int32(LineFlag.userSub) != 0 { s.withUserSub += 1 }
                if flags & Int32(LineFlag.userEmail) != 0 { s.withUserEmail += 1 }
                if flags & Int32(LineFlag.authSource) != 0 { s.withAuthSource += 1 }
                batch.statementStats[statement] = s
            }
        } else {
            counts.duplicates += 1
            source.duplicates += 1
            // A duplicate may come from a shape that names a log stream (group) the first copy lacked:
            // the request keeps the smallest over all copies of all its lines, whatever their order.
            if stream != 0 || group != 0 {
                contribute(
                    requestKey: requestKey, eventKey: eventKey, ts: ts, stream: stream, group: group, isNew: false)
            }
        }
        try endEvent()
    }

    /// Chooses the file's mapping from its first JSON message (the README's "Mapping files"): the first
    /// candidate that recognises it, else the fallback.
    private func recognize(_ message: UnsafeRawBufferPointer) {
        let (index, isJSON) = MappingRecognizer.recognize(message, mappings.candidates)
        guard isJSON else { return }
        recognizing = false
        use(parser: index.map { $0 + 1 } ?? 0)
    }

    /// Before an event of the file at hand goes to another thread: the file's mapping is chosen here, from
    /// its first JSON message, so every thread parses the file's events with it.
    /// Events before the first JSON message are plain text, which every mapping reads alike.
    var isRecognizing: Bool { recognizing }

    func recognizeBeforeHandingOut(_ e: EnvelopeEvent) {
        guard recognizing else { return }
        recognize(e.messageWithoutLineEnd)
    }

    /// The parser the file at hand is read with (an index into `parsers`), for the events handed out.
    var parserIndex: Int { parsers.firstIndex { $0 === parser } ?? 0 }

    /// While the events of another thread's file are processed: that file's parser, then this one's again.
    func withParser<T>(_ i: Int, _ body: () throws -> T) rethrows -> T {
        let (saved, savedRecognizing) = (parserIndex, recognizing)
        use(parser: i)
        recognizing = false
        defer {
            use(parser: saved)
            recognizing = savedRecognizing
        }
        return try body()
    }

    /// Reads with parser `i` from here on.
    func use(parser i: Int) {
        guard parser !== parsers[i] else { return }
        parser = parsers[i]
        requestSeed = requestSeeds[i]
        sourceName = 0
    }

    /// For recovery, where lines of several files come in one stream: the parser that recognises `message`.
    func useParser(recognizing message: UnsafeRawBufferPointer) {
        guard parsers.count > 1 else { return }
        let (index, _) = MappingRecognizer.recognize(message, mappings.candidates)
        use(parser: index.map { $0 + 1 } ?? 0)
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

    /// A table row's event key: its source, table and record id, so the same record exported twice (as CSV and as
    /// JSONEachRow, or in two overlapping exports) counts once whatever its text.
    private func recordKey(_ message: UnsafeRawBufferPointer, _ rid: UnsafeBufferPointer<UInt8>) -> Int64 {
        let table = parser.mapping.table(of: message)
        let seed = requestSeed ^ 0x7AB1_E5EC_0000_0000 &+ UInt64(table + 2) &* 0x9E37_79B9_7F4A_7C15
        return storeKey(hashBytes(UnsafeRawPointer(rid.baseAddress), rid.count, seed: seed))
    }

    /// The key of the parsed line's request (0: none).
    func requestKey(eventKey: Int64) -> Int64 {
        if let rid = line.bytes(.requestId) {
            return storeKey(hashBytes(UnsafeRawPointer(rid.baseAddress), rid.count, seed: requestSeed))
        }
        // A usage line without request_id is a request of its own (SPEC §3).
        return line.isUsage ? storeKey(UInt64(bitPattern: eventKey) ^ 0x0A5B_C0FF_EE00_0000) : 0
    }

    /// Adds what the parsed line contributes to its request.
    func contribute(requestKey: Int64, eventKey: Int64, ts: Int64?, stream: Int32, group: Int32, isNew: Bool) {
        guard requestKey != 0 else { return }
        let rid = line.bytes(.requestId)
        var d = RequestDelta()
        if isNew {
            fill(&d, ts: ts, isOrphan: rid == nil)
            // Request metadata (Bedrock's requestMetadata tags): a row each beside the request. (Checked by
            // the object's place first: a line without one, the router's, does not touch the array.)
            if line.metadataObject != nil {
                for m in line.metadata {
                    batch.requestTags.append(
                        RequestTag(
                            request: requestKey, key: intern(line.arena.slice(m.keyStart, m.keyCount)),
                            value: intern(line.arena.slice(m.valueStart, m.valueCount))))
                }
            }
        }
        d.logStream = stream
        d.logGroup = group
        if let rid {
            batch.requests.append(requestKey, d, requestId: rid)
        } else {
            orphanId.removeAll(keepingCapacity: true)
            orphanId.append(contentsOf: "orphan-\(String(UInt64(bitPattern: eventKey), radix: 16))".utf8)
            orphanId.withUnsafeBufferPointer { batch.requests.append(requestKey, d, requestId: $0) }
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
        if let s = line.bytes(.statement), parser.mapping.isMantleStatement(s) { d.flags |= RequestFlag.mantle }
        if line.isUsage {
            d.flags |= RequestFlag.usage
            let u = line.usage
            d.input = u.input
            d.output = u.output
            d.cacheRead = u.cacheRead
            d.cacheWrite = u.cacheWrite
            if line.bytes(.userSub) == nil && line.bytes(.userEmail) == nil {
                d.flags |= RequestFlag.usageWithoutIdentity
            }
        }
        if isOrphan { d.flags |= RequestFlag.orphan }
        if sourceName == 0 { sourceName = intern(Array(parser.mapping.source.name.utf8)) }
        d.source = sourceName
        if let v = line.bytes(.principal) { d.principal = intern(v) }
        if let v = line.bytes(.clientIp) { d.clientIp = intern(v) }
        if let v = line.bytes(.tokenId) { d.tokenId = intern(v) }
        d.loggedCost = line.loggedCost ?? .nan
        d.status = line.integer(.status).map(RequestDelta.clamped) ?? .min
        d.latencyMs = line.integer(.latencyMs).map(RequestDelta.clamped) ?? .min
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
        let lines = batch.lines[blockFirstLine...]
        var first: Int64?
        var last: Int64?
        for l in lines {
            if let ts = l.ts {
                first = min(first ?? ts, ts)
                last = max(last ?? ts, ts)
            }
        }
        batch.blocks.append(
            CompressedBlock(
                events: blockSlots, data: block.withUnsafeBytes { compressor.compress($0) },
                lines: BlockLines.encode(lines), firstMs: first, lastMs: last))
        block.removeAll(keepingCapacity: true)
        blockSlots = 0
        blockFirstLine = batch.lines.count
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

    /// Hands the batch (dictionary additions, blocks, lines, rejects, sources, statistics) to the sink as
    /// one unit, with its request contributions merged into the run's.
    public func commit() throws {
        sealBlock()
        defer { onProgress?(counts, bytesRead(), totalBytes) }
        guard !batch.isEmpty else {
            batchEvents = 0
            return
        }
        try shared.commit(&batch)
        batch.removeAll()
        blockFirstLine = 0
        batchEvents = 0
    }

    /// Commits what is pending, writes the run's requests and brings the rollup up to date; returns the
    /// run's counts (this worker's; `IngestRun` adds up its workers').
    public func finish() throws -> IngestCounts {
        try commit()
        try shared.finish()
        counts.requestsTouched = shared.sink.requestsWritten
        return counts
    }

    /// Abandons the batch in flight (after an error), leaving the sink as of the last commit.
    public func rollback() {
        batch.removeAll()
        block.removeAll()
        blockSlots = 0
        blockFirstLine = 0
    }
}
