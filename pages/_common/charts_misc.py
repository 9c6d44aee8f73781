"""Chart builders of the 党委领导与保障 and 民生实事票决 pages: pure functions DataFrame -> plotly Figure.

Same conventions as charts.py (Chinese text, years as categories, target lines, numerator/denominator in
hover, customdata[0] = unit code for drill-down, the traffic-light palette of etl.fmt).
"""
from __future__ import annotations

import datetime as dt

import pandas as pd
import plotly.graph_objects as go

from etl.fmt import STATUS_COLOR
from pages._common import charts
from pages._common.charts import (
    CITY_COLOR,
    SERIES,
    TARGET_COLOR,
    hover,
    layout,
    target_line,
)

STAGES = ("征集", "初定", "审议", "票决", "实施", "监督", "评估")
MEETING_COLOR = {"按期召开": STATUS_COLOR["green"], "逾期召开": STATUS_COLOR["amber"],
                 "未召开·未到期限": STATUS_COLOR[None], "未召开·已超期限": STATUS_COLOR["red"]}


def _zero(values) -> list:
    return [0 if pd.isna(v) else v for v in values]


def legend_below(fig: go.Figure, y: float = -0.2) -> go.Figure:
    """Legend under the x-axis title (charts.layout puts it right under the ticks)."""
    fig.update_layout(legend={"y": y})
    return fig


def _label_bg(fig: go.Figure) -> go.Figure:
    """Target-line labels on a white box, readable where they cross a bar."""
    fig.update_annotations(bgcolor="rgba(255,255,255,0.85)")
    return fig


def highlight(fig: go.Figure, name: str | None, horizontal: bool = False) -> go.Figure:
    """Outline the chosen unit's bar in every bar trace (colour stays the traffic light)."""
    if not name:
        return fig
    for trace in fig.data:
        if trace.type != "bar":
            continue
        cats = trace.y if horizontal else trace.x
        if cats is None:
            continue
        trace.marker.line = {"width": [4 if c == name else 0 for c in cats], "color": "#222"}
    return fig


def kpi_bar_chart(df: pd.DataFrame, title: str, unit: str, chosen: str | None = None, height: int = 400) -> go.Figure:
    """charts.unit_bar_chart (traffic light, target line, drill, bounded at scale) with the chosen unit outlined."""
    fig = charts.unit_bar_chart(df, title, unit, height=height, keep=chosen)
    if unit != "%":
        fig.update_yaxes(title={"text": f"次数（{unit}）" if unit == "次" else unit})
    if unit == "次":
        fig.update_yaxes(dtick=1, tickformat=",d")
    return highlight(_label_bg(fig), chosen)


def count_bar_chart(df: pd.DataFrame, title: str, x: str, y: str, code: str, y_title: str, what: str,
                    height: int = 320) -> go.Figure:
    """Plain counts per unit (no target), e.g. reports heard by each township party committee."""
    df = df.sort_values([y, x], ascending=[False, True])
    fig = go.Figure(go.Bar(x=df[x], y=df[y], marker_color=SERIES[0], customdata=df[[code]].values,
                           text=df[y], textposition="outside", cliponaxis=False,
                           hovertemplate=f"<b>%{{x}}</b><br>{what}：%{{y}}次<extra></extra>"))
    fig.update_xaxes(categoryorder="array", categoryarray=list(df[x]))
    fig.update_yaxes(title={"text": y_title}, rangemode="tozero", tickformat=",d", dtick=1)
    fig.update_layout(clickmode="event+select")
    return layout(fig, title, height=height, legend=False)


