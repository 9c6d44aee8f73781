"""报送进度 — for a year: which counties (and townships, stations) have sent each required table, what is missing
or overdue against the administrator's deadline, and who sent the last version; staff jump to 数据上传."""
import streamlit as st

from etl import auth
from pages._common import data, data_ops, frame, ops

with frame.page("报送进度") as snap:
    viewer = frame.viewer()
    ops.notice()
    f = ops.tracker_filters(snap, viewer)
    city = data.city(snap)["city_name"]
    scope = data.unit_name(snap, f.county) if f.county else city
    status = data_ops.tracker_status(snap, f.year)
    ops.tracker_summary(status, f, scope)
    if f.county:
        ops.county_detail(snap, status, f, scope, city)
    else:
        ops.city_matrix(status, f, city)
    ops.missing_section(snap, status, f)
    ops.upload_links(status, f, viewer)
    if viewer.may(auth.ADMIN):
        with st.expander(f"设置{f.year}年报送截止日期（管理员）"):
            ops.deadline_editor(data_ops.tracker_years(snap), viewer, f.year, key="trk_dl")
