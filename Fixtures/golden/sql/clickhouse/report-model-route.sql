SELECT v0 AS `model`,
       v1 AS `route`,
       sum(`sum(m0)`) AS requests,
       sum(`sum(m1)`) AS input_tokens,
       sum(`sum(m2)`) AS output_tokens,
       sum(`sum(m3)`) AS cache_read_tokens,
       sum(`sum(m4)`) AS cache_write_tokens,
       sum((`sum(m1)` + `sum(m2)` + `sum(m3)` + `sum(m4)`)) AS total_tokens,
       if(countIf(group_cost IS NULL) > 0, NULL, sum(group_cost)) AS cost_usd
FROM (
SELECT *, if(joinGet('attrib_model_keys', 'key', ifNull(model_id, '')) != '' AND joinGet('attrib_prices', 'priced', joinGet('attrib_model_keys', 'key', ifNull(model_id, ''))) = 1,
       `sum(m1)` * joinGet('attrib_prices', 'input_per_token', joinGet('attrib_model_keys', 'key', ifNull(model_id, ''))) + `sum(m2)` * joinGet('attrib_prices', 'output_per_token', joinGet('attrib_model_keys', 'key', ifNull(model_id, '')))
       + `sum(m3)` * joinGet('attrib_prices', 'cache_read_per_token', joinGet('attrib_model_keys', 'key', ifNull(model_id, ''))) + `sum(m4)` * joinGet('attrib_prices', 'cache_write_per_token', joinGet('attrib_model_keys', 'key', ifNull(model_id, ''))),
       if((`sum(m1)` + `sum(m2)` + `sum(m3)` + `sum(m4)`) = 0, 0, NULL)) AS group_cost
FROM (
SELECT v0, v1, model_id, has_logged, sum(m0), sum(m1), sum(m2), sum(m3), sum(m4), sum(m5)
FROM (
  SELECT coalesce(nullIf(joinGet('attrib_model_keys', 'key', ifNull(g.c0, '')), ''), g.c0) AS v0, CASE WHEN bitAnd(g.c2, 2) != 0 THEN 'mantle' WHEN bitAnd(g.c2, 1) != 0 THEN 'bedrock' END AS v1, g.c0 AS model_id, g.c1 AS has_logged, g.m0, g.m1, g.m2, g.m3, g.m4, g.m5
  FROM (
    SELECT model AS c0, (logged_cost IS NOT NULL) AS c1, bitAnd(flags, 3) AS c2, count(*) AS m0, sum(input_tokens) AS m1, sum(output_tokens) AS m2, sum(cache_read_tokens) AS m3, sum(cache_write_tokens) AS m4, sum(logged_cost) AS m5
    FROM attrib_requests
    WHERE bitAnd(flags, 5) != 0
    GROUP BY c0, c1, c2
  ) AS g
)
WHERE coalesce(v0, '') = 'moonshotai.kimi-k2.5'
GROUP BY v0, v1, model_id, has_logged
ORDER BY v0, v1, model_id, has_logged
)
)
GROUP BY v0, v1
ORDER BY cost_usd DESC NULLS LAST, total_tokens DESC, ifNull(v0, '') ASC, isNotNull(v0) ASC, ifNull(v1, '') ASC, isNotNull(v1) ASC
FORMAT CSVWithNames;
