"""The validation report a staff member downloads: their own rows with the problems beside them, plus the
full problem list (Chinese, formula-neutralised xlsx)."""
from __future__ import annotations

import pandas as pd

from etl.problems import ERROR, SEVERITY_ZH, Problem
from etl.read import read_upload
from etl.xlsx_safe import write_xlsx


def problems_frame(problems: list[Problem]) -> pd.DataFrame:
    return pd.DataFrame([{"文件": p.file, "行号": p.row, "列": p.column or "", "级别": SEVERITY_ZH[p.severity],
                          "问题代码": p.code, "说明": p.message, "当前值": p.value or ""} for p in problems],
                        columns=["文件", "行号", "列", "级别", "问题代码", "说明", "当前值"])


def annotated_rows(name: str, data: bytes, problems: list[Problem]) -> pd.DataFrame | None:
    """The file's rows as uploaded, with 行号, 错误 and 警告 columns in front; None if unreadable."""
    try:
        raw = read_upload(name, data)
    except Exception:  # unreadable files have only whole-file problems
        return None
    df = raw.table.to_pandas()
    rows = df.pop("_row")
    df.columns = raw.headers
    by_row: dict[int, dict[str, list[str]]] = {}
    for p in problems:
        if p.file == name and p.row and p.row > 1:
            entry = by_row.setdefault(p.row, {ERROR: [], "warning": []})
            entry[p.severity].append(f"{p.column or ''}：{p.message}")
    df.insert(0, "警告", [ "；".join(by_row.get(r, {}).get("warning", [])) for r in rows])
    df.insert(0, "错误", ["；".join(by_row.get(r, {}).get(ERROR, [])) for r in rows])
    df.insert(0, "行号", rows.values)
    return df


def report_xlsx(files: list[tuple[str, bytes]], problems: list[Problem]) -> bytes:
    """One sheet 问题清单 with every problem, one sheet per file with its rows and their problems."""
    sheets = [("问题清单", problems_frame(problems), {"widths": {"说明": 60}})]
    for name, data in files:
        rows = annotated_rows(name, data, problems)
        if rows is not None:
            sheets.append((name.rsplit(".", 1)[0][:28] or "数据", rows, {"widths": {"错误": 50, "警告": 40}}))
    return write_xlsx(sheets)
