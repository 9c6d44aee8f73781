"""Chart builders: pure functions DataFrame -> plotly Figure (no st.* here).

Conventions for every chart: Chinese title, axes and legend; years are categories ("2021", never "2,021");
the target is drawn as a line; hover shows numerator and denominator; one colour-blind-safe palette
(Okabe–Ito) with the traffic-light colours of etl.fmt; type large enough for a meeting-room projector.
"""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from etl.fmt import STATUS_COLOR, STATUS_ZH

FONT = "Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, PingFang SC, sans-serif"
SERIES = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
CITY_COLOR = "#444444"
TARGET_COLOR = "#B22222"
PLOT_CONFIG = {"displayModeBar": False, "locale": "zh-CN"}  # Plotly's own toolbar is English: hidden
# Built figures are cached with st.cache_resource (not covered by server.maxCacheDataSize): a small bound per
# function — each figure is bounded in size too (at most TOP_N units, or one county's townships).
FIGURE_CACHE = {"max_entries": 128, "show_spinner": False}
MAX_UNITS = 60  # a chart draws every unit up to this many (a city's counties, a county's townships) ...
TOP_N = 20      # ... beyond it (a province, the nation) the N weakest plus the chosen unit, said in the title
MAX_ROWS = 300  # matrices of townships / stations scroll: whole up to this many rows (a city's 116 townships)
_STATUS_RANK = {"red": 0, "amber": 1, "green": 2}


def bounded(df: pd.DataFrame, code_col: str = "unit_code", value_col: str = "value", higher_better: bool = True,
            keep: str | None = None, what: str = "个", name_col: str | None = "unit_name",
            both: bool = False) -> tuple[pd.DataFrame, str]:
    """(rows to draw, note): every row while there are at most MAX_UNITS units, else the TOP_N weakest units —
    red first, then amber, then by value — (`both`: the best and the worst TOP_N // 2) plus `keep` (a code or
    name), with a note such as "共120个县区，显示最低的20个". Long frames (several rows per unit) keep all rows."""
    units = df.drop_duplicates(code_col)
    if len(units) <= MAX_UNITS:
        return df, ""
    status = units["status"].map(_STATUS_RANK).fillna(3) if "status" in units else 0
    score = df.groupby(code_col, sort=False)[value_col].mean().reindex(units[code_col]).to_numpy()
    ranked = units.assign(_s=status, _v=score if higher_better else -score).sort_values(
        ["_s", "_v"], na_position="last", kind="stable")
    ranked = ranked[ranked["_v"].notna()]  # 未填报 / no denominator: not "the lowest"
    if both:
        half = TOP_N // 2
        codes = list(ranked[code_col].iloc[-half:][::-1]) + list(ranked[code_col].iloc[:half])
        note = f"共{len(units)}{what}，显示前{half}名和后{half}名"
    else:
        codes = list(ranked[code_col].iloc[:TOP_N])
        note = f"共{len(units)}{what}，显示{'最低' if higher_better else '最高'}的{len(codes)}个"
    if keep is not None:
        hit = units[(units[code_col] == keep) | ((units[name_col] == keep) if name_col in units else False)]
        extra = [c for c in hit[code_col] if c not in codes]
        if extra:
            codes += extra
            note += "及所选单位"
    note += "；其余请在上方选择查看"
    shown = df[df[code_col].isin(codes)]
    order = {c: i for i, c in enumerate(codes)}
    return shown.sort_values(code_col, key=lambda s: s.map(order), kind="stable"), note


def add_note(fig: go.Figure, note: str) -> go.Figure:
    """The bounding note of `bounded` as a second title line (kept in PNG exports), with room made for it."""
    if note:
        fig.update_layout(title={"text": f"{fig.layout.title.text}<br><sup>{note}</sup>"},
                          margin={"t": (fig.layout.margin.t or 84) + 22})
    return fig


