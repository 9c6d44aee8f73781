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

-- 履职积分 marts (mart_points_low, mart_points_bin, mart_points_grade) are built in 32_kpi_c.sql, from the
-- build's _k_points that K19/K22 read too.
