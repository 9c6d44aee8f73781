"""Download buttons under every chart and table (frame.chart / frame.table): 下载图片 PNG, 下载数据 Excel, CSV.

Nothing is generated while the page renders: each button gets a callable that Streamlit runs only when it is
clicked (deferred download), so a page with twenty charts stays as fast as before. Every file goes through
etl.xlsx_safe (no formula cells, neutralised text, CSV in UTF-8 with BOM); pictures through etl.png.
The callables run outside the script thread: they must not call st.* and must not change the figure.
"""
from __future__ import annotations

import base64
import datetime as dt
import re

import numpy as np
import pandas as pd
import streamlit as st

from etl import png
from etl.xlsx_safe import csv_bytes, write_xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SOURCE = "县乡人大建设监督看板"
_TAG = re.compile(r"<[^>]+>")
_BAD_FILE = re.compile(r'[\\/:*?"<>|\s]+')
_CUSTOM_REF = re.compile(r"%\{customdata\[(\d+)\][^}]*\}")
_LINE = re.compile(r"<br\s*/?>|<extra>.*?</extra>", re.I)
_CODE = re.compile(r"^\d{6,}$")


def plain(text) -> str:
    """Title or axis text without plotly's HTML tags."""
    return _TAG.sub(" ", str(text or "")).replace("  ", " ").strip()


def file_stem(title: str, fallback: str = "图表数据") -> str:
    stem = _BAD_FILE.sub("_", plain(title)).strip("_.")
    return (stem or fallback)[:80]


def _title(layout) -> str:
    title = getattr(layout, "title", None)
    return plain(getattr(title, "text", None) or "")


def _axis(layout, ref: str | None, letter: str):
    name = letter + "axis" + (ref or letter)[1:]      # "x" -> xaxis, "x2" -> xaxis2
    try:
        return layout[name]
    except (KeyError, ValueError):
        return None


def _axis_title(axis, fallback: str) -> str:
    text = plain(getattr(getattr(axis, "title", None), "text", None) or "") if axis is not None else ""
    return text or fallback


def _is_percent(axis) -> bool:
    """d3 percent formats (".0%"), not date formats ("%Y年%m月")."""
    fmt = str(getattr(axis, "tickformat", "") or "") if axis is not None else ""
    return fmt.endswith("%") and not re.search(r"%[A-Za-z]", fmt)


def _custom_labels(template: str | None, width: int) -> dict[int, str]:
    """Names for customdata columns from the hover text, e.g. "分子 / 分母：%{customdata[1]} / %{customdata[2]}"."""
    labels: dict[int, str] = {}
    for line in _LINE.split(str(template or "")):
        label, sep, refs = plain(line).partition("：")
        idx = [int(i) for i in _CUSTOM_REF.findall(refs)] if sep else []
        if not idx:
            continue
        label = label.split()[-1] if label.split() and "/" not in label else label.strip()
        names = [n.strip() for n in label.split("/")]
        if len(names) != len(idx):
            names = [label] if len(idx) == 1 else [f"{label}{k + 1}" for k in range(len(idx))]
        for i, name in zip(idx, names):
            if i < width and name:
                labels.setdefault(i, name)
    return labels


def _seq(value) -> list | None:
    """A trace array as a list: plain sequences, numpy arrays and plotly's typed arrays {"dtype", "bdata"}."""
    if value is None or isinstance(value, (str, bytes, int, float)):
        return None
    if isinstance(value, dict) and "bdata" in value:
        arr = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        if "shape" in value:
            arr = arr.reshape([int(n) for n in str(value["shape"]).split(",")])
        return arr.tolist()
    if isinstance(value, np.ndarray):
        return value.tolist()
    try:
        return [_seq(v) if isinstance(v, (dict, np.ndarray)) else v for v in value]
    except TypeError:
        return None


def _numeric_like(values: list | None) -> bool:
    """Numbers or dates (a value axis), as opposed to names (a category axis)."""
    vals = [v for v in values or [] if v is not None and v == v]
    if not vals:
        return True
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in vals):
        return True
    texts = [str(v) for v in vals]
    return bool(pd.to_datetime(pd.Series(texts), errors="coerce", format="ISO8601").notna().all())


