"""AppTests of 代表工作 (pages/4_deputies.py) and 建议办理 (pages/5_suggestions.py) on the demo city: the figures
shown equal the marts (mart_kpi and the page marts of etl/sql/72_dep.sql, 73_dep_suggestion.sql), and the filters
(year, county) change what is shown."""
from __future__ import annotations

import pytest

from etl import fmt, publish
from etl.indicators import BY_CODE
from pages._common import dep
from tests.apptest_utils import chart, open_page

DEPUTIES, SUGGESTIONS = "pages/4_deputies.py", "pages/5_suggestions.py"
COUNTY, COUNTY_NAME = "990105", "云渡县"


@pytest.fixture(scope="module")
def con(demo_wh):
    _, c = publish.open_snapshot(demo_wh)
    yield c
    c.close()


@pytest.fixture(scope="module")
def year(con) -> int:
    return con.execute("SELECT max(year) FROM mart_kpi WHERE level = '市'").fetchone()[0]


def rows(con, sql: str, *params) -> list[tuple]:
    return con.execute(sql, params).fetchall()


def ok(at) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def bars(fig: dict, horizontal: bool = False) -> dict:
    """{category: value} over the bar traces of a chart (reference-line legend entries are scatter traces)."""
    out = {}
    for t in fig["traces"]:
        if t["type"] == "bar":
            cats, vals = (t["y"], t["x"]) if horizontal else (t["x"], t["y"])
            out.update(zip(cats, vals))
    return out


