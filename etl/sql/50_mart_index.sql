-- Composite index (data-model §3.2). Item scores s ∈ [0,1]; weights from cfg_kpi.weight; N/A items dropped and
-- the dimension's remaining weights rescaled to its full weight (marked †).
CREATE OR REPLACE TABLE mart_index_item AS
SELECT m.year, m.county_code, k.dimension, m.kpi_code, m.kpi_ref, k.weight, m.value,
  CASE WHEN m.kpi_code = 'small_body_share' THEN cfg('small_body_target') ELSE m.target END AS target,
  coalesce(m.denominator > 0 AND m.value IS NOT NULL, FALSE) AS included,
  CASE
    WHEN NOT coalesce(m.denominator > 0 AND m.value IS NOT NULL, FALSE) THEN NULL
    -- K02 reversed between baseline (70%) and target (30%)
    WHEN m.kpi_code = 'small_body_share' THEN greatest(0, least(1, (cfg('small_body_baseline') - m.value)
      / nullif(cfg('small_body_baseline') - cfg('small_body_target'), 0)))
    -- other lower-is-better shares (K12 半天会): 1 − value when the target is 0
    WHEN k.direction = 'lower' THEN greatest(0, least(1, (1 - m.value) / nullif(1 - coalesce(m.target, 0), 0)))
    -- higher-is-better rates and counts: min(1, value / target); no target = 100%
    ELSE greatest(0, least(1, m.value / coalesce(nullif(m.target, 0), 1)))
  END AS item_score
FROM mart_kpi m JOIN cfg_kpi k ON k.kpi_code = m.kpi_code
WHERE m.level = '县' AND k.weight > 0;

CREATE OR REPLACE TABLE mart_index AS
WITH dim AS (SELECT dimension, sum(weight) AS max_score FROM cfg_kpi WHERE weight > 0 GROUP BY dimension),
agg AS (
  SELECT year, county_code, dimension, sum(weight) FILTER (WHERE included) AS w_in,
    sum(weight * item_score) FILTER (WHERE included) AS ws, count(*) FILTER (WHERE NOT included) AS n_na
  FROM mart_index_item GROUP BY ALL
)
SELECT a.year, a.county_code, a.dimension,
  -- a dimension with no data at all scores 0 (未填报不得分)
  coalesce(a.ws / nullif(a.w_in, 0) * d.max_score, 0) AS score, d.max_score,
  CASE WHEN a.n_na > 0 THEN '†' ELSE '' END AS dagger,
  CASE a.dimension WHEN 'A' THEN '组织建设' WHEN 'B' THEN '依法履职' WHEN 'C' THEN '代表工作'
    WHEN 'D' THEN '建议办理' WHEN 'E' THEN '党委领导与保障' WHEN 'F' THEN '民生实事票决' END AS dimension_name
FROM agg a JOIN dim d ON d.dimension = a.dimension
ORDER BY a.year, a.county_code, a.dimension;

CREATE OR REPLACE TABLE mart_index_total AS
WITH base AS (
  SELECT year, county_code, sum(score) AS base_score, max(dagger) AS dagger FROM mart_index GROUP BY ALL
),
eq AS (  -- sensitivity: every included indicator has equal weight, scaled to 100
  SELECT year, county_code, 100 * avg(item_score) FILTER (WHERE included) AS base_equal
  FROM mart_index_item GROUP BY ALL
),
t AS (
  SELECT b.year, b.county_code, c.county_name, b.base_score,
    least(coalesce(x.bonus_points, 0), coalesce(cfg('index_bonus_max'), 5)) AS bonus, b.dagger,
    coalesce(e.base_equal, 0) AS base_equal
  FROM base b LEFT JOIN eq e USING (year, county_code)
  LEFT JOIN dim_county c ON c.county_code = b.county_code
  LEFT JOIN fact_index_bonus x ON x.year = b.year AND x.county_code = b.county_code
),
r AS (
  SELECT *, base_score + bonus AS total, base_equal + bonus AS total_equal,
    rank() OVER (PARTITION BY year ORDER BY round(base_score + bonus, 2) DESC) AS rank,
    rank() OVER (PARTITION BY year ORDER BY round(base_equal + bonus, 2) DESC) AS rank_equal
  FROM t
)
SELECT r.year, r.county_code, r.county_name, r.base_score, r.bonus, r.total,
  CASE WHEN r.total >= coalesce(cfg('index_grade_excellent'), 90) THEN '优秀'
       WHEN r.total >= coalesce(cfg('index_grade_good'), 80) THEN '良好'
       WHEN r.total >= coalesce(cfg('index_grade_fair'), 60) THEN '一般' ELSE '较差' END AS grade,
  CAST(r.rank AS INTEGER) AS rank, CAST(p.rank - r.rank AS INTEGER) AS rank_change, r.dagger,
  r.total_equal, CAST(r.rank_equal AS INTEGER) AS rank_equal
FROM r LEFT JOIN r p ON p.county_code = r.county_code AND p.year = r.year - 1
ORDER BY r.year, r.rank;
