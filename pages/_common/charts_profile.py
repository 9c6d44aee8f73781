"""Chart builders of the 县区画像 / 乡镇画像 pages: pure functions DataFrame -> plotly Figure (no st.* here).

Same conventions as charts.py: Chinese title/axes/legend, years as categories, dashed target lines, the one
traffic-light palette with the Chinese word (or ✓/✗) next to every colour.
"""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from etl.fmt import STATUS_COLOR, STATUS_ZH
from pages._common import charts

NA_COLOR = "#F2F2F2"
TOP = 0.86  # small multiples: plots end here; panel titles above them, the shared legend above those


def check_matrix_chart(matrix: pd.DataFrame, title: str, codes: list[str] | None = None,
                       notes: pd.DataFrame | None = None, yes: str = "达标", no: str = "未达标",
                       height: int | None = None) -> go.Figure:
    """✓/✗ grid: rows × columns with values 1 / 0 / NaN. NaN cells show `notes` (default “未填报”) on grey.
    customdata[0] of every cell = the row's unit code, so a township grid can drill down."""
    z = matrix.astype(float).values
    text = [["✓" if v == 1 else ("✗" if v == 0 else "未填报") for v in row] for row in z]
    if notes is not None:
        text = [[n if isinstance(n, str) and n else t for t, n in zip(trow, nrow)]
                for trow, nrow in zip(text, notes.reindex_like(matrix).values)]
    codes = codes or [""] * len(matrix)
    fig = go.Figure()
    # grey background cells for NaN (not met / not applicable is told by the text, never by colour alone)
    fig.add_trace(go.Heatmap(z=[[0 if pd.isna(v) else None for v in row] for row in z], x=list(matrix.columns),
                             y=list(matrix.index), colorscale=[[0, NA_COLOR], [1, NA_COLOR]], showscale=False,
                             xgap=2, ygap=2, hoverinfo="skip"))
    hover = f"<b>%{{y}}</b><br>%{{x}}：%{{text}}（✓{yes}，✗{no}）<extra></extra>"
    clickable = any(codes)
    fig.add_trace(go.Heatmap(
        z=z, x=list(matrix.columns), y=list(matrix.index), text=text, texttemplate="%{text}",
        textfont={"size": 15}, zmin=0, zmax=1, showscale=False, xgap=2, ygap=2,
        colorscale=[[0, STATUS_COLOR["red"]], [1, STATUS_COLOR["green"]]],
        customdata=[[[c]] * matrix.shape[1] for c in codes],
        hoverinfo="skip" if clickable else None, hovertemplate=None if clickable else hover))
    if clickable:
        # heatmaps cannot be selected in plotly: invisible points on every cell carry the unit code for drill-down
        cells = [(x, y, t, c) for y, trow, c in zip(matrix.index, text, codes) for x, t in zip(matrix.columns, trow)]
        fig.add_trace(go.Scatter(
            x=[c[0] for c in cells], y=[c[1] for c in cells], text=[c[2] for c in cells], mode="markers",
            customdata=[[c[3]] for c in cells], hovertemplate=hover, showlegend=False,
            marker={"size": 28, "symbol": "square", "color": "rgba(0,0,0,0)"},
            selected={"marker": {"opacity": 1}}, unselected={"marker": {"opacity": 1}}))
        fig.update_layout(clickmode="event+select", hovermode="closest")
    fig.update_yaxes(autorange="reversed", type="category", showgrid=False)
    fig.update_xaxes(side="top", type="category", showgrid=False, linecolor="white")
    fig = charts.layout(fig, title, height=height or max(240, 30 * len(matrix) + 110), legend=False)
    fig.update_layout(margin={"t": 96})
    return fig


def _panel_title(text: str, xref: str, x: float, y: float) -> dict:
    return {"text": text, "xref": xref, "yref": "paper", "x": x, "y": y, "xanchor": "center", "yanchor": "bottom",
            "showarrow": False, "font": {"size": 14}}


def _target_shape(y: float, xref: str, yref: str) -> dict:
    """A dashed target line across one panel."""
    return {"type": "line", "xref": f"{xref} domain", "x0": 0, "x1": 1, "yref": yref, "y0": y, "y1": y,
                "line": {"dash": "dash", "color": charts.TARGET_COLOR, "width": 2}}


