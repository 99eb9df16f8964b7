// The day rollup kept up to date from the requests an ingest writes, instead of a GROUP BY over every
// request after each ingest (0.7 s at 400k requests, single-threaded, at the end of the run).

/// A rollup's key: integer grouping columns, written and read in the table's column order. The day rollup
/// and the traffic rollup (TrafficRollup.swift) are two of them, kept up to date the same way.
protocol RollupTableKey: Hashable, Comparable {
    static var table: String { get }
    /// The grouping columns' names, in the table's order (the sums follow them).
    static var columnNames: [String] { get }
    /// The key's values, in `columnNames` order.
    var columns: [Int64?] { get }
    init(row s: Statement)
    /// The key of a request, as `PackedRollupKey` lanes (the run's sums are kept by these), and made back
    /// from them, one to one.
    static func packed(_ d: RequestDelta) -> PackedRollupKey
    init(packed p: PackedRollupKey)
}

extension RollupTableKey {
    /// SQLite's order for integers and NULLs (NULL first), so the table's rows come out the same
    /// whichever way it was built.
    static func < (a: Self, b: Self) -> Bool { precedes(a.columns, b.columns) }

    /// SQLite's order of two keys' columns.
    static func precedes(_ a: [Int64?], _ b: [Int64?]) -> Bool {
        for (x, y) in zip(a, b) where x != y {
            guard let x else { return true }
            guard let y else { return false }
            return x < y
        }
        return false
    }

    /// Applies `changes` to the table (inside the caller's transaction): it is read whole, changed and
    /// written back in key order.
    static func apply(_ changes: [Self: RollupSums], _ db: Connection) throws {
        guard !changes.isEmpty else { return }
        let n = Int32(columnNames.count)
        var rows: [Self: RollupSums] = [:]
        let sums = "requests, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, logged_cost"
        let s = try db.prepare("SELECT \(columnNames.joined(separator: ", ")), \(sums) FROM \(table)")
        while try s.step() {
            if rows.isEmpty { rows.reserveCapacity(changes.count) }
            rows[Self(row: s)] = RollupSums(
                requests: s.int(n), input: s.int(n + 1), output: s.int(n + 2), cacheRead: s.int(n + 3),
                cacheWrite: s.int(n + 4), logged: s.optionalDouble(n + 5) ?? 0)
        }
        if rows.isEmpty {
            // An empty table (a new store): the changes are its rows (0 + a sum is the sum: never -0).
            rows = changes
        } else {
            for (key, change) in changes { rows[key, default: RollupSums()].add(change) }
        }
        try db.execute("DELETE FROM \(table)")
        // Each key's columns are made once (as `<` would make them twice a comparison).
        let ordered = rows.compactMap { $0.value.requests == 0 ? nil : (columns: $0.key.columns, sums: $0.value) }
            .sorted { precedes($0.columns, $1.columns) }
        // 32 rows to a statement (a new store's quarter rollup alone is ~28,000 rows at 400k requests).
        let insert = try RowInserter(
            db, table: table,
            columns: columnNames + [
                "requests", "input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens", "logged_cost",
            ]
        ) { s, c, row in
            let (columns, v) = ordered[row]
            for (i, value) in columns.enumerated() { s.bind(c + Int32(i), value) }
            s.bind(c + n, v.requests)
            s.bind(c + n + 1, v.input)
            s.bind(c + n + 2, v.output)
            s.bind(c + n + 3, v.cacheRead)
            s.bind(c + n + 4, v.cacheWrite)
            // The last grouping column is has_logged.
            s.bind(c + n + 5, columns.last! == 1 ? v.logged : nil)
        }
        for row in ordered.indices { try insert.add(row) }
        try insert.finish()
    }
}

extension RequestDelta {
    /// The parts of a request every rollup groups by, as rollup columns.
    var rollupDay: Int64? { startMs == .max ? nil : startMs / 86_400_000 }
    var rollupFlags: Int64 {
        (flags & RollupFlag.requestFlags) | (flags & RequestFlag.anyConflict != 0 ? RollupFlag.conflict : 0)
    }
    var rollupHasLogged: Int64 { loggedCost.isNaN ? 0 : 1 }
}

/// A rollup key's hash in one Hasher call (the synthesized hash feeds it every optional: ~60 ms at 400k).
struct RollupHash {
    private var h: UInt64 = 0x9E37_79B9_7F4A_7C15
    @inline(__always) mutating func mix(_ v: Int64?) { h = (h ^ UInt64(bitPattern: v ?? -1)) &* 0xBF58_476D_1CE4_E5B9 }
    @inline(__always) func finish(flags: Int64, hasLogged: Int64) -> UInt64 {
        (h ^ UInt64(bitPattern: flags << 1 | hasLogged)) &* 0x94D0_49BB_1331_11EB
    }
}

