"""Queries of the 县区画像 / 乡镇画像 pages: mart_township_profile plus small reads of one township's rows."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from pages._common import data
from pages._common.data import Snapshot

PROFILE = "mart_township_profile"


@st.cache_data(**data.CACHE)
def county_townships(snap: Snapshot, year: int, county: str) -> pd.DataFrame:
    """The county's township-level units in `year`, one row each with the key figures."""
    return data.query(snap, f"SELECT * FROM {PROFILE} WHERE year = ? AND county_code = ? ORDER BY township_code",
                      (year, county))


@st.cache_data(**data.CACHE)
def township_years(snap: Snapshot, township: str) -> pd.DataFrame:
    """Every year of one township-level unit (oldest first)."""
    return data.query(snap, f"SELECT * FROM {PROFILE} WHERE township_code = ? ORDER BY year", (township,))


@st.cache_data(**data.CACHE)
def sessions(snap: Snapshot, township: str) -> pd.DataFrame:
    """The township's 人代会 sessions over the years (a small filtered read of fact_meeting)."""
    return data.query(snap, """
        SELECT CAST(coalesce(year, year(start_date)) AS INTEGER) AS year, start_date, session_label,
               coalesce(is_election_session, FALSE) AS is_election, duration_days, deputies_expected, deputies_present,
               topic
        FROM fact_meeting WHERE township_code = ? AND event_type = '人代会' ORDER BY start_date""", (township,))


@st.cache_data(**data.CACHE)
def stations(snap: Snapshot, township: str) -> pd.DataFrame:
    """The township's 乡镇级 stations with their yearly rows (NULL year row = 未填报 that year)."""
    return data.query(snap, """
        SELECT s.station_id, s.station_name, s.station_type, s.established_year, s.closed_year, s.area_m2,
               f.year, f.std_venue, f.std_equipment, f.std_rules, f.std_staff, f.std_activity, f.std_funding,
               f.std_records, f.activity_count, f.reception_sessions, f.visitors_received, f.deputies_assigned,
               f.deputy_visits, f.opinions_collected, f.opinions_closed, f.legislative_opinions
        FROM dim_liaison_station s LEFT JOIN fact_station_year f ON f.station_id = s.station_id
        WHERE s.township_code = ? AND s.station_level = '乡镇级'
        ORDER BY s.station_type <> '联络站', s.station_id, f.year""", (township,))


@st.cache_data(**data.CACHE)
def station_items(snap: Snapshot) -> list[tuple[str, str]]:
    """The station checklist (cfg_station_standard; default 源城“七有”) as (column, Chinese label)."""
    df = data.query(snap, "SELECT item_code, label_zh FROM cfg_station_standard ORDER BY sort")
    return list(zip(df["item_code"], df["label_zh"]))


@st.cache_data(**data.CACHE)
def rule(snap: Snapshot, code: str) -> float | None:
    df = data.query(snap, "SELECT value FROM cfg_rule WHERE rule_code = ?", (code,))
    try:
        return float(df["value"].iloc[0]) if len(df) else None
    except ValueError:
        return None


@st.cache_data(**data.CACHE)
def township_breaches(snap: Snapshot, township: str) -> pd.DataFrame:
    """Statutory-floor breaches (K10, K15) of one township over the years (mart_warning)."""
    return data.query(snap, """SELECT year, kpi_ref, code, message_zh FROM mart_warning WHERE township_code = ?
        ORDER BY year DESC, kpi_ref""", (township,))
