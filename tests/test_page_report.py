"""年度通报: the printable report equals the marts (headline figures, ranking, 预警清单, one paragraph per county),
follows the county filter, prints to an A4 PDF through Chromium, and prints cleanly from the browser."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from html.parser import HTMLParser

import pytest

from apptest_utils import open_page
from etl import fmt, png, publish
from etl.indicators import BY_CODE
from pages._common import cards, report_page

PAGE = "pages/17_report.py"
YEAR = 2024
COUNTY = "990105"   # 云渡县


class _Report(HTMLParser):
    """Tables (caption -> rows) and county paragraphs (name -> text) of report_html()."""

    def __init__(self):
        super().__init__()
        self.tables, self.entries, self.headings = {}, {}, []
        self._caption = self._cell = self._row = None
        self._tag, self._text, self._label = None, "", None

    def handle_starttag(self, tag, attrs):
        cls = dict(attrs).get("class", "")
        if tag == "div" and cls == "caption":
            self._tag, self._text = "caption", ""
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = ""
        elif tag == "p" and cls == "entry":
            self._tag, self._text, self._label = "entry", "", None
        elif tag == "b" and self._tag == "entry":
            self._text = ""
        elif tag == "h2":
            self._tag, self._text = "h2", ""

    def handle_endtag(self, tag):
        if tag == "div" and self._tag == "caption":
            self._caption, self._tag = self._text, None
            self.tables[self._caption] = []
        elif tag in ("td", "th") and self._row is not None:
            self._row.append(self._cell)
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[self._caption].append(self._row)
            self._row = None
        elif tag == "b" and self._tag == "entry":
            self._label, self._text = self._text, ""
        elif tag == "p" and self._tag == "entry":
            self.entries[self._label] = self._text.strip()
            self._tag = None
        elif tag == "h2" and self._tag == "h2":
            self.headings.append(self._text)
            self._tag = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data
        elif self._tag:
            self._text += data


def _parse(body: str) -> _Report:
    parser = _Report()
    parser.feed(body)
    return parser


def _page_report(at) -> _Report:
    bodies = [h.proto.body for h in at.get("html") if "npc-report" in h.proto.body]
    assert len(bodies) == 1
    return _parse(bodies[0])


class _Marts:
    """Independent SQL over the demo snapshot, through the app's own read-only connection (DuckDB refuses a
    second in-process connection to the same file with another configuration)."""

    def __init__(self, wh):
        self.snap = report_page.data.Snapshot(str(wh.root), publish.current_version(wh))

    def execute(self, sql: str, params: tuple = ()):
        df = report_page.data.query(self.snap, sql, params)
        return type("Result", (), {"fetchdf": lambda _s: df, "fetchone": lambda _s: tuple(df.iloc[0])})()


@pytest.fixture(scope="module")
def con(demo_wh):
    return _Marts(demo_wh)


def _headline_expected(con, level: str, unit: str | None):
    df = con.execute("SELECT kpi_code, value, denominator, status FROM mart_kpi WHERE year = ? AND level = ? "
                     "AND (? IS NULL OR unit_code = ?)", (YEAR, level, unit, unit)).fetchdf()
    rows = {r["kpi_code"]: r for _, r in df.iterrows()}
    out = []
    for code in cards.HEADLINE:
        if code in rows:
            ind, r = BY_CODE[code], rows[code]
            status = r["status"] if isinstance(r["status"], str) else None
            out.append([ind.name_zh, ind.ref, report_page.shown_value(r, ind), fmt.STATUS_ZH[status]])
    return out


def test_the_city_report_equals_the_marts(demo_wh, con, monkeypatch):
    at = open_page(demo_wh.root, monkeypatch, PAGE, query={"year": YEAR})
    assert not at.exception and not at.error
    rep = _page_report(at)
    assert rep.headings == ["一、总体情况", "二、综合指数排名", "三、预警清单", "四、各县区情况"]
    # headline figures: value and status of every headline KPI equal mart_kpi (city level)
    shown = [[r[0], r[1], r[2], r[4]] for r in rep.tables["主要指标"][1:]]
    assert shown == _headline_expected(con, "市", None)
    # ranking: order, scores and grades equal mart_index_total
    ranking = con.execute("SELECT county_name, total, grade, rank FROM mart_index_total WHERE year = ? ORDER BY rank",
                          (YEAR,)).fetchdf()
    rows = rep.tables["各县区综合指数与等级"][1:]
    assert [r[1] for r in rows] == list(ranking["county_name"])
    assert [float(r[2]) for r in rows] == [round(t, 1) for t in ranking["total"]]
    assert [r[5] for r in rows] == list(ranking["grade"]) and [int(r[0]) for r in rows] == list(ranking["rank"])
    # 预警清单: every floor breach listed, counts stated
    breaches = con.execute("SELECT count(*) FROM mart_warning WHERE year = ?", (YEAR,)).fetchone()[0]
    policy = con.execute("SELECT count(*) FROM mart_policy_warning WHERE year = ?", (YEAR,)).fetchone()[0]
    assert breaches > 0 and len(rep.tables["法定底线预警清单"]) - 1 == breaches
    body = at.get("html")[0].proto.body
    assert f"法定底线预警共{breaches}条" in body and f"政策性提示共{policy}条" in body
    # one paragraph per county, with its own score, rank and grade
    counties = con.execute("SELECT county_name FROM dim_county").fetchdf()["county_name"]
    assert set(rep.entries) == set(counties)
    for _, r in ranking.iterrows():
        text = rep.entries[r["county_name"]]
        assert f"综合指数{r['total']:.1f}分" in text and f"排第{int(r['rank'])}名" in text and r["grade"] in text
    low = ranking[ranking["total"] < 80]["county_name"]
    assert len(low) and all("低于80分通报线" in rep.entries[n] for n in low)
    # the page shows the same object the PDF prints
    snap = report_page.data.Snapshot(str(demo_wh.root), publish.current_version(demo_wh))
    built = report_page.build(snap, YEAR, None)
    assert report_page.report_html(built) in body
    labels = [b.proto.label for b in at.get("download_button")]
    assert "下载表格 Excel" in labels and ("下载 PDF" in labels or "PDF 不可用" in labels)


def test_a_county_report_covers_that_county_only(demo_wh, con, monkeypatch):
    at = open_page(demo_wh.root, monkeypatch, PAGE, query={"year": YEAR, "county": COUNTY})
    assert not at.exception and not at.error
    rep = _page_report(at)
    assert list(rep.entries) == ["云渡县"]
    shown = [[r[0], r[1], r[2], r[4]] for r in rep.tables["主要指标"][1:]]
    assert shown == _headline_expected(con, "县", COUNTY)
    n = con.execute("SELECT count(*) FROM mart_warning WHERE year = ? AND county_code = ?", (YEAR, COUNTY)).fetchone()[0]
    listed = rep.tables.get("法定底线预警清单", [[]])[1:]
    assert len(listed) == n and all(r[1] == "云渡县" for r in listed)
    body = at.get("html")[0].proto.body
    assert "2024年度县乡人大建设情况通报（云渡县）" in body and "范围：云渡县" in body
    # the whole ranking stays, the county marked in it
    ranking = rep.tables["各县区综合指数与等级"][1:]
    assert len(ranking) == 8 and [r[1] for r in ranking if "（本县）" in r[1]] == ["云渡县（本县）"]
    # switching back to 全市 in the page brings every county back
    at.selectbox(key="county").set_value(None).run()
    assert len(_page_report(at).entries) == 8


def test_a_year_without_last_year_and_the_workbook(demo_wh, monkeypatch):
    at = open_page(demo_wh.root, monkeypatch, PAGE, query={"year": 2021})
    assert not at.exception
    rep = _page_report(at)
    assert all(r[5] == "—" for r in rep.tables["主要指标"][1:])          # no change on a first year
    snap = report_page.data.Snapshot(str(demo_wh.root), publish.current_version(demo_wh))
    import io

    import openpyxl
    wb = openpyxl.load_workbook(io.BytesIO(report_page.report_xlsx(report_page.build(snap, 2021, None))))
    assert {"主要指标", "各县区综合指数与等级", "通报正文"} <= set(wb.sheetnames)
    assert not [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.data_type == "f"]


def _need_chromium() -> None:
    if png.browser_path() is None:
        if os.environ.get("CI"):
            pytest.fail("CI must have Debian chromium (installed by .ci/setup)")
        pytest.skip("chromium is not installed")


def test_the_pdf_is_a4_and_has_the_same_content(demo_wh, tmp_path):
    _need_chromium()
    snap = report_page.data.Snapshot(str(demo_wh.root), publish.current_version(demo_wh))
    rep = report_page.build(snap, YEAR, None)
    pdf = report_page.report_pdf(rep)
    assert pdf.startswith(b"%PDF")
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
        assert int(re.search(r"Pages:\s+(\d+)", info).group(1)) >= 2
        assert "A4" in info
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
        compact = re.sub(r"\s+", "", text)
        assert "2024年度县乡人大建设情况通报" in compact and "四、各县区情况" in compact
        assert "云渡县" in compact and "下载" not in compact


def test_without_chromium_the_pdf_button_explains_in_chinese(demo_wh, monkeypatch, tmp_path):
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "none"))
    at = open_page(demo_wh.root, monkeypatch, PAGE, query={"year": YEAR})
    assert not at.exception
    pdf = next(b for b in at.get("download_button") if b.proto.label == "PDF 不可用")
    assert pdf.proto.disabled and pdf.proto.help == png.NO_CHROMIUM_PDF
    assert any("另存为 PDF" in c.value for c in at.caption)
    assert _page_report(at).entries                                   # the report itself is still there


@pytest.mark.browser
def test_the_page_prints_to_a4_without_the_app_around_it(demo_wh, tmp_path):
    """Chromium prints the page (print media): only the report, on A4 pages; a screenshot and the PDF pages are
    saved in tests/artifacts/."""
    from browser_utils import CHROMIUM, require_chromium, streamlit_server
    require_chromium()
    from playwright.sync_api import sync_playwright
    artifacts = os.path.join(os.path.dirname(__file__), "artifacts")
    os.makedirs(artifacts, exist_ok=True)
    root = tmp_path / "data"
    shutil.copytree(demo_wh.root, root)
    with streamlit_server(root, tmp_path) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 900})
            page.goto(f"{url}/report?year={YEAR}")
            page.wait_for_selector(".npc-report h1", timeout=120_000)
            page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')",
                                   timeout=120_000)
            page.screenshot(path=os.path.join(artifacts, "report_page.png"))
            page.emulate_media(media="print")
            out = os.path.join(artifacts, "report_print.pdf")
            page.pdf(path=out, format="A4")
        finally:
            browser.close()
    if shutil.which("pdfinfo") and shutil.which("pdftotext"):
        info = subprocess.run(["pdfinfo", out], capture_output=True, text=True, check=True).stdout
        assert int(re.search(r"Pages:\s+(\d+)", info).group(1)) >= 2       # the page is not cut at one screen
        text = re.sub(r"\s+", "", subprocess.run(["pdftotext", out, "-"], capture_output=True, text=True).stdout)
        assert "四、各县区情况" in text and "云渡县" in text
        assert "下载PDF" not in text and "数据字典" not in text and "年度全市" not in text   # no buttons, sidebar, filters
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-r", "50", "-png", "-f", "1", "-l", "2", out,
                        os.path.join(artifacts, "report_print")], check=True)


def test_many_counties_list_the_leaders_and_the_last_with_a_note(demo_wh, monkeypatch):
    """At province or nation scale the document lists the top and bottom of the ranking, not thousands of rows;
    the workbook keeps every county. Limits are lowered so the 8-county demo city exercises the rule."""
    monkeypatch.setattr(report_page, "TABLE_MAX", 4)
    monkeypatch.setattr(report_page, "PARAGRAPH_MAX", 3)
    monkeypatch.setattr(report_page, "PARAGRAPH_TOP", 1)
    snap = report_page.data.Snapshot(str(demo_wh.root), publish.current_version(demo_wh))
    report_page._build.clear()
    rep = report_page.build(snap, YEAR, None)
    report_page._build.clear()  # other tests must not see the trimmed report
    ranking = report_page.data.index_ranking(snap, YEAR).sort_values("rank")
    index = rep.sections[1]
    listed = [r[1] for r in index.tables[0][1].rows]
    names = list(ranking["county_name"])
    assert listed == names[:2] + names[-2:]
    assert f"共{len(names)}个县区" in index.note
    per_county = rep.sections[3]
    assert [label for label, _ in per_county.entries] == names[:1] + names[-2:]
    assert "前1名" in per_county.note and "最后的2个" in per_county.note
    import io

    import openpyxl
    wb = openpyxl.load_workbook(io.BytesIO(report_page.report_xlsx(rep)))
    full = wb["综合指数（全部）"]
    assert full.max_row - 1 == len(names)
