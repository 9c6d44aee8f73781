"""县乡人大建设监督看板 — entrypoint: the city's headline KPIs for the latest year."""
import streamlit as st

from etl import fmt
from etl.indicators import BY_CODE
from pages._common import cards, data, frame

with frame.page("首页") as snap:
    if snap is None:
        with st.spinner("首次启动：正在用演示数据建立数据仓库，约需半分钟……"):
            cards.first_build()
        st.rerun()
    st.title(frame.APP_TITLE)
    frame.demo_badge(snap)
    years = data.kpi_years(snap)
    if not years:
        st.info("数据仓库中还没有指标数据。请在“数据上传”中上传数据，或运行 python -m etl build。")
        st.stop()
    year = years[-1]
    city = data.city(snap)
    st.subheader(f"{city['city_name']} {year}年 主要指标")
    st.caption("颜色与文字表示对照目标的状态：" + "、".join(f"{fmt.STATUS_ZH[s]}" for s in ("green", "amber", "red"))
               + "；变化为较上年。指标口径见各卡片说明。")
    cards.kpi_grid(data.city_kpis(snap, year), BY_CODE)
