-- C 代表工作、联络站 (K16–K22).
-- 履职积分 per deputy and year: v_deputy_points_year materialised once for the build (one pass over the items,
-- with whether the deputy has a 进站 item). Only aggregates and the deputies below the pass line are stored.
-- partition: county_code
CREATE OR REPLACE TEMP TABLE _k_points AS
SELECT CAST(p.year AS INTEGER) AS year, p.deputy_id, p.level, p.county_code, p.township_code,
  CAST(p.total_points AS DOUBLE) AS total_points, p.grade, p.is_pass, p.has_station, p.in_office
FROM v_deputy_points_year p
WHERE p.county_code IS NOT NULL;

-- 约谈名单 (代表工作 page): deputies below the pass line with last year's total, a county's rows together.
-- partition: county_code
CREATE OR REPLACE TABLE mart_points_low AS
SELECT p.year, p.deputy_id, d.name, p.level, p.county_code, p.township_code, p.total_points,
  q.total_points AS last_points, p.grade
FROM _k_points p LEFT JOIN dim_deputy d ON d.deputy_id = p.deputy_id
LEFT JOIN _k_points q ON q.deputy_id = p.deputy_id AND q.year = p.year - 1
WHERE NOT p.is_pass
ORDER BY p.year, p.county_code, p.total_points;

-- Histogram bins of the total (5-point bins, 0–95; 100 falls in the last bin) per county, level and year.
-- partition: county_code
CREATE OR REPLACE TABLE mart_points_bin AS
SELECT year, level, county_code,
  CAST(least(greatest(floor(total_points / 5) * 5, 0), 95) AS INTEGER) AS bin_start, count(*) AS n
FROM _k_points GROUP BY ALL
ORDER BY year, county_code, level, bin_start;

-- Grade bands (履职好/较好/差) per county (is_total) and per 选区 township of the county; K22 reads them.
-- partition: county_code
CREATE OR REPLACE TABLE mart_points_grade AS
SELECT year, level, county_code, township_code, grouping(township_code) = 1 AS is_total, grade, count(*) AS n,
  sum(total_points) AS points_sum, count(*) FILTER (WHERE is_pass) AS n_pass
FROM _k_points
GROUP BY GROUPING SETS ((year, level, county_code, grade), (year, level, county_code, township_code, grade))
ORDER BY year, county_code, is_total DESC, township_code, level, grade;

-- K19 numerator per county and year: county-level deputies in office on 31 December with a 进站 item.
-- partition: county_code
CREATE OR REPLACE TABLE kpi_deputy_station AS
SELECT year, county_code, count(*) AS with_station
FROM _k_points WHERE level = '县级' AND in_office AND has_station
GROUP BY ALL;

-- partition: county_code
CREATE OR REPLACE TEMP TABLE _k_base_c AS
SELECT 'station_coverage' AS kpi_code, u.year, u.county_code, u.township_code,
  (s.township_code IS NOT NULL)::DOUBLE AS num, 1::DOUBLE AS den, NULL::INT AS unrep, NULL::INT AS breach
  FROM _k_unit u LEFT JOIN (SELECT DISTINCT year, township_code FROM _k_station WHERE station_level = '乡镇级') s
    ON s.year = u.year AND s.township_code = u.township_code
UNION ALL SELECT 'station_standard_rate', year, county_code, township_code, count(*) FILTER (WHERE all_items), count(*),
  count(*) FILTER (WHERE NOT reported), NULL FROM _k_station WHERE station_level = '乡镇级' GROUP BY ALL
UNION ALL SELECT 'station_activity_avg', year, county_code, township_code, coalesce(sum(activity_count), 0), count(*),
  count(*) FILTER (WHERE NOT reported), NULL FROM _k_station WHERE station_level = '乡镇级' GROUP BY ALL
UNION ALL SELECT 'opinion_closure_rate', year, county_code, township_code, coalesce(sum(opinions_closed), 0),
  coalesce(sum(opinions_collected), 0), NULL, NULL FROM _k_station WHERE reported GROUP BY ALL
-- K19 in-office county deputies with a 进站 record
UNION ALL SELECT 'deputy_station_rate', a.year, a.county_code, NULL, coalesce(s.with_station, 0), a.deputies, NULL, NULL
  FROM (SELECT year, county_code, sum(deputies) AS deputies FROM kpi_deputy_archive WHERE level = '县级' GROUP BY ALL) a
  LEFT JOIN kpi_deputy_station s ON s.year = a.year AND s.county_code = a.county_code
-- K21 both levels; township grain = 乡级 deputies of the township
UNION ALL SELECT 'archive_rate', year, county_code, township_code, sum(archived), sum(deputies), NULL, NULL
  FROM kpi_deputy_archive GROUP BY ALL
-- K22 over deputies with a points row: 县级 at county grain (the county totals), 乡级 per township
UNION ALL SELECT 'points_pass_rate', year, county_code, CASE WHEN level = '乡级' THEN township_code END,
  sum(n_pass), sum(n), NULL, NULL FROM mart_points_grade WHERE is_total = (level <> '乡级') GROUP BY ALL
UNION ALL SELECT 'points_avg', year, county_code, CASE WHEN level = '乡级' THEN township_code END,
  sum(points_sum), sum(n), NULL, NULL FROM mart_points_grade WHERE is_total = (level <> '乡级') GROUP BY ALL;
