-- report-user-day-berlin (request); arguments: 
WITH zone_offset(from_s, offset_s) AS (VALUES (-9223372036854775808, 3600), (1774746000, 7200))
SELECT v0, v1, model_id, has_logged, sum(m0), sum(m1), sum(m2), sum(m3), sum(m4), sum(m5)
FROM (
  SELECT (SELECT value FROM dict WHERE id = g.c2) AS v0, strftime('%Y-%m-%d', g.c3 * 900 + (SELECT offset_s FROM zone_offset WHERE from_s <= g.c3 * 900 ORDER BY from_s DESC LIMIT 1), 'unixepoch') AS v1, (SELECT value FROM dict WHERE id = g.c0) AS model_id, g.c1 AS has_logged, g.m0, g.m1, g.m2, g.m3, g.m4, g.m5
  FROM (
    SELECT model AS c0, (logged_cost IS NOT NULL) AS c1, coalesce(user_email, user_sub, api_key_id, user_id) AS c2, (start_ms / 900000) AS c3, count(*) AS m0, sum(input_tokens) AS m1, sum(output_tokens) AS m2, sum(cache_read_tokens) AS m3, sum(cache_write_tokens) AS m4, sum(logged_cost) AS m5
    FROM request
    WHERE (flags & 5) != 0
    GROUP BY c0, c1, c2, c3
  ) AS g
)
GROUP BY v0, v1, model_id, has_logged
ORDER BY v0, v1, model_id, has_logged
