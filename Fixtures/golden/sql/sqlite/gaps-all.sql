-- gaps-all (rollup); arguments: 
SELECT model_id, has_logged, sum(m0), sum(m1), sum(m2)
FROM (
  SELECT (SELECT value FROM dict WHERE id = g.c0) AS model_id, g.c1 AS has_logged, g.m0, g.m1, g.m2
  FROM (
    SELECT model AS c0, has_logged AS c1, sum(requests) AS m0, sum(((flags & 32) != 0) * requests) AS m1, sum(((flags & 16) != 0) * requests) AS m2
    FROM rollup
    GROUP BY c0, c1
  ) AS g
)
GROUP BY model_id, has_logged
ORDER BY model_id, has_logged
