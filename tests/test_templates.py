"""Upload templates, safe exports and the data dictionary (etl.templates, etl.xlsx_safe, etl.dictionary)."""
from __future__ import annotations

import io
import re
import zipfile

import openpyxl
import pandas as pd
import pytest
from python_calamine import CalamineWorkbook

from etl import dictionary, templates
from etl.schema import BOOL, BY_NAME, DATE, TABLES, TEXT, UPLOADABLE, enum_values
from etl.xlsx_safe import csv_bytes, neutralise, safe_sheet_name, write_xlsx

HOSTILE = ["=1+1", "+1", "-1+1", "@SUM(A1)", "{=1+1}", "\t=1", " =1", '=HYPERLINK("http://x","点击")',
           '""=1', "\r=1", "\n=1"]
FORMULA_TAG = re.compile(rb"<f[ >]")
IDS = [t.name for t in UPLOADABLE]


@pytest.fixture(scope="module")
def xlsx_by_table() -> dict[str, bytes]:
    return {t.name: templates.template_xlsx(t) for t in UPLOADABLE}


@pytest.fixture(scope="module")
def books(xlsx_by_table) -> dict[str, openpyxl.Workbook]:
    """Parsed once per module; tests only read them."""
    return {name: _book(data) for name, data in xlsx_by_table.items()}


