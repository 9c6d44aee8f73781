"""The editable PPTX deck: slides, native charts whose data equal the marts, East Asian fonts, no pictures, notes,
formula-safe embedded workbooks, the bundled template and `python -m etl deck`."""
from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest
from lxml import etree
from pptx import Presentation
from pptx.enum.chart import XL_CHART_TYPE
from pptx.enum.shapes import MSO_SHAPE_TYPE

from etl import cli, publish
from etl.deck import FAMILY_KPI, ChartSpec, Deck, Series, Slide, Table, build_deck
from etl.indicators import BY_CODE
from etl.pptx_deck import CHART_TYPES, FONT, TABLE_MAX_ROWS, TEMPLATE, render_pptx

YEAR = 2024
A = "http://schemas.openxmlformats.org/drawingml/2006/main"
KIND = {"bar": XL_CHART_TYPE.BAR_CLUSTERED, "column": XL_CHART_TYPE.COLUMN_CLUSTERED,
        "line": XL_CHART_TYPE.LINE_MARKERS}


@pytest.fixture(scope="module")
def city(demo_wh):
    version, con = publish.open_snapshot(demo_wh)
    deck = build_deck(con, YEAR, None, version)
    data = render_pptx(deck)
    yield deck, data, Presentation(io.BytesIO(data)), con
    con.close()


@pytest.fixture(scope="module")
def county(demo_wh):
    version, con = publish.open_snapshot(demo_wh)
    code = con.execute("SELECT county_code FROM mart_index_total WHERE year = ? ORDER BY rank DESC LIMIT 1",
                       [YEAR]).fetchone()[0]
    deck = build_deck(con, YEAR, code, version)
    con.close()
    data = render_pptx(deck)
    return deck, data, Presentation(io.BytesIO(data))


def _chart_frames(slide):
    return [s for s in slide.shapes if s.has_chart]


def _plot_data(chart):
    plot = chart.plots[0]
    return list(plot.categories), {s.name: list(s.values) for s in plot.series}


def test_one_pptx_slide_per_deck_slide_16_9(city, county):
    for deck, _, prs in (city[:3], county):
        assert len(prs.slides) == len(deck.slides) > 5
        assert (prs.slide_width, prs.slide_height) == (12192000, 6858000)
        for spec, slide in zip(deck.slides, prs.slides):
            texts = " ".join(s.text_frame.text for s in slide.shapes if s.has_text_frame)
            assert spec.title in texts
            for point in spec.points:
                assert point in texts, (spec.key, point)
            assert f"数据版本 v{deck.version}" in texts and f"{deck.year}年" in texts
            assert deck.scope_name in texts


def test_chart_types_and_data_match_the_deck(city, county):
    for deck, _, prs in (city[:3], county):
        for spec, slide in zip(deck.slides, prs.slides):
            frames = _chart_frames(slide)
            if spec.chart is None:
                assert frames == [], spec.key
                continue
            assert len(frames) == 1, spec.key
            chart = frames[0].chart
            assert chart.chart_type == KIND[spec.chart.kind] == CHART_TYPES[spec.chart.kind]
            categories, series = _plot_data(chart)
            assert categories == list(spec.chart.categories)
            for s in spec.chart.series:
                assert series[s.name] == pytest.approx([v for v in s.values]), (spec.key, s.name)
            if spec.chart.target is not None:
                assert series[spec.chart.target_label] == pytest.approx([spec.chart.target] * len(categories))
            number_format = chart.plots[0].series[0].data_labels.number_format
            assert number_format == ("0.0%" if spec.chart.unit == "%" else number_format)


def test_family_and_ranking_charts_equal_the_marts(city):
    """Independently of the deck code: each family slide charts its KPI by county, the ranking the index."""
    deck, _, prs, con = city
    slides = {spec.key: slide for spec, slide in zip(deck.slides, prs.slides)}
    for family, code in FAMILY_KPI.items():
        rows = con.execute("SELECT unit_name, value FROM mart_kpi WHERE kpi_code = ? AND level = '县' AND year = ?",
                           [code, YEAR]).fetchall()
        chart = _chart_frames(slides[f"family-{family}"])[0].chart
        categories, series = _plot_data(chart)
        values = series[BY_CODE[code].name_zh]
        assert sorted(categories) == sorted(name for name, _ in rows)
        got = dict(zip(categories, values))
        for name, value in rows:
            assert got[name] == pytest.approx(value), (code, name)
        assert chart.chart_type == XL_CHART_TYPE.BAR_CLUSTERED
    ranking = con.execute("SELECT county_name, total FROM mart_index_total WHERE year = ? ORDER BY rank",
                          [YEAR]).fetchall()
    categories, series = _plot_data(_chart_frames(slides["ranking"])[0].chart)
    assert categories == [name for name, _ in ranking]
    assert series["综合指数"] == pytest.approx([total for _, total in ranking])


