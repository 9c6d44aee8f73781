-- Years that have data, and the units active in each (denominators use units active in that year).
-- Party events are not used: an old 人大工作会议 must not create a year of empty KPIs.
CREATE OR REPLACE TEMP TABLE _k_years AS
SELECT DISTINCT CAST(y AS INTEGER) AS year FROM (
  SELECT year AS y FROM fact_township_liuyou UNION ALL SELECT year FROM fact_township_staffing
  UNION ALL SELECT year FROM fact_county_leadership UNION ALL SELECT year FROM fact_county_body
  UNION ALL SELECT year FROM fact_budget UNION ALL SELECT coalesce(year, year(start_date)) FROM fact_meeting
  UNION ALL SELECT year FROM fact_station_year UNION ALL SELECT year FROM fact_suggestion
  UNION ALL SELECT year FROM fact_deputy_points
  UNION ALL SELECT year FROM fact_livelihood_round
) WHERE y IS NOT NULL;

CREATE OR REPLACE TEMP TABLE _k_county AS
SELECT y.year, c.county_code FROM _k_years y, dim_county c;

-- U_y = T_y ∪ J_y; is_street marks J_y.
CREATE OR REPLACE TEMP TABLE _k_unit AS
SELECT y.year, t.county_code, t.township_code, t.unit_type = '街道' AS is_street,
  t.unit_type <> '街道' AND coalesce(list_contains(string_split(cfg_text('vice_chair_categories'), ';'), t.category), FALSE)
    AS is_vice_scope
FROM _k_years y JOIN dim_township t
  ON t.valid_from_year <= y.year AND (t.valid_to_year IS NULL OR t.valid_to_year >= y.year);

-- In-office deputies (on 31 December) and those with a 履职档案 by then, per year, level and unit (乡级: the
-- township): deputies are first counted per unit and span of years in office, then spread over the years.
-- Kept in the snapshot: rebuilt only when the roster (or the set of years) changes, not for every batch.
CREATE OR REPLACE TABLE kpi_deputy_archive AS
WITH d AS (
  SELECT level, county_code, CASE WHEN level = '乡级' THEN township_code END AS township_code,
    office_first_year(elected_date, term_start_year) AS first_year,
    office_last_year(term_start_year, term_end_year, status, status_date) AS last_year,
    CASE WHEN has_duty_archive THEN coalesce(year(archive_date), 0) END AS archive_year, count(*) AS n
  FROM dim_deputy GROUP BY ALL
)
SELECT y.year, d.level, d.county_code, d.township_code, CAST(sum(d.n) AS BIGINT) AS deputies,
  CAST(coalesce(sum(d.n) FILTER (WHERE d.archive_year <= y.year), 0) AS BIGINT) AS archived
FROM d JOIN _k_years y ON y.year BETWEEN d.first_year AND d.last_year
GROUP BY ALL;

-- Active 乡镇级 stations per year with their yearly row (NULL row = 未填报).
CREATE OR REPLACE TEMP TABLE _k_station AS
SELECT y.year, s.station_id, s.station_level, s.county_code, s.township_code, f.station_id IS NOT NULL AS reported,
  f.activity_count, f.opinions_collected, f.opinions_closed, {{station_all_items}} AS all_items
FROM _k_years y JOIN dim_liaison_station s
  ON s.established_year <= y.year AND (s.closed_year IS NULL OR s.closed_year >= y.year)
LEFT JOIN fact_station_year f ON f.year = y.year AND f.station_id = s.station_id;
