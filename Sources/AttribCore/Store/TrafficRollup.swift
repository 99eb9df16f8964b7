// The traffic rollup: requests added up by UTC day × model × method × path × user agent × log group ×
// log stream × route × status, kept up to date like the day rollup (Rollup.swift). It answers the
// reports by the dimensions the day rollup lacks (path, user_agent, log_group, log_stream) without reading
// every request: a few thousand rows where the request table has hundreds of thousands.

/// One row of `traffic_rollup`: the grouping columns of `Schema.rebuildTrafficRollup`, in its order.
struct TrafficKey: RollupTableKey {
    static let table = "traffic_rollup"
    static let columnNames = [
        "day", "model", "method", "path", "user_agent", "log_group", "log_stream", "flags", "status", "has_logged",
    ]

    var day: Int64?
    var model: Int64?
    var method: Int64?, path: Int64?, userAgent: Int64?, logGroup: Int64?, logStream: Int64?
    var flags: Int64
    var status: Int64?
    var hasLogged: Int64

    /// The request columns this rollup holds, as the dimension table names them.
    static let requestColumns: Set<String> = [
        "model", "method", "path", "user_agent", "log_group", "log_stream", "status",
    ]

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
    static func packed(_ d: RequestDelta) -> PackedRollupKey {
        var p = PackedRollupKey(time: d.rollupDay)
        p.lanes[3] = d.model
        p.lanes[4] = d.method
        p.lanes[5] = d.path
        p.lanes[6] = d.userAgent
        p.lanes[7] = d.logGroup
        p.lanes[8] = d.logStream
        p.lanes[9] = Int32(truncatingIfNeeded: d.rollupFlags)
        p.lanes[10] = d.status
        p.lanes[11] = Int32(truncatingIfNeeded: d.rollupHasLogged)
        return p
    }

    init(packed p: PackedRollupKey) {
        day = p.time
        model = rollupId(p.lanes[3])
        method = rollupId(p.lanes[4])
        path = rollupId(p.lanes[5])
        userAgent = rollupId(p.lanes[6])
        logGroup = rollupId(p.lanes[7])
        logStream = rollupId(p.lanes[8])
        flags = Int64(p.lanes[9])
        status = p.status(10)
        hasLogged = Int64(p.lanes[11])
    }

    func hash(into hasher: inout Hasher) {
        var h = RollupHash()
        h.mix(day)
        h.mix(model)
        h.mix(method)
        h.mix(path)
        h.mix(userAgent)
        h.mix(logGroup)
        h.mix(logStream)
        h.mix(status)
        hasher.combine(h.finish(flags: flags, hasLogged: hasLogged))
    }

    var columns: [Int64?] { [day, model, method, path, userAgent, logGroup, logStream, flags, status, hasLogged] }
}

extension Schema {
    /// Rebuilds the traffic rollup from the request table (flags as `RollupFlag`).
    static let rebuildTrafficRollup = """
        DELETE FROM traffic_rollup;
        INSERT INTO traffic_rollup
        SELECT start_ms / 86400000, model, method, path, user_agent, log_group, log_stream,
               \(rollupFlagsSQL), status,
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
