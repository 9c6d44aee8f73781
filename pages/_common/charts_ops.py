"""Chart builders of the 报送进度 page (pure: DataFrame -> plotly Figure; conventions of charts.py)."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from etl import tracker
from etl.fmt import STATUS_COLOR
from pages._common import charts

# tracker status -> the one traffic-light palette (green 已报送, amber 缺报, red 逾期, grey 无需报送)
COLOR = {tracker.SENT: STATUS_COLOR["green"], tracker.MISSING: STATUS_COLOR["amber"],
         tracker.OVERDUE: STATUS_COLOR["red"], tracker.NONE: "#D9D9D9"}
Z = {tracker.SENT: 0, tracker.MISSING: 1, tracker.OVERDUE: 2, tracker.NONE: 3}
SCALE = [[0, COLOR["sent"]], [1 / 6, COLOR["sent"]], [1 / 6, COLOR["missing"]], [0.5, COLOR["missing"]],
         [0.5, COLOR["overdue"]], [5 / 6, COLOR["overdue"]], [5 / 6, COLOR["none"]], [1, COLOR["none"]]]


def _legend(fig: go.Figure, statuses) -> None:
    """Legend entries for the cell colours (the cell text names the status too)."""
    for s in tracker.STATUS_ORDER:
        if s in statuses:
            fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=tracker.STATUS_ZH[s], hoverinfo="skip",
                                     marker={"symbol": "square", "size": 14, "color": COLOR[s]}))


def _click_layer(fig: go.Figure, x: list, y: list, customdata: list) -> None:
    """Plotly heatmaps cannot be selected: an invisible marker on every cell carries the click (customdata[0] =
    unit code, for drill-down) and the hover text."""
    fig.add_trace(go.Scatter(x=x, y=y, mode="markers", customdata=customdata, showlegend=False,
                             marker={"symbol": "square", "size": 30, "opacity": 0},
                             selected={"marker": {"opacity": 0}}, unselected={"marker": {"opacity": 0}},
                             hoverlabel={"bgcolor": "white", "bordercolor": "#888", "font": {"color": "#222"}},
                             hovertemplate="%{customdata[1]}<extra></extra>"))
    fig.update_layout(hovermode="closest", hoverdistance=60)


def _when(value) -> str:
    return "" if value is None or pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d %H:%M")


def _hover(r) -> str:
    lines = [f"<b>{r.county_name} · {r.label}</b>", f"状态：{tracker.STATUS_ZH[r.status]}"]
    if r.unit_kind in (tracker.TOWNSHIP, tracker.STATION):
        what = "乡镇（街道）" if r.unit_kind == tracker.TOWNSHIP else "联络站点"
        lines.append(f"已报 / 应报{what}：{int(r.sent)} / {int(r.expected)}")
    lines.append(f"记录：{int(r.n_rows)}条")
    lines.append("截止日期：" + (r.deadline.isoformat() if r.deadline else "未设置")
                 + (f"（已逾期{int(r.days_overdue)}天）" if r.status == tracker.OVERDUE else ""))
    if isinstance(r.last_uploaded_by, str) and pd.notna(r.last_uploaded_at):
        lines.append(f"最近报送：{r.last_uploaded_by} · {_when(r.last_uploaded_at)}")
        lines.append(f"文件：{r.last_file_name}")
    return "<br>".join(lines)


def matrix_chart(status: pd.DataFrame, title: str) -> go.Figure:
    """County × required table; cell = status word (+ townships/stations sent/expected); customdata[0] = county."""
    df = status.sort_values(["county_sort", "table_sort"])
    counties = list(dict.fromkeys(df["county_name"]))
    codes = list(dict.fromkeys(df["county_code"]))
    tables = list(dict.fromkeys(df["short"]))
    cell = {(r.county_name, r.short): r for r in df.itertuples()}
    grid = [[cell.get((c, t)) for t in tables] for c in counties]
    fig = go.Figure(go.Heatmap(
        z=[[Z[r.status] if r else None for r in row] for row in grid], x=tables, y=counties,
        text=[[r.cell.replace(" ", "<br>") if r else "" for r in row] for row in grid], texttemplate="%{text}",
        textfont={"size": 13, "color": "#111"}, zmin=0, zmax=3, colorscale=SCALE, showscale=False, xgap=3, ygap=3,
        hoverinfo="skip"))
    cells = [(t, c, [code, _hover(r)]) for code, c, row in zip(codes, counties, grid) for t, r in zip(tables, row) if r]
    _click_layer(fig, [t for t, _, _ in cells], [c for _, c, _ in cells], [d for _, _, d in cells])
    _legend(fig, set(df["status"]))
    return _grid_layout(fig, title, height=150 + 52 * len(counties))


def _grid_layout(fig: go.Figure, title: str, height: int) -> go.Figure:
    """Item labels on top, unit names on the left, the colour legend under the grid."""
    fig.update_yaxes(autorange="reversed", type="category", showgrid=False, tickfont={"size": 14, "color": "#222"})
    fig.update_xaxes(side="top", type="category", showgrid=False, tickfont={"size": 14, "color": "#222"})
    fig = charts.layout(fig, title, height=height)
    fig.update_layout(margin={"t": 110, "b": 40}, clickmode="event+select",
                      legend={"orientation": "h", "y": -0.01, "yanchor": "top", "x": 0, "xanchor": "left"})
    return fig


TOWN_COLUMNS = (("liuyou", "fact_township_liuyou"), ("staffing", "fact_township_staffing"),
                ("stations", "fact_station_year"))


def township_chart(towns: pd.DataFrame, table_status: dict[str, str], title: str) -> go.Figure:
    """Township × its three tables (六有, 人员, its stations sent/expected); missing cells take the county's
    status of that table (缺报 or 逾期); customdata[0] = township code."""
    names = list(towns["township_name"])
    labels = [tracker.BY_TABLE[t].short for _, t in TOWN_COLUMNS]
    z, text, hover = [], [], []
    for r in towns.itertuples():
        zr, tr, hr = [], [], []
        for (col, table), label in zip(TOWN_COLUMNS, labels):
            late = table_status.get(table) == tracker.OVERDUE
            if col == "stations":
                sent, expected = int(r.stations_sent), int(r.stations_expected)
                state = tracker.NONE if expected == 0 else tracker.SENT if sent >= expected else (
                    tracker.OVERDUE if late else tracker.MISSING)
                tr.append("无站点" if expected == 0 else f"{tracker.STATUS_ZH[state]} {sent}/{expected}")
                hr.append(f"<b>{r.township_name}</b><br>{label}：已报 {sent} / 应报 {expected} 个站点")
            else:
                ok = bool(getattr(r, f"{col}_sent"))
                state = tracker.SENT if ok else tracker.OVERDUE if late else tracker.MISSING
                tr.append(tracker.STATUS_ZH[state])
                hr.append(f"<b>{r.township_name}</b><br>{label}：{tracker.STATUS_ZH[state]}")
            zr.append(Z[state])
        z.append(zr)
        text.append(tr)
        hover.append([[r.township_code, h] for h in hr])
    fig = go.Figure(go.Heatmap(z=z, x=labels, y=names, text=text, texttemplate="%{text}",
                               textfont={"size": 13, "color": "#111"}, zmin=0, zmax=3, colorscale=SCALE,
                               showscale=False, xgap=3, ygap=3, hoverinfo="skip"))
    _click_layer(fig, [lab for _ in names for lab in labels], [n for n in names for _ in labels],
                 [cell for row in hover for cell in row])
    _legend(fig, {s for row in z for s, v in Z.items() if v in row})
    return _grid_layout(fig, title, height=150 + 40 * len(names))


def completion_chart(rates: pd.DataFrame, title: str) -> go.Figure:
    """Share of expected units sent, per table (rates: short, scope, numerator, denominator, value, code),
    one bar colour per scope (the county, then the city); target 100%."""
    fig = go.Figure()
    order = list(dict.fromkeys(rates["short"]))
    groups = list(rates.groupby("scope", sort=False))
    for i, (scope, part) in reversed(list(enumerate(groups))):  # the county's bar on top of each pair
        fig.add_trace(go.Bar(x=part["value"], y=part["short"], orientation="h", name=scope,
                             marker_color=charts.SERIES[0] if i == 0 else charts.CITY_COLOR,
                             text=[f"{v:.0%}" for v in part["value"]], textposition="inside", insidetextanchor="end",
                             textfont={"color": "white", "size": 12},
                             customdata=part[["code", "numerator", "denominator"]].values.tolist(),
                             hovertemplate=charts.hover("%", f"{scope} · %{{y}}", "x")))
    fig.add_vline(x=1.0, line_dash="dash", line_color=charts.TARGET_COLOR, line_width=2)
    fig.add_annotation(x=1.0, xref="x", y=1.0, yref="paper", yanchor="bottom", xanchor="center", showarrow=False,
                       text="目标 100%", font={"color": charts.TARGET_COLOR, "size": 13})
    fig.update_yaxes(categoryorder="array", categoryarray=order[::-1], title={"text": ""})
    fig.update_xaxes(tickformat=".0%", range=[0, 1.12], title={"text": "已报送单位占应报送单位的比例"})
    fig.update_layout(barmode="group", legend={"traceorder": "reversed"}, bargap=0.25)
    return charts.layout(fig, title, height=140 + 50 * len(order))
