// The run's rollup sums are kept under packed keys (`PackedRollupKey`) and applied under the typed ones: each
// rollup's packing must be one to one with its typed key, or two groups would be summed as one (or one split).

import Testing

@testable import AttribCore

@Suite("Packed rollup keys stand for the typed keys one to one")
struct PackedRollupKeyTests {
    /// Requests with few distinct values per field (so that many share a key), edge values included: no time,
    /// no status, times before 1970 and beyond 32 bits of days, and the largest dictionary ids.
    static func requests(_ n: Int) -> [RequestDelta] {
        var rng = SplitMix(seed: 5)
        func pick<T>(_ values: [T]) -> T { values[Int(rng.next() % UInt64(values.count))] }
        let times: [Int64] = [
            .max, 0, -1, 86_399_999, 86_400_000, 1_772_900_000_000, -86_400_001, Int64(Int32.max) * 86_400_000 * 3,
            .min, .max - 1,
        ]
        let ids: [Int32] = [0, 1, 2, .max]
        let statuses: [Int32] = [.min, 200, 429, -1, .max]
        return (0..<n).map { _ in
            var d = RequestDelta()
            d.startMs = pick(times)
            d.model = pick(ids)
            d.userEmail = pick(ids)
            d.userSub = pick(ids)
            d.authSource = pick(ids)
            d.userId = pick(ids)
            d.apiKeyId = pick(ids)
            d.project = pick(ids)
            d.method = pick(ids)
            d.path = pick(ids)
            d.userAgent = pick(ids)
            d.logGroup = pick(ids)
            d.logStream = pick(ids)
            d.source = pick(ids)
            d.principal = pick(ids)
            d.clientIp = pick(ids)
            d.tokenId = pick(ids)
            d.status = pick(statuses)
            d.loggedCost = rng.next() % 2 == 0 ? .nan : 0.25
            d.lines = 1
            return d
        }
    }

    /// A request's columns in each rollup, as `Schema`'s rebuilds group them (the reference packing must meet).
    static func columns(_ table: String, _ d: RequestDelta) -> [Int64?] {
        func id(_ v: Int32) -> Int64? { v == 0 ? nil : Int64(v) }
        let day = d.startMs == .max ? nil : d.startMs / 86_400_000
        let status = d.status == .min ? nil : Int64(d.status)
        let hasLogged: Int64 = d.loggedCost.isNaN ? 0 : 1
        switch table {
        case "rollup":
            return [
                day, id(d.model), id(d.userEmail), id(d.userSub), id(d.authSource), id(d.userId), id(d.apiKeyId),
                id(d.project), d.rollupFlags, status, hasLogged,
            ]
        case "traffic_rollup":
            return [
                day, id(d.model), id(d.method), id(d.path), id(d.userAgent), id(d.logGroup), id(d.logStream),
                d.rollupFlags, status, hasLogged,
            ]
        case "quarter_rollup":
            let quarter = d.startMs == .max ? nil : d.startMs / 900_000
            let identified: Int64 = d.userEmail != 0 || d.userSub != 0 ? 1 : 0
            return [quarter, id(d.model), identified, d.rollupFlags, status, hasLogged]
        default:
            return [
                day, id(d.model), id(d.source), id(d.principal), id(d.clientIp), id(d.tokenId), d.rollupFlags, status,
                hasLogged,
            ]
        }
    }

    func check<Key: RollupTableKey>(_ type: Key.Type, _ requests: [RequestDelta]) {
        var byPacked: [PackedRollupKey: [Int64?]] = [:]
        var byColumns: [[Int64?]: PackedRollupKey] = [:]
        for d in requests {
            let columns = Self.columns(Key.table, d)
            let packed = Key.packed(d)
            #expect(Key(packed: packed).columns == columns, "\(Key.table): \(d)")
            if let seen = byPacked[packed] { #expect(seen == columns, "\(Key.table): one packed key, two keys") }
            if let seen = byColumns[columns] { #expect(seen == packed, "\(Key.table): one key, two packed") }
            byPacked[packed] = columns
            byColumns[columns] = packed
        }
        // The requests share keys (the check above compared pairs), and are not all one key.
        #expect(byColumns.count > 10 && byColumns.count < requests.count, "\(Key.table): \(byColumns.count) keys")
    }

    @Test("Every rollup's key, made back from its packing, has the request's columns; equal packings, equal keys")
    func oneToOne() {
        let requests = Self.requests(20_000)
        check(RollupKey.self, requests)
        check(TrafficKey.self, requests)
        check(QuarterKey.self, requests)
        check(CallerKey.self, requests)
    }

    @Test("The sums kept by packed key apply as the sums by the rollup's columns would")
    func sumsByPackedKey() {
        let requests = Self.requests(5_000)
        var changes = RollupChanges()
        var expected: [[Int64?]: RollupSums] = [:]
        for d in requests {
            changes.replace(nil, with: d)
            expected[Self.columns("quarter_rollup", d), default: RollupSums()].add(d, sign: 1)
        }
        let applied: [QuarterKey: RollupSums] = RollupChanges.typed(changes.quarter)
        #expect(applied.count == expected.count)
        for (k, a) in applied {
            let v = expected[k.columns]
            #expect(a.requests == v?.requests && a.logged.bitPattern == v?.logged.bitPattern, "\(k)")
        }
    }
}
