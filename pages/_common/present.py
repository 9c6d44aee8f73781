"""汇报模式: the meeting deck (etl.deck) one slide at a time — large type for a meeting room, the slide number in
the URL (?slide=3, 1-based), ← → keys, no sidebar; works full screen with ?embed=true."""
from __future__ import annotations

import importlib.util

import plotly.graph_objects as go
import streamlit as st

from etl.deck import ChartSpec, Deck, Slide
from etl.fmt import fmt_value
from pages._common import charts, data, data_present, frame

# Sizes for the back of a meeting room; the sidebar and Streamlit's header are hidden on this page only.
CSS = """<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"],
header[data-testid="stHeader"] { display: none !important; }
.stMainBlockContainer { padding-top: 1.2rem; padding-bottom: 1rem; max-width: 100%; }
.st-key-slide h1 { font-size: 2.6rem !important; line-height: 1.25; padding: 0.2rem 0 0.1rem 0; color: #8B1A1A; }
.st-key-slide_sub p { font-size: 1.3rem !important; color: #555; }
.st-key-slide_points li, .st-key-slide_points p { font-size: 1.55rem !important; line-height: 1.5; }
.st-key-slide_points li { margin-bottom: 0.6rem; }
.st-key-slide_title h1 { font-size: 3.4rem !important; margin-top: 8vh; }
.st-key-slide_title .st-key-slide_sub p { font-size: 1.7rem !important; }
.st-key-slide_pager p { font-size: 1.35rem; text-align: center; margin: 0; white-space: nowrap; }
.st-key-slide [data-testid="stTable"] td, .st-key-slide [data-testid="stTable"] th { font-size: 1.05rem; }
.st-key-slide_legend p { font-size: 1.05rem !important; color: #444; }
</style>"""
FONT = {"family": charts.FONT, "size": 18, "color": "#222"}
OTHER_SERIES = ("#9A9A9A", "#56B4E9", "#CC79A7")
TABLE_HEIGHT = 520


def current_slide(count: int) -> int:
    """The 1-based slide number: a link (?slide=) wins over the remembered one; clamped to 1..count."""
    raw = st.query_params.get("slide")
    if raw is not None and raw != st.session_state.get("_slide_url"):
        try:
            st.session_state["slide"] = int(raw)
        except ValueError:
            pass
    number = min(max(int(st.session_state.get("slide", 1)), 1), count)
    st.session_state["slide"] = number
    st.session_state["_slide_url"] = str(number)
    if st.query_params.get("slide") != str(number):
        st.query_params["slide"] = str(number)
    return number


def _go(number: int) -> None:
    st.session_state["slide"] = number


def figure(spec: ChartSpec) -> go.Figure:
    """A plotly figure from the deck's ChartSpec: large labels on the bars, the target as a dashed line."""
    fig = go.Figure()
    horizontal = spec.kind == "bar"
    for i, series in enumerate(spec.series):
        colors = list(spec.colors) if i == 0 and spec.colors else OTHER_SERIES[(i - 1) % len(OTHER_SERIES)]
        labels = [fmt_value(v, spec.unit) if spec.unit in ("%", "次", "个", "件", "人", "项") else
                  ("—" if v is None else f"{v:,.1f}{spec.unit}") for v in series.values]
        values = [v for v in series.values]
        if i > 0 and series.name.startswith("目标") and spec.kind != "line":
            # per-category targets: a tick at each target instead of a second bar
            axes = dict(x=values, y=list(spec.categories)) if horizontal else dict(x=[wrap(c) for c in spec.categories], y=values)
            fig.add_trace(go.Scatter(**axes, name=series.name, mode="markers", hovertemplate=f"{series.name}：%{{text}}<extra></extra>",
                                     text=labels, marker={"symbol": "line-ns" if horizontal else "line-ew", "size": 30,
                                                          "line": {"width": 4, "color": charts.TARGET_COLOR}}))
            continue
        if spec.kind == "line":
            fig.add_trace(go.Scatter(x=list(spec.categories), y=values, name=series.name, mode="lines+markers+text",
                                     text=labels, textposition="top center", line={"width": 4}))
            continue
        axes = dict(x=values, y=list(spec.categories), orientation="h") if horizontal else \
            dict(x=[wrap(c) for c in spec.categories], y=values)
        fig.add_trace(go.Bar(**axes, name=series.name, marker={"color": colors}, text=labels, textposition="outside",
                             textfont={"size": 17}, cliponaxis=False, constraintext="none",
                             hovertemplate=f"<b>%{{{'y' if horizontal else 'x'}}}</b><br>{series.name}：%{{text}}<extra></extra>"))
    if spec.target is not None:
        line = dict(line_dash="dash", line_color=charts.TARGET_COLOR, line_width=3, annotation_text=spec.target_label,
                    annotation_font={"color": charts.TARGET_COLOR, "size": 17})
        if horizontal:
            fig.add_vline(x=spec.target, annotation_position="top", **line)
        else:
            fig.add_hline(y=spec.target, annotation_position="top left", **line)
    rows = len(spec.categories)
    height = max(400, min(600, 100 + rows * (40 if len(spec.series) > 1 else 34))) if horizontal else 500
    fig.update_layout(font=FONT, height=height, barmode="group", bargap=0.25, plot_bgcolor="white",
                      paper_bgcolor="white", separators=".,", showlegend=len(spec.series) > 1,
                      margin={"l": 10, "r": 40, "t": 50 if len(spec.series) > 1 else 30, "b": 10},
                      legend={"orientation": "h", "yanchor": "bottom", "y": 1.01, "x": 0, "font": {"size": 17}},
                      hoverlabel={"font": {"family": charts.FONT, "size": 16}})
    value_axis = fig.update_xaxes if horizontal else fig.update_yaxes
    category_axis = fig.update_yaxes if horizontal else fig.update_xaxes
    value_axis(title={"text": spec.axis_title, "font": {"size": 16}}, gridcolor="#e5e5e5", zeroline=False,
               tickformat=".0%" if spec.unit == "%" else ",~r", rangemode="tozero", automargin=True,
               tickfont={"size": 15, "color": "#333"})
    category_axis(type="category", automargin=True, tickfont={"size": 18, "color": "#222"}, showgrid=False,
                  tickangle=0,
                  autorange="reversed" if horizontal else True)
    return fig


