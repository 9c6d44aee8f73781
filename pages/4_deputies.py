"""代表工作: liaison stations (K16–K20), 一代表一档案 (K21) and 履职积分 (K22) with the 约谈 list."""
import streamlit as st

from pages._common import dep, frame

with frame.page("代表工作") as snap:
    f = frame.filters(snap)
    scope = dep.scope_name(snap, f)
    dep.headline(snap, f, scope, dep.DEPUTY_KPIS, "代表工作主要指标")

    st.subheader("代表联络站建设与运行", anchor=False)
    dep.stations_section(snap, f, scope)

    st.subheader("一代表一档案（K21）", anchor=False)
    dep.kpi_pair(snap, f, "archive_rate", scope, "dep_archive")

    st.subheader("代表履职积分（K22）", anchor=False)
    dep.points_section(snap, f, scope)
