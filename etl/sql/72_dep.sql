-- 代表工作 page marts (pages/4_deputies.py): station checklist items and 履职积分 distribution.
-- Uses _k_years from 20_kpi_frame.sql (years with data). All set-based; one pass over each fact table.

-- 七有 per item: active 乡镇级 stations per county, year and checklist item (cfg_station_standard);
-- a station without a yearly row (未填报) counts as not met, as in K17.
CREATE OR REPLACE TABLE mart_station_item AS
WITH st AS (
  SELECT y.year, s.station_id, s.county_code, COLUMNS('^std_')
  FROM _k_years y JOIN dim_liaison_station s
    ON s.station_level = '乡镇级' AND s.established_year <= y.year AND (s.closed_year IS NULL OR s.closed_year >= y.year)
  LEFT JOIN fact_station_year f ON f.year = y.year AND f.station_id = s.station_id
),
u AS (SELECT * FROM st UNPIVOT INCLUDE NULLS (ok FOR item_code IN (COLUMNS('^std_'))))
SELECT CAST(u.year AS INTEGER) AS year, u.county_code, u.item_code, c.label_zh, CAST(c.sort AS INTEGER) AS sort,
  count(*) FILTER (WHERE u.ok) AS n_pass, count(*) AS n_stations, count(*) FILTER (WHERE u.ok IS NULL) AS n_unknown
FROM u JOIN cfg_station_standard c ON c.item_code = u.item_code
GROUP BY ALL
ORDER BY year, county_code, sort;

-- mart_points (履职积分 per deputy and year) is built in 32_kpi_c.sql, which reads it for K19/K22.

-- Histogram bins of the total (5-point bins, 0–95; 100 falls in the last bin) per county, level and year.
-- partition: county_code
CREATE OR REPLACE TABLE mart_points_bin AS
SELECT year, level, county_code,
  CAST(least(greatest(floor(total_points / 5) * 5, 0), 95) AS INTEGER) AS bin_start, count(*) AS n
FROM mart_points GROUP BY ALL
ORDER BY year, county_code, level, bin_start;

-- Grade bands (履职好/较好/差) per county (is_total) and per 选区 township of the county.
-- partition: county_code
CREATE OR REPLACE TABLE mart_points_grade AS
SELECT year, level, county_code, township_code, grouping(township_code) = 1 AS is_total, grade, count(*) AS n,
  sum(total_points) AS points_sum
FROM mart_points
GROUP BY GROUPING SETS ((year, level, county_code, grade), (year, level, county_code, township_code, grade))
ORDER BY year, county_code, is_total DESC, township_code, level, grade;
