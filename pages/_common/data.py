"""The only UI module that queries DuckDB: cached functions, one per question, parameters bound with ?.

Every function takes the pinned `Snapshot` (data directory + version) as its first argument, so caches are
keyed by the exact snapshot file and a page render that pins one snapshot reads one consistent version.
"""
from __future__ import annotations

from typing import NamedTuple

import duckdb
import pandas as pd
import streamlit as st

from etl import publish

CACHE = dict(max_entries=256, show_spinner=False)


class Snapshot(NamedTuple):
    root: str
    version: int


def paths() -> publish.Paths:
    return publish.data_paths()


def current() -> Snapshot | None:
    """Pin the published snapshot for this render (cheap: reads the CURRENT pointer)."""
    p = paths()
    version = publish.current_version(p)
    return Snapshot(str(p.root), version) if version else None


@st.cache_resource(max_entries=4, show_spinner=False)
def _connection(snap: Snapshot) -> duckdb.DuckDBPyConnection:
    return publish.open_snapshot(publish.data_paths(snap.root), snap.version)[1]


def query(snap: Snapshot, sql: str, params: tuple = ()) -> pd.DataFrame:
    """Run one read-only query on the pinned snapshot with a cursor of its own (thread-safe)."""
    cur = _connection(snap).cursor()
    try:
        return cur.execute(sql, params).fetchdf()
    finally:
        cur.close()


@st.cache_data(**CACHE)
def city(snap: Snapshot) -> dict:
    row = query(snap, "SELECT c.city_code, c.city_name, bool_or(coalesce(k.is_demo, FALSE)) AS is_demo "
                         "FROM dim_city c LEFT JOIN dim_county k USING (city_code) GROUP BY ALL")
    return row.iloc[0].to_dict() if len(row) else {"city_code": "", "city_name": "（未设置）", "is_demo": False}


@st.cache_data(**CACHE)
def kpi_years(snap: Snapshot) -> list[int]:
    df = query(snap, "SELECT DISTINCT year FROM mart_kpi WHERE level = '市' ORDER BY year")
    return [int(y) for y in df["year"]]


@st.cache_data(**CACHE)
def city_kpis(snap: Snapshot, year: int) -> pd.DataFrame:
    """City-level KPI rows for a year, with last year's value for the change."""
    return query(snap, """
        SELECT k.kpi_code, k.kpi_ref, k.numerator, k.denominator, k.value, k.target, k.status, k.unreported,
               p.value AS last_value
        FROM mart_kpi k
        LEFT JOIN mart_kpi p ON p.kpi_code = k.kpi_code AND p.level = '市' AND p.year = k.year - 1
        WHERE k.level = '市' AND k.year = ?""", (year,))


@st.cache_data(**CACHE)
def version_info(snap: Snapshot) -> dict:
    row = query(snap, "SELECT version, created_at, created_by, kind FROM meta_version ORDER BY version DESC LIMIT 1")
    return row.iloc[0].to_dict() if len(row) else {}
