// What lines contribute to one request, and how two contributions merge: the same type for one line,
// a batch, a run, and the stored row, because merging is commutative and associative (any order, split
// or repetition of inputs gives the same request).

import CHints

/// Dictionary ids are Int32 in memory (0 = absent): a run holds every request it touches, so the
/// struct is kept small (128 bytes). It holds no reference (the request id's bytes are kept beside it),
/// so copying and merging it is plain memory work, no reference counting (that was 13% of ingest).
struct RequestDelta {
    /// Epoch ms of the earliest line; `.max` when none has a time.
    var startMs: Int64 = .max
    /// Dictionary ids of the identity fields, in `IdentityField` order; the chosen value is the
    /// byte-wise smallest non-empty one, so the choice does not depend on order.
    var userEmail: Int32 = 0
    var userSub: Int32 = 0
    var authSource: Int32 = 0
    var userId: Int32 = 0
    var apiKeyId: Int32 = 0
    var project: Int32 = 0
    var model: Int32 = 0
    var method: Int32 = 0
    var path: Int32 = 0
    var userAgent: Int32 = 0
    var logGroup: Int32 = 0
    var logStream: Int32 = 0
    /// The mapping that read the request's lines (its name's dictionary id), and the caller's principal
    /// and address: identity outside the six `IdentityField`s (no conflict bits, not in the rollup).
    var source: Int32 = 0
    var principal: Int32 = 0
    var clientIp: Int32 = 0
    /// A gateway's own token id (llm-proxy's), outside the identity fields likewise.
    var tokenId: Int32 = 0
    var lines: Int32 = 0
    /// `.min` when absent. Int32 (a status or a latency beyond it is clamped) kept the struct at 128 bytes
    /// with the source, principal and client address added.
    var status: Int32 = .min
    var latencyMs: Int32 = .min
    /// `RequestFlag` bits (14 of them) in 32 bits, beside the other Int32s: the struct stays at 128 bytes
    /// with the token id added.
    private var flagBits: Int32 = 0
    var input: Int64 = 0
    var output: Int64 = 0
    var cacheRead: Int64 = 0
    var cacheWrite: Int64 = 0
    /// NaN when absent.
    var loggedCost: Double = .nan
    var flags: Int64 {
        get { Int64(flagBits) }
        set { flagBits = Int32(truncatingIfNeeded: newValue) }
    }

    init() {}

    subscript(identity field: Int) -> Int32 {
        get {
            switch field {
            case 0: return userEmail
            case 1: return userSub
            case 2: return authSource
            case 3: return userId
            case 4: return apiKeyId
            default: return project
            }
        }
        set {
            switch field {
            case 0: userEmail = newValue
            case 1: userSub = newValue
            case 2: authSource = newValue
            case 3: userId = newValue
            case 4: apiKeyId = newValue
            default: project = newValue
            }
        }
    }

    /// Merges `o` into self; `less` orders dictionary ids by their strings' bytes.
    @inline(__always)
    mutating func merge(_ o: RequestDelta, less: (Int32, Int32) -> Bool) {
        @inline(__always) func smaller(_ a: Int32, _ b: Int32) -> Int32 {
            if a == 0 || a == b { return b }
            if b == 0 { return a }
            return less(b, a) ? b : a
        }
        startMs = min(startMs, o.startMs)
        for k in 0..<IdentityField.allCases.count {
            let a = self[identity: k]
            let b = o[identity: k]
            if a != b {
                if a != 0 && b != 0 { flags |= RequestFlag.conflict(k) }
                self[identity: k] = smaller(a, b)
            }
        }
        model = smaller(model, o.model)
        status = max(status, o.status)
        latencyMs = max(latencyMs, o.latencyMs)
        method = smaller(method, o.method)
        path = smaller(path, o.path)
        userAgent = smaller(userAgent, o.userAgent)
        logGroup = smaller(logGroup, o.logGroup)
        logStream = smaller(logStream, o.logStream)
        source = smaller(source, o.source)
        principal = smaller(principal, o.principal)
        clientIp = smaller(clientIp, o.clientIp)
        tokenId = smaller(tokenId, o.tokenId)
        input &+= o.input
        output &+= o.output
        cacheRead &+= o.cacheRead
        cacheWrite &+= o.cacheWrite
        if !o.loggedCost.isNaN { loggedCost = (loggedCost.isNaN ? 0 : loggedCost) + o.loggedCost }
        lines += o.lines
        flags |= o.flags
    }

    /// True when merging changed nothing a report can see (only duplicates arrived).
    func sameAs(_ o: RequestDelta) -> Bool {
        lines == o.lines && logStream == o.logStream && logGroup == o.logGroup
    }
}

