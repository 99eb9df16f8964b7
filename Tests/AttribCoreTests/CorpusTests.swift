// On a generated corpus in every shape, with overlaps, the report equals the generator's ground truth,
// and any order, split or repetition of the inputs gives a byte-identical report.

// The ground truth's field names are the generator's JSON keys.
// swift-format-ignore-file: AlwaysUseLowerCamelCase

import Foundation
import Testing

@testable import AttribCore

struct TruthRow: Decodable {
    var user_email: String?
    var modelId: String
    var requests: Int64
    var input_tokens: Int64
    var output_tokens: Int64
    var cache_read_tokens: Int64
    var cache_write_tokens: Int64
    var total_tokens: Int64
    var cost_usd: Double?
}

struct TruthGaps: Decodable {
    var requests: Int64
    var model_requests: Int64
    var attributed_requests: Int64
    var unattributed_requests: Int64
    var unattributed_tokens: Int64
    var unattributed_cost_usd: Double?
    var joined_requests: Int64
    var conflicts: Int64
    var usage_lines_without_request_id: Int64
    var cutover: String?
}

struct TruthMantleRow: Decodable {
    var user_email: String?
    var requests: Int64
    var input_tokens: Int64
    var output_tokens: Int64
    var cache_read_tokens: Int64
    var cache_write_tokens: Int64
    var cost_usd: Double?
}

struct Truth: Decodable {
    var requests: Int
    var lines: Int64
    var files: [String]
    var by_user_model: [TruthRow]
    var mantle_by_user_email: [TruthMantleRow]
    var gaps: TruthGaps
}

/// Lists a folder's files (relative paths, sorted).
func files(under root: URL) -> [String] {
    let e = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey])
    var out: [String] = []
    while let url = e?.nextObject() as? URL {
        if (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
            out.append(url.path)
        }
    }
    return out.sorted()
}

