"""Chart builders of the 组织建设 and 依法履职 pages: pure DataFrame -> plotly Figure (no st.* here).

Same conventions as charts.py: Chinese title/axes/legend, years as categories, target lines, hover with
numerator/denominator, customdata[0] = unit code on every county/township mark (drill-down).
"""
from __future__ import annotations

import zlib

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from etl.fmt import STATUS_COLOR
from pages._common import charts
from pages._common.charts import CITY_COLOR, SERIES, TARGET_COLOR, hover, layout, target_line

REF_COLOR = "#555555"
COUNTY_COLOR = SERIES[1]  # as charts.kpi_trend_chart draws the chosen county next to the grey city


def _fmt(value: float, unit: str) -> str:
    if unit == "%":
        return f"{value:.0%}"
    return f"{value:.0f}{unit}" if abs(value - round(value)) < 1e-9 else f"{value:.1f}{unit}"


def legend_line(fig: go.Figure, label: str, color: str, dash: str) -> None:
    """A legend entry for a reference line (the line itself is a shape without a label)."""
    fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", name=label, hoverinfo="skip",
                             line={"color": color, "dash": dash, "width": 2}))


def ref_line(fig: go.Figure, value, unit: str, label: str, position: str = "top right", color: str = REF_COLOR,
             dash: str = "dot") -> None:
    """A labelled horizontal reference line (基线, 目标 …)."""
    if value is None or pd.isna(value):
        return
    fig.add_hline(y=float(value), line_dash=dash, line_color=color, line_width=2, annotation_text=f"{label} {_fmt(value, unit)}",
                  annotation_font_color=color, annotation_font_size=13, annotation_position=position)


def _label(value, unit: str) -> str:
    if value is None or pd.isna(value):
        return ""
    return f"{value:.0%}" if unit == "%" else f"{value:.1f}" if unit == "天" else f"{value:g}"


def bold_tick(fig: go.Figure, names: list[str], chosen: str | None) -> None:
    """Mark the chosen unit on a category axis (bold name with a ▶)."""
    if chosen and chosen in names:
        fig.update_xaxes(tickmode="array", tickvals=names,
                         ticktext=[f"<b>▶{n}</b>" if n == chosen else n for n in names])


def readable(fig: go.Figure, width: int = 360, extra: int = 0) -> go.Figure:
    """Line labels on a white ground so they stay legible over bars; room above the plot for the legend, which
    charts.layout puts under the title and which wraps onto more rows in a half-width column (`width` px)."""
    fig.update_annotations(bgcolor="rgba(255,255,255,0.85)")
    if fig.layout.showlegend is not False:
        names = [t.name for t in fig.data if t.name and t.showlegend is not False]
        rows, used = 1, 0
        for name in names:
            w = 50 + 14 * len(name)
            if used and used + w > width:
                rows, used = rows + 1, 0
            used += w
        fig.update_layout(margin={"t": 60 + 24 * rows + extra}, legend={"y": 1.0 + 4 / max(200, fig.layout.height or 400)})
    return fig


def compare_bar_chart(df: pd.DataFrame, title: str, unit: str, city: float | None = None,
                      highlight: str | None = None, baseline: float | None = None, y_title: str = "",
                      height: int = 400, higher_better: bool = True, city_label: str = "全市") -> go.Figure:
    """Traffic-light bars per unit (mart_kpi rows) with value labels, target, the top unit's reference (named
    `city_label`: 全市 / 全省 / 全国) and the chosen unit outlined. The category axis carries unit names only (the
    title says 各县区), so it has no axis title.
    Beyond charts.MAX_UNITS units only the weakest (and the chosen one) are drawn, said under the title."""
    fig = charts.unit_bar_chart(df, title, unit, height=height, keep=highlight, higher_better=higher_better)
    extra = []
    for trace in fig.data:
        trace.text = [_label(v, unit) for v in trace.y]
        trace.textposition = "auto"  # inside the bar (white) when it fits, so it never meets the line labels
        trace.insidetextfont = {"color": "white"}
        trace.outsidetextfont = {"color": "#222"}
        trace.insidetextanchor = "end"
        trace.textangle = 0
        trace.textfont = {"size": 12}
        trace.cliponaxis = False
        codes = [c[0] for c in trace.customdata]
        if highlight in codes:  # the chosen unit: its own outlined trace, so the legend symbols stay plain
            i = codes.index(highlight)
            keep = [j for j in range(len(codes)) if j != i]
            mark = go.Bar(trace)
            mark.update(x=[trace.x[i]], y=[trace.y[i]], text=[trace.text[i]], customdata=[trace.customdata[i]],
                        showlegend=False, marker_line={"color": "#000", "width": 3})
            trace.update(x=[trace.x[j] for j in keep], y=[trace.y[j] for j in keep],
                         text=[trace.text[j] for j in keep], customdata=[trace.customdata[j] for j in keep])
            extra.append(mark)
    fig.add_traces(extra)
    names = list(df.sort_values("value")["unit_name"])[::-1]
    chosen = df.loc[df["unit_code"] == highlight, "unit_name"]
    bold_tick(fig, list(fig.layout.xaxis.categoryarray or names), chosen.iloc[0] if len(chosen) else None)
    # reference lines are named in the legend, not labelled in the plot: labels there collide with the bars
    fig.layout.annotations = ()
    targets = df["target"].dropna()
    lines = [(targets.iloc[0] if len(targets) else None, "目标", TARGET_COLOR, "dash"), (city, city_label, REF_COLOR, "dot"),
             (baseline, "基线", STATUS_COLOR["red"], "dot")]
    for value, label, color, dash in lines:
        if value is None or pd.isna(value):
            continue
        if label != "目标":
            fig.add_hline(y=float(value), line_dash=dash, line_color=color, line_width=2)
        legend_line(fig, f"{label} {_fmt(float(value), unit)}", color, dash)
    fig.update_xaxes(tickangle=0 if len(fig.layout.xaxis.categoryarray or names) <= 10 else -45)
    if y_title:
        fig.update_yaxes(title={"text": y_title})
    values = [v for v in df["value"].tolist() + [city, baseline] + df["target"].tolist() if v is not None and pd.notna(v)]
    top = max(values) if values else 1.0
    fig.update_yaxes(range=[0, (min(1.12, top * 1.15) if unit == "%" else top * 1.18) or 1])
    return readable(fig)


