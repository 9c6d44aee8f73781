"""AppTest of 汇报模式 (pages/16_present.py): stepping forward and back keeps ?slide= in the URL and stops at the
ends, a changed scope rebuilds the deck, and what is shown equals etl.deck.build_deck — in Chinese."""
from __future__ import annotations

import re

import pytest

from etl import publish
from etl.deck import build_deck
from tests.apptest_utils import charts, open_page

PAGE = "pages/16_present.py"
YEAR, COUNTY = 2024, "990105"


@pytest.fixture(scope="module")
def con(demo_wh):
    _, c = publish.open_snapshot(demo_wh)
    yield c
    c.close()


def _open(demo_wh, monkeypatch, **query):
    """Open the page, then apply the link's address (AppTest's switch_page does not carry the URL over)."""
    at = open_page(demo_wh.root, monkeypatch, PAGE)
    for key, value in query.items():
        at.query_params[key] = str(value)
    return at.run()


def _ok(at) -> None:
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]


def _title(at) -> str:
    return at.title[0].value


def _points(at) -> list[str]:
    found = [m.value for m in at.markdown if m.value.startswith("- ")]
    assert found, [m.value for m in at.markdown]
    return [line[2:] for line in found[0].splitlines()]


def _shown_number(at) -> str:
    return next(m.value for m in at.markdown if re.fullmatch(r"\*\*\d+ / \d+\*\*", m.value)).strip("*")


def test_the_slide_in_the_link_is_shown_with_its_points_and_chart(demo_wh, monkeypatch, con):
    deck = build_deck(con, YEAR)
    at = _open(demo_wh, monkeypatch, year=YEAR, slide=3)
    _ok(at)
    slide = deck.slides[2]
    assert _title(at) == slide.title and _points(at) == list(slide.points)
    assert _shown_number(at) == f"3 / {len(deck.slides)}"
    (fig,) = charts(at)
    bars = fig["traces"][0]
    assert tuple(bars["y"]) == slide.chart.categories
    assert bars["x"] == pytest.approx(list(slide.chart.series[0].values))
    assert bars["type"] == "bar"


def test_stepping_forward_and_back_updates_the_url_and_stops_at_the_ends(demo_wh, monkeypatch, con):
    deck = build_deck(con, YEAR)
    n = len(deck.slides)
    at = _open(demo_wh, monkeypatch, year=YEAR, slide=1)
    _ok(at)
    assert _title(at) == deck.slides[0].title and at.button(key="slide_prev").disabled
    at.button(key="slide_next").click().run()
    assert at.query_params["slide"] == "2" and _title(at) == deck.slides[1].title
    at.button(key="slide_next").click().run()
    at.button(key="slide_prev").click().run()
    assert at.query_params["slide"] == "2" and _shown_number(at) == f"2 / {n}"
    at.query_params["slide"] = "99"  # a hand-edited link past the end
    at.run()
    _ok(at)
    assert _shown_number(at) == f"{n} / {n}" and at.query_params["slide"] == str(n)
    assert at.button(key="slide_next").disabled and _title(at) == deck.slides[-1].title
    at.query_params["slide"] = "0"
    at.run()
    assert _shown_number(at) == f"1 / {n}"


def test_changing_the_scope_rebuilds_the_deck(demo_wh, monkeypatch, con):
    at = _open(demo_wh, monkeypatch, year=YEAR, slide=3)
    city = build_deck(con, YEAR).slides[2]
    assert _points(at) == list(city.points)
    at.selectbox(key="county").set_value(COUNTY).run()
    _ok(at)
    county = build_deck(con, YEAR, COUNTY).slides[2]
    assert at.query_params["county"] == COUNTY and at.query_params["slide"] == "3"
    assert _points(at) == list(county.points) and "云渡县" in _points(at)[0]
    assert "云渡县（本县）" in charts(at)[0]["traces"][0]["y"]


def test_table_slides_and_the_text_are_chinese(demo_wh, monkeypatch, con):
    deck = build_deck(con, 2022)
    at = _open(demo_wh, monkeypatch, year=2022, slide=10)
    _ok(at)
    assert _title(at) == deck.slides[9].title
    assert len(at.table) == 1 and not charts(at)
    texts = [_title(at), *(m.value for m in at.markdown), *(c.value for c in at.caption),
             *(b.label for b in at.button), *(e.label for e in at.expander)]
    english = {w for t in texts for w in re.findall(r"[A-Za-z]{3,}", re.sub(r"<[^>]+>|class='[^']*'", "", t))}
    assert english <= {"PPT"}, english


def test_the_sidebar_is_hidden_and_the_pptx_download_offered(demo_wh, monkeypatch):
    at = _open(demo_wh, monkeypatch, year=YEAR, slide=2)
    _ok(at)
    css = "".join(h.proto.body for h in at.get("html"))
    assert 'data-testid="stSidebar"' in css and "font-size: 2.6rem" in css
    assert any(b.proto.label == "下载 PPT" for b in at.get("download_button"))


def test_the_colour_legend_is_words_not_markup():
    from etl.deck import ChartSpec
    from etl.fmt import STATUS_COLOR
    from pages._common.present import legend
    spec = ChartSpec("bar", (), (), "%", color_legend=tuple((c, n) for c, n in
                     zip(STATUS_COLOR.values(), ("达标", "接近目标", "未达标", "无目标"))))
    text = legend(spec)
    assert "<" not in text and "style" not in text
    assert text == "颜色：绿色＝达标 · 橙色＝接近目标 · 朱红＝未达标 · 灰色＝无目标"


def test_long_column_labels_wrap_instead_of_running_into_each_other():
    from pages._common.present import wrap
    assert wrap("党委领导与保障（10分）") == "党委领导<br>与保障<br>（10分）"
    assert wrap("组织建设（25分）") == "组织建设<br>（25分）"
    assert wrap("澜城区") == "澜城区"