def layout(fig: go.Figure, title: str, height: int = 420, legend: bool = True) -> go.Figure:
    fig.update_layout(
        title={"text": title, "font": {"size": 18}, "x": 0, "xanchor": "left"},
        font={"family": FONT, "size": 14, "color": "#222"},
        height=height, margin={"l": 10, "r": 10, "t": 84 if legend else 56, "b": 10},
        plot_bgcolor="white", paper_bgcolor="white", separators=".,",
        hoverlabel={"font": {"family": FONT, "size": 14}},
        showlegend=legend,
        # legend above the plot, under the title: never collides with an x-axis title or tick labels
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.01, "x": 0, "title": {"text": ""}},
    )
    fig.update_xaxes(showgrid=False, linecolor="#999", automargin=True)
    fig.update_yaxes(gridcolor="#e5e5e5", zeroline=False, automargin=True)
    return fig


def value_axis(fig: go.Figure, unit: str, title: str = "") -> None:
    if unit == "%":
        fig.update_yaxes(tickformat=".0%", rangemode="tozero", title={"text": title or "比例"})
    else:
        fig.update_yaxes(rangemode="tozero", title={"text": title or unit}, tickformat=",~r")


def hover(unit: str, name: str = "%{x}", axis: str = "y") -> str:
    value = f"%{{{axis}:.1%}}" if unit == "%" else f"%{{{axis}:,.1f}}" + unit
    return (f"<b>{name}</b><br>数值：{value}<br>分子 / 分母：%{{customdata[1]:,.0f}} / %{{customdata[2]:,.0f}}"
            "<extra></extra>")


def target_line(fig: go.Figure, target, unit: str, horizontal: bool = True) -> None:
    if target is None or pd.isna(target):
        return
    text = f"目标 {target:.0%}" if unit == "%" else f"目标 {target:g}{unit}"
    kwargs = dict(line_dash="dash", line_color=TARGET_COLOR, line_width=2, annotation_text=text,
                  annotation_font_color=TARGET_COLOR, annotation_font_size=13)
    if horizontal:
        fig.add_hline(y=float(target), annotation_position="top left", **kwargs)
    else:
        fig.add_vline(x=float(target), annotation_position="top right", **kwargs)


def _custom(df: pd.DataFrame, code_col: str) -> list:
    return df[[code_col, "numerator", "denominator"]].astype(object).where(df[[code_col, "numerator", "denominator"]].notna(), 0).values.tolist()


def kpi_trend_chart(df: pd.DataFrame, title: str, unit: str) -> go.Figure:
    """Lines over years: the city and, where present, the chosen county/township (mart_kpi rows)."""
    fig = go.Figure()
    order = {"市": 0, "县": 1, "乡": 2}
    for i, (name, part) in enumerate(sorted(df.groupby("unit_name"), key=lambda g: order.get(g[1]["level"].iloc[0], 3))):
        part = part.sort_values("year")
        color = CITY_COLOR if part["level"].iloc[0] == "市" else SERIES[i % len(SERIES)]
        fig.add_trace(go.Scatter(x=part["year"].astype(str), y=part["value"], name=name, mode="lines+markers",
                                 line={"color": color, "width": 3}, marker={"size": 9},
                                 customdata=_custom(part, "unit_code"), hovertemplate=hover(unit, name + " %{x}年")))
    targets = df["target"].dropna()
    target_line(fig, targets.iloc[-1] if len(targets) else None, unit)
    fig.update_xaxes(type="category", title={"text": "年度"})
    value_axis(fig, unit)
    return layout(fig, title)


def unit_what(df: pd.DataFrame) -> str:
    """"个县区" / "个乡镇（街道）" for the bounding note of mart_kpi rows."""
    return "个乡镇（街道）" if "level" in df and (df["level"] == "乡").any() else "个县区"


def unit_bar_chart(df: pd.DataFrame, title: str, unit: str, horizontal: bool = False, height: int = 420,
                   keep: str | None = None, higher_better: bool = True) -> go.Figure:
    """One bar per county/township coloured by traffic light; customdata[0] = unit code (for drill-down).
    More than MAX_UNITS units: the weakest TOP_N plus `keep` (code or name of the chosen unit), noted in the title."""
    df, note = bounded(df, keep=keep, higher_better=higher_better, what=unit_what(df))
    df = df.sort_values("value", ascending=horizontal)
    fig = go.Figure()
    for status in ("green", "amber", "red", None):
        part = df[df["status"].isna()] if status is None else df[df["status"] == status]
        if part.empty:
            continue
        xy = dict(x=part["value"], y=part["unit_name"]) if horizontal else dict(x=part["unit_name"], y=part["value"])
        fig.add_trace(go.Bar(**xy, name=STATUS_ZH[status], marker_color=STATUS_COLOR[status],
                             orientation="h" if horizontal else "v", customdata=_custom(part, "unit_code"),
                             hovertemplate=hover(unit, "%{y}", "x") if horizontal else hover(unit)))
    targets = df["target"].dropna()
    target_line(fig, targets.iloc[0] if len(targets) else None, unit, horizontal=not horizontal)
    if horizontal:
        fig.update_yaxes(categoryorder="array", categoryarray=list(df["unit_name"]))
        if unit == "%":
            fig.update_xaxes(tickformat=".0%", rangemode="tozero")
    else:
        fig.update_xaxes(categoryorder="array", categoryarray=list(df["unit_name"]))
        value_axis(fig, unit)
    fig.update_layout(barmode="overlay", clickmode="event+select")
    return add_note(layout(fig, title, height=height), note)