def meeting_timeline_chart(df: pd.DataFrame, title: str, year: int, term_start: int, deadline_year: int) -> go.Figure:
    """K33: date of each county's first 人大工作会议 of the term; not held = ✗ at the year end; deadline line."""
    start, end = dt.date(term_start, 1, 1), dt.date(year, 12, 31)
    deadline = dt.date(deadline_year, 12, 31)
    df = df.copy()
    df["x"] = [d.date() if pd.notna(d) else end for d in pd.to_datetime(df["meeting_date"])]
    df["when"] = [f"{d:%Y年%-m月%-d日}" if held else f"截至{year}年底未召开"
                  for d, held in zip(df["x"], df["meeting_held"])]
    fig = go.Figure()
    for state, color in MEETING_COLOR.items():
        part = df[df["meeting_state"] == state]
        if part.empty:
            continue
        held = bool(part["meeting_held"].iloc[0])
        fig.add_trace(go.Scatter(
            x=part["x"], y=part["county_name"], mode="markers+text", name=state,
            marker={"size": 18, "color": color, "symbol": "circle" if held else "x",
                    "line": {"width": 1, "color": "#333"}},
            text=["" if h else "未召开" for h in part["meeting_held"]], textposition="middle left",
            textfont={"color": color, "size": 13},
            customdata=part[["county_code", "when", "meeting_title"]].fillna("—").values,
            hovertemplate="<b>%{y}</b><br>%{customdata[1]}<br>%{customdata[2]}<extra>" + state + "</extra>"))
    if start <= deadline <= end:
        fig.add_shape(type="line", x0=deadline, x1=deadline, y0=0, y1=1, yref="paper",
                      line={"dash": "dash", "color": TARGET_COLOR, "width": 2})
        fig.add_annotation(x=deadline, y=1, yref="paper", yanchor="bottom", showarrow=False,
                           text=f"期限：本届第{deadline_year - term_start + 1}年底", xanchor="right",
                           font={"color": TARGET_COLOR, "size": 13})
    order = list(df.sort_values("county_code", ascending=False)["county_name"])
    fig.update_yaxes(categoryorder="array", categoryarray=order, type="category")
    fig.update_xaxes(range=[start - dt.timedelta(days=20), end + dt.timedelta(days=20)], tickformat="%Y年",
                     dtick="M12", title={"text": f"本届（{term_start}年起）召开日期"}, showgrid=True, gridcolor="#eee")
    fig.update_layout(clickmode="event+select")
    fig = layout(fig, title, height=max(340, 120 + 38 * len(df)))
    fig.update_layout(margin={"t": 80})
    return legend_below(fig, -0.25)


FUNDS = (("deputy_funds_10k", "代表活动经费"), ("suggestion_fund_10k", "建议办理专项资金"),
         ("township_npc_funds_10k", "乡镇人大工作经费"))


def funds_bar_chart(df: pd.DataFrame, title: str, chosen: str | None = None) -> go.Figure:
    """K34 amounts by county (万元), grouped; not reported / not set shows as a gap with 0 in hover."""
    fig = go.Figure()
    for i, (col, label) in enumerate(FUNDS):
        values = df[col]
        if col == "suggestion_fund_10k":
            missing = ["未填报" if pd.isna(s) else ("未设立" if not bool(s) else "未填报") for s in df["suggestion_fund_set"]]
        else:
            missing = ["未填报"] * len(df)
        fig.add_trace(go.Bar(x=df["county_name"], y=_zero(values), name=label, marker_color=SERIES[i],
                             customdata=list(zip(df["county_code"], [m if pd.isna(v) else f"{v:,.2f}万元"
                                                                      for v, m in zip(values, missing)])),
                             hovertemplate=f"<b>%{{x}}</b><br>{label}：%{{customdata[1]}}<extra></extra>"))
    fig.update_layout(barmode="group", clickmode="event+select")
    fig.update_yaxes(title={"text": "金额（万元）"}, rangemode="tozero", tickformat=",~r")
    return highlight(layout(fig, title, height=400), chosen)


