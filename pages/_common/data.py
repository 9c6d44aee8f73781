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
from etl.area import area_word

CACHE = dict(max_entries=256, show_spinner=False)
PICKER_MAX = 500  # a township picker lists the whole city up to this many units; beyond it, county first


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


LIST_MAX = 1000  # rows of one list (table) sent to a page; a province / the nation shows the most severe first


def listing(snap: Snapshot, sql: str, params: tuple, order: str, worst_first: str) -> pd.DataFrame:
    """A list query (`sql` without ORDER BY): every row in `order` up to LIST_MAX rows (a city: unchanged), else
    the LIST_MAX first in `worst_first`. The full count is in df.attrs["n_total"] (read it with total())."""
    n = int(query(snap, f"SELECT count(*) AS n FROM ({sql})", params)["n"].iloc[0])
    if n <= LIST_MAX:
        df = query(snap, f"{sql} ORDER BY {order}", params)
    else:
        df = query(snap, f"{sql} ORDER BY {worst_first} LIMIT ?", (*params, LIST_MAX))
    df.attrs["n_total"] = n
    return df


def total(df: pd.DataFrame) -> int:
    """The full row count behind a list from listing() (len(df) for any other frame)."""
    return int(df.attrs.get("n_total", len(df)))


def cap_note(df: pd.DataFrame, what: str = "条") -> str:
    """"共12,345条，显示最需关注的1,000条……" when listing() cut the list, else ""."""
    n = total(df)
    return (f"共{n:,}{what}，这里显示最需关注的{len(df):,}{what}；选择县区可查看该县区的全部明细。"
            if n > len(df) else "")


@st.cache_data(**CACHE)
def city(snap: Snapshot) -> dict:
    row = query(snap, "SELECT c.city_code, c.city_name, bool_or(coalesce(k.is_demo, FALSE)) AS is_demo "
                         "FROM dim_city c LEFT JOIN dim_county k USING (city_code) GROUP BY ALL")
    return row.iloc[0].to_dict() if len(row) else {"city_code": "", "city_name": "（未设置）", "is_demo": False}


def area(snap: Snapshot) -> str:
    """The word for the whole top unit of this snapshot: 全市 / 全省 / 全国 (etl.area.area_word of dim_city's name;
    cached through city(), so keyed by the snapshot)."""
    return area_word(city(snap)["city_name"])


@st.cache_data(**CACHE)
def version_info(snap: Snapshot) -> dict:
    row = query(snap, "SELECT version, created_at, created_by, kind FROM meta_version ORDER BY version DESC LIMIT 1")
    return row.iloc[0].to_dict() if len(row) else {}


# --- dimensions and filters -------------------------------------------------------------------------

@st.cache_data(**CACHE)
def years(snap: Snapshot) -> list[int]:
    df = query(snap, "SELECT DISTINCT year FROM mart_kpi WHERE level = '市' ORDER BY year")
    return [int(y) for y in df["year"]]


@st.cache_data(**CACHE)
def counties(snap: Snapshot) -> pd.DataFrame:
    return query(snap, "SELECT county_code, county_name, county_type, population_10k FROM dim_county ORDER BY sort_order")


@st.cache_data(**CACHE)
def townships(snap: Snapshot, year: int, county: str | None = None) -> pd.DataFrame:
    """Township-level units active in `year` (optionally of one county)."""
    return query(snap, """
        SELECT t.township_code, t.township_name, t.county_code, c.county_name, t.unit_type, t.category, t.population_10k
        FROM dim_township t JOIN dim_county c USING (county_code)
        WHERE t.valid_from_year <= ? AND (t.valid_to_year IS NULL OR t.valid_to_year >= ?)
          AND (? IS NULL OR t.county_code = ?)
        ORDER BY c.sort_order, t.township_code""", (year, year, county, county))


@st.cache_data(**CACHE)
def township_count(snap: Snapshot, county: str | None = None) -> int:
    """How many township-level units exist (ever) in the city or one county: decides whether a page lists them
    all (a city) or shows the weakest few and asks to pick a county first (a province, the nation)."""
    return int(query(snap, "SELECT count(*) AS n FROM dim_township WHERE ? IS NULL OR county_code = ?",
                     (county, county))["n"].iloc[0])


@st.cache_data(**CACHE)
def unit_name(snap: Snapshot, code: str) -> str:
    df = query(snap, "SELECT county_name AS n FROM dim_county WHERE county_code = ? UNION ALL "
                     "SELECT township_name FROM dim_township WHERE township_code = ?", (code, code))
    return df["n"].iloc[0] if len(df) else code


# --- indicators (mart_kpi) ------------------------------------------------------------------------------

KPI_COLUMNS = ("kpi_code, kpi_ref, year, level, unit_code, unit_name, county_code, numerator, denominator, value, "
               "target, floor, status, unreported, breach")


@st.cache_data(**CACHE)
def kpi_units(snap: Snapshot, codes: tuple[str, ...], year: int, level: str, county: str | None = None) -> pd.DataFrame:
    """One row per unit (county or township) and KPI for a year; townships optionally of one county."""
    marks = ",".join("?" * len(codes))
    return query(snap, f"""SELECT {KPI_COLUMNS} FROM mart_kpi
        WHERE kpi_code IN ({marks}) AND year = ? AND level = ? AND (? IS NULL OR county_code = ?)
        ORDER BY kpi_code, unit_code""", (*codes, year, level, county, county))


