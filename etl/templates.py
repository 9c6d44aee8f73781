"""Upload templates generated from the contract registry (data-model.md §2, reliability.md §3.2).

Sheet 1 (named after the table) has exactly one header row: the Chinese headers in registry order.
Required headers are red and bold and every header carries a note. Code, text, enum, boolean and
percent columns are pre-formatted as Text ('@') so Excel keeps leading zeros and never writes 1.1E+17.
Sheet 2 “填写说明” explains every column. Only sheet 1 is data.
"""
from __future__ import annotations

import io
import re
from pathlib import Path

import pandas as pd

from etl.dictionary import (BOOL_FORMS, MODE_ZH, SEVERITY_ZH, allowed_text, enums, note_text, required_text,
                            type_label)
from etl.schema import BOOL, DATE, DEC, INT, TEXT, UPLOADABLE, Column, Table, enum_values
from etl.xlsx_safe import csv_bytes, display_width, new_workbook, safe_sheet_name

TEMPLATE_ROWS = 2000            # rows pre-formatted and validated below the header
GUIDE_SHEET = "填写说明"
LIST_SHEET = "下拉取值"          # hidden sheet holding long drop-down lists
INLINE_LIST_MAX = 255           # Excel limit for an inline list validation
BOOL_CHOICES = ("是", "否")
REQUIRED_FILL, OPTIONAL_FILL = "#F8CBAD", "#DDEBF7"

GENERAL_RULES = (
    "每行填写一条记录；不要合并单元格，不要插入小计行、合计行或说明行。",
    "不要修改、删除或调换第一行表头（表头也可以用英文列名）；只有第一个工作表会被导入。",
    "红色加粗的表头为必填列，蓝色表头为选填列；把鼠标停在表头上可查看该列的填写要求。",
    "代码类列已设为“文本”格式，请保留前导零（如 010010），不要写成科学计数法（如 1.1E+17）。",
    "日期写成 YYYY-MM-DD（如 2024-03-05），也可以写 YYYY/M/D 或 YYYY年M月D日。",
    "是/否列请从下拉框选择“是”或“否”，也接受 1/0、Y/N、TRUE/FALSE、√/×、有/无；留空表示“未知”，不等于“否”。",
    "数字列不要带单位和文字；千分位逗号和全角数字可以识别；只有百分比列可以带%号。",
    "保存为 Excel 工作簿（.xlsx），或另存为“CSV UTF-8(逗号分隔)”；WPS/Excel 默认的 GBK 编码 CSV 也可以上传。",
    "不要填写身份证号、电话号码、家庭住址等个人信息。",
    "上传前可先“试运行”，系统会列出全部错误和警告；有错误的文件不会入库，警告不影响入库。",
)


def template_headers(table: Table) -> list[str]:
    return [c.header for c in table.columns]


def template_csv(table: Table) -> bytes:
    """The CSV template: the Chinese header row only, UTF-8 with BOM, CRLF."""
    return csv_bytes(pd.DataFrame(columns=template_headers(table)))


def _text_column(col: Column) -> bool:
    """Columns whose cells must stay exactly as typed."""
    return col.is_code or col.kind in (TEXT, BOOL) or col.percent


def _choices(col: Column) -> tuple[tuple[str, ...], bool]:
    """Drop-down values and whether other values are refused (stop) or only warned about."""
    if col.enum:
        return enum_values(col.enum), True
    if col.kind == BOOL:
        return BOOL_CHOICES, False
    if col.kind == TEXT and col.name in enums():      # e.g. body_name: list or “其他:名称”
        return enum_values(col.name), False
    return (), False


def _clip(s: str, n: int) -> str:
    return s if len(s) <= n else s[: n - 1] + "…"


def _digits(col: Column) -> int | None:
    m = re.fullmatch(r"\^\\d\{(\d+)\}\$", col.regex or "")
    return int(m.group(1)) if m else None


