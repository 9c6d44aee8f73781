"""乡镇画像: one township (or street) over the years — 六有, staffing, meetings, stations, suggestions, warnings."""
import streamlit as st

from pages._common import data, frame, profile
from pages._common import data_profile as dp

with frame.page("乡镇画像") as snap:
    f = frame.filters(snap, township=True)
    if not f.township:
        st.info("请选择一个乡镇（街道）。")
        st.stop()
    hist = dp.township_years(snap, f.township)
    row = profile.township_header(snap, f, hist)
    if row is not None:
        name, street = row["township_name"], bool(row["is_street"])
        county_name = data.unit_name(snap, f.township[:6])
        left, right = st.columns([0.85, 1.3])
        with left:
            profile.township_liuyou(hist, name)
        with right:
            profile.township_staffing(hist, street)
        profile.township_meetings(snap, f, hist, name, street)
        profile.township_stations(snap, f, hist, name)
        profile.township_suggestions(hist, name, street)
        profile.township_compare(snap, f, name, county_name)
        profile.warnings_section(snap, f, name, township=f.township)
        st.page_link("pages/8_county.py", label=f"返回{county_name}县区画像", icon=":material/arrow_back:",
                     query_params={"year": f.year, "county": f.township[:6]})