def trend_chart(df: pd.DataFrame, title: str, unit: str, baseline: float | None = None) -> go.Figure:
    """charts.kpi_trend_chart (city + chosen county) with an optional baseline (e.g. K02 基线70%)."""
    fig = charts.kpi_trend_chart(df, title, unit)
    ref_line(fig, baseline, unit, "基线", color=STATUS_COLOR["red"], position="top right")
    if unit == "%":
        top = max([float(df["value"].max()) if df["value"].notna().any() else 0.0, baseline or 0.0,
                   float(df["target"].max()) if df["target"].notna().any() else 0.0])
        fig.update_yaxes(range=[0, min(1.1, max(0.1, top * 1.15))])
    return readable(fig)


def item_bar_chart(df: pd.DataFrame, title: str, labels: dict[str, str], unit: str = "%") -> go.Figure:
    """Per-item rates (e.g. the six 六有 items): one bar group per item, one colour per unit (city, county)."""
    fig = go.Figure()
    for i, (name, part) in enumerate(sorted(df.groupby("unit_name", sort=False),
                                            key=lambda g: g[1]["level"].iloc[0] != "市")):
        part = part.set_index("kpi_code").reindex([c for c in labels if c in set(part["kpi_code"])]).reset_index()
        color = CITY_COLOR if part["level"].iloc[0] == "市" else COUNTY_COLOR
        fig.add_trace(go.Bar(x=[labels[c] for c in part["kpi_code"]], y=part["value"], name=name, marker_color=color,
                             text=[f"{v:.0%}" for v in part["value"]], textposition="outside", textangle=0,
                             textfont={"size": 12}, cliponaxis=False,
                             customdata=charts._custom(part, "unit_code"), hovertemplate=hover(unit, name + " %{x}")))
    fig.add_hline(y=1.0, line_dash="dash", line_color=TARGET_COLOR, line_width=2)
    legend_line(fig, "目标 100%", TARGET_COLOR, "dash")
    fig.update_layout(barmode="group", bargap=0.25, uniformtext={"minsize": 11, "mode": "show"})
    fig.update_xaxes(type="category")
    charts.value_axis(fig, unit, "达标率")
    fig.update_yaxes(range=[0, 1.16])
    return readable(layout(fig, title, height=400))


