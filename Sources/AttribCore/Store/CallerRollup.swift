// The caller rollup: requests added up by UTC day × model × source × principal × client address × token id ×
// route × status, kept up to date like the day rollup (Rollup.swift). It answers the reports by the mapping that
// read a request and by the caller's IAM principal or address, which neither other day rollup holds.

/// One row of `caller_rollup`: the grouping columns of `Schema.rebuildCallerRollup`, in its order.
struct CallerKey: RollupTableKey {
    static let table = "caller_rollup"
    static let columnNames = [
        "day", "model", "source", "principal", "client_ip", "token_id", "flags", "status", "has_logged",
    ]

    var day: Int64?
    var model: Int64?
    var source: Int64?, principal: Int64?, clientIp: Int64?, tokenId: Int64?
    var flags: Int64
    var status: Int64?
    var hasLogged: Int64

    /// The request columns this rollup holds, as the dimension table names them.
    static let requestColumns: Set<String> = ["model", "source", "principal", "client_ip", "token_id", "status"]

    init(row s: Statement) {
        day = s.optionalInt(0)
        model = s.optionalInt(1)
        source = s.optionalInt(2)
        principal = s.optionalInt(3)
        clientIp = s.optionalInt(4)
        tokenId = s.optionalInt(5)
        flags = s.int(6)
        status = s.optionalInt(7)
        hasLogged = s.int(8)
    }

    static func packed(_ d: RequestDelta) -> PackedRollupKey {
        var p = PackedRollupKey(time: d.rollupDay)
        p.lanes[3] = d.model
        p.lanes[4] = d.source
        p.lanes[5] = d.principal
        p.lanes[6] = d.clientIp
        p.lanes[7] = d.tokenId
        p.lanes[8] = Int32(truncatingIfNeeded: d.rollupFlags)
        p.lanes[9] = d.status
        p.lanes[10] = Int32(truncatingIfNeeded: d.rollupHasLogged)
        return p
    }

    init(packed p: PackedRollupKey) {
        day = p.time
        model = rollupId(p.lanes[3])
        source = rollupId(p.lanes[4])
        principal = rollupId(p.lanes[5])
        clientIp = rollupId(p.lanes[6])
        tokenId = rollupId(p.lanes[7])
        flags = Int64(p.lanes[8])
        status = p.status(9)
        hasLogged = Int64(p.lanes[10])
    }

    func hash(into hasher: inout Hasher) {
        var h = RollupHash()
        h.mix(day)
        h.mix(model)
        h.mix(source)
        h.mix(principal)
        h.mix(clientIp)
        h.mix(tokenId)
        h.mix(status)
        hasher.combine(h.finish(flags: flags, hasLogged: hasLogged))
    }

    var columns: [Int64?] { [day, model, source, principal, clientIp, tokenId, flags, status, hasLogged] }
}

extension Schema {
    /// Rebuilds the caller rollup from the request table (flags as `RollupFlag`).
    static let rebuildCallerRollup = """
        DELETE FROM caller_rollup;
        INSERT INTO caller_rollup
        SELECT start_ms / 86400000, model, source, principal, client_ip, token_id, \(rollupFlagsSQL), status,
               logged_cost IS NOT NULL, count(*), sum(input_tokens), sum(output_tokens), sum(cache_read_tokens),
               sum(cache_write_tokens), sum(logged_cost)
        FROM request GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9 ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9;
        """
}

extension ReportDimension {
    /// The caller rollup holds what this dimension needs (time buckets: days and coarser, in UTC).
    var inCallerRollup: Bool { inDayRollup(holding: CallerKey.requestColumns) }
}
