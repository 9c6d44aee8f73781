"""The meeting deck (etl.deck.build_deck) on the demo city: slide order, every chart equal to the marts queried
independently, 要点 numbers equal to the data, a county scope, the first year (nothing to compare with)."""
from __future__ import annotations

import re

import pytest

from etl import deck as deck_mod
from etl import publish
from etl.deck import FAMILY_KPI, HEADLINE, SLIDE_KEYS, build_deck
from etl.fmt import STATUS_COLOR
from etl.indicators import BY_CODE

COUNTY = "990105"  # 云渡县


@pytest.fixture(scope="module")
def con(demo_wh):
    _, c = publish.open_snapshot(demo_wh)
    yield c
    c.close()


@pytest.fixture(scope="module")
def years(con):
    return [r[0] for r in con.execute("SELECT DISTINCT year FROM mart_kpi ORDER BY year").fetchall()]


@pytest.fixture(scope="module")
def city_deck(con, years):
    return build_deck(con, years[-1])


@pytest.fixture(scope="module")
def county_deck(con, years):
    return build_deck(con, years[-2], COUNTY)


def _slide(deck, key):
    return next(s for s in deck.slides if s.key == key)


def _kpi(con, code, year, level, county=None):
    """{unit_name: (value, status)} of mart_kpi, in dim_county / township order."""
    rows = con.execute("""SELECT k.unit_name, k.value, k.status FROM mart_kpi k
        LEFT JOIN dim_county c ON c.county_code = k.unit_code
        WHERE k.kpi_code = ? AND k.year = ? AND k.level = ? AND (? IS NULL OR k.county_code = ?)
        ORDER BY c.sort_order, k.unit_code""", (code, year, level, county, county)).fetchall()
    return {n: (v, s) for n, v, s in rows}


def _pct(text: str, pattern: str) -> float:
    m = re.search(pattern, text)
    assert m, (pattern, text)
    return float(m.group(1))


def test_slides_come_in_order_with_the_snapshot_version(con, city_deck, demo_wh, years):
    assert tuple(s.key for s in city_deck.slides) == SLIDE_KEYS
    assert city_deck.scope_name == city_deck.city_name == "清川市" and city_deck.county_code is None
    assert city_deck.version == publish.current_version(demo_wh)
    title = city_deck.slides[0]
    assert f"{years[-1]}年" in title.title and f"数据版本 v{city_deck.version}" in title.subtitle
    assert re.search(r"数据截至 \d{4}年\d{2}月\d{2}日", title.subtitle)


def test_every_slide_has_two_to_four_points_and_notes(city_deck, county_deck):
    for d in (city_deck, county_deck):
        for s in d.slides:
            assert 2 <= len(s.points) <= 4, (s.key, s.points)
            assert all(p.endswith("。") for p in s.points), s.points
            assert s.notes.strip(), s.key
            assert (s.chart is not None) or (s.table is not None) or s.key == "title", s.key
            if s.chart is not None and s.chart.colors:  # every colour used is explained in Chinese
                assert set(s.chart.colors) - {STATUS_COLOR[None]} <= {c for c, _ in s.chart.color_legend}, s.key
                assert len(s.chart.colors) == len(s.chart.categories), s.key


def test_headline_chart_is_the_city_kpis_against_target(con, city_deck, years):
    s = _slide(city_deck, "headline")
    rows = {c: con.execute("SELECT value, target, status FROM mart_kpi WHERE kpi_code = ? AND year = ? AND level = '市'",
                           (c, years[-1])).fetchone() for c in HEADLINE}
    assert s.chart.categories == tuple(BY_CODE[c].name_zh for c in HEADLINE)
    assert s.chart.series[0].values == pytest.approx([rows[c][0] for c in HEADLINE])
    assert s.chart.series[1].values == pytest.approx([rows[c][1] for c in HEADLINE])
    assert s.chart.colors == tuple(STATUS_COLOR[rows[c][2]] for c in HEADLINE)
    met = sum(1 for c in HEADLINE if rows[c][2] == "green")
    assert _pct(s.points[0], r"中(\d+)项达标") == met
    assert all(BY_CODE[c].ref in s.notes and BY_CODE[c].formula_text in s.notes for c in HEADLINE)


def test_headline_matches_the_dashboard_cards():
    from pages._common import cards
    assert HEADLINE == cards.HEADLINE


