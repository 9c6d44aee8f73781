"""Queries of the 代表工作 and 建议办理 pages (marts of etl/sql/72_dep.sql and 73_dep_suggestion.sql).

Same rules as data.py: cached per pinned snapshot, values bound with ?, never formatted into SQL.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from pages._common import data

LEVEL = "县级"  # K23–K31 are defined on county-level suggestions
RATES = {"on_time_rate": "n", "satisfaction_strict": "n_evaluated", "resolution_rate": "n_replied"}  # rate: denominator


@st.cache_data(**data.CACHE)
def rule(snap, code: str, default: float) -> float:
    df = data.query(snap, "SELECT TRY_CAST(value AS DOUBLE) AS v FROM cfg_rule WHERE rule_code = ?", (code,))
    return float(df["v"].iloc[0]) if len(df) and pd.notna(df["v"].iloc[0]) else default


# --- stations ------------------------------------------------------------------------------------------

@st.cache_data(**data.CACHE)
def station_items(snap, year: int) -> pd.DataFrame:
    """七有 pass counts per county and item in one year."""
    return data.query(snap, """
        SELECT m.year, m.county_code, c.county_name, c.sort_order, m.item_code, m.label_zh, m.sort,
               m.n_pass, m.n_stations, m.n_unknown
        FROM mart_station_item m JOIN dim_county c USING (county_code)
        WHERE m.year = ? ORDER BY c.sort_order, m.sort""", (year,))


@st.cache_data(**data.CACHE)
def station_item_trend(snap, county: str | None = None) -> pd.DataFrame:
    """七有 pass counts per year and item for the city or one county."""
    return data.query(snap, """SELECT year, item_code, label_zh, sort, sum(n_pass) AS n_pass, sum(n_stations) AS n_stations
        FROM mart_station_item WHERE ? IS NULL OR county_code = ? GROUP BY ALL ORDER BY sort, year""", (county, county))


@st.cache_data(**data.CACHE)
def station_checklist(snap, year: int, county: str) -> pd.DataFrame:
    """Active 乡镇级 stations of one county with their yearly checklist (small filtered read)."""
    return data.query(snap, """
        SELECT s.station_id, s.station_name, s.station_type, s.township_code, t.township_name,
               f.station_id IS NOT NULL AS reported, f.activity_count, f.opinions_collected, f.opinions_closed,
               COLUMNS('^std_')
        FROM dim_liaison_station s
        LEFT JOIN dim_township t ON t.township_code = s.township_code
        LEFT JOIN fact_station_year f ON f.station_id = s.station_id AND f.year = ?
        WHERE s.county_code = ? AND s.station_level = '乡镇级'
          AND s.established_year <= ? AND (s.closed_year IS NULL OR s.closed_year >= ?)
        ORDER BY s.township_code, s.station_id""", (year, county, year, year))


@st.cache_data(**data.CACHE)
def station_standard(snap) -> pd.DataFrame:
    return data.query(snap, "SELECT item_code, label_zh, source FROM cfg_station_standard ORDER BY sort")


# --- 履职积分 -------------------------------------------------------------------------------------------

@st.cache_data(**data.CACHE)
def points_bins(snap, year: int, county: str | None = None) -> pd.DataFrame:
    """Deputies per 5-point bin of the yearly total (city or one county), summed over levels."""
    return data.query(snap, """SELECT bin_start, sum(n) AS n FROM mart_points_bin
        WHERE year = ? AND (? IS NULL OR county_code = ?) GROUP BY bin_start ORDER BY bin_start""",
                      (year, county, county))


@st.cache_data(**data.CACHE)
def points_levels(snap, year: int, county: str | None = None) -> list[str]:
    df = data.query(snap, """SELECT DISTINCT level FROM mart_points_bin WHERE year = ? AND (? IS NULL OR county_code = ?)
        ORDER BY level DESC""", (year, county, county))
    return df["level"].tolist()


@st.cache_data(**data.CACHE)
def points_grades(snap, year: int, county: str | None = None) -> pd.DataFrame:
    """Grade counts per county (city view) or per 选区 township of one county: unit_code, unit_name, grade, n."""
    if county is None:
        return data.query(snap, """SELECT g.county_code AS unit_code, c.county_name AS unit_name, c.sort_order,
                   g.grade, sum(g.n) AS n
            FROM mart_points_grade g JOIN dim_county c USING (county_code)
            WHERE g.year = ? AND g.is_total GROUP BY ALL ORDER BY c.sort_order""", (year,))
    return data.query(snap, """SELECT g.township_code AS unit_code, coalesce(t.township_name, '未填选区') AS unit_name,
               g.township_code AS sort_order, g.grade, sum(g.n) AS n
        FROM mart_points_grade g LEFT JOIN dim_township t ON t.township_code = g.township_code
        WHERE g.year = ? AND g.county_code = ? AND NOT g.is_total GROUP BY ALL ORDER BY g.township_code""",
                      (year, county))


@st.cache_data(**data.CACHE)
def low_scores(snap, year: int, county: str | None = None) -> pd.DataFrame:
    """Deputies below the pass line (约谈名单) of the city or one county."""
    order = "p.total_points, c.sort_order, p.deputy_id"  # lowest first: a cut list keeps the most urgent
    return data.listing(snap, """
        SELECT p.deputy_id, p.name, p.level, c.county_name, t.township_name, p.total_points, p.last_points,
               p.grade, p.county_code
        FROM mart_points_low p JOIN dim_county c USING (county_code)
        LEFT JOIN dim_township t ON t.township_code = p.township_code
        WHERE p.year = ? AND (? IS NULL OR p.county_code = ?)""", (year, county, county), order, order)


# --- 建议办理 -------------------------------------------------------------------------------------------

@st.cache_data(**data.CACHE)
def class_by_year(snap, county: str | None = None, level: str = LEVEL) -> pd.DataFrame:
    """Counts per year for the city or one county (sums of mart_suggestion_class)."""
    return data.query(snap, """SELECT year, sum(n) AS n, sum(n_replied) AS n_replied, sum(n_a) AS n_a,
            sum(n_b) AS n_b, sum(n_c) AS n_c, sum(n_d) AS n_d
        FROM mart_suggestion_class WHERE level = ? AND (? IS NULL OR county_code = ?)
        GROUP BY year ORDER BY year""", (level, county, county))


@st.cache_data(**data.CACHE)
def class_by_county(snap, year: int, level: str = LEVEL) -> pd.DataFrame:
    return data.query(snap, """SELECT m.county_code, c.county_name, sum(n) AS n, sum(n_replied) AS n_replied,
            sum(n_a) AS n_a, sum(n_b) AS n_b, sum(n_c) AS n_c, sum(n_d) AS n_d
        FROM mart_suggestion_class m JOIN dim_county c USING (county_code)
        WHERE m.year = ? AND m.level = ? GROUP BY ALL ORDER BY min(c.sort_order)""", (year, level))


@st.cache_data(**data.CACHE)
def class_by_category(snap, year: int, county: str | None = None, level: str = LEVEL) -> pd.DataFrame:
    return data.query(snap, """SELECT m.category, sum(n) AS n, sum(n_replied) AS n_replied, sum(n_a) AS n_a,
            sum(n_b) AS n_b, sum(n_c) AS n_c, sum(n_d) AS n_d, sum(n_a + n_b) AS n_ab, sum(n_evaluated) AS n_evaluated,
            sum(n_strict) AS n_strict, sum(n_on_time) AS n_on_time
        FROM mart_suggestion_class m
        LEFT JOIN cfg_enum e ON e.domain = 'suggestion_category' AND e.value = m.category
        WHERE m.year = ? AND m.level = ? AND (? IS NULL OR m.county_code = ?)
        GROUP BY m.category ORDER BY sum(n) DESC, min(e.sort)""", (year, level, county, county))


@st.cache_data(**data.CACHE)
def handling_units(snap, year: int, county: str | None = None, level: str = LEVEL,
                   weakest: tuple[str, str] = ("on_time_rate", "n")) -> pd.DataFrame:
    """Handling units of a year; beyond data.LIST_MAX (a province / the nation) the lowest on `weakest`
    (rate column, its denominator — one of dep.UNIT_METRICS) among units with ≥ 3 cases, first."""
    rate, den = weakest
    if RATES.get(rate) != den:
        raise ValueError(f"unknown ranking {weakest}")
    return data.listing(snap, """SELECT h.unit_id, h.unit_name, h.unit_type, h.county_code, c.county_name, h.n,
            h.n_replied, h.n_on_time, h.n_late, h.n_evaluated, h.n_strict, h.n_broad, h.n_a, h.n_ab,
            h.on_time_rate, h.satisfaction_strict, h.satisfaction_broad, h.resolution_rate, h.implementation_rate
        FROM mart_handling_unit h JOIN dim_county c USING (county_code)
        WHERE h.year = ? AND h.level = ? AND (? IS NULL OR h.county_code = ?)""", (year, level, county, county),
                        "c.sort_order, h.unit_id",
                        f"h.{den} >= 3 DESC, h.{rate} NULLS LAST, h.{den} DESC, c.sort_order, h.unit_id")


@st.cache_data(**data.CACHE)
def late_replies(snap, year: int, county: str | None = None, level: str = LEVEL) -> pd.DataFrame:
    order = "l.days_late DESC, c.sort_order, l.suggestion_id"
    return data.listing(snap, """SELECT l.suggestion_id, l.title, c.county_name, l.unit_name, l.assigned_date,
            l.due_date, l.replied_date, l.days_late, l.status, l.key_supervised, l.county_code
        FROM mart_late_reply l JOIN dim_county c USING (county_code)
        WHERE l.year = ? AND l.level = ? AND (? IS NULL OR l.county_code = ?)""", (year, level, county, county),
                        order, order)
