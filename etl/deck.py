"""The meeting deck: one story of slides built from the marts, shared by the 汇报模式 page, the PPTX export and
the CLI (`python -m etl deck`). Pure data: no Streamlit, no python-pptx here.
build_deck(con, year, county=None, version=0) reads the marts of one snapshot (mart_kpi, mart_index_total,
mart_index, mart_warning, mart_policy_warning) and writes the 要点 with etl.story.

Values follow mart_kpi: shares are fractions (0.88 shown as 88.0%) with unit "%"; other units as stored.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from etl import story
from etl.area import area_word
from etl.fmt import STATUS_COLOR, STATUS_ZH, fmt_value, is_missing
from etl.indicators import BY_CODE, DIMENSIONS


@dataclass(frozen=True)
class Series:
    name: str                                  # legend text, Chinese
    values: tuple[float | None, ...]           # one per category; None = no data


@dataclass(frozen=True)
class ChartSpec:
    kind: str                                  # "bar" (horizontal, ranking), "column", "line"
    categories: tuple[str, ...]                # Chinese category labels (counties, years, indicators)
    series: tuple[Series, ...]
    unit: str                                  # "%", "分", "个", "件" … (as in etl.indicators)
    target: float | None = None                # reference line (same scale as values)
    target_label: str = ""                     # e.g. "目标 90%"
    axis_title: str = ""                       # value axis title, Chinese, with unit
    colors: tuple[str, ...] = ()               # optional per-category hex colours (status) of the FIRST series
    color_legend: tuple[tuple[str, str], ...] = ()  # what the colours mean: (hex, Chinese label) pairs


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Slide:
    key: str                                   # stable id: "title", "headline", "family-A" … "ranking", "warnings", "supervise"
    title: str                                 # large Chinese heading
    subtitle: str = ""
    chart: ChartSpec | None = None
    table: Table | None = None
    points: tuple[str, ...] = ()               # 2–4 要点 generated from the data
    notes: str = ""                            # 口径 and 依据, for the speaker notes


@dataclass(frozen=True)
class Deck:
    year: int
    county_code: str | None                    # None = the whole top unit (全市 / 全省 / 全国)
    scope_name: str                            # 清川市 / 云渡县
    city_name: str
    version: int                               # snapshot version the figures come from
    slides: tuple[Slide, ...] = field(default_factory=tuple)


# --- building the deck from a snapshot --------------------------------------------------------------------


# The 总览 headline KPIs (pages/_common/cards.py imports Streamlit, so the tuple is repeated here; a test
# keeps the two equal).
HEADLINE = ("liuyou_rate", "small_body_share", "chair_fulltime_rate", "young_cadre_share",
            "congress_held_rate", "two_sessions_rate", "station_coverage", "archive_rate",
            "on_time_reply_rate", "satisfaction_strict", "resolution_rate", "voting_coverage")
# One key KPI per indicator family: the one that separates units best in the demo city and carries index weight.
FAMILY_KPI = {"A": "liuyou_rate", "B": "two_sessions_rate", "C": "station_activity_avg",
              "D": "satisfaction_strict", "E": "party_report_count", "F": "project_completion_rate"}
SLIDE_KEYS = ("title", "headline", *(f"family-{f}" for f in FAMILY_KPI), "ranking", "warnings", "supervise")
TABLE_ROWS = 12                      # rows of a slide table; the rest is counted in the subtitle
# A province or the nation (issue 6): a chart of counties draws them all up to CHART_MAX (a city), else the
# CHART_TOP weakest (ranking: the first and last CHART_TOP // 2) plus the chosen county, said in the subtitle;
# a sentence names at most NAMES_MAX counties. Counts, best/worst and places are computed in SQL over all counties,
# so the deck reads a bounded number of rows at any scale (the same limits as pages/_common/charts.py).
CHART_MAX, CHART_TOP, NAMES_MAX = 60, 20, 10
FLOOR_LABEL = {"K10": "乡镇未召开人代会", "K15": "人代会出席不足三分之二", "K23": "代表建议逾期答复"}
LOWER = tuple(sorted(code for code, ind in BY_CODE.items() if ind.direction == "lower"))  # lower is better
POOL_KPIS = ("young_cadre_share",)  # left out of the township 督导 list (see _gaps)
GRADE_STATUS = {"优秀": "green", "良好": "green", "一般": "amber", "较差": "red"}
STATUS_LEGEND = tuple((STATUS_COLOR[s], STATUS_ZH[s]) for s in ("green", "amber", "red"))
GRADE_LEGEND = ((STATUS_COLOR["green"], "优秀、良好"), (STATUS_COLOR["amber"], "一般"), (STATUS_COLOR["red"], "较差"))
SHARE_LEGEND = ((STATUS_COLOR["green"], "得分率80%及以上"), (STATUS_COLOR["amber"], "60%–80%"),
                (STATUS_COLOR["red"], "60%以下"))


def _q(con, sql: str, params: tuple = ()) -> pd.DataFrame:
    return con.execute(sql, params).fetchdf()


def _rule(con, code: str, default: float) -> float:
    row = con.execute("SELECT value FROM cfg_rule WHERE rule_code = ?", (code,)).fetchone()
    return float(row[0]) if row and row[0] not in (None, "") else default


def kpi_note(ind, target=None) -> str:
    """口径 of one indicator for the speaker notes: formula, numerator/denominator, target, provenance."""
    text = f"{ind.ref} {ind.name_zh}：{ind.formula_text}。"
    if ind.numerator_text and ind.denominator_text and ind.denominator_text != "—":
        text += f"分子：{ind.numerator_text}；分母：{ind.denominator_text}。"
    target = ind.default_target if is_missing(target) else target
    if not is_missing(target):
        text += f"目标：{'不高于' if ind.direction == 'lower' else '不低于'}{fmt_value(target, ind.unit, 0)}。"
    if ind.floor is not None:
        text += f"法定底线：{fmt_value(ind.floor, ind.unit)}。"
    return text + f"依据：{ind.provenance} {ind.source}。"


def _status(row) -> str | None:
    s = row.get("status")
    return s if isinstance(s, str) else None


def _colors(statuses) -> tuple[str, ...]:
    return tuple(STATUS_COLOR.get(s, STATUS_COLOR[None]) for s in statuses)


def _values(series: pd.Series) -> tuple[float | None, ...]:
    return tuple(None if is_missing(v) else float(v) for v in series)


def _target_label(ind, target) -> str:
    return "" if is_missing(target) else f"目标 {fmt_value(target, ind.unit, 0)}"


class _Data:
    """What the slides need for one year and scope, read from the marts once: the scope's own rows, the county
    rows the charts draw, per-KPI counts and extremes over all counties, a bounded part of the ranking."""

    def __init__(self, con, year: int, county: str | None, area: str = "全市"):
        self.year, self.county = year, county
        self.area = area  # the top unit's word in sentences and legends: 全市 / 全省 / 全国 (etl.area)
        self.n_counties = int(con.execute("SELECT count(*) FROM dim_county").fetchone()[0])
        self.bounded = self.n_counties > CHART_MAX
        self.scope_name = None
        if county is not None:
            row = con.execute("SELECT county_name FROM dim_county WHERE county_code = ?", (county,)).fetchone()
            self.scope_name = row[0] if row else None
        codes = tuple(dict.fromkeys(HEADLINE + tuple(FAMILY_KPI.values())))
        self.codes = codes
        marks, low = ",".join("?" * len(codes)), ",".join("?" * len(LOWER)) or "NULL"
        status_rank = "CASE k.status WHEN 'red' THEN 0 WHEN 'amber' THEN 1 WHEN 'green' THEN 2 ELSE 3 END"
        # county rows: every county of a city; beyond CHART_MAX the CHART_TOP weakest per KPI and the chosen one,
        # with flags for the best, the worst, the biggest riser and the chosen county and counts over all counties
        self.county_rows = _q(con, f"""
            WITH k AS (SELECT k.kpi_code, k.level, k.unit_code, k.unit_name, k.county_code, k.numerator,
                              k.denominator, k.value, k.target, k.status, k.breach, p.value AS last_value,
                              c.sort_order, {status_rank} AS status_rank,
                              CASE WHEN k.kpi_code IN ({low}) THEN k.value ELSE -k.value END AS key,
                              CASE WHEN k.kpi_code IN ({low}) THEN -1 ELSE 1 END * (k.value - p.value) AS gain
                       FROM mart_kpi k LEFT JOIN dim_county c ON c.county_code = k.unit_code
                            LEFT JOIN (SELECT kpi_code, unit_code, value FROM mart_kpi
                                       WHERE year = ? AND level = '县' AND kpi_code IN ({marks})) p
                                 ON p.kpi_code = k.kpi_code AND p.unit_code = k.unit_code
                       WHERE k.year = ? AND k.level = '县' AND k.kpi_code IN ({marks})),
            r AS (SELECT *,
                    row_number() OVER (PARTITION BY kpi_code ORDER BY value IS NULL, key, sort_order NULLS LAST,
                                       unit_code) AS place,
                    row_number() OVER (PARTITION BY kpi_code ORDER BY value IS NULL, key DESC,
                                       sort_order DESC NULLS FIRST, unit_code DESC) AS worst_i,
                    row_number() OVER (PARTITION BY kpi_code ORDER BY gain IS NULL, gain DESC, sort_order NULLS LAST,
                                       unit_code) AS mover_i,
                    row_number() OVER (PARTITION BY kpi_code ORDER BY status_rank, value IS NULL, key DESC,
                                       sort_order NULLS LAST, unit_code) AS weak_i,
                    count(*) OVER w AS n_units, count(value) OVER w AS n_valued,
                    count(*) OVER (PARTITION BY kpi_code, value) AS n_tied,
                    count(*) FILTER (WHERE status = 'green') OVER w AS n_green,
                    count(*) FILTER (WHERE status = 'amber') OVER w AS n_amber,
                    count(*) FILTER (WHERE status = 'red') OVER w AS n_red
                  FROM k WINDOW w AS (PARTITION BY kpi_code))
            SELECT * EXCLUDE (key, status_rank), weak_i <= ? AND ? AS weakest,
                   (NOT ? OR weak_i <= ? OR unit_code IS NOT DISTINCT FROM ?) AS drawn
            FROM r
            WHERE NOT ? OR weak_i <= ? OR unit_code IS NOT DISTINCT FROM ? OR place = 1 OR worst_i = 1
                  OR mover_i = 1
            ORDER BY kpi_code, sort_order NULLS LAST, unit_code""",
                              (*LOWER, *LOWER, year - 1, *codes, year, *codes, CHART_TOP, self.bounded, self.bounded, CHART_TOP, county,
                               self.bounded, CHART_TOP, county))
        self.kpi = _q(con, f"""
            SELECT k.kpi_code, k.level, k.unit_code, k.unit_name, k.county_code, k.numerator, k.denominator,
                   k.value, k.target, k.status, k.breach, p.value AS last_value
            FROM mart_kpi k LEFT JOIN mart_kpi p ON p.kpi_code = k.kpi_code AND p.level = k.level
                 AND p.unit_code = k.unit_code AND p.year = k.year - 1
            WHERE k.year = ? AND k.kpi_code IN ({marks})
              AND (k.level = '市' OR (k.level = '县' AND k.unit_code = ?) OR (k.level = '乡' AND k.county_code = ?))
            ORDER BY k.kpi_code, k.level, k.unit_code""", (year, *codes, county, county))
        keep = max(CHART_TOP // 2, NAMES_MAX)
        self.ranking = _q(con, """
            WITH r AS (SELECT county_code, county_name, total, grade, rank, rank_change, dagger,
                              row_number() OVER (ORDER BY rank, county_code) AS pos, count(*) OVER () AS n_total,
                              count(*) FILTER (WHERE total < ?) OVER () AS n_low, avg(total) OVER () AS mean_total,
                              row_number() OVER (ORDER BY rank_change DESC NULLS LAST, rank, county_code) AS mover
                       FROM mart_index_total WHERE year = ?)
            SELECT * EXCLUDE (mover) FROM r
            WHERE n_total <= ? OR pos <= ? OR pos > n_total - ? OR county_code IS NOT DISTINCT FROM ?
                  OR (mover = 1 AND rank_change > 0)
            ORDER BY pos""", (_rule(con, "index_grade_good", 80.0), year, CHART_MAX, keep, keep, county))
        self.n_ranked = int(self.ranking["n_total"].iloc[0]) if len(self.ranking) else 0
        self.grades = dict(con.execute("SELECT grade, count(*) FROM mart_index_total WHERE year = ? GROUP BY grade",
                                       (year,)).fetchall())
        self.dims = _q(con, """SELECT dimension, dimension_name, max_score, avg(score) AS score,
                   any_value(score) FILTER (WHERE county_code IS NOT DISTINCT FROM ?) AS own
            FROM mart_index WHERE year = ? GROUP BY ALL ORDER BY dimension, dimension_name, max_score""",
                       (county, year))
        # floor breaches: every one of a county (its townships are few), the first TABLE_ROWS of a whole city;
        # counts in SQL either way (tens of thousands at nation scale)
        self.breaches = _q(con, f"""SELECT w.kpi_ref, w.code, c.county_name, t.township_name, w.message_zh,
                   w.county_code, w.township_code
            FROM mart_warning w JOIN dim_county c USING (county_code)
            LEFT JOIN dim_township t ON t.township_code = w.township_code
            WHERE w.year = ? AND (? IS NULL OR w.county_code = ?)
            ORDER BY w.kpi_ref, c.sort_order, w.township_code, w.object_id {"" if county else f"LIMIT {TABLE_ROWS}"}""",
                           (year, county, county))
        self.breach = _breach_summary(con, year, county)
        self.policy = _q(con, """SELECT c.county_name, w.message_zh, count(*) AS n, sum(count(*)) OVER () AS total
            FROM mart_policy_warning w JOIN dim_county c USING (county_code)
            WHERE w.year = ? AND (? IS NULL OR w.county_code = ?)
            GROUP BY ALL ORDER BY n DESC, min(c.sort_order), w.message_zh LIMIT ?""", (year, county, county, TABLE_ROWS))
        self.policy_count = int(self.policy["total"].iloc[0]) if len(self.policy) else 0
        self.line = _rule(con, "index_grade_good", 80.0)
        self.con = con

    @property
    def breach_total(self) -> int:
        return self.breach["total"]

    def scope_row(self, code: str) -> pd.Series | None:
        level, unit = ("县", self.county) if self.county else ("市", None)
        rows = self.kpi[(self.kpi["kpi_code"] == code) & (self.kpi["level"] == level)]
        if unit:
            rows = rows[rows["unit_code"] == unit]
        return rows.iloc[0] if len(rows) else None

    def units(self, code: str, level: str) -> pd.DataFrame:
        """The units a chart draws: a county's townships, or the counties (all of a city; the weakest beyond)."""
        if level == "县":
            rows = self.county_rows[(self.county_rows["kpi_code"] == code) & self.county_rows["drawn"]]
        else:
            rows = self.kpi[(self.kpi["kpi_code"] == code) & (self.kpi["level"] == level)]
        return rows.reset_index(drop=True)

    def county_stats(self, code: str) -> dict:
        """Counts over all counties on one KPI and the rows of the best, the worst, the biggest riser, the chosen."""
        rows = self.county_rows[self.county_rows["kpi_code"] == code]
        if rows.empty:
            return {"n": 0, "counts": {}, "extremes": rows, "mover": rows, "place": None, "n_valued": 0}
        first = rows.iloc[0]
        valued = rows.dropna(subset=["value"])
        best, worst = valued[valued["place"] == 1], valued[valued["worst_i"] == 1]
        own = valued[valued["unit_code"] == self.county] if self.county else valued.iloc[:0]
        return {"n": int(first["n_units"]), "n_valued": int(first["n_valued"]),
                "counts": {s: int(first[f"n_{s}"]) for s in ("green", "amber", "red")},
                "extremes": pd.concat([best, worst]) if int(first["n_valued"]) >= 2 else best,
                "mover": rows.dropna(subset=["gain"])[lambda r: r["mover_i"] == 1],
                "place": int(own["place"].iloc[0]) if len(own) else None}


