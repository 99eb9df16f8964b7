// The traffic rollup: requests added up by UTC day × model × method × path × user agent × log group ×
// log stream × route × status, kept up to date like the day rollup (Rollup.swift). It answers the
// reports by the dimensions the day rollup lacks (path, user_agent, log_group, log_stream) without reading
// every request: a few thousand rows where the request table has hundreds of thousands.

/// One row of `traffic_rollup`: the grouping columns of `Schema.rebuildTrafficRollup`, in its order.
struct TrafficKey: Hashable, Comparable {
    var day: Int64?
    var model: Int64?
    var method: Int64?, path: Int64?, userAgent: Int64?, logGroup: Int64?, logStream: Int64?
    var flags: Int64
    var status: Int64?
    var hasLogged: Int64

    /// The request columns this rollup holds, as the dimension table names them.
    static let columns: Set<String> = ["model", "method", "path", "user_agent", "log_group", "log_stream", "status"]

    init(_ d: RequestDelta) {
        func id(_ v: Int32) -> Int64? { v == 0 ? nil : Int64(v) }
        day = d.startMs == .max ? nil : d.startMs / 86_400_000
        model = id(d.model)
        method = id(d.method)
        path = id(d.path)
        userAgent = id(d.userAgent)
        logGroup = id(d.logGroup)
        logStream = id(d.logStream)
        flags = (d.flags & RollupFlag.requestFlags) | (d.flags & RequestFlag.anyConflict != 0 ? RollupFlag.conflict : 0)
        status = d.status == .min ? nil : Int64(d.status)
        hasLogged = d.loggedCost.isNaN ? 0 : 1
    }

    init(row s: Statement) {
        day = s.optionalInt(0)
        model = s.optionalInt(1)
        method = s.optionalInt(2)
        path = s.optionalInt(3)
        userAgent = s.optionalInt(4)
        logGroup = s.optionalInt(5)
        logStream = s.optionalInt(6)
        flags = s.int(7)
        status = s.optionalInt(8)
        hasLogged = s.int(9)
    }

    /// One Hasher call per key, as RollupKey.
    func hash(into hasher: inout Hasher) {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15
        @inline(__always) func mix(_ v: Int64?) { h = (h ^ UInt64(bitPattern: v ?? -1)) &* 0xBF58_476D_1CE4_E5B9 }
        mix(day)
        mix(model)
        mix(method)
        mix(path)
        mix(userAgent)
        mix(logGroup)
        mix(logStream)
        mix(status)
        h = (h ^ UInt64(bitPattern: flags << 1 | hasLogged)) &* 0x94D0_49BB_1331_11EB
        hasher.combine(h)
    }

    var columns: [Int64?] { [day, model, method, path, userAgent, logGroup, logStream, flags, status, hasLogged] }

    /// SQLite's order for integers and NULLs (NULL first), as RollupKey.
    static func < (a: TrafficKey, b: TrafficKey) -> Bool {
        for (x, y) in zip(a.columns, b.columns) where x != y {
            guard let x else { return true }
            guard let y else { return false }
            return x < y
        }
        return false
    }

    /// Applies `changes` to the table (inside the caller's transaction): it is read whole, changed and
    /// written back in key order, as the day rollup.
    static func apply(_ changes: [TrafficKey: RollupSums], _ db: Connection) throws {
        guard !changes.isEmpty else { return }
        var rows: [TrafficKey: RollupSums] = [:]
        let s = try db.prepare(
            """
            SELECT day, model, method, path, user_agent, log_group, log_stream, flags, status, has_logged,
                   requests, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, logged_cost
            FROM traffic_rollup
            """)
        while try s.step() {
            rows[TrafficKey(row: s)] = RollupSums(
                requests: s.int(10), input: s.int(11), output: s.int(12), cacheRead: s.int(13),
                cacheWrite: s.int(14), logged: s.optionalDouble(15) ?? 0)
        }
        for (key, change) in changes { rows[key, default: RollupSums()].add(change) }
        try db.execute("DELETE FROM traffic_rollup")
        let insert = try db.prepare("INSERT INTO traffic_rollup VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
        for key in rows.keys.sorted() {
            let v = rows[key]!
            if v.requests == 0 { continue }
            for (i, c) in key.columns.enumerated() { insert.bind(Int32(i + 1), c) }
            insert.bind(11, v.requests)
            insert.bind(12, v.input)
            insert.bind(13, v.output)
            insert.bind(14, v.cacheRead)
            insert.bind(15, v.cacheWrite)
            insert.bind(16, key.hasLogged == 1 ? v.logged : nil)
            try insert.run()
        }
    }
}

extension Schema {
    /// Rebuilds the traffic rollup from the request table (flags as `RollupFlag`).
    static let rebuildTrafficRollup = """
        DELETE FROM traffic_rollup;
        INSERT INTO traffic_rollup
        SELECT start_ms / 86400000, model, method, path, user_agent, log_group, log_stream,
               (flags & \(RollupFlag.requestFlags)) | CASE WHEN flags & \(RequestFlag.anyConflict) THEN \(RollupFlag.conflict) ELSE 0 END, status,
               logged_cost IS NOT NULL, count(*), sum(input_tokens), sum(output_tokens), sum(cache_read_tokens),
               sum(cache_write_tokens), sum(logged_cost)
        FROM request GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10;
        """

    /// The earliest time of a line with a user_sub or user_email (gaps' cutover), kept in `meta` by each
    /// ingest so that gaps does not scan every line.
    static let recomputeIdentityCutover = """
        DELETE FROM meta WHERE key = 'identity_cutover';
        INSERT INTO meta(key, value)
        SELECT 'identity_cutover', min(ts) FROM line
        WHERE flags & \(LineFlag.userSub | LineFlag.userEmail) != 0 AND ts IS NOT NULL HAVING min(ts) IS NOT NULL;
        """
}
