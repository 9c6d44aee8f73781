"""县区画像: one county against the city and the targets — composite index, every KPI, its townships, warnings."""
import streamlit as st

from pages._common import data, frame, profile

with frame.page("县区画像") as snap:
    f = frame.filters(snap, require_county=True)
    name = data.unit_name(snap, f.county)
    profile.county_index(snap, f, name)
    profile.county_kpis(snap, f, name)
    profile.county_townships(snap, f, name)
    profile.warnings_section(snap, f, name)
    st.caption("数据来自当前发布的数据版本；选中“所辖乡镇（街道）”表格中的一行或点击达标一览中的格子，打开该乡镇画像。")