def _breach_summary(con, year: int, county: str | None) -> dict:
    """Floor breaches counted in SQL: total, per KPI, counties (the most first; ties: first listed), the five
    counties with most (ties: by code) and townships (the most first), as story.breach_point and the slides need."""
    groups = _q(con, """
        WITH w AS (SELECT w.kpi_ref, w.county_code, c.county_name, t.township_name,
                          row_number() OVER (ORDER BY w.kpi_ref, c.sort_order, w.township_code) AS i
                   FROM mart_warning w JOIN dim_county c USING (county_code)
                   LEFT JOIN dim_township t ON t.township_code = w.township_code
                   WHERE w.year = ? AND (? IS NULL OR w.county_code = ?)),
        g AS (SELECT 'ref' AS kind, kpi_ref AS key, NULL AS name, count(*) AS n, min(i) AS first,
                     count(*) OVER () AS groups FROM w GROUP BY kpi_ref
              UNION ALL SELECT 'county_name', county_name, NULL, count(*), min(i), count(*) OVER () FROM w
                  GROUP BY county_name
              UNION ALL SELECT 'county', county_code, any_value(county_name), count(*), min(i), count(*) OVER ()
                  FROM w GROUP BY county_code
              UNION ALL SELECT 'town', township_name, NULL, count(*), min(i), count(*) OVER () FROM w
                  WHERE township_name IS NOT NULL GROUP BY township_name),
        r AS (SELECT *, row_number() OVER (PARTITION BY kind ORDER BY n DESC,
                        CASE WHEN kind = 'county' THEN NULL ELSE first END, key) AS k FROM g)
        SELECT kind, key, name, n, groups FROM r WHERE kind = 'ref' OR k <= 5 ORDER BY kind, k""",
                (year, county, county))

    def part(kind):
        return groups[groups["kind"] == kind]
    refs, names, counties, towns = part("ref"), part("county_name"), part("county"), part("town")
    return {"total": int(refs["n"].sum()), "refs": {r: int(n) for r, n in zip(refs["key"], refs["n"])},
            "counties": int(names["groups"].iloc[0]) if len(names) else 0,
            "top": (names["key"].iloc[0], int(names["n"].iloc[0])) if len(names) else None,
            "top_counties": [(c, name, int(n)) for c, name, n in zip(counties["key"], counties["name"], counties["n"])],
            "n_county_codes": int(counties["groups"].iloc[0]) if len(counties) else 0,
            "towns": int(towns["groups"].iloc[0]) if len(towns) else 0,
            "top_town": (towns["key"].iloc[0], int(towns["n"].iloc[0])) if len(towns) else None}


