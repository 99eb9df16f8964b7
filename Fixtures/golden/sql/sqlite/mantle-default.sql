-- mantle-default (rollup); arguments: '*kimi*'
SELECT v0, model_id, has_logged, sum(m0), sum(m1), sum(m2), sum(m3), sum(m4), sum(m5)
FROM (
  SELECT (SELECT value FROM dict WHERE id = g.c2) AS v0, (SELECT value FROM dict WHERE id = g.c0) AS v1, (SELECT value FROM dict WHERE id = g.c0) AS model_id, g.c1 AS has_logged, g.m0, g.m1, g.m2, g.m3, g.m4, g.m5
  FROM (
    SELECT model AS c0, has_logged AS c1, coalesce(user_email, user_sub, api_key_id, user_id) AS c2, sum(requests) AS m0, sum(input_tokens) AS m1, sum(output_tokens) AS m2, sum(cache_read_tokens) AS m3, sum(cache_write_tokens) AS m4, sum(logged_cost) AS m5
    FROM rollup
    WHERE (flags & 5) != 0 AND (flags & 2) != 0
    GROUP BY c0, c1, c2
  ) AS g
)
WHERE v1 GLOB ?
GROUP BY v0, model_id, has_logged
ORDER BY v0, model_id, has_logged
