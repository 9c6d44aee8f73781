"""Safe exports: every xlsx/CSV the product hands to a user goes through here (reliability.md §3.6).

- Text that a spreadsheet could run as a formula (OWASP CSV injection) gets a leading apostrophe.
- xlsx files are written by XlsxWriter with strings_to_formulas/strings_to_urls off: zero formula cells.
- Numbers stay typed numbers (a negative growth rate is data, not an attack).
"""
from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import math
import re
import unicodedata
from os import PathLike
from typing import Any, Iterable

import pandas as pd
import xlsxwriter

WORKBOOK_OPTIONS = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
    "nan_inf_to_errors": False,
    "remove_timezone": True,
}
_DANGER = ("=", "+", "-", "@", "\t", "\r", "\n", "\0")
# Superset: pure negative numbers are left alone (fullmatch: `$` would also match before a trailing newline)
_NEG_NUMBER = re.compile(r"-(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_LEAD = re.compile(r'^(?:\s|"")+')               # leading whitespace or "" pairs hide a formula
_BAD_SHEET_CHARS = str.maketrans({"/": "／", "\\": "＼", "?": "？", "*": "＊", ":": "：", "[": "【", "]": "】"})
XLSX_MAX_CHARS = 32767
XLSX_MAX_ROWS = 1048576
TRUE_ZH, FALSE_ZH = "是", "否"


def neutralise(value: Any) -> Any:
    """Return `value` safe for a spreadsheet cell; non-text values are returned unchanged."""
    if not isinstance(value, str) or not value:
        return value
    if _NEG_NUMBER.fullmatch(value):
        return value
    rest = _LEAD.sub("", value)
    if value.startswith(_DANGER) or rest.startswith(_DANGER) or value.startswith("{=") or rest.startswith("{="):
        return "'" + value
    return value


def new_workbook(target) -> xlsxwriter.Workbook:
    """An XlsxWriter workbook that never turns strings into formulas or links."""
    if isinstance(target, PathLike):
        target = str(target)
    return xlsxwriter.Workbook(target, dict(WORKBOOK_OPTIONS))


def safe_sheet_name(name: str, used: Iterable[str] = ()) -> str:
    """A valid, unique Excel sheet name (≤31 chars, no / \\ ? * : [ ]), keeping Chinese readable."""
    base = str(name).translate(_BAD_SHEET_CHARS).strip().strip("'") or "Sheet"
    base = base[:31]
    taken = {u.lower() for u in used}
    out, n = base, 2
    while out.lower() in taken:
        suffix = f"({n})"
        out, n = base[: 31 - len(suffix)] + suffix, n + 1
    return out


def display_width(text: Any) -> int:
    """Width in Excel character units: CJK and full-width characters count 2."""
    s = "" if text is None else str(text)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def _is_missing(v: Any) -> bool:
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True
    try:
        return bool(pd.isna(v)) if not isinstance(v, (str, bytes, list, tuple, dict)) else False
    except (TypeError, ValueError):
        return False


def _plain(v: Any) -> Any:
    """Normalise numpy/pandas scalars to Python; missing -> None; bool -> 是/否."""
    if _is_missing(v):
        return None
    if hasattr(v, "item") and not isinstance(v, (str, bytes)):
        try:
            v = v.item()
        except (ValueError, AttributeError):
            pass
    if isinstance(v, bool):
        return TRUE_ZH if v else FALSE_ZH
    if isinstance(v, decimal.Decimal):
        return float(v)
    if isinstance(v, pd.Timestamp):
        v = v.to_pydatetime()
    if isinstance(v, dt.datetime) and v.tzinfo is not None:
        v = v.replace(tzinfo=None)
    if isinstance(v, float) and math.isinf(v):
        return None
    return v


def _cell_text(v: Any) -> str:
    s = neutralise(v if isinstance(v, str) else str(v))
    return s[:XLSX_MAX_CHARS]


def _normalise_sheets(sheets) -> list[tuple[str, pd.DataFrame, dict]]:
    if isinstance(sheets, dict):
        return [(name, df, {}) for name, df in sheets.items()]
    out = []
    for item in sheets:
        name, df, *rest = item
        out.append((name, df, dict(rest[0] or {}) if rest else {}))
    return out


def write_xlsx(sheets, path_or_buffer=None, *, freeze: bool = True, max_width: int = 60) -> bytes | None:
    """Write DataFrames to an .xlsx with no formula cells.

    sheets: {name: df} or [(name, df, options)]. Options per sheet:
      widths: {column: width}; num_formats: {column: Excel format, e.g. "0.0%"};
      freeze: bool (default from the argument); autofilter: bool (default False); index: bool (default False).
    Text is neutralised, numbers stay numbers, booleans become 是/否, dates yyyy-mm-dd.
    If path_or_buffer is None the file is returned as bytes.
    """
    buf = io.BytesIO() if path_or_buffer is None else path_or_buffer
    wb = new_workbook(buf)
    head = wb.add_format({"bold": True, "bg_color": "#D9E1F2", "border": 1, "text_wrap": True, "valign": "top"})
    date_f = wb.add_format({"num_format": "yyyy-mm-dd"})
    dtime_f = wb.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    used: list[str] = []
    for name, df, opts in _normalise_sheets(sheets):
        if opts.get("index"):
            df = df.reset_index()
        if len(df) >= XLSX_MAX_ROWS:
            raise ValueError(f"“{name}”共 {len(df)} 行，超过 Excel 单个工作表的行数上限，请缩小范围后再导出。")
        sheet_name = safe_sheet_name(name, used)
        used.append(sheet_name)
        ws = wb.add_worksheet(sheet_name)
        fmts = {c: wb.add_format({"num_format": f}) for c, f in (opts.get("num_formats") or {}).items()}
        widths = opts.get("widths") or {}
        for j, col in enumerate(df.columns):
            ws.write_string(0, j, _cell_text(col), head)
            width = display_width(col)
            col_fmt = fmts.get(col)
            for i, raw in enumerate(df.iloc[:, j].tolist(), start=1):
                v = _plain(raw)
                if v is None:
                    continue
                if isinstance(v, int) and abs(v) >= 10**15:
                    v = str(v)              # Excel keeps 15 significant digits only
                if isinstance(v, (int, float)):
                    ws.write_number(i, j, v, col_fmt)
                    text = f"{v:,.2f}" if isinstance(v, float) else str(v)
                elif isinstance(v, dt.datetime):
                    has_time = (v.hour, v.minute, v.second, v.microsecond) != (0, 0, 0, 0)
                    ws.write_datetime(i, j, v, col_fmt or (dtime_f if has_time else date_f))
                    text = "2000-01-01 00:00:00" if has_time else "2000-01-01"
                elif isinstance(v, dt.date):
                    ws.write_datetime(i, j, dt.datetime(v.year, v.month, v.day), col_fmt or date_f)
                    text = "2000-01-01"
                else:
                    text = _cell_text(v)
                    ws.write_string(i, j, text, col_fmt)
                if i <= 500:
                    width = max(width, display_width(text))
            ws.set_column(j, j, widths.get(col, min(max(width + 2, 8), max_width)))
        if opts.get("freeze", freeze):
            ws.freeze_panes(1, 0)
        if opts.get("autofilter") and len(df.columns):
            ws.autofilter(0, 0, max(len(df), 1), len(df.columns) - 1)
    if not used:
        wb.add_worksheet("Sheet1")
    wb.close()
    return buf.getvalue() if path_or_buffer is None else None


def csv_bytes(df: pd.DataFrame, *, index: bool = False) -> bytes:
    """CSV for Excel on Windows: UTF-8 with BOM, CRLF, neutralised text, booleans as 是/否."""
    if index:
        df = df.reset_index()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([_csv_cell(c) for c in df.columns])
    for row in df.itertuples(index=False, name=None):
        writer.writerow([_csv_cell(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _csv_cell(raw: Any) -> str:
    v = _plain(raw)
    if v is None:
        return ""
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, dt.datetime):
        has_time = (v.hour, v.minute, v.second, v.microsecond) != (0, 0, 0, 0)
        return v.strftime("%Y-%m-%d %H:%M:%S") if has_time else v.strftime("%Y-%m-%d")
    if isinstance(v, dt.date):
        return v.isoformat()
    return neutralise(str(v))
