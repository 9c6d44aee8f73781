"""Downloads under charts and tables: the data behind a chart, formula-safe xlsx, CSV with BOM, and the buttons
on a real page (made on click, so a page render does not build any file)."""
from __future__ import annotations

import io
import json

import openpyxl
import pandas as pd
import plotly.graph_objects as go

from apptest_utils import open_page
from etl import png, publish
from pages._common import charts, data, downloads

PARTY = "pages/6_party.py"
EVIL = ("=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "{=1}", "\t=1")


def _units() -> pd.DataFrame:
    names = ["澜城区", *EVIL]
    n = len(names)
    return pd.DataFrame({"unit_code": [f"99010{i}" for i in range(n)], "unit_name": names,
                         "value": [1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4], "numerator": range(10, 10 + n),
                         "denominator": [20] * n, "target": [0.9] * n,
                         "status": ["green", "green", "amber", "amber", "red", "red", "red"]})


def _workbook(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def _formula_cells(wb) -> list[str]:
    return [f"{ws.title}!{c.coordinate}" for ws in wb.worksheets for row in ws.iter_rows() for c in row
            if c.data_type == "f" or (isinstance(c.value, str) and c.value.startswith("="))]


def test_the_data_behind_a_bar_chart_has_chinese_headers_and_the_hover_numbers():
    fig = charts.unit_bar_chart(_units(), "2025年 各县区六有达标率", "%")
    df, formats = downloads.figure_data(fig)
    assert {"系列", "比例", "分子", "分母", "代码"} <= set(df.columns)
    assert len(df) == len(_units())
    assert formats == {"比例": "0.0%"}
    category = next(c for c in df.columns if c not in ("系列", "比例", "分子", "分母", "代码"))
    row = df[df[category] == "澜城区"].iloc[0]
    assert row["比例"] == 1.0 and row["分子"] == 10 and row["分母"] == 20 and row["系列"] == "达标"
    assert not any(c.isascii() and c.isalpha() for c in "".join(df.columns))   # no English headers


def test_a_heatmap_exports_every_cell_once_without_its_click_layer():
    matrix = pd.DataFrame({"有机构": [1, 0], "有场地": [1, None]}, index=["甲镇", "乙乡"])
    fig = charts.heatmap_chart(matrix, "六有达标矩阵", ["990101001", "990101002"])
    df, _ = downloads.figure_data(fig)
    assert len(df) == 4
    cell = df[(df.iloc[:, 0] == "乙乡") & (df.iloc[:, 1] == "有机构")].iloc[0]
    assert cell["数值"] == 0 and cell["标注"] == "✗"


def test_chart_workbook_has_no_formula_cells_and_neutralised_text():
    fig = charts.unit_bar_chart(_units(), "=年度 各县区六有达标率", "%")
    data = downloads.chart_xlsx(fig, version=7)
    wb = _workbook(data)
    assert _formula_cells(wb) == []
    texts = [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    for evil in EVIL:
        assert "'" + evil in texts, evil
    about = {r[0].value: r[1].value for r in wb["说明"].iter_rows(min_row=2)}
    assert about["标题"] == "'=年度 各县区六有达标率" and about["数据版本"] == "v7"
    ws = wb["数据"]
    header = [c.value for c in ws[1]]
    col = header.index("比例") + 1
    assert ws.cell(2, col).number_format == "0.0%" and isinstance(ws.cell(2, col).value, (int, float))


def test_csv_starts_with_a_bom_and_neutralises_like_the_workbook():
    fig = charts.unit_bar_chart(_units(), "各县区", "%")
    raw = downloads.chart_csv(fig)
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    for evil in EVIL:
        assert "'" + evil.replace('"', '""') in text, evil
    table = downloads.table_xlsx(pd.DataFrame({"县区": list(EVIL), "数值": [-1.5] * len(EVIL)}), "表")
    wb = _workbook(table)
    assert _formula_cells(wb) == []
    assert [c.value for c in wb["数据"]["B"][1:]] == [-1.5] * len(EVIL)      # numbers stay numbers


def test_file_names_are_safe_and_chinese():
    assert downloads.file_stem("2025年 各县区<br>六有达标率") == "2025年_各县区_六有达标率"
    assert downloads.file_stem('a/b:c*?"<>|') == "a_b_c"
    assert downloads.file_stem("") == "图表数据"


def test_every_chart_and_table_on_a_page_has_its_download_buttons(demo_wh, monkeypatch):
    made = []   # every file is made on click (deferred): nothing is generated while the page renders
    for module, name in ((downloads, "figure_data"), (downloads, "table_xlsx"), (downloads, "csv_bytes"),
                         (png, "chart_png")):
        real = getattr(module, name)
        monkeypatch.setattr(module, name, lambda *a, _real=real, _name=name, **k: made.append(_name) or _real(*a, **k))
    at = open_page(demo_wh.root, monkeypatch, PARTY, query={"year": 2024})
    assert made == []
    assert not at.exception
    buttons = at.get("download_button")
    labels = [b.proto.label for b in buttons]
    n_charts, n_tables = len(at.get("plotly_chart")), len(at.dataframe)
    assert n_charts >= 4 and n_tables >= 1
    available = png.png_available()[0]
    assert labels.count("下载图片 PNG" if available else "图片导出不可用") == n_charts
    assert labels.count("下载数据 Excel") == n_charts
    assert labels.count("下载 Excel") >= 2                       # party_meeting_table and party_funds_table
    assert labels.count("CSV") == n_charts + labels.count("下载 Excel")
    # the data behind a chart shown on the page equals the mart
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    df, _ = downloads.figure_data(go.Figure(spec))
    title = spec["layout"]["title"]["text"]
    assert "听取人大工作汇报次数" in title
    value_col = [c for c in df.columns if c not in ("系列", "代码", "分子", "分母", "标注")][-1]
    snap = data.Snapshot(str(demo_wh.root), publish.current_version(demo_wh))   # the app's read-only connection
    mart = data.query(snap, "SELECT unit_name, value FROM mart_kpi WHERE kpi_code = 'party_report_count' "
                            "AND year = 2024 AND level = '县'").set_index("unit_name")["value"]
    got = df.set_index(df.columns[1])[value_col]
    assert {k: float(v) for k, v in got.items()} == {k: float(v) for k, v in mart.items()}


def test_without_chromium_the_picture_button_is_disabled_with_the_chinese_reason(demo_wh, monkeypatch, tmp_path):
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "none"))
    at = open_page(demo_wh.root, monkeypatch, PARTY, query={"year": 2024})
    assert not at.exception
    pictures = [b for b in at.get("download_button") if b.proto.label == "图片导出不可用"]
    assert pictures and all(b.proto.disabled and b.proto.help == png.NO_CHROMIUM for b in pictures)
    assert any(b.proto.label == "下载数据 Excel" and not b.proto.disabled for b in at.get("download_button"))