def _points(*texts: str) -> tuple[str, ...]:
    return tuple(t for t in texts if t)[:4]


def _title_slide(d: _Data, scope: str, version: int, as_of: str) -> Slide:
    rows = [d.scope_row(c) for c in HEADLINE]
    statuses = [_status(r) for r in rows if r is not None and not is_missing(r["value"])]
    counts = pd.Series(statuses, dtype=object).value_counts()
    parts = "、".join(f"{STATUS_ZH[s]}{int(counts[s])}项" for s in ("green", "amber", "red") if counts.get(s, 0))
    points = [f"{d.year}年{scope}{len(statuses)}项主要指标中，{parts}。"]
    if d.county:
        own = d.ranking[d.ranking["county_code"] == d.county]
        if len(own):
            r = own.iloc[0]
            points.append(f"综合指数{r['total']:.1f}分（{r['grade']}），在{d.n_ranked}个县区中列第{int(r['rank'])}位。")
    elif len(d.ranking):
        first = d.ranking.iloc[0]
        points.append(f"{d.area}{d.n_ranked}个县区综合指数平均{first['mean_total']:.1f}分，"
                      f"{int(first['n_low'])}个低于{d.line:g}分通报线。")
    points.append(f"法定底线预警{d.breach_total}条。" if d.breach_total else "未发现违反法定底线的情况。")
    return Slide("title", f"{scope}{d.year}年县乡人大工作和建设情况", f"数据版本 v{version} · 数据截至 {as_of}",
                 points=_points(*points),
                 notes=(f"本汇报由看板根据数据版本 v{version}（{as_of}发布）自动生成，所有数字来自该版本的指标表。"
                        "各指标口径见看板“口径说明”页和各页备注。"))


