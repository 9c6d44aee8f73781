"""Queries of the 报送进度, 版本与审计 and 账号与设置 pages.

Snapshot questions (the tracker marts of etl/sql/78_tracker.sql, one old snapshot's meta_batch, a version diff)
are cached: a snapshot file never changes. App-store questions (versions, audit log, upload log, accounts,
settings, deadlines) are read fresh on every run — the store is appended to all the time and is small.
"""
from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import streamlit as st

from etl import auth, diff, publish, tracker
from pages._common import data

AUDIT_LIMIT = 2000


# --- 报送进度 (snapshot marts) ----------------------------------------------------------------------------

@st.cache_data(**data.CACHE)
def tracker_years(snap) -> list[int]:
    """Years of mart_tracker; [] for a snapshot published before the mart existed (the next publish adds it)."""
    if data.query(snap, "SELECT count(*) AS n FROM duckdb_tables() WHERE table_name = 'mart_tracker'")["n"][0] == 0:
        return []
    return [int(y) for y in data.query(snap, "SELECT DISTINCT year FROM mart_tracker ORDER BY year")["year"]]


@st.cache_data(**data.CACHE)
def tracker_rows(snap, year: int) -> pd.DataFrame:
    """mart_tracker of one year: one row per county and required table."""
    return data.query(snap, "SELECT * FROM mart_tracker WHERE year = ? ORDER BY county_sort, table_sort", (year,))


@st.cache_data(**data.CACHE)
def tracker_townships(snap, year: int, county: str) -> pd.DataFrame:
    return data.query(snap, """SELECT * FROM mart_tracker_township WHERE year = ? AND county_code = ?
        ORDER BY liuyou_sent AND staffing_sent AND stations_sent >= stations_expected, township_code""",
                      (year, county))


@st.cache_data(**data.CACHE)
def tracker_missing(snap, year: int, county: str | None = None) -> pd.DataFrame:
    """Every township / station row still missing (mart_tracker_missing), with county and township names."""
    order = "c.sort_order, m.table_name, m.object_code"  # at most data.LIST_MAX rows: a county shows all of its own
    return data.listing(snap, """SELECT m.*, c.county_name, t.township_name
        FROM mart_tracker_missing m JOIN dim_county c USING (county_code)
        LEFT JOIN dim_township t ON t.township_code = m.township_code
        WHERE m.year = ? AND (? IS NULL OR m.county_code = ?)""", (year, county, county), order, order)


def _store():
    return data.paths().store()


def tracker_status(snap, year: int, today: date | None = None) -> pd.DataFrame:
    """The year's status per county and table (deadlines read fresh from the app store)."""
    store = _store()
    try:
        due = tracker.deadlines(store, year)
    finally:
        store.close()
    return _status_frame(snap, year, tuple(due.items()), today or date.today())


@st.cache_data(**data.CACHE)
def _status_frame(snap, year: int, due: tuple, today: date) -> pd.DataFrame:
    """tracker.status_frame once per (snapshot, deadlines, day): row-wise Python, 26k rows at nation scale."""
    return tracker.status_frame(tracker_rows(snap, year), dict(due), today)


def deadlines(year: int) -> dict[str, date]:
    store = _store()
    try:
        return {t: d for (t, _), d in tracker.deadlines(store, year).items()}
    finally:
        store.close()


# --- 版本与审计 -----------------------------------------------------------------------------------------

def versions() -> list[dict]:
    return publish.versions(data.paths())


def upload_totals() -> pd.DataFrame:
    """Rows and warnings of the accepted uploads behind each version (app store)."""
    store = _store()
    try:
        return pd.DataFrame(store.rows("""SELECT version, count(*) AS files, sum(rows_in) AS rows_in,
            sum(warnings) AS warnings FROM meta_upload_log WHERE status = 'accepted' GROUP BY version"""),
                            columns=["version", "files", "rows_in", "warnings"])
    finally:
        store.close()


@st.cache_data(**data.CACHE)
def version_batches(snap) -> pd.DataFrame:
    """The upload batches a version added (its own snapshot's meta_batch; the file is immutable)."""
    _, con = publish.open_snapshot(publish.data_paths(snap.root), snap.version)
    try:
        return con.execute("SELECT * FROM meta_batch WHERE version = ? ORDER BY batch_id", (snap.version,)).fetchdf()
    finally:
        con.close()


