-- report-all-requests-latency (request); arguments: 'aura'
SELECT v0, v1, v2, model_id, has_logged, sum(m0), sum(m1), sum(m2), sum(m3), sum(m4), sum(m5), group_concat(m6)
FROM (
  SELECT (SELECT value FROM dict WHERE id = g.c2) AS v0, (SELECT value FROM dict WHERE id = g.c3) AS v1, CAST(g.c4 AS TEXT) AS v2, (SELECT value FROM dict WHERE id = g.c5) AS v3, (SELECT value FROM dict WHERE id = g.c0) AS model_id, g.c1 AS has_logged, g.m0, g.m1, g.m2, g.m3, g.m4, g.m5, g.m6
  FROM (
    SELECT model AS c0, (logged_cost IS NOT NULL) AS c1, user_id AS c2, path AS c3, status AS c4, source AS c5, count(*) AS m0, sum(input_tokens) AS m1, sum(output_tokens) AS m2, sum(cache_read_tokens) AS m3, sum(cache_write_tokens) AS m4, sum(logged_cost) AS m5, group_concat(latency_ms) AS m6
    FROM request
    GROUP BY c0, c1, c2, c3, c4, c5
  ) AS g
)
WHERE coalesce(v3, '') = ?
GROUP BY v0, v1, v2, model_id, has_logged
ORDER BY v0, v1, v2, model_id, has_logged
