-- Derived suggestion fields (data-model §2.3.7). due_date = assigned + reply_months (extended if approved).
-- partition: county_code
CREATE OR REPLACE VIEW v_suggestion AS
WITH d AS (
  SELECT s.*,
    CAST(s.assigned_date + to_months(CAST(CASE WHEN coalesce(s.extension_approved, FALSE)
         THEN cfg('reply_months_extended') ELSE cfg('reply_months') END AS INTEGER)) AS DATE) AS due_date,
    CASE WHEN coalesce(s.re_handled, FALSE) AND s.second_satisfaction IS NOT NULL
         THEN s.second_satisfaction ELSE s.satisfaction END AS final_satisfaction
  FROM fact_suggestion s
)
SELECT d.*,
  d.replied_date IS NOT NULL AS is_replied,
  coalesce(d.replied_date <= d.due_date, FALSE) AS replied_on_time,
  coalesce(d.result_class = 'A', FALSE) AS is_resolved,
  coalesce(d.result_class IN ('A', 'B'), FALSE) AS is_implemented,
  coalesce(d.final_satisfaction IN ('满意', '基本满意', '不满意'), FALSE) AS is_evaluated,
  -- late: replied after the due date, or not replied and already past due on 31 Dec of the year
  coalesce(d.status IS DISTINCT FROM '已撤回' AND (d.replied_date > d.due_date
           OR (d.replied_date IS NULL AND d.due_date < make_date(CAST(d.year AS INTEGER), 12, 31))), FALSE) AS is_late
FROM d;

-- 履职积分 per deputy and year under the active scheme cfg_text('points_scheme') (§2.3.8).
-- partition: county_code
CREATE OR REPLACE VIEW v_deputy_points_year AS
WITH r AS (SELECT *, item_name LIKE '%进站%' AS is_station FROM cfg_points_rule WHERE scheme_id = cfg_text('points_scheme')),
s AS (SELECT max(scheme_type) AS scheme_type, coalesce(max(base_points), 0) AS base_points FROM r),
p AS (
  SELECT f.year, f.deputy_id, count(*) AS items,
    sum(coalesce(f.points, least(f.quantity * r.points_per_unit, r.max_points))) AS item_points,
    coalesce(bool_or(r.is_station AND f.quantity > 0), FALSE) AS has_station  -- K19: a 进站 item
  FROM fact_deputy_points f JOIN r ON r.item_code = f.item_code
  GROUP BY f.year, f.deputy_id
),
t AS (
  SELECT p.*, s.scheme_type, s.base_points,
    CASE WHEN s.scheme_type = '百分制' THEN least(100, s.base_points + p.item_points)
         ELSE s.base_points + p.item_points END AS total_points
  FROM p, s
)
SELECT t.year, t.deputy_id, d.level, d.county_code, d.township_code, cfg_text('points_scheme') AS scheme_id,
  t.scheme_type, t.base_points, t.item_points, t.items, t.total_points,
  CASE WHEN t.total_points >= cfg('points_good_line') THEN '履职好'
       WHEN t.total_points >= cfg('points_pass_line') THEN '较好' ELSE '差' END AS grade,
  t.total_points >= cfg('points_pass_line') AS is_pass, t.has_station, d.name,
  in_office(d.elected_date, d.term_start_year, d.term_end_year, d.status, d.status_date, make_date(t.year, 12, 31))
    AS in_office  -- on 31 December (K19)
FROM t LEFT JOIN dim_deputy d ON d.deputy_id = t.deputy_id;
