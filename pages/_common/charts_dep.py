"""Chart builders of the 代表工作 and 建议办理 pages: pure functions DataFrame -> plotly Figure (no st.* here).

Same conventions as charts.py (Chinese title/axes/legend, years as categories, target lines, hover with
numerator/denominator, customdata[0] = unit code where a click should open the unit's profile).
"""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from etl.fmt import STATUS_COLOR
from pages._common.charts import (
    CITY_COLOR,
    SERIES,
    TARGET_COLOR,
    hover,
    layout,
    target_line,
    value_axis,
)

GRADES = ("履职好", "较好", "差")
GRADE_COLOR = {"履职好": "#009E73", "较好": "#56B4E9", "差": "#D55E00"}
CLASSES = ("A", "B", "C", "D")
CLASS_ZH = {"A": "A 已解决或基本解决", "B": "B 正在解决或列入计划", "C": "C 列入规划或暂难解决", "D": "D 留作参考"}
CLASS_COLOR = {"A": "#009E73", "B": "#56B4E9", "C": "#E69F00", "D": "#D55E00", "未答复": "#BBBBBB"}
RATE_SCALE = [[0, STATUS_COLOR["red"]], [0.79, STATUS_COLOR["red"]], [0.8, STATUS_COLOR["amber"]],
              [0.99, STATUS_COLOR["amber"]], [1, STATUS_COLOR["green"]]]  # the traffic-light rule, target 100%


def _pct_or_value(v, unit: str) -> str:
    if unit == "%":
        return f"{v:.0%}" if abs(v * 100 - round(v * 100)) < 1e-9 else f"{v:.1%}"
    return f"{v:,.1f}{unit}"


LINES = tuple(c for c in SERIES if c != "#F0E442")  # the yellow is too faint for lines on white


def legend_below(fig: go.Figure, y: float | None = None) -> go.Figure:
    """Legend under the x-axis title (the shared layout puts it at -0.12, on top of a titled axis): about 80 px
    below the plot area whatever the figure's height."""
    plot = max(150, (fig.layout.height or 420) - 150)
    fig.update_layout(legend={"y": y if y is not None else -min(0.45, 82 / plot), "yanchor": "top",
                              "traceorder": "normal"}, margin={"b": 20})
    return fig


def reference_line(fig: go.Figure, value, label: str, unit: str, horizontal: bool = True, dash: str = "dot",
                   color: str = CITY_COLOR) -> None:
    """A comparison value (e.g. the city's rate next to township bars) as a line named in the legend."""
    if value is None or pd.isna(value):
        return
    kwargs = {"line_dash": dash, "line_color": color, "line_width": 2, "layer": "below"}  # bar labels stay legible
    if horizontal:
        fig.add_hline(y=float(value), **kwargs)
    else:
        fig.add_vline(x=float(value), **kwargs)
    fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", name=f"{label} {_pct_or_value(value, unit)}",
                             line={"color": color, "dash": dash, "width": 2}, hoverinfo="skip"))


def label_bars(fig: go.Figure, unit: str, horizontal: bool = False) -> None:
    """Print each bar's value on it (readable on a projector; hover still gives numerator/denominator)."""
    fmt = "%{x:.1%}" if horizontal else "%{y:.1%}"
    if unit != "%":
        fmt = ("%{x:,.1f}" if horizontal else "%{y:,.1f}") + unit
    for trace in fig.data:
        if trace.type == "bar":
            trace.update(texttemplate=fmt, textposition="inside", insidetextanchor="end", textangle=0,
                         textfont={"color": "white", "size": 12})
    fig.update_layout(uniformtext={"minsize": 10, "mode": "hide"})


def highlight(fig: go.Figure, name: str, horizontal: bool = False) -> None:
    """Outline the bar of the chosen unit in black (the other bars keep their traffic-light colour)."""
    for trace in fig.data:
        if trace.type != "bar":
            continue
        labels = list(trace.y if horizontal else trace.x)
        trace.marker.line.width = [3 if n == name else 0 for n in labels]
        trace.marker.line.color = "#000000"


