-- F 民生实事票决 (K35–K38). County rounds at county grain, 乡级 rounds at township grain.
CREATE OR REPLACE TEMP TABLE _k_round AS
SELECT CAST(year AS INTEGER) AS year, level, unit_code, left(unit_code, 6) AS county_code,
  CASE WHEN level = '乡级' THEN unit_code END AS township_code, candidates, to_select
FROM fact_livelihood_round;

CREATE OR REPLACE TEMP TABLE _k_proj AS
SELECT CAST(year AS INTEGER) AS year, left(unit_code, 6) AS county_code,
  CASE WHEN level = '乡级' THEN unit_code END AS township_code, completion_pct, satisfaction_pct
FROM fact_livelihood_project WHERE is_selected;

CREATE OR REPLACE TEMP TABLE _k_vote AS
SELECT c.year, c.county_code, NULL::VARCHAR AS township_code, (r.unit_code IS NOT NULL)::INT AS held
  FROM _k_county c LEFT JOIN (SELECT DISTINCT year, unit_code FROM _k_round WHERE level = '县级') r
    ON r.year = c.year AND r.unit_code = c.county_code
UNION ALL
SELECT u.year, u.county_code, u.township_code, (r.unit_code IS NOT NULL)::INT
  FROM _k_unit u LEFT JOIN (SELECT DISTINCT year, unit_code FROM _k_round WHERE level = '乡级') r
    ON r.year = u.year AND r.unit_code = u.township_code
  WHERE NOT u.is_street;

CREATE OR REPLACE TEMP TABLE _k_base_f AS
SELECT 'voting_coverage' AS kpi_code, year, county_code, township_code, held::DOUBLE AS num, 1::DOUBLE AS den,
  NULL::INT AS unrep, NULL::INT AS breach FROM _k_vote
UNION ALL SELECT 'voting_coverage_county', year, county_code, NULL, held, 1, NULL, NULL FROM _k_vote WHERE township_code IS NULL
UNION ALL SELECT 'voting_coverage_township', year, county_code, township_code, held, 1, NULL, NULL
  FROM _k_vote WHERE township_code IS NOT NULL
UNION ALL SELECT 'project_completion_rate', year, county_code, township_code, count(*) FILTER (WHERE completion_pct >= 100),
  count(*), NULL, NULL FROM _k_proj GROUP BY ALL
UNION ALL SELECT 'project_evaluation_coverage', year, county_code, township_code,
  count(*) FILTER (WHERE satisfaction_pct IS NOT NULL), count(*), NULL, NULL FROM _k_proj GROUP BY ALL
UNION ALL SELECT 'project_satisfaction_avg', year, county_code, township_code, sum(satisfaction_pct) / 100.0, count(*), NULL, NULL
  FROM _k_proj WHERE satisfaction_pct IS NOT NULL GROUP BY ALL
UNION ALL SELECT 'competition_ratio', year, county_code, township_code, sum(candidates), sum(to_select), NULL, NULL
  FROM _k_round GROUP BY ALL
UNION ALL SELECT 'competitive_round_rate', year, county_code, township_code, count(*) FILTER (WHERE candidates > to_select),
  count(*), NULL, NULL FROM _k_round GROUP BY ALL;
