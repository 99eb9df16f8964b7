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

    func check<Key: RollupTableKey>(_ type: Key.Type, _ requests: [RequestDelta]) {
        var byPacked: [PackedRollupKey: Key] = [:]
        var byTyped: [Key: PackedRollupKey] = [:]
        for d in requests {
            let typed = Key(d)
            let packed = Key.packed(d)
            #expect(Key(packed: packed) == typed, "\(Key.table): \(d)")
            if let seen = byPacked[packed] { #expect(seen == typed, "\(Key.table): one packed key, two typed") }
            if let seen = byTyped[typed] { #expect(seen == packed, "\(Key.table): one typed key, two packed") }
            byPacked[packed] = typed
            byTyped[typed] = packed
        }
        // The requests share keys (the check above compared pairs), and are not all one key.
        #expect(byTyped.count > 10 && byTyped.count < requests.count, "\(Key.table): \(byTyped.count) keys")
    }

    @Test("Every rollup's key, made back from its packing, is the request's; equal packings, equal keys")
    func oneToOne() {
        let requests = Self.requests(20_000)
        check(RollupKey.self, requests)
        check(TrafficKey.self, requests)
        check(QuarterKey.self, requests)
        check(CallerKey.self, requests)
    }

    @Test("The sums kept by packed key apply as the sums by typed key would")
    func sumsByPackedKey() {
        let requests = Self.requests(5_000)
        var changes = RollupChanges()
        var typed: [QuarterKey: RollupSums] = [:]
        for d in requests {
            changes.replace(nil, with: d)
            typed[QuarterKey(d), default: RollupSums()].add(d, sign: 1)
        }
        let applied: [QuarterKey: RollupSums] = RollupChanges.typed(changes.quarter)
        #expect(applied.count == typed.count)
        for (k, v) in typed {
            let a = applied[k]
            #expect(a?.requests == v.requests && a?.logged.bitPattern == v.logged.bitPattern, "\(k)")
        }
    }
}
