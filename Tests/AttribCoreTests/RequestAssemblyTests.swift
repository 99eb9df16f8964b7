// Requests are assembled from contributions that merge in any order, and workers push their batches
// into a sink that need not be the store.

import Testing

@testable import AttribCore

/// Every field of a delta, for comparing two (a logged cost by its bits: NaN, "none", equals itself).
func fields(_ d: RequestDelta) -> [Int64] {
    [
        d.startMs, Int64(d.userEmail), Int64(d.userSub), Int64(d.authSource), Int64(d.userId), Int64(d.apiKeyId),
        Int64(d.project), Int64(d.model), Int64(d.method), Int64(d.path), Int64(d.userAgent), Int64(d.logGroup),
        Int64(d.logStream), Int64(d.lines), Int64(d.status), Int64(d.latencyMs), d.input, d.output, d.cacheRead,
        d.cacheWrite,
        Int64(bitPattern: d.loggedCost.bitPattern), d.flags, Int64(d.source), Int64(d.principal), Int64(d.clientIp),
    ]
}

/// A contribution as lines make them: few distinct ids (so values collide and conflict), absent fields
/// often. Logged costs are multiples of 1/1024, so their sums are exact in any order.
func randomDelta(_ g: inout SplitMix) -> RequestDelta {
    func id() -> Int32 { Int32.random(in: 0...4, using: &g) }
    var d = RequestDelta()
    if Bool.random(using: &g) { d.startMs = Int64.random(in: 0...1_000, using: &g) }
    for k in 0..<IdentityField.allCases.count { d[identity: k] = id() }
    d.model = id()
    d.method = id()
    d.path = id()
    d.userAgent = id()
    d.logGroup = id()
    d.logStream = id()
    d.source = id()
    d.principal = id()
    d.clientIp = id()
    d.lines = Int32.random(in: 0...3, using: &g)
    if Bool.random(using: &g) { d.status = Int32.random(in: 200...504, using: &g) }
    if Bool.random(using: &g) { d.latencyMs = Int32.random(in: 0...9_000, using: &g) }
    d.input = Int64.random(in: 0...1_000, using: &g)
    d.output = Int64.random(in: 0...1_000, using: &g)
    d.cacheRead = Int64.random(in: 0...1_000, using: &g)
    d.cacheWrite = Int64.random(in: 0...1_000, using: &g)
    if Bool.random(using: &g) { d.loggedCost = Double(Int.random(in: 0...10_000, using: &g)) / 1024 }
    d.flags = Int64.random(in: 0...31, using: &g)
    return d
}

/// Dictionary ids ordered by made-up strings whose order is not the ids' order.
let dictionaryStrings: [[UInt8]] = [[], Array("zoe".utf8), Array("ana".utf8), Array("mia".utf8), Array("bob".utf8)]
func less(_ a: Int32, _ b: Int32) -> Bool {
    dictionaryStrings[Int(a)].lexicographicallyPrecedes(dictionaryStrings[Int(b)])
}

func merged(_ deltas: [RequestDelta]) -> RequestDelta {
    var result = deltas[0]
    for d in deltas.dropFirst() { result.merge(d, less: less) }
    return result
}

@Suite("Request contributions merge in any order")
struct RequestAssemblyTests {
    @Test("Two contributions give the same request whichever is merged into the other")
    func commutative() throws {
        var g = SplitMix(seed: 1)
        for _ in 0..<2_000 {
            let a = randomDelta(&g)
            let b = randomDelta(&g)
            try #require(fields(merged([a, b])) == fields(merged([b, a])), "a: \(fields(a)) b: \(fields(b))")
        }
    }

    @Test("Three contributions give the same request however they are grouped and ordered")
    func associative() throws {
        var g = SplitMix(seed: 2)
        for _ in 0..<1_000 {
            let (a, b, c) = (randomDelta(&g), randomDelta(&g), randomDelta(&g))
            let left = merged([merged([a, b]), c])
            let right = merged([a, merged([b, c])])
            try #require(fields(left) == fields(right), "a: \(fields(a)) b: \(fields(b)) c: \(fields(c))")
            for order in [[b, a, c], [b, c, a], [c, a, b], [c, b, a], [a, c, b]] {
                try #require(fields(merged(order)) == fields(left), "a: \(fields(a)) b: \(fields(b)) c: \(fields(c))")
            }
        }
    }

    @Test("Identity values that differ are kept as the byte-wise smallest, with the field's conflict bit")
    func conflicts() {
        var a = RequestDelta()
        a.userEmail = 1  // "zoe"
        var b = RequestDelta()
        b.userEmail = 2  // "ana"
        let m = merged([a, b])
        #expect(m.userEmail == 2)
        #expect(m.flags == RequestFlag.conflict(IdentityField.userEmail.rawValue))
        #expect(fields(merged([a, a])) == fields(a))
    }