def _rank_ticks(n_units: int, most: int = 10) -> list[int]:
    """Every rank for a city's few counties; 1 and round steps (5, 10, 20, 50, …) for a province or the nation."""
    if n_units <= most:
        return list(range(1, n_units + 1))
    step = next(s for m in (1, 10, 100, 1000) for s in (5 * m, 10 * m, 20 * m, 50 * m) if n_units / s <= most)
    return [1, *range(step, n_units + 1, step)]


def rank_history_chart(hist: pd.DataFrame, city_avg: pd.DataFrame, n_units: int, title: str,
                       line: float = 80.0, area: str = "全市") -> go.Figure:
    """Top: rank over the years (1 at the top). Bottom: total score by grade colour, the city average and the
    80-point 通报 line. hist: year, total, grade, rank, dagger; city_avg: year, total. Axes are laid out by hand
    (make_subplots is slow on every rerun). `area` names the top unit: 全市 / 全省 / 全国."""
    hist = hist.sort_values("year")
    years = hist["year"].astype(str).tolist()
    data = [go.Scatter(
        x=years, y=hist["rank"].tolist(), mode="lines+markers+text", name="排名", xaxis="x", yaxis="y",
        line={"color": charts.SERIES[0], "width": 3}, marker={"size": 10}, showlegend=False,
        text=[f"第{int(r)}名" for r in hist["rank"]], textposition="top center", textfont={"size": 13},
        cliponaxis=False, hovertemplate="%{x}年：" + area + "第%{y}名（共" + str(n_units) + "个县区）<extra></extra>")]
    for grade, color in charts.GRADE_COLOR.items():
        part = hist[hist["grade"] == grade]
        if part.empty:
            continue
        data.append(go.Bar(
            x=part["year"].astype(str).tolist(), y=part["total"].tolist(), name=grade, marker_color=color,
            xaxis="x2", yaxis="y2", textposition="inside", insidetextanchor="start", textfont={"size": 13},
            showlegend=False,  # the grade is written in the bar: a one-row legend fits the narrow column
            text=[f"{t:.1f}{d or ''}<br>{grade}" for t, d in zip(part["total"], part["dagger"])],
            hovertemplate="%{x}年：综合指数 %{y:.1f} 分（" + grade + "）<extra></extra>"))
    avg = city_avg.sort_values("year")
    data.append(go.Scatter(x=avg["year"].astype(str).tolist(), y=avg["total"].tolist(), name=f"{area}平均",
                           mode="lines+markers", xaxis="x2", yaxis="y2", marker={"size": 7},
                           line={"color": charts.CITY_COLOR, "width": 2, "dash": "dot"},
                           hovertemplate="%{x}年：" + area + "平均 %{y:.1f} 分<extra></extra>"))
    data.append(go.Scatter(x=years, y=[line] * len(years), name=f"{line:g}分通报线", mode="lines", xaxis="x2", yaxis="y2",
                           line={"color": charts.TARGET_COLOR, "width": 2, "dash": "dash"},
                           hovertemplate=f"{line:g}分通报线（低于{line:g}分通报）<extra></extra>"))
    top = max(105.0, float(hist["total"].max()) + 8)
    cat = {"type": "category", "categoryorder": "array", "categoryarray": years, "showgrid": False,
           "linecolor": "#999", "automargin": True}
    fig = go.Figure(data=data, layout={
        "xaxis": {**cat, "anchor": "y", "showticklabels": False}, "xaxis2": {**cat, "anchor": "y2", "matches": "x",
                                                                       "title": {"text": "年度"}},
        "yaxis": {"domain": [0.6, 0.94], "range": [n_units + 0.6, -0.3], "tickvals": _rank_ticks(n_units),
               "title": {"text": "名次"}, "gridcolor": "#e5e5e5", "zeroline": False, "automargin": True},
        "yaxis2": {"domain": [0.0, 0.46], "range": [0, top], "title": {"text": "得分（分）"}, "gridcolor": "#e5e5e5",
                "zeroline": False, "automargin": True},
        "barmode": "overlay",
        "annotations": [_panel_title(f"{area}排名（第1名在上）", "paper", 0.5, 0.91),
                     _panel_title("综合指数得分", "paper", 0.5, 0.48)]})
    return charts.layout(fig, title, height=540)