def rate_heatmap(df: pd.DataFrame, title: str, height: int | None = None) -> go.Figure:
    """Units × items coloured by pass rate (df: unit_code, unit_name, item, num, den in display order)."""
    rows = list(dict.fromkeys(df["unit_name"]))
    cols = list(dict.fromkeys(df["item"]))
    cell = df.set_index(["unit_name", "item"])
    z, text, custom = [], [], []
    for r in rows:
        zr, tr, cr = [], [], []
        for c in cols:
            num, den, code = cell.loc[(r, c), ["num", "den", "unit_code"]] if (r, c) in cell.index else (0, 0, "")
            v = num / den if den else None
            zr.append(v)
            tr.append("—" if v is None else f"{v:.0%}")
            cr.append([code, num, den])
        z.append(zr), text.append(tr), custom.append(cr)
    fig = go.Figure(go.Heatmap(
        z=z, x=cols, y=rows, text=text, texttemplate="%{text}", textfont={"size": 14}, customdata=custom,
        zmin=0, zmax=1, colorscale=RATE_SCALE, showscale=False, xgap=2, ygap=2,
        hovertemplate="<b>%{y}</b> · %{x}<br>达标率：%{z:.1%}<br>达标站点 / 站点数：%{customdata[1]:,.0f} / "
                      "%{customdata[2]:,.0f}<extra></extra>"))
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(side="top", type="category")
    fig.update_layout(clickmode="event+select")
    fig = layout(fig, title, height=height or max(340, 34 * len(rows) + 160), legend=False)
    fig.update_layout(margin={"t": 96})  # room for the item labels on top, under the title
    return fig


def item_rate_chart(df: pd.DataFrame, title: str, city_series: str = "全市") -> go.Figure:
    """Horizontal grouped bars: pass rate per checklist item, one series per scope (df: item, series, num, den);
    the series named `city_series` (the top unit: 全市 / 全省 / 全国) is drawn in the city colour."""
    fig = go.Figure()
    items = list(dict.fromkeys(df["item"]))
    groups = list(df.groupby("series", sort=False))
    for i, (name, part) in reversed(list(enumerate(groups))):  # first series drawn on top within each item
        value = part["num"] / part["den"].where(part["den"] > 0)
        color = CITY_COLOR if name == city_series else SERIES[(i + 1) % len(SERIES)]  # county orange as in trends
        fig.add_trace(go.Bar(y=part["item"], x=value, name=name, orientation="h", marker_color=color,
                             customdata=part[["series", "num", "den"]].values.tolist(),
                             text=[f"{v:.0%}" for v in value], textposition="outside", cliponaxis=False,
                             textfont={"size": 13}, hovertemplate=hover("%", name + " · %{y}", "x")))
    reference_line(fig, 1.0, "目标", "%", horizontal=False, dash="dash", color=TARGET_COLOR)
    fig.update_yaxes(type="category", categoryorder="array", categoryarray=items[::-1], title={"text": "站点标准项目"})
    fig.update_xaxes(tickformat=".0%", range=[0, 1.18], title={"text": "达标率"})
    fig.update_layout(barmode="group")
    return legend_below(layout(fig, title, height=max(400, (26 * len(groups) + 14) * len(items) + 170)))


def item_trend_chart(df: pd.DataFrame, title: str) -> go.Figure:
    """One line per checklist item over the years (df: year, item, num, den)."""
    fig = go.Figure()
    for i, (name, part) in enumerate(df.groupby("item", sort=False)):
        part = part.sort_values("year")
        value = part["num"] / part["den"].where(part["den"] > 0)
        fig.add_trace(go.Scatter(x=part["year"].astype(str), y=value, name=name, mode="lines+markers",
                                 line={"color": LINES[i % len(LINES)], "width": 3}, marker={"size": 8},
                                 customdata=part[["item", "num", "den"]].values.tolist(),
                                 hovertemplate=hover("%", name + " %{x}年")))
    target_line(fig, 1.0, "%")
    fig.update_xaxes(type="category", title={"text": "年度"})
    value_axis(fig, "%", "达标率")
    return legend_below(layout(fig, title))