    @Test("A run's request table holds the same requests whatever order their contributions arrive in")
    func tableOrder() throws {
        var g = SplitMix(seed: 3)
        var contributions: [(key: Int64, delta: RequestDelta, id: [UInt8])] = []
        for _ in 0..<600 {
            let key = Int64.random(in: 1...40, using: &g)
            // A duplicate's contribution names only the key; the others carry the request id.
            let id = Bool.random(using: &g) ? Array("req-\(key)".utf8) : []
            contributions.append((key, randomDelta(&g), id))
        }
        func assemble(_ list: [(key: Int64, delta: RequestDelta, id: [UInt8])], capacity: Int) -> [Int64: (
            [Int64], [UInt8]
        )] {
            var table = RequestTable(capacity: capacity)
            for c in list { c.id.withUnsafeBufferPointer { table.merge(c.key, c.delta, requestId: $0, less: less) } }
            var result: [Int64: ([Int64], [UInt8])] = [:]
            for i in 0..<table.count {
                result[table.entryKeys[i]] = (fields(table.entries[i]), table.withRequestId(i) { Array($0) })
            }
            return result
        }
        let reference = assemble(contributions, capacity: 64)
        #expect(reference.count == Set(contributions.map(\.key)).count)
        for round in 0..<5 {
            let shuffled = contributions.shuffled(using: &g)
            let other = assemble(shuffled, capacity: 8)  // grows past its reserve: same requests
            try #require(other.count == reference.count)
            for (key, value) in reference {
                try #require(other[key]?.0 == value.0, "round \(round), request \(key)")
                try #require(other[key]?.1 == value.1, "round \(round), request \(key)")
            }
        }
    }

    @Test("Requests spilled to files and merged back are the requests of one table, in key order, each once")
    func spilledRuns() throws {
        var g = SplitMix(seed: 4)
        var contributions: [(key: Int64, delta: RequestDelta, id: [UInt8])] = []
        for _ in 0..<3_000 {
            var key = Int64.random(in: -150...149, using: &g)
            if key == 0 { key = 150 }  // 0 is no key (`storeKey` never gives it)
            let id = Bool.random(using: &g) ? Array("req-\(key)".utf8) : []
            contributions.append((key, randomDelta(&g), id))
        }
        var whole = RequestTable(capacity: 512)
        for c in contributions {
            c.id.withUnsafeBufferPointer { whole.merge(c.key, c.delta, requestId: $0, less: less) }
        }
        // The same contributions through tables of at most 40 requests, each spilled when full.
        var spills: [RequestSpillFile] = []
        var table = RequestTable(capacity: 40)
        for c in contributions {
            if table.count >= 40 {
                let order = table.keyOrder()
                #expect(order.map { table.entryKeys[$0] } == table.entryKeys.sorted())
                spills.append(try RequestSpillFile(table, order: order, directory: "/nonexistent"))
                table.removeAll()
            }
            c.id.withUnsafeBufferPointer { table.merge(c.key, c.delta, requestId: $0, less: less) }
        }
        #expect(spills.count > 20)
        var merge = try RequestMerge(table: table, spills: spills, less: less)
        var keys: [Int64] = []
        var got: [Int64: ([Int64], [UInt8])] = [:]
        try merge.forEachChunk(limit: 13) { chunk in
            for i in 0..<chunk.count {
                keys.append(chunk.keys[i])
                got[chunk.keys[i]] = (fields(chunk.deltas[i]), chunk.withRequestId(i) { Array($0) })
            }
        }
        #expect(keys == keys.sorted() && Set(keys).count == keys.count)
        #expect(keys.count == whole.count)
        for i in 0..<whole.count {
            let want = (fields(whole.entries[i]), whole.withRequestId(i) { Array($0) })
            try #require(got[whole.entryKeys[i]]?.0 == want.0, "request \(whole.entryKeys[i])")
            try #require(got[whole.entryKeys[i]]?.1 == want.1, "request \(whole.entryKeys[i])")
        }
    }
}

/// A sink that keeps everything in memory: what a worker hands any sink, with no store involved.
final class MemoryBatchSink: BatchSink {
    var storedKeys: [Int64] = []
    var batches: [IngestBatch] = []
    var openedSources: [String] = []
    var requests: [Int64: (delta: RequestDelta, id: [UInt8])] = [:]
    var finished = false

    func storedStrings() throws -> [[UInt8]] { [[]] }
    func storedEventKeyCount() throws -> Int { storedKeys.count }
    func forEachStoredEventKey(_ body: (Int64) -> Void) throws { storedKeys.forEach(body) }
    func forEachUnmergedLine(_ body: (UnmergedLine) throws -> Void) throws -> Int { 0 }

    func openSource(path: String, fingerprint: String?, bytes: Int64?, compression: Compression) throws -> Int64? {
        openedSources.append(path)
        return Int64(openedSources.count)
    }
    func discardSource(_ id: Int64) throws {}

