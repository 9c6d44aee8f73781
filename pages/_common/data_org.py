"""Queries of the 组织建设 and 依法履职 pages (marts mart_org_* from etl/sql/70_org.sql, 71_org_meeting.sql,
plus small reads of one county's year of fact_county_body / fact_township_staffing)."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from pages._common import data

ITEMS = (("has_organization", "有机构"), ("has_venue", "有场地"), ("has_staff", "有人员"),
         ("has_rules", "有制度"), ("has_equipment", "有设备"), ("has_funding", "有经费"))


@st.cache_data(**data.CACHE)
def liuyou_matrix(snap, year: int, county: str | None = None) -> pd.DataFrame:
    """Township × 六有 items (NULL = 未填报), weakest first within each county."""
    return data.query(snap, """SELECT * FROM mart_org_liuyou WHERE year = ? AND (? IS NULL OR county_code = ?)
        ORDER BY county_sort, items_met, township_code""", (year, county, county))


@st.cache_data(**data.CACHE)
def liuyou_weakest(snap, year: int, n: int) -> pd.DataFrame:
    """The `n` townships of the whole city with the fewest 六有 items met (a province / the nation); n_total = all."""
    return data.query(snap, """SELECT *, count(*) OVER () AS n_total FROM mart_org_liuyou WHERE year = ?
        ORDER BY items_met, county_sort, township_code LIMIT ?""", (year, n))


@st.cache_data(**data.CACHE)
def body_summary(snap, year: int) -> pd.DataFrame:
    """County bodies by staff size, one row per county (mart_org_body)."""
    return data.query(snap, """SELECT b.*, c.county_name FROM mart_org_body b JOIN dim_county c USING (county_code)
        WHERE b.year = ? ORDER BY c.sort_order""", (year,))


@st.cache_data(**data.CACHE)
def county_bodies(snap, year: int, county: str) -> pd.DataFrame:
    """The bodies of one county's standing committee in one year (fact_county_body)."""
    return data.query(snap, """SELECT body_name, body_type, staff_count, authorized_posts, head_fulltime,
            head_birth_year, shares_staff_with
        FROM fact_county_body WHERE year = ? AND county_code = ?
        ORDER BY shares_staff_with NULLS FIRST, staff_count, body_name""", (year, county))


@st.cache_data(**data.CACHE)
def township_staffing(snap, year: int, county: str) -> pd.DataFrame:
    """Staffing of one county's townships and streets in one year (未填报 units included)."""
    return data.query(snap, """SELECT t.township_code, t.township_name, t.unit_type, t.category, s.chair_status,
            s.chair_birth_year, s.fulltime_vice_chairs, s.fulltime_staff, s.parttime_staff, s.has_office,
            s.township_code IS NOT NULL AS reported
        FROM dim_township t LEFT JOIN fact_township_staffing s ON s.township_code = t.township_code AND s.year = ?
        WHERE t.county_code = ? AND t.valid_from_year <= ? AND (t.valid_to_year IS NULL OR t.valid_to_year >= ?)
        ORDER BY t.unit_type = '街道', t.township_code""", (year, county, year, year))


@st.cache_data(**data.CACHE)
def meeting_units(snap, year: int, county: str | None = None) -> pd.DataFrame:
    """Per township-level unit: counts of 人代会 / 主席团会议 / 闭会期间活动, 会期, 出席 (mart_org_meeting);
    beyond data.LIST_MAX units (a province / the nation, city view) the fewest 人代会 first."""
    return data.listing(snap, "SELECT * FROM mart_org_meeting WHERE year = ? AND (? IS NULL OR county_code = ?)",
                        (year, county, county), "county_sort, township_code", "n_congress, county_sort, township_code")


@st.cache_data(**data.CACHE)
def congress_by_county(snap, year: int) -> pd.DataFrame:
    """Per county: the share of its townships (streets excluded) holding ≥ 2 人代会 (picks the counties to draw)."""
    return data.query(snap, """SELECT county_code, county_name, avg((n_congress >= 2)::DOUBLE) AS two
        FROM mart_org_meeting WHERE year = ? AND NOT is_street GROUP BY ALL ORDER BY min(county_sort)""", (year,))


@st.cache_data(**data.CACHE)
def meeting_units_of(snap, year: int, counties: tuple[str, ...]) -> pd.DataFrame:
    """mart_org_meeting rows of a few counties (the ones a bounded chart draws)."""
    marks = ",".join("?" * len(counties)) or "NULL"
    return data.query(snap, f"""SELECT * FROM mart_org_meeting WHERE year = ? AND county_code IN ({marks})
        ORDER BY county_sort, township_code""", (year, *counties))


@st.cache_data(**data.CACHE)
def sessions(snap, year: int, county: str | None = None, inquorate_only: bool = False) -> pd.DataFrame:
    """One row per 人代会 (county and township sessions) of the year (mart_org_session); beyond data.LIST_MAX
    sessions (a province / the nation, city view) the lowest attendance first."""
    return data.listing(snap, """SELECT * FROM mart_org_session WHERE year = ? AND (? IS NULL OR county_code = ?)
        AND (NOT ? OR inquorate)""", (year, county, county, inquorate_only),
                        "county_sort, org_level = '县级' DESC, township_code, start_date",
                        "attendance NULLS LAST, county_sort, township_code, start_date")


@st.cache_data(**data.CACHE)
def city_kpis(snap, codes: tuple[str, ...], year: int) -> dict[str, float]:
    """The city's value of each KPI in a year (reference lines in county charts)."""
    df = data.kpi_city_year(snap, year)
    df = df[df["kpi_code"].isin(codes)]
    return {r.kpi_code: r.value for r in df.itertuples() if pd.notna(r.value)}


@st.cache_data(**data.CACHE)
def rule(snap, code: str, default: float | None = None) -> float | None:
    """A numeric threshold from cfg_rule (e.g. small_body_baseline, quorum_ratio)."""
    df = data.query(snap, "SELECT value FROM cfg_rule WHERE rule_code = ?", (code,))
    try:
        return float(df["value"].iloc[0]) if len(df) else default
    except (TypeError, ValueError):
        return default