def per_deputy_chart(df: pd.DataFrame, title: str, city_value: float | None, city_name: str,
                     chosen: str | None = None) -> go.Figure:
    """人均代表活动经费 by county (元/人·年) with the city's weighted average as a reference line."""
    df = df.sort_values("per_deputy_yuan", ascending=False, na_position="last")
    fig = go.Figure(go.Bar(
        x=df["county_name"], y=_zero(df["per_deputy_yuan"]), marker_color=SERIES[4],
        text=["未填报" if pd.isna(v) else f"{v:,.0f}" for v in df["per_deputy_yuan"]], textposition="inside",
        insidetextanchor="end", textangle=0, textfont={"color": "white", "size": 13}, customdata=df[["county_code"]].values,
        hovertemplate="<b>%{x}</b><br>人均代表活动经费：%{y:,.0f}元/人·年<extra></extra>"))
    fig.data[0].name = "县区人均"
    if city_value is not None and not pd.isna(city_value):
        fig.add_trace(go.Scatter(x=list(df["county_name"]), y=[float(city_value)] * len(df), mode="lines",
                                 name=f"{city_name}平均 {city_value:,.0f}元", line={"dash": "dot", "color": CITY_COLOR, "width": 2},
                                 hovertemplate=f"{city_name}平均：%{{y:,.0f}}元/人·年<extra></extra>"))
    fig.update_xaxes(categoryorder="array", categoryarray=list(df["county_name"]))
    top = float(df["per_deputy_yuan"].max()) if df["per_deputy_yuan"].notna().any() else 1
    fig.update_yaxes(title={"text": "元/人·年"}, range=[0, top * 1.15], tickformat=",d")
    fig.update_layout(clickmode="event+select")
    return highlight(layout(fig, title, height=400), chosen)


def funds_trend_chart(df: pd.DataFrame, title: str) -> go.Figure:
    """Amounts of one scope over years (万元), one line per kind of fund."""
    df = df.sort_values("year")
    fig = go.Figure()
    for i, (col, label) in enumerate(FUNDS):
        fig.add_trace(go.Scatter(x=df["year"].astype(str), y=df[col], name=label, mode="lines+markers",
                                 line={"color": SERIES[i], "width": 3}, marker={"size": 9}, connectgaps=False,
                                 hovertemplate=f"%{{x}}年 {label}：%{{y:,.2f}}万元<extra></extra>"))
    fig.update_xaxes(type="category", title={"text": "年度"})
    fig.update_yaxes(title={"text": "金额（万元）"}, rangemode="tozero", tickformat=",~r")
    return legend_below(layout(fig, title, height=400))


def level_trend_chart(df: pd.DataFrame, title: str, labels: dict[str, str], unit: str = "%") -> go.Figure:
    """Several KPIs (e.g. 县级/乡级 coverage) for the city and the chosen unit: colour = unit, dash = KPI."""
    fig = go.Figure()
    dashes = ("solid", "dash", "dot")
    units = list(dict.fromkeys(df.sort_values("level", key=lambda s: s.map({"市": 0, "县": 1, "乡": 2}))["unit_name"]))
    for (code, label), dash in zip(labels.items(), dashes):
        for j, name in enumerate(units):
            part = df[(df["kpi_code"] == code) & (df["unit_name"] == name)].sort_values("year")
            if part.empty:
                continue
            color = CITY_COLOR if part["level"].iloc[0] == "市" else SERIES[j % len(SERIES)]
            fig.add_trace(go.Scatter(x=part["year"].astype(str), y=part["value"], name=f"{name}·{label}",
                                     mode="lines+markers", line={"color": color, "width": 3, "dash": dash},
                                     marker={"size": 9}, customdata=charts._custom(part, "unit_code"),
                                     hovertemplate=hover(unit, f"{name}·{label} %{{x}}年")))
    targets = df["target"].dropna()
    target_line(fig, targets.iloc[-1] if len(targets) else None, unit)
    fig.update_xaxes(type="category", title={"text": "年度"})
    charts.value_axis(fig, unit, "覆盖率" if unit == "%" else "")
    return legend_below(_label_bg(layout(fig, title, height=400)))


