"""汇报模式 and 年度通报 stay bounded at province and nation scale (issue 6): the deck and the report rank, count
and pick the best/worst counties in SQL, read only the rows the slides and the document show, and say the same
as the whole-city computation. The limits (etl.deck CHART_MAX …, report_page TABLE_MAX …) are lowered so the
8-county demo city behaves as 2,844 counties do with the real limits."""
from __future__ import annotations

import pytest
import streamlit as st

from etl import deck as deck_mod
from etl import publish
from etl.deck import FAMILY_KPI, build_deck
from pages._common import data, report_page

YEAR, COUNTY = 2024, "990105"   # 云渡县
CHART_MAX, CHART_TOP, NAMES_MAX = 2, 2, 3
TABLE_MAX, PARAGRAPH_MAX, PARAGRAPH_TOP = 4, 3, 1
KPIS = len(set(deck_mod.HEADLINE) | set(FAMILY_KPI.values()))


@pytest.fixture(scope="module")
def con(demo_wh):
    _, c = publish.open_snapshot(demo_wh)
    yield c
    c.close()


@pytest.fixture
def small_limits(monkeypatch):
    for name, value in (("CHART_MAX", CHART_MAX), ("CHART_TOP", CHART_TOP), ("NAMES_MAX", NAMES_MAX)):
        monkeypatch.setattr(deck_mod, name, value)
    for name, value in (("TABLE_MAX", TABLE_MAX), ("PARAGRAPH_MAX", PARAGRAPH_MAX), ("PARAGRAPH_TOP", PARAGRAPH_TOP)):
        monkeypatch.setattr(report_page, name, value)


def _counting(monkeypatch, module, name: str) -> list[tuple[int, str]]:
    """Rows returned by every query through module.name (cached functions look it up at call time)."""
    seen: list[tuple[int, str]] = []
    query = getattr(module, name)

    def counting(*args):
        df = query(*args)
        seen.append((len(df), " ".join(args[1].split())))
        return df
    monkeypatch.setattr(module, name, counting)
    return seen


def _slides(d) -> dict:
    return {s.key: s for s in d.slides}


def _counties(con) -> int:
    return con.execute("SELECT count(*) FROM dim_county").fetchone()[0]


@pytest.mark.parametrize("county", [None, COUNTY])
def test_bounded_deck_says_what_the_whole_city_says(con, monkeypatch, county):
    full = _slides(build_deck(con, YEAR, county))
    monkeypatch.setattr(deck_mod, "CHART_MAX", CHART_MAX)
    monkeypatch.setattr(deck_mod, "CHART_TOP", CHART_TOP)   # NAMES_MAX stays: every name is still said
    part = _slides(build_deck(con, YEAR, county))
    n = _counties(con)
    assert n > CHART_MAX
    for key in ("title", "headline", "warnings", "supervise"):
        assert part[key] == full[key], key
    for family in FAMILY_KPI:
        a, b = full[f"family-{family}"], part[f"family-{family}"]
        assert a.points == b.points, family          # counts, best/worst, biggest riser, place: over all counties
        if "县区" not in b.subtitle:                  # a county's own townships are drawn in full
            assert a.chart == b.chart
            continue
        assert f"共{n}个县区，显示最需关注的{CHART_TOP}个" in b.subtitle
        drawn = dict(zip(b.chart.categories, b.chart.series[0].values))
        assert set(drawn) <= set(a.chart.categories) and len(drawn) <= CHART_TOP + (county is not None)
        if county:
            assert any(c.endswith("（本县）") for c in drawn)
        else:  # the weakest: red counties first
            statuses = dict(zip(a.chart.categories, a.chart.colors))
            reds = [c for c, colour in statuses.items() if colour == deck_mod.STATUS_COLOR["red"]]
            assert len(set(drawn) & set(reds)) == min(len(reds), CHART_TOP)
    a, b = full["ranking"], part["ranking"]
    assert a.points == b.points
    if county is None:
        half = CHART_TOP // 2
        assert b.chart.categories == a.chart.categories[:half] + a.chart.categories[len(a.chart.categories) - half:]
        assert f"共{n}个县区" in b.subtitle
    else:
        assert a.chart == b.chart   # dimension scores of the county against the average of all counties


