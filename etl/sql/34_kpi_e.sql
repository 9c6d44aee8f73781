-- E 党委领导与保障 (K32–K34), county grain.
CREATE OR REPLACE TEMP TABLE _k_party AS
SELECT c.year, c.county_code, coalesce(r.n_report, 0) AS n_report,
  coalesce(m.first_year <= c.year, FALSE) AS meeting_held,
  b.county_code IS NOT NULL AS has_budget, coalesce(b.deputy_funds_in_budget, FALSE) AS funds_in_budget,
  coalesce(b.suggestion_fund_set, FALSE) AS fund_set
FROM _k_county c
LEFT JOIN (
  SELECT CAST(coalesce(year, year(event_date)) AS INTEGER) AS year, county_code, count(*) AS n_report
  FROM fact_party_support WHERE level = '县委' AND event_type IN ('听取人大常委会党组工作汇报', '听取人大工作专题汇报')
  GROUP BY ALL
) r ON r.year = c.year AND r.county_code = c.county_code
LEFT JOIN (  -- first 人大工作会议 of the current term (term_start_year ≤ year(event))
  SELECT county_code, min(coalesce(year, year(event_date))) AS first_year FROM fact_party_support
  WHERE level = '县委' AND event_type = '人大工作会议' AND coalesce(year, year(event_date)) >= cfg('term_start_year')
  GROUP BY ALL
) m ON m.county_code = c.county_code
LEFT JOIN fact_budget b ON b.year = c.year AND b.county_code = c.county_code;

CREATE OR REPLACE TEMP TABLE _k_base_e AS
SELECT 'party_report_count' AS kpi_code, year, county_code, NULL::VARCHAR AS township_code, n_report::DOUBLE AS num,
  1::DOUBLE AS den, NULL::INT AS unrep, NULL::INT AS breach FROM _k_party
UNION ALL SELECT 'party_report_rate', year, county_code, NULL, (n_report >= cfg('party_report_target'))::INT, 1, NULL, NULL
  FROM _k_party
UNION ALL SELECT 'work_meeting_held', year, county_code, NULL, meeting_held::INT, 1, NULL, NULL FROM _k_party
UNION ALL SELECT 'deputy_funds_in_budget', year, county_code, NULL, funds_in_budget::INT, 1, (NOT has_budget)::INT, NULL
  FROM _k_party
UNION ALL SELECT 'suggestion_fund_set', year, county_code, NULL, fund_set::INT, 1, (NOT has_budget)::INT, NULL FROM _k_party;