def coverage_level_chart(df: pd.DataFrame, title: str, chosen: str | None = None) -> go.Figure:
    """K35 by county: 乡级 coverage as traffic-light bars (target 100%); whether the county itself held a 县级
    vote as ✓/✗ above each bar."""
    towns = df[df["kpi_code"] == "voting_coverage_township"]
    fig = charts.unit_bar_chart(towns, title, "%", height=400)
    for trace in fig.data:
        trace.name = f"乡级覆盖率·{trace.name}"
    county = df[df["kpi_code"] == "voting_coverage_county"]
    held = county["value"].fillna(0) >= 1
    for label, part, symbol, color in (("县级已举行票决", county[held], "circle", STATUS_COLOR["green"]),
                                       ("县级未举行票决", county[~held], "x", STATUS_COLOR["red"])):
        if part.empty:
            continue
        fig.add_trace(go.Scatter(
            x=part["unit_name"], y=[1.1] * len(part), mode="markers", name=label,
            marker={"symbol": symbol, "size": 14, "color": color, "line": {"width": 1, "color": "#333"}},
            customdata=charts._custom(part, "unit_code"),
            hovertemplate="<b>%{x}</b><br>" + label + "<br>分子 / 分母：%{customdata[1]:,.0f} / %{customdata[2]:,.0f}"
                          "<extra></extra>"))
    fig.update_yaxes(range=[0, 1.2], tickvals=[0, 0.2, 0.4, 0.6, 0.8, 1.0], title={"text": "乡级票决覆盖率"})
    return highlight(_label_bg(fig), chosen)


def ratio_bar_chart(df: pd.DataFrame, title: str, chosen: str | None = None, share: pd.DataFrame | None = None) -> go.Figure:
    """K38 候选÷应选 by unit: >1 = 差额 (green), = 1 = 等额 (red), with the 1-倍 line."""
    df = df.sort_values("value", ascending=False)
    fig = go.Figure()
    rate = {} if share is None else dict(zip(share["unit_code"], share["value"]))
    for label, mask, color in (("差额票决（>1倍）", df["value"] > 1 + 1e-9, STATUS_COLOR["green"]),
                               ("等额票决（=1倍）", df["value"] <= 1 + 1e-9, STATUS_COLOR["red"])):
        part = df[mask]
        if part.empty:
            continue
        custom = [[c, n, d, "—" if pd.isna(rate.get(c)) else f"{rate[c]:.0%}"]
                  for c, n, d in zip(part["unit_code"], part["numerator"], part["denominator"])]
        fig.add_trace(go.Bar(x=part["unit_name"], y=part["value"], name=label, marker_color=color,
                             text=[f"{v:.2f}" for v in part["value"]], textposition="outside", cliponaxis=False,
                             customdata=custom,
                             hovertemplate="<b>%{x}</b><br>差额比例：%{y:.2f}倍<br>候选 / 应选：%{customdata[1]:,.0f} / "
                                           "%{customdata[2]:,.0f}" + ("<br>差额票决占比：%{customdata[3]}" if rate else "")
                                           + "<extra></extra>"))
    fig.add_hline(y=1.0, line_dash="dash", line_color=TARGET_COLOR, line_width=2, annotation_text="等额线 1倍（须>1）",
                  annotation_position="top left", annotation_font_color=TARGET_COLOR)
    fig.update_annotations(bgcolor="rgba(255,255,255,0.85)")
    fig.update_xaxes(categoryorder="array", categoryarray=list(df["unit_name"]))
    top = float(df["value"].max()) if len(df) else 2.0
    fig.update_yaxes(title={"text": "候选÷应选（倍）"}, range=[0, max(2.0, top * 1.15)])
    fig.update_layout(barmode="overlay", clickmode="event+select")
    return highlight(layout(fig, title, height=400), chosen)