def _category_name(cats: list | None, trace) -> str:
    """A header for an untitled category axis: 年度 for years, 县区 / 乡镇（街道） from the unit codes."""
    vals = [str(c) for c in cats or [] if c is not None]
    if vals and all(re.fullmatch(r"(19|20)\d\d年?", v) for v in vals):
        return "年度"
    codes = {len(str(r[0])) for r in _seq(getattr(trace, "customdata", None)) or []
             if isinstance(r, (list, tuple)) and r and _CODE.match(str(r[0]))}
    return {6: "县区", 9: "乡镇（街道）"}.get(codes.pop(), "类别") if len(codes) == 1 else "类别"


def _hidden(trace) -> bool:
    """Invisible click layers (marker opacity 0) and hidden traces carry no data of their own."""
    if getattr(trace, "visible", None) is False:
        return True
    marker = getattr(trace, "marker", None)
    return marker is not None and getattr(marker, "opacity", None) == 0


def _custom_columns(trace, n: int) -> dict[str, list]:
    rows = _seq(getattr(trace, "customdata", None))
    if not rows or len(rows) != n:
        return {}
    rows = [list(r) if isinstance(r, (list, tuple)) or hasattr(r, "__len__") and not isinstance(r, str) else [r]
            for r in rows]
    width = max(len(r) for r in rows)
    labels = _custom_labels(getattr(trace, "hovertemplate", None), width)
    out: dict[str, list] = {}
    for i in range(width):
        col = [r[i] if i < len(r) else None for r in rows]
        name = labels.get(i) or ("代码" if all(_CODE.match(str(v)) for v in col if v not in (None, "")) and any(col)
                                  else f"附加数据{i + 1}")
        while name in out:
            name += "＊"
        out[name] = col
    return out


def figure_data(fig) -> tuple[pd.DataFrame, dict[str, str]]:
    """The data behind a plotly figure as one long table with Chinese headers, plus Excel number formats
    (percent axes keep fractions and show as 0.0%). Click layers (invisible markers) are left out."""
    frames, formats = [], {}
    layout = fig.layout
    for trace in fig.data:
        if _hidden(trace):
            continue
        kind = trace.type
        name = plain(getattr(trace, "name", None) or "")
        if kind == "heatmap":
            z = [list(r) for r in (_seq(trace.z) or [])]
            xs, ys = _seq(trace.x) or list(range(len(z[0]) if z else 0)), _seq(trace.y) or list(range(len(z)))
            text = _seq(getattr(trace, "text", None))
            xt = _axis_title(_axis(layout, trace.xaxis, "x"), "项目")
            yt = _axis_title(_axis(layout, trace.yaxis, "y"), "单位")
            rows = [{yt: ys[i], xt: xs[j], "数值": z[i][j],
                     **({"标注": text[i][j]} if text and i < len(text) and _seq(text[i]) else {})}
                    for i in range(len(ys)) for j in range(len(xs)) if i < len(z) and j < len(z[i])]
            df = pd.DataFrame(rows)
        elif kind in ("scatterpolar", "barpolar"):
            theta, r = _seq(trace.theta) or [], _seq(trace.r) or []
            n = min(len(theta), len(r))
            pairs = list(dict.fromkeys(zip(theta[:n], r[:n])))  # a closed polygon repeats its first point
            df = pd.DataFrame({"类别": [p[0] for p in pairs], "数值": [p[1] for p in pairs]})
            if _is_percent(getattr(layout.polar, "radialaxis", None)):
                formats["数值"] = "0.0%"
        elif kind == "pie":
            labels, values = _seq(trace.labels) or [], _seq(trace.values) or []
            df = pd.DataFrame({"类别": labels[:len(values)], "数值": values[:len(labels)]})
        else:  # bar, scatter, histogram, box …: a category axis and a value axis
            xs, ys = _seq(trace.x), _seq(trace.y)
            horizontal = getattr(trace, "orientation", None) == "h" or (
                ys is not None and not _numeric_like(ys) and _numeric_like(xs))
            cat, val = (ys, xs) if horizontal else (xs, ys)
            cat_axis = _axis(layout, trace.yaxis if horizontal else trace.xaxis, "y" if horizontal else "x")
            val_axis = _axis(layout, trace.xaxis if horizontal else trace.yaxis, "x" if horizontal else "y")
            cats, vals = cat, val
            if kind == "histogram" and cats and not vals:
                df = pd.DataFrame({_axis_title(cat_axis, "数值"): cats})
            else:
                n = max(len(cats or []), len(vals or []))
                if not n:
                    continue
                ct, vt = _axis_title(cat_axis, _category_name(cats, trace)), _axis_title(val_axis, "数值")
                if vt == ct:
                    vt = "数值"
                df = pd.DataFrame({ct: (cats or [None] * n)[:n] + [None] * (n - len(cats or [])),
                                   vt: (vals or [None] * n)[:n] + [None] * (n - len(vals or []))})
                if _is_percent(val_axis):
                    formats[vt] = "0.0%"
                text = _seq(getattr(trace, "text", None))
                if text and len(text) == n:
                    df["标注"] = [plain(t) for t in text]
                for col, values in _custom_columns(trace, n).items():
                    if col not in df.columns:
                        df[col] = values
        if df.empty:
            continue
        df.insert(0, "系列", name)
        frames.append(df)
    if not frames:
        return pd.DataFrame({"说明": ["该图没有可导出的数据"]}), {}
    out = pd.concat(frames, ignore_index=True, sort=False)
    if (out["系列"] == "").all():
        out = out.drop(columns=["系列"])
    return out.dropna(axis=1, how="all"), formats


