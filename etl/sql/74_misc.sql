-- Marts of the 党委领导与保障 and 民生实事票决 pages (K32–K38 details beyond mart_kpi).
-- Uses _k_county (20_kpi_frame.sql): every county in every year that has data.

-- mart_party: one row per county and year. K32 report counts, the first 人大工作会议 of the current term held
-- by that year (K33, with its date and title and whether it met the deadline), and fact_budget amounts (K34).
CREATE OR REPLACE TABLE mart_party AS
WITH ev AS (
  SELECT county_code, township_code, level, event_type, event_date, title, doc_no,
    CAST(coalesce(year, year(event_date)) AS INTEGER) AS year
  FROM fact_party_support
),
cnt AS (
  SELECT year, county_code,
    count(*) FILTER (WHERE level = '县委' AND event_type IN ('听取人大常委会党组工作汇报', '听取人大工作专题汇报')) AS n_report,
    count(*) FILTER (WHERE level = '县委') AS n_county_events,
    count(*) FILTER (WHERE level = '县委' AND event_type = '出台加强人大工作文件') AS n_documents,
    count(*) FILTER (WHERE level = '乡镇党委' AND event_type IN ('听取人大常委会党组工作汇报', '听取人大工作专题汇报'))
      AS n_township_reports,
    count(DISTINCT township_code) FILTER (WHERE level = '乡镇党委'
      AND event_type IN ('听取人大常委会党组工作汇报', '听取人大工作专题汇报')) AS n_townships_reported
  FROM ev GROUP BY ALL
),
meet AS (  -- every 人大工作会议 of the current term; the page shows the first one held by the year
  SELECT county_code, year, event_date, title, doc_no FROM ev
  WHERE level = '县委' AND event_type = '人大工作会议' AND year >= cfg('term_start_year')
),
firsts AS (
  SELECT c.year, c.county_code, min(m.event_date) AS meeting_date,
    arg_min(m.title, m.event_date) AS meeting_title, arg_min(m.doc_no, m.event_date) AS meeting_doc_no,
    min(m.year) AS meeting_year
  FROM _k_county c JOIN meet m ON m.county_code = c.county_code AND m.year <= c.year
  GROUP BY ALL
),
town AS (  -- township-level units of the county that year (乡、民族乡、镇), for the township report coverage
  SELECT county_code, year, count(*) FILTER (WHERE NOT is_street) AS n_townships FROM _k_unit GROUP BY ALL
)
SELECT c.year, c.county_code, d.county_name, d.sort_order,
  coalesce(n.n_report, 0) AS n_report, coalesce(n.n_county_events, 0) AS n_county_events,
  coalesce(n.n_documents, 0) AS n_documents, coalesce(n.n_township_reports, 0) AS n_township_reports,
  coalesce(n.n_townships_reported, 0) AS n_townships_reported, coalesce(t.n_townships, 0) AS n_townships,
  CAST(c.year - cfg('term_start_year') + 1 AS INTEGER) AS term_year,
  CAST(cfg('term_start_year') + cfg('term_meeting_deadline_years') - 1 AS INTEGER) AS deadline_year,
  f.meeting_date, f.meeting_title, f.meeting_doc_no, f.meeting_date IS NOT NULL AS meeting_held,
  CASE
    WHEN f.meeting_date IS NOT NULL AND f.meeting_year <= cfg('term_start_year') + cfg('term_meeting_deadline_years') - 1
      THEN '按期召开'
    WHEN f.meeting_date IS NOT NULL THEN '逾期召开'
    WHEN c.year < cfg('term_start_year') + cfg('term_meeting_deadline_years') - 1 THEN '未召开·未到期限'
    ELSE '未召开·已超期限'
  END AS meeting_state,
  b.county_code IS NOT NULL AS budget_reported, b.deputy_funds_in_budget, b.deputy_funds_10k, b.per_deputy_yuan,
  b.suggestion_fund_set, b.suggestion_fund_10k, b.township_npc_funds_10k,
  -- deputies implied by the reported per-deputy amount: weights the city's per-deputy average
  CASE WHEN b.per_deputy_yuan > 0 THEN b.deputy_funds_10k * 10000 / b.per_deputy_yuan END AS deputies_implied
FROM _k_county c
JOIN dim_county d ON d.county_code = c.county_code
LEFT JOIN cnt n ON n.year = c.year AND n.county_code = c.county_code
LEFT JOIN firsts f ON f.year = c.year AND f.county_code = c.county_code
LEFT JOIN town t ON t.year = c.year AND t.county_code = c.county_code
LEFT JOIN fact_budget b ON b.year = c.year AND b.county_code = c.county_code
ORDER BY c.year, d.sort_order;

-- mart_livelihood: projects per year, county, level, stage and category (counts and budgets), so the
-- 民生实事票决 page never scans fact_livelihood_project for the city.
CREATE OR REPLACE TABLE mart_livelihood AS
SELECT CAST(p.year AS INTEGER) AS year, left(p.unit_code, 6) AS county_code, p.level,
  coalesce(p.stage, '未填报') AS stage, coalesce(p.category, '其他') AS category,
  count(*) AS n_projects, count(*) FILTER (WHERE p.is_selected) AS n_selected,
  sum(p.budget_10k) AS budget_10k, sum(p.budget_10k) FILTER (WHERE p.is_selected) AS budget_selected_10k,
  count(*) FILTER (WHERE p.is_selected AND p.completion_pct >= 100) AS n_completed
FROM fact_livelihood_project p
GROUP BY ALL
ORDER BY 1, 2, 3, 4, 5;
