-- report-model-route (rollup); arguments: 'moonshotai.kimi-k2.5'
WITH price_key(model_id, key) AS (VALUES ('moonshot.kimi-k2.5', 'moonshotai.kimi-k2.5'), ('us.anthropic.claude-sonnet-4-5-20250929-v1:0', 'anthropic.claude-sonnet-4-5-20250929-v1:0'))
SELECT v0, v1, model_id, has_logged, sum(m0), sum(m1), sum(m2), sum(m3), sum(m4), sum(m5)
FROM (
  SELECT coalesce((SELECT key FROM price_key WHERE model_id = (SELECT value FROM dict WHERE id = g.c0)), (SELECT value FROM dict WHERE id = g.c0)) AS v0, CASE WHEN g.c2 & 2 THEN 'mantle' WHEN g.c2 & 1 THEN 'bedrock' END AS v1, (SELECT value FROM dict WHERE id = g.c0) AS model_id, g.c1 AS has_logged, g.m0, g.m1, g.m2, g.m3, g.m4, g.m5
  FROM (
    SELECT model AS c0, has_logged AS c1, (flags & 3) AS c2, sum(requests) AS m0, sum(input_tokens) AS m1, sum(output_tokens) AS m2, sum(cache_read_tokens) AS m3, sum(cache_write_tokens) AS m4, sum(logged_cost) AS m5
    FROM rollup
    WHERE (flags & 5) != 0
    GROUP BY c0, c1, c2
  ) AS g
)
WHERE coalesce(v0, '') = ?
GROUP BY v0, v1, model_id, has_logged
ORDER BY v0, v1, model_id, has_logged