    func atomically(_ body: () throws -> Void) throws { try body() }
    func write(_ batch: IngestBatch) throws { batches.append(batch) }
    func writeRequests(_ merge: inout RequestMerge, less: (Int32, Int32) -> Bool) throws {
        try merge.forEachChunk(limit: 7) { chunk in
            for i in 0..<chunk.count {
                let key = chunk.keys[i]
                let id = chunk.withRequestId(i) { Array($0) }
                if var known = requests[key] {
                    known.delta.merge(chunk.deltas[i], less: less)
                    if known.id.isEmpty { known.id = id }
                    requests[key] = known
                } else {
                    requests[key] = (chunk.deltas[i], id)
                }
            }
        }
    }
    var spillDirectory: String? { "/tmp" }
    func finish() throws { finished = true }
    var requestsWritten: Int { requests.count }

    var strings: [Int32: String] {
        var result: [Int32: String] = [:]
        for b in batches { for (id, value) in b.strings { result[id] = String(decoding: value, as: UTF8.self) } }
        return result
    }
}

@Suite("A worker pushes its batches into any sink")
struct BatchSinkTests {
    let lines = [started, invoking, usage, completed, mantle, orphan]

    /// Reads `text` as one JSON-lines file through a worker into `sink`, two events to a batch.
    func run(_ text: String, into sink: MemoryBatchSink) throws -> IngestCounts {
        let worker = try IngestWorker(sink: sink, batchSize: 2)
        #expect(try worker.beginSource(path: "a.jsonl", fingerprint: nil, bytes: nil, compression: .none) == .read)
        _ = try readInput(MemorySource(text), path: "a.jsonl", sink: worker)
        try worker.endSource(complete: true)
        return try worker.finish()
    }

    @Test("Every new line, its raw text, each reject and the source's counts reach the sink, without a store")
    func everythingReachesTheSink() throws {
        let sink = MemoryBatchSink()
        let text = (lines + ["{not json", started]).joined(separator: "\n") + "\n"
        let counts = try run(text, into: sink)
        #expect(sink.finished)
        #expect(sink.batches.count > 3)  // two events to a batch: several batches

        let rows = sink.batches.flatMap(\.lines)
        #expect(rows.count == lines.count)
        #expect(Set(rows.map(\.hash)).count == lines.count)
        // The raw messages, in the order of the lines, from the blocks each line points into.
        var messages: [String] = []
        for b in sink.batches {
            let blocks = b.blocks.map { BlockCodec.decompress($0.data).map(BlockCodec.messages) ?? [] }
            #expect(zip(b.blocks, blocks).allSatisfy { $0.events == $1.count })
            for row in b.lines {
                messages.append(String(decoding: blocks[Int(row.block)][Int(row.slot)], as: UTF8.self))
            }
        }
        #expect(messages == lines)

        let rejects = sink.batches.flatMap(\.rejects)
        #expect(rejects.count == 1)
        #expect(rejects.first?.position == "line 7")
        #expect(rejects.first?.raw == Array("{not json".utf8))

        let source = try #require(sink.batches.flatMap(\.sources).last)
        #expect(source.complete && source.path == "a.jsonl" && source.shape == .jsonLines)
        #expect((source.events, source.new, source.duplicates, source.rejects) == (7, 6, 1, 1))
        #expect((counts.events, counts.newEvents, counts.duplicates, counts.rejects) == (7, 6, 1, 1))

        // Strings arrive once each, before or with the first batch that uses them.
        let strings = sink.strings
        #expect(strings.count == sink.batches.reduce(0) { $0 + $1.strings.count })
        #expect(Set(strings.values).contains("ana@example.com"))

        // req-1 (4 lines), req-2 (Mantle) and the orphan usage line are the requests.
        #expect(counts.requestsTouched == 3)
        let byId = Dictionary(
            uniqueKeysWithValues: sink.requests.values.map { (String(decoding: $0.id, as: UTF8.self), $0.delta) })
        let request = try #require(byId["req-1"])
        #expect(request.lines == 4)
        #expect([request.input, request.output, request.cacheRead, request.cacheWrite] == [100, 200, 300, 400])
        #expect(strings[request.userEmail] == "ana@example.com")
        #expect(byId["req-2"].map { $0.flags & RequestFlag.mantle != 0 } == true)
        #expect(byId.keys.contains { $0.hasPrefix("orphan-") })
    }

    @Test("Events whose keys the sink already holds are duplicates: nothing new is pushed")
    func storedKeysAreDuplicates() throws {
        let first = MemoryBatchSink()
        let text = lines.joined(separator: "\n") + "\n"
        _ = try run(text, into: first)
        let second = MemoryBatchSink()
        second.storedKeys = first.batches.flatMap(\.lines).map(\.hash)
        let counts = try run(text, into: second)
        #expect(counts.newEvents == 0)
        #expect(counts.duplicates == lines.count)
        #expect(second.batches.flatMap(\.lines).isEmpty)
    }
}