def points_hist_chart(bins: pd.DataFrame, title: str, pass_line: float, good_line: float) -> go.Figure:
    """Deputies per 5-point bin of the yearly total, coloured by grade band, with the grade lines."""
    fig = go.Figure()
    lo = bins["bin_start"]
    band = pd.Series("较好", index=bins.index).mask(lo < pass_line, "差").mask(lo >= good_line, "履职好")
    for grade in GRADES:
        part = bins[band == grade]
        if part.empty:
            continue
        labels = [f"{a:g}～100分" if a >= 95 else f"{a:g}～{a + 5:g}分（不含{a + 5:g}分）" for a in part["bin_start"]]
        fig.add_trace(go.Bar(x=part["bin_start"] + 2.5, y=part["n"], width=5, name=grade,
                             marker={"color": GRADE_COLOR[grade], "line": {"color": "white", "width": 1}},
                             customdata=[[lab] for lab in labels],
                             hovertemplate="%{customdata[0]}：%{y}人<extra>" + grade + "</extra>"))
    for label, x, pos in ((f"{pass_line:g}分合格线", pass_line, "top left"),
                          (f"{good_line:g}分“履职好”线", good_line, "top right")):
        fig.add_vline(x=x, line_dash="dash", line_color=TARGET_COLOR, line_width=2, annotation_text=label,
                      annotation_font_color=TARGET_COLOR, annotation_position=pos, annotation_font_size=13)
    fig.update_xaxes(title={"text": "年度履职积分（分）"}, range=[max(0, float(lo.min()) - 5) if len(lo) else 0, 101],
                     dtick=10)
    fig.update_yaxes(title={"text": "代表人数（人）"}, range=[0, float(bins["n"].max() or 1) * 1.18])
    fig.update_layout(barmode="overlay", bargap=0)
    return legend_below(layout(fig, title))


def grade_share_chart(df: pd.DataFrame, title: str) -> go.Figure:
    """100% stacked horizontal bars of grade bands per unit (df: unit_code, unit_name, grade, n); worst on top."""
    wide = df.pivot_table(index=["unit_code", "unit_name"], columns="grade", values="n", aggfunc="sum",
                          fill_value=0, sort=False).reindex(columns=list(GRADES), fill_value=0)
    total = wide.sum(axis=1)
    wide = wide.assign(_bad=wide["差"] / total.where(total > 0)).sort_values("_bad", ascending=True)
    total = total.loc[wide.index]
    names = [n for _, n in wide.index]
    codes = [c for c, _ in wide.index]
    fig = go.Figure()
    for grade in GRADES:
        share = wide[grade] / total.where(total > 0)
        fig.add_trace(go.Bar(
            y=names, x=share, name=grade, orientation="h", marker_color=GRADE_COLOR[grade],
            customdata=[[c, int(n), int(t)] for c, n, t in zip(codes, wide[grade], total)],
            text=[f"{v:.0%}" if v >= 0.06 else "" for v in share.fillna(0)], textposition="inside",
            insidetextanchor="middle", textfont={"color": "white", "size": 13},
            hovertemplate="<b>%{y}</b><br>" + grade + "：%{customdata[1]}人 / 共%{customdata[2]}人（%{x:.1%}）"
                          "<extra></extra>"))
    fig.update_layout(barmode="stack", clickmode="event+select")
    fig.update_xaxes(tickformat=".0%", range=[0, 1], title={"text": "占有积分代表的比例"})
    fig.update_yaxes(categoryorder="array", categoryarray=names, type="category")
    return legend_below(layout(fig, title, height=max(360, 30 * len(names) + 150)))


