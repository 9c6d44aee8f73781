-- B 依法履职、会议运行 (K10–K15). breach = units/sessions below a statutory floor.
-- partition: county_code
CREATE OR REPLACE TEMP TABLE _k_mt AS
SELECT CAST(coalesce(year, year(start_date)) AS INTEGER) AS year, township_code,
  count(*) FILTER (WHERE event_type = '人代会') AS n_congress,
  count(*) FILTER (WHERE event_type = '主席团会议') AS n_presidium,
  count(*) FILTER (WHERE event_type IN ('闭会期间代表活动', '代表小组活动')) AS n_recess
FROM fact_meeting WHERE township_code IS NOT NULL AND org_level <> '县级'
GROUP BY ALL;

-- partition: county_code
CREATE OR REPLACE TEMP TABLE _k_um AS
SELECT u.*, coalesce(m.n_congress, 0) AS n_congress, coalesce(m.n_presidium, 0) AS n_presidium,
  coalesce(m.n_recess, 0) AS n_recess
FROM _k_unit u LEFT JOIN _k_mt m ON m.year = u.year AND m.township_code = u.township_code;

-- 人代会 sessions: township sessions at township grain, county sessions at county grain
-- partition: county_code
CREATE OR REPLACE TEMP TABLE _k_sess AS
SELECT CAST(coalesce(year, year(start_date)) AS INTEGER) AS year, county_code,
  CASE WHEN org_level <> '县级' THEN township_code END AS township_code, org_level <> '县级' AS is_township,
  coalesce(is_election_session, FALSE) AS is_election, duration_days, deputies_expected, deputies_present,
  deputies_present < ceil(cfg('quorum_ratio') * deputies_expected - 0.05) AS inquorate
FROM fact_meeting WHERE event_type = '人代会';

-- partition: county_code
CREATE OR REPLACE TEMP TABLE _k_base_b AS
SELECT 'congress_held_rate' AS kpi_code, year, county_code, township_code,
  (n_congress >= cfg('township_congress_min'))::DOUBLE AS num, 1::DOUBLE AS den, NULL::INT AS unrep,
  (n_congress < cfg('township_congress_min'))::INT AS breach FROM _k_um WHERE NOT is_street
UNION ALL SELECT 'two_sessions_rate', year, county_code, township_code, (n_congress >= cfg('township_congress_target'))::INT,
  1, NULL, NULL FROM _k_um WHERE NOT is_street
UNION ALL SELECT 'presidium_rate', year, county_code, township_code, (n_presidium >= cfg('presidium_meeting_target'))::INT,
  1, NULL, NULL FROM _k_um WHERE NOT is_street
UNION ALL SELECT 'recess_activity_rate', year, county_code, township_code, (n_recess >= cfg('recess_activity_target'))::INT,
  1, NULL, NULL FROM _k_um
-- K12 over township sessions; 换届 sessions are reported separately
UNION ALL SELECT 'avg_session_days', year, county_code, township_code, sum(duration_days), count(*), NULL, NULL
  FROM _k_sess WHERE is_township AND NOT is_election AND duration_days IS NOT NULL GROUP BY ALL
UNION ALL SELECT 'half_day_share', year, county_code, township_code, count(*) FILTER (WHERE duration_days < cfg('min_session_days')),
  count(*), NULL, NULL FROM _k_sess WHERE is_township AND NOT is_election AND duration_days IS NOT NULL GROUP BY ALL
UNION ALL SELECT 'election_session_days', year, county_code, township_code, sum(duration_days), count(*), NULL, NULL
  FROM _k_sess WHERE is_township AND is_election AND duration_days IS NOT NULL GROUP BY ALL
-- K15 Σpresent/Σexpected and per-session quorum (county and township sessions)
UNION ALL SELECT 'attendance_rate', year, county_code, township_code, sum(deputies_present), sum(deputies_expected), NULL,
  count(*) FILTER (WHERE inquorate) FROM _k_sess WHERE deputies_expected > 0 AND deputies_present IS NOT NULL GROUP BY ALL
UNION ALL SELECT 'quorum_rate', year, county_code, township_code, count(*) FILTER (WHERE NOT inquorate), count(*), NULL,
  count(*) FILTER (WHERE inquorate) FROM _k_sess WHERE deputies_expected > 0 AND deputies_present IS NOT NULL GROUP BY ALL;