class _Lists:
    """Long drop-down lists live in one hidden sheet (written last), one column per list."""

    def __init__(self):
        self.lists: dict[str, tuple[str, ...]] = {}

    def ref(self, key: str, values: tuple[str, ...]) -> str:
        self.lists.setdefault(key, values)
        letter = _col_letter(list(self.lists).index(key))
        return f"='{LIST_SHEET}'!${letter}$2:${letter}${len(self.lists[key]) + 1}"

    def write(self, wb) -> None:
        if not self.lists:
            return
        ws = wb.add_worksheet(LIST_SHEET)
        for j, (key, values) in enumerate(self.lists.items()):
            ws.write_string(0, j, key)
            for i, v in enumerate(values, start=1):
                ws.write_string(i, j, v)
        ws.hide()


def _col_letter(j: int) -> str:
    s = ""
    j += 1
    while j:
        j, r = divmod(j - 1, 26)
        s = chr(65 + r) + s
    return s


def _validation(col: Column, lists: _Lists) -> dict:
    """One data validation per column: drop-down, range, length, or just the input prompt."""
    hint = allowed_text(col)
    v: dict = {"validate": "any"}
    values, strict = _choices(col)
    if values:
        inline = ",".join(values)
        src = list(values) if len(inline) <= INLINE_LIST_MAX and "," not in "".join(values) \
            else lists.ref(col.enum or col.name, values)
        v = {"validate": "list", "source": src, "error_type": "stop" if strict else "warning",
             "error_title": "请从下拉列表选择",
             "error_message": ("只能填写下拉列表中的取值：" if strict else "建议从下拉列表选择。") + hint}
        if col.kind == BOOL:
            v["error_message"] = "建议选择“是”或“否”。" + BOOL_FORMS
    elif col.kind in (INT, DEC) and not col.percent and (col.min is not None or col.max is not None):
        v = {"validate": "integer" if col.kind == INT else "decimal", "error_type": "warning",
             "error_title": "超出允许范围", "error_message": f"“{col.header}”应为{hint}。请核对后再填写。"}
        if col.min is not None and col.max is not None:
            v.update(criteria="between", minimum=col.min, maximum=col.max)
        elif col.min is not None:
            v.update(criteria=">=", value=col.min)
        else:
            v.update(criteria="<=", value=col.max)
    elif col.is_code and _digits(col):
        v = {"validate": "length", "criteria": "==", "value": _digits(col), "error_type": "warning",
             "error_title": "代码位数不对", "error_message": f"“{col.header}”应为{col.regex_hint}，请保留前导零。"}
    if "error_message" in v:
        v["error_message"] = _clip(v["error_message"], 255)
    v.update(input_title=_clip(col.header, 32), input_message=_clip(f"【{required_text(col)}】{hint}", 255))
    return v


def _write_data_sheet(wb, table: Table, lists: _Lists) -> None:
    ws = wb.add_worksheet(safe_sheet_name(table.label, [GUIDE_SHEET, LIST_SHEET]))
    base = {"bold": True, "border": 1, "align": "center", "valign": "vcenter", "text_wrap": True}
    req_f = wb.add_format({**base, "bg_color": REQUIRED_FILL, "font_color": "#C00000"})
    opt_f = wb.add_format({**base, "bg_color": OPTIONAL_FILL, "bold": False})
    text_f = wb.add_format({"num_format": "@"})
    date_f = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws.set_row(0, 30)
    for j, col in enumerate(table.columns):
        required = col.required and not col.derived_from
        ws.write_string(0, j, col.header, req_f if required else opt_f)
        ws.write_comment(0, j, _clip(f"【{required_text(col)}】{type_label(col)}。{allowed_text(col)}"
                                     + (f"。{note_text(table, col)}" if note_text(table, col) else ""), 1000),
                         {"author": "填报模板", "x_scale": 2.2, "y_scale": 2.0})
        fmt = text_f if _text_column(col) else date_f if col.kind == DATE else None
        width = max(display_width(col.header) + 4, 10)
        if col.kind == DATE:
            width = max(width, 13)
        elif col.kind == TEXT and not col.is_code and not col.enum and (col.max_len or 0) >= 100:
            width = max(width, 30)
        ws.set_column(j, j, min(width, 40), fmt)
        if fmt is not None:
            for i in range(1, TEMPLATE_ROWS + 1):
                ws.write_blank(i, j, None, fmt)
        ws.data_validation(1, j, TEMPLATE_ROWS, j, _validation(col, lists))
    ws.freeze_panes(1, 0)
    ws.activate()


