"""Cached queries of the 年度通报 page that data.py does not already have (same pattern: Snapshot first)."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from pages._common.data import CACHE, Snapshot, query


@st.cache_data(**CACHE)
def county_kpis(snap: Snapshot, year: int) -> pd.DataFrame:
    """Every KPI of every county in a year, with last year's value (for strengths, weaknesses and changes)."""
    return query(snap, """
        SELECT k.kpi_code, k.kpi_ref, k.unit_code AS county_code, k.unit_name AS county_name, k.numerator,
               k.denominator, k.value, k.target, k.status, k.unreported, p.value AS last_value
        FROM mart_kpi k LEFT JOIN mart_kpi p ON p.kpi_code = k.kpi_code AND p.level = k.level
             AND p.unit_code = k.unit_code AND p.year = k.year - 1
        WHERE k.level = '县' AND k.year = ?
        ORDER BY k.kpi_code, k.unit_code""", (year,))


@st.cache_data(**CACHE)
def snapshot_date(snap: Snapshot) -> str:
    """When the pinned version was published (数据截至), as yyyy-mm-dd."""
    df = query(snap, "SELECT created_at FROM meta_version WHERE version = ?", (snap.version,))
    if df.empty:
        df = query(snap, "SELECT max(created_at) AS created_at FROM meta_version")
    value = df["created_at"].iloc[0] if len(df) else None
    return "" if value is None or pd.isna(value) else str(value)[:10]
