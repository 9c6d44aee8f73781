"""民生实事票决: coverage by level (K35), 差额 (K38), project stages, completion (K36) and satisfaction (K37),
and the chosen county's rounds and selected projects."""
import streamlit as st

from pages._common import data, frame, misc

with frame.page("民生实事票决") as snap:
    if not data.years(snap):
        st.info("数据仓库中还没有指标数据。请上传数据，或运行 python -m etl build。")
        st.stop()
    f = frame.filters(snap)
    scope = misc.scope_name(snap, f)

    misc.kpi_cards(snap, f, scope, misc.VOTE_KPIS)
    misc.coverage_section(snap, f, scope)
    misc.competition_section(snap, f, scope)
    misc.projects_section(snap, f, scope)
    misc.outcomes_section(snap, f, scope)
    misc.rounds_section(snap, f, scope)