@pytest.mark.parametrize("family", list(FAMILY_KPI))
def test_family_chart_is_the_key_kpi_by_county_with_target(con, city_deck, years, family):
    s = _slide(city_deck, f"family-{family}")
    ind = BY_CODE[FAMILY_KPI[family]]
    units = _kpi(con, ind.code, years[-1], "县")
    assert s.chart.categories == tuple(units)
    assert s.chart.series[0].values == pytest.approx([v for v, _ in units.values()])
    assert s.chart.colors == tuple(STATUS_COLOR[st] for _, st in units.values())
    city = con.execute("SELECT value, target FROM mart_kpi WHERE kpi_code = ? AND year = ? AND level = '市'",
                       (ind.code, years[-1])).fetchone()
    assert s.chart.target == pytest.approx(city[1]) and s.chart.unit == ind.unit
    assert ind.name_zh in s.title and ind.formula_text in s.notes and ind.source in s.notes


def test_liuyou_points_carry_the_figures(con, city_deck, years):
    s = _slide(city_deck, "family-A")
    now, last = (con.execute("SELECT value FROM mart_kpi WHERE kpi_code = 'liuyou_rate' AND level = '市' AND year = ?",
                             (y,)).fetchone()[0] for y in years[-1:-3:-1])
    assert s.points[0].startswith(f"{years[-1]}年清川市六有达标率")
    assert _pct(s.points[0], r"六有达标率([\d.]+)%") == round(now * 100, 1)
    change = _pct(s.points[0], r"较上年(?:提高|下降)([\d.]+)个百分点")
    assert change == round(abs(now - last) * 100, 1)
    assert ("提高" in s.points[0]) == (now > last)
    units = _kpi(con, "liuyou_rate", years[-1], "县")
    worst = min(units, key=lambda n: units[n][0])
    assert f"{worst}最低（{units[worst][0] * 100:.1f}%）" in s.points[2]


def test_ranking_chart_is_the_index_in_rank_order(con, city_deck, years):
    s = _slide(city_deck, "ranking")
    rows = con.execute("SELECT county_name, total, grade FROM mart_index_total WHERE year = ? ORDER BY rank, county_code",
                       (years[-1],)).fetchall()
    assert s.chart.categories == tuple(r[0] for r in rows)
    assert s.chart.series[0].values == pytest.approx([r[1] for r in rows])
    assert s.chart.target == 80 and "通报线" in s.chart.target_label
    below = [r[0] for r in rows if r[1] < 80]
    sup = _slide(city_deck, "supervise")
    assert [r[0] for r in sup.table.rows[:len(below)]] == sorted(below, key={r[0]: r[1] for r in rows}.get)
    for name in below:
        assert name in sup.points[0]


def test_warnings_table_lists_the_floor_breaches(con, years):
    year = next(y for y in years if con.execute("SELECT count(*) FROM mart_warning WHERE year = ?", (y,)).fetchone()[0] > 12)
    d = build_deck(con, year)
    s = _slide(d, "warnings")
    total = con.execute("SELECT count(*) FROM mart_warning WHERE year = ?", (year,)).fetchone()[0]
    assert len(s.table.rows) == deck_mod.TABLE_ROWS and f"共{total}条" in s.subtitle
    assert s.table.header == ("指标", "县区", "乡镇", "情况")
    first = con.execute("""SELECT w.message_zh FROM mart_warning w JOIN dim_county c USING (county_code)
        WHERE w.year = ? ORDER BY w.kpi_ref, c.sort_order, w.township_code, w.object_id LIMIT 1""", (year,)).fetchone()[0]
    assert s.table.rows[0][3] == first
    assert _pct(s.points[0], r"预警共(\d+)条") == total