def _parts(data: bytes):
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for name in z.namelist():
            if name.endswith(".xml") and name.startswith(("ppt/slides/slide", "ppt/notesSlides/", "ppt/charts/")):
                yield name, etree.fromstring(z.read(name))


def test_every_run_and_text_property_has_an_east_asian_font(city, county):
    for _, data, _ in (city[:3], county):
        parts = list(_parts(data))
        assert any(n.startswith("ppt/charts/") for n, _ in parts) and any(n.startswith("ppt/notesSlides/") for n, _ in parts)
        checked = 0
        for name, root in parts:
            for run in root.iter(f"{{{A}}}r"):
                assert run.find(f"{{{A}}}rPr") is not None, name
            for tag in ("rPr", "defRPr", "endParaRPr"):
                for props in root.iter(f"{{{A}}}{tag}"):
                    ea = props.find(f"{{{A}}}ea")
                    assert ea is not None and ea.get("typeface") == FONT, (name, tag)
                    checked += 1
        assert checked > 100


def test_no_pictures_anywhere(city, county):
    for _, data, prs in (city[:3], county):
        for slide in prs.slides:
            assert all(s.shape_type != MSO_SHAPE_TYPE.PICTURE for s in slide.shapes)
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = z.namelist()
            assert not [n for n in names if n.startswith("ppt/media/")]
            for n in names:
                if n.startswith("ppt/slides/slide") and n.endswith(".xml"):
                    assert b"<p:pic" not in z.read(n)


def test_notes_carry_the_kou_jing(city):
    deck, _, prs, _ = city
    for spec, slide in zip(deck.slides, prs.slides):
        notes = slide.notes_slide.notes_text_frame.text
        assert spec.notes.replace("\n", "") in notes.replace("\n", "")
        assert f"数据版本 v{deck.version}" in notes
        if spec.key.startswith("family-"):
            assert BY_CODE[FAMILY_KPI[spec.key[-1]]].formula_text in notes


def test_table_is_native_and_capped(demo_wh):
    rows = tuple((str(i), f"县区{i}", "说明" * (i % 5 + 1)) for i in range(30))
    deck = Deck(YEAR, None, "清川市", "清川市", 7, (
        Slide("title", "标题"), Slide("warnings", "很多行的表", table=Table(("序号", "县区", "说明"), rows),
                                       points=("共30条",), notes="口径：测试")))
    prs = Presentation(io.BytesIO(render_pptx(deck)))
    slide = prs.slides[1]
    tables = [s for s in slide.shapes if s.has_table]
    assert len(tables) == 1
    table = tables[0].table
    shown = len(table.rows) - 1
    assert 1 <= shown <= TABLE_MAX_ROWS
    assert [c.text for c in table.rows[0].cells] == ["序号", "县区", "说明"]
    assert [c.text for c in table.rows[1].cells] == list(rows[0])
    texts = " ".join(s.text_frame.text for s in slide.shapes if s.has_text_frame)
    assert f"另有{30 - shown}条" in texts
    bottom = max(s.top + s.height for s in slide.shapes)
    assert bottom <= prs.slide_height


def test_chart_kinds_targets_and_formula_like_names_stay_text():
    names = ("=HYPERLINK(\"http://x\",\"点我\")", "+1+1", "-2+3", "@SUM(A1)", "{=1+1}")
    line = ChartSpec("line", ("2021年", "2022年", "2023年"), (Series("全市", (0.5, None, 0.8)),), "%",
                     target=0.9, target_label="目标 90%", axis_title="比例（%）")
    column = ChartSpec("column", names, (Series("=cmd|' /C calc'!A0", (1, 2, 3, 4, 5)),), "件",
                       axis_title="件数（件）", colors=("#009E73", "", "#D55E00", "#E69F00", "#8C8C8C"))
    deck = Deck(YEAR, None, "清川市", "清川市", 3, (Slide("title", "标题"),
                                                  Slide("trend", "走势", chart=line, points=("要点一",)),
                                                  Slide("names", "名称", chart=column)))
    data = render_pptx(deck)
    prs = Presentation(io.BytesIO(data))
    trend, named = (_chart_frames(s)[0].chart for s in list(prs.slides)[1:])
    assert trend.chart_type == XL_CHART_TYPE.LINE_MARKERS
    categories, series = _plot_data(trend)
    assert series["全市"] == [0.5, None, 0.8] and series["目标 90%"] == pytest.approx([0.9] * 3)
    assert trend.value_axis.axis_title.text_frame.text == "比例（%）"
    categories, series = _plot_data(named)
    assert categories == list(names) and list(series) == ["=cmd|' /C calc'!A0"]
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        books = [n for n in z.namelist() if n.startswith("ppt/embeddings/")]
        assert len(books) == 2
        for n in books:
            wb = openpyxl.load_workbook(io.BytesIO(z.read(n)))
            cells = [c for ws in wb for row in ws.iter_rows() for c in row if c.value is not None]
            assert cells and all(c.data_type != "f" for c in cells)
        texts = {c.value for c in cells}
        assert set(names) <= texts


