"""县乡人大建设监督看板 — 总览 (entrypoint): headline KPIs, the county ranking, 预警清单 and 要点."""
import streamlit as st

from etl.indicators import BY_CODE
from pages._common import cards, data, frame, overview

with frame.page("总览", heading=False) as snap:
    if snap is None:
        with st.spinner("首次启动：正在用演示数据建立数据仓库，约需半分钟……"):
            cards.first_build()
        st.rerun()
    st.title(frame.APP_TITLE, anchor=False)
    frame.demo_badge(snap)
    f = frame.filters(snap)
    scope = data.unit_name(snap, f.county) if f.county else data.city(snap)["city_name"]
    kpis = data.kpi_city_year(snap, f.year, f.county)
    ranking = data.index_ranking(snap, f.year)
    breaches = data.floor_breaches(snap, f.year, f.county)

    st.subheader(f"{scope} {f.year}年 要点", anchor=False)
    st.markdown(overview.key_points(snap, f, scope, kpis, ranking, breaches))
    st.subheader(f"{scope} {f.year}年 主要指标", anchor=False)
    unit = f.county or data.city(snap)["city_code"]
    trends = data.kpi_series(snap, cards.HEADLINE, f.county)
    cards.kpi_grid(kpis, BY_CODE, trends=trends[trends["unit_code"] == unit])

    left, right = st.columns([1.15, 1])
    with left:
        overview.ranking_section(snap, f.year, ranking)
    with right:
        overview.warnings_section(snap, f, breaches)