def test_names_in_a_sentence_are_capped_with_the_count(con, monkeypatch):
    monkeypatch.setattr(deck_mod, "NAMES_MAX", 1)
    low = con.execute("SELECT county_name FROM mart_index_total WHERE year = ? AND total < 80 ORDER BY total",
                      (YEAR,)).fetchall()
    assert len(low) > 1
    points = _slides(build_deck(con, YEAR))["supervise"].points
    assert points[0].startswith(f"低于80分通报线的县区{len(low)}个，最低的是{low[0][0]}（")
    assert low[1][0] not in points[0]


def test_deck_queries_return_a_bounded_number_of_rows(con, monkeypatch, small_limits):
    seen = _counting(monkeypatch, deck_mod, "_q")
    for county in (None, COUNTY):
        build_deck(con, YEAR, county)
    # per KPI: the weakest CHART_TOP, the best, the worst, the biggest riser and the chosen county; a county's
    # townships; TABLE_ROWS of a list — never every county (KPIS × counties rows)
    towns = con.execute("SELECT count(*) FROM dim_township WHERE county_code = ?", (COUNTY,)).fetchone()[0]
    bound = max(KPIS * (CHART_TOP + 4), KPIS * (towns + 2), deck_mod.TABLE_ROWS * 2)
    worst = max(seen)
    assert worst[0] <= bound, worst
    county_rows = [n for n, sql in seen if "weak_i" in sql]
    assert county_rows and max(county_rows) <= KPIS * (CHART_TOP + 4) < KPIS * _counties(con)


def test_report_reads_only_the_counties_it_shows(demo_wh, monkeypatch, small_limits):
    snap = data.Snapshot(str(demo_wh.root), publish.current_version(demo_wh))
    st.cache_data.clear()   # every query runs (and the trimmed report is not left for other tests)
    seen = _counting(monkeypatch, data, "query")
    try:
        rep = report_page.build(snap, YEAR, None)
        full = report_page.full_ranking(rep)   # the download reads the whole ranking, on click only
    finally:
        st.cache_data.clear()
    n = _counties(con=data._connection(snap))
    shown = [label for label, _ in rep.sections[3].entries]
    assert len(shown) == PARAGRAPH_MAX < n and len(full.rows) == n
    kpi_rows = [k for k, sql in seen if "place" in sql]
    assert kpi_rows and max(kpi_rows) <= len(shown) * len(report_page.BY_CODE)
    ranking_rows = [k for k, sql in seen if "n_low" in sql]
    assert ranking_rows and max(ranking_rows) <= 2 * report_page.keep() + 2 < n


def test_report_paragraphs_are_those_of_the_whole_city(demo_wh, monkeypatch):
    """A county's paragraph (places among all counties, strengths, warnings) does not depend on how many
    paragraphs the document lists."""
    snap = data.Snapshot(str(demo_wh.root), publish.current_version(demo_wh))
    report_page._build.clear()
    full = dict(report_page.build(snap, YEAR, None).sections[3].entries)
    for name, value in (("TABLE_MAX", TABLE_MAX), ("PARAGRAPH_MAX", PARAGRAPH_MAX), ("PARAGRAPH_TOP", PARAGRAPH_TOP)):
        monkeypatch.setattr(report_page, name, value)
    report_page._build.clear()
    try:
        part = dict(report_page.build(snap, YEAR, None).sections[3].entries)
    finally:
        report_page._build.clear()
    assert len(part) == PARAGRAPH_MAX and all(full[name] == text for name, text in part.items())