def _book(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def _formula_count(data: bytes) -> int:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return sum(len(FORMULA_TAG.findall(z.read(n))) for n in z.namelist() if n.endswith(".xml"))


def _list_values(wb: openpyxl.Workbook, dv) -> list[str]:
    """The values of a list validation: inline "a,b" or a range on another sheet."""
    f = dv.formula1
    if f.startswith('"'):
        return f.strip('"').split(",")
    m = re.fullmatch(r"'?(.+?)'?!\$([A-Z]+)\$(\d+):\$([A-Z]+)\$(\d+)", f.lstrip("="))
    assert m, f
    ws = wb[m.group(1)]
    return [c.value for c in ws[f"{m.group(2)}{m.group(3)}:{m.group(4)}{m.group(5)}"] for c in c]


def _validation_for(ws, col_letter: str):
    for dv in ws.data_validations.dataValidation:
        if any(str(r).startswith(col_letter + "2:") for r in dv.sqref.ranges):
            return dv
    return None


# --- templates ------------------------------------------------------------------------------------

def test_uploadable_tables_exist():
    assert len(UPLOADABLE) >= 10
    assert all(t.uploadable for t in UPLOADABLE)


@pytest.mark.parametrize("name", IDS)
def test_csv_template_is_header_only_with_bom(name):
    t = BY_NAME[name]
    data = templates.template_csv(t)
    assert data.startswith(b"\xef\xbb\xbf")
    text = data[3:].decode("utf-8")
    assert text.endswith("\r\n") and text.count("\r\n") == 1
    assert text[:-2].split(",") == [c.header for c in t.columns]


@pytest.mark.parametrize("name", IDS)
def test_xlsx_header_row_equals_registry(name, books):
    t = BY_NAME[name]
    wb = books[name]
    ws = wb.worksheets[0]
    assert ws.title == safe_sheet_name(t.label)
    assert [c.value for c in ws[1]] == [c.header for c in t.columns]
    assert all(v is None for v in next(ws.iter_rows(min_row=2, max_row=2, values_only=True)))
    assert ws.freeze_panes == "A2"
    assert wb.sheetnames[1] == templates.GUIDE_SHEET


@pytest.mark.parametrize("name", IDS)
def test_xlsx_formats_and_required_marks(name, books):
    t = BY_NAME[name]
    ws = books[name].worksheets[0]
    for j, c in enumerate(t.columns, start=1):
        head = ws.cell(1, j)
        assert head.comment is not None and c.header not in ("",)
        required = c.required and not c.derived_from
        assert head.font.b == required, c.name
        assert ("必填" if required else "选填" if not c.derived_from else "可不填") in head.comment.text
        fmt_first, fmt_last = ws.cell(2, j).number_format, ws.cell(templates.TEMPLATE_ROWS + 1, j).number_format
        if c.is_code or c.kind in (TEXT, BOOL):
            assert fmt_first == fmt_last == "@", c.name
        elif c.kind == DATE:
            assert fmt_first == "yyyy-mm-dd", c.name


@pytest.mark.parametrize("name", IDS)
def test_xlsx_dropdowns_and_ranges(name, books):
    t = BY_NAME[name]
    wb = books[name]
    ws = wb.worksheets[0]
    for j, c in enumerate(t.columns, start=1):
        letter = openpyxl.utils.get_column_letter(j)
        dv = _validation_for(ws, letter)
        assert dv is not None and dv.promptTitle, c.name
        if c.enum:
            assert dv.type == "list" and dv.errorStyle in (None, "stop")
            assert _list_values(wb, dv) == list(enum_values(c.enum))
        elif c.kind == BOOL:
            assert dv.type == "list" and _list_values(wb, dv) == ["是", "否"]
        elif c.kind in ("int", "decimal") and not c.percent and c.min is not None and c.max is not None:
            assert dv.type in ("whole", "decimal") and dv.errorStyle == "warning"
            assert float(dv.formula1) == c.min and float(dv.formula2) == c.max
            assert dv.error and re.search("[\u4e00-\u9fff]", dv.error)


def test_long_enum_list_goes_to_hidden_sheet(monkeypatch):
    from etl import contract_cfg
    long = tuple((f"很长的取值选项第{i}号", f"很长的取值选项第{i}号") for i in range(40))
    monkeypatch.setitem(contract_cfg.ENUMS, "county_type", long)
    wb = _book(templates.template_xlsx(BY_NAME["dim_county"]))
    assert wb.sheetnames[:2] == [safe_sheet_name("县/区"), templates.GUIDE_SHEET]
    assert wb[templates.LIST_SHEET].sheet_state == "hidden"
    col = [c.name for c in BY_NAME["dim_county"].columns].index("county_type") + 1
    dv = _validation_for(wb.worksheets[0], openpyxl.utils.get_column_letter(col))
    assert _list_values(wb, dv) == [v for v, _ in long]


@pytest.mark.parametrize("name", IDS)
def test_guide_sheet_lists_every_column(name, books):
    t = BY_NAME[name]
    g = books[name][templates.GUIDE_SHEET]
    rows = [r for r in g.iter_rows(values_only=True)]
    start = rows.index(("列名", "英文名", "类型", "是否必填", "允许取值/范围/格式", "说明"))
    listed = rows[start + 1: start + 1 + len(t.columns)]
    assert [(r[0], r[1]) for r in listed] == [(c.header, c.name) for c in t.columns]
    assert all(r[3] in ("必填", "选填", "可不填") and r[2] for r in listed)
    text = "\n".join(str(v) for r in rows for v in r if v)
    assert t.mode_note in text and (t.description or "") in text
    assert "CSV UTF-8" in text and "GBK" in text and "一条记录" in text and "表头" in text
    for c in t.columns:
        if c.enum:
            assert all(v in text for v in enum_values(c.enum))


@pytest.mark.parametrize("name", IDS)
def test_template_has_no_formula_cells(name, xlsx_by_table):
    assert _formula_count(xlsx_by_table[name]) == 0


def test_write_templates(tmp_path):
    paths = templates.write_templates(tmp_path / "out")
    assert sorted(p.name for p in paths) == sorted(f"{t.name}{s}" for t in UPLOADABLE for s in (".csv", ".xlsx"))
    assert all(p.stat().st_size > 0 for p in paths)


def test_filled_template_keeps_leading_zero():
    t = BY_NAME["dim_county"]
    wb = _book(templates.template_xlsx(t))
    ws = wb.worksheets[0]
    headers = [c.header for c in t.columns]
    ws.cell(2, headers.index("县区代码") + 1, "010010")
    ws.cell(2, headers.index("所属市") + 1, "010000")
    ws.cell(2, headers.index("县区名称") + 1, "演示县")
    ws.cell(2, headers.index("常住人口(万人)") + 1, 35.5)
    assert ws.cell(2, 1).number_format == "@"
    out = io.BytesIO()
    wb.save(out)
    rows = CalamineWorkbook.from_filelike(io.BytesIO(out.getvalue())).get_sheet_by_index(0).to_python()
    row = dict(zip(rows[0], rows[1]))
    assert row["县区代码"] == "010010" and row["所属市"] == "010000"
    assert row["常住人口(万人)"] == 35.5
    assert len(rows) == 2          # pre-formatted empty rows are not read as data


# --- xlsx_safe ------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", HOSTILE)
def test_neutralise_hostile(value):
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize("value", ["-3.2", "-10", "正常文本", "", "a=1", "010010", "'=1"])
def test_neutralise_leaves_safe_text(value):
    assert neutralise(value) == value


def test_neutralise_keeps_non_text():
    assert neutralise(-3.2) == -3.2 and neutralise(None) is None and neutralise(5) == 5


def _hostile_frame() -> pd.DataFrame:
    n = len(HOSTILE)
    return pd.DataFrame({"文本": HOSTILE, "数值": [-3.2] + [1.5] * (n - 1), "负数文本": ["-3.2"] * n,
                         "=标题": [True, False] + [None] * (n - 2)})


def test_write_xlsx_hostile_values_have_no_formulas(tmp_path):
    df = _hostile_frame()
    data = write_xlsx({"数据/导出": df, "空表": df.iloc[:0]})
    assert _formula_count(data) == 0
    path = tmp_path / "x.xlsx"
    write_xlsx([("数据", df, {"num_formats": {"数值": "0.0"}, "autofilter": True})], path)
    assert _formula_count(path.read_bytes()) == 0
    ws = _book(data).worksheets[0]
    assert ws.title == "数据／导出" and ws.freeze_panes == "A2"
    assert [c.value for c in ws[1]] == ["文本", "数值", "负数文本", "'=标题"]
    # openpyxl does not decode XlsxWriter's _x000D_ escape for CR; Excel does
    texts = [ws.cell(i, 1).value.replace("_x000D_", "\r") for i in range(2, len(HOSTILE) + 2)]
    assert texts == ["'" + v for v in HOSTILE]
    assert all(ws.cell(i, 1).data_type == "s" for i in range(2, len(HOSTILE) + 2))
    assert ws["B2"].value == -3.2 and ws["B2"].data_type == "n"
    assert ws["C2"].value == "-3.2" and ws["C2"].data_type == "s"
    assert ws["D2"].value == "是" and ws["D3"].value == "否" and ws["D4"].value is None
    assert ws.column_dimensions["A"].width >= 8


def test_write_xlsx_without_target_returns_bytes():
    assert write_xlsx({"a": pd.DataFrame({"x": [1]})})[:2] == b"PK"
    assert write_xlsx({"a": pd.DataFrame({"x": [1]})}, io.BytesIO()) is None


def test_csv_bytes_neutralises():
    data = csv_bytes(_hostile_frame())
    assert data.startswith(b"\xef\xbb\xbf")
    text = data[3:].decode("utf-8")
    assert "\r\n" in text
    import csv
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == ["文本", "数值", "负数文本", "'=标题"]
    assert [r[0] for r in rows[1:]] == ["'" + v for v in HOSTILE]
    assert rows[1][1] == "-3.2" and rows[1][2] == "-3.2" and rows[1][3] == "是"


# --- dictionary -----------------------------------------------------------------------------------

def test_dictionary_frame_covers_every_column():
    df = dictionary.dictionary_frame()
    assert list(df.columns) == ["表名", "表中文名", "类别", "列名", "显示名", "类型", "必填",
                                "取值范围/枚举/格式", "主键", "外键", "校验说明", "依据"]
    assert len(df) == sum(len(t.columns) for t in TABLES)
    assert set(df["类别"]) <= {"维度", "事实", "配置", "元数据"}
    row = df[(df["表名"] == "dim_county") & (df["列名"] == "county_code")].iloc[0]
    assert row["主键"] == "是" and row["必填"] == "是" and "6位数字" in row["取值范围/枚举/格式"]
    row = df[(df["表名"] == "dim_county") & (df["列名"] == "county_type")].iloc[0]
    assert "市辖区" in row["取值范围/枚举/格式"]


def test_rules_frame_covers_every_rule():
    df = dictionary.rules_frame()
    assert {"表", "规则代码", "列", "级别", "说明", "依据"} <= set(df.columns)
    assert len(df) == sum(len(t.rules) for t in TABLES)
    assert set(df["级别"]) <= {"错误", "警告"}


def test_dictionary_markdown_has_every_table():
    md = dictionary.dictionary_markdown()
    assert md.startswith("# 数据字典")
    for t in TABLES:
        assert f"## {t.label}（`{t.name}`）" in md
        assert all(f"`{c.name}`" in md for c in t.columns)