def stage_chart(df: pd.DataFrame, title: str) -> go.Figure:
    """Projects by stage 征集…评估 (every stage shown, 0 where none), split 当选 / 未当选."""
    df = df.set_index("stage").reindex(list(STAGES) + [s for s in df["stage"] if s not in STAGES]).fillna(0)
    df.index.name = "stage"
    df = df.reset_index()
    fig = go.Figure()
    for label, values, color in (("当选项目", df["n_selected"], SERIES[0]),
                                 ("未当选（候选）项目", df["n_projects"] - df["n_selected"], SERIES[4])):
        fig.add_trace(go.Bar(x=df["stage"], y=values, name=label, marker_color=color,
                             customdata=df[["n_projects", "budget_10k"]].values,
                             hovertemplate="<b>%{x}阶段</b><br>" + label + "：%{y:,.0f}个<br>本阶段合计：%{customdata[0]:,.0f}个，"
                                           "预算%{customdata[1]:,.1f}万元<extra></extra>"))
    fig.add_trace(go.Scatter(x=df["stage"], y=df["n_projects"], mode="text", text=[f"{int(v)}" for v in df["n_projects"]],
                             textposition="top center", showlegend=False, hoverinfo="skip"))
    fig.update_layout(barmode="stack")
    fig.update_xaxes(type="category", title={"text": "当前阶段（征集→初定→审议→票决→实施→监督→评估）"})
    fig.update_yaxes(title={"text": "项目数（个）"}, rangemode="tozero", tickformat=",d")
    top = float(df["n_projects"].max()) if len(df) else 1
    fig.update_yaxes(range=[0, max(1.0, top * 1.15)])
    return legend_below(layout(fig, title, height=400))


def category_chart(df: pd.DataFrame, title: str) -> go.Figure:
    """Selected projects by category: budget (万元) as bars, count in the label."""
    df = df.sort_values("budget_10k")
    fig = go.Figure(go.Bar(
        x=df["budget_10k"], y=df["category"], orientation="h", marker_color=SERIES[2],
        text=[f"{b:,.0f}万元·{n}个" for b, n in zip(df["budget_10k"].fillna(0), df["n_selected"])],
        textposition="outside", cliponaxis=False, customdata=df[["n_selected"]].values,
        hovertemplate="<b>%{y}</b><br>当选项目：%{customdata[0]}个<br>预算合计：%{x:,.1f}万元<extra></extra>"))
    top = float(df["budget_10k"].max()) if len(df) else 1
    fig.update_xaxes(title={"text": "当选项目预算合计（万元）"}, range=[0, top * 1.6], tickformat=",~r")
    fig.update_yaxes(type="category")
    return layout(fig, title, height=400, legend=False)


def evaluation_chart(cov: pd.DataFrame, sat: pd.DataFrame, title: str, chosen: str | None = None) -> go.Figure:
    """K37: evaluation coverage per unit as traffic-light bars (target 100%), average satisfaction as ◆."""
    fig = charts.unit_bar_chart(cov, title, "%", height=400)
    for trace in fig.data:
        trace.name = f"测评覆盖率·{trace.name}"
    sat = sat.set_index("unit_name").reindex(list(cov.sort_values("value")["unit_name"])).reset_index()
    sat = sat[sat["value"].notna()]
    fig.add_trace(go.Scatter(x=sat["unit_name"], y=sat["value"], mode="markers", name="平均满意度",
                             marker={"symbol": "diamond", "size": 13, "color": "#000", "line": {"width": 1, "color": "white"}},
                             customdata=charts._custom(sat, "unit_code"),
                             hovertemplate="<b>%{x}</b><br>平均满意度：%{y:.1%}<br>满意度之和 / 已测评项目："
                                           "%{customdata[1]:,.1f} / %{customdata[2]:,.0f}<extra></extra>"))
    fig.update_yaxes(range=[0, 1.12], title={"text": "测评覆盖率 / 满意度"})
    return highlight(fig, chosen)
