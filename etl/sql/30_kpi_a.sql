-- A 组织建设 (K01–K09). Base rows: (kpi_code, year, county_code, township_code, num, den, unrep, breach);
-- township_code NULL = county grain. A missing snapshot row counts as not met and as unreported (未填报).
-- partition: county_code
CREATE OR REPLACE TEMP TABLE _k_tu AS
SELECT u.*, l.township_code IS NOT NULL AS has_l, s.township_code IS NOT NULL AS has_s,
  coalesce(l.has_organization, FALSE)::INT AS i_organization, coalesce(l.has_venue, FALSE)::INT AS i_venue,
  coalesce(l.has_staff, FALSE)::INT AS i_staff, coalesce(l.has_rules, FALSE)::INT AS i_rules,
  coalesce(l.has_equipment, FALSE)::INT AS i_equipment, coalesce(l.has_funding, FALSE)::INT AS i_funding,
  s.chair_status, s.chair_birth_year, coalesce(s.fulltime_vice_chairs, 0) AS vice_chairs,
  coalesce(s.fulltime_staff, 0) AS staff,
  (NOT u.is_street OR cfg('include_streets_in_liuyou') = 1) AS liuyou_scope
FROM _k_unit u
LEFT JOIN fact_township_liuyou l ON l.year = u.year AND l.township_code = u.township_code
LEFT JOIN fact_township_staffing s ON s.year = u.year AND s.township_code = u.township_code;

-- partition: county_code
CREATE OR REPLACE TEMP TABLE _k_cb AS
SELECT c.year, c.county_code, b.county_code IS NOT NULL AS has_b,
  coalesce(b.n_bodies, 0) AS n_bodies, coalesce(b.n_small, 0) AS n_small, coalesce(b.n_special, 0) AS n_special,
  coalesce(b.n_heads, 0) AS n_heads, coalesce(b.n_young, 0) AS n_young
FROM _k_county c LEFT JOIN (
  SELECT year, county_code,
    count(*) FILTER (WHERE shares_staff_with IS NULL) AS n_bodies,
    count(*) FILTER (WHERE shares_staff_with IS NULL AND staff_count <= cfg('small_body_max_staff')) AS n_small,
    count(*) FILTER (WHERE body_type = '专门委员会') AS n_special,
    count(*) FILTER (WHERE shares_staff_with IS NULL AND head_birth_year IS NOT NULL) AS n_heads,
    count(*) FILTER (WHERE shares_staff_with IS NULL AND year - head_birth_year <= cfg('young_cadre_max_age')) AS n_young
  FROM fact_county_body GROUP BY year, county_code
) b ON b.year = c.year AND b.county_code = c.county_code;

-- partition: county_code
CREATE OR REPLACE TEMP TABLE _k_base_a AS
SELECT 'liuyou_rate' AS kpi_code, year, county_code, township_code,
  (i_organization + i_venue + i_staff + i_rules + i_equipment + i_funding = 6)::DOUBLE AS num, 1::DOUBLE AS den,
  (NOT has_l)::INT AS unrep, NULL::INT AS breach FROM _k_tu WHERE liuyou_scope
UNION ALL SELECT 'liuyou_items_avg', year, county_code, township_code,
  i_organization + i_venue + i_staff + i_rules + i_equipment + i_funding, 1, (NOT has_l)::INT, NULL FROM _k_tu WHERE liuyou_scope
UNION ALL SELECT 'liuyou_organization_rate', year, county_code, township_code, i_organization, 1, (NOT has_l)::INT, NULL FROM _k_tu WHERE liuyou_scope
UNION ALL SELECT 'liuyou_venue_rate', year, county_code, township_code, i_venue, 1, (NOT has_l)::INT, NULL FROM _k_tu WHERE liuyou_scope
UNION ALL SELECT 'liuyou_staff_rate', year, county_code, township_code, i_staff, 1, (NOT has_l)::INT, NULL FROM _k_tu WHERE liuyou_scope
UNION ALL SELECT 'liuyou_rules_rate', year, county_code, township_code, i_rules, 1, (NOT has_l)::INT, NULL FROM _k_tu WHERE liuyou_scope
UNION ALL SELECT 'liuyou_equipment_rate', year, county_code, township_code, i_equipment, 1, (NOT has_l)::INT, NULL FROM _k_tu WHERE liuyou_scope
UNION ALL SELECT 'liuyou_funding_rate', year, county_code, township_code, i_funding, 1, (NOT has_l)::INT, NULL FROM _k_tu WHERE liuyou_scope
-- K02 B_y excludes bodies that share staff; a county without body rows is unreported
UNION ALL SELECT 'small_body_share', year, county_code, NULL, n_small, n_bodies, (NOT has_b)::INT, NULL FROM _k_cb
UNION ALL SELECT 'special_committee_count', year, county_code, NULL, n_special, 1, (NOT has_b)::INT, NULL FROM _k_cb
-- K03 / K08 from the leadership snapshot
UNION ALL SELECT 'director_separate_rate', c.year, c.county_code, NULL, coalesce(l.director_separate, FALSE)::INT, 1,
  (l.county_code IS NULL)::INT, NULL
  FROM _k_county c LEFT JOIN fact_county_leadership l ON l.year = c.year AND l.county_code = c.county_code
UNION ALL SELECT 'fulltime_member_share', c.year, c.county_code, NULL, coalesce(l.fulltime_members, 0),
  coalesce(l.members_total, 0), (l.county_code IS NULL)::INT, NULL
  FROM _k_county c LEFT JOIN fact_county_leadership l ON l.year = c.year AND l.county_code = c.county_code
-- K04–K06b on T_y / J_y
UNION ALL SELECT 'chair_fulltime_rate', year, county_code, township_code, coalesce(chair_status = '专职', FALSE)::INT, 1,
  (NOT has_s)::INT, NULL FROM _k_tu WHERE NOT is_street
UNION ALL SELECT 'vice_chair_rate', year, county_code, township_code, (vice_chairs >= 1)::INT, 1, (NOT has_s)::INT, NULL
  FROM _k_tu WHERE is_vice_scope
UNION ALL SELECT 'street_director_rate', year, county_code, township_code, coalesce(chair_status = '专职', FALSE)::INT, 1,
  (NOT has_s)::INT, NULL FROM _k_tu WHERE is_street
UNION ALL SELECT 'street_staff_rate', year, county_code, township_code, (staff >= 1)::INT, 1, (NOT has_s)::INT, NULL
  FROM _k_tu WHERE is_street
-- K07 H_y: county body heads + non-vacant township chairs / street directors (unreported unit = a head not met)
UNION ALL SELECT 'young_cadre_share', year, county_code, NULL, n_young, n_heads, (NOT has_b)::INT, NULL FROM _k_cb
UNION ALL SELECT 'young_cadre_share', year, county_code, township_code,
  coalesce(year - chair_birth_year <= cfg('young_cadre_max_age'), FALSE)::INT, 1, (NOT has_s)::INT, NULL
  FROM _k_tu WHERE NOT has_s OR chair_status IS DISTINCT FROM '空缺';
