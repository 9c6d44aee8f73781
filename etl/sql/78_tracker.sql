-- 报送进度 (page 13, etl/tracker.py): for every year and county, which required tables were sent, how many of the
-- expected townships / stations are in, and the last upload batch that wrote the county's rows (meta_batch).
-- Years: every year with data up to the current calendar year (the year being collected has no rows yet), or
-- last year and this year in a new city. Deadlines live in the app store and are applied by etl/tracker.py.
-- The table list must equal etl.tracker.REQUIRED (tests/test_tracker.py checks it).
CREATE OR REPLACE TEMP TABLE _k_trk_years AS
SELECT CAST(unnest(range(coalesce(min(year), year(current_date) - 1),
                         greatest(coalesce(max(year), 0), year(current_date)) + 1)) AS INTEGER) AS year
FROM _k_years;

-- Township-level units active in the year (liuyou and staffing are required of streets as well).
CREATE OR REPLACE TEMP TABLE _k_trk_unit AS
SELECT y.year, t.county_code, t.township_code, t.township_name, t.unit_type
FROM _k_trk_years y JOIN dim_township t
  ON t.valid_from_year <= y.year AND (t.valid_to_year IS NULL OR t.valid_to_year >= y.year);

-- Liaison stations active in the year, every level (each owes a fact_station_year row).
CREATE OR REPLACE TEMP TABLE _k_trk_station AS
SELECT y.year, s.county_code, s.township_code, s.station_id, s.station_name, s.station_level,
  f.station_id IS NOT NULL AS sent
FROM _k_trk_years y JOIN dim_liaison_station s
  ON coalesce(s.established_year, 0) <= y.year AND (s.closed_year IS NULL OR s.closed_year >= y.year)
LEFT JOIN fact_station_year f ON f.year = y.year AND f.station_id = s.station_id;

-- One row per township-level unit and year: its two snapshot tables and its stations.
CREATE OR REPLACE TABLE mart_tracker_township AS
SELECT u.year, u.county_code, u.township_code, u.township_name, u.unit_type,
  l.township_code IS NOT NULL AS liuyou_sent, s.township_code IS NOT NULL AS staffing_sent,
  CAST(coalesce(st.expected, 0) AS INTEGER) AS stations_expected, CAST(coalesce(st.sent, 0) AS INTEGER) AS stations_sent
FROM _k_trk_unit u
LEFT JOIN fact_township_liuyou l ON l.year = u.year AND l.township_code = u.township_code
LEFT JOIN fact_township_staffing s ON s.year = u.year AND s.township_code = u.township_code
LEFT JOIN (SELECT year, township_code, count(*) AS expected, count(*) FILTER (WHERE sent) AS sent
           FROM _k_trk_station WHERE township_code IS NOT NULL GROUP BY ALL) st
  ON st.year = u.year AND st.township_code = u.township_code;

-- Every missing township / station row (the 缺报 list of a county).
CREATE OR REPLACE TABLE mart_tracker_missing AS
SELECT year, county_code, 'fact_township_liuyou' AS table_name, township_code, township_code AS object_code,
  township_name AS object_name FROM mart_tracker_township WHERE NOT liuyou_sent
UNION ALL
SELECT year, county_code, 'fact_township_staffing', township_code, township_code, township_name
FROM mart_tracker_township WHERE NOT staffing_sent
UNION ALL
SELECT year, county_code, 'fact_station_year', township_code, station_id, station_name || '（' || station_level || '）'
FROM _k_trk_station WHERE NOT sent;

CREATE OR REPLACE TABLE mart_tracker AS
WITH req(table_name, unit_kind, sort) AS (VALUES
  ('fact_county_leadership', 'county', 1), ('fact_county_body', 'county', 2), ('fact_budget', 'county', 3),
  ('fact_township_liuyou', 'township', 4), ('fact_township_staffing', 'township', 5),
  ('fact_station_year', 'station', 6), ('fact_meeting', 'event', 7), ('fact_suggestion', 'event', 8),
  ('fact_party_support', 'event', 9)),
