-- 县区画像 / 乡镇画像 (pages 8 and 9): one row per township-level unit and year (units active that year) with the
-- key figures of the township profile and of a county's township table. Meeting and station counts reuse the KPI
-- frames (_k_um, _k_sess, _k_station), so they equal K10–K17 by construction. Missing snapshot rows stay NULL
-- (未填报) in the flag columns and count as not met in liuyou_items / liuyou_all.
-- partition: county_code
CREATE OR REPLACE TABLE mart_township_profile AS
WITH ses AS (  -- township 人代会: regular sessions (换届 reported apart, as K12) and attendance over all sessions
  SELECT year, township_code,
    count(*) FILTER (WHERE is_election) AS n_election_sessions,
    count(*) FILTER (WHERE NOT is_election AND duration_days IS NOT NULL) AS n_regular_sessions,
    sum(duration_days) FILTER (WHERE NOT is_election) AS regular_session_days,
    count(*) FILTER (WHERE NOT is_election AND duration_days < cfg('min_session_days')) AS n_half_day_sessions,
    sum(deputies_present) FILTER (WHERE deputies_expected > 0) AS deputies_present,
    sum(deputies_expected) FILTER (WHERE deputies_expected > 0) AS deputies_expected,
    count(*) FILTER (WHERE inquorate) AS n_inquorate
  FROM _k_sess WHERE is_township AND township_code IS NOT NULL GROUP BY ALL
),
sta AS (  -- active stations of the unit; 乡镇级 ones are those of K16–K18
  SELECT s.year, s.township_code,
    count(*) FILTER (WHERE s.station_level = '乡镇级') AS n_stations,
    count(*) FILTER (WHERE s.station_level = '乡镇级' AND s.reported) AS n_stations_reported,
    count(*) FILTER (WHERE s.station_level = '乡镇级' AND s.all_items) AS n_stations_standard,
    sum(coalesce(s.activity_count, 0)) FILTER (WHERE s.station_level = '乡镇级') AS station_activities,
    sum(f.visitors_received) FILTER (WHERE s.station_level = '乡镇级') AS station_visitors,
    sum(s.opinions_collected) FILTER (WHERE s.station_level = '乡镇级') AS opinions_collected,
    sum(s.opinions_closed) FILTER (WHERE s.station_level = '乡镇级') AS opinions_closed,
    count(*) FILTER (WHERE s.station_level = '村(社区)级') AS n_village_rooms
  FROM _k_station s LEFT JOIN fact_station_year f ON f.year = s.year AND f.station_id = s.station_id
  WHERE s.township_code IS NOT NULL GROUP BY ALL
),
sug AS (  -- 乡级 suggestions of the township (S_y excludes 已撤回)
  SELECT CAST(year AS INTEGER) AS year, township_code, count(*) AS n_suggestions,
    count(*) FILTER (WHERE is_replied) AS n_replied,
    count(*) FILTER (WHERE replied_on_time) AS n_on_time,
    count(*) FILTER (WHERE status = '已办结') AS n_closed,
    count(*) FILTER (WHERE is_evaluated) AS n_evaluated,
    count(*) FILTER (WHERE final_satisfaction = '满意') AS n_satisfied,
    count(*) FILTER (WHERE final_satisfaction IN ('满意', '基本满意')) AS n_satisfied_broad,
    count(*) FILTER (WHERE is_replied AND result_class = 'A') AS n_class_a,
    count(*) FILTER (WHERE is_replied AND result_class = 'B') AS n_class_b,
    count(*) FILTER (WHERE is_replied AND result_class = 'C') AS n_class_c,
    count(*) FILTER (WHERE is_replied AND result_class = 'D') AS n_class_d
  FROM v_suggestion
  WHERE level = '乡级' AND township_code IS NOT NULL AND status IS DISTINCT FROM '已撤回' GROUP BY ALL
)
SELECT CAST(u.year AS INTEGER) AS year, u.county_code, c.county_name, u.township_code, t.township_name, t.unit_type,
  t.category, u.is_street, t.population_10k, t.village_count, c.sort_order AS county_sort,
  -- 六有 (K01): NULL = 未填报
  l.township_code IS NOT NULL AS liuyou_reported,
  l.has_organization, l.has_venue, l.has_staff, l.has_rules, l.has_equipment, l.has_funding,
  CAST(coalesce(l.has_organization, FALSE) AS INTEGER) + CAST(coalesce(l.has_venue, FALSE) AS INTEGER)
    + CAST(coalesce(l.has_staff, FALSE) AS INTEGER) + CAST(coalesce(l.has_rules, FALSE) AS INTEGER)
    + CAST(coalesce(l.has_equipment, FALSE) AS INTEGER) + CAST(coalesce(l.has_funding, FALSE) AS INTEGER)
    AS liuyou_items,
  coalesce(l.has_organization AND l.has_venue AND l.has_staff AND l.has_rules AND l.has_equipment AND l.has_funding,
           FALSE) AS liuyou_all,
  l.venue_area_m2, l.rules_count, l.funding_10k,
  -- staffing (K04–K07)
  s.township_code IS NOT NULL AS staffing_reported, s.chair_status,
  CASE WHEN s.chair_birth_year IS NOT NULL THEN u.year - s.chair_birth_year END AS chair_age,
  s.fulltime_vice_chairs, s.fulltime_staff, s.parttime_staff, s.has_office,
  -- meetings (K10–K15); streets have no 人代会/主席团 (their counts are 0 by law, not by omission)
  u.n_congress, u.n_presidium, u.n_recess,
  coalesce(m.n_election_sessions, 0) AS n_election_sessions, coalesce(m.n_regular_sessions, 0) AS n_regular_sessions,
  m.regular_session_days, coalesce(m.n_half_day_sessions, 0) AS n_half_day_sessions,
  m.deputies_present, m.deputies_expected, coalesce(m.n_inquorate, 0) AS n_inquorate,
  NOT u.is_street AND u.n_congress >= cfg('township_congress_min') AS congress_held,
  NOT u.is_street AND u.n_congress >= cfg('township_congress_target') AS two_sessions,
  NOT u.is_street AND u.n_presidium >= cfg('presidium_meeting_target') AS presidium_met,
  u.n_recess >= cfg('recess_activity_target') AS recess_met,
  -- stations (K16–K20)
  coalesce(x.n_stations, 0) AS n_stations, coalesce(x.n_stations_reported, 0) AS n_stations_reported,
  coalesce(x.n_stations_standard, 0) AS n_stations_standard, coalesce(x.station_activities, 0) AS station_activities,
  x.station_visitors, x.opinions_collected, x.opinions_closed, coalesce(x.n_village_rooms, 0) AS n_village_rooms,
  -- 乡级 suggestions
  coalesce(g.n_suggestions, 0) AS n_suggestions, coalesce(g.n_replied, 0) AS n_replied,
  coalesce(g.n_on_time, 0) AS n_on_time, coalesce(g.n_closed, 0) AS n_closed,
  coalesce(g.n_evaluated, 0) AS n_evaluated, coalesce(g.n_satisfied, 0) AS n_satisfied,
  coalesce(g.n_satisfied_broad, 0) AS n_satisfied_broad, coalesce(g.n_class_a, 0) AS n_class_a,
  coalesce(g.n_class_b, 0) AS n_class_b, coalesce(g.n_class_c, 0) AS n_class_c, coalesce(g.n_class_d, 0) AS n_class_d
FROM _k_um u
JOIN dim_township t ON t.township_code = u.township_code
LEFT JOIN dim_county c ON c.county_code = u.county_code
LEFT JOIN fact_township_liuyou l ON l.year = u.year AND l.township_code = u.township_code
LEFT JOIN fact_township_staffing s ON s.year = u.year AND s.township_code = u.township_code
LEFT JOIN ses m ON m.year = u.year AND m.township_code = u.township_code
LEFT JOIN sta x ON x.year = u.year AND x.township_code = u.township_code
LEFT JOIN sug g ON g.year = u.year AND g.township_code = u.township_code
ORDER BY u.year, c.sort_order, u.township_code;