def _headline_slide(d: _Data, scope: str) -> Slide:
    rows = [(BY_CODE[c], r) for c in HEADLINE if (r := d.scope_row(c)) is not None]
    chart = ChartSpec("bar", tuple(ind.name_zh for ind, _ in rows),
                      (Series("实际值", _values(pd.Series([r["value"] for _, r in rows]))),
                       Series("目标值", _values(pd.Series([r["target"] for _, r in rows])))),
                      unit="%", axis_title="比例（%）", colors=_colors(_status(r) for _, r in rows),
                      color_legend=STATUS_LEGEND)
    gaps = [(story.shortfall(ind, r["value"], r["target"]), ind, r) for ind, r in rows]
    gaps = [g for g in gaps if g[0] is not None and g[0] > 1e-9]
    met = sum(1 for _, r in rows if _status(r) == "green")
    known = sum(1 for _, r in rows if not is_missing(r["value"]))
    first = f"{d.year}年{scope}{known}项有数据的主要指标中{met}项达标" if known < len(rows) else \
        f"{d.year}年{scope}{len(rows)}项主要指标中{met}项达标"
    if gaps:
        g, ind, r = max(gaps, key=lambda x: x[0])
        first += f"，{len(gaps)}项未达到目标。"
        worst = f"差距最大的是{ind.name_zh}（{fmt_value(r['value'], ind.unit)}），{story.target_text(ind, r['value'], r['target'])}。"
    else:
        first += "，全部达到目标。"
        worst = ""
    moves = [((r["value"] - r["last_value"]) * (-1 if ind.direction == "lower" else 1), ind, r) for ind, r in rows
             if not is_missing(r["value"]) and not is_missing(r["last_value"]) and ind.direction != "none"]
    up = down = ""
    if moves:
        g, ind, r = max(moves, key=lambda x: x[0])
        if g > 1e-9:
            up = f"进步最大的是{ind.name_zh}{story._change(r['value'], r['last_value'], ind.unit)}。"
        g, ind, r = min(moves, key=lambda x: x[0])
        if g < -1e-9:
            down = f"退步最大的是{ind.name_zh}{story._change(r['value'], r['last_value'], ind.unit)}。"
    else:
        up = f"{d.year - 1}年没有数据，无法与上年比较。"
    return Slide("headline", f"{scope}主要指标完成情况", f"{d.year}年 · 实际值与目标值（颜色表示达标情况）",
                 chart=chart, points=_points(first, worst, up, down),
                 notes="\n".join(kpi_note(ind, r["target"]) for ind, r in rows))


