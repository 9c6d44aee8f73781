"""Pages stay bounded at province and nation scale (issue 6): charts that list every county or township draw the
weakest few with a note "共N个…，显示最低的K个", the chosen unit is kept, the township picker asks for a county
first, long lists are cut with the full count said, and no query returns more rows to a page than a bound that
depends on the number of counties, never on townships, deputies or suggestions.

A tiny province from H4's scale generator (9 counties, 2 years) stands in for the real ones; the limits of
pages/_common (charts.MAX_UNITS …, data.PICKER_MAX, data.LIST_MAX) are lowered so 9 counties and ~130 townships
behave as 2,844 and 38,741 do with the real limits. The warehouse is private to this module, so the cached
figures built under the lowered limits are never seen by other tests."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import streamlit as st

from etl import publish
from etl.demo import scale
from pages._common import charts as ch
from pages._common import data
from tests.apptest_utils import chart, charts, open_page

MAX_UNITS, TOP_N, MAX_ROWS, PICKER_MAX, LIST_MAX = 4, 4, 10, 20, 25
COUNTIES, YEARS = 9, 2
KPI_ROWS_PER_COUNTY = 12  # a page asks for at most this many rows per county in one query (KPIs × counties)
STATUS_RANK = "CASE status WHEN 'red' THEN 0 WHEN 'amber' THEN 1 WHEN 'green' THEN 2 ELSE 3 END"


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> publish.Paths:
    out = tmp_path_factory.mktemp("page_scale_csv")
    scale.write_scale(scale.SCALES["province"], out, years=YEARS, counties=COUNTIES, distinct=1, workers=1)
    p = publish.data_paths(tmp_path_factory.mktemp("page_scale") / "data")
    publish.build(p, out, user="测试")
    return p


@pytest.fixture(scope="module")
def con(tiny):
    _, c = publish.open_snapshot(tiny)
    yield c
    c.close()


@pytest.fixture(autouse=True)
def limits(monkeypatch):
    for mod, name, value in ((ch, "MAX_UNITS", MAX_UNITS), (ch, "TOP_N", TOP_N), (ch, "MAX_ROWS", MAX_ROWS),
                             (data, "PICKER_MAX", PICKER_MAX), (data, "LIST_MAX", LIST_MAX)):
        monkeypatch.setattr(mod, name, value)


@pytest.fixture
def spy(monkeypatch):
    """Rows returned by every query a page render runs (cached functions look data.query up at call time)."""
    seen: list[tuple[int, str]] = []
    query = data.query

    def counting(snap, sql, params=()):
        df = query(snap, sql, params)
        seen.append((len(df), " ".join(sql.split())[:90]))
        return df
    monkeypatch.setattr(data, "query", counting)
    return seen


def _open(tiny, monkeypatch, page=None, **query):
    at = open_page(tiny.root, monkeypatch, page, query=query, role="admin", timeout=120)
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def _year(con) -> int:
    return con.execute("SELECT max(year) FROM mart_kpi WHERE level = '市'").fetchone()[0]


def _categories(fig, axis: str = "x") -> list:
    return [c for t in fig["traces"] if t["type"] == "bar" for c in (t[axis] or [])]


def test_the_tiny_province_has_more_units_than_the_lowered_limits(con):
    counties, towns = con.execute("SELECT (SELECT count(*) FROM dim_county), (SELECT count(*) FROM dim_township)").fetchone()
    assert counties == COUNTIES > MAX_UNITS and towns > PICKER_MAX > MAX_ROWS
    assert towns > KPI_ROWS_PER_COUNTY * COUNTIES  # so the row bound below is independent of townships


def test_ranking_shows_the_first_and_last_with_a_note(tiny, con, monkeypatch):
    at = _open(tiny, monkeypatch)
    fig = chart(at, "综合指数")
    assert f"共{COUNTIES}个县区，显示前{TOP_N // 2}名和后{TOP_N // 2}名" in fig["title"]
    year = _year(con)
    ranks = dict(con.execute("SELECT county_name, rank FROM mart_index_total WHERE year = ?", (year,)).fetchall())
    shown = [str(y).rstrip("†") for y in _categories(fig, "y")]
    want = sorted(ranks, key=ranks.get)
    assert sorted(shown) == sorted(want[:TOP_N // 2] + want[-(TOP_N // 2):])


def test_county_bars_show_the_weakest_and_keep_the_chosen_county(tiny, con, monkeypatch):
    year = _year(con)
    order = con.execute(f"""SELECT unit_code, unit_name FROM mart_kpi WHERE kpi_code = 'liuyou_rate' AND year = ?
        AND level = '县' AND value IS NOT NULL ORDER BY {STATUS_RANK}, value, unit_code""", (year,)).fetchall()
    at = _open(tiny, monkeypatch, "pages/2_organization.py", year=year)
    fig = chart(at, "各县区六有达标率")
    assert f"共{COUNTIES}个县区，显示最低的{TOP_N}个" in fig["title"]
    assert sorted(_categories(fig)) == sorted(n for _, n in order[:TOP_N])

    best_code, best_name = order[-1]
    at = _open(tiny, monkeypatch, "pages/2_organization.py", year=year, county=best_code)
    fig = chart(at, "各县区六有达标率")
    assert "及所选单位" in fig["title"]
    assert best_name in _categories(fig) and len(_categories(fig)) == TOP_N + 1


def test_township_matrix_of_the_whole_province_lists_only_the_weakest(tiny, con, monkeypatch):
    year = _year(con)
    at = _open(tiny, monkeypatch, "pages/2_organization.py", year=year)
    fig = chart(at, "“六有”达标矩阵")
    total = con.execute("SELECT count(*) FROM mart_org_liuyou WHERE year = ?", (year,)).fetchone()[0]
    assert f"共{total}个乡镇（街道），显示达标项最少的{TOP_N}个" in fig["title"]
    heat = next(t for t in fig["traces"] if t["type"] == "heatmap")
    assert len(heat["y"]) == TOP_N
    fewest = con.execute("SELECT min(items_met), max(items_met) FROM mart_org_liuyou WHERE year = ?", (year,)).fetchone()
    shown = con.execute(f"SELECT max(items_met) FROM mart_org_liuyou WHERE year = ? AND township_code IN "
                        f"({','.join('?' * TOP_N)})", (year, *[c[0] for c in heat["customdata"]])).fetchone()[0]
    assert fewest[0] <= shown < fewest[1] or fewest[0] == fewest[1]


def test_township_picker_lists_the_townships_of_one_county(tiny, con, monkeypatch):
    at = _open(tiny, monkeypatch, "pages/9_township.py")
    county = at.selectbox(key="county").value
    assert county  # no "whole province" choice: a county first
    options = at.selectbox(key="township").options
    year = int(at.selectbox(key="year").value)
    want = con.execute("""SELECT count(*) FROM dim_township WHERE county_code = ? AND valid_from_year <= ?
        AND (valid_to_year IS NULL OR valid_to_year >= ?)""", (county, year, year)).fetchone()[0]
    assert 0 < len(options) == want < PICKER_MAX
    # a link naming only a township opens it with its county
    town = con.execute("""SELECT max(township_code) FROM dim_township WHERE valid_from_year <= ?
        AND (valid_to_year IS NULL OR valid_to_year >= ?)""", (year, year)).fetchone()[0]
    at = _open(tiny, monkeypatch, "pages/9_township.py", township=town)
    assert at.selectbox(key="county").value == town[:6] and at.selectbox(key="township").value == town


@pytest.mark.parametrize("page", ["dashboard.py", "pages/2_organization.py", "pages/3_operation.py",
                                  "pages/4_deputies.py", "pages/5_suggestions.py", "pages/13_tracker.py"])
def test_no_query_returns_more_rows_than_the_bound(tiny, con, monkeypatch, spy, page):
    st.cache_data.clear()  # every query of the page runs (earlier tests cached this snapshot's answers)
    st.cache_resource.clear()
    at = _open(tiny, monkeypatch, None if page == "dashboard.py" else page, year=_year(con))
    bound = max(LIST_MAX, KPI_ROWS_PER_COUNTY * COUNTIES)
    assert spy, "the page ran no query (cached from an earlier test?)"
    worst = max(spy)
    assert worst[0] <= bound, worst
    for fig in charts(at):  # a bounded chart draws at most TOP_N units (+ the chosen one)
        if "显示" in fig["title"]:
            cells = [c[0] for t in fig["traces"] for c in (t["customdata"] or []) if isinstance(c, list)]
            codes = {str(c[0] if isinstance(c, list) else c) for c in cells} - {""}  # "" = the 全市 row
            groups = fig["layout"].get("xaxis", {}).get("ticktext")  # a strip chart: points grouped by county
            assert len(groups or codes) <= TOP_N + 1, (fig["title"], groups or codes)


def test_long_lists_say_how_many_there_are(tiny, con, monkeypatch):
    year = _year(con)
    n_low = con.execute("SELECT count(*) FROM mart_points_low WHERE year = ?", (year,)).fetchone()[0]
    assert n_low > LIST_MAX
    at = _open(tiny, monkeypatch, "pages/4_deputies.py", year=year)
    assert any(f"约谈名单，{n_low}人" in m.value for m in at.markdown)
    assert any(f"共{n_low:,}人，这里显示最需关注的{LIST_MAX}人" in c.value for c in at.caption)
    assert any(len(d.value) == LIST_MAX for d in at.dataframe)


def test_every_page_cache_is_bounded():
    """st.cache_data / st.cache_resource in the page code all carry max_entries (directly or through a shared
    dict); server.maxCacheDataSize (tests/test_config.py) bounds the cache_data bytes on top."""
    root = Path(__file__).resolve().parents[1]
    call = re.compile(r"st\.cache_(?:data|resource)\(([^)]*)\)")
    bare = re.compile(r"^\s*@st\.cache_(?:data|resource)\s*$", re.M)
    for path in [root / "dashboard.py", *sorted((root / "pages").rglob("*.py"))]:
        text = path.read_text(encoding="utf-8")
        assert not bare.search(text), f"{path.name}: a cache without max_entries"
        for m in call.finditer(text):
            assert "max_entries" in m.group(1) or "**" in m.group(1), f"{path.name}: {m.group(0)} has no max_entries"
    assert ch.FIGURE_CACHE["max_entries"] <= 256 and data.CACHE["max_entries"] <= 256