@st.cache_data(**CACHE)
def kpi_series(snap: Snapshot, codes: tuple[str, ...], county: str | None = None, township: str | None = None) -> pd.DataFrame:
    """Yearly values of the city, plus the chosen county and township, for trend charts."""
    marks = ",".join("?" * len(codes))
    return query(snap, f"""SELECT {KPI_COLUMNS} FROM mart_kpi WHERE kpi_code IN ({marks})
        AND (level = '市' OR (level = '县' AND unit_code = ?) OR (level = '乡' AND unit_code = ?))
        ORDER BY kpi_code, year, level""", (*codes, county, township))


@st.cache_data(**CACHE)
def kpi_city_year(snap: Snapshot, year: int, county: str | None = None) -> pd.DataFrame:
    """Every KPI for the city (or one county) in a year, with last year's value for the change."""
    level, unit = ("县", county) if county else ("市", None)
    return query(snap, """
        SELECT k.kpi_code, k.kpi_ref, k.numerator, k.denominator, k.value, k.target, k.floor, k.status, k.unreported,
               k.breach, p.value AS last_value
        FROM mart_kpi k LEFT JOIN mart_kpi p ON p.kpi_code = k.kpi_code AND p.level = k.level
             AND p.unit_code = k.unit_code AND p.year = k.year - 1
        WHERE k.level = ? AND k.year = ? AND (? IS NULL OR k.unit_code = ?)""", (level, year, unit, unit))


# --- composite index and warnings ---------------------------------------------------------------------

@st.cache_data(**CACHE)
def index_ranking(snap: Snapshot, year: int, equal_weights: bool = False) -> pd.DataFrame:
    score, rank = ("total_equal", "rank_equal") if equal_weights else ("total", "rank")
    return query(snap, f"""SELECT county_code, county_name, {score} AS total, base_score, bonus, grade, {rank} AS rank,
        rank_change, dagger FROM mart_index_total WHERE year = ? ORDER BY {rank}""", (year,))


@st.cache_data(**CACHE)
def index_dimensions(snap: Snapshot, year: int, county: str | None = None) -> pd.DataFrame:
    return query(snap, """SELECT i.county_code, c.county_name, i.dimension, i.dimension_name, i.score, i.max_score, i.dagger
        FROM mart_index i JOIN dim_county c USING (county_code)
        WHERE i.year = ? AND (? IS NULL OR i.county_code = ?) ORDER BY c.sort_order, i.dimension""", (year, county, county))


@st.cache_data(**CACHE)
def index_history(snap: Snapshot, county: str | None = None) -> pd.DataFrame:
    return query(snap, """SELECT year, county_code, county_name, total, grade, rank, dagger FROM mart_index_total
        WHERE ? IS NULL OR county_code = ? ORDER BY year, rank""", (county, county))


@st.cache_data(**CACHE)
def floor_breaches(snap: Snapshot, year: int, county: str | None = None) -> pd.DataFrame:
    """预警清单: statutory-floor breaches (K10, K15, K23) naming the county and township."""
    return listing(snap, """SELECT w.kpi_ref, w.code, c.county_name, t.township_name, w.message_zh, w.object_id,
               w.county_code, w.township_code
        FROM mart_warning w JOIN dim_county c USING (county_code)
        LEFT JOIN dim_township t ON t.township_code = w.township_code
        WHERE w.year = ? AND (? IS NULL OR w.county_code = ?)""", (year, county, county),
                   "w.kpi_ref, c.sort_order, w.township_code", "w.kpi_ref, c.sort_order, w.township_code")


@st.cache_data(**CACHE)
def breach_counts(snap: Snapshot, year: int, county: str | None = None) -> pd.DataFrame:
    """Floor breaches per KPI and county (the counts of 预警清单 and its 要点, whatever the list shows)."""
    return query(snap, """SELECT w.kpi_ref, c.county_name, count(*) AS n FROM mart_warning w JOIN dim_county c USING (county_code)
        WHERE w.year = ? AND (? IS NULL OR w.county_code = ?) GROUP BY ALL ORDER BY n DESC, min(c.sort_order)""",
                 (year, county, county))


@st.cache_data(**CACHE)
def policy_warnings(snap: Snapshot, year: int | None, county: str | None = None, tables: tuple[str, ...] = ()) -> pd.DataFrame:
    """Policy non-compliance found by the warning rules over the current data (mart_policy_warning)."""
    marks = ",".join("?" * len(tables)) or "NULL"
    order = "w.year DESC, c.county_name, t.township_name"
    return listing(snap, f"""SELECT w.table_label, w.rule_code, w.header, w.year, c.county_name, t.township_name, w.value,
               w.message_zh, w.provenance, w.county_code, w.township_code, w.record_key
        FROM mart_policy_warning w LEFT JOIN dim_county c USING (county_code)
        LEFT JOIN dim_township t ON t.township_code = w.township_code
        WHERE (? IS NULL OR w.year = ?) AND (? IS NULL OR w.county_code = ?)
          AND ({len(tables)} = 0 OR w.table_name IN ({marks}))""", (year, year, county, county, *tables), order, order)


@st.cache_data(**CACHE)
def policy_summary(snap: Snapshot, year: int | None, county: str | None = None) -> pd.DataFrame:
    """Policy warnings counted per table and message (the 总览 summary, whatever the list shows)."""
    return query(snap, """SELECT w.table_label, w.message_zh, count(*) AS n FROM mart_policy_warning w
        WHERE (? IS NULL OR w.year = ?) AND (? IS NULL OR w.county_code = ?) GROUP BY ALL ORDER BY ALL""",
                 (year, year, county, county))


@st.cache_data(**CACHE)
def marts_current(snap: Snapshot) -> bool:
    """Were this snapshot's marts built by the code now running?"""
    from etl.marts import code_fingerprint, snapshot_fingerprint
    cur = _connection(snap).cursor()
    try:
        return snapshot_fingerprint(cur) == code_fingerprint()
    finally:
        cur.close()