/// A dictionary id as a rollup column (0 is none).
@inline(__always) func rollupId(_ v: Int32) -> Int64? { v == 0 ? nil : Int64(v) }

/// One row of the rollup table: the grouping columns of `Schema.rebuildRollup`, in its order.
struct RollupKey: RollupTableKey {
    static let table = "rollup"
    static let columnNames = [
        "day", "model", "user_email", "user_sub", "auth_source", "user_id", "api_key_id", "project", "flags",
        "status", "has_logged",
    ]

    var day: Int64?
    var model: Int64?
    var userEmail: Int64?, userSub: Int64?, authSource: Int64?, userId: Int64?, apiKeyId: Int64?, project: Int64?
    var flags: Int64
    var status: Int64?
    var hasLogged: Int64

    init(row s: Statement) {
        day = s.optionalInt(0)
        model = s.optionalInt(1)
        userEmail = s.optionalInt(2)
        userSub = s.optionalInt(3)
        authSource = s.optionalInt(4)
        userId = s.optionalInt(5)
        apiKeyId = s.optionalInt(6)
        project = s.optionalInt(7)
        flags = s.int(8)
        status = s.optionalInt(9)
        hasLogged = s.int(10)
    }

    static func packed(_ d: RequestDelta) -> PackedRollupKey {
        var p = PackedRollupKey(time: d.rollupDay)
        p.lanes[3] = d.model
        p.lanes[4] = d.userEmail
        p.lanes[5] = d.userSub
        p.lanes[6] = d.authSource
        p.lanes[7] = d.userId
        p.lanes[8] = d.apiKeyId
        p.lanes[9] = d.project
        p.lanes[10] = Int32(truncatingIfNeeded: d.rollupFlags)
        p.lanes[11] = d.status
        p.lanes[12] = Int32(truncatingIfNeeded: d.rollupHasLogged)
        return p
    }

    init(packed p: PackedRollupKey) {
        day = p.time
        model = rollupId(p.lanes[3])
        userEmail = rollupId(p.lanes[4])
        userSub = rollupId(p.lanes[5])
        authSource = rollupId(p.lanes[6])
        userId = rollupId(p.lanes[7])
        apiKeyId = rollupId(p.lanes[8])
        project = rollupId(p.lanes[9])
        flags = Int64(p.lanes[10])
        status = p.status(11)
        hasLogged = Int64(p.lanes[12])
    }

    /// One Hasher call per key (RollupHash).
    func hash(into hasher: inout Hasher) {
        var h = RollupHash()
        h.mix(day)
        h.mix(model)
        h.mix(userEmail)
        h.mix(userSub)
        h.mix(authSource)
        h.mix(userId)
        h.mix(apiKeyId)
        h.mix(project)
        h.mix(status)
        hasher.combine(h.finish(flags: flags, hasLogged: hasLogged))
    }

    var columns: [Int64?] {
        [day, model, userEmail, userSub, authSource, userId, apiKeyId, project, flags, status, hasLogged]
    }
}

struct RollupSums {
    var requests: Int64 = 0
    var input: Int64 = 0
    var output: Int64 = 0
    var cacheRead: Int64 = 0
    var cacheWrite: Int64 = 0
    var logged: Double = 0

    mutating func add(_ d: RequestDelta, sign: Int64) {
        requests += sign
        input += sign * d.input
        output += sign * d.output
        cacheRead += sign * d.cacheRead
        cacheWrite += sign * d.cacheWrite
        if !d.loggedCost.isNaN { logged += Double(sign) * d.loggedCost }
    }

    mutating func add(_ o: RollupSums) {
        requests += o.requests
        input += o.input
        output += o.output
        cacheRead += o.cacheRead
        cacheWrite += o.cacheWrite
        logged += o.logged
    }
}

/// A rollup key as a request makes it, in sixteen Int32 lanes: a request's fields are Int32 dictionary ids
/// (0: none), its status an Int32 (`.min`: none), its flags a few bits, its day or quarter hour two lanes
/// and whether it has one. The run's sums are kept under these while requests are written: a typed key is
/// up to 11 optional Int64 (176 bytes) and its dictionary's finds and copies, four per request, were a
/// quarter of the end of a run; this one hashes and compares as one 64-byte vector. Each key type packs the
/// values it groups by (`packed`) and is made back from them (`init(packed:)`), one to one, when the sums
/// are applied.
struct PackedRollupKey: Hashable {
    var lanes = SIMD16<Int32>()

    /// Lanes 0–2: a day or quarter hour (low and high halves, and 1 when there is one).
    init(time: Int64?) {
        if let time {
            lanes[0] = Int32(truncatingIfNeeded: time)
            lanes[1] = Int32(truncatingIfNeeded: time >> 32)
            lanes[2] = 1
        }
    }

