-- mart_kpi: every KPI for the city, each county and (where defined) each township, for every year with data.
-- Built per KPI family: mart_kpi_a..f from the build's base rows _k_base_a..f (30–35_kpi_*.sql, temporary:
-- recomputing them is cheaper than storing them) and the family's codes (indicators.py), so a publish rebuilds
-- only the families whose inputs changed; mart_kpi is their union.
-- Base rows are unique per (kpi_code, year, county_code, township_code); township_code NULL = county grain.
CREATE OR REPLACE TEMP MACRO _k_kpi_rows(base, codes) AS TABLE
WITH b AS (SELECT * FROM query_table(base)),
cty AS (  -- county totals, then the city from the counties (hierarchical, cheaper than GROUPING SETS)
  SELECT kpi_code, year, county_code, sum(num) AS num, sum(den) AS den, sum(unrep) AS unrep, sum(breach) AS breach
  FROM b GROUP BY kpi_code, year, county_code),
tot AS (SELECT kpi_code, year, sum(num) AS num, sum(den) AS den, sum(unrep) AS unrep, sum(breach) AS breach
  FROM cty GROUP BY kpi_code, year),
k AS (SELECT *, string_split(coalesce(levels, '市/县'), '/') AS lv FROM cfg_kpi WHERE list_contains(codes, kpi_code)),
city AS (SELECT coalesce(min(city_code), '000000') AS code, coalesce(min(city_name), '全市') AS name FROM dim_city),
rows AS (  -- city and county rows always exist (NULL value = no data); township rows only where defined
  SELECT k.kpi_code, y.year, '市' AS level, city.code AS unit_code, city.name AS unit_name, NULL::VARCHAR AS county_code,
    r.num, r.den, r.unrep, r.breach
  FROM k CROSS JOIN _k_years y CROSS JOIN city
  LEFT JOIN tot r ON r.kpi_code = k.kpi_code AND r.year = y.year
  WHERE list_contains(k.lv, '市')
  UNION ALL
  SELECT k.kpi_code, y.year, '县', c.county_code, c.county_name, c.county_code, r.num, r.den, r.unrep, r.breach
  FROM k CROSS JOIN _k_years y CROSS JOIN dim_county c
  LEFT JOIN cty r ON r.kpi_code = k.kpi_code AND r.year = y.year AND r.county_code = c.county_code
  WHERE list_contains(k.lv, '县')
  UNION ALL
  SELECT b.kpi_code, b.year, '乡', b.township_code, t.township_name, b.county_code, b.num, b.den, b.unrep, b.breach
  FROM b JOIN k ON k.kpi_code = b.kpi_code AND list_contains(k.lv, '乡')
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

-- partition: county_code
CREATE OR REPLACE TABLE mart_kpi_a AS FROM _k_kpi_rows('_k_base_a', {{kpi_codes_a}});
-- partition: county_code
CREATE OR REPLACE TABLE mart_kpi_b AS FROM _k_kpi_rows('_k_base_b', {{kpi_codes_b}});
-- partition: county_code
CREATE OR REPLACE TABLE mart_kpi_c AS FROM _k_kpi_rows('_k_base_c', {{kpi_codes_c}});
-- partition: county_code
CREATE OR REPLACE TABLE mart_kpi_d AS FROM _k_kpi_rows('_k_base_d', {{kpi_codes_d}});
-- partition: county_code
CREATE OR REPLACE TABLE mart_kpi_e AS FROM _k_kpi_rows('_k_base_e', {{kpi_codes_e}});
-- partition: county_code
CREATE OR REPLACE TABLE mart_kpi_f AS FROM _k_kpi_rows('_k_base_f', {{kpi_codes_f}});

CREATE OR REPLACE VIEW mart_kpi AS
SELECT * FROM mart_kpi_a
UNION ALL SELECT * FROM mart_kpi_b
UNION ALL SELECT * FROM mart_kpi_c
UNION ALL SELECT * FROM mart_kpi_d
UNION ALL SELECT * FROM mart_kpi_e
UNION ALL SELECT * FROM mart_kpi_f;
