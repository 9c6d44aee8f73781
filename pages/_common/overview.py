"""Sections of the 总览 page: 要点, the composite-index ranking and the 预警清单."""
from __future__ import annotations

import streamlit as st

from etl import story
from etl.indicators import BY_CODE
from pages._common import charts, data, frame

POINT_KPIS = ("liuyou_rate", "small_body_share", "two_sessions_rate", "on_time_reply_rate", "satisfaction_strict")


def key_points(snap, f, scope: str, kpis, ranking, breaches) -> str:
    """3–5 findings generated from the data, as a Markdown list."""
    rows = {r["kpi_code"]: r for _, r in kpis.iterrows()}
    level = "乡" if f.county else "县"
    units = data.kpi_units(snap, POINT_KPIS, f.year, level, f.county)
    points = []
    for code in POINT_KPIS[:3]:
        if code in rows and not _missing(rows[code]["value"]):
            points.append(story.kpi_point(BY_CODE[code], scope, f.year, rows[code], units[units["kpi_code"] == code]))
    if not f.county:
        points.append(story.index_point(ranking, f.year))
    points.append(story.breach_point(_all_breaches(snap, f, breaches), f.year))
    return "\n".join(f"- {p}" for p in points if p)


def _all_breaches(snap, f, breaches):
    """The breaches as rows for counting: the list itself, or (a list cut at data.LIST_MAX) one row per breach
    rebuilt from the per-KPI, per-county counts."""
    if data.total(breaches) <= len(breaches):
        return breaches
    counts = data.breach_counts(snap, f.year, f.county)
    return counts.loc[counts.index.repeat(counts["n"])].drop(columns="n").reset_index(drop=True)


def _missing(v) -> bool:
    from etl.fmt import is_missing
    return is_missing(v)


def ranking_section(snap, year: int, ranking) -> None:
    st.subheader("综合指数排名", anchor=False)
    equal = st.toggle("等权重（检验排名是否依赖权重）", key="equal_weights",
                      help="各项指标等权重计分。两种排名差别大，说明排名对权重设置敏感。")
    shown = data.index_ranking(snap, year, equal_weights=True) if equal else ranking
    title = f"{year}年县乡人大工作和建设综合指数" + ("（等权重）" if equal else "")
    frame.chart(charts.index_ranking_chart(shown, title), key="rank_chart", drill="county",
                caption="权重为默认值（data-model §3.2，[A]），管理员可调整；“†”表示该县有指标缺少分母，按维度内其余指标折算。")
    dims = data.index_dimensions(snap, year)
    table = dims.pivot_table(index="county_name", columns="dimension_name", values="score", sort=False)
    maxima = dims.groupby("dimension_name", sort=False)["max_score"].max()
    table.columns = [f"{c}（{maxima[c]:g}）" for c in table.columns]
    order = shown.set_index("county_name")["rank"]
    table = table.loc[order.sort_values().index]
    table.index.name = "县区"
    st.dataframe(table, column_config={c: st.column_config.ProgressColumn(c, format="%.1f", min_value=0, color="#0072B2",
                                                                         max_value=float(maxima.iloc[i]))
                                       for i, c in enumerate(table.columns)}, width="stretch")
    st.caption("各维度得分（括号内为满分）。")


def warnings_section(snap, f, breaches) -> None:
    st.subheader("预警清单（法定底线）", anchor=False)
    if breaches.empty:
        st.success(f"{f.year}年没有违反法定底线（K10 乡镇人代会、K15 出席人数、K23 按期答复）的情况。")
    else:
        counts = _all_breaches(snap, f, breaches)["kpi_ref"].value_counts()
        cols = st.columns(3)
        for col, (ref, label) in zip(cols, (("K10", "未开人代会的乡镇"), ("K15", "出席不足的会议"), ("K23", "逾期答复的建议"))):
            col.metric(label, f"{int(counts.get(ref, 0))}")
        shown = breaches.rename(columns={"kpi_ref": "指标", "county_name": "县区", "township_name": "乡镇",
                                         "message_zh": "情况"})[["指标", "县区", "乡镇", "情况"]]
        st.dataframe(shown, hide_index=True, width="stretch", height=330,
                     column_config={"情况": st.column_config.TextColumn(width="large")})
        if data.cap_note(breaches):
            st.caption(data.cap_note(breaches))
    st.caption("依据：地方组织法（每年至少举行一次人代会、出席须达三分之二）；代表建议交办后3个月内答复（复杂的经同意6个月）。")
    summary = data.policy_summary(snap, f.year, f.county)  # counted in SQL: the nation has tens of thousands
    if len(summary):
        with st.expander(f"政策性提示 {int(summary['n'].sum())} 条（不阻止上传，供督导参考）"):
            summary = summary.rename(columns={"n": "条数"})
            st.dataframe(summary.rename(columns={"table_label": "数据表", "message_zh": "提示"}).sort_values(
                "条数", ascending=False), hide_index=True, width="stretch")