def logged_batches(version: int) -> pd.DataFrame:
    """Fallback for a pruned snapshot: the accepted uploads of that version in the app store (no scope)."""
    store = _store()
    try:
        return pd.DataFrame(store.rows("""SELECT upload_id AS batch_id, table_name, file_name, sha256, encoding,
            uploaded_by, uploaded_at, mode, rows_in AS rows, warnings, NULL AS scope FROM meta_upload_log
            WHERE status = 'accepted' AND version = ? ORDER BY upload_id""", (version,)))
    finally:
        store.close()


@st.cache_data(max_entries=16, show_spinner="正在比较两个版本……")
def version_diff(root: str, old: int, new: int) -> list[diff.TableDiff]:
    p = publish.data_paths(root)
    return diff.version_diff(p.snapshot(old), p.snapshot(new))


def audit_facets() -> dict[str, list[str]]:
    store = _store()
    try:
        return {col: [r["v"] for r in store.rows(f"SELECT DISTINCT {col} AS v FROM audit_log WHERE {col} <> '' "
                                                 f"ORDER BY 1")] for col in ("user", "action", "result")}
    finally:
        store.close()


def audit_log(user: str | None = None, action: str | None = None, result: str | None = None,
              start: date | None = None, end: date | None = None, limit: int = AUDIT_LIMIT) -> pd.DataFrame:
    """Newest first; every filter optional; `end` inclusive."""
    store = _store()
    try:
        rows = store.rows("""SELECT audit_id, at, user, action, target, result, detail, sha256 FROM audit_log
            WHERE (? IS NULL OR user = ?) AND (? IS NULL OR action = ?) AND (? IS NULL OR result = ?)
              AND (? IS NULL OR at >= ?) AND (? IS NULL OR at < ?)
            ORDER BY audit_id DESC LIMIT ?""",
                          (user, user, action, action, result, result, _day(start), _day(start),
                           _day(end, 1), _day(end, 1), limit))
    finally:
        store.close()
    return pd.DataFrame(rows, columns=["audit_id", "at", "user", "action", "target", "result", "detail", "sha256"])


def _day(d: date | None, plus: int = 0) -> str | None:
    return None if d is None else (d + timedelta(days=plus)).isoformat()


def upload_log(user: str | None = None, status: str | None = None, start: date | None = None,
               end: date | None = None, limit: int = AUDIT_LIMIT) -> pd.DataFrame:
    store = _store()
    try:
        rows = store.rows("""SELECT * FROM meta_upload_log WHERE (? IS NULL OR uploaded_by = ?)
            AND (? IS NULL OR status = ?) AND (? IS NULL OR uploaded_at >= ?) AND (? IS NULL OR uploaded_at < ?)
            ORDER BY upload_id DESC LIMIT ?""",
                          (user, user, status, status, _day(start), _day(start), _day(end, 1), _day(end, 1), limit))
    finally:
        store.close()
    return pd.DataFrame(rows)


def upload_issues(upload_id: int) -> pd.DataFrame:
    store = _store()
    try:
        rows = store.rows("""SELECT row_no, "column", severity, message_zh, value, rule_code
            FROM meta_validation_issue WHERE upload_id = ? ORDER BY severity, row_no""", (upload_id,))
    finally:
        store.close()
    return pd.DataFrame(rows, columns=["row_no", "column", "severity", "message_zh", "value", "rule_code"])


# --- 账号与设置 -----------------------------------------------------------------------------------------

def accounts() -> pd.DataFrame:
    store = _store()
    try:
        return pd.DataFrame(auth.accounts(store), columns=["username", "display_name", "role", "county_code", "active",
                                                           "created_at", "created_by", "last_login", "locked_until"])
    finally:
        store.close()


def stored_setting(key: str) -> str | None:
    """The value an administrator stored, or None when the setting was never set (built-in default applies)."""
    store = _store()
    try:
        auth.setting(store, key)  # makes sure the settings table exists
        rows = store.rows("SELECT value FROM settings WHERE key = ?", (key,))
    finally:
        store.close()
    return rows[0]["value"] if rows else None
