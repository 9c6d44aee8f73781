"""AppTests of 县区画像 (pages/8_county.py) and 乡镇画像 (pages/9_township.py): the figures shown equal the marts,
links (?year=&county=&township=) open that unit, and changing the filters changes the scope."""
from __future__ import annotations

import json
import time

import pandas as pd
import pytest

from etl import fmt, publish
from etl.indicators import BY_CODE, INDICATORS
from tests.apptest_utils import _decode, chart, charts, open_page

COUNTY, OTHER, TOWN, STREET = "990105", "990104", "990105205", "990105001"   # 云渡县, 杉河县, 灵泉乡, 清河街道
COUNTY_PAGE, TOWNSHIP_PAGE = "pages/8_county.py", "pages/9_township.py"


def open_link(root, monkeypatch, page: str, **query):
    """Open `page`, then follow a link to it with ?year=&county=&township= (AppTest's switch_page does not carry
    the URL over, so the address is applied on the page itself, as when a shared link is pasted)."""
    at = open_page(root, monkeypatch, page)
    for key, value in query.items():
        at.query_params[key] = str(value)
    return at.run()


@pytest.fixture(scope="module")
def con(demo_wh):
    _, c = publish.open_snapshot(demo_wh)
    yield c
    c.close()


def _ok(at) -> None:
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]


def _metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _subheaders(at) -> list[str]:
    return [s.value for s in at.subheader]


def _panels(at, title_part: str) -> dict[str, dict[str, float]]:
    """Bars of a small-multiples chart per x axis ('x', 'x2', …) as {axis: {year: value}}."""
    for el in at.get("plotly_chart"):
        spec = json.loads(el.proto.spec)
        if title_part in spec["layout"]["title"]["text"]:
            out: dict[str, dict[str, float]] = {}
            for t in spec["data"]:
                if t["type"] == "bar":
                    out.setdefault(t.get("xaxis", "x"), {}).update(zip(_decode(t["x"]), _decode(t["y"])))
            return out
    raise AssertionError(f"no chart titled …{title_part}…")


def _table(at, column: str) -> pd.DataFrame:
    found = [d.value for d in at.dataframe if column in d.value.columns]
    assert found, f"no table with column {column}"
    return found[0]


# --- 县区画像 -------------------------------------------------------------------------------------------

def test_county_link_shows_that_county_and_its_index_equals_the_marts(demo_wh, monkeypatch, con):
    at = open_link(demo_wh.root, monkeypatch, COUNTY_PAGE, year=2024, county=COUNTY)
    _ok(at)
    assert "云渡县 2024年 综合指数" in _subheaders(at)
    total, grade, rank, dagger = con.execute("SELECT total, grade, rank, dagger FROM mart_index_total "
                                             "WHERE year = 2024 AND county_code = ?", [COUNTY]).fetchone()
    n = con.execute("SELECT count(*) FROM mart_index_total WHERE year = 2024").fetchone()[0]
    shown = _metrics(at)
    assert shown["综合指数"] == f"{total:.1f}分{dagger or ''}"
    assert shown["等级"] == grade and shown[f"全市排名（共{n}个县区）"] == f"第{rank}名"

    history = con.execute("SELECT CAST(year AS VARCHAR), rank, total FROM mart_index_total WHERE county_code = ?",
                          [COUNTY]).fetchall()
    fig = chart(at, "综合指数排名与得分")
    ranks = next(t for t in fig["traces"] if t["name"] == "排名")
    assert dict(zip(ranks["x"], ranks["y"])) == {y: r for y, r, _ in history}
    bars = {x: v for t in fig["traces"] if t["type"] == "bar" for x, v in zip(t["x"], t["y"])}
    assert bars == pytest.approx({y: s for y, _, s in history})
    city = dict(con.execute("SELECT CAST(year AS VARCHAR), avg(total) FROM mart_index_total GROUP BY 1").fetchall())
    avg = next(t for t in fig["traces"] if t["name"] == "全市平均")
    assert dict(zip(avg["x"], avg["y"])) == pytest.approx(city)

    dims = con.execute("SELECT dimension_name, score / max_score FROM mart_index WHERE year = 2024 AND county_code = ? "
                       "ORDER BY dimension", [COUNTY]).fetchall()
    radar = next(t for t in chart(at, "六个维度得分率")["traces"] if t["name"] == "云渡县")
    assert radar["theta"][:-1] == [d for d, _ in dims]
    assert radar["r"][:-1] == pytest.approx([s for _, s in dims])


