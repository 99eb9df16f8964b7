-- report-hour-where (request); arguments: 1772330400000, 1772416800000, '/health', 'claude-cli/[^0]*'
SELECT v0, v1, model_id, has_logged, sum(m0), sum(m1), sum(m2), sum(m3), sum(m4), sum(m5)
FROM (
  SELECT strftime('%Y-%m-%dT%H:00', g.c2 * 900, 'unixepoch') AS v0, CAST(g.c3 AS TEXT) AS v1, (SELECT value FROM dict WHERE id = g.c4) AS v2, (SELECT value FROM dict WHERE id = g.c5) AS v3, (SELECT value FROM dict WHERE id = g.c0) AS model_id, g.c1 AS has_logged, g.m0, g.m1, g.m2, g.m3, g.m4, g.m5
  FROM (
    SELECT model AS c0, (logged_cost IS NOT NULL) AS c1, (start_ms / 900000) AS c2, status AS c3, path AS c4, user_agent AS c5, count(*) AS m0, sum(input_tokens) AS m1, sum(output_tokens) AS m2, sum(cache_read_tokens) AS m3, sum(cache_write_tokens) AS m4, sum(logged_cost) AS m5
    FROM request
    WHERE (flags & 5) != 0 AND start_ms >= ? AND start_ms < ?
    GROUP BY c0, c1, c2, c3, c4, c5
  ) AS g
)
WHERE coalesce(v2, '') != ? AND v3 GLOB ?
GROUP BY v0, v1, model_id, has_logged
ORDER BY v0, v1, model_id, has_logged
