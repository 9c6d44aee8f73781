"""年度通报: the yearly report laid out for A4 portrait — print it from the browser or download the PDF."""
import streamlit as st

from pages._common import frame, report_page

with frame.page("年度通报", layout="centered", heading=False) as snap:
    with st.container(key="report_controls"):
        st.header("年度通报", anchor=False)
        if snap is None:
            st.info("数据仓库尚未建立：请先打开“总览”页（首次打开会自动用演示数据建立），或运行 python -m etl build。")
            st.stop()
        f = frame.filters(snap)
        report = report_page.build(snap, f.year, f.county)
        report_page.actions(report)
    report_page.show(report)