def test_county_kpi_table_equals_mart_kpi_for_the_county_and_the_city(demo_wh, monkeypatch, con):
    at = open_link(demo_wh.root, monkeypatch, COUNTY_PAGE, year=2024, county=COUNTY)
    _ok(at)
    rows = {r[0]: r[1:] for r in con.execute("SELECT kpi_code, value, status, target FROM mart_kpi WHERE level = '县' "
                                             "AND unit_code = ? AND year = 2024", [COUNTY]).fetchall()}
    city = dict(con.execute("SELECT kpi_code, value FROM mart_kpi WHERE level = '市' AND year = 2024").fetchall())
    shown = pd.concat([d.value for d in at.dataframe if "本县" in d.value.columns], ignore_index=True)
    order = [i for i in INDICATORS if i.code in rows]
    assert list(shown["指标"]) == [i.name_zh for i in order] and list(shown["编号"]) == [i.ref for i in order]
    assert list(shown["本县"]) == [fmt.fmt_value(rows[i.code][0], i.unit) for i in order]
    assert list(shown["全市"]) == [fmt.fmt_value(city.get(i.code), i.unit) for i in order]
    assert list(shown["状态"]) == [fmt.STATUS_ZH[rows[i.code][1]] for i in order]
    # one tab per family, its label counting the red KPIs
    labels = [t.label for t in at.get("tab")]
    assert len(labels) == 6 and labels[0].startswith("组织建设")
    red_a = sum(1 for i in order if i.family == "A" and rows[i.code][1] == "red")
    assert labels[0] == f"组织建设（{red_a}）"


def test_county_townships_equal_the_township_mart(demo_wh, monkeypatch, con):
    at = open_link(demo_wh.root, monkeypatch, COUNTY_PAGE, year=2024, county=COUNTY)
    _ok(at)
    prof = con.execute("SELECT * FROM mart_township_profile WHERE year = 2024 AND county_code = ? "
                       "ORDER BY township_code", [COUNTY]).fetchdf()
    table = _table(at, "六有达标项数")
    assert list(table["乡镇（街道）"]) == list(prof["township_name"])
    assert list(table["六有达标项数"]) == list(prof["liuyou_items"])
    towns = ~prof["is_street"]
    assert list(table.loc[towns.values, "人代会次数"]) == list(prof.loc[towns, "n_congress"])
    assert table.loc[(~towns).values, "人代会次数"].isna().all()          # streets: no 人代会 (shown as “—”)
    assert list(table["闭会期间活动"]) == list(prof["n_recess"])
    # the grid drills down: every cell carries its township code
    grid = chart(at, "主要指标达标一览")
    points = next(t for t in grid["traces"] if t["type"] == "scatter")
    assert {c[0] for c in points["customdata"]} == set(prof["township_code"])
    # warnings of the county and year
    where = "WHERE year = 2024 AND county_code = ?"
    breaches = con.execute(f"SELECT count(*) FROM mart_warning {where}", [COUNTY]).fetchone()[0]
    policy = con.execute(f"SELECT count(*) FROM mart_policy_warning {where}", [COUNTY]).fetchone()[0]
    assert any(f"有{breaches}项违反法定底线" in w.value for w in at.warning)
    assert any(f"政策性提示 **{policy}** 条" in m.value for m in at.markdown)


def test_township_mart_agrees_with_mart_kpi_everywhere(con):
    """mart_township_profile summed per county and year gives the K01/K10/K11/K13/K14/K17/K18 numerators."""
    prof = con.execute("""SELECT year, county_code, sum(liuyou_items) AS liuyou_items_avg,
          count(*) FILTER (WHERE liuyou_all) AS liuyou_rate,
          count(*) FILTER (WHERE congress_held) AS congress_held_rate,
          count(*) FILTER (WHERE two_sessions) AS two_sessions_rate,
          count(*) FILTER (WHERE presidium_met) AS presidium_rate,
          count(*) FILTER (WHERE recess_met) AS recess_activity_rate,
          sum(n_stations_standard) AS station_standard_rate, sum(station_activities) AS station_activity_avg
        FROM mart_township_profile GROUP BY ALL""").fetchdf().melt(["year", "county_code"], var_name="kpi_code")
    kpi = con.execute("SELECT year, county_code, kpi_code, numerator FROM mart_kpi WHERE level = '县'").fetchdf()
    both = prof.merge(kpi, on=["year", "county_code", "kpi_code"])
    assert len(both) == len(prof) > 0
    assert (both["value"].astype(float) - both["numerator"].fillna(0)).abs().max() < 1e-9