def class_share_chart(df: pd.DataFrame, title: str, x: str, code: str | None = None, x_title: str = "年度",
                      highlight_name: str | None = None, target: float | None = None) -> go.Figure:
    """A/B/C/D as 100% stacked bars over replied suggestions (df: x, n_replied, n_a … n_d[, code])."""
    fig = go.Figure()
    labels = df[x].astype(str).tolist()
    replied = df["n_replied"].where(df["n_replied"] > 0)
    for cls in CLASSES:
        count = df[f"n_{cls.lower()}"]
        share = count / replied
        codes = df[code].tolist() if code else [""] * len(df)
        fig.add_trace(go.Bar(
            x=labels, y=share, name=CLASS_ZH[cls], marker_color=CLASS_COLOR[cls],
            customdata=[[c, int(n), int(r) if pd.notna(r) else 0] for c, n, r in zip(codes, count, replied)],
            text=[f"{v:.0%}" if pd.notna(v) and v >= 0.05 else "" for v in share], textposition="inside",
            insidetextanchor="middle", textangle=0, textfont={"color": "white", "size": 12},
            hovertemplate="<b>%{x}</b><br>" + CLASS_ZH[cls] + "：%{y:.1%}<br>件数 / 已答复件数："
                          "%{customdata[1]} / %{customdata[2]}<extra></extra>"))
    fig.update_layout(barmode="stack", clickmode="event+select", uniformtext={"minsize": 10, "mode": "hide"})
    if target is not None:
        fig.add_hline(y=target, line_dash="dash", line_color=TARGET_COLOR, line_width=2)
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", name=f"解决率目标 {target:.0%}",
                                 line={"color": TARGET_COLOR, "dash": "dash", "width": 2}, hoverinfo="skip"))
    fig.update_yaxes(tickformat=".0%", range=[0, 1], title={"text": "占已答复件数的比例"})
    fig.update_xaxes(type="category", title={"text": x_title})
    if highlight_name:
        fig.update_xaxes(tickvals=labels, ticktext=[f"<b>{t}</b>" if t == highlight_name else t for t in labels])
        highlight(fig, highlight_name)
    return legend_below(layout(fig, title, height=460))


def category_chart(df: pd.DataFrame, title: str) -> go.Figure:
    """Suggestions per category as stacked counts by result class (A–D, not yet replied); 解决率 at the bar end."""
    df = df.sort_values("n", ascending=True)
    fig = go.Figure()
    parts = [(c, df[f"n_{c.lower()}"], CLASS_ZH[c]) for c in CLASSES]
    parts.append(("未答复", df["n"] - df["n_replied"], "未答复"))
    for key, count, name in parts:
        fig.add_trace(go.Bar(y=df["category"], x=count, name=name, orientation="h", marker_color=CLASS_COLOR[key],
                             customdata=df[["category", "n"]].values.tolist(),
                             hovertemplate="<b>%{y}</b><br>" + name + "：%{x}件（共%{customdata[1]}件）<extra></extra>"))
    rate = df["n_a"] / df["n_replied"].where(df["n_replied"] > 0)
    fig.add_trace(go.Scatter(
        y=df["category"], x=df["n"], mode="text", showlegend=False, textposition="middle right",
        text=[f"  {int(n)}件 · 解决率{r:.0%}" if pd.notna(r) else f"  {int(n)}件" for n, r in zip(df["n"], rate)],
        textfont={"size": 13}, customdata=df[["category", "n_a", "n_replied"]].values.tolist(),
        hovertemplate="<b>%{y}</b><br>解决率（A类占比）：%{customdata[1]} / %{customdata[2]}<extra></extra>"))
    fig.update_layout(barmode="stack")
    fig.update_xaxes(title={"text": "建议件数（件）"}, range=[0, float(df["n"].max() or 1) * 1.75])
    fig.update_yaxes(type="category", title={"text": "类别"})
    return legend_below(layout(fig, title, height=max(380, 40 * len(df) + 170)))