def _family_slide(d: _Data, scope: str, family: str) -> Slide:
    ind = BY_CODE[FAMILY_KPI[family]]
    dim_name = DIMENSIONS[family][0]
    row = d.scope_row(ind.code)
    value = None if row is None else row["value"]
    last = None if row is None else row["last_value"]
    target = None if row is None else row["target"]
    towns = d.units(ind.code, "乡") if d.county else pd.DataFrame()
    # a township value that is only yes/no (a rate over one unit) makes a poor bar chart: compare counties then
    binary = ind.unit == "%" and bool(towns["value"].dropna().isin([0.0, 1.0]).all()) if len(towns) else True
    by_town = d.county is not None and len(towns) > 0 and not binary
    if d.county and not by_town:
        units, word = d.units(ind.code, "县"), "县区"
        subtitle = f"{d.year}年 · 各县区对比（本指标在乡镇一级只有“是/否”，以县区对比呈现）" if len(towns) else \
            f"{d.year}年 · 各县区对比（本指标只统计到县区）"
    elif d.county:
        units, word, subtitle = towns, "乡镇（街道）", f"{d.year}年 · {scope}各乡镇（街道）"
    else:
        units, word, subtitle = d.units(ind.code, "县"), "县区", f"{d.year}年 · 各县区"
    stats = d.county_stats(ind.code) if word == "县区" else None
    if stats is not None and d.bounded:
        subtitle += f" · 共{stats['n']}个县区，显示最需关注的{CHART_TOP}个" + ("及本县" if d.county else "")
    labels = [f"{n}（本县）" if d.county and c == d.county else n for c, n in zip(units["unit_code"], units["unit_name"])]
    chart = ChartSpec("bar", tuple(labels), (Series(ind.name_zh, _values(units["value"])),), unit=ind.unit,
                      target=None if is_missing(target) else float(target), target_label=_target_label(ind, target),
                      axis_title="比例（%）" if ind.unit == "%" else f"{ind.name_zh}（{ind.unit}）",
                      colors=_colors(_status(r) for _, r in units.iterrows()), color_legend=STATUS_LEGEND)
    counts = None if stats is None else (stats["n"], stats["counts"])
    points = [story.level_point(ind, scope, d.year, value, last),
              story.target_point(ind, value, target, units, word, counts=counts)]
    if d.county and not by_town:
        if stats["place"] is not None:
            city = d.kpi[(d.kpi["kpi_code"] == ind.code) & (d.kpi["level"] == "市")]
            avg = f"（{d.area}{fmt_value(city['value'].iloc[0], ind.unit)}）" if len(city) else ""
            points.append(f"在{stats['n_valued']}个县区中列第{stats['place']}位{avg}。")
        if len(towns):
            short = towns[towns["status"].isin(["red", "amber"])]
            points.append(f"未达标的乡镇（街道）{len(short)}个：{'、'.join(short['unit_name'][:6])}"
                          f"{'等' if len(short) > 6 else ''}。" if len(short) else "所辖乡镇（街道）均已达标。")
    elif stats is not None:
        points += [story.spread_point(ind, stats["extremes"]), story.mover_point(ind, stats["mover"])]
    else:
        points += [story.spread_point(ind, units), story.mover_point(ind, units)]
    return Slide(f"family-{family}", f"{dim_name}：{ind.name_zh}", subtitle, chart=chart, points=_points(*points),
                 notes=kpi_note(ind, target))


