// The store's schema: what the flag bits and identity columns mean, the `events` view of `attrib sql`,
// and the rollup's definition. The migrations that build it are in Migrations.swift.

/// Bits of `request.flags`. Stored, and written into the views' SQL: never renumbered.
enum RequestFlag {
    /// A line of the request named a model.
    static let model: Int64 = 1
    /// A line of the request is a Mantle statement (SPEC §3, Route).
    static let mantle: Int64 = 2
    /// A line of the request carried token usage.
    static let usage: Int64 = 4
    /// A usage line of the request had neither user_sub nor user_email.
    static let usageWithoutIdentity: Int64 = 8
    /// The request is a usage line that had no request_id.
    static let orphan: Int64 = 16
    /// Conflict bits: two different non-empty values of an identity field, one bit per field,
    /// starting here, in `IdentityField` order.
    static let conflictShift: Int64 = 8
    static func conflict(_ field: Int) -> Int64 { 1 << (conflictShift + Int64(field)) }
    static let anyConflict: Int64 = 0x3F << conflictShift
    /// What reports count as a model request (`is_model_request`): it named a model or carried usage.
    static let modelRequest: Int64 = model | usage
}

/// Bits of `rollup.flags`: the request flags reports filter on, and one bit for any conflict.
enum RollupFlag {
    static let requestFlags: Int64 =
        RequestFlag.model | RequestFlag.mantle | RequestFlag.usage | RequestFlag.usageWithoutIdentity
        | RequestFlag.orphan
    static let conflict: Int64 = 32
}

/// Bits of `line.flags`. Stored, and written into the `events` view: never renumbered.
enum LineFlag {
    static let userSub: Int64 = 1
    static let userEmail: Int64 = 2
    static let authSource: Int64 = 4
    static let usage: Int64 = 8
    static let json: Int64 = 16
}

/// The identity-like fields of a request, in storage order.
enum IdentityField: Int, CaseIterable {
    case userEmail, userSub, authSource, userId, apiKeyId, project
    var canonical: CanonicalField {
        switch self {
        case .userEmail: return .userEmail
        case .userSub: return .userSub
        case .authSource: return .authSource
        case .userId: return .userId
        case .apiKeyId: return .apiKeyId
        case .project: return .project
        }
    }
    var column: String {
        switch self {
        case .userEmail: return "user_email"
        case .userSub: return "user_sub"
        case .authSource: return "auth_source"
        case .userId: return "user_id"
        case .apiKeyId: return "api_key_id"
        case .project: return "project"
        }
    }
}

enum Schema {
    /// The schema version this build writes (`PRAGMA user_version`): the number of migrations.
    static let version = Migration.all.count

    /// The `events` view of `attrib sql` (SPEC §5), over the lines each block's row holds (`BlockLines`):
    /// `[event_key, ts, request, statement, flags, stream, log_group]` per slot.
    static let eventsView = """
        CREATE VIEW events AS
        SELECT l.hash AS event_key,
               l.ts,
               CASE WHEN l.ts IS NULL THEN NULL
                    ELSE strftime('%Y-%m-%dT%H:%M:%fZ', l.ts / 1000.0, 'unixepoch') END AS time,
               (SELECT request_id FROM request WHERE id = l.request) AS request_id,
               (SELECT value FROM dict WHERE id = l.statement) AS statement,
               (l.flags & \(LineFlag.userSub)) != 0 AS has_user_sub,
               (l.flags & \(LineFlag.userEmail)) != 0 AS has_user_email,
               (l.flags & \(LineFlag.authSource)) != 0 AS has_auth_source,
               (l.flags & \(LineFlag.usage)) != 0 AS is_usage,
               (l.flags & \(LineFlag.json)) != 0 AS is_json,
               l.block,
               l.slot
        FROM (SELECT b.id AS block, j.key AS slot,
                     json_extract(j.value, '$[0]') AS hash, json_extract(j.value, '$[1]') AS ts,
                     json_extract(j.value, '$[2]') AS request, json_extract(j.value, '$[3]') AS statement,
                     json_extract(j.value, '$[4]') AS flags
              FROM block b, json_each(b.lines) j) l;
        """

    /// The `events` view as migrations 1 to 10 made it, over the `line` table (a migration is never edited).
    static let eventsViewV1 = """
        CREATE VIEW events AS
        SELECT l.hash AS event_key,
               l.ts,
               CASE WHEN l.ts IS NULL THEN NULL
                    ELSE strftime('%Y-%m-%dT%H:%M:%fZ', l.ts / 1000.0, 'unixepoch') END AS time,
               (SELECT request_id FROM request WHERE id = l.request) AS request_id,
               (SELECT value FROM dict WHERE id = l.statement) AS statement,
               (l.flags & 1) != 0 AS has_user_sub,
               (l.flags & 2) != 0 AS has_user_email,
               (l.flags & 4) != 0 AS has_auth_source,
               (l.flags & 8) != 0 AS is_usage,
               (l.flags & 16) != 0 AS is_json,
               l.block,
               l.slot
        FROM line l;
        """

    /// Rebuilds the rollup from the request table (its flags are `RollupFlag`'s).
    /// A request's flags as both rollups keep them (`RequestDelta.rollupFlags` in SQL).
    static let rollupFlagsSQL =
        "(flags & \(RollupFlag.requestFlags)) | CASE WHEN flags & \(RequestFlag.anyConflict) THEN \(RollupFlag.conflict) ELSE 0 END"

    static let rebuildRollup = """
        DELETE FROM rollup;
        INSERT INTO rollup
        SELECT start_ms / 86400000, model, user_email, user_sub, auth_source, user_id, api_key_id, project,
               \(rollupFlagsSQL), status,
               logged_cost IS NOT NULL, count(*), sum(input_tokens), sum(output_tokens), sum(cache_read_tokens),
               sum(cache_write_tokens), sum(logged_cost)
        FROM request GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11;
        \(rebuildTrafficRollup)
        \(rebuildQuarterRollup)
        \(rebuildCallerRollup)
        UPDATE meta SET value = (SELECT value FROM meta WHERE key = 'requests_generation') WHERE key = 'rollup_generation';
        """
}