def _write_guide(wb, table: Table) -> None:
    ws = wb.add_worksheet(GUIDE_SHEET)
    title = wb.add_format({"bold": True, "font_size": 14})
    bold = wb.add_format({"bold": True, "valign": "top"})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    head = wb.add_format({"bold": True, "bg_color": OPTIONAL_FILL, "border": 1, "text_wrap": True})
    cell = wb.add_format({"text_wrap": True, "valign": "top", "border": 1})
    req = wb.add_format({"text_wrap": True, "valign": "top", "border": 1, "bold": True, "font_color": "#C00000"})
    for j, w in enumerate((22, 26, 14, 10, 60, 50)):
        ws.set_column(j, j, w)
    ws.write_string(0, 0, f"《{table.label}》上传模板填写说明", title)
    info = [("数据表", f"{table.label}（{table.name}）"), ("表说明", table.description or ""),
            ("上传后替换什么", table.mode_note or MODE_ZH.get(table.mode, "")),
            ("主键", "、".join(table.column(k).header for k in table.key) + "（同一主键只能出现一行）"
             if table.key else "")]
    if table.provenance:
        info.append(("依据", table.provenance))
    r = 2
    for k, v in info:
        ws.write_string(r, 0, k, bold)
        ws.merge_range(r, 1, r, 5, "", wrap)
        ws.write_string(r, 1, v, wrap)
        r += 1
    r += 1
    ws.write_string(r, 0, "通用规则", bold)
    for i, rule in enumerate(GENERAL_RULES, start=1):
        ws.merge_range(r, 1, r, 5, "", wrap)
        ws.write_string(r, 1, f"{i}. {rule}", wrap)
        r += 1
    r += 1
    for j, h in enumerate(("列名", "英文名", "类型", "是否必填", "允许取值/范围/格式", "说明")):
        ws.write_string(r, j, h, head)
    for col in table.columns:
        r += 1
        row = (col.header, col.name, type_label(col), required_text(col), allowed_text(col), note_text(table, col))
        for j, val in enumerate(row):
            ws.write_string(r, j, val, req if (j == 3 and val == "必填") else cell)
    if table.rules:
        r += 2
        ws.write_string(r, 0, "主要校验规则", bold)
        ws.merge_range(r, 1, r, 5, "", wrap)
        ws.write_string(r, 1, "错误：文件不能入库，须改正后重新上传；警告：可以入库，会在看板上提示。", wrap)
        r += 1
        for j, h in enumerate(("列名", "规则代码", "级别")):
            ws.write_string(r, j, h, head)
        ws.merge_range(r, 3, r, 5, "说明", head)
        for rule in table.rules:
            r += 1
            try:
                header = table.column(rule.column).header
            except KeyError:
                header = rule.column
            level = SEVERITY_ZH.get(rule.severity, rule.severity)
            ws.write_string(r, 0, header, cell)
            ws.write_string(r, 1, rule.code, cell)
            ws.write_string(r, 2, level, req if rule.severity == "error" else cell)
            ws.merge_range(r, 3, r, 5, "", cell)
            ws.write_string(r, 3, rule.message + (f"（依据 {rule.provenance}）" if rule.provenance else ""), cell)


def template_xlsx(table: Table) -> bytes:
    """The xlsx template: data sheet, 填写说明, and (if needed) a hidden sheet of drop-down lists."""
    buf = io.BytesIO()
    wb = new_workbook(buf)
    wb.set_properties({"title": f"{table.label}上传模板", "subject": table.name, "comments": "由数据契约自动生成"})
    lists = _Lists()
    _write_data_sheet(wb, table, lists)
    _write_guide(wb, table)
    lists.write(wb)
    wb.close()
    return buf.getvalue()


def write_templates(out_dir) -> list[Path]:
    """Write <table>.csv and <table>.xlsx for every uploadable table; returns the paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for t in UPLOADABLE:
        for suffix, data in ((".csv", template_csv(t)), (".xlsx", template_xlsx(t))):
            p = out / f"{t.name}{suffix}"
            p.write_bytes(data)
            paths.append(p)
    return paths
