-- 组织建设 page marts (K01 matrix, K02 body composition). Uses the build's temp frame (_k_years, _k_unit).

-- One row per township-level unit and year in the 六有 scope: the six items (NULL = 未填报), items met, all met.
-- partition: county_code
CREATE OR REPLACE TABLE mart_org_liuyou AS
SELECT CAST(u.year AS INTEGER) AS year, u.county_code, u.township_code, t.township_name, t.unit_type, t.category,
  c.county_name, c.sort_order AS county_sort,
  l.township_code IS NOT NULL AS reported,
  l.has_organization, l.has_venue, l.has_staff, l.has_rules, l.has_equipment, l.has_funding,
  CAST(coalesce(l.has_organization, FALSE)::INT + coalesce(l.has_venue, FALSE)::INT + coalesce(l.has_staff, FALSE)::INT
     + coalesce(l.has_rules, FALSE)::INT + coalesce(l.has_equipment, FALSE)::INT + coalesce(l.has_funding, FALSE)::INT
     AS INTEGER) AS items_met
FROM _k_unit u
JOIN dim_township t ON t.township_code = u.township_code
JOIN dim_county c ON c.county_code = u.county_code
LEFT JOIN fact_township_liuyou l ON l.year = u.year AND l.township_code = u.township_code
WHERE NOT u.is_street OR cfg('include_streets_in_liuyou') = 1;

-- County bodies per county and year: composition by staff size (K02 denominators exclude shared-staff bodies).
-- partition: county_code
CREATE OR REPLACE TABLE mart_org_body AS
SELECT CAST(c.year AS INTEGER) AS year, c.county_code,
  count(b.body_name) AS n_rows,
  count(b.body_name) FILTER (WHERE b.shares_staff_with IS NULL) AS n_bodies,
  count(b.body_name) FILTER (WHERE b.shares_staff_with IS NULL AND b.staff_count <= 1) AS n_one,
  count(b.body_name) FILTER (WHERE b.shares_staff_with IS NULL AND b.staff_count > 1
                                   AND b.staff_count <= cfg('small_body_max_staff')) AS n_two,
  count(b.body_name) FILTER (WHERE b.shares_staff_with IS NULL AND b.staff_count <= cfg('small_body_max_staff')) AS n_small,
  count(b.body_name) FILTER (WHERE b.shares_staff_with IS NOT NULL) AS n_shared,
  count(b.body_name) FILTER (WHERE b.body_type = '专门委员会') AS n_special,
  CAST(coalesce(sum(b.staff_count) FILTER (WHERE b.shares_staff_with IS NULL), 0) AS INTEGER) AS staff_total,
  CAST(coalesce(sum(b.authorized_posts) FILTER (WHERE b.shares_staff_with IS NULL), 0) AS INTEGER) AS posts_total
FROM _k_county c LEFT JOIN fact_county_body b ON b.year = c.year AND b.county_code = c.county_code
GROUP BY c.year, c.county_code;
