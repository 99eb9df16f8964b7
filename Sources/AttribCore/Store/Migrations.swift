// The store's migrations: a named, ordered list. `PRAGMA user_version` counts those applied, so a
// store written by any earlier attrib is brought up to date, and one from a newer attrib is refused.

/// One step of the schema. Its SQL is applied once, never edited afterwards: a change is a new migration.
struct Migration {
    /// A stable name, "<version>-<what it does>", for messages and for reading the history.
    let id: String
    let sql: String
}

extension Migration {
    /// Migrations in order; migration N (`all[N - 1]`) brings a store from version N-1 to N.
    static let all: [Migration] = [
        // 1: dictionary, sources, lines, raw blocks, requests, rejects, statement statistics, and the
        //    `requests` and `events` views of `attrib sql`.
        Migration(
            id: "1-tables-and-views",
            sql: """
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
                       CASE WHEN r.flags & \(RequestFlag.mantle) THEN 'mantle' WHEN r.flags & \(RequestFlag.model) THEN 'bedrock' END AS route,
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
                       (r.flags & \(RequestFlag.modelRequest)) != 0 AS is_model_request,
                       (r.flags & \(RequestFlag.orphan)) != 0 AS is_orphan_usage,
                       (r.flags & \(RequestFlag.anyConflict)) != 0 AS has_conflict
                FROM request r;
                \(Schema.eventsViewV1)
                """),
        // 2: facts about the store itself (e.g. the schema it was migrated from), for support.
        Migration(
            id: "2-meta",
            sql: """
                CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
                """),
        // 3: each line keeps the smallest log stream / group among its copies, so a duplicate only
        //    touches its request when it names a smaller one (ingest speed; same results).
        Migration(
            id: "3-line-stream-and-group",
            sql: """
                ALTER TABLE line ADD COLUMN stream INTEGER;
                ALTER TABLE line ADD COLUMN log_group INTEGER;
                """),
        // 4: a rollup of requests by UTC day and identity x model x route x status, rebuilt after each
        //    ingest that changed requests; reports that need nothing finer read it instead of every request.
        Migration(
            id: "4-rollup",
            sql: """
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
                """),
        // 5: lines in arrival order (rowid) instead of keyed by their hash: appending is ~10x cheaper than
        //    inserting at random places in a 1.5M-row B-tree; dedup reads the hashes into memory instead.
        //    `lines_merged` is the last line whose request contributions are in the request table.
        Migration(
            id: "5-lines-in-arrival-order",
            sql: """
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
                \(Schema.eventsViewV1)
                INSERT OR REPLACE INTO meta(key, value) VALUES ('lines_merged', (SELECT coalesce(max(id), 0) FROM line));
                """),
        // 6: the traffic rollup (by day x model x method x path x user agent x log group x log stream x route x
        //    status), kept up to date with the day rollup, for the reports the day rollup cannot answer; and
        //    gaps' identity cutover kept in meta instead of found by a scan of every line.
        Migration(
            id: "6-traffic-rollup",
            sql: """
                CREATE TABLE traffic_rollup(
                    day INTEGER,
                    model INTEGER,
                    method INTEGER, path INTEGER, user_agent INTEGER, log_group INTEGER, log_stream INTEGER,
                    flags INTEGER NOT NULL,
                    status INTEGER,
                    has_logged INTEGER NOT NULL,
                    requests INTEGER NOT NULL,
                    input_tokens INTEGER NOT NULL, output_tokens INTEGER NOT NULL,
                    cache_read_tokens INTEGER NOT NULL, cache_write_tokens INTEGER NOT NULL,
                    logged_cost REAL
                );
                \(Schema.rebuildTrafficRollup)
                \(Schema.recomputeIdentityCutover)
                """),
        // 7: each request knows the mapping that read it (`source`: request ids are joined within a source),
        //    and the caller's IAM principal and address. Every request stored before was read by the router's.
        Migration(
            id: "7-request-source-principal-client-ip",
            sql: """
                ALTER TABLE request ADD COLUMN source INTEGER;
                ALTER TABLE request ADD COLUMN principal INTEGER;
                ALTER TABLE request ADD COLUMN client_ip INTEGER;
                INSERT OR IGNORE INTO dict(value) SELECT 'router' WHERE EXISTS (SELECT 1 FROM request);
                UPDATE request SET source = (SELECT id FROM dict WHERE value = 'router');
                DROP VIEW requests;
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
                       CASE WHEN r.flags & \(RequestFlag.mantle) THEN 'mantle' WHEN r.flags & \(RequestFlag.model) THEN 'bedrock' END AS route,
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
                       (r.flags & \(RequestFlag.modelRequest)) != 0 AS is_model_request,
                       (r.flags & \(RequestFlag.orphan)) != 0 AS is_orphan_usage,
                       (r.flags & \(RequestFlag.anyConflict)) != 0 AS has_conflict,
                       (SELECT value FROM dict WHERE id = r.source) AS source,
                       (SELECT value FROM dict WHERE id = r.principal) AS principal,
                       (SELECT value FROM dict WHERE id = r.client_ip) AS client_ip
                FROM request r;
                """),
        // 8: Bedrock's lines of AWS bills (CUR 2.0, legacy CUR), whole billing periods replaced by each delivery,
        //    money in integer micro-dollars; `bill_setting` remembers e.g. the gateway's own IAM principal.
        Migration(
            id: "8-bill-lines",
            sql: """
                CREATE TABLE bill_line(
                    id INTEGER PRIMARY KEY,
                    period TEXT NOT NULL,
                    start_ms INTEGER NOT NULL,
                    end_ms INTEGER NOT NULL,
                    account TEXT,
                    product_code TEXT NOT NULL,
                    product_name TEXT,
                    kind TEXT NOT NULL,
                    line_item_type TEXT NOT NULL,
                    usage_type TEXT NOT NULL,
                    operation TEXT,
                    usage_amount REAL NOT NULL,
                    pricing_unit TEXT,
                    unblended_micros INTEGER NOT NULL,
                    net_micros INTEGER,
                    principal TEXT,
                    file TEXT NOT NULL,
                    line INTEGER NOT NULL
                );
                CREATE INDEX bill_line_period ON bill_line(period);
                CREATE TABLE bill_setting(key TEXT PRIMARY KEY, value TEXT NOT NULL);
                """),
        // 9: a gateway's own token id (llm-proxy's `token_id`), and request metadata tags (Bedrock's
        //    `requestMetadata`: the `meta.KEY` dimensions) beside the request, a row per request and key, so a
        //    request without tags costs nothing. `request_tags` shows them as text.
        Migration(
            id: "9-request-token-id-and-tags",
            sql: """
                ALTER TABLE request ADD COLUMN token_id INTEGER;
                CREATE TABLE request_tag(
                    request INTEGER NOT NULL,
                    key INTEGER NOT NULL,
                    value INTEGER NOT NULL,
                    PRIMARY KEY(request, key)
                ) WITHOUT ROWID;
                CREATE VIEW request_tags AS
                SELECT r.request_id, k.value AS key, v.value AS value
                FROM request_tag t JOIN request r ON r.id = t.request JOIN dict k ON k.id = t.key JOIN dict v ON v.id = t.value;
                DROP VIEW requests;
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
                       CASE WHEN r.flags & \(RequestFlag.mantle) THEN 'mantle' WHEN r.flags & \(RequestFlag.model) THEN 'bedrock' END AS route,
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
                       (r.flags & \(RequestFlag.modelRequest)) != 0 AS is_model_request,
                       (r.flags & \(RequestFlag.orphan)) != 0 AS is_orphan_usage,
                       (r.flags & \(RequestFlag.anyConflict)) != 0 AS has_conflict,
                       (SELECT value FROM dict WHERE id = r.source) AS source,
                       (SELECT value FROM dict WHERE id = r.principal) AS principal,
                       (SELECT value FROM dict WHERE id = r.client_ip) AS client_ip,
                       (SELECT value FROM dict WHERE id = r.token_id) AS token_id
                FROM request r;
                """),
        // 10: the quarter-hour rollup (UTC quarter hour x model x identified x route x status: hours, and days,
        //    weeks and months in any zone) and the caller rollup (day x model x source x principal x client
        //    address x token id x route x status), kept up to date with the day rollup; built here from the requests.
        Migration(
            id: "10-quarter-and-caller-rollups",
            sql: """
                CREATE TABLE quarter_rollup(
                    quarter INTEGER,
                    model INTEGER,
                    identified INTEGER NOT NULL,
                    flags INTEGER NOT NULL,
                    status INTEGER,
                    has_logged INTEGER NOT NULL,
                    requests INTEGER NOT NULL,
                    input_tokens INTEGER NOT NULL, output_tokens INTEGER NOT NULL,
                    cache_read_tokens INTEGER NOT NULL, cache_write_tokens INTEGER NOT NULL,
                    logged_cost REAL
                );
                CREATE TABLE caller_rollup(
                    day INTEGER,
                    model INTEGER,
                    source INTEGER, principal INTEGER, client_ip INTEGER, token_id INTEGER,
                    flags INTEGER NOT NULL,
                    status INTEGER,
                    has_logged INTEGER NOT NULL,
                    requests INTEGER NOT NULL,
                    input_tokens INTEGER NOT NULL, output_tokens INTEGER NOT NULL,
                    cache_read_tokens INTEGER NOT NULL, cache_write_tokens INTEGER NOT NULL,
                    logged_cost REAL
                );
                \(Schema.rebuildQuarterRollup)
                \(Schema.rebuildCallerRollup)
                """),
        // 11: a block's lines in the block's row (`BlockLines`: a JSON array per slot) instead of a row each
        //    (a line row was ~11% of an ingest); sources' time range per block; the recovery mark counts blocks.
        Migration(
            id: "11-lines-in-blocks",
            sql: """
                DROP VIEW events;
                ALTER TABLE block ADD COLUMN lines TEXT;
                ALTER TABLE block ADD COLUMN first_ms INTEGER;
                ALTER TABLE block ADD COLUMN last_ms INTEGER;
                CREATE INDEX line_block_slot ON line(block, slot);
                UPDATE block SET
                    lines = (SELECT json_group_array(json_array(hash, ts, coalesce(request, 0), coalesce(statement, 0),
                                                                flags, coalesce(stream, 0), coalesce(log_group, 0)))
                             FROM (SELECT * FROM line WHERE line.block = block.id ORDER BY slot)),
                    first_ms = (SELECT min(ts) FROM line WHERE line.block = block.id),
                    last_ms = (SELECT max(ts) FROM line WHERE line.block = block.id);
                INSERT OR REPLACE INTO meta(key, value) VALUES ('blocks_merged', (
                    SELECT coalesce(max(block), 0) FROM line
                    WHERE id <= coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'lines_merged'), 0)));
                DELETE FROM meta WHERE key = 'lines_merged';
                DROP TABLE line;
                \(Schema.eventsView)
                """),
    ]
}
