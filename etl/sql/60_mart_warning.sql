-- 预警清单: statutory-floor breaches, each naming the unit (K10, K15, K23).
-- partition: county_code
CREATE OR REPLACE TABLE mart_warning AS
SELECT u.year, u.county_code, u.township_code, 'K10' AS kpi_ref, 'no_congress' AS code,
  format('{}{}{}年未召开乡镇人民代表大会（地方组织法第十四条：每年至少举行一次）',
         coalesce(c.county_name, u.county_code), coalesce(t.township_name, u.township_code), u.year) AS message_zh,
  u.township_code AS object_id
FROM _k_um u LEFT JOIN dim_county c ON c.county_code = u.county_code
LEFT JOIN dim_township t ON t.township_code = u.township_code
WHERE NOT u.is_street AND u.n_congress < cfg('township_congress_min')
UNION ALL
SELECT CAST(coalesce(m.year, year(m.start_date)) AS INTEGER), m.county_code,
  CASE WHEN m.org_level <> '县级' THEN m.township_code END, 'K15', 'inquorate',
  format('{}{}于{}召开的人代会（{}）实出席代表{}人，不足应出席{}人的三分之二，不足法定人数',
         coalesce(c.county_name, m.county_code),
         CASE WHEN m.org_level = '县级' THEN '' ELSE coalesce(t.township_name, m.township_code) END,
         strftime(m.start_date, '%Y年%-m月%-d日'), coalesce(m.session_label, '未填届次'),
         m.deputies_present, m.deputies_expected),
  m.event_id
FROM fact_meeting m LEFT JOIN dim_county c ON c.county_code = m.county_code
LEFT JOIN dim_township t ON t.township_code = m.township_code
WHERE m.event_type = '人代会' AND m.deputies_expected > 0
  AND m.deputies_present < ceil(cfg('quorum_ratio') * m.deputies_expected - 0.05)
UNION ALL
SELECT CAST(s.year AS INTEGER), s.county_code, NULL, 'K23', 'late_reply',
  format('{}代表建议“{}”（编号{}，承办单位：{}）于{}交办，答复期限{}，{}',
         coalesce(c.county_name, s.county_code), s.title, s.suggestion_id,
         coalesce(h.unit_name, s.handling_unit_id, '未填'), strftime(s.assigned_date, '%Y年%-m月%-d日'),
         strftime(s.due_date, '%Y年%-m月%-d日'),
         CASE WHEN s.replied_date IS NULL THEN format('截至{}年12月31日仍未答复', s.year)
              ELSE format('{}才答复，逾期{}天', strftime(s.replied_date, '%Y年%-m月%-d日'),
                          date_diff('day', s.due_date, s.replied_date)) END),
  s.suggestion_id
FROM v_suggestion s LEFT JOIN dim_county c ON c.county_code = s.county_code
LEFT JOIN dim_handling_unit h ON h.unit_id = s.handling_unit_id
WHERE s.level = '县级' AND s.is_late
ORDER BY 1, 2, 3, 4;
