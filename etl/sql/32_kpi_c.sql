-- C 代表工作、联络站 (K16–K22).
-- 履职积分 per deputy and year (v_deputy_points_year materialised once, in one pass over the items: with the name
-- if the city keeps one and whether the deputy has a 进站 item). The 代表工作 page reads it too (72_dep.sql);
-- ordered so a county's rows sit together.
-- partition: county_code
CREATE OR REPLACE TABLE mart_points AS
SELECT CAST(p.year AS INTEGER) AS year, p.deputy_id, p.name, p.level, p.county_code, p.township_code,
  CAST(p.total_points AS DOUBLE) AS total_points, p.grade, p.is_pass, p.items, p.has_station
FROM v_deputy_points_year p
WHERE p.county_code IS NOT NULL
ORDER BY year, county_code, total_points;

-- partition: county_code
CREATE OR REPLACE TABLE kpi_base_c AS
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
UNION ALL SELECT 'deputy_station_rate', d.year, d.county_code, NULL, count(*) FILTER (WHERE p.has_station), count(*), NULL, NULL
  FROM kpi_deputy_year d LEFT JOIN mart_points p ON p.year = d.year AND p.deputy_id = d.deputy_id GROUP BY ALL
-- K21 both levels; township grain = 乡级 deputies of the township
UNION ALL SELECT 'archive_rate', year, county_code, township_code, sum(archived), sum(deputies), NULL, NULL
  FROM kpi_deputy_archive GROUP BY ALL
-- K22 over deputies with a points row
UNION ALL SELECT 'points_pass_rate', year, county_code, CASE WHEN level = '乡级' THEN township_code END,
  count(*) FILTER (WHERE is_pass), count(*), NULL, NULL FROM mart_points GROUP BY ALL
UNION ALL SELECT 'points_avg', year, county_code, CASE WHEN level = '乡级' THEN township_code END,
  sum(total_points), count(*), NULL, NULL FROM mart_points GROUP BY ALL;