/// The run's requests by key, in memory sized once for `capacity` requests: a Swift Dictionary of these
/// took ~330 bytes a request and doubled its storage while both copies were alive (400k requests: peak
/// RSS 426 MB); here a request is its delta (~130 bytes) plus ~20 bytes of index and its id's bytes.
struct RequestTable {
    /// Each request's place in `entries`.
    private var index: KeyTable<Int32>
    private(set) var entries: ContiguousArray<RequestDelta> = []
    private(set) var entryKeys: ContiguousArray<Int64> = []
    /// Request ids, back to back; entry i's is `idBytes[idStart[i]..<idStart[i] + idLength[i]]` (length
    /// 0 until a contribution that knows it arrives: a duplicate's names only the request's key).
    private var idBytes: [UInt8] = []
    private var idStart: [Int32] = []
    private var idLength: [Int32] = []
    let capacity: Int

    /// `capacity`: the requests held before they are spilled (RequestSpill.swift). The run spills them before
    /// a batch that could pass it (`IngestShared.commit`), so the table holds up to one batch more: an eighth
    /// more is reserved (a batch is at most 25,000 contributions; 250,000 is the run's default capacity).
    init(capacity: Int) {
        self.capacity = capacity
        let reserved = capacity + capacity / 8
        index = KeyTable(minimumCapacity: reserved, filler: 0)
        // Reserved, not touched: pages are only used as requests arrive, and nothing is copied to grow.
        entries.reserveCapacity(reserved)
        entryKeys.reserveCapacity(reserved)
        idBytes.reserveCapacity(reserved * 40)
        idStart.reserveCapacity(reserved)
        idLength.reserveCapacity(reserved)
    }

    var count: Int { entries.count }

    /// Merges `delta` into the request `key` (adding it, with its id's bytes, when new).
    mutating func merge(
        _ key: Int64, _ delta: RequestDelta, requestId: UnsafeBufferPointer<UInt8>, less: (Int32, Int32) -> Bool
    ) {
        if let found = index.insert(key, Int32(entries.count)) {
            mergeInto(Int(found), delta, requestId: requestId, less: less)
        } else {
            append(key, delta, requestId: requestId)
        }
    }

    /// A new request (its key already in the index at the next entry).
    private mutating func append(_ key: Int64, _ delta: RequestDelta, requestId: UnsafeBufferPointer<UInt8>) {
        idStart.append(Int32(idBytes.count))
        idLength.append(Int32(requestId.count))
        idBytes.append(contentsOf: requestId)
        entries.append(delta)
        entryKeys.append(key)
    }

    /// A contribution to entry `e`, which keeps the first request id that was not empty.
    private mutating func mergeInto(
        _ e: Int, _ delta: RequestDelta, requestId: UnsafeBufferPointer<UInt8>, less: (Int32, Int32) -> Bool
    ) {
        entries[e].merge(delta, less: less)
        if idLength[e] == 0 && !requestId.isEmpty {
            idStart[e] = Int32(idBytes.count)
            idLength[e] = Int32(requestId.count)
            idBytes.append(contentsOf: requestId)
        }
    }

    /// Merges a worker's batch of contributions: the places of all its requests are found first, in one
    /// tight loop, then the contributions are merged. The index (8 MB at 250,000 requests) and the entries
    /// (32 MB) are far larger than the caches; looking up each request between two merges waited for one
    /// cache miss after another (this merge was ~6% of an ingest's time, under the sink's lock). Looked up
    /// together, with nothing between them, the misses overlap. The result is the same as merging the
    /// contributions one by one in order (`RequestDelta.merge` is commutative and associative, and a request
    /// keeps the first non-empty id in batch order either way).
    mutating func merge(_ batch: RequestBatch, less: (Int32, Int32) -> Bool) {
        var places = [Int32](repeating: -1, count: batch.count)
        var i = 0
        // The index is larger than the caches: each key's slot is asked for a few contributions ahead.
        let keys = batch.keys
        let ahead = 8
        var layout = index.layout
        for k in keys.prefix(ahead) { KeyTable<Int32>.prefetch(k, base: layout.base, mask: layout.mask) }
        // swift-format-ignore: ReplaceForEachWithForLoop
        batch.forEach { key, delta, requestId in
            if i & 63 == 0 { layout = index.layout }  // the index may have grown
            if i + ahead < keys.count {
                KeyTable<Int32>.prefetch(keys[i + ahead], base: layout.base, mask: layout.mask)
            }
            if let found = index.insert(key, Int32(entries.count)) {
                places[i] = found
                // Asks for the entry (and its id's length) now, without waiting for it: the merges below
                // find them in the cache.
                prefetchEntry(Int(found))
            } else {
                append(key, delta, requestId: requestId)
            }
            i += 1
        }
        i = 0
        // swift-format-ignore: ReplaceForEachWithForLoop
        batch.forEach { _, delta, requestId in
            let e = Int(places[i])
            i += 1
            guard e >= 0 else { return }
            mergeInto(e, delta, requestId: requestId, less: less)
        }
    }