@Suite("A generated corpus in every shape", .serialized)
struct CorpusTests {
    @Test("20,000 requests: every row, every token count and every cost equal the generator's ground truth")
    func groundTruth() throws {
        let corpus = try generateCorpus(requests: 20_000, seed: 7)
        let truth = try JSONDecoder().decode(
            Truth.self, from: Data(contentsOf: corpus.appendingPathComponent("ground-truth.json")))
        let db = corpus.appendingPathComponent("attrib.db").path
        let (outcome, _) = try ingestPaths([corpus.appendingPathComponent("exports").path], db: db)
        #expect(outcome.counts.duplicates > 10_000, "the corpus overlaps")
        let store = try Store(path: db, readOnly: true)
        // Every distinct log line the generator wrote is stored once: none lost, none doubled.
        #expect(try store.db.scalar("SELECT count(*) FROM events WHERE is_json") == truth.lines)
        let prices = try PriceTable.load(path: corpus.appendingPathComponent("prices.csv").path)
        let result = try Reports.run(ReportQuery(dimensions: [.userEmail, .modelId]), store: store, prices: prices)

        #expect(result.rows.count == truth.by_user_model.count)
        var actual: [String: ReportRow] = [:]
        for row in result.rows { actual[(row.values[0] ?? "") + "\u{0}" + (row.values[1] ?? "")] = row }
        var mismatches = 0
        for t in truth.by_user_model {
            guard let a = actual[(t.user_email ?? "") + "\u{0}" + t.modelId] else {
                Issue.record("missing row \(t.user_email ?? "(none)") × \(t.modelId)")
                mismatches += 1
                continue
            }
            let same =
                a.requests == t.requests && a.tokens.input == t.input_tokens && a.tokens.output == t.output_tokens
                && a.tokens.cacheRead == t.cache_read_tokens && a.tokens.cacheWrite == t.cache_write_tokens
                && a.totalTokens == t.total_tokens
            let costOK =
                (a.costUSD == nil && t.cost_usd == nil)
                || (a.costUSD != nil && t.cost_usd != nil && abs(a.costUSD! - t.cost_usd!) < 1e-6)
            if !same || !costOK {
                mismatches += 1
                Issue.record("row \(t.user_email ?? "(none)") × \(t.modelId): attrib \(a), truth \(t)")
            }
        }
        #expect(mismatches == 0)

        // The day rollup (used above) and a scan of every request give the same rows.
        #expect(
            try Reports.plan(ReportQuery(dimensions: [.userEmail, .modelId]), store: store, prices: prices).table
                == .rollup)
        let scanned = try Reports.run(
            ReportQuery(dimensions: [.userEmail, .modelId], since: 1), store: store, prices: prices)
        #expect(
            try Reports.plan(ReportQuery(dimensions: [.userEmail, .modelId], since: 1), store: store, prices: prices)
                .table == .request)
        #expect(scanned.rows.map(\.values) == result.rows.map(\.values))
        #expect(scanned.rows.map(\.totalTokens) == result.rows.map(\.totalTokens))
        #expect(
            zip(scanned.rows, result.rows).allSatisfy { a, b in
                a.requests == b.requests && abs((a.costUSD ?? 0) - (b.costUSD ?? 0)) < 1e-6
            })

        let gaps = try Reports.gaps(store: store, prices: prices)
        let g = truth.gaps
        #expect(gaps.requests == g.requests)
        #expect(gaps.modelRequests == g.model_requests)
        #expect(gaps.attributedRequests == g.attributed_requests)
        #expect(gaps.unattributedRequests == g.unattributed_requests)
        #expect(gaps.unattributedTokens == g.unattributed_tokens)
        #expect((gaps.unattributedCostUSD == nil) == (g.unattributed_cost_usd == nil))
        #expect(gaps.joinedRequests == g.joined_requests)
        #expect(gaps.conflicts == g.conflicts)
        #expect(gaps.usageLinesWithoutRequestId == g.usage_lines_without_request_id)
        #expect(gaps.cutover.map(formatISOTimestamp) == g.cutover)

        var mantleQuery = ReportQuery(dimensions: [.userEmail])
        mantleQuery.scope = .mantle
        let mantle = try Reports.run(mantleQuery, store: store, prices: prices)
        let mantleRows = Dictionary(uniqueKeysWithValues: mantle.rows.map { ($0.values[0] ?? "", $0) })
        #expect(mantle.rows.count == truth.mantle_by_user_email.count)
        for t in truth.mantle_by_user_email {
            let a = try #require(mantleRows[t.user_email ?? ""], "mantle row \(t.user_email ?? "(none)")")
            #expect(
                a.requests == t.requests && a.tokens.input == t.input_tokens && a.tokens.output == t.output_tokens
                    && a.tokens.cacheRead == t.cache_read_tokens && a.tokens.cacheWrite == t.cache_write_tokens)
            #expect(abs((a.costUSD ?? -1) - (t.cost_usd ?? -1)) < 1e-6)
        }
    }

    @Test("Reverse order, split over three runs, each file twice: a byte-identical CSV")
    func orderSplitRepeat() throws {
        let corpus = try generateCorpus(requests: 4_000, seed: 11)
        let inputs = files(under: corpus.appendingPathComponent("exports"))
        #expect(inputs.count > 15)
        func csv(_ db: String) throws -> String {
            let store = try Store(path: db, readOnly: true)
            let prices = try PriceTable.load(path: corpus.appendingPathComponent("prices.csv").path)
            var out = ""
            for dims: [ReportDimension] in [[.userEmail, .modelId], [.user, .day, .route], [.logStream, .status]] {
                out += render(
                    Reports.document(try Reports.run(ReportQuery(dimensions: dims), store: store, prices: prices)),
                    format: .csv)
            }
            return out
        }
        let once = corpus.appendingPathComponent("once.db").path
        _ = try ingestPaths(inputs, db: once)

        let split = corpus.appendingPathComponent("split.db").path
        let reversed = Array(inputs.reversed())
        let third = reversed.count / 3
        for part in [reversed[..<third], reversed[third..<(2 * third)], reversed[(2 * third)...]] {
            // Each file twice, and --force so the second copy is really parsed again, not skipped.
            _ = try ingestPaths(Array(part) + Array(part), db: split, force: true)
        }
        let a = try csv(once)
        let b = try csv(split)
        #expect(a.count > 1000)
        #expect(a == b)

        // The rollup each ingest kept up to date from the requests it wrote (three runs, the later ones
        // updating requests stored by the earlier) is, row for row, the one a full rebuild makes.
        func rollup(_ db: String) throws -> [[Int64?]] {
            let store = try Store(path: db, readOnly: true)
            let s = try store.db.prepare("SELECT * FROM rollup")
            var rows: [[Int64?]] = []
            while try s.step() {
                rows.append((0..<16).map { s.optionalInt(Int32($0)) } + [s.optionalDouble(16).map { Int64($0 * 1e6) }])
            }
            return rows
        }
        // Memory bound: a run that may hold only 300 requests spills them many times to temporary files (merged
        // with each other and the table at the end), and keeps only ~20 of its event keys per shard with their
        // request (the others' copies are parsed again), with small batches, one or two threads: same reports.
        for threads in [1, 2] {
            let capped = corpus.appendingPathComponent("capped-\(threads).db").path
            _ = try ingestPaths(
                inputs, db: capped, threads: threads, requestCap: 300, runKeysPerShard: 20, batchSize: 700)
            #expect(try csv(capped) == a)
        }
        // Split and capped, two threads: each later run's spilled requests are merged, in key order, into the
        // rows the earlier runs stored (a chunk at a time: a SELECT each, and an UPDATE when something changed),
        // and the rollup is kept from those changes. Each file is read twice at once by the two threads, with
        // 20 keys a shard kept with their request: an insert that moved a full shard's keys aside once
        // stored a copy whose event the other thread had just stored (391 lines twice before the fix).
        let splitCapped = corpus.appendingPathComponent("split-capped.db").path
        for part in [reversed[..<third], reversed[third..<(2 * third)], reversed[(2 * third)...]] {
            _ = try ingestPaths(
                Array(part) + Array(part), db: splitCapped, force: true, threads: 2, requestCap: 300,
                runKeysPerShard: 20, batchSize: 700)
        }
        #expect(try csv(splitCapped) == a)
        let keptCapped = try rollup(splitCapped)
        let cappedStore = try Store(path: splitCapped)
        try cappedStore.transaction { try cappedStore.db.execute(Schema.rebuildRollup) }
        #expect(keptCapped == (try rollup(splitCapped)))

        let kept = try rollup(split)
        let store = try Store(path: split)
        try store.transaction { try store.db.execute(Schema.rebuildRollup) }
        #expect(kept.count > 100)
        #expect(kept == (try rollup(split)))
    }
}