def _ranking_slide(d: _Data, scope: str) -> Slide:
    r = d.ranking
    notes = ("综合指数满分100分（另有创新加分不超过5分）：" + "、".join(f"{n}{w}分" for n, w in DIMENSIONS.values())
             + f"。等级：90分及以上优秀，80–89.9良好，60–79.9一般，60分以下较差；低于{d.line:g}分为通报线。"
             "“†”表示该县有指标缺少分母，按维度内其余指标折算。")
    if r.empty:
        return Slide("ranking", "综合指数排名", f"{d.year}年", points=(f"{d.year}年没有综合指数数据。",
                                                                 "请检查本年度数据是否已上传。"), notes=notes)
    if not d.county:
        n, half = d.n_ranked, CHART_TOP // 2
        drawn = r if n <= CHART_MAX else r[(r["pos"] <= half) | (r["pos"] > n - half)]
        chart = ChartSpec("bar", tuple(drawn["county_name"]), (Series("综合指数", _values(drawn["total"])),), unit="分",
                          target=d.line, target_label=f"通报线 {d.line:g}分", axis_title="综合指数（分）",
                          colors=_colors(GRADE_STATUS.get(g) for g in drawn["grade"]), color_legend=GRADE_LEGEND)
        spread = "、".join(f"{g}{int(d.grades[g])}个" for g in ("优秀", "良好", "一般", "较差") if d.grades.get(g, 0))
        points = [story.index_point(r, d.year, d.line, NAMES_MAX),
                  f"{d.area}平均{r['mean_total'].iloc[0]:.1f}分；{spread}。",
                  f"{r.iloc[-1]['county_name']}排名最后（{r.iloc[-1]['total']:.1f}分，{r.iloc[-1]['grade']}）。"]
        subtitle = f"{d.year}年 · 按综合指数从高到低（颜色表示等级）"
        if n > CHART_MAX:
            subtitle += f" · 共{n}个县区，显示前{half}名和后{half}名"
        return Slide("ranking", "县区综合指数排名", subtitle, chart=chart, points=_points(*points), notes=notes)
    own = r[r["county_code"] == d.county]
    dims = d.dims
    cats = tuple(f"{n}（{m:g}分）" for n, m in zip(dims["dimension_name"], dims["max_score"]))
    own_scores = [None if is_missing(v) else v for v in dims["own"]]
    shares = [None if is_missing(s) else s / m for s, m in zip(own_scores, dims["max_score"])]
    colors = _colors(None if s is None else "green" if s >= 0.8 else "amber" if s >= 0.6 else "red" for s in shares)
    chart = ChartSpec("column", cats, (Series(scope, _values(pd.Series(own_scores, dtype=float))),
                                       Series(f"{d.area}平均", _values(dims["score"]))),
                      unit="分", axis_title="维度得分（分）", colors=colors, color_legend=SHARE_LEGEND)
    points = []
    if len(own):
        o = own.iloc[0]
        move = "" if is_missing(o["rank_change"]) else "，与上年持平" if o["rank_change"] == 0 else \
            f"，较上年{'上升' if o['rank_change'] > 0 else '下降'}{abs(int(o['rank_change']))}位"
        points.append(f"{d.year}年{scope}综合指数{o['total']:.1f}分（{o['grade']}），"
                      f"在{d.n_ranked}个县区中列第{int(o['rank'])}位{move}。")
        points.append(f"低于{d.line:g}分通报线，需重点督导。" if o["total"] < d.line else f"高于{d.line:g}分通报线。")
    diff = pd.Series([None if is_missing(s) else s - a for s, a in zip(own_scores, dims["score"])],
                     index=list(dims["dimension_name"]), dtype=float).dropna()
    if len(diff):
        if diff.min() < -0.05:
            points.append(f"与{d.area}平均相比差距最大的是{diff.idxmin()}（低{-diff.min():.1f}分）。")
        if diff.max() > 0.05:
            points.append(f"高于{d.area}平均最多的是{diff.idxmax()}（高{diff.max():.1f}分）。")
    return Slide("ranking", f"{scope}综合指数", f"{d.year}年 · 各维度得分与{d.area}平均",
                 chart=chart, points=_points(*points), notes=notes)


def _warnings_slide(d: _Data, scope: str) -> Slide:
    b = d.breaches
    rows = tuple((f"{ref} {FLOOR_LABEL.get(ref, '')}".strip(), county, "" if is_missing(town) else town, msg)
                 for ref, county, town, msg in b[["kpi_ref", "county_name", "township_name", "message_zh"]]
                 .itertuples(index=False))
    # room left under the floor breaches goes to the policy warnings, grouped by county and rule
    policy = tuple(("政策性提示", county, "", f"{msg}（{n}条）")
                   for county, msg, n in d.policy[["county_name", "message_zh", "n"]].itertuples(index=False))
    total = d.breach_total
    shown = rows[:TABLE_ROWS] + policy[:max(0, TABLE_ROWS - total)]
    table = Table(("指标", "县区", "乡镇", "情况"), shown)
    subtitle = f"{d.year}年 · 法定底线共{total}条" + (f"，显示前{TABLE_ROWS}条" if total > TABLE_ROWS else "")
    if d.policy_count:
        subtitle += f" · 政策性提示{d.policy_count}条"
    points = [story.breach_point(None, d.year, d.breach)]
    if total:
        if d.breach["top_town"]:
            name, n = d.breach["top_town"]
            points.append(f"涉及{d.breach['towns']}个乡镇（街道），最多的是{name}（{n}条）。")
    else:
        points.append("乡镇人代会每年召开、人代会出席达到三分之二、代表建议按期答复三条底线均守住。")
    points.append(f"另有政策性提示{d.policy_count}条（不阻止上传，供督导参考）。" if d.policy_count
                  else "没有政策性提示。")
    return Slide("warnings", f"{scope}预警清单", subtitle, table=table, points=_points(*points),
                 notes="法定底线：K10 乡镇人代会每年至少举行一次；K15 人代会须有三分之二以上代表出席；"
                       "K23 代表建议交办之日起3个月内答复（经同意延期不超过6个月）。"
                       "依据：地方组织法第14条；代表建议办理办法。政策性提示来自预警规则，不阻止上传。")