def facet_trend_chart(df: pd.DataFrame, panels: list[tuple[str, str, str]], title: str, columns: int = 2,
                      height: int | None = None) -> go.Figure:
    """Small multiples over years, one panel per KPI (code, label, unit): city grey, chosen county blue."""
    rows = -(-len(panels) // columns)
    fig = make_subplots(rows=rows, cols=columns, subplot_titles=[p[1] for p in panels], horizontal_spacing=0.1,
                        vertical_spacing=0.2 if rows > 1 else 0.1)
    seen = set()
    for k, (code, label, unit) in enumerate(panels):
        row, col = k // columns + 1, k % columns + 1
        part = df[df["kpi_code"] == code]
        for level, color in (("市", CITY_COLOR), ("县", COUNTY_COLOR), ("乡", SERIES[2])):
            line = part[part["level"] == level].sort_values("year")
            if line.empty:
                continue
            name = line["unit_name"].iloc[0]
            fig.add_trace(go.Scatter(
                x=line["year"].astype(str), y=line["value"], name=name, legendgroup=name, showlegend=name not in seen,
                mode="lines+markers", line={"color": color, "width": 3}, marker={"size": 8},
                customdata=charts._custom(line, "unit_code"), hovertemplate=hover(unit, f"{name} {label} %{{x}}年")),
                row=row, col=col)
            seen.add(name)
        targets = part["target"].dropna()
        values = part["value"].dropna()
        top = max([float(values.max()) if len(values) else 0.0] + [float(t) for t in targets])
        if len(targets):
            goal = float(targets.iloc[-1])
            fig.add_hline(y=goal, line_dash="dash", line_color=TARGET_COLOR, line_width=2,
                          annotation_text="目标 " + _fmt(goal, unit), annotation_font_size=12,
                          annotation_font_color=TARGET_COLOR, row=row, col=col,
                          annotation_position="bottom left" if goal > 0.5 * top else "top left")
        if unit == "%":
            fig.update_yaxes(tickformat=".0%", range=[0, max(0.1, min(1.1, top * 1.15))], row=row, col=col,
                             title={"text": "比例"} if col == 1 else None)
        else:
            fig.update_yaxes(range=[0, max(1, top) * 1.2], row=row, col=col,
                             title={"text": unit} if col == 1 or panels[k - 1][2] != unit else None)
        fig.update_xaxes(type="category", row=row, col=col)
    for ann in fig.layout.annotations[:len(panels)]:
        ann.font = {"size": 15}
    fig.update_xaxes(showgrid=False, linecolor="#999", title={"text": "年度"}, row=rows)
    fig = layout(fig, title, height=height or 150 + 260 * rows)
    readable(fig, width=900 if columns > 1 else 360, extra=26)  # panel titles sit between legend and panels
    paper = fig.layout.height - fig.layout.margin.t - fig.layout.margin.b
    fig.update_layout(legend={"y": 1.0 + 26 / paper})
    return fig


def grouped_bar_chart(df: pd.DataFrame, series: list[tuple[str, str]], title: str, unit: str = "%",
                      target: float | None = 1.0, highlight: str | None = None) -> go.Figure:
    """Several KPIs side by side per county (mart_kpi rows); customdata[0] = county code."""
    fig = go.Figure()
    order = list(dict.fromkeys(df.sort_values("unit_code")["unit_name"]))
    for i, (code, label) in enumerate(series):
        part = df[df["kpi_code"] == code].set_index("unit_name").reindex(order).reset_index()
        part = part.dropna(subset=["kpi_code"])
        fig.add_trace(go.Bar(x=part["unit_name"], y=part["value"], name=label, marker_color=SERIES[i % len(SERIES)],
                             customdata=charts._custom(part, "unit_code"), hovertemplate=hover(unit, "%{x} " + label)))
    target_line(fig, target, unit)
    fig.update_layout(barmode="group", bargap=0.22, bargroupgap=0.05, clickmode="event+select")
    fig.update_xaxes(categoryorder="array", categoryarray=order)
    chosen = df.loc[df["unit_code"] == highlight, "unit_name"]
    bold_tick(fig, order, chosen.iloc[0] if len(chosen) else None)
    charts.value_axis(fig, unit)
    if unit == "%":
        fig.update_yaxes(range=[0, 1.1])
    return readable(layout(fig, title, height=420), width=900)


def count_bar_chart(df: pd.DataFrame, count: str, title: str, y_title: str, bands: list[tuple[float, str, str]],
                    target: float | None = None, floor: float | None = None, height: int = 400) -> go.Figure:
    """Counts per township (df: township_code, township_name, <count>), coloured by bands [(min, label, colour)]
    from the lowest up; target (dashed) and statutory floor (dotted red) lines. customdata[0] = township code."""
    df = df.sort_values([count, "township_code"], ascending=[True, True])
    fig = go.Figure()
    limits = [b[0] for b in bands] + [float("inf")]
    for (low, label, color), high in zip(bands, limits[1:]):
        part = df[(df[count] >= low) & (df[count] < high)]
        if part.empty:
            continue
        fig.add_trace(go.Bar(x=part["township_name"], y=part[count], name=label, marker_color=color,
                             text=part[count].astype(int).astype(str), textposition="outside", cliponaxis=False,
                             customdata=list(zip(part["township_code"], part[count].astype(int))),
                             hovertemplate=f"<b>%{{x}}</b><br>{y_title}：%{{y}}次"
                                           + (f"（目标≥{target:g}次）" if target is not None else "")
                                           + f"<extra>{label}</extra>"))
    for value, label, color, dash in ((target, "目标", TARGET_COLOR, "dash"), (floor, "法定底线", STATUS_COLOR["red"], "dot")):
        if value is not None:
            fig.add_hline(y=float(value), line_dash=dash, line_color=color, line_width=2)
            legend_line(fig, f"{label} {value:g}次", color, dash)
    top = max(float(df[count].max()) if len(df) else 0, target or 0)
    rotated = len(df) > 8
    fig.update_xaxes(categoryorder="array", categoryarray=list(df["township_name"]), tickangle=-45 if rotated else 0)
    fig.update_yaxes(title={"text": y_title + "（次）"}, range=[0, top * 1.25 + 0.5], dtick=1 if top <= 8 else None)
    fig.update_layout(barmode="overlay", clickmode="event+select")
    fig = layout(fig, title, height=height)
    return readable(fig)


def distribution_chart(df: pd.DataFrame, count: str, title: str, bins: list[tuple[int, int | None, str, str]],
                       y_title: str = "乡镇数（个）") -> go.Figure:
    """Stacked bars per county: how many townships fall in each count bin [(low, high or None, label, colour)].
    df: one row per township (county_code, county_name, <count>); customdata = [county code, n, total]."""
    totals = df.groupby(["county_code", "county_name"], sort=False).size().rename("total").reset_index()
    fig = go.Figure()
    for low, high, label, color in bins:
        mask = (df[count] >= low) & ((df[count] <= high) if high is not None else True)
        n = df[mask].groupby("county_code").size().rename("n")
        part = totals.join(n, on="county_code").fillna({"n": 0})
        fig.add_trace(go.Bar(x=part["county_name"], y=part["n"], name=label, marker_color=color,
                             customdata=part[["county_code", "n", "total"]].values.tolist(),
                             hovertemplate=f"<b>%{{x}}</b><br>{label}：%{{customdata[1]:.0f}}个乡镇"
                                           "（共%{customdata[2]:.0f}个）<extra></extra>"))
    fig.update_layout(barmode="stack", clickmode="event+select", legend={"traceorder": "normal"})
    fig.update_xaxes(type="category")
    fig.update_yaxes(title={"text": y_title})
    return readable(layout(fig, title, height=400))


def _jitter(key: str, width: float = 0.28) -> float:
    return (zlib.crc32(key.encode("utf-8")) % 1000 / 999 - 0.5) * 2 * width


def session_strip_chart(df: pd.DataFrame, title: str, by: str, quorum: float) -> go.Figure:
    """One point per 人代会 at its attendance (present / expected), grouped by `by` (county_name or unit_name);
    inquorate sessions in red; the 2/3 quorum line. customdata[0] = township code (drill)."""
    groups = list(dict.fromkeys(df[by]))
    pos = {g: i for i, g in enumerate(groups)}
    fig = go.Figure()
    for flag, name, color, size in ((False, "达到法定人数", SERIES[0], 9), (True, "不足三分之二（违反法定底线）",
                                                                      STATUS_COLOR["red"], 14)):
        part = df[df["inquorate"] == flag]
        if part.empty and flag:
            continue
        x = [pos[g] + _jitter(e) for g, e in zip(part[by], part["event_id"])]
        fig.add_trace(go.Scatter(
            x=x, y=part["attendance"], mode="markers", name=name,
            marker={"color": color, "size": size, "opacity": 0.8 if not flag else 1,
                    "symbol": "diamond" if flag else "circle", "line": {"color": "white", "width": 1}},
            customdata=list(zip(part["township_code"].fillna(part["county_code"]), part["present"], part["expected"],
                                part["unit_name"], part["start_date"].astype(str), part["session_label"].fillna("—"))),
            hovertemplate="<b>%{customdata[3]}</b> %{customdata[4]}<br>%{customdata[5]}<br>出席率：%{y:.1%}"
                          "<br>实出席 / 应出席：%{customdata[1]} / %{customdata[2]}人<extra></extra>"))
    fig.add_hline(y=quorum, line_dash="dash", line_color=TARGET_COLOR, line_width=2,
                  annotation_text="法定人数 三分之二", annotation_font_color=TARGET_COLOR, annotation_position="bottom left")
    low = min(quorum, float(df["attendance"].min()) if len(df) else quorum)
    fig.update_xaxes(tickvals=list(range(len(groups))), ticktext=groups, range=[-0.6, len(groups) - 0.4],
                     tickangle=0 if len(groups) <= 10 else -45, zeroline=False)
    fig.update_yaxes(tickformat=".0%", range=[max(0, low - 0.08), 1.02], title={"text": "出席率（实出席÷应出席）"})
    fig.update_layout(clickmode="event+select")
    fig = layout(fig, title, height=400)
    return readable(fig)

