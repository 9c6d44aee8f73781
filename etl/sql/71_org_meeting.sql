-- 依法履职 page marts: per township-year meeting summary and one row per 人代会 (K10–K15).
-- Reuses the build's temp frame (_k_um counts, _k_sess sessions) so the counts equal mart_kpi.

-- partition: county_code
CREATE OR REPLACE TABLE mart_org_meeting AS
WITH s AS (
  SELECT year, township_code,
    count(*) FILTER (WHERE is_election) AS n_election,
    count(*) FILTER (WHERE NOT is_election AND duration_days IS NOT NULL) AS n_regular,
    sum(duration_days) FILTER (WHERE NOT is_election AND duration_days IS NOT NULL) AS days_regular,
    count(*) FILTER (WHERE NOT is_election AND duration_days < cfg('min_session_days')) AS n_half_day,
    sum(deputies_expected) FILTER (WHERE deputies_expected > 0 AND deputies_present IS NOT NULL) AS expected,
    sum(deputies_present) FILTER (WHERE deputies_expected > 0 AND deputies_present IS NOT NULL) AS present,
    count(*) FILTER (WHERE deputies_expected > 0 AND inquorate) AS n_inquorate
  FROM _k_sess WHERE is_township GROUP BY year, township_code
)
SELECT CAST(u.year AS INTEGER) AS year, u.county_code, u.township_code, t.township_name, t.unit_type, u.is_street,
  c.county_name, c.sort_order AS county_sort,
  CAST(u.n_congress AS INTEGER) AS n_congress, CAST(u.n_presidium AS INTEGER) AS n_presidium,
  CAST(u.n_recess AS INTEGER) AS n_recess,
  CAST(coalesce(s.n_election, 0) AS INTEGER) AS n_election, CAST(coalesce(s.n_regular, 0) AS INTEGER) AS n_regular,
  CAST(s.days_regular AS DOUBLE) AS days_regular,
  CAST(s.days_regular / nullif(s.n_regular, 0) AS DOUBLE) AS avg_days,
  CAST(coalesce(s.n_half_day, 0) AS INTEGER) AS n_half_day,
  CAST(s.expected AS INTEGER) AS expected, CAST(s.present AS INTEGER) AS present,
  CAST(coalesce(s.n_inquorate, 0) AS INTEGER) AS n_inquorate
FROM _k_um u
JOIN dim_township t ON t.township_code = u.township_code
JOIN dim_county c ON c.county_code = u.county_code
LEFT JOIN s ON s.year = u.year AND s.township_code = u.township_code;

-- partition: county_code
CREATE OR REPLACE TABLE mart_org_session AS
SELECT m.event_id, CAST(coalesce(m.year, year(m.start_date)) AS INTEGER) AS year, m.org_level, m.county_code,
  CASE WHEN m.org_level <> '县级' THEN m.township_code END AS township_code, c.county_name,
  CASE WHEN m.org_level = '县级' THEN c.county_name || '（县级）' ELSE t.township_name END AS unit_name,
  c.sort_order AS county_sort, m.session_label, m.start_date, CAST(m.duration_days AS DOUBLE) AS duration_days,
  coalesce(m.is_election_session, FALSE) AS is_election,
  NOT coalesce(m.is_election_session, FALSE) AND m.duration_days < cfg('min_session_days') AS is_half_day,
  CAST(m.deputies_expected AS INTEGER) AS expected, CAST(m.deputies_present AS INTEGER) AS present,
  CAST(m.deputies_present AS DOUBLE) / nullif(m.deputies_expected, 0) AS attendance,
  coalesce(m.deputies_expected > 0
           AND m.deputies_present < ceil(cfg('quorum_ratio') * m.deputies_expected - 0.05), FALSE) AS inquorate
FROM fact_meeting m
LEFT JOIN dim_county c ON c.county_code = m.county_code
LEFT JOIN dim_township t ON t.township_code = m.township_code
WHERE m.event_type = '人代会';