units AS (
  SELECT year, county_code, count(*) AS n_units, count(*) FILTER (WHERE liuyou_sent) AS liuyou_sent,
    count(*) FILTER (WHERE staffing_sent) AS staffing_sent
  FROM mart_tracker_township GROUP BY ALL),
stations AS (
  SELECT year, county_code, count(*) AS n_stations, count(*) FILTER (WHERE sent) AS n_sent
  FROM _k_trk_station GROUP BY ALL),
got AS (  -- rows present and the newest batch that wrote them (batch ids grow with every upload)
  SELECT 'fact_county_leadership' AS table_name, CAST(year AS INTEGER) AS year, county_code, count(*) AS n_rows,
    max(_batch) AS last_batch FROM fact_county_leadership GROUP BY ALL
  UNION ALL SELECT 'fact_county_body', year, county_code, count(*), max(_batch) FROM fact_county_body GROUP BY ALL
  UNION ALL SELECT 'fact_budget', year, county_code, count(*), max(_batch) FROM fact_budget GROUP BY ALL
  UNION ALL SELECT 'fact_meeting', year, county_code, count(*), max(_batch) FROM fact_meeting GROUP BY ALL
  UNION ALL SELECT 'fact_suggestion', year, county_code, count(*), max(_batch) FROM fact_suggestion GROUP BY ALL
  UNION ALL SELECT 'fact_party_support', year, county_code, count(*), max(_batch) FROM fact_party_support GROUP BY ALL
  UNION ALL SELECT 'fact_township_liuyou', f.year, left(f.township_code, 6), count(*), max(f._batch)
    FROM fact_township_liuyou f GROUP BY ALL
  UNION ALL SELECT 'fact_township_staffing', f.year, left(f.township_code, 6), count(*), max(f._batch)
    FROM fact_township_staffing f GROUP BY ALL
  UNION ALL SELECT 'fact_station_year', f.year, s.county_code, count(*), max(f._batch)
    FROM fact_station_year f JOIN dim_liaison_station s USING (station_id) GROUP BY ALL)
SELECT y.year, c.county_code, c.county_name, c.sort_order AS county_sort, r.table_name, r.unit_kind, r.sort AS table_sort,
  CAST(CASE r.unit_kind WHEN 'township' THEN coalesce(u.n_units, 0) WHEN 'station' THEN coalesce(s.n_stations, 0)
       ELSE 1 END AS INTEGER) AS expected,
  CAST(CASE r.table_name WHEN 'fact_township_liuyou' THEN coalesce(u.liuyou_sent, 0)
       WHEN 'fact_township_staffing' THEN coalesce(u.staffing_sent, 0) WHEN 'fact_station_year' THEN coalesce(s.n_sent, 0)
       ELSE CASE WHEN coalesce(g.n_rows, 0) > 0 THEN 1 ELSE 0 END END AS INTEGER) AS sent,
  CAST(coalesce(g.n_rows, 0) AS INTEGER) AS n_rows, g.last_batch, b.uploaded_by AS last_uploaded_by,
  b.uploaded_at AS last_uploaded_at, b.file_name AS last_file_name, b.mode AS last_mode
  -- not b.scope: a bulk batch's replaced (year, county) list runs to hundreds of KB, copied into every row
  -- it blew a nation-scale build up to 20 GB of memory and 39 GB of spill
FROM _k_trk_years y CROSS JOIN dim_county c CROSS JOIN req r
LEFT JOIN units u ON u.year = y.year AND u.county_code = c.county_code
LEFT JOIN stations s ON s.year = y.year AND s.county_code = c.county_code
LEFT JOIN got g ON g.table_name = r.table_name AND g.year = y.year AND g.county_code = c.county_code
LEFT JOIN meta_batch b ON b.batch_id = g.last_batch;