def _about(title: str, version: int | None) -> pd.DataFrame:
    rows = [("标题", title or "（无标题）"), ("来源", SOURCE),
            ("数据版本", f"v{version}" if version else "—"), ("导出时间", dt.datetime.now().strftime("%Y-%m-%d %H:%M"))]
    return pd.DataFrame(rows, columns=["项目", "内容"])


def table_xlsx(df: pd.DataFrame, title: str, version: int | None = None, formats: dict | None = None,
               index: bool = False) -> bytes:
    return write_xlsx([("数据", df, {"num_formats": formats or {}, "index": index, "autofilter": True}),
                       ("说明", _about(title, version), {"freeze": False})])


def chart_xlsx(fig, version: int | None = None) -> bytes:
    df, formats = figure_data(fig)
    return table_xlsx(df, _title(fig.layout), version, formats)


def chart_csv(fig) -> bytes:
    return csv_bytes(figure_data(fig)[0])


def _png_size(fig) -> tuple[int, int]:
    height = getattr(fig.layout, "height", None) or 0
    return 1200, int(max(675, min(height * 1.25, 2400)))


def chart_buttons(fig, key: str, data: pd.DataFrame | None = None, version: int | None = None) -> None:
    """下载图片 PNG · 下载数据 Excel · CSV under a chart; files are made only on click."""
    stem = file_stem(_title(fig.layout))
    ok, why = png.png_available()
    with st.container(horizontal=True, gap="small"):
        width, height = _png_size(fig)
        st.download_button("下载图片 PNG" if ok else "图片导出不可用",
                           (lambda: png.chart_png(fig, width, height)) if ok else b"",
                           file_name=f"{stem}.png", mime="image/png", key=f"{key}__png", on_click="ignore",
                           type="tertiary", icon=":material/image:", disabled=not ok, help=why or None)
        if data is not None:
            xlsx = lambda: table_xlsx(data, _title(fig.layout), version)  # noqa: E731
            csv = lambda: csv_bytes(data)  # noqa: E731
        else:
            xlsx = lambda: chart_xlsx(fig, version)  # noqa: E731
            csv = lambda: chart_csv(fig)  # noqa: E731
        st.download_button("下载数据 Excel", xlsx, file_name=f"{stem}.xlsx", mime=XLSX, key=f"{key}__xlsx",
                           on_click="ignore", type="tertiary", icon=":material/table:")
        st.download_button("CSV", csv, file_name=f"{stem}.csv", mime="text/csv", key=f"{key}__csv",
                           on_click="ignore", type="tertiary", icon=":material/csv:")


def table_buttons(df: pd.DataFrame, key: str, title: str = "表格数据", index: bool = False,
                  version: int | None = None) -> None:
    """下载 Excel / CSV of the table as shown."""
    stem = file_stem(title, "表格数据")
    with st.container(horizontal=True, gap="small"):
        st.download_button("下载 Excel", lambda: table_xlsx(df, title, version, index=index),
                           file_name=f"{stem}.xlsx", mime=XLSX, key=f"{key}__xlsx", on_click="ignore",
                           type="tertiary", icon=":material/table:")
        st.download_button("CSV", lambda: csv_bytes(df, index=index), file_name=f"{stem}.csv", mime="text/csv",
                           key=f"{key}__csv", on_click="ignore", type="tertiary", icon=":material/csv:")