def _gaps(d: _Data, level: str) -> pd.DataFrame:
    """Units of `level` short of target on the headline and family KPIs, with the relative gap (worst first)."""
    rows = d.kpi[(d.kpi["level"] == level) & d.kpi["status"].isin(["red"])].copy()
    if level == "乡":  # a share over a county's whole pool of heads, not a duty of each township
        rows = rows[~rows["kpi_code"].isin(POOL_KPIS)]
    if rows.empty:
        return rows.assign(gap=pd.Series(dtype=float))
    rows["gap"] = [(story.shortfall(BY_CODE[c], v, t) or 0) / t if not is_missing(t) and t else 0.0
                   for c, v, t in zip(rows["kpi_code"], rows["value"], rows["target"])]
    rows = rows[rows["gap"] > 1e-9]
    # a yes/no township value (denominator 1) is one unit missing one item: rank real rates first
    return rows.sort_values(["gap", "unit_code"], ascending=[False, True], kind="stable")


def _gap_phrase(r) -> str:
    ind = BY_CODE[r["kpi_code"]]
    if r["level"] == "乡" and ind.unit == "%" and not is_missing(r["denominator"]) and r["denominator"] <= 1:
        return f"{ind.name_zh}（未达到）"  # a yes/no township value: "0.0%" would read oddly
    return f"{ind.name_zh}{fmt_value(r['value'], ind.unit)}（目标{fmt_value(r['target'], ind.unit, 0)}）"


def _county_supervision(d: _Data) -> dict:
    """The 督导 list of a city (or province, nation) computed in SQL: the first TABLE_ROWS counties in the slide's
    order with their two largest gaps, how many there are, the ones below the line and the largest gap overall."""
    marks, low = ",".join("?" * len(d.codes)), ",".join("?" * len(LOWER)) or "NULL"
    ctes = f"""
        WITH g AS (SELECT k.unit_code, k.unit_name, k.kpi_code, k.level, k.value, k.target, k.denominator,
                          CASE WHEN k.value IS NULL OR k.target IS NULL OR k.target = 0 THEN 0.0
                               ELSE (CASE WHEN k.kpi_code IN ({low}) THEN k.value - k.target
                                          ELSE k.target - k.value END) / k.target END AS gap
                   FROM mart_kpi k WHERE k.year = ? AND k.level = '县' AND k.status = 'red' AND k.kpi_code IN ({marks})),
        gaps AS (SELECT *, row_number() OVER (PARTITION BY unit_code ORDER BY gap DESC, kpi_code) AS gi,
                        count(*) OVER (PARTITION BY unit_code) AS ngap, max(gap) OVER (PARTITION BY unit_code) AS maxgap
                 FROM g WHERE gap > 1e-9),
        b AS (SELECT w.county_code, count(*) AS nb FROM mart_warning w JOIN dim_county USING (county_code)
              WHERE w.year = ? GROUP BY 1),
        u AS (SELECT c.county_code, c.county_name, t.total, t.grade, coalesce(b.nb, 0) AS nb,
                     coalesce(gs.maxgap, 0.0) AS maxgap, coalesce(t.total < ?, false) AS below
              FROM dim_county c LEFT JOIN mart_index_total t ON t.county_code = c.county_code AND t.year = ?
                   LEFT JOIN b ON b.county_code = c.county_code
                   LEFT JOIN (SELECT DISTINCT unit_code, maxgap FROM gaps) gs ON gs.unit_code = c.county_code
              WHERE coalesce(t.total < ?, false) OR b.nb > 0 OR gs.maxgap IS NOT NULL)"""
    params = (*LOWER, d.year, *d.codes, d.year, d.line, d.year, d.line)
    listed = _q(d.con, ctes + """
        SELECT *, count(*) OVER () AS n_codes, count(*) FILTER (WHERE below) OVER () AS n_below FROM u
        ORDER BY NOT below, CASE WHEN below THEN total ELSE 0 END, nb DESC, maxgap DESC, county_code
        LIMIT ?""", (*params, max(TABLE_ROWS, NAMES_MAX)))
    shown = tuple(listed["county_code"])
    gap_rows = _q(d.con, ctes + f"""
        SELECT * FROM gaps WHERE gi <= 3 AND unit_code IN ({",".join("?" * len(shown)) or "NULL"})
        ORDER BY unit_code, gi""", (*params, *shown))
    worst = _q(d.con, ctes + """
        SELECT *, count(DISTINCT unit_code) OVER () AS n_units FROM gaps ORDER BY gap DESC, unit_code, kpi_code
        LIMIT 1""", params)
    return {"listed": listed, "gaps": gap_rows, "worst": worst}


