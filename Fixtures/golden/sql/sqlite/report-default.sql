-- report-default (rollup); arguments: 
SELECT v0, v1, model_id, has_logged, sum(m0), sum(m1), sum(m2), sum(m3), sum(m4), sum(m5)
FROM (
  SELECT (SELECT value FROM dict WHERE id = g.c2) AS v0, (SELECT value FROM dict WHERE id = g.c0) AS v1, (SELECT value FROM dict WHERE id = g.c0) AS model_id, g.c1 AS has_logged, g.m0, g.m1, g.m2, g.m3, g.m4, g.m5
  FROM (
    SELECT model AS c0, has_logged AS c1, user_email AS c2, sum(requests) AS m0, sum(input_tokens) AS m1, sum(output_tokens) AS m2, sum(cache_read_tokens) AS m3, sum(cache_write_tokens) AS m4, sum(logged_cost) AS m5
    FROM rollup
    WHERE (flags & 5) != 0
    GROUP BY c0, c1, c2
  ) AS g
)
GROUP BY v0, v1, model_id, has_logged
ORDER BY v0, v1, model_id, has_logged
