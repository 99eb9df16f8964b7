// The store's schema: a named, ordered list of migrations, and the documented views for `attrib sql`.

/// Bits of `request.flags`.
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
}

/// Bits of `line.flags`.
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
    /// The schema version this build writes (`PRAGMA user_version`).
    static let version = 5

    /// Migrations in order; migration N brings a store from version N-1 to N.
    static let migrations: [String] = [
        """
        CREATE TABLE dict(id INTEGER PRIMARY KEY, value TEXT NOT NULL UNIQUE);
        CREATE TABLE source(
            id INTEGER PRIMARY KEY,
            path TEXT NOT NULL,
            fingerprint TEXT,
            bytes INTEGER,
            shape TEXT,
            compression TEXT,
            events INTEGER NOT NULL DEFAULT 0,
            new_events INTEGER NOT NULL DEFAULT 0,
            duplicates INTEGER NOT NULL DEFAULT 0,
            rejects INTEGER NOT NULL DEFAULT 0,
            complete INTEGER NOT NULL DEFAULT 0,
            first_ms INTEGER,
            last_ms INTEGER,
            ingested_at INTEGER
        );
        CREATE INDEX source_fingerprint ON source(fingerprint);
        CREATE TABLE line(
            hash INTEGER PRIMARY KEY,
            ts INTEGER,
            request INTEGER,
            statement INTEGER,
            flags INTEGER NOT NULL,
            block INTEGER NOT NULL,
            slot INTEGER NOT NULL
        );
        CREATE TABLE block(id INTEGER PRIMARY KEY, events INTEGER NOT NULL, data BLOB NOT NULL);
        CREATE TABLE request(
            id INTEGER PRIMARY KEY,
            request_id TEXT NOT NULL,
            start_ms INTEGER,
            user_email INTEGER, user_sub INTEGER, auth_source INTEGER,
            user_id INTEGER, api_key_id INTEGER, project INTEGER,
            model INTEGER,
            status INTEGER, latency_ms INTEGER,
            method INTEGER, path INTEGER, user_agent INTEGER,
            log_group INTEGER, log_stream INTEGER,
            input_tokens INTEGER NOT NULL DEFAULT 0,
            output_tokens INTEGER NOT NULL DEFAULT 0,
            cache_read_tokens INTEGER NOT NULL DEFAULT 0,
            cache_write_tokens INTEGER NOT NULL DEFAULT 0,
            logged_cost REAL,
            lines INTEGER NOT NULL DEFAULT 0,
            flags INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE reject(
            id INTEGER PRIMARY KEY,
            source INTEGER NOT NULL,
            position TEXT NOT NULL,
            reason TEXT NOT NULL,
            raw BLOB,
            UNIQUE(source, position, reason)
        );
        CREATE TABLE statement_stats(
            statement INTEGER PRIMARY KEY,
            lines INTEGER NOT NULL,
            with_user_sub INTEGER NOT NULL,
            with_user_email INTEGER NOT NULL,
            with_auth_source INTEGER NOT NULL
        );
        CREATE VIEW requests AS
        SELECT r.request_id,
               r.start_ms,
               CASE WHEN r.start_ms IS NULL THEN NULL
                    ELSE strftime('%Y-%m-%dT%H:%M:%fZ', r.start_ms / 1000.0, 'unixepoch') END AS start_time,
               (SELECT value FROM dict WHERE id = r.user_email) AS user_email,
               (SELECT value FROM dict WHERE id = r.user_sub) AS user_sub,
               (SELECT value FROM dict WHERE id = r.auth_source) AS auth_source,
               (SELECT value FROM dict WHERE id = r.user_id) AS user_id,
               (SELECT value FROM dict WHERE id = r.api_key_id) AS api_key_id,
               (SELECT value FROM dict WHERE id = r.project) AS project,
               (SELECT value FROM dict WHERE id = r.model) AS model_id,
               CASE WHEN r.flags & 2 THEN 'mantle' WHEN r.flags & 1 THEN 'bedrock' END AS route,
               r.status,
               r.latency_ms,
               (SELECT value FROM dict WHERE id = r.method) AS method,
               (SELECT value FROM dict WHERE id = r.path) AS path,
               (SELECT value FROM dict WHERE id = r.user_agent) AS user_agent,
               (SELECT value FROM dict WHERE id = r.log_group) AS log_group,
               (SELECT value FROM dict WHERE id = r.log_stream) AS log_stream,
               r.input_tokens, r.output_tokens, r.cache_read_tokens, r.cache_write_tokens,
               r.input_tokens + r.output_tokens + r.cache_read_tokens + r.cache_write_tokens AS total_tokens,
               r.logged_cost,
               r.lines,
               (r.flags & 5) != 0 AS is_model_request,
               (r.flags & 16) != 0 AS is_orphan_usage,
               (r.flags & 16128) != 0 AS has_conflict
        FROM request r;
        \(eventsView)
        """,
        // 2: facts about the store itself (e.g. the schema it was migrated from), for support.
        """
        CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
        """,
        // 3: each line keeps the smallest log stream / group among its copies, so a duplicate only
        //    touches its request when it names a smaller one (ingest speed; same results).
        """
        ALTER TABLE line ADD COLUMN stream INTEGER;
        ALTER TABLE line ADD COLUMN log_group INTEGER;
        """,
        // 4: a rollup of requests by UTC day and identity x model x route x status, rebuilt after each
        //    ingest that changed requests; reports that need nothing finer read it instead of every request.
        """
        CREATE TABLE rollup(
            day INTEGER,
            model INTEGER,
            user_email INTEGER, user_sub INTEGER, auth_source INTEGER, user_id INTEGER, api_key_id INTEGER, project INTEGER,
            flags INTEGER NOT NULL,
            status INTEGER,
            has_logged INTEGER NOT NULL,
            requests INTEGER NOT NULL,
            input_tokens INTEGER NOT NULL, output_tokens INTEGER NOT NULL,
            cache_read_tokens INTEGER NOT NULL, cache_write_tokens INTEGER NOT NULL,
            logged_cost REAL
        );
        INSERT INTO meta(key, value) VALUES ('requests_generation', '1'), ('rollup_generation', '0');
        """,
        // 5: lines in arrival order (rowid) instead of keyed by their hash: appending is ~10x cheaper than
        //    inserting at random places in a 1.5M-row B-tree; dedup reads the hashes into memory instead.
        //    `lines_merged` is the last line whose request contributions are in the request table.
        """
        DROP VIEW events;
        CREATE TABLE line_v5(
            id INTEGER PRIMARY KEY,
            hash INTEGER NOT NULL,
            ts INTEGER,
            request INTEGER,
            statement INTEGER,
            flags INTEGER NOT NULL,
            block INTEGER NOT NULL,
            slot INTEGER NOT NULL,
            stream INTEGER,
            log_group INTEGER
        );
        INSERT INTO line_v5(hash, ts, request, statement, flags, block, slot, stream, log_group)
        SELECT hash, ts, request, statement, flags, block, slot, stream, log_group FROM line ORDER BY block, slot;
        DROP TABLE line;
        ALTER TABLE line_v5 RENAME TO line;
        \(eventsView)
        INSERT OR REPLACE INTO meta(key, value) VALUES ('lines_merged', (SELECT coalesce(max(id), 0) FROM line));
        """,
    ]

    /// The `events` view of `attrib sql` (SPEC §5).
    static let eventsView = """
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

    /// Rebuilds the rollup from the request table (flags keep the bits reports filter on, and 32 for
    /// "has a conflict").
    static let rebuildRollup = """
        DELETE FROM rollup;
        INSERT INTO rollup
        SELECT start_ms / 86400000, model, user_email, user_sub, auth_source, user_id, api_key_id, project,
               (flags & 31) | CASE WHEN flags & \(RequestFlag.anyConflict) THEN 32 ELSE 0 END, status,
               logged_cost IS NOT NULL, count(*), sum(input_tokens), sum(output_tokens), sum(cache_read_tokens),
               sum(cache_write_tokens), sum(logged_cost)
        FROM request GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11;
        UPDATE meta SET value = (SELECT value FROM meta WHERE key = 'requests_generation') WHERE key = 'rollup_generation';
        """
}
