-- attrib clickhouse-schema-1: tables for `attrib lines` output and the requests view.
-- One row per distinct event; a row delivered twice (a file read by two workers, a rerun) has the
-- same event_key and counts once: merges keep one, and the view dedups by event_key before adding up.
CREATE TABLE IF NOT EXISTS attrib_lines
(
    event_key Int64,
    time_ms Nullable(Int64),
    source LowCardinality(String),
    log_group Nullable(String),
    log_stream Nullable(String),
    request_id Nullable(String),
    statement Nullable(String),
    user_email Nullable(String),
    user_sub Nullable(String),
    auth_source Nullable(String),
    user_id Nullable(String),
    api_key_id Nullable(String),
    project Nullable(String),
    model_id Nullable(String),
    status Nullable(Int64),
    latency_ms Nullable(Int64),
    method Nullable(String),
    path Nullable(String),
    user_agent Nullable(String),
    logged_cost Nullable(Float64),
    is_json UInt8,
    is_usage UInt8,
    is_mantle UInt8,
    input_tokens Int64,
    output_tokens Int64,
    cache_read_tokens Int64,
    cache_write_tokens Int64
)
ENGINE = ReplacingMergeTree
ORDER BY event_key;

-- attrib's price table, per token (attrib clickhouse prices [--prices FILE]).
CREATE TABLE IF NOT EXISTS attrib_prices
(
    key String,
    input_per_token Float64,
    output_per_token Float64,
    cache_read_per_token Float64,
    cache_write_per_token Float64,
    priced UInt8 DEFAULT 1
)
ENGINE = Join(ANY, LEFT, key);

-- Each logged model id and the price key attrib's lookup rules resolve it to (exact key, ARN,
-- geo prefix, provider forms, aliases), from attrib itself (attrib clickhouse keys).
CREATE TABLE IF NOT EXISTS attrib_model_keys
(
    model_id String,
    key String
)
ENGINE = Join(ANY, LEFT, model_id);

-- attrib's requests: one row per request, assembled with attrib's merge rules.
CREATE VIEW IF NOT EXISTS attrib_requests AS
SELECT
    l_source AS source,
    l_request AS request_id,
    min(l_time_ms) AS start_ms,
    min(l_user_email) AS user_email,
    min(l_user_sub) AS user_sub,
    min(l_auth_source) AS auth_source,
    min(l_user_id) AS user_id,
    min(l_api_key_id) AS api_key_id,
    min(l_project) AS project,
    min(l_model_id) AS model,
    min(l_method) AS method,
    min(l_path) AS path,
    min(l_user_agent) AS user_agent,
    min(l_log_group) AS log_group,
    min(l_log_stream) AS log_stream,
    max(l_status) AS status,
    max(l_latency_ms) AS latency_ms,
    count() AS lines,
    sum(l_input_tokens) AS input_tokens,
    sum(l_output_tokens) AS output_tokens,
    sum(l_cache_read_tokens) AS cache_read_tokens,
    sum(l_cache_write_tokens) AS cache_write_tokens,
    sum(l_logged_cost) AS logged_cost,
    toInt64(max(l_model_id IS NOT NULL) * 1
        + max(l_is_mantle) * 2
        + max(l_is_usage) * 4
        + max(l_is_usage AND l_user_sub IS NULL AND l_user_email IS NULL) * 8
        + (count(l_request_id) = 0) * 16
        + (uniqExact(l_user_email) > 1) * 256
        + (uniqExact(l_user_sub) > 1) * 512
        + (uniqExact(l_auth_source) > 1) * 1024
        + (uniqExact(l_user_id) > 1) * 2048
        + (uniqExact(l_api_key_id) > 1) * 4096
        + (uniqExact(l_project) > 1) * 8192) AS flags
FROM
(
    SELECT *,
        ifNull(l_request_id, concat('orphan-', replaceRegexpOne(lower(hex(toUInt64(l_event_key))), '^0+', ''))) AS l_request
    FROM
    (
        SELECT event_key AS l_event_key,
            any(time_ms) AS l_time_ms,
            any(source) AS l_source,
            any(request_id) AS l_request_id,
            any(statement) AS l_statement,
            any(user_email) AS l_user_email,
            any(user_sub) AS l_user_sub,
            any(auth_source) AS l_auth_source,
            any(user_id) AS l_user_id,
            any(api_key_id) AS l_api_key_id,
            any(project) AS l_project,
            any(model_id) AS l_model_id,
            any(status) AS l_status,
            any(latency_ms) AS l_latency_ms,
            any(method) AS l_method,
            any(path) AS l_path,
            any(user_agent) AS l_user_agent,
            any(logged_cost) AS l_logged_cost,
            any(is_json) AS l_is_json,
            any(is_usage) AS l_is_usage,
            any(is_mantle) AS l_is_mantle,
            any(input_tokens) AS l_input_tokens,
            any(output_tokens) AS l_output_tokens,
            any(cache_read_tokens) AS l_cache_read_tokens,
            any(cache_write_tokens) AS l_cache_write_tokens,
            min(log_group) AS l_log_group,
            min(log_stream) AS l_log_stream
        FROM attrib_lines
        GROUP BY event_key
    )
    WHERE l_request_id IS NOT NULL OR l_is_usage = 1
)
GROUP BY l_source, l_request;