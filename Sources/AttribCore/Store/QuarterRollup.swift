// The quarter-hour rollup: requests added up by UTC quarter hour × model × identified × route × status,
// kept up to date like the day rollup (Rollup.swift). Every zone's offset is a multiple of 15 minutes, so
// its quarters fall inside one hour, day, week and month of any zone: it answers reports by hour, and by
// day, week or month in a zone other than UTC (and gaps there), without reading every request.

/// One row of `quarter_rollup`: the grouping columns of `Schema.rebuildQuarterRollup`, in its order.
struct QuarterKey: RollupTableKey {
    static let table = "quarter_rollup"
    static let columnNames = ["quarter", "model", "identified", "flags", "status", "has_logged"]

    var quarter: Int64?
    var model: Int64?
    /// 1 when the request has a user_email or user_sub (gaps' `attributed`).
    var identified: Int64
    var flags: Int64
    var status: Int64?
    var hasLogged: Int64

    init(row s: Statement) {
        quarter = s.optionalInt(0)
        model = s.optionalInt(1)
        identified = s.int(2)
        flags = s.int(3)
        status = s.optionalInt(4)
        hasLogged = s.int(5)
    }

    static func packed(_ d: RequestDelta) -> PackedRollupKey {
        var p = PackedRollupKey(time: d.startMs == .max ? nil : d.startMs / 900_000)
        p.lanes[3] = d.model
        p.lanes[4] = d.userEmail != 0 || d.userSub != 0 ? 1 : 0
        p.lanes[5] = Int32(truncatingIfNeeded: d.rollupFlags)
        p.lanes[6] = d.status
        p.lanes[7] = Int32(truncatingIfNeeded: d.rollupHasLogged)
        return p
    }

    init(packed p: PackedRollupKey) {
        quarter = p.time
        model = rollupId(p.lanes[3])
        identified = Int64(p.lanes[4])
        flags = Int64(p.lanes[5])
        status = p.status(6)
        hasLogged = Int64(p.lanes[7])
    }

    func hash(into hasher: inout Hasher) {
        var h = RollupHash()
        h.mix(quarter)
        h.mix(model)
        h.mix(status)
        hasher.combine(h.finish(flags: flags << 1 | identified, hasLogged: hasLogged))
    }

    var columns: [Int64?] { [quarter, model, identified, flags, status, hasLogged] }
}

extension Schema {
    /// Rebuilds the quarter-hour rollup from the request table (flags as `RollupFlag`).
    static let rebuildQuarterRollup = """
        DELETE FROM quarter_rollup;
        INSERT INTO quarter_rollup
        SELECT start_ms / 900000, model, user_email IS NOT NULL OR user_sub IS NOT NULL, \(rollupFlagsSQL), status,
               logged_cost IS NOT NULL, count(*), sum(input_tokens), sum(output_tokens), sum(cache_read_tokens),
               sum(cache_write_tokens), sum(logged_cost)
        FROM request GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6;
        """
}

extension ReportDimension {
    /// The quarter-hour rollup holds what this dimension needs (time buckets in any zone whose offsets are
    /// whole quarter hours; the planner checks).
    var inQuarterRollup: Bool {
        switch value {
        case .dictionary(let column): return column == "model"
        case .integer(let column): return column == "status"
        case .route, .priceKey, .bucket, .attributed: return true
        case .firstOf, .tag: return false
        }
    }
}
