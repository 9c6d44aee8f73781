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

-- Deputies in office on 31 December of each year (one candidate row per year of the term, then in_office).
-- Kept in the snapshot: rebuilt only when the roster (or the set of years) changes, not for every batch.
-- Per deputy only the county-level ones (K19 joins them to their 履职积分); both levels as counts per unit (K21).
CREATE OR REPLACE TABLE kpi_deputy_year AS
SELECT y.year, d.deputy_id, d.county_code
FROM (
  SELECT *, unnest(range(CAST(coalesce(year(elected_date), term_start_year) AS INTEGER),
                         CAST(coalesce(term_end_year, term_start_year + 5) AS INTEGER) + 1)) AS term_year
  FROM dim_deputy WHERE level = '县级'
) d JOIN _k_years y ON y.year = d.term_year
WHERE in_office(d.elected_date, d.term_start_year, d.term_end_year, d.status, d.status_date, make_date(y.year, 12, 31));

-- In-office deputies and those with a 履职档案 by 31 December, per year, level and unit (乡级: the township).
CREATE OR REPLACE TABLE kpi_deputy_archive AS
SELECT y.year, d.level, d.county_code, CASE WHEN d.level = '乡级' THEN d.township_code END AS township_code,
  count(*) AS deputies,
  count(*) FILTER (WHERE d.has_duty_archive AND (d.archive_date IS NULL OR d.archive_date <= make_date(y.year, 12, 31)))
    AS archived
FROM (
  SELECT *, unnest(range(CAST(coalesce(year(elected_date), term_start_year) AS INTEGER),
                         CAST(coalesce(term_end_year, term_start_year + 5) AS INTEGER) + 1)) AS term_year
  FROM dim_deputy
) d JOIN _k_years y ON y.year = d.term_year
WHERE in_office(d.elected_date, d.term_start_year, d.term_end_year, d.status, d.status_date, make_date(y.year, 12, 31))
GROUP BY ALL;

-- Active 乡镇级 stations per year with their yearly row (NULL row = 未填报).
CREATE OR REPLACE TEMP TABLE _k_station AS
SELECT y.year, s.station_id, s.station_level, s.county_code, s.township_code, f.station_id IS NOT NULL AS reported,
  f.activity_count, f.opinions_collected, f.opinions_closed, {{station_all_items}} AS all_items
FROM _k_years y JOIN dim_liaison_station s
  ON s.established_year <= y.year AND (s.closed_year IS NULL OR s.closed_year >= y.year)
LEFT JOIN fact_station_year f ON f.year = y.year AND f.station_id = s.station_id;
