"""Write frames as the CSV files staff upload: Chinese headers, 是/否, ISO dates, CRLF, UTF-8 BOM or GB18030."""
from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from pathlib import Path

from etl import schema

# Saved "as Chinese Excel would": GB18030 without BOM (their content is plain GBK text).
GB18030_FILES = ("fact_township_staffing", "fact_budget", "dim_handling_unit")


def _scale(col: schema.Column) -> int | None:
    m = re.match(r"DECIMAL\(\d+,\s*(\d+)\)", col.sql_type)
    return int(m.group(1)) if m else None


def cell(col: schema.Column, value) -> str:
    """One value as staff would type it."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if col.kind == schema.BOOL:
        return "是" if value else "否"
    if col.kind == schema.DATE:
        return value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else str(value)
    if col.kind == schema.INT:
        return str(int(value))
    if col.kind == schema.DEC:
        scale = _scale(col)
        text = f"{float(value):.{scale}f}" if scale is not None else repr(float(value))
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return "0" if text in ("-0", "") else text
    return str(value)


def csv_bytes(table: schema.Table, frame) -> bytes:
    cols = [c for c in table.columns if not c.derived_from]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([c.header for c in cols])
    for row in frame[[c.name for c in cols]].itertuples(index=False, name=None):
        writer.writerow([cell(c, v) for c, v in zip(cols, row)])
    text = buf.getvalue()
    if table.name in GB18030_FILES:
        return text.encode("gb18030")
    return b"\xef\xbb\xbf" + text.encode("utf-8")


def write_csvs(frames: dict, out_dir) -> list[Path]:
    """One `<table_name>.csv` per uploadable table, in registry (load) order."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for table in schema.UPLOADABLE:
        path = out / f"{table.name}.csv"
        path.write_bytes(csv_bytes(table, frames[table.name]))
        written.append(path)
    return written