def close(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(abs(a[k] - b[k]) < 1e-9 for k in b)


def shown_metrics(at, codes) -> list[str]:
    names = {BY_CODE[c].name_zh for c in codes}
    return [m.value for m in at.metric if m.label in names]


def kpi_values(con, codes, year: int, level: str = "市", unit: str | None = None) -> list[str]:
    got = dict(rows(con, "SELECT kpi_code, value FROM mart_kpi WHERE year = ? AND level = ? AND (? IS NULL OR unit_code = ?)",
                    year, level, unit, unit))
    return [fmt.fmt_value(got[c], BY_CODE[c].unit) for c in codes if c in got]


def table_with(at, *columns: str):
    found = [d.value for d in at.dataframe if set(columns) <= set(d.value.columns)]
    assert found, f"no table with columns {columns}"
    return found[0]


# --- marts ------------------------------------------------------------------------------------------

def test_page_marts_agree_with_mart_kpi(con):
    """The page marts are finer cuts of the same 口径 as mart_kpi, so their sums give the KPI fractions back."""
    diff = rows(con, """
        SELECT k.kpi_code, k.year, k.unit_code, k.numerator, k.denominator, m.num, m.den FROM mart_kpi k JOIN (
          SELECT 'resolution_rate' AS kpi_code, year, county_code, sum(n_a) AS num, sum(n_replied) AS den
            FROM mart_suggestion_class WHERE level = '县级' GROUP BY ALL
          UNION ALL SELECT 'on_time_reply_rate', year, county_code, sum(n_on_time), sum(n)
            FROM mart_suggestion_class WHERE level = '县级' GROUP BY ALL
          UNION ALL SELECT 'satisfaction_strict', year, county_code, sum(n_strict), sum(n_evaluated)
            FROM mart_handling_unit WHERE level = '县级' GROUP BY ALL
          UNION ALL SELECT 'points_pass_rate', year, county_code, sum(n) FILTER (WHERE grade <> '差'), sum(n)
            FROM mart_points_grade WHERE is_total GROUP BY ALL
        ) m ON m.kpi_code = k.kpi_code AND m.year = k.year AND m.county_code = k.unit_code
        WHERE k.level = '县' AND (k.numerator IS DISTINCT FROM m.num OR k.denominator IS DISTINCT FROM m.den)""")
    assert diff == []
    late = rows(con, """SELECT year, county_code, count(*) FROM mart_late_reply WHERE level = '县级' GROUP BY ALL
                        EXCEPT SELECT year, unit_code, breach FROM mart_kpi WHERE kpi_code = 'on_time_reply_rate'
                        AND level = '县'""")
    assert late == []
    # every K17 station is counted once per checklist item
    items = rows(con, """SELECT m.year, m.county_code FROM mart_station_item m JOIN mart_kpi k ON k.kpi_code =
                         'station_standard_rate' AND k.level = '县' AND k.year = m.year AND k.unit_code = m.county_code
                         WHERE m.n_stations <> k.denominator""")
    assert items == []
    bins = rows(con, "SELECT year, sum(n) FROM mart_points_bin GROUP BY year EXCEPT "
                     "SELECT year, count(*) FROM v_deputy_points_year WHERE county_code IS NOT NULL GROUP BY year")
    assert bins == []


# --- 代表工作 -------------------------------------------------------------------------------------------

def test_deputies_page_shows_the_city_figures_of_the_marts(demo_wh, monkeypatch, con, year):
    at = open_page(demo_wh.root, monkeypatch, DEPUTIES)
    ok(at)
    assert any(f"清川市 {year}年 代表工作主要指标" in h.value for h in at.subheader)
    assert shown_metrics(at, dep.DEPUTY_KPIS) == kpi_values(con, dep.DEPUTY_KPIS, year)

    activity = chart(at, f"{year}年各县区站均活动次数")
    expected = dict(rows(con, "SELECT unit_name, value FROM mart_kpi WHERE kpi_code = 'station_activity_avg' "
                              "AND level = '县' AND year = ?", year))
    assert close(bars(activity), expected)
    assert all(t["customdata"][0][0].startswith("99") for t in activity["traces"] if t["type"] == "bar")

    heat = chart(at, "各县区联络站点“七有”分项达标率")  # counties × checklist items
    z, ys, xs = heat["traces"][0]["z"], heat["traces"][0]["y"], heat["traces"][0]["x"]
    cells = {(c, i): p / n for c, i, p, n in rows(con, """SELECT c.county_name, m.label_zh, m.n_pass, m.n_stations
        FROM mart_station_item m JOIN dim_county c USING (county_code) WHERE m.year = ?""", year)}
    assert xs[:7] == [r[0] for r in rows(con, "SELECT label_zh FROM cfg_station_standard ORDER BY sort")]
    assert all(abs(z[ys.index(c)][xs.index(i)] - v) < 1e-9 for (c, i), v in cells.items())
    k17 = dict(rows(con, "SELECT unit_name, value FROM mart_kpi WHERE kpi_code = 'station_standard_rate' AND year = ? "
                         "AND level IN ('县', '市')", year))
    assert abs(z[ys.index("全市")][-1] - k17["清川市"]) < 1e-9 and abs(z[ys.index("云渡县")][-1] - k17["云渡县"]) < 1e-9

    hist = chart(at, "代表履职积分分布")
    shown = {x - 2.5: n for t in hist["traces"] if t["type"] == "bar" for x, n in zip(t["x"], t["y"])}
    assert shown == dict(rows(con, "SELECT bin_start, sum(n) FROM mart_points_bin WHERE year = ? GROUP BY 1", year))
    assert {s["x0"] for s in hist["layout"]["shapes"]} == {60, 80}

    grades = chart(at, "代表履职等级构成")
    poor = {y: c[1] for t in grades["traces"] if t["name"] == "差" for y, c in zip(t["y"], t["customdata"]) if c[1]}
    assert poor == dict(rows(con, """SELECT c.county_name, g.n FROM mart_points_grade g JOIN dim_county c USING (county_code)
        WHERE g.year = ? AND g.is_total AND g.grade = '差'""", year))

    low = table_with(at, "总分")
    expected = rows(con, "SELECT deputy_id, total_points FROM v_deputy_points_year WHERE year = ? AND NOT is_pass "
                         "ORDER BY total_points, deputy_id", year)
    assert sorted(zip(low["代表编号"], low["总分"]), key=lambda r: (r[1], r[0])) == expected
    assert {"县区", "选区", "姓名"} <= set(low.columns)


def test_deputies_page_follows_year_and_county_and_the_link_reopens_it(demo_wh, monkeypatch, con):
    at = open_page(demo_wh.root, monkeypatch, DEPUTIES)
    at.selectbox(key="year").select(2022).run()
    at.selectbox(key="county").select(COUNTY).run()
    ok(at)
    assert any(f"{COUNTY_NAME} 2022年 代表工作主要指标" in h.value for h in at.subheader)
    assert at.query_params["county"] in (COUNTY, [COUNTY]) and at.query_params["year"] in ("2022", ["2022"])
    assert shown_metrics(at, dep.DEPUTY_KPIS) == kpi_values(con, dep.DEPUTY_KPIS, 2022, "县", COUNTY)

    # KPIs defined per township: that county's townships, drill to the township profile
    activity = chart(at, f"2022年{COUNTY_NAME}各乡镇（街道）站均活动次数")
    expected = dict(rows(con, "SELECT unit_name, value FROM mart_kpi WHERE kpi_code = 'station_activity_avg' "
                              "AND level = '乡' AND county_code = ? AND year = 2022", COUNTY))
    assert close(bars(activity, horizontal=True), expected)
    legend = [t["name"] for t in activity["traces"] if t["type"] == "scatter"]
    assert any(n.startswith(f"{COUNTY_NAME}合计") for n in legend) and any(n.startswith("全市") for n in legend)

    checklist = chart(at, f"2022年{COUNTY_NAME}乡镇级联络站点标准清单")
    n_stations = rows(con, "SELECT n_stations FROM mart_station_item WHERE year = 2022 AND county_code = ? LIMIT 1",
                      COUNTY)[0][0]
    assert len(checklist["traces"][0]["y"]) == n_stations
    assert all(row[0].startswith(COUNTY) for row in checklist["traces"][0]["customdata"])

    trend = chart(at, f"{COUNTY_NAME}与全市一代表一档案建档率变化趋势")
    assert {t["name"] for t in trend["traces"] if t["type"] == "scatter"} >= {COUNTY_NAME, "清川市"}

    low = table_with(at, "总分")
    assert len(low) == rows(con, "SELECT count(*) FROM v_deputy_points_year WHERE year = 2022 AND county_code = ? "
                                 "AND NOT is_pass", COUNTY)[0][0]
    assert "县区" not in low.columns

    # a shared link (?year=&county=) opens the same view
    again = open_page(demo_wh.root, monkeypatch, DEPUTIES)
    again.query_params["year"] = "2022"
    again.query_params["county"] = COUNTY
    again.run()
    ok(again)
    assert any(f"{COUNTY_NAME} 2022年 代表工作主要指标" in h.value for h in again.subheader)
    assert bars(chart(again, f"2022年{COUNTY_NAME}各乡镇（街道）站均活动次数"), horizontal=True) == bars(activity, True)


# --- 建议办理 -------------------------------------------------------------------------------------------

def test_suggestions_page_shows_the_city_figures_of_the_marts(demo_wh, monkeypatch, con, year):
    at = open_page(demo_wh.root, monkeypatch, SUGGESTIONS)
    ok(at)
    assert shown_metrics(at, dep.SUGGESTION_KPIS) == kpi_values(con, dep.SUGGESTION_KPIS, year)

    on_time = chart(at, f"{year}年各县区按期答复率")
    assert close(bars(on_time), dict(rows(con, "SELECT unit_name, value FROM mart_kpi WHERE kpi_code = "
                                               "'on_time_reply_rate' AND level = '县' AND year = ?", year)))

    by_year = chart(at, "县级代表建议办理结果构成（按年度）")
    a = {x: c[1] for t in by_year["traces"] if t["name"].startswith("A ") for x, c in zip(t["x"], t["customdata"])}
    assert a == {str(y): n for y, n in rows(con, "SELECT year, sum(n_a) FROM mart_suggestion_class "
                                                 "WHERE level = '县级' GROUP BY year")}
    share = {x: y for t in by_year["traces"] if t["name"].startswith("A ") for x, y in zip(t["x"], t["y"])}
    resolution = dict(rows(con, "SELECT CAST(year AS VARCHAR), value FROM mart_kpi WHERE kpi_code = 'resolution_rate' "
                                "AND level = '市'"))
    assert close(share, resolution)

    by_county = chart(at, f"{year}年各县区县级代表建议办理结果构成")
    ab = {}
    for t in by_county["traces"]:
        if t["type"] == "bar" and t["name"][0] in "AB":
            for x, y in zip(t["x"], t["y"]):
                ab[x] = ab.get(x, 0) + y
    implementation = dict(rows(con, "SELECT unit_name, value FROM mart_kpi WHERE kpi_code = 'implementation_rate' "
                                    "AND level IN ('县', '市') AND year = ?", year))
    implementation["全市"] = implementation.pop("清川市")
    assert ab.keys() == implementation.keys() and all(abs(ab[k] - implementation[k]) < 1e-9 for k in ab)

    late = rows(con, "SELECT object_id FROM mart_warning WHERE kpi_ref = 'K23' AND year = ?", year)
    if late:
        assert sorted(table_with(at, "逾期天数")["建议编号"]) == sorted(r[0] for r in late)
    else:
        assert any(f"{year}年清川市县级代表建议全部按期答复" in m.value for m in at.success)

    rank = chart(at, f"{year}年清川市按期答复率最低的")
    units = {n: (r, c) for n, r, c in rows(con, "SELECT unit_name, on_time_rate, county_code FROM mart_handling_unit "
                                                "WHERE year = ? AND level = '县级' AND n >= 3", year)}
    shown = dict(zip(rank["traces"][0]["y"], rank["traces"][0]["x"]))
    assert shown and all(abs(units[n][0] - v) < 1e-9 for n, v in shown.items())
    assert max(shown.values()) <= min(r for n, (r, _) in units.items() if n not in shown) + 1e-9

    category = chart(at, "按类别的件数与办理结果")
    counts = {}
    for t in category["traces"]:
        if t["type"] == "bar":
            for y, x in zip(t["y"], t["x"]):
                counts[y] = counts.get(y, 0) + x
    assert counts == dict(rows(con, "SELECT category, sum(n) FROM mart_suggestion_class WHERE year = ? "
                                    "AND level = '县级' GROUP BY 1", year))
    funds = chart(at, f"{year}年各县区建议办理专项资金与落实资金")
    shown = {x: y for t in funds["traces"] if t["name"] == "建议落实资金" for x, y in zip(t["x"], t["y"])}
    assert close(shown, dict(rows(con, "SELECT unit_name, value FROM mart_kpi WHERE kpi_code = 'implemented_funds' "
                                       "AND level = '县' AND year = ?", year)))


def test_suggestions_page_follows_year_county_and_ranking_choice(demo_wh, monkeypatch, con):
    at = open_page(demo_wh.root, monkeypatch, SUGGESTIONS)
    at.selectbox(key="year").select(2022).run()
    at.selectbox(key="county").select(COUNTY).run()
    ok(at)
    assert shown_metrics(at, dep.SUGGESTION_KPIS) == kpi_values(con, dep.SUGGESTION_KPIS, 2022, "县", COUNTY)
    late = table_with(at, "逾期天数")
    assert sorted(late["建议编号"]) == sorted(r[0] for r in rows(
        con, "SELECT object_id FROM mart_warning WHERE kpi_ref = 'K23' AND year = 2022 AND county_code = ?", COUNTY))

    trend = chart(at, f"{COUNTY_NAME}与全市按期答复率")
    line = next(t for t in trend["traces"] if t["name"] == COUNTY_NAME)
    assert close(dict(zip(line["x"], line["y"])), {str(y): v for y, v in rows(
        con, "SELECT year, value FROM mart_kpi WHERE kpi_code = 'on_time_reply_rate' AND unit_code = ?", COUNTY)})

    by_year = chart(at, f"{COUNTY_NAME}县级代表建议办理结果构成（按年度）")
    a = {x: c[1] for t in by_year["traces"] if t["name"].startswith("A ") for x, c in zip(t["x"], t["customdata"])}
    assert a == {str(y): n for y, n in rows(con, "SELECT year, sum(n_a) FROM mart_suggestion_class WHERE level = '县级' "
                                                 "AND county_code = ? GROUP BY year", COUNTY)}

    at.radio(key="sug_unit_metric").set_value("解决率（A类占比）").run()
    ok(at)
    rank = chart(at, f"2022年{COUNTY_NAME}解决率（A类占比）最低的")
    units = dict(rows(con, "SELECT unit_name, resolution_rate FROM mart_handling_unit WHERE year = 2022 "
                           "AND level = '县级' AND county_code = ? AND n_replied >= 3", COUNTY))
    shown = dict(zip(rank["traces"][0]["y"], rank["traces"][0]["x"]))
    assert shown and all(abs(units[n] - v) < 1e-9 for n, v in shown.items())
    table = table_with(at, "承办单位", "解决率")
    assert len(table) == rows(con, "SELECT count(*) FROM mart_handling_unit WHERE year = 2022 AND level = '县级' "
                                   "AND county_code = ?", COUNTY)[0][0]
