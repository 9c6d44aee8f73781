"""The top unit's word (etl.area.area_word): 全市 for a city, 全省 for a province, 全国 for the nation.

Unit tests of the function, then the province wording end to end: the demo city's warehouse is copied and its
one dim_city row is renamed to 清江省 by an ordinary upload (validate + publish, so the marts are rebuilt), and
the pages, the meeting deck (slides and PPTX), the 年度通报 and its Excel workbook must say 全省 and never 全市.
A control render of the unchanged demo city proves the text extraction sees the word where it is."""
from __future__ import annotations

import io
import json
import shutil
import zipfile

import openpyxl
import pytest
from google.protobuf import text_format

from etl import publish
from etl.annual import annual_workbook
from etl.area import area_word
from etl.deck import SLIDE_KEYS, build_deck
from etl.pptx_deck import render_pptx
from tests.apptest_utils import charts, open_page

YEAR, COUNTY = 2024, "990105"   # 云渡县
PROVINCE = "清江省"


# --- the function ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, word", [
    ("清川市", "全市"), ("北京市", "全市"), ("清江省", "全省"), ("广东省", "全省"),
    ("全国", "全国"), ("中国", "全国"), ("中华人民共和国", "全国"),
    ("内蒙古自治区", "全区"), ("广西壮族自治区", "全区"), ("香港特别行政区", "全区"),
    ("延边朝鲜族自治州", "全州"), ("恩施土家族苗族自治州", "全州"), ("泉州", "全州"),
    ("阿拉善盟", "全盟"), ("大兴安岭地区", "全地区"), ("浦东新区", "全区"), ("攸县", "全县"),
    (" 清江省 ", "全省"),
])
def test_area_word_follows_the_kind_of_unit(name, word):
    assert area_word(name) == word


@pytest.mark.parametrize("name", ["", None, "   ", "（未设置）", "清川", "Qingjiang", "省", "市"])
def test_area_word_defaults_to_the_city_wording(name):
    assert area_word(name) == "全市"


def test_area_word_prefers_the_longest_suffix():
    assert area_word("某某地区") == "全地区"      # not 全区
    assert area_word("某某自治区") == "全区"
    assert area_word("某某自治州") == "全州"


# --- the province end to end ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def province(demo_wh, tmp_path_factory) -> publish.Paths:
    """A copy of the demo warehouse whose top unit is renamed 清江省 by an upload of the 市 table."""
    root = tmp_path_factory.mktemp("area_word") / "data"
    shutil.copytree(demo_wh.root, root)
    p = publish.data_paths(root)
    batch = publish.validate(p, [("dim_city.csv", f"市代码,市名称\n990100,{PROVINCE}\n".encode("utf-8-sig"))])
    assert batch.ok, [str(x) for x in batch.problems]
    publish.publish(p, batch, "测试", "顶层单位改为省")
    return p


@pytest.fixture(scope="module")
def con(province):
    _, c = publish.open_snapshot(province)
    yield c
    c.close()


def test_the_renamed_warehouse_is_a_province(con):
    assert con.execute("SELECT city_name FROM dim_city").fetchall() == [(PROVINCE,)]
    assert con.execute("SELECT DISTINCT unit_name FROM mart_kpi WHERE level = '市'").fetchall() == [(PROVINCE,)]


def _node_text(node) -> list[str]:
    """The text a viewer can see in one element: every string of its proto (labels, captions, placeholders,
    options, markdown), a plotly figure's JSON decoded (titles, legend names, hover templates, annotations),
    a dataframe's header and cells."""
    proto = getattr(node, "proto", None)
    if proto is None:
        return []
    if node.type == "plotly_chart":
        return [json.dumps(json.loads(proto.spec), ensure_ascii=False)]
    out = []
    if node.type in ("arrow_data_frame", "dataframe", "table"):
        df = node.value
        df = getattr(df, "data", df)  # a Styler shows its DataFrame
        out += [" ".join(map(str, df.columns)), df.astype(str).to_csv()]
    out.append(text_format.MessageToString(proto, as_utf8=True))
    return out


def visible_text(at) -> str:
    return "\n".join(t for node in at._tree for t in _node_text(node))


def _render(root, monkeypatch, page, **query):
    at = open_page(root, monkeypatch, page, query=query, role="admin", timeout=120)
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def _follow(at, **query):
    """Apply a link's address on the page itself (AppTest's switch_page does not carry the URL over)."""
    for key, value in query.items():
        at.query_params[key] = str(value)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def _town(con) -> str:
    return con.execute("SELECT min(township_code) FROM dim_township WHERE county_code = ? AND unit_type = '乡镇'",
                       (COUNTY,)).fetchone()[0]


# (page, county chosen?, what the render must say with the province's word: fragments of titles, legends, labels)
PAGES = [
    ("dashboard", False, ["全省（全部县区）"]),
    ("pages/2_organization.py", False, ["全省 “1人委/2人委”占比趋势", "全省："]),
    ("pages/2_organization.py", True, ["云渡县与全省 “六有”达标趋势", "云渡县与全省 “六有”分项达标率", "（全省"]),
    ("pages/3_operation.py", True, ["云渡县与全省", "（全省"]),
    ("pages/4_deputies.py", True, ["云渡县与全省一代表一档案建档率变化趋势", "虚线为全省", "\"name\": \"全省 "]),
    ("pages/5_suggestions.py", False, ["全省（全部县区）"]),
    ("pages/5_suggestions.py", True, ["云渡县与全省满意率变化趋势", "虚线为全省"]),
    ("pages/6_party.py", True, ["（与全省平均比较）", "全省数值为各县区平均次数"]),
    ("pages/7_livelihood.py", True, ["全省（全部县区）"]),
    ("pages/8_county.py", True, ["全省排名（共8个县区）", "全省平均", "各项指标与全省、目标对比", "全省第",
                                 "六个维度得分率与全省平均", "全省排名（第1名在上）"]),
    ("pages/13_tracker.py", True, ["云渡县与全省", f"{PROVINCE}（全省）"]),
    ("pages/17_report.py", False, ["范围：全省"]),
    ("pages/17_report.py", True, ["全省第"]),
]


