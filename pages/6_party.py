"""党委领导与保障: 县委听取汇报 (K32), 本届人大工作会议 (K33), 经费保障 (K34) and the list of party-support events."""
import streamlit as st

from pages._common import data, frame, misc

with frame.page("党委领导与保障") as snap:
    if not data.years(snap):
        st.info("数据仓库中还没有指标数据。请上传数据，或运行 python -m etl build。")
        st.stop()
    f = frame.filters(snap)
    scope = misc.scope_name(snap, f)

    misc.kpi_cards(snap, f, scope, misc.PARTY_COUNTY_KPIS if f.county else misc.PARTY_KPIS)
    misc.reports_section(snap, f, scope)
    misc.meeting_section(snap, f)
    misc.funds_section(snap, f, scope)
    misc.events_section(snap, f, scope)