def heatmap_chart(matrix: pd.DataFrame, title: str, codes: list[str], yes: str = "达标", no: str = "未达标",
                  height: int | None = None, limit: int | None = None) -> go.Figure:
    """Rows = units, columns = items, values 1/0/None; a ✓/✗ in every cell so colour is not the only signal.
    More than `limit` rows (default MAX_UNITS): the TOP_N rows with the fewest ✓ (未填报 counts as ✗), noted in
    the title."""
    note = ""
    if len(matrix) > (limit or MAX_UNITS):
        met = matrix.astype(float).fillna(0).mean(axis=1).to_numpy()
        pick = sorted(range(len(matrix)), key=lambda i: met[i])[:TOP_N]
        note = f"共{len(matrix)}个，显示{yes}项最少的{len(pick)}个；其余请在上方选择查看"
        matrix, codes, height = matrix.iloc[pick], [codes[i] for i in pick], None  # the caller sized all rows
    z = matrix.astype(float).values
    text = [["✓" if v == 1 else ("✗" if v == 0 else "未填报") for v in row] for row in z]
    xs, ys = [str(c) for c in matrix.columns], [str(r) for r in matrix.index]
    fig = go.Figure(go.Heatmap(
        z=z, x=xs, y=ys, text=text, texttemplate="%{text}", hoverinfo="skip",
        customdata=[[c] * matrix.shape[1] for c in codes],  # per row, for readers of the figure
        textfont={"size": 13}, zmin=0, zmax=1, showscale=False, xgap=2, ygap=2,
        colorscale=[[0, STATUS_COLOR["red"]], [1, STATUS_COLOR["green"]]]))
    # Heatmap cells cannot be selected: an invisible marker on every cell carries the hover and the click
    # (customdata[0] = unit code) so frame.chart(..., drill=...) works on matrices too.
    cells = [(x, y, [code, f"<b>{y}</b><br>{x}：{text[i][j]}（✓{yes} ✗{no}）"])
             for i, (y, code) in enumerate(zip(ys, codes)) for j, x in enumerate(xs)]
    fig.add_trace(go.Scatter(x=[c[0] for c in cells], y=[c[1] for c in cells], customdata=[c[2] for c in cells],
                             mode="markers", showlegend=False, hovertemplate="%{customdata[1]}<extra></extra>",
                             marker={"symbol": "square", "size": 22, "opacity": 0},
                             selected={"marker": {"opacity": 0}}, unselected={"marker": {"opacity": 0}}))
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(side="top", type="category")
    fig = layout(fig, title, height=height or max(320, 28 * len(matrix) + 140), legend=False)
    fig.update_layout(margin={"t": 110}, title={"y": 0.98, "yanchor": "top"})  # item labels sit on top
    return add_note(fig, note)


def radar_chart(dims: pd.DataFrame, title: str, compare: pd.DataFrame | None = None, name: str = "本县",
                compare_name: str = "全市平均") -> go.Figure:
    """Six dimension scores as a share of each dimension's full weight (dims: dimension_name, score, max_score)."""
    fig = go.Figure()
    for frame, label, color in ((compare, compare_name, CITY_COLOR), (dims, name, SERIES[0])):
        if frame is None or frame.empty:
            continue
        share = (frame["score"] / frame["max_score"]).tolist()
        theta = frame["dimension_name"].tolist()
        fig.add_trace(go.Scatterpolar(r=share + share[:1], theta=theta + theta[:1], name=label, fill="toself",
                                      line={"color": color, "width": 3}, opacity=0.75,
                                      hovertemplate="%{theta}：得分率 %{r:.0%}<extra>" + label + "</extra>"))
    fig.update_layout(polar={"radialaxis": {"range": [0, 1], "tickformat": ".0%", "angle": 90}})
    return layout(fig, title, height=440)