def test_county_scope_shows_townships_and_the_county_against_the_city(con, county_deck, years):
    year = years[-2]
    assert county_deck.scope_name == "云渡县" and county_deck.county_code == COUNTY
    assert county_deck.slides[0].title.startswith(f"云渡县{year}年")
    # 票决项目完成率 is a real rate in each township: one bar per township of the county
    f = _slide(county_deck, "family-F")
    towns = _kpi(con, "project_completion_rate", year, "乡", COUNTY)
    assert f.chart.categories == tuple(towns)
    assert f.chart.series[0].values == pytest.approx([v for v, _ in towns.values()])
    own = con.execute("SELECT value FROM mart_kpi WHERE kpi_code = 'project_completion_rate' AND level = '县' "
                      "AND unit_code = ? AND year = ?", (COUNTY, year)).fetchone()[0]
    assert _pct(f.points[0], r"完成率([\d.]+)%") == round(own * 100, 1)
    # 满意率 exists only per county: the counties, this one marked
    d = _slide(county_deck, "family-D")
    assert "云渡县（本县）" in d.chart.categories and len(d.chart.categories) == 8
    # the ranking slide: this county's dimension scores against the city average
    r = _slide(county_deck, "ranking")
    dims = con.execute("""SELECT dimension, avg(score), any_value(score) FILTER (WHERE county_code = ?)
        FROM mart_index WHERE year = ? GROUP BY dimension ORDER BY dimension""", (COUNTY, year)).fetchall()
    assert r.chart.series[0].values == pytest.approx([x[2] for x in dims])
    assert r.chart.series[1].values == pytest.approx([x[1] for x in dims])
    total, rank = con.execute("SELECT total, rank FROM mart_index_total WHERE year = ? AND county_code = ?",
                              (year, COUNTY)).fetchone()
    assert f"{total:.1f}分" in r.points[0] and f"列第{rank}位" in r.points[0]
    assert _slide(county_deck, "supervise").table.header[0] == "乡镇（街道）"


def test_first_year_has_no_change_on_last_year(con, years):
    d = build_deck(con, years[0])
    text = "".join(p for s in d.slides for p in s.points)
    assert "较上年" not in text and "进步最快" not in text
    assert f"{years[0] - 1}年没有数据，无法与上年比较" in "".join(_slide(d, "headline").points)
    assert all(2 <= len(s.points) <= 4 for s in d.slides)


def test_unknown_year_or_county_is_refused_in_chinese(con, years):
    with pytest.raises(ValueError, match="没有1990年的指标数据；可选年度"):
        build_deck(con, 1990)
    with pytest.raises(ValueError, match="县区代码“999999”不存在"):
        build_deck(con, years[-1], "999999")


def test_a_small_city_with_gaps_still_gives_a_full_deck(wh):
    """The two-county fixture city: values missing (no suggestions rated) are said so, never shown as met."""
    _, c = publish.open_snapshot(wh)
    try:
        counties = [r[0] for r in c.execute("SELECT county_code FROM dim_county ORDER BY sort_order").fetchall()]
        year = c.execute("SELECT max(year) FROM mart_kpi").fetchone()[0]
        for county in (None, *counties):
            d = build_deck(c, year, county)
            assert tuple(s.key for s in d.slides) == SLIDE_KEYS
            assert all(2 <= len(s.points) <= 4 for s in d.slides), [(s.key, s.points) for s in d.slides]
        missing = c.execute("""SELECT kpi_code FROM mart_kpi WHERE level = '县' AND unit_code = ? AND year = ?
            AND value IS NULL AND kpi_code IN ?""", (counties[0], year, list(FAMILY_KPI.values()))).fetchall()
        assert missing, "the fixture city should have a KPI without data"
        d = build_deck(c, year, counties[0])
        for (code,) in missing:
            s = next(s for s in d.slides if s.key.startswith("family-") and BY_CODE[code].name_zh in s.title)
            assert "暂无数据" in s.points[0] and "已达到目标" not in "".join(s.points)
    finally:
        c.close()


def test_warnings_table_fills_spare_rows_with_policy_warnings(con, years):
    year = min(years, key=lambda y: con.execute("SELECT count(*) FROM mart_warning WHERE year = ?", (y,)).fetchone()[0])
    breaches = con.execute("SELECT count(*) FROM mart_warning WHERE year = ?", (year,)).fetchone()[0]
    groups = con.execute("""SELECT c.county_name, w.message_zh, count(*) FROM mart_policy_warning w
        JOIN dim_county c USING (county_code) WHERE w.year = ? GROUP BY ALL""", (year,)).fetchall()
    policy_total = sum(n for _, _, n in groups)
    assert breaches < deck_mod.TABLE_ROWS and policy_total > 0
    s = _slide(build_deck(con, year), "warnings")
    policy_rows = [r for r in s.table.rows if r[0] == "政策性提示"]
    assert len(policy_rows) == min(len(groups), deck_mod.TABLE_ROWS - breaches)
    expected = {(county, f"{msg}（{n}条）") for county, msg, n in groups}
    assert {(r[1], r[3]) for r in policy_rows} <= expected
    assert f"政策性提示{policy_total}条" in s.subtitle
