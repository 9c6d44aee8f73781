-- 建议办理 page marts (pages/5_suggestions.py). Same scope as K23–K31: suggestions excluding 已撤回;
-- rates use the KPI denominators (S_y = all, R_y = replied, evaluated = has a final satisfaction).

-- Counts by year, level, county, category and result class: the by-county, by-category and A/B/C/D charts.
-- partition: county_code
CREATE OR REPLACE TABLE mart_suggestion_class AS
SELECT CAST(year AS INTEGER) AS year, level, county_code, coalesce(category, '其他') AS category,
  count(*) AS n,
  count(*) FILTER (WHERE is_replied) AS n_replied,
  count(*) FILTER (WHERE replied_on_time) AS n_on_time,
  count(*) FILTER (WHERE is_late) AS n_late,
  count(*) FILTER (WHERE status = '已办结') AS n_closed,
  count(*) FILTER (WHERE face_to_face) AS n_f2f,
  count(*) FILTER (WHERE is_evaluated) AS n_evaluated,
  count(*) FILTER (WHERE final_satisfaction IN ('满意', '基本满意')) AS n_broad,
  count(*) FILTER (WHERE final_satisfaction = '满意') AS n_strict,
  count(*) FILTER (WHERE is_replied AND result_class = 'A') AS n_a,
  count(*) FILTER (WHERE is_replied AND result_class = 'B') AS n_b,
  count(*) FILTER (WHERE is_replied AND result_class = 'C') AS n_c,
  count(*) FILTER (WHERE is_replied AND result_class = 'D') AS n_d,
  count(*) FILTER (WHERE key_supervised) AS n_key,
  coalesce(sum(funds_10k), 0) AS funds_10k
FROM v_suggestion
WHERE status IS DISTINCT FROM '已撤回'
GROUP BY ALL
ORDER BY year, level, county_code, category;

-- Handling units (主办单位) per year and level: 件数, 按期答复率, 满意率 (strict and broad), 解决率.
-- partition: county_code
CREATE OR REPLACE TABLE mart_handling_unit AS
WITH g AS (
  SELECT CAST(s.year AS INTEGER) AS year, s.level, s.handling_unit_id AS unit_id, s.county_code,
    count(*) AS n,
    count(*) FILTER (WHERE s.is_replied) AS n_replied,
    count(*) FILTER (WHERE s.replied_on_time) AS n_on_time,
    count(*) FILTER (WHERE s.is_late) AS n_late,
    count(*) FILTER (WHERE s.is_evaluated) AS n_evaluated,
    count(*) FILTER (WHERE s.final_satisfaction IN ('满意', '基本满意')) AS n_broad,
    count(*) FILTER (WHERE s.final_satisfaction = '满意') AS n_strict,
    count(*) FILTER (WHERE s.is_replied AND s.result_class = 'A') AS n_a,
    count(*) FILTER (WHERE s.is_replied AND s.result_class IN ('A', 'B')) AS n_ab
  FROM v_suggestion s
  WHERE s.status IS DISTINCT FROM '已撤回' AND s.handling_unit_id IS NOT NULL
  GROUP BY ALL
)
SELECT g.year, g.level, g.unit_id, coalesce(h.unit_name, g.unit_id) AS unit_name, h.unit_type, g.county_code,
  g.n, g.n_replied, g.n_on_time, g.n_late, g.n_evaluated, g.n_broad, g.n_strict, g.n_a, g.n_ab,
  CAST(g.n_on_time AS DOUBLE) / nullif(g.n, 0) AS on_time_rate,
  CAST(g.n_strict AS DOUBLE) / nullif(g.n_evaluated, 0) AS satisfaction_strict,
  CAST(g.n_broad AS DOUBLE) / nullif(g.n_evaluated, 0) AS satisfaction_broad,
  CAST(g.n_a AS DOUBLE) / nullif(g.n_replied, 0) AS resolution_rate,
  CAST(g.n_ab AS DOUBLE) / nullif(g.n_replied, 0) AS implementation_rate
FROM g LEFT JOIN dim_handling_unit h ON h.unit_id = g.unit_id
ORDER BY g.year, g.county_code, g.unit_id, g.level;

-- Late replies (K23 [L] floor): one row per suggestion answered after its due date or unanswered and past due
-- on 31 Dec of its year.
-- partition: county_code
CREATE OR REPLACE TABLE mart_late_reply AS
SELECT CAST(s.year AS INTEGER) AS year, s.level, s.county_code, s.township_code, s.suggestion_id, s.title,
  s.category, s.handling_unit_id, coalesce(h.unit_name, s.handling_unit_id) AS unit_name, s.assigned_date,
  s.due_date, s.replied_date, s.extension_approved, s.status, s.key_supervised,
  date_diff('day', s.due_date, coalesce(s.replied_date, make_date(CAST(s.year AS INTEGER), 12, 31))) AS days_late
FROM v_suggestion s LEFT JOIN dim_handling_unit h ON h.unit_id = s.handling_unit_id
WHERE s.is_late
ORDER BY year, county_code, days_late DESC;