def histogram_chart(values: pd.Series, title: str, x_title: str, lines: dict[str, float] | None = None,
                    bin_size: float = 5) -> go.Figure:
    fig = go.Figure(go.Histogram(x=values, xbins={"size": bin_size}, marker_color=SERIES[0],
                                 hovertemplate=f"{x_title} %{{x}}：%{{y}}人<extra></extra>"))
    for label, x in (lines or {}).items():
        fig.add_vline(x=x, line_dash="dash", line_color=TARGET_COLOR, annotation_text=label,
                      annotation_font_color=TARGET_COLOR)
    fig.update_xaxes(title={"text": x_title})
    fig.update_yaxes(title={"text": "人数"})
    return layout(fig, title, legend=False)


def share_bar_chart(df: pd.DataFrame, title: str, x: str, category: str, order: list[str], colors: list[str] | None = None,
                    x_is_year: bool = True) -> go.Figure:
    """100% stacked bars (df: x, category, share, count) e.g. A/B/C/D result classes by year."""
    fig = go.Figure()
    for i, cat in enumerate(order):
        part = df[df[category] == cat]
        fig.add_trace(go.Bar(x=part[x].astype(str), y=part["share"], name=cat, customdata=part[["count"]].values,
                             marker_color=(colors or SERIES)[i % len(colors or SERIES)],
                             hovertemplate=f"%{{x}} {cat}：%{{y:.1%}}（%{{customdata[0]}}件）<extra></extra>"))
    fig.update_layout(barmode="stack")
    fig.update_yaxes(tickformat=".0%", range=[0, 1])
    fig.update_xaxes(type="category" if x_is_year else "-", title={"text": "年度" if x_is_year else ""})
    return layout(fig, title)


GRADE_COLOR = {"优秀": "#009E73", "良好": "#56B4E9", "一般": "#E69F00", "较差": "#D55E00"}


def index_ranking_chart(ranking: pd.DataFrame, title: str, line: float = 80.0) -> go.Figure:
    """Composite index by county (rank 1 on top), coloured by grade, with the 80-point 通报 line; more than
    MAX_UNITS counties: the first and the last TOP_N // 2, noted in the title."""
    df, note = bounded(ranking, "county_code", "total", name_col="county_name", what="个县区", both=True)
    df = df.sort_values("rank", ascending=False)
    fig = go.Figure()
    for grade, color in GRADE_COLOR.items():
        part = df[df["grade"] == grade]
        if part.empty:
            continue
        labels = part["county_name"] + part["dagger"].fillna("").astype(str)
        change = part["rank_change"].apply(lambda c: "—" if pd.isna(c) else ("持平" if c == 0 else (f"↑{int(c)}" if c > 0 else f"↓{int(-c)}")))
        fig.add_trace(go.Bar(
            x=part["total"], y=labels, orientation="h", name=grade, marker_color=color,
            text=[f"{t:.1f}  第{int(r)}名 {c}" for t, r, c in zip(part["total"], part["rank"], change)],
            textposition="outside", cliponaxis=False, textfont={"size": 14},
            customdata=part[["county_code"]].values,
            hovertemplate="<b>%{y}</b><br>综合指数 %{x:.1f} 分<extra>" + grade + "</extra>"))
    fig.add_vline(x=line, line_dash="dash", line_color=TARGET_COLOR, annotation_text=f"{line:g}分通报线",
                  annotation_font_color=TARGET_COLOR, annotation_position="top")
    order = list(df["county_name"] + df["dagger"].fillna("").astype(str))
    fig.update_yaxes(categoryorder="array", categoryarray=order)
    fig.update_xaxes(title={"text": "得分（百分制，另加创新宣传加分≤5分）"}, range=[0, max(105, float(df["total"].max())) * 1.3])
    fig.update_layout(barmode="overlay", clickmode="event+select")
    return add_note(layout(fig, title, height=80 + 44 * len(df)), note)
