// Consumes envelope events: dedups them, keeps them (zstd blocks), assembles requests by request_id.
// Every batch is one transaction, so a kill loses at most the batch in flight; the merge rules are
// commutative, so any order, split or repetition of inputs gives the same requests.

/// What changed in one request during a batch, or the whole stored request: the same type, because
/// merging a batch into the store is the same operation as merging two batches.
struct RequestDelta {
    var requestId: [UInt8]
    var startMs: Int64?
    /// Dictionary ids of the identity fields, in `IdentityField` order; the chosen value is the
    /// byte-wise smallest non-empty one, so the choice does not depend on order.
    var identity: [Int64?] = Array(repeating: nil, count: IdentityField.allCases.count)
    var model: Int64?
    var status: Int64?
    var latencyMs: Int64?
    var method: Int64?
    var path: Int64?
    var userAgent: Int64?
    var logGroup: Int64?
    var logStream: Int64?
    var input: Int64 = 0
    var output: Int64 = 0
    var cacheRead: Int64 = 0
    var cacheWrite: Int64 = 0
    var loggedCost: Double?
    var lines: Int64 = 0
    var flags: Int64 = 0

    init(requestId: [UInt8]) { self.requestId = requestId }

    mutating func merge(_ o: RequestDelta, store: Store) {
        func smaller(_ a: Int64?, _ b: Int64?) -> Int64? {
            guard let a else { return b }
            guard let b else { return a }
            return store.lessByValue(b, a) ? b : a
        }
        if let s = o.startMs { startMs = min(startMs ?? s, s) }
        for k in 0..<identity.count {
            if let a = identity[k], let b = o.identity[k], a != b { flags |= RequestFlag.conflict(k) }
            identity[k] = smaller(identity[k], o.identity[k])
        }
        model = smaller(model, o.model)
        if let s = o.status { status = max(status ?? s, s) }
        if let l = o.latencyMs { latencyMs = max(latencyMs ?? l, l) }
        method = smaller(method, o.method)
        path = smaller(path, o.path)
        userAgent = smaller(userAgent, o.userAgent)
        logGroup = smaller(logGroup, o.logGroup)
        logStream = smaller(logStream, o.logStream)
        input &+= o.input
        output &+= o.output
        cacheRead &+= o.cacheRead
        cacheWrite &+= o.cacheWrite
        if let c = o.loggedCost { loggedCost = (loggedCost ?? 0) + c }
        lines += o.lines
        flags |= o.flags
    }
}

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
    private let parser: LineParser
    private let line = ParsedLine()
    public private(set) var counts = IngestCounts()
    /// Events per transaction: large enough to amortise the commit and to merge a request's lines from
    /// several files into one write (400k-request benchmark: 50k → 34 s, 100k → 28.7 s, 200k → 25.4 s;
    /// peak RSS 146 → 161 → 193 MB), small enough that a kill loses little.
    let batchSize: Int

    private var insertLine: Statement
    private var insertBlock: Statement
    private var insertReject: Statement
    private var selectRequest: Statement
    private var upsertRequest: Statement
    private var updateRequest: Statement
    private var lowerStream: Statement
    private var lowerGroup: Statement
    private var inTransaction = false
    private var batchEvents = 0
    private var deltas: [Int64: RequestDelta] = [:]
    private var touched = Set<Int64>()
    private var statementStats: [Int64: (Int64, Int64, Int64, Int64)] = [:]

    // Raw messages of new events, length-prefixed, compressed into one block at each flush.
    private var block: [UInt8] = []
    private var blockSlots = 0
    private var nextBlockId: Int64

    // The source being read.
    private var sourceId: Int64 = 0
    private var sourcePath = ""
    private var sourceShape: Shape?
    private var sourceCounts = (events: 0, new: 0, duplicates: 0, rejects: 0)
    private var sourceFirst: Int64?
    private var sourceLast: Int64?

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

    public init(store: Store, mapping: FieldMapping = .router, batchSize: Int = 100_000) throws {
        self.store = store
        self.parser = LineParser(mapping: mapping)
        self.batchSize = batchSize
        let db = store.db
        insertLine = try db.prepare("INSERT OR IGNORE INTO line(hash, ts, request, statement, flags, block, slot, stream, log_group) VALUES (?,?,?,?,?,?,?,?,?)")
        // A duplicate lowers its line's stream (group) only when it names a byte-wise smaller one.
        lowerStream = try db.prepare("""
            UPDATE line SET stream = ?1 WHERE hash = ?2
              AND (stream IS NULL OR (SELECT value FROM dict WHERE id = stream) > (SELECT value FROM dict WHERE id = ?1))
            """)
        lowerGroup = try db.prepare("""
            UPDATE line SET log_group = ?1 WHERE hash = ?2
              AND (log_group IS NULL OR (SELECT value FROM dict WHERE id = log_group) > (SELECT value FROM dict WHERE id = ?1))
            """)
        updateRequest = try db.prepare("""
            UPDATE request SET request_id = ?2, start_ms = ?3, user_email = ?4, user_sub = ?5, auth_source = ?6, user_id = ?7,
                api_key_id = ?8, project = ?9, model = ?10, status = ?11, latency_ms = ?12, method = ?13, path = ?14,
                user_agent = ?15, log_group = ?16, log_stream = ?17, input_tokens = ?18, output_tokens = ?19,
                cache_read_tokens = ?20, cache_write_tokens = ?21, logged_cost = ?22, lines = ?23, flags = ?24
            WHERE id = ?1
            """)
        insertBlock = try db.prepare("INSERT INTO block(id, events, data) VALUES (?,?,?)")
        insertReject = try db.prepare("INSERT OR IGNORE INTO reject(source, position, reason, raw) VALUES (?,?,?,?)")
        selectRequest = try db.prepare("""
            SELECT request_id, start_ms, user_email, user_sub, auth_source, user_id, api_key_id, project, model,
                   status, latency_ms, method, path, user_agent, log_group, log_stream,
                   input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, logged_cost, lines, flags
            FROM request WHERE id = ?
            """)
        upsertRequest = try db.prepare("""
            INSERT OR REPLACE INTO request(id, request_id, start_ms, user_email, user_sub, auth_source, user_id,
                api_key_id, project, model, status, latency_ms, method, path, user_agent, log_group, log_stream,
                input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, logged_cost, lines, flags)
            VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
            """)
        nextBlockId = (try db.scalar("SELECT max(id) FROM block") ?? 0) + 1
    }

    // MARK: Sources

    public enum SourceDecision { case read, alreadyIngested }

    /// Starts a source. A source whose content fingerprint was already ingested completely is skipped:
    /// its events are all in the store, so reading it again could change nothing.
    public func beginSource(path: String, fingerprint: String?, bytes: Int64?, compression: Compression) throws -> SourceDecision {
        if let fingerprint {
            let s = try store.db.prepare("SELECT id, complete FROM source WHERE fingerprint = ? ORDER BY complete DESC LIMIT 1")
            s.bind(1, fingerprint)
            if try s.step() {
                if s.int(1) == 1 {
                    counts.skippedFiles += 1
                    return .alreadyIngested
                }
                sourceId = s.int(0)
            } else {
                sourceId = 0
            }
        } else {
            sourceId = 0
        }
        try ensureTransaction()
        if sourceId == 0 {
            let s = try store.db.prepare("INSERT INTO source(path, fingerprint, bytes, compression, ingested_at) VALUES (?,?,?,?,?)")
            s.bind(1, path)
            s.bind(2, fingerprint)
            s.bind(3, bytes)
            s.bind(4, compression.rawValue)
            s.bind(5, Int64(nowMillis()))
            try s.run()
            sourceId = store.db.lastInsertRowID
        }
        sourcePath = path
        sourceShape = nil
        sourceCounts = (0, 0, 0, 0)
        sourceFirst = nil
        sourceLast = nil
        counts.files += 1
        return .read
    }

    /// Ends the current source; `complete` marks it fully read (so a later run may skip it).
    public func endSource(complete: Bool) throws {
        try ensureTransaction()
        let s = try store.db.prepare("""
            UPDATE source SET shape = coalesce(?, shape), events = ?, new_events = new_events + ?, duplicates = ?,
                rejects = ?, complete = ?, first_ms = min(coalesce(first_ms, ?), ?), last_ms = max(coalesce(last_ms, ?), ?),
                path = ?
            WHERE id = ?
            """)
        s.bind(1, sourceShape?.rawValue)
        s.bind(2, Int64(sourceCounts.events))
        s.bind(3, Int64(sourceCounts.new))
        s.bind(4, Int64(sourceCounts.duplicates))
        s.bind(5, Int64(sourceCounts.rejects))
        s.bind(6, Int64(complete ? 1 : 0))
        s.bind(7, sourceFirst)
        s.bind(8, sourceFirst)
        s.bind(9, sourceLast)
        s.bind(10, sourceLast)
        s.bind(11, sourcePath)
        s.bind(12, sourceId)
        try s.run()
        // No commit here: the source's row is written in the same transaction as its last events, and
        // small files share batches, so a request spread over many files is written once per batch.
    }

    /// Forgets the current source (empty or not recognized): nothing of it is kept.
    public func discardSource() throws {
        try ensureTransaction()
        let s = try store.db.prepare("DELETE FROM source WHERE id = ? AND new_events = 0 AND events = 0")
        s.bind(1, sourceId)
        try s.run()
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
        if sourceShape == nil { sourceShape = shape }
    }

    public func reject(_ r: InputReject) throws {
        try record(r, announce: true)
    }

    private func record(_ r: InputReject, announce: Bool) throws {
        try ensureTransaction()
        counts.rejects += 1
        counts.rejectsByReason[r.reason, default: 0] += 1
        sourceCounts.rejects += 1
        insertReject.bind(1, sourceId)
        insertReject.bind(2, r.position.description)
        insertReject.bind(3, r.reason)
        insertReject.bind(4, bytes: r.raw)
        try insertReject.run()
        if announce, sourceCounts.rejects <= Self.rejectsShownPerFile {
            onReject?("\(sourcePath): \(r.position): \(r.reason)")
        } else if announce, sourceCounts.rejects == Self.rejectsShownPerFile + 1 {
            onReject?("\(sourcePath): more rejects; all are listed by `attrib sql \"SELECT * FROM reject\"`")
        }
        try maybeFlush()
    }

    /// Rejects named one line each on stderr, per file, before the rest are only counted.
    static let rejectsShownPerFile = 10

    public func event(_ e: EnvelopeEvent) throws {
        try ensureTransaction()
        // The message text without the line end a container or export may leave on it.
        var n = e.message.count
        while n > 0, let c = e.message.baseAddress?.load(fromByteOffset: n - 1, as: UInt8.self), c == 0x0A || c == 0x0D {
            n -= 1
        }
        let message = UnsafeRawBufferPointer(start: e.message.baseAddress, count: n)
        parser.parse(message, into: line)
        if let invalid = line.invalid {
            return try reject(InputReject(position: e.position, reason: invalid, raw: message))
        }
        counts.events += 1
        sourceCounts.events += 1
        let ts = line.ownTimestamp ?? e.timestampMs
        // Event identity (SPEC §3): a JSON message with its own timestamp is identified by its text
        // alone (envelope times differ by a few ms between shapes); anything else by text and time.
        let hash: UInt64
        if line.ownTimestamp != nil {
            hash = hashBytes(message.baseAddress, message.count)
        } else {
            hash = hashBytes(message.baseAddress, message.count, seed: UInt64(bitPattern: ts ?? Int64.min) &* 0x9E37_79B9_7F4A_7C15)
        }
        let eventKey = storeKey(hash)

        var requestKey: Int64?
        var requestId: [UInt8]?
        if let rid = line.bytes(.requestId) {
            requestKey = storeKey(hashBytes(rid, seed: 0x5EED))
            // A copy of exact size: sharing the parser's reusable buffer would make its next reuse
            // allocate (copy-on-write) and leave a buffer of the parser's capacity in every delta.
            requestId = rid.withUnsafeBufferPointer { Array($0) }
        } else if line.isUsage {
            // A usage line without request_id is a request of its own (SPEC §3).
            requestKey = storeKey(hash ^ 0x0A5B_C0FF_EE00_0000)
            requestId = Array("orphan-\(String(UInt64(bitPattern: eventKey), radix: 16))".utf8)
        }

        var lineFlags: Int64 = 0
        if line.bytes(.userSub) != nil { lineFlags |= LineFlag.userSub }
        if line.bytes(.userEmail) != nil { lineFlags |= LineFlag.userEmail }
        if line.bytes(.authSource) != nil { lineFlags |= LineFlag.authSource }
        if line.isUsage { lineFlags |= LineFlag.usage }
        if line.isJSON { lineFlags |= LineFlag.json }
        let statement = try line.bytes(.statement).map { try store.intern($0) }

        let streamID = try e.logStream.map { try nameID($0, &lastStream) }
        let groupID = try e.logGroup.map { try nameID($0, &lastGroup) }
        insertLine.bind(1, eventKey)
        insertLine.bind(2, ts)
        insertLine.bind(3, requestKey)
        insertLine.bind(4, statement)
        insertLine.bind(5, lineFlags)
        insertLine.bind(6, nextBlockId)
        insertLine.bind(7, Int64(blockSlots))
        insertLine.bind(8, streamID)
        insertLine.bind(9, groupID)
        try insertLine.run()
        let isNew = store.db.changes == 1

        if let ts {
            sourceFirst = min(sourceFirst ?? ts, ts)
            sourceLast = max(sourceLast ?? ts, ts)
        }
        if isNew {
            counts.newEvents += 1
            sourceCounts.new += 1
            appendToBlock(message)
            if block.count >= Self.blockBytes { try flushBlock() }
            if let statement {
                var s = statementStats[statement] ?? (0, 0, 0, 0)
                s.0 += 1
                if lineFlags & LineFlag.userSub != 0 { s.1 += 1 }
                if lineFlags & LineFlag.userEmail != 0 { s.2 += 1 }
                if lineFlags & LineFlag.authSource != 0 { s.3 += 1 }
                statementStats[statement] = s
            }
        } else {
            counts.duplicates += 1
            sourceCounts.duplicates += 1
        }

        if let requestKey, let requestId {
            var d = RequestDelta(requestId: requestId)
            if isNew {
                try fill(&d, ts: ts, isOrphan: line.bytes(.requestId) == nil)
                d.logStream = streamID
                d.logGroup = groupID
            } else {
                // A duplicate may come from a shape that names a (smaller) log stream the stored copy
                // lacked; each line keeps the smallest over its copies and the request the smallest over
                // its lines, so the result does not depend on order. Most duplicates change nothing and
                // never touch their request.
                if let streamID {
                    lowerStream.bind(1, streamID)
                    lowerStream.bind(2, eventKey)
                    try lowerStream.run()
                    if store.db.changes == 1 { d.logStream = streamID }
                }
                if let groupID {
                    lowerGroup.bind(1, groupID)
                    lowerGroup.bind(2, eventKey)
                    try lowerGroup.run()
                    if store.db.changes == 1 { d.logGroup = groupID }
                }
            }
            if isNew || d.logStream != nil || d.logGroup != nil {
                if deltas[requestKey] == nil {
                    deltas[requestKey] = d
                } else {
                    deltas[requestKey]!.merge(d, store: store)
                }
            }
        }
        batchEvents += 1
        if batchEvents & 8191 == 0, let onProgress { onProgress(counts, bytesRead(), totalBytes) }
        try maybeFlush()
    }

    // Readers hand out the same stream String for runs of events; remembering the last one saves a
    // dictionary lookup and an allocation per event.
    private var lastStream: (String, Int64)?
    private var lastGroup: (String, Int64)?

    private func nameID(_ name: String, _ last: inout (String, Int64)?) throws -> Int64 {
        if let last, last.0 == name { return last.1 }
        let id = try store.intern(Array(name.utf8))
        last = (name, id)
        return id
    }

    /// Fills a request delta from the parsed line.
    private func fill(_ d: inout RequestDelta, ts: Int64?, isOrphan: Bool) throws {
        d.startMs = ts
        d.lines = 1
        for f in IdentityField.allCases {
            if let v = line.bytes(f.canonical) { d.identity[f.rawValue] = try store.intern(v) }
        }
        if let m = line.bytes(.modelId) {
            d.model = try store.intern(m)
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
        d.loggedCost = line.loggedCost
        d.status = line.integer(.status)
        d.latencyMs = line.integer(.latencyMs)
        if let v = line.bytes(.method) { d.method = try store.intern(v) }
        if let v = line.bytes(.path) { d.path = try store.intern(v) }
        if let v = line.bytes(.userAgent) { d.userAgent = try store.intern(v) }
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

    private func flushBlock() throws {
        guard blockSlots > 0 else { return }
        insertBlock.bind(1, nextBlockId)
        insertBlock.bind(2, Int64(blockSlots))
        // Level 1: blocks are written once and read rarely (show); level 3 cost 7% of ingest for ~10% size.
        let compressed = BlockCodec.compress(block, level: 1)
        compressed.withUnsafeBytes { insertBlock.bind(3, bytes: $0) }
        try insertBlock.run()
        nextBlockId += 1
        block.removeAll(keepingCapacity: true)
        blockSlots = 0
    }

    // MARK: Batches

    private func ensureTransaction() throws {
        if !inTransaction {
            try store.db.execute("BEGIN IMMEDIATE")
            inTransaction = true
            // Holding the write lock now: another attrib may have written blocks since our last batch.
            nextBlockId = (try store.db.scalar("SELECT max(id) FROM block") ?? 0) + 1
        }
    }

    private func maybeFlush() throws {
        if batchEvents >= batchSize {
            try commit()
            if shouldStop() {
                stopped = true
                throw IngestInterrupted()
            }
        }
    }

    /// Writes the batch's block, requests and statistics, then commits.
    public func commit() throws {
        guard inTransaction else { return }
        try flushBlock()
        var wroteRequests = false
        for (key, delta) in deltas {
            var merged = delta
            selectRequest.bind(1, key)
            let exists = try selectRequest.step()
            if exists {
                var stored = RequestDelta(requestId: [])
                let s = selectRequest
                stored.requestId = Array((s.text(0) ?? "").utf8)
                stored.startMs = s.optionalInt(1)
                for k in 0..<IdentityField.allCases.count { stored.identity[k] = s.optionalInt(Int32(2 + k)) }
                stored.model = s.optionalInt(8)
                stored.status = s.optionalInt(9)
                stored.latencyMs = s.optionalInt(10)
                stored.method = s.optionalInt(11)
                stored.path = s.optionalInt(12)
                stored.userAgent = s.optionalInt(13)
                stored.logGroup = s.optionalInt(14)
                stored.logStream = s.optionalInt(15)
                stored.input = s.int(16)
                stored.output = s.int(17)
                stored.cacheRead = s.int(18)
                stored.cacheWrite = s.int(19)
                stored.loggedCost = s.optionalDouble(20)
                stored.lines = s.int(21)
                stored.flags = s.int(22)
                selectRequest.reset()
                let before = stored
                stored.merge(delta, store: store)
                merged = stored
                if merged.lines == before.lines && merged.logStream == before.logStream && merged.logGroup == before.logGroup {
                    continue  // only duplicates, nothing new
                }
            } else {
                selectRequest.reset()
                if delta.lines == 0 { continue }  // only duplicates of lines stored before this request existed
            }
            touched.insert(key)
            wroteRequests = true
            let u = exists ? updateRequest : upsertRequest
            u.bind(1, key)
            u.bind(2, text: merged.requestId)
            u.bind(3, merged.startMs)
            for k in 0..<IdentityField.allCases.count { u.bind(Int32(4 + k), merged.identity[k]) }
            u.bind(10, merged.model)
            u.bind(11, merged.status)
            u.bind(12, merged.latencyMs)
            u.bind(13, merged.method)
            u.bind(14, merged.path)
            u.bind(15, merged.userAgent)
            u.bind(16, merged.logGroup)
            u.bind(17, merged.logStream)
            u.bind(18, merged.input)
            u.bind(19, merged.output)
            u.bind(20, merged.cacheRead)
            u.bind(21, merged.cacheWrite)
            u.bind(22, merged.loggedCost)
            u.bind(23, merged.lines)
            u.bind(24, merged.flags)
            try u.run()
        }
        if wroteRequests {
            try store.db.execute("UPDATE meta SET value = value + 1 WHERE key = 'requests_generation'")
            rollupStale = true
        }
        deltas.removeAll(keepingCapacity: true)
        if !statementStats.isEmpty {
            let s = try store.db.prepare("""
                INSERT INTO statement_stats(statement, lines, with_user_sub, with_user_email, with_auth_source)
                VALUES (?,?,?,?,?)
                ON CONFLICT(statement) DO UPDATE SET lines = lines + excluded.lines,
                    with_user_sub = with_user_sub + excluded.with_user_sub,
                    with_user_email = with_user_email + excluded.with_user_email,
                    with_auth_source = with_auth_source + excluded.with_auth_source
                """)
            for (statement, v) in statementStats {
                s.bind(1, statement)
                s.bind(2, v.0)
                s.bind(3, v.1)
                s.bind(4, v.2)
                s.bind(5, v.3)
                try s.run()
            }
            statementStats.removeAll(keepingCapacity: true)
        }
        try store.db.execute("COMMIT")
        inTransaction = false
        batchEvents = 0
        counts.requestsTouched = touched.count
        onProgress?(counts, bytesRead(), totalBytes)
    }

    /// True once a batch of this run changed requests: the rollup is rebuilt at the end.
    private var rollupStale = false

    /// Commits what is pending, brings the rollup up to date, and returns the run's counts.
    public func finish() throws -> IngestCounts {
        try commit()
        if rollupStale {
            try store.transaction { try store.db.execute(Schema.rebuildRollup) }
            rollupStale = false
        }
        counts.requestsTouched = touched.count
        return counts
    }

    /// Abandons the batch in flight (after an error), leaving the store as of the last commit.
    public func rollback() {
        if inTransaction {
            try? store.db.execute("ROLLBACK")
            inTransaction = false
        }
        deltas.removeAll()
        statementStats.removeAll()
        block.removeAll()
        blockSlots = 0
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