    var time: Int64? {
        lanes[2] == 0 ? nil : Int64(lanes[1]) << 32 | Int64(UInt32(bitPattern: lanes[0]))
    }

    /// The status of lane `i` as a rollup column.
    func status(_ i: Int) -> Int64? { lanes[i] == .min ? nil : Int64(lanes[i]) }

    /// As eight words (SIMD's `==` compared lane by lane through memory here).
    static func == (a: Self, b: Self) -> Bool {
        let x = unsafeBitCast(a.lanes, to: SIMD8<UInt64>.self) ^ unsafeBitCast(b.lanes, to: SIMD8<UInt64>.self)
        return (x[0] | x[1] | x[2] | x[3] | x[4] | x[5] | x[6] | x[7]) == 0
    }

    func hash(into hasher: inout Hasher) {
        let w = unsafeBitCast(lanes, to: SIMD8<UInt64>.self)
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15
        for i in 0..<8 { h = (h ^ w[i]) &* 0xBF58_476D_1CE4_E5B9 }
        hasher.combine(h ^ h >> 31)
    }
}

/// What the run's request writes change in the rollup. Logged costs are doubles: a request that had one
/// and changes would leave rounding residue after subtracting, so then the rollup is rebuilt instead.
struct RollupChanges {
    /// The changes to the day rollup (`RollupKey`), the traffic rollup (TrafficRollup.swift), the quarter-hour
    /// rollup (QuarterRollup.swift) and the caller rollup (CallerRollup.swift), by packed key.
    private(set) var changes: [PackedRollupKey: RollupSums] = [:]
    private(set) var traffic: [PackedRollupKey: RollupSums] = [:]
    private(set) var quarter: [PackedRollupKey: RollupSums] = [:]
    private(set) var caller: [PackedRollupKey: RollupSums] = [:]
    private(set) var needsRebuild = false

    mutating func replace(_ old: RequestDelta?, with new: RequestDelta) {
        if let old {
            if !old.loggedCost.isNaN { needsRebuild = true }
            changes[RollupKey.packed(old), default: RollupSums()].add(old, sign: -1)
            traffic[TrafficKey.packed(old), default: RollupSums()].add(old, sign: -1)
            quarter[QuarterKey.packed(old), default: RollupSums()].add(old, sign: -1)
            caller[CallerKey.packed(old), default: RollupSums()].add(old, sign: -1)
        }
        changes[RollupKey.packed(new), default: RollupSums()].add(new, sign: 1)
        traffic[TrafficKey.packed(new), default: RollupSums()].add(new, sign: 1)
        quarter[QuarterKey.packed(new), default: RollupSums()].add(new, sign: 1)
        caller[CallerKey.packed(new), default: RollupSums()].add(new, sign: 1)
    }

    mutating func markStale() { needsRebuild = true }

    /// No sum changed yet.
    private var sumsAreEmpty: Bool { changes.isEmpty && traffic.isEmpty && quarter.isEmpty && caller.isEmpty }

    /// No change yet (and none asked for: the rollup is not stale).
    var isEmpty: Bool { sumsAreEmpty && !needsRebuild }

    /// Adds another set of changes to these (the two halves of a new store's requests, `RequestHalves.swift`).
    mutating func add(_ other: RollupChanges) {
        if sumsAreEmpty {
            // Each sum is then 0 + other's, which is other's to the bit (a sum of costs is never -0).
            let rebuild = needsRebuild
            self = other
            needsRebuild = needsRebuild || rebuild
            return
        }
        for (k, v) in other.changes { changes[k, default: RollupSums()].add(v) }
        for (k, v) in other.traffic { traffic[k, default: RollupSums()].add(v) }
        for (k, v) in other.quarter { quarter[k, default: RollupSums()].add(v) }
        for (k, v) in other.caller { caller[k, default: RollupSums()].add(v) }
        needsRebuild = needsRebuild || other.needsRebuild
    }

    /// Applies the changes to every rollup table (inside the caller's transaction).
    func apply(_ db: Connection) throws {
        try RollupKey.apply(Self.typed(changes), db)
        try TrafficKey.apply(Self.typed(traffic), db)
        try QuarterKey.apply(Self.typed(quarter), db)
        try CallerKey.apply(Self.typed(caller), db)
    }

    /// The changes by typed key (packing is one to one: no two packed keys make the same typed one).
    static func typed<Key: RollupTableKey>(_ packed: [PackedRollupKey: RollupSums]) -> [Key: RollupSums] {
        var typed = [Key: RollupSums](minimumCapacity: packed.count)
        for (k, v) in packed { typed[Key(packed: k), default: RollupSums()].add(v) }
        return typed
    }
}