def _supervise_slide(d: _Data, scope: str) -> Slide:
    word = "乡镇（街道）" if d.county else "县区"
    if d.county:  # one county's townships: few enough to rank here
        breach_n = d.breaches.dropna(subset=["township_code"]).groupby("township_code").size()
        gaps = _gaps(d, "乡")
        names = dict(zip(d.kpi[d.kpi["level"] == "乡"]["unit_code"], d.kpi[d.kpi["level"] == "乡"]["unit_name"]))
        codes = list(dict.fromkeys(list(breach_n.index) + list(gaps["unit_code"])))
        key = {c: (-int(breach_n.get(c, 0)), -float(gaps[gaps["unit_code"] == c]["gap"].max())
                   if (gaps["unit_code"] == c).any() else 0.0, c) for c in codes}
        codes.sort(key=key.get)
        n_codes, totals, below, n_below = len(codes), {}, [], 0
        worst = gaps.head(1)
        n_gap_units = gaps["unit_code"].nunique()
    else:
        sup = _county_supervision(d)
        listed, gaps = sup["listed"], sup["gaps"]
        codes = list(listed["county_code"])
        names = dict(zip(listed["county_code"], listed["county_name"]))
        totals = {c: (t, g) for c, t, g in zip(listed["county_code"], listed["total"], listed["grade"])
                  if not is_missing(t)}
        n_codes = int(listed["n_codes"].iloc[0]) if len(listed) else 0
        n_below = int(listed["n_below"].iloc[0]) if len(listed) else 0
        below = sorted(listed[listed["below"]]["county_code"], key=lambda c: totals[c][0])
        worst = sup["worst"]
        n_gap_units = int(worst["n_units"].iloc[0]) if len(worst) else 0
        breach_n = pd.Series(dict(zip(listed["county_code"], listed["nb"])), dtype=int)
    table_rows = []
    for c in codes[:TABLE_ROWS]:
        own = gaps[gaps["unit_code"] == c]
        many = len(own) > 2 if d.county else (len(own) and int(own["ngap"].iloc[0]) > 2)
        text = "；".join(_gap_phrase(r) for _, r in own.head(2).iterrows()) + ("等" if many else "")
        cells = [names.get(c, c)]
        if not d.county:
            t = totals.get(c)
            cells.append("—" if t is None else f"{t[0]:.1f}分（{t[1]}）")
        cells += [f"{int(breach_n.get(c, 0))}条" if breach_n.get(c, 0) else "无", text or "—"]
        table_rows.append(tuple(cells))
    header = (word, "底线预警", "未达标指标（差距最大的）") if d.county else (word, "综合指数", "底线预警", "未达标指标（差距最大的）")
    table = Table(header, tuple(table_rows))
    points = []
    if not d.county:
        low = [f"{names[c]}（{totals[c][0]:.1f}分）" for c in below]
        if n_below > NAMES_MAX:
            points.append(f"低于{d.line:g}分通报线的县区{n_below}个，最低的是{'、'.join(low[:NAMES_MAX])}等。")
        else:
            points.append(f"低于{d.line:g}分通报线的县区：{'、'.join(low)}。" if low else f"各县区综合指数均达到{d.line:g}分以上。")
    else:
        own = d.ranking[d.ranking["county_code"] == d.county]
        if len(own):
            t = own.iloc[0]["total"]
            points.append(f"{scope}综合指数{t:.1f}分，{'低于' if t < d.line else '高于'}{d.line:g}分通报线。")
    if d.county:
        top = [(names.get(c, c), n) for c, n in breach_n.sort_values(ascending=False).head(5).items()]
        n_breach_units = len(breach_n)
    else:
        top = [(name, n) for _, name, n in d.breach["top_counties"]]
        n_breach_units = d.breach["n_county_codes"]
    if n_breach_units:
        points.append(f"有法定底线预警的{word}{n_breach_units}个：" + "、".join(f"{name}（{int(n)}条）" for name, n in top) + "。")
    else:
        points.append(f"没有{word}违反法定底线。")
    if len(worst):
        g = worst.iloc[0]
        points.append(f"距目标差距最大的是{g['unit_name']}{_gap_phrase(g)}。")
        points.append(f"共{n_gap_units}个{word}有未达标指标。")
    subtitle = f"{d.year}年 · 需督导的{word}{n_codes}个" + (f"，显示前{TABLE_ROWS}个" if n_codes > TABLE_ROWS else "")
    return Slide("supervise", f"需要督导的{word}", subtitle, table=table, points=_points(*points),
                 notes=(f"列入条件：综合指数低于{d.line:g}分通报线（县区），或有法定底线预警，或主要指标"
                        "（总览主要指标和各维度关键指标）为“未达标”。排序：先通报线以下，再按底线预警条数、"
                        "与目标的相对差距。"))


def build_deck(con, year: int, county: str | None = None, version: int = 0) -> Deck:
    """The meeting deck for `year` and a scope (the whole top unit, or the county `county`) over a read-only
    snapshot connection. Slides in SLIDE_KEYS order; raises ValueError (Chinese) for a year or county not in the data."""
    years = [int(y) for y in _q(con, "SELECT DISTINCT year FROM mart_kpi WHERE level = '市' ORDER BY year")["year"]]
    if year not in years:
        raise ValueError(f"没有{year}年的指标数据；可选年度：{'、'.join(map(str, years)) or '无'}。")
    city = _q(con, "SELECT city_code, city_name FROM dim_city")
    city_name = city["city_name"].iloc[0] if len(city) else "本市"
    d = _Data(con, year, county, area_word(city_name))
    if county is not None and d.scope_name is None:
        counties = _q(con, "SELECT county_code, county_name FROM dim_county ORDER BY sort_order LIMIT 30")
        raise ValueError(f"县区代码“{county}”不存在；可选：" + "、".join(
            f"{c} {n}" for c, n in zip(counties["county_code"], counties["county_name"]))
            + ("等" if d.n_counties > len(counties) else "") + "。")
    meta = _q(con, "SELECT version, created_at FROM meta_version WHERE (? = 0 OR version = ?) ORDER BY version DESC LIMIT 1",
              (version, version))
    if len(meta):
        version = int(meta["version"].iloc[0])
        as_of = pd.Timestamp(meta["created_at"].iloc[0]).strftime("%Y年%m月%d日")
    else:
        as_of = "—"
    scope = d.scope_name if county else city_name
    slides = (_title_slide(d, scope, version, as_of), _headline_slide(d, scope),
              *(_family_slide(d, scope, f) for f in FAMILY_KPI),
              _ranking_slide(d, scope), _warnings_slide(d, scope), _supervise_slide(d, scope))
    return Deck(year, county, scope, city_name, version, slides)
