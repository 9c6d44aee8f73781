"""Cached queries of the 年度通报 page that data.py does not already have (same pattern: Snapshot first).

Bounded at any scale (issue 6): the ranking, each county's place on every KPI and the best/worst county of a KPI
are computed in SQL (window functions over all counties); only the counties the document shows come back."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from etl.deck import _breach_summary
from pages._common import data
from pages._common.data import CACHE, Snapshot


@st.cache_data(**CACHE)
def ranking(snap: Snapshot, year: int, keep: int, county: str | None = None, line: float = 80.0) -> pd.DataFrame:
    """mart_index_total rows the report shows: every county while there are at most 2 × `keep`, else the first and
    the last `keep` (by `pos`, 1-based position in rank order), the chosen county and the biggest riser.
    Columns n_total (counties ranked) and n_low (below the 通报 line) count the whole ranking."""
    return data.query(snap, """
        WITH r AS (SELECT county_code, county_name, total, base_score, bonus, grade, rank, rank_change, dagger,
                          row_number() OVER (ORDER BY rank, county_code) AS pos, count(*) OVER () AS n_total,
                          count(*) FILTER (WHERE total < ?) OVER () AS n_low,
                          row_number() OVER (ORDER BY rank_change DESC NULLS LAST, rank, county_code) AS mover
                   FROM mart_index_total WHERE year = ?)
        SELECT * EXCLUDE (mover) FROM r
        WHERE n_total <= 2 * ? OR pos <= ? OR pos > n_total - ? OR county_code IS NOT DISTINCT FROM ?
              OR (mover = 1 AND rank_change > 0)
        ORDER BY pos""", (line, year, keep, keep, keep, county))


@st.cache_data(**CACHE)
def county_kpis(snap: Snapshot, year: int, codes: tuple[str, ...], lower: tuple[str, ...]) -> pd.DataFrame:
    """Every KPI of the counties `codes` in a year, with last year's value and the county's standing among all
    counties on that KPI: place (1 = best, ties share the better place; `lower` = KPI codes where lower is
    better), ties (counties with the same value), median (of the counties with a value), n_counties."""
    if not codes:
        return pd.DataFrame(columns=["kpi_code", "kpi_ref", "county_code", "county_name", "numerator", "denominator",
                                     "value", "target", "status", "unreported", "last_value", "place", "ties",
                                     "median", "n_counties"])
    marks, low = ",".join("?" * len(codes)), ",".join("?" * len(lower)) or "NULL"
    return data.query(snap, f"""
        WITH k AS (SELECT * FROM mart_kpi WHERE level = '县' AND year = ?),
        s AS (SELECT kpi_code, unit_code,
                     rank() OVER (PARTITION BY kpi_code ORDER BY CASE WHEN kpi_code IN ({low}) THEN value
                                                                 ELSE -value END) AS place,
                     count(*) OVER (PARTITION BY kpi_code, value) AS ties,
                     median(value) OVER (PARTITION BY kpi_code) AS median
              FROM k WHERE value IS NOT NULL)
        SELECT k.kpi_code, k.kpi_ref, k.unit_code AS county_code, k.unit_name AS county_name, k.numerator,
               k.denominator, k.value, k.target, k.status, k.unreported, p.value AS last_value,
               s.place, s.ties, s.median, (SELECT count(DISTINCT unit_code) FROM k) AS n_counties
        FROM k LEFT JOIN s USING (kpi_code, unit_code)
             LEFT JOIN mart_kpi p ON p.kpi_code = k.kpi_code AND p.level = k.level
                  AND p.unit_code = k.unit_code AND p.year = k.year - 1
        WHERE k.unit_code IN ({marks})
        ORDER BY k.kpi_code, k.unit_code""", (year, *lower, *codes))


@st.cache_data(**CACHE)
def kpi_extremes(snap: Snapshot, year: int, kpis: tuple[str, ...], lower: tuple[str, ...]) -> pd.DataFrame:
    """The best and the worst county on each KPI of `kpis` (two rows per KPI, best first; ties go to the county
    listed first, as a stable sort of the counties in code order would): kpi_code, unit_name, value, n_tied
    (how many counties share that value)."""
    marks, low = ",".join("?" * len(kpis)), ",".join("?" * len(lower)) or "NULL"
    return data.query(snap, f"""
        WITH k AS (SELECT kpi_code, unit_code, unit_name, value,
                          CASE WHEN kpi_code IN ({low}) THEN value ELSE -value END AS key
                   FROM mart_kpi WHERE level = '县' AND year = ? AND value IS NOT NULL AND kpi_code IN ({marks})),
        r AS (SELECT *, row_number() OVER (PARTITION BY kpi_code ORDER BY key, unit_code) AS best,
                        row_number() OVER (PARTITION BY kpi_code ORDER BY key DESC, unit_code DESC) AS worst,
                        count(*) OVER (PARTITION BY kpi_code, value) AS n_tied FROM k)
        SELECT kpi_code, unit_name, value, n_tied FROM r WHERE best = 1 OR worst = 1
        ORDER BY kpi_code, best""", (*lower, year, *kpis))


@st.cache_data(**CACHE)
def warning_counts(snap: Snapshot, year: int, codes: tuple[str, ...]) -> pd.DataFrame:
    """Floor breaches (nb) and policy warnings (npol) of each county in `codes`, counted over every row."""
    marks = ",".join("?" * len(codes)) or "NULL"
    return data.query(snap, f"""
        SELECT c.county_code,
               (SELECT count(*) FROM mart_warning w WHERE w.year = ? AND w.county_code = c.county_code) AS nb,
               (SELECT count(*) FROM mart_policy_warning w WHERE w.year = ? AND w.county_code = c.county_code) AS npol
        FROM dim_county c WHERE c.county_code IN ({marks})""", (year, year, *codes))


@st.cache_data(**CACHE)
def dimensions(snap: Snapshot, year: int, codes: tuple[str, ...]) -> pd.DataFrame:
    """The six dimension scores of the counties `codes` (mart_index)."""
    marks = ",".join("?" * len(codes)) or "NULL"
    return data.query(snap, f"""SELECT i.county_code, c.county_name, i.dimension, i.dimension_name, i.score, i.max_score,
               i.dagger
        FROM mart_index i JOIN dim_county c USING (county_code)
        WHERE i.year = ? AND i.county_code IN ({marks}) ORDER BY c.sort_order, i.dimension""", (year, *codes))


@st.cache_data(**CACHE)
def breach_summary(snap: Snapshot, year: int, county: str | None = None) -> dict:
    """Floor breaches counted over every row (the list itself is cut at data.LIST_MAX): total, per KPI, counties."""
    cur = data._connection(snap).cursor()
    try:
        return _breach_summary(cur, year, county)
    finally:
        cur.close()


@st.cache_data(**CACHE)
def snapshot_date(snap: Snapshot) -> str:
    """When the pinned version was published (数据截至), as yyyy-mm-dd."""
    df = data.query(snap, "SELECT created_at FROM meta_version WHERE version = ?", (snap.version,))
    if df.empty:
        df = data.query(snap, "SELECT max(created_at) AS created_at FROM meta_version")
    value = df["created_at"].iloc[0] if len(df) else None
    return "" if value is None or pd.isna(value) else str(value)[:10]
