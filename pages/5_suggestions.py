"""建议办理: county-level deputies' suggestions (K23–K31) by county, year, result class, handling unit and category."""
import streamlit as st

from pages._common import dep, frame

with frame.page("建议办理") as snap:
    f = frame.filters(snap)
    scope = dep.scope_name(snap, f)
    dep.headline(snap, f, scope, dep.SUGGESTION_KPIS, "建议办理主要指标")
    st.caption("口径：本年度交办的县级人大代表建议（不含已撤回）；乡级代表建议不计入以下指标。")

    st.subheader("按期答复（法定底线，K23）", anchor=False)
    dep.on_time_section(snap, f, scope)

    st.subheader("办结、面商与满意度（K24–K26）", anchor=False)
    dep.handling_tabs(snap, f, scope)

    st.subheader("办理结果：解决率与落实率（K27）", anchor=False)
    dep.results_section(snap, f, scope)

    st.subheader("重点督办与回头看（K28）", anchor=False)
    dep.key_section(snap, f, scope)

    st.subheader("双评价与办理资金（K29、K30）", anchor=False)
    dep.eval_funds_tabs(snap, f, scope)

    st.subheader("承办单位办理情况", anchor=False)
    dep.handling_unit_section(snap, f, scope)

    st.subheader("按类别", anchor=False)
    dep.category_section(snap, f, scope)
