"""AppTests of the 组织建设 and 依法履职 pages on the demo city: what they show equals the marts
(mart_kpi, mart_org_liuyou, mart_org_body, mart_org_meeting, mart_org_session, mart_warning)."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from etl import fmt, publish
from etl.indicators import BY_CODE
from pages._common import org
from tests.apptest_utils import chart, charts, open_page

ORG, OP = "pages/2_organization.py", "pages/3_operation.py"
ITEMS = ("has_organization", "has_venue", "has_staff", "has_rules", "has_equipment", "has_funding")


@pytest.fixture(scope="module")
def con(demo_wh):
    _, c = publish.open_snapshot(demo_wh)
    yield c
    c.close()


def _open(demo_wh, monkeypatch, page, **query) -> AppTest:
    at = open_page(demo_wh.root, monkeypatch, page, query=query)
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def _kpi(con, code, year, level, county=None) -> dict:
    rows = con.execute("SELECT unit_name, value FROM mart_kpi WHERE kpi_code = ? AND year = ? AND level = ? "
                       "AND (? IS NULL OR county_code = ?)", (code, year, level, county, county)).fetchall()
    return dict(rows)


def _bars(fig) -> dict:
    """{category: value} over the bar traces of a figure (reference-line legend entries excluded)."""
    out = {}
    for t in fig["traces"]:
        if t["type"] == "bar":
            for x, y in zip(t["x"], t["y"]):
                out[x] = y
    return out


def _close(shown: dict, expected: dict) -> bool:
    return shown.keys() == expected.keys() and all(
        (shown[k] is None and expected[k] is None) or abs(shown[k] - expected[k]) < 1e-9 for k in expected)


def _metrics(at) -> dict:
    return {m.label: m.value for m in at.metric}


def _scope_heading(at) -> str:
    return next(h.value for h in at.subheader if h.value.endswith("要点"))


# --- marts agree with mart_kpi ---------------------------------------------------------------------------

def test_org_marts_agree_with_mart_kpi(con):
    k01 = con.execute("""SELECT l.year, l.county_code, avg((l.items_met = 6)::INT), avg(l.items_met), k.value, a.value
        FROM mart_org_liuyou l
        JOIN mart_kpi k ON k.kpi_code = 'liuyou_rate' AND k.level = '县' AND k.unit_code = l.county_code AND k.year = l.year
        JOIN mart_kpi a ON a.kpi_code = 'liuyou_items_avg' AND a.level = '县' AND a.unit_code = l.county_code AND a.year = l.year
        GROUP BY ALL""").fetchall()
    assert len(k01) == 40 and all(abs(r[2] - r[4]) < 1e-9 and abs(r[3] - r[5]) < 1e-9 for r in k01)
    k02 = con.execute("""SELECT b.n_small, b.n_bodies, k.numerator, k.denominator, b.n_special, s.numerator
        FROM mart_org_body b
        JOIN mart_kpi k ON k.kpi_code = 'small_body_share' AND k.level = '县' AND k.unit_code = b.county_code AND k.year = b.year
        JOIN mart_kpi s ON s.kpi_code = 'special_committee_count' AND s.level = '县' AND s.unit_code = b.county_code
             AND s.year = b.year""").fetchall()
    assert len(k02) == 40 and all(r[0] == r[2] and r[1] == r[3] and r[4] == r[5] for r in k02)


def test_meeting_marts_agree_with_mart_kpi_and_the_warnings(con):
    rows = con.execute("""SELECT m.year, m.county_code,
            avg((m.n_congress >= 1)::INT) FILTER (WHERE NOT m.is_street), avg((m.n_congress >= 2)::INT) FILTER (WHERE NOT m.is_street),
            avg((m.n_presidium >= 4)::INT) FILTER (WHERE NOT m.is_street), avg((m.n_recess >= 2)::INT),
            sum(m.n_half_day), sum(m.n_regular)
        FROM mart_org_meeting m GROUP BY ALL""").fetchall()
    kpi = {(r[0], r[1], r[2]): r[3:] for r in con.execute(
        "SELECT year, unit_code, kpi_code, value, numerator, denominator FROM mart_kpi WHERE level = '县'").fetchall()}
    assert len(rows) == 40
    for year, county, held, two, presidium, recess, half, regular in rows:
        assert abs(held - kpi[year, county, "congress_held_rate"][0]) < 1e-9
        assert abs(two - kpi[year, county, "two_sessions_rate"][0]) < 1e-9
        assert abs(presidium - kpi[year, county, "presidium_rate"][0]) < 1e-9
        assert abs(recess - kpi[year, county, "recess_activity_rate"][0]) < 1e-9
        assert kpi[year, county, "half_day_share"][1:] == ((half, regular) if regular else (None, None))
    zero = set(con.execute("SELECT year, township_code FROM mart_org_meeting WHERE NOT is_street AND n_congress = 0").fetchall())
    warned = set(con.execute("SELECT year, township_code FROM mart_warning WHERE kpi_ref = 'K10'").fetchall())
    assert zero == warned and len(zero) == 2
    bad = set(con.execute("SELECT event_id FROM mart_org_session WHERE inquorate").fetchall())
    assert bad == set(con.execute("SELECT object_id FROM mart_warning WHERE kpi_ref = 'K15'").fetchall()) and len(bad) == 1


# --- 组织建设 ----------------------------------------------------------------------------------------------

def test_organization_city_view_equals_the_marts(demo_wh, monkeypatch, con):
    at = _open(demo_wh, monkeypatch, ORG, year=2024)
    assert _scope_heading(at) == "清川市 2024年 要点"
    shown = _metrics(at)
    for code in org.ORG_CARDS:
        value = con.execute("SELECT value FROM mart_kpi WHERE kpi_code = ? AND level = '市' AND year = 2024", (code,)).fetchone()[0]
        assert shown[BY_CODE[code].name_zh] == fmt.fmt_value(value, BY_CODE[code].unit), code
    assert _close(_bars(chart(at, "2024年 各县区六有达标率")), _kpi(con, "liuyou_rate", 2024, "县"))
    assert _close(_bars(chart(at, "各县区“1人委/2人委”占比")), _kpi(con, "small_body_share", 2024, "县"))
    assert _close(_bars(chart(at, "各县区35岁左右干部占比")), _kpi(con, "young_cadre_share", 2024, "县"))
    items = _bars(chart(at, "“六有”分项达标率"))
    for code, label in zip(org.LIUYOU_CODES, ("有机构", "有场地", "有人员", "有制度", "有设备", "有经费")):
        assert abs(items[label] - _kpi(con, code, 2024, "市")["清川市"]) < 1e-9
    matrix = chart(at, "“六有”达标矩阵")
    rows = con.execute(f"SELECT township_code, {', '.join(ITEMS)} FROM mart_org_liuyou WHERE year = 2024 "
                       "ORDER BY county_sort, items_met, township_code").fetchall()
    trace = matrix["traces"][0]
    assert [c[0] for c in trace["customdata"]] == [r[0] for r in rows] and len(rows) == 115
    assert trace["z"] == [[None if v is None else float(v) for v in r[1:]] for r in rows]
    staff = chart(at, "各县区乡镇（街道）人员配备率")
    for t in staff["traces"]:
        code = {label: c for c, label in org.STAFF_KPIS}[t["name"]]
        assert _close(dict(zip(t["x"], t["y"])), _kpi(con, code, 2024, "县"))
    trend = chart(at, "全市 “1人委/2人委”占比趋势")
    city = dict(con.execute("SELECT year, value FROM mart_kpi WHERE kpi_code = 'small_body_share' AND level = '市'").fetchall())
    assert dict(zip(map(int, trend["traces"][0]["x"]), trend["traces"][0]["y"])) == pytest.approx(city)
    body = at.dataframe[0].value  # 各县区人大常委会机构构成 (mart_org_body)
    expected = con.execute("SELECT c.county_name, b.n_bodies, b.n_one, b.n_two FROM mart_org_body b "
                           "JOIN dim_county c USING (county_code) WHERE b.year = 2024 ORDER BY c.sort_order").fetchall()
    assert [tuple(r) for r in body[["县区", "机构数（不含合署）", "1人委", "2人委"]].itertuples(index=False)] == expected
    leader = at.dataframe[1].value
    assert dict(zip(leader["县区"], leader["专门委员会数"])) == {
        k: int(v) for k, v in _kpi(con, "special_committee_count", 2024, "县").items()}


def test_organization_follows_year_and_county_and_a_link_reopens_it(demo_wh, monkeypatch, con):
    at = _open(demo_wh, monkeypatch, ORG)
    at.selectbox(key="year").select(2023).run()
    at.selectbox(key="county").select("990105").run()
    assert not at.exception and not at.error
    assert _scope_heading(at) == "云渡县 2023年 要点"
    assert at.query_params["year"] in ("2023", ["2023"]) and at.query_params["county"] in ("990105", ["990105"])
    value = con.execute("SELECT value FROM mart_kpi WHERE kpi_code = 'liuyou_rate' AND level = '县' AND unit_code = '990105' "
                        "AND year = 2023").fetchone()[0]
    assert _metrics(at)[BY_CODE["liuyou_rate"].name_zh] == fmt.fmt_value(value, "%")
    matrix = chart(at, "2023年 云渡县乡镇（街道）“六有”达标矩阵")
    codes = [r[0] for r in con.execute("SELECT township_code FROM mart_org_liuyou WHERE year = 2023 AND county_code = '990105' "
                                       "ORDER BY items_met, township_code").fetchall()]
    assert [c[0] for c in matrix["traces"][0]["customdata"]] == codes and len(codes) == 16
    trend = chart(at, "云渡县与全市 “六有”达标趋势")
    county = dict(con.execute("SELECT year, value FROM mart_kpi WHERE kpi_code = 'liuyou_rate' AND level = '县' "
                              "AND unit_code = '990105'").fetchall())
    line = next(t for t in trend["traces"] if t["name"] == "云渡县")
    assert dict(zip(map(int, line["x"][:len(county)]), line["y"])) == pytest.approx(county)
    bodies = at.dataframe[0].value
    expected = con.execute("SELECT sum(staff_count), count(*) FROM fact_county_body WHERE year = 2023 "
                           "AND county_code = '990105'").fetchone()
    assert (int(bodies["实有人员"].sum()), len(bodies)) == expected
    small = con.execute("SELECT numerator FROM mart_kpi WHERE kpi_code = 'small_body_share' AND level = '县' "
                        "AND unit_code = '990105' AND year = 2023").fetchone()[0]
    assert (bodies["是否1人委/2人委"] == "是").sum() == small
    staffing = at.dataframe[1].value
    assert len(staffing) == 16 and "待改进" in staffing.columns

    again = _open(demo_wh, monkeypatch, ORG, year=2023, county="990105")
    assert _scope_heading(again) == "云渡县 2023年 要点"
    assert chart(again, "“六有”达标矩阵")["traces"][0]["customdata"] == matrix["traces"][0]["customdata"]


# --- 依法履职 ----------------------------------------------------------------------------------------------

def test_operation_city_view_equals_the_marts(demo_wh, monkeypatch, con):
    at = _open(demo_wh, monkeypatch, OP, year=2024)
    assert _scope_heading(at) == "清川市 2024年 要点"
    shown = _metrics(at)
    for code in org.OP_CARDS:
        value = con.execute("SELECT value FROM mart_kpi WHERE kpi_code = ? AND level = '市' AND year = 2024", (code,)).fetchone()[0]
        assert shown[BY_CODE[code].name_zh] == fmt.fmt_value(value, BY_CODE[code].unit), code
    for title, code in (("乡镇人代会“一年两会”率", "two_sessions_rate"), ("乡镇人代会平均会期", "avg_session_days"),
                        ("半天会占比", "half_day_share"), ("人代会出席率", "attendance_rate"),
                        ("主席团会议达标率", "presidium_rate"), ("闭会期间代表活动达标率", "recess_activity_rate")):
        assert _close(_bars(chart(at, f"2024年 各县区{title}")), _kpi(con, code, 2024, "县")), code
    dist = chart(at, "各县区乡镇人代会召开次数分布")
    counts = {(r[0], r[1]): r[2] for r in con.execute(
        "SELECT county_name, least(n_congress, 3), count(*) FROM mart_org_meeting WHERE year = 2024 AND NOT is_street "
        "GROUP BY ALL").fetchall()}
    for band, trace in zip((0, 1, 2, 3), dist["traces"]):
        assert {x: y for x, y in zip(trace["x"], trace["y"]) if y} == {c: n for (c, b), n in counts.items() if b == band}
    strip = chart(at, "乡镇人代会出席率（每点为一次会议）")
    shown = sorted(y for t in strip["traces"] for y in t["y"])
    expected = sorted(r[0] for r in con.execute("SELECT attendance FROM mart_org_session WHERE year = 2024 "
                                                "AND org_level <> '县级'").fetchall())
    assert shown == pytest.approx(expected) and len(expected) > 100
    assert any("所有乡镇均至少召开1次人代会" in s.value for s in at.success)
    trend = chart(at, "全市 会期趋势")
    days = dict(con.execute("SELECT year, value FROM mart_kpi WHERE kpi_code = 'avg_session_days' AND level = '市'").fetchall())
    line = trend["traces"][0]
    assert dict(zip(map(int, line["x"]), line["y"])) == pytest.approx(days)


def test_operation_follows_year_and_county_and_lists_floor_breaches(demo_wh, monkeypatch, con):
    at = _open(demo_wh, monkeypatch, OP)
    at.selectbox(key="year").select(2022).run()
    at.selectbox(key="county").select("990105").run()
    assert not at.exception and not at.error
    assert _scope_heading(at) == "云渡县 2022年 要点"
    count = chart(at, "2022年 云渡县各乡镇人代会召开次数")
    expected = dict(con.execute("SELECT township_code, n_congress FROM mart_org_meeting WHERE year = 2022 "
                                "AND county_code = '990105' AND NOT is_street").fetchall())
    shown = {c[0]: y for t in count["traces"] if t["type"] == "bar" for c, y in zip(t["customdata"], t["y"])}
    assert shown == expected
    red = next(t for t in count["traces"] if t["name"].startswith("0次"))
    assert sorted(c[0] for c in red["customdata"]) == sorted(
        r[0] for r in con.execute("SELECT township_code FROM mart_warning WHERE kpi_ref = 'K10' AND year = 2022").fetchall())
    assert any("有2个乡镇全年未召开人代会" in m.value for m in at.markdown)
    zero = next(d.value for d in at.dataframe if "人代会次数" in d.value.columns)
    assert set(zero["乡镇"]) == {"河口镇", "灵泉乡"}
    presidium = chart(at, "云渡县各乡镇主席团会议次数")
    shown = {c[0]: y for t in presidium["traces"] if t["type"] == "bar" for c, y in zip(t["customdata"], t["y"])}
    assert shown == dict(con.execute("SELECT township_code, n_presidium FROM mart_org_meeting WHERE year = 2022 "
                                     "AND county_code = '990105' AND NOT is_street").fetchall())
    sessions = next(d.value for d in at.dataframe if "届次会次" in d.value.columns and "半天会" in d.value.columns)
    n, half = con.execute("SELECT count(*), sum(is_half_day::INT) FROM mart_org_session WHERE year = 2022 "
                          "AND county_code = '990105'").fetchone()
    assert len(sessions) == n and (sessions["半天会"] == "是").sum() == half

    at.selectbox(key="year").select(2023).run()
    assert _scope_heading(at) == "云渡县 2023年 要点"
    assert any("有1次人代会出席不足三分之二" in m.value for m in at.markdown)
    assert any("触及法定底线1起：翠屏镇的人代会出席不足三分之二" in m.value for m in at.markdown)
    bad = next(d.value for d in at.dataframe if "出席率" in d.value.columns and "开幕日期" in d.value.columns
               and "半天会" not in d.value.columns)
    assert list(bad["单位"]) == ["翠屏镇"] and list(bad["实出席"]) == [36]

    again = _open(demo_wh, monkeypatch, OP, year=2022, county="990105")
    assert _scope_heading(again) == "云渡县 2022年 要点"
    assert chart(again, "云渡县各乡镇人代会召开次数")["traces"][0]["customdata"] == count["traces"][0]["customdata"]


def test_every_chart_has_a_chinese_title_and_no_english_trace_names(demo_wh, monkeypatch):
    import re
    for page in (ORG, OP):
        at = _open(demo_wh, monkeypatch, page, year=2024, county="990103")
        figs = charts(at)
        assert len(figs) >= 10
        for fig in figs:
            assert re.search(r"[\u4e00-\u9fff]", fig["title"]), fig["title"]
            assert not [t["name"] for t in fig["traces"] if t["name"] and re.search(r"trace|[A-Za-z]{3,}", t["name"])]