@pytest.mark.parametrize("page, by_county, expected", PAGES,
                         ids=[f"{p.split('/')[-1]}{'-county' if c else ''}" for p, c, _ in PAGES])
def test_pages_say_the_province_word(province, monkeypatch, page, by_county, expected):
    query = {"year": YEAR, **({"county": COUNTY} if by_county else {})}
    at = _render(province.root, monkeypatch, None if page == "dashboard" else page, **query)
    if page in ("pages/8_county.py", "pages/17_report.py", "pages/13_tracker.py"):
        _follow(at, **query)
    text = visible_text(at)
    if by_county:
        assert "云渡县" in text
    assert "全省" in text
    for fragment in expected:
        assert fragment in text, (fragment, page)
    assert "全市" not in text, [line for line in text.splitlines() if "全市" in line][:5]


def test_township_profile_compares_with_the_province(province, con, monkeypatch):
    at = _render(province.root, monkeypatch, "pages/9_township.py")
    _follow(at, year=YEAR, county=COUNTY, township=_town(con))
    text = visible_text(at)
    assert "云渡县、全省比较" in text and "与全省（" in text
    assert "全市" not in text, [line for line in text.splitlines() if "全市" in line][:5]


def test_upload_page_tells_county_staff_what_the_province_shares(province, monkeypatch):
    at = open_page(province.root, monkeypatch, "pages/12_upload.py", role="county_staff", county=COUNTY)
    assert not at.exception, [e.value for e in at.exception]
    text = visible_text(at)
    assert "全省共用的数据" in text
    assert "全市" not in text, [line for line in text.splitlines() if "全市" in line][:5]


def test_province_figures_name_the_province_in_legends(province, monkeypatch):
    """Legend entries (trace names) are where a series like 全市平均 lives: read them from the figures."""
    at = _render(province.root, monkeypatch, "pages/8_county.py")
    _follow(at, year=YEAR, county=COUNTY)
    names = {t["name"] for fig in charts(at) for t in fig["traces"] if t["name"]}
    assert "全省平均" in names and not any("全市" in n for n in names), names


@pytest.mark.parametrize("slide", [1, SLIDE_KEYS.index("ranking") + 1])
@pytest.mark.parametrize("county", [None, COUNTY])
def test_present_slides_say_the_province_word(province, monkeypatch, slide, county):
    at = _render(province.root, monkeypatch, "pages/16_present.py")
    _follow(at, year=YEAR, slide=slide, **({"county": county} if county else {}))
    text = visible_text(at)
    assert "全省" in text
    assert "全市" not in text, [line for line in text.splitlines() if "全市" in line][:5]


def _deck_text(deck) -> str:
    parts = []
    for s in deck.slides:
        parts += [s.title, s.subtitle, *s.points, s.notes]
        if s.chart is not None:
            parts += [*s.chart.categories, *(x.name for x in s.chart.series), s.chart.target_label,
                      s.chart.axis_title]
        if s.table is not None:
            parts += [*s.table.header, *(c for row in s.table.rows for c in row)]
    return "\n".join(parts)


@pytest.mark.parametrize("county", [None, COUNTY])
def test_deck_and_pptx_say_the_province_word(con, county):
    deck = build_deck(con, YEAR, county)
    text = _deck_text(deck)
    slides = {s.key: s for s in deck.slides}
    if county:
        assert [x.name for x in slides["ranking"].chart.series] == ["云渡县", "全省平均"]
        assert slides["ranking"].subtitle.endswith("各维度得分与全省平均")
    else:
        assert slides["title"].points[1].startswith("全省8个县区综合指数平均")
        assert any(p.startswith("全省平均") for p in slides["ranking"].points)
    assert "全市" not in text
    with zipfile.ZipFile(io.BytesIO(render_pptx(deck))) as z:
        xml = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml"))
    assert "全省" in xml and "全市" not in xml


def test_annual_workbook_says_the_province_word(con):
    book = openpyxl.load_workbook(io.BytesIO(annual_workbook(con, YEAR)))
    cells = [str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    assert any(c.startswith(f"全省{YEAR}年各项指标") for c in cells)
    assert not any("全市" in c for c in cells)


# --- the control: the demo city keeps its wording, and the extraction above does see it ------------------

def test_demo_city_still_says_the_city_word(demo_wh, monkeypatch):
    at = _render(demo_wh.root, monkeypatch, "pages/8_county.py")
    _follow(at, year=YEAR, county=COUNTY)
    text = visible_text(at)
    for fragment in ("全市排名（共8个县区）", "各项指标与全市、目标对比", "全市排名（第1名在上）", "全市（全部县区）"):
        assert fragment in text
    assert "全省" not in text
    _, c = publish.open_snapshot(demo_wh)
    try:
        assert "全市平均" in _deck_text(build_deck(c, YEAR, COUNTY))
    finally:
        c.close()
