-- D 建议办理 (K23–K31). S_y = county-level suggestions assigned in y, excluding 已撤回; R_y = replied.
-- partition: county_code
CREATE OR REPLACE TEMP TABLE _k_sg AS
SELECT c.year, c.county_code, coalesce(g.n, 0) AS n, coalesce(g.on_time, 0) AS on_time, coalesce(g.late, 0) AS late,
  coalesce(g.closed, 0) AS closed, coalesce(g.f2f, 0) AS f2f, coalesce(g.replied, 0) AS replied,
  coalesce(g.evaluated, 0) AS evaluated, coalesce(g.broad, 0) AS broad, coalesce(g.strict, 0) AS strict,
  coalesce(g.n_a, 0) AS n_a, coalesce(g.n_ab, 0) AS n_ab, coalesce(g.n_key, 0) AS n_key,
  coalesce(g.key_closed, 0) AS key_closed, coalesce(g.key_review, 0) AS key_review,
  g.q_sum, coalesce(g.q_n, 0) AS q_n, g.h_sum, coalesce(g.h_n, 0) AS h_n, g.funds,
  coalesce(dp.n_dep, 0) AS n_dep
FROM _k_county c
LEFT JOIN (
  SELECT CAST(year AS INTEGER) AS year, county_code, count(*) AS n,
    count(*) FILTER (WHERE replied_on_time) AS on_time, count(*) FILTER (WHERE is_late) AS late,
    count(*) FILTER (WHERE status = '已办结') AS closed, count(*) FILTER (WHERE face_to_face) AS f2f,
    count(*) FILTER (WHERE is_replied) AS replied, count(*) FILTER (WHERE is_evaluated) AS evaluated,
    count(*) FILTER (WHERE final_satisfaction IN ('满意', '基本满意')) AS broad,
    count(*) FILTER (WHERE final_satisfaction = '满意') AS strict,
    count(*) FILTER (WHERE is_replied AND is_resolved) AS n_a,
    count(*) FILTER (WHERE is_replied AND is_implemented) AS n_ab,
    count(*) FILTER (WHERE key_supervised) AS n_key,
    count(*) FILTER (WHERE key_supervised AND status = '已办结') AS key_closed,
    count(*) FILTER (WHERE key_supervised AND review_back) AS key_review,
    sum(quality_score) AS q_sum, count(quality_score) AS q_n,
    sum(handling_score) AS h_sum, count(handling_score) AS h_n, sum(funds_10k) AS funds
  FROM v_suggestion WHERE level = '县级' AND status IS DISTINCT FROM '已撤回'
  GROUP BY ALL
) g ON g.year = c.year AND g.county_code = c.county_code
LEFT JOIN (SELECT year, county_code, sum(deputies) AS n_dep FROM kpi_deputy_archive WHERE level = '县级' GROUP BY ALL) dp
  ON dp.year = c.year AND dp.county_code = c.county_code;

-- partition: county_code
CREATE OR REPLACE TEMP TABLE _k_base_d AS
SELECT 'on_time_reply_rate' AS kpi_code, year, county_code, NULL::VARCHAR AS township_code, on_time::DOUBLE AS num,
  n::DOUBLE AS den, NULL::INT AS unrep, late::INT AS breach FROM _k_sg
UNION ALL SELECT 'closure_rate', year, county_code, NULL, closed, n, NULL, NULL FROM _k_sg
UNION ALL SELECT 'face_to_face_rate', year, county_code, NULL, f2f, n, NULL, NULL FROM _k_sg
UNION ALL SELECT 'satisfaction_broad', year, county_code, NULL, broad, evaluated, NULL, NULL FROM _k_sg
UNION ALL SELECT 'satisfaction_strict', year, county_code, NULL, strict, evaluated, NULL, NULL FROM _k_sg
UNION ALL SELECT 'satisfaction_coverage', year, county_code, NULL, evaluated, replied, NULL, NULL FROM _k_sg
UNION ALL SELECT 'resolution_rate', year, county_code, NULL, n_a, replied, NULL, NULL FROM _k_sg
UNION ALL SELECT 'implementation_rate', year, county_code, NULL, n_ab, replied, NULL, NULL FROM _k_sg
UNION ALL SELECT 'key_closure_rate', year, county_code, NULL, key_closed, n_key, NULL, NULL FROM _k_sg
UNION ALL SELECT 'key_review_rate', year, county_code, NULL, key_review, n_key, NULL, NULL FROM _k_sg
UNION ALL SELECT 'quality_score_avg', year, county_code, NULL, q_sum, q_n, NULL, NULL FROM _k_sg
UNION ALL SELECT 'handling_score_avg', year, county_code, NULL, h_sum, h_n, NULL, NULL FROM _k_sg
UNION ALL SELECT 'suggestions_per_deputy', year, county_code, NULL, n, n_dep, NULL, NULL FROM _k_sg
-- K30 money: den NULL means "sum" (value = numerator)
UNION ALL SELECT 'implemented_funds', year, county_code, NULL, CASE WHEN n > 0 THEN coalesce(funds, 0) END, NULL, NULL, NULL FROM _k_sg
UNION ALL SELECT 'suggestion_fund', c.year, c.county_code, NULL, b.suggestion_fund_10k, NULL, (b.county_code IS NULL)::INT, NULL
  FROM _k_county c LEFT JOIN fact_budget b ON b.year = c.year AND b.county_code = c.county_code;