def paired_bar_chart(df: pd.DataFrame, title: str, series: list[tuple[str, str]], unit: str, y_title: str,
                     target: float | None = None, highlight_name: str | None = None) -> go.Figure:
    """Grouped bars per unit for several measures (df: unit_code, unit_name, <col>, <col>_num, <col>_den)."""
    fig = go.Figure()
    for i, (col, label) in enumerate(series):
        num = df.get(f"{col}_num", df[col])
        den = df.get(f"{col}_den", pd.Series([1] * len(df), index=df.index))
        custom = pd.concat([df["unit_code"], num, den], axis=1).astype(object).where(
            pd.concat([df["unit_code"], num, den], axis=1).notna(), 0).values.tolist()
        tmpl = hover(unit, label + " · %{x}") if f"{col}_den" in df else (
            f"<b>{label} · %{{x}}</b><br>数值：%{{y:,.1f}}{unit}<extra></extra>")
        fig.add_trace(go.Bar(x=df["unit_name"], y=df[col], name=label, marker_color=SERIES[i % len(SERIES)],
                             customdata=custom, hovertemplate=tmpl))
    target_line(fig, target, unit)
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=list(df["unit_name"]))
    value_axis(fig, unit, y_title)
    if highlight_name:
        names = list(df["unit_name"])
        fig.update_xaxes(tickvals=names, ticktext=[f"<b>{n}</b>" if n == highlight_name else n for n in names])
        highlight(fig, highlight_name)
    fig.update_layout(barmode="group", clickmode="event+select")
    return legend_below(layout(fig, title))


def multi_trend_chart(df: pd.DataFrame, title: str, unit: str, target: float | None = None,
                      y_title: str = "") -> go.Figure:
    """Several series over years (df: year, series, value, numerator, denominator, unit_code, dashed)."""
    fig = go.Figure()
    colors: dict[str, str] = {}
    for name, part in df.groupby("series", sort=False):
        part = part.sort_values("year")
        base = part["measure"].iloc[0] if "measure" in part else name
        color = colors.setdefault(base, LINES[len(colors) % len(LINES)])
        dashed = bool(part["dashed"].iloc[0]) if "dashed" in part else False
        custom = part[["unit_code", "numerator", "denominator"]].astype(object).where(
            part[["unit_code", "numerator", "denominator"]].notna(), 0).values.tolist()
        tmpl = hover(unit, name + " %{x}年") if unit == "%" else (
            f"<b>{name} %{{x}}年</b><br>数值：%{{y:,.1f}}{unit}<extra></extra>")
        fig.add_trace(go.Scatter(x=part["year"].astype(str), y=part["value"], name=name, mode="lines+markers",
                                 line={"color": color, "width": 3, "dash": "dot" if dashed else "solid"},
                                 marker={"size": 8}, customdata=custom, hovertemplate=tmpl))
    target_line(fig, target, unit)
    fig.update_xaxes(type="category", title={"text": "年度"})
    value_axis(fig, unit, y_title)
    return legend_below(layout(fig, title))


def unit_rank_chart(df: pd.DataFrame, title: str, col: str, num: str, den: str, label: str,
                    target: float | None = None) -> go.Figure:
    """Handling units ranked on one rate, lowest at the top (df: unit_name, county_name, <col>, <num>, <den>)."""
    df = df.sort_values([col, den], ascending=[False, True])
    names = df["unit_name"].tolist()
    status = ["green" if target is not None and v >= target - 1e-9 else ("amber" if target is not None and v >= 0.8 * target
              else "red") for v in df[col]]
    custom = df[["unit_name", num, den, "county_name"]].values.tolist()
    fig = go.Figure(go.Bar(
        y=names, x=df[col], orientation="h", marker_color=[STATUS_COLOR[s] for s in status],
        text=[f"{v:.0%}（{int(a)}/{int(b)}）" for v, a, b in zip(df[col], df[num], df[den])], textposition="outside",
        cliponaxis=False, customdata=custom, textfont={"size": 13},
        hovertemplate="<b>%{y}</b>（%{customdata[3]}）<br>" + label + "：%{x:.1%}<br>分子 / 分母："
                      "%{customdata[1]:,.0f} / %{customdata[2]:,.0f}<extra></extra>"))
    if target is not None:  # the target is named in the caption: a label here would sit on the bar texts
        fig.add_vline(x=target, line_dash="dash", line_color=TARGET_COLOR, line_width=2)
    fig.update_xaxes(tickformat=".0%", range=[0, 1.5], tickvals=[0, 0.25, 0.5, 0.75, 1], title={"text": label})
    fig.update_yaxes(type="category", categoryorder="array", categoryarray=names)
    return layout(fig, title, height=max(320, 30 * len(names) + 140), legend=False)