def legend(spec: ChartSpec) -> str:
    """What the bar colours mean in words (no HTML), e.g. '颜色：绿色＝达标 · 橙色＝接近目标 · 朱红＝未达标'."""
    return "颜色：" + " · ".join(f"{COLOR_NAMES.get(c.upper(), '其他颜色')}＝{label}" for c, label in spec.color_legend)


COLOR_NAMES = {"#009E73": "绿色", "#E69F00": "橙色", "#D55E00": "朱红", "#8C8C8C": "灰色"}  # etl.fmt.STATUS_COLOR


def wrap(label: str, width: int = 4) -> str:
    """Column labels under the bars: a long one breaks before its bracket, and a name longer than `width`
    characters into lines of `width` (党委领导<br>与保障), instead of running into its neighbours."""
    if len(label) <= 6:
        return label
    name, bracket, rest = label.partition("（")
    lines = [name[i:i + width] for i in range(0, len(name), width)] + ([bracket + rest] if bracket else [])
    return "<br>".join(lines)


def _points(slide: Slide) -> None:
    with st.container(key="slide_points"):
        st.markdown("\n".join(f"- {p}" for p in slide.points))


def show(slide: Slide) -> None:
    """One slide: title, subtitle, the chart or table beside the 要点, the 口径 folded away."""
    key = "slide_title" if slide.key == "title" else "slide"
    with st.container(key=key):
        st.title(slide.title, anchor=False)
        if slide.subtitle:
            with st.container(key="slide_sub"):
                st.markdown(slide.subtitle)
        if slide.chart is None and slide.table is None:
            _points(slide)
        else:
            left, right = st.columns([1.55, 1], gap="large")
            with left:
                if slide.chart is not None:
                    st.plotly_chart(figure(slide.chart), key="slide_chart", config=charts.PLOT_CONFIG)
                    if slide.chart.color_legend:
                        with st.container(key="slide_legend"):
                            st.markdown(legend(slide.chart))
                elif slide.table.rows:
                    rows = slide.table.rows
                    st.table({h: [r[i] for r in rows] for i, h in enumerate(slide.table.header)},
                             hide_index=True, height="content" if len(rows) <= 6 else TABLE_HEIGHT)
                else:
                    st.success("没有需要列出的事项。")
            with right:
                _points(slide)
    if slide.notes:
        with st.expander("口径与依据（演讲者备注）"):
            st.markdown(slide.notes.replace("\n", "\n\n"))


def pager(number: int, count: int) -> None:
    """上一页 / "3 / 11" / 下一页, also on the ← → keys (a presenter's remote sends them too)."""
    cols = st.columns([1, 0.8, 1], vertical_alignment="center", gap="small")
    cols[0].button("上一页", key="slide_prev", icon=":material/chevron_left:", on_click=_go, args=(number - 1,),
                   disabled=number == 1, shortcut="Left", width="stretch")
    with cols[1].container(key="slide_pager"):
        st.markdown(f"**{number} / {count}**")
    cols[2].button("下一页", key="slide_next", icon=":material/chevron_right:", on_click=_go, args=(number + 1,),
                   disabled=number == count, shortcut="Right", width="stretch", type="primary")


def _pptx(deck: Deck) -> bytes:
    """The PPTX, made on click: python-pptx is imported then, not with the page (≈0.25 s at each cold start)."""
    from etl.pptx_deck import render_pptx

    return render_pptx(deck)


def download(deck: Deck) -> None:
    if importlib.util.find_spec("pptx") is None:
        st.caption("PPT 导出组件不可用（python-pptx 未安装），暂不能下载。")
        return
    scope = deck.scope_name
    st.download_button("下载 PPT", data=lambda: _pptx(deck), file_name=f"{scope}{deck.year}年汇报.pptx",
                       mime="application/vnd.openxmlformats-officedocument.presentationml.presentation",
                       icon=":material/download:", on_click="ignore", key="slide_pptx",
                       help="与本页相同的幻灯片，图表可在 PowerPoint / WPS 中编辑，口径在演讲者备注中。")


def render(snap) -> None:
    """The whole page body."""
    st.html(CSS)
    if snap is None:
        st.info("数据仓库尚未建立：请先打开“总览”页（首次打开会自动用演示数据建立），或运行 python -m etl build。")
        st.stop()
    top = st.columns([0.8, 2.6, 2.6, 0.9], vertical_alignment="center")
    with top[0]:
        st.page_link("dashboard.py", label="退出汇报", icon=":material/close:")
    with top[1].expander("汇报模式 · 年度和范围"):
        f = frame.filters(snap)
    deck = data_present.deck(snap, f.year, f.county)
    number = current_slide(len(deck.slides))
    with top[2]:
        pager(number, len(deck.slides))
    with top[3]:
        download(deck)
    show(deck.slides[number - 1])
    st.caption(f"键盘：← → 翻页 · {deck.scope_name} {deck.year}年 · 数据版本 v{deck.version}"
               + (" · 演示数据（虚构地区）" if data.city(snap).get("is_demo") else ""))
