"""Reads for the 数据上传 page: the tables an account may send, templates, and the current rows of ONE scope
(table + year + county) for corrections in the browser. Only small filtered reads; values bound with ?."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from etl import schema, templates
from pages._common import data

# City-wide tables: one row set for the whole city, never sent by a county's staff.
CITY_WIDE = ("dim_city", "dim_county", "cfg_points_rule")
EDITOR_MAX_ROWS = 5000  # larger scopes are corrected by downloading, editing and uploading a file


def county_expr(t: schema.Table, alias: str = "x") -> str | None:
    """SQL for the county of a row of `t` in a snapshot (registry text, never user input); None = city-wide."""
    if t.name in CITY_WIDE:
        return None
    if t.county_sql:
        return t.county_sql.format(t=alias, db="")
    return f"{alias}.county_code" if "county_code" in t.column_names else None


def tables_for(role: str) -> list[schema.Table]:
    """Uploadable tables this role may send (county staff: only tables whose rows belong to one county)."""
    tables = sorted(schema.UPLOADABLE, key=lambda t: (t.kind != "fact", t.order, t.name))
    return [t for t in tables if role != "county_staff" or county_expr(t) is not None]


def edit_columns(t: schema.Table) -> list[schema.Column]:
    """Columns shown in the editor and written to its CSV (derived columns are filled by the validator)."""
    return [c for c in t.columns if not c.derived_from]


@st.cache_data(show_spinner=False, max_entries=64)
def template_xlsx(table: str) -> bytes:
    return templates.template_xlsx(schema.BY_NAME[table])


@st.cache_data(show_spinner=False, max_entries=64)
def template_csv(table: str) -> bytes:
    return templates.template_csv(schema.BY_NAME[table])


@st.cache_data(**data.CACHE)
def scope_count(snap: data.Snapshot, table: str, year: int | None, county: str | None) -> int:
    sql, params = _scope_sql(schema.BY_NAME[table], year, county, "count(*) AS n")
    return int(data.query(snap, sql, params)["n"].iloc[0])


@st.cache_data(**data.CACHE)
def scope_rows(snap: data.Snapshot, table: str, year: int | None, county: str | None) -> pd.DataFrame:
    """Current rows of one scope with the registry's English column names, ordered by key."""
    t = schema.BY_NAME[table]
    cols = ", ".join(f"x.{c.name}" for c in edit_columns(t))
    sql, params = _scope_sql(t, year, county, cols)
    order = ", ".join(f"x.{k}" for k in t.key if k in {c.name for c in edit_columns(t)}) or "1"
    return data.query(snap, f"{sql} ORDER BY {order} LIMIT {EDITOR_MAX_ROWS}", params)


def _scope_sql(t: schema.Table, year: int | None, county: str | None, select: str) -> tuple[str, tuple]:
    where, params = ["TRUE"], []
    if year is not None and t.year_column:
        where.append(f"x.{t.year_column} = ?")
        params.append(int(year))
    expr = county_expr(t)
    if county is not None and expr is not None:
        where.append(f"{expr} = ?")
        params.append(str(county))
    return f"SELECT {select} FROM {t.name} x WHERE {' AND '.join(where)}", tuple(params)


@st.cache_data(**data.CACHE)
def unit_names(snap: data.Snapshot) -> dict[str, str]:
    """Code → name of every county and township (to name the records of a diff)."""
    df = data.query(snap, "SELECT county_code AS code, county_name AS name FROM dim_county UNION ALL "
                          "SELECT t.township_code, c.county_name || t.township_name FROM dim_township t "
                          "JOIN dim_county c USING (county_code)")
    return dict(zip(df["code"], df["name"]))