    /// The entries' places in key order: a radix sort of (key, place) pairs, four passes of 16 bits. (A
    /// comparison sort of places, each comparison reading two keys through the places, was 2% of a 400k ingest
    /// that spills once.)
    func keyOrder() -> [Int] {
        let n = entryKeys.count
        // Keys as unsigned numbers in the same order: the sign bit flipped.
        var pairs = entryKeys.enumerated().map { (UInt64(bitPattern: $1) ^ (1 << 63), Int32($0)) }
        var other = pairs
        var counts = [Int](repeating: 0, count: 1 << 16)
        for pass in 0..<4 {
            let shift = UInt64(pass * 16)
            for i in counts.indices { counts[i] = 0 }
            for p in pairs { counts[Int((p.0 >> shift) & 0xFFFF)] += 1 }
            var sum = 0
            for i in counts.indices { (counts[i], sum) = (sum, sum + counts[i]) }
            for p in pairs {
                let d = Int((p.0 >> shift) & 0xFFFF)
                other[counts[d]] = p
                counts[d] += 1
            }
            swap(&pairs, &other)
        }
        return (0..<n).map { Int(pairs[$0].1) }
    }

    /// Calls `body` with entry `i`'s request id (empty when no contribution named it).
    func withRequestId<T>(_ i: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> T) rethrows -> T {
        try idBytes.withUnsafeBufferPointer { b in
            try body(UnsafeBufferPointer(rebasing: b[Int(idStart[i])..<Int(idStart[i] + idLength[i])]))
        }
    }

    /// Asks for entry `i`'s delta (its cache lines) and its id's length: what a merge into it reads.
    /// (A hint: an address past an array's end is harmless; only a missing array is skipped.)
    @inline(__always) private func prefetchEntry(_ i: Int) {
        idLength.withUnsafeBufferPointer { if let b = $0.baseAddress { attrib_prefetch(b + i) } }
        entries.withUnsafeBufferPointer {
            guard let b = $0.baseAddress else { return }
            let p = UnsafeRawPointer(b + i)
            attrib_prefetch(p)
            attrib_prefetch(p + 64)
            attrib_prefetch(p + MemoryLayout<RequestDelta>.size - 1)
        }
    }

    /// Asks for what reading entry `i` touches, ahead of reading it: in key order (a spill, the end's merge)
    /// the entries, in arrival order, are read at random, a cache miss or more each (the table is larger than
    /// the caches). `step` 1 asks for its key, id place and delta; 2 for its id's bytes (their place is
    /// read, so ask for 1 some entries earlier).
    @inline(__always) func prefetch(_ i: Int, step: Int) {
        if step == 1 {
            entryKeys.withUnsafeBufferPointer { if let b = $0.baseAddress { attrib_prefetch(b + i) } }
            idStart.withUnsafeBufferPointer { if let b = $0.baseAddress { attrib_prefetch(b + i) } }
            prefetchEntry(i)
        } else {
            idBytes.withUnsafeBufferPointer { if let b = $0.baseAddress { attrib_prefetch(b + Int(idStart[i])) } }
        }
    }

    mutating func removeAll() {
        index.removeAll()
        entries.removeAll(keepingCapacity: true)
        entryKeys.removeAll(keepingCapacity: true)
        idBytes.removeAll(keepingCapacity: true)
        idStart.removeAll(keepingCapacity: true)
        idLength.removeAll(keepingCapacity: true)
    }
}

/// A worker's batch of request contributions: appended as events come (no lookup, no allocation per
/// event), merged into the run's table at commit.
struct RequestBatch {
    private(set) var keys: [Int64] = []
    private(set) var deltas: [RequestDelta] = []
    private var idBytes: [UInt8] = []
    private var idStart: [Int32] = [0]

    var isEmpty: Bool { keys.isEmpty }
    /// Contributions (at most one per event of the batch).
    var count: Int { keys.count }

    mutating func append(_ key: Int64, _ delta: RequestDelta, requestId: UnsafeBufferPointer<UInt8>) {
        keys.append(key)
        deltas.append(delta)
        idBytes.append(contentsOf: requestId)
        idStart.append(Int32(idBytes.count))
    }

    /// Calls `body` with contribution `i`'s request id.
    func withRequestId<T>(_ i: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> T) rethrows -> T {
        try idBytes.withUnsafeBufferPointer { b in
            try body(UnsafeBufferPointer(rebasing: b[Int(idStart[i])..<Int(idStart[i + 1])]))
        }
    }

    func forEach(_ body: (Int64, RequestDelta, UnsafeBufferPointer<UInt8>) throws -> Void) rethrows {
        try idBytes.withUnsafeBufferPointer { b in
            for i in keys.indices {
                try body(keys[i], deltas[i], UnsafeBufferPointer(rebasing: b[Int(idStart[i])..<Int(idStart[i + 1])]))
            }
        }
    }

    mutating func removeAll() {
        keys.removeAll(keepingCapacity: true)
        deltas.removeAll(keepingCapacity: true)
        idBytes.removeAll(keepingCapacity: true)
        idStart.removeAll(keepingCapacity: true)
        idStart.append(0)
    }
}