def test_template_is_16_9_and_reproducible():
    from etl.assets.make_template import CONTENT_LAYOUT, TITLE_LAYOUT, build
    def members(data: bytes) -> dict[str, bytes]:          # compare contents: deflate output varies with zlib
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return {n: z.read(n) for n in z.namelist()}
    assert members(build()) == members(TEMPLATE.read_bytes()), "模板与生成脚本不一致：运行 python -m etl.assets.make_template"
    prs = Presentation(str(TEMPLATE))
    assert (prs.slide_width, prs.slide_height) == (12192000, 6858000)
    assert [layout.name for layout in prs.slide_layouts] == [TITLE_LAYOUT, CONTENT_LAYOUT]
    with zipfile.ZipFile(TEMPLATE) as z:
        assert not [n for n in z.namelist() if n.startswith("ppt/media/")]
        theme = z.read("ppt/theme/theme1.xml").decode()
        assert f'<a:ea typeface="{FONT}"/>' in theme


def test_cli_deck_writes_the_city_and_county_deck(demo_wh, tmp_path, capsys):
    out = tmp_path / "汇报.pptx"
    assert cli.main(["--data-dir", str(demo_wh.root), "deck", "--year", str(YEAR), "--out", str(out)]) == 0
    prs = Presentation(str(out))
    version = publish.current_version(demo_wh)
    assert len(prs.slides) > 5 and f"v{version}" in capsys.readouterr().out
    out2 = tmp_path / "县.pptx"
    assert cli.main(["--data-dir", str(demo_wh.root), "deck", "--year", str(YEAR), "--county", "990105",
                     "--out", str(out2)]) == 0
    assert "云渡县" in capsys.readouterr().out and len(Presentation(str(out2)).slides) > 5


@pytest.mark.parametrize("args, code, words", [
    (["--year", "1999"], 2, ["没有1999年的数据", "2021"]),
    (["--year", str(YEAR), "--county", "000000"], 2, ["没有县区代码“000000”", "990105（云渡县）"]),
])
def test_cli_deck_usage_errors_name_the_valid_choices(demo_wh, tmp_path, capsys, args, code, words):
    out = tmp_path / "x.pptx"
    assert cli.main(["--data-dir", str(demo_wh.root), "deck", *args, "--out", str(out)]) == code
    err = capsys.readouterr().err
    assert all(w in err for w in words), err
    assert not out.exists()


def test_cli_deck_without_a_warehouse_or_with_a_bad_name(tmp_path, capsys):
    out = tmp_path / "x.pptx"
    assert cli.main(["--data-dir", str(tmp_path / "空"), "deck", "--year", "2024", "--out", str(out)]) == 1
    assert "还没有数据仓库" in capsys.readouterr().err and not out.exists()
    assert cli.main(["--data-dir", str(tmp_path), "deck", "--year", "2024", "--out", str(tmp_path / "x.ppt")]) == 2
    assert "须以 .pptx 结尾" in capsys.readouterr().err


def test_empty_chart_and_table_say_so_instead_of_failing():
    empty = ChartSpec("bar", (), (Series("值", ()),), "%")
    long_title = "关于" + "县乡人大工作和建设情况" * 6
    deck = Deck(YEAR, "990105", "云渡县", "清川市", 4, (
        Slide("family-A", long_title, chart=empty, points=("没有数据",)),
        Slide("warnings", "预警清单", table=Table(("指标", "县区", "乡镇", "情况"), ()))))
    prs = Presentation(io.BytesIO(render_pptx(deck)))
    first, second = prs.slides
    assert not _chart_frames(first)
    texts = [s.text_frame.text for s in first.shapes if s.has_text_frame]
    cells = [c.text for s in first.shapes if s.has_table for row in s.table.rows for c in row.cells]
    assert "本页没有可绘图的数据。" in cells and long_title in texts and "清川市·云渡县　2024年度　数据版本 v4" in texts
    cells = [c.text for s in second.shapes if s.has_table for row in s.table.rows for c in row.cells]
    assert cells[:4] == ["指标", "县区", "乡镇", "情况"] and "本年度无相关记录。" in cells


def test_titles_too_long_for_the_band_are_cut_with_an_ellipsis():
    title = "关于" + "县乡人大工作和建设情况" * 12
    deck = Deck(YEAR, None, "清川市", "清川市", 1, (Slide("title", title), Slide("family-A", title, points=("要点",))))
    for slide in Presentation(io.BytesIO(render_pptx(deck))).slides:
        text = slide.shapes.title.text_frame.text
        assert text.endswith("…") and title.startswith(text[:-1]) and len(text) < len(title)

