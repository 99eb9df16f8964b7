SELECT e.requests, d.model_requests, d.attributed_requests, d.unattributed_requests,
       d.unattributed_tokens, d.unattributed_cost_usd, d.joined_requests, e.conflicts,
       e.usage_lines_without_request_id
FROM (
SELECT sum(`sum(m0)`) AS requests, sum(`sum(m1)`) AS conflicts,
       sum(`sum(m2)`) AS usage_lines_without_request_id
FROM (
SELECT model_id, has_logged, sum(m0), sum(m1), sum(m2)
FROM (
  SELECT g.c0 AS model_id, g.c1 AS has_logged, g.m0, g.m1, g.m2
  FROM (
    SELECT model AS c0, (logged_cost IS NOT NULL) AS c1, count(*) AS m0, sum(bitAnd(flags, 16128) != 0) AS m1, sum(bitAnd(flags, 16) != 0) AS m2
    FROM attrib_requests
    GROUP BY c0, c1
  ) AS g
)
GROUP BY model_id, has_logged
ORDER BY model_id, has_logged
)
) AS e
CROSS JOIN (
SELECT sum(`sum(m0)`) AS model_requests,
       sumIf(`sum(m0)`, v1 IS NOT NULL) AS attributed_requests,
       sumIf(`sum(m0)`, v1 IS NULL) AS unattributed_requests,
       sumIf((`sum(m1)` + `sum(m2)` + `sum(m3)` + `sum(m4)`), v1 IS NULL) AS unattributed_tokens,
       if(countIf(v1 IS NULL AND group_cost IS NULL) > 0, NULL, sumIf(group_cost, v1 IS NULL)) AS unattributed_cost_usd,
       sumIf(`sum(m6)`, v1 IS NOT NULL) AS joined_requests
FROM (
SELECT *, if(joinGet('attrib_model_keys', 'key', ifNull(model_id, '')) != '' AND joinGet('attrib_prices', 'priced', joinGet('attrib_model_keys', 'key', ifNull(model_id, ''))) = 1,
       `sum(m1)` * joinGet('attrib_prices', 'input_per_token', joinGet('attrib_model_keys', 'key', ifNull(model_id, ''))) + `sum(m2)` * joinGet('attrib_prices', 'output_per_token', joinGet('attrib_model_keys', 'key', ifNull(model_id, '')))
       + `sum(m3)` * joinGet('attrib_prices', 'cache_read_per_token', joinGet('attrib_model_keys', 'key', ifNull(model_id, ''))) + `sum(m4)` * joinGet('attrib_prices', 'cache_write_per_token', joinGet('attrib_model_keys', 'key', ifNull(model_id, ''))),
       if((`sum(m1)` + `sum(m2)` + `sum(m3)` + `sum(m4)`) = 0, 0, NULL)) AS group_cost
FROM (
SELECT v0, v1, model_id, has_logged, sum(m0), sum(m1), sum(m2), sum(m3), sum(m4), sum(m5), sum(m6)
FROM (
  SELECT formatDateTime(toDateTime(g.c2 * 900, 'UTC'), '%Y-%m-%d') AS v0, CASE WHEN g.c3 THEN 'yes' END AS v1, g.c0 AS model_id, g.c1 AS has_logged, g.m0, g.m1, g.m2, g.m3, g.m4, g.m5, g.m6
  FROM (
    SELECT model AS c0, (logged_cost IS NOT NULL) AS c1, intDiv(start_ms, 900000) AS c2, (user_email IS NOT NULL OR user_sub IS NOT NULL) AS c3, count(*) AS m0, sum(input_tokens) AS m1, sum(output_tokens) AS m2, sum(cache_read_tokens) AS m3, sum(cache_write_tokens) AS m4, sum(logged_cost) AS m5, sum(bitAnd(flags, 8) != 0) AS m6
    FROM attrib_requests
    WHERE bitAnd(flags, 5) != 0
    GROUP BY c0, c1, c2, c3
  ) AS g
)
GROUP BY v0, v1, model_id, has_logged
ORDER BY v0, v1, model_id, has_logged
)
)
) AS d
FORMAT CSVWithNames;
