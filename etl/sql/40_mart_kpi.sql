-- mart_kpi: every KPI for the city, each county and (where defined) each township, for every year with data.
-- kpi_base_a..f (one per family, kept in the snapshot so a publish rebuilds only the families whose
-- inputs changed). Base rows are unique per (kpi_code, year, county_code, township_code); township_code NULL = county grain.
CREATE OR REPLACE TEMP VIEW _k_base AS
SELECT * FROM kpi_base_a UNION ALL BY NAME SELECT * FROM kpi_base_b UNION ALL BY NAME SELECT * FROM kpi_base_c
UNION ALL BY NAME SELECT * FROM kpi_base_d UNION ALL BY NAME SELECT * FROM kpi_base_e
UNION ALL BY NAME SELECT * FROM kpi_base_f;

-- county totals, then the city from the counties (hierarchical, cheaper than GROUPING SETS)
CREATE OR REPLACE TEMP TABLE _k_cty AS
SELECT kpi_code, year, county_code, sum(num) AS num, sum(den) AS den, sum(unrep) AS unrep, sum(breach) AS breach
FROM _k_base GROUP BY kpi_code, year, county_code;

CREATE OR REPLACE TEMP TABLE _k_city AS
SELECT kpi_code, year, sum(num) AS num, sum(den) AS den, sum(unrep) AS unrep, sum(breach) AS breach
FROM _k_cty GROUP BY kpi_code, year;

CREATE OR REPLACE TABLE mart_kpi AS
WITH k AS (SELECT *, string_split(coalesce(levels, '市/县'), '/') AS lv FROM cfg_kpi),
city AS (SELECT coalesce(min(city_code), '000000') AS code, coalesce(min(city_name), '全市') AS name FROM dim_city),
rows AS (  -- city and county rows always exist (NULL value = no data); township rows only where defined
  SELECT k.kpi_code, y.year, '市' AS level, city.code AS unit_code, city.name AS unit_name, NULL::VARCHAR AS county_code,
    r.num, r.den, r.unrep, r.breach
  FROM k CROSS JOIN _k_years y CROSS JOIN city
  LEFT JOIN _k_city r ON r.kpi_code = k.kpi_code AND r.year = y.year
  WHERE list_contains(k.lv, '市')
  UNION ALL
  SELECT k.kpi_code, y.year, '县', c.county_code, c.county_name, c.county_code, r.num, r.den, r.unrep, r.breach
  FROM k CROSS JOIN _k_years y CROSS JOIN dim_county c
  LEFT JOIN _k_cty r ON r.kpi_code = k.kpi_code AND r.year = y.year AND r.county_code = c.county_code
  WHERE list_contains(k.lv, '县')
  UNION ALL
  SELECT b.kpi_code, b.year, '乡', b.township_code, t.township_name, b.county_code, b.num, b.den, b.unrep, b.breach
  FROM _k_base b JOIN k ON k.kpi_code = b.kpi_code AND list_contains(k.lv, '乡')
  LEFT JOIN dim_township t ON t.township_code = b.township_code
  WHERE b.township_code IS NOT NULL AND b.den > 0
),
v AS (
  SELECT r.*, k.kpi_ref, k.target, k.floor, k.direction,
    CASE WHEN r.den IS NULL THEN r.num WHEN r.den > 0 THEN r.num / r.den END AS value  -- den NULL = money sum
  FROM rows r JOIN k ON k.kpi_code = r.kpi_code
)
SELECT kpi_code, kpi_ref, CAST(year AS INTEGER) AS year, level, unit_code, unit_name, county_code,
  CAST(num AS DOUBLE) AS numerator, CAST(den AS DOUBLE) AS denominator, CAST(value AS DOUBLE) AS value,
  target, floor,
  CASE
    WHEN floor IS NOT NULL AND coalesce(breach, 0) > 0 THEN 'red'           -- [L] floor broken: always red
    WHEN value IS NULL OR target IS NULL OR direction NOT IN ('higher', 'lower') THEN NULL
    WHEN direction = 'higher' AND value >= target - 1e-9 THEN 'green'
    WHEN direction = 'lower' AND value <= target + 1e-9 THEN 'green'
    -- K33: not yet held is amber until the end of the term's deadline year
    WHEN kpi_code = 'work_meeting_held'
      AND year < cfg('term_start_year') + cfg('term_meeting_deadline_years') - 1 THEN 'amber'
    WHEN direction = 'higher' AND value >= 0.8 * target - 1e-9 THEN 'amber'
    WHEN direction = 'lower' AND value <= target + 0.10 + 1e-9 THEN 'amber'  -- within 10 points (K02)
    ELSE 'red'
  END AS status,
  CAST(unrep AS INTEGER) AS unreported, CAST(breach AS INTEGER) AS breach
FROM v;