def _status(value, target, floor) -> str | None:
    if target is None or pd.isna(value):
        return None
    if value >= target:
        return "green"
    if floor is not None and value < floor:
        return "red"
    return "amber" if value >= 0.8 * target or (floor is not None and value >= floor) else "red"


def panels_chart(df: pd.DataFrame, specs: list[dict], title: str, height: int = 360) -> go.Figure:
    """Small multiples of yearly counts side by side. df: year + the spec columns. Each spec: col, title, unit,
    target (dashed line; bars coloured 达标/接近目标/未达标 against it), floor (below = 未达标, e.g. the [L] 1次)."""
    n, gap = len(specs), 0.08
    width = (1 - gap * (n - 1)) / n
    years = df["year"].astype(str).tolist()
    data, shapes, notes, axes, shown = [], [], [], {}, set()
    for i, spec in enumerate(specs, start=1):
        xa, ya = f"x{i if i > 1 else ''}", f"y{i if i > 1 else ''}"
        left = (i - 1) * (width + gap)
        target, floor, unit = spec.get("target"), spec.get("floor"), spec.get("unit", "次")
        values = df[spec["col"]]
        statuses = [_status(v, target, floor) for v in values]
        for status in ("green", "amber", "red", None):
            idx = [j for j, s in enumerate(statuses) if s == status]
            if not idx or (status is None and target is not None):  # no value (e.g. no station yet): no bar
                continue
            part = df.iloc[idx]
            name = STATUS_ZH[status] if target is not None else "次数"
            data.append(go.Bar(
                x=part["year"].astype(str).tolist(), y=part[spec["col"]].tolist(), name=name, legendgroup=name,
                xaxis=xa, yaxis=ya, showlegend=target is not None and name not in shown,
                marker_color=STATUS_COLOR[status] if target is not None else charts.SERIES[0],
                # a zero bar is invisible: its label carries the ✗ in the status colour
                text=[("0 ✗" if v == 0 and target else f"{v:,.1f}".removesuffix(".0")) if pd.notna(v) else ""
                      for v in part[spec["col"]]],
                textposition="outside", cliponaxis=False,
                textfont={"size": 13, "color": [STATUS_COLOR[status] if v == 0 and target else "#222"
                                                for v in part[spec["col"]]]},
                hovertemplate=f"%{{x}}年 {spec['title']}：%{{y:,.1~f}}{unit}"
                + (f"（目标≥{target:g}{unit}）" if target is not None else "") + "<extra></extra>"))
            shown.add(name)
        label = spec["title"]
        if target is not None:  # the dashed line is named in the panel title (an inline label would hit the bars)
            shapes.append(_target_shape(target, xa, ya))
            label += f"（目标≥{target:g}{unit}）" if floor is None else f"（目标{target:g}{unit}，底线{floor:g}{unit}）"
        notes.append(_panel_title(label, "paper", left + width / 2, TOP + 0.02))
        top = max(float(values.max()) if values.notna().any() else 0.0, float(target or 0)) * 1.25 + 0.5
        axes[f"xaxis{i if i > 1 else ''}"] = {
            "domain": [left, left + width], "anchor": ya, "type": "category", "categoryorder": "array",
            "categoryarray": years, "range": [-0.5, len(years) - 0.5], "showgrid": False, "linecolor": "#999",
            "automargin": True}
        axes[f"yaxis{i if i > 1 else ''}"] = {
            "anchor": xa, "domain": [0, TOP], "range": [0, top], "tickformat": ",~r", "gridcolor": "#e5e5e5",
            "zeroline": False,
            "automargin": True, **({"dtick": 1} if top <= 8 else {}),
            **({"title": {"text": f"{spec.get('axis', '次数')}（{unit}）"}} if i == 1 else {})}
    fig = go.Figure(data=data, layout=dict(shapes=shapes, annotations=notes, barmode="overlay", bargap=0.35, **axes))
    return charts.layout(fig, title, height=height)