def test_changing_year_and_county_shows_that_scope(demo_wh, monkeypatch, con):
    at = open_link(demo_wh.root, monkeypatch, COUNTY_PAGE, year=2024, county=COUNTY)
    at.selectbox(key="year").select(2022).run()
    at.selectbox(key="county").select(OTHER).run()
    _ok(at)
    assert "杉河县 2022年 综合指数" in _subheaders(at)
    assert at.query_params["county"] in (OTHER, [OTHER]) and at.query_params["year"] in ("2022", ["2022"])
    total, rank = con.execute("SELECT total, rank FROM mart_index_total WHERE year = 2022 AND county_code = ?",
                              [OTHER]).fetchone()
    shown = _metrics(at)
    assert shown["综合指数"].startswith(f"{total:.1f}分") and shown["全市排名（共8个县区）"] == f"第{rank}名"
    names = con.execute("SELECT township_name FROM mart_township_profile WHERE year = 2022 AND county_code = ? "
                        "ORDER BY township_code", [OTHER]).fetchdf()["township_name"]
    assert list(_table(at, "六有达标项数")["乡镇（街道）"]) == list(names)
    # the same link reopens the same view
    again = open_link(demo_wh.root, monkeypatch, COUNTY_PAGE, year=2022, county=OTHER)
    assert "杉河县 2022年 综合指数" in _subheaders(again) and _metrics(again) == shown


def test_a_drill_down_from_the_overview_opens_the_county(demo_wh, monkeypatch):
    """frame._drill stores the clicked code and the target page; the next run switches to the profile."""
    at = open_page(demo_wh.root, monkeypatch)
    at.session_state["county"] = OTHER
    at.session_state["_goto"] = COUNTY_PAGE
    at.run()
    if not any("综合指数" in s for s in _subheaders(at)):
        at.run()  # AppTest applies the remembered filters on the rerun after switch_page
    _ok(at)
    assert "杉河县" in _subheaders(at)[0]


# --- 乡镇画像 -------------------------------------------------------------------------------------------

def test_township_link_shows_that_township_and_equals_the_marts(demo_wh, monkeypatch, con):
    at = open_link(demo_wh.root, monkeypatch, TOWNSHIP_PAGE, year=2022, county=COUNTY, township=TOWN)
    _ok(at)
    hist = con.execute("SELECT * FROM mart_township_profile WHERE township_code = ? ORDER BY year", [TOWN]).fetchdf()
    row = hist[hist["year"] == 2022].iloc[0]
    assert _subheaders(at)[0] == f"云渡县 · {row['township_name']} 2022年"
    shown = _metrics(at)
    assert shown["人代会次数"] == f"{row['n_congress']}次" and shown["闭会期间代表活动"] == f"{row['n_recess']}次"
    assert shown["“六有”达标项数"] == f"{row['liuyou_items']} / 6项"
    # 2022: no 人代会 — the K10 floor breach is named at the top
    assert row["n_congress"] == 0 and any("未召开乡镇人民代表大会" in w.value for w in at.warning)

    liuyou = chart(at, "“六有”各项达标情况")
    heat = [t for t in liuyou["traces"] if t["type"] == "heatmap"][-1]
    items = ["has_organization", "has_venue", "has_staff", "has_rules", "has_equipment", "has_funding"]
    expected = [[None if pd.isna(v) else float(v) for v in hist[c]] for c in items]
    assert [[None if v is None else float(v) for v in r] for r in heat["z"]] == expected
    assert heat["x"] == [f"{y}年" for y in hist["year"]]

    panels = _panels(at, "人代会、主席团会议和闭会期间活动次数")
    years = [str(y) for y in hist["year"]]
    assert panels["x"] == dict(zip(years, hist["n_congress"]))
    assert panels["x2"] == dict(zip(years, hist["n_presidium"]))
    assert panels["x3"] == dict(zip(years, hist["n_recess"]))
    sessions = con.execute("SELECT count(*) FROM fact_meeting WHERE township_code = ? AND event_type = '人代会'",
                           [TOWN]).fetchone()[0]
    assert len(_table(at, "届次会次")) == sessions

    sugg = _table(at, "建议件数")
    assert list(sugg["建议件数"]) == list(hist["n_suggestions"][::-1])
    classes = chart(at, "乡级建议办理结果分类")
    a = next(t for t in classes["traces"] if t["name"].startswith("A"))
    replied = hist.set_index(hist["year"].astype(str))
    assert dict(zip(a["x"], a["y"])) == pytest.approx(
        {y: r["n_class_a"] / r["n_replied"] for y, r in replied.iterrows() if r["n_replied"] > 0})

    compare = chart(at, "六有平均达标项数")
    kpi = con.execute("SELECT level, CAST(year AS VARCHAR), value FROM mart_kpi WHERE kpi_code = 'liuyou_items_avg' "
                      "AND (level = '市' OR (level = '县' AND unit_code = ?) OR (level = '乡' AND unit_code = ?))",
                      [COUNTY, TOWN]).fetchall()
    names = {"市": "清川市", "县": "云渡县", "乡": row["township_name"]}
    for level, name in names.items():
        trace = next(t for t in compare["traces"] if t["name"] == name)
        assert dict(zip(trace["x"], trace["y"])) == pytest.approx({y: v for lv, y, v in kpi if lv == level})


def test_a_street_says_it_has_no_congress_instead_of_empty_charts(demo_wh, monkeypatch):
    at = open_link(demo_wh.root, monkeypatch, TOWNSHIP_PAGE, year=2024, county=COUNTY, township=STREET)
    _ok(at)
    assert _metrics(at)["人代会 / 主席团会议"] == "街道不设"
    assert sum("街道不设乡镇人民代表大会和主席团" in i.value for i in at.info) == 2   # meetings and suggestions
    titles = [c["title"] for c in charts(at)]
    assert not any("主席团会议" in t or "乡级建议" in t for t in titles)
    assert list(_panels(at, "闭会期间代表活动次数")) == ["x"]


def test_changing_township_and_year_shows_that_unit(demo_wh, monkeypatch, con):
    at = open_link(demo_wh.root, monkeypatch, TOWNSHIP_PAGE, year=2022, county=COUNTY, township=TOWN)
    at.selectbox(key="township").select("990105104").run()
    at.selectbox(key="year").select(2024).run()
    _ok(at)
    row = con.execute("SELECT township_name, n_congress, liuyou_items FROM mart_township_profile "
                      "WHERE township_code = '990105104' AND year = 2024").fetchone()
    assert _subheaders(at)[0] == f"云渡县 · {row[0]} 2024年"
    assert _metrics(at)["人代会次数"] == f"{row[1]}次" and _metrics(at)["“六有”达标项数"] == f"{row[2]} / 6项"
    assert at.query_params["township"] in ("990105104", ["990105104"])
    # another comparison indicator
    at.button_group(key="profile_compare").set_value("attendance_rate").run()
    assert chart(at, BY_CODE["attendance_rate"].name_zh)["title"].startswith(BY_CODE["attendance_rate"].name_zh)


def test_warm_reruns_are_fast(demo_wh, monkeypatch):
    """Informal: every query is cached, so a rerun only redraws (well under 0.3 s on an idle machine)."""
    for page, query in ((COUNTY_PAGE, {"year": 2024, "county": COUNTY}),
                        (TOWNSHIP_PAGE, {"year": 2024, "county": COUNTY, "township": TOWN})):
        at = open_link(demo_wh.root, monkeypatch, page, **query)
        start = time.perf_counter()
        at.run()
        assert time.perf_counter() - start < 2.0, page


def test_the_rank_axis_names_every_rank_of_a_city_but_round_steps_of_a_province_or_the_nation():
    from pages._common.charts_profile import _rank_ticks
    assert _rank_ticks(8) == list(range(1, 9))
    for n in (11, 120, 2844):   # 120 ticks on a 130-pixel axis were an unreadable block
        ticks = _rank_ticks(n)
        assert ticks[0] == 1 and max(ticks) <= n and len(ticks) <= 10 and ticks == sorted(set(ticks))
    assert _rank_ticks(120) == [1, 20, 40, 60, 80, 100, 120]
