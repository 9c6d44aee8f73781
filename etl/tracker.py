"""报送进度 (submission tracker): which counties / townships / stations have sent each required table of a year,
which are missing or overdue against the deadline an administrator set, and who sent the last version.

The counts come from the mart built at publish time (etl/sql/78_tracker.sql: mart_tracker, one row per year,
county and required table); deadlines are settings in the app store (key ``deadline:<table>:<year>``, value
``YYYY-MM-DD``), so changing a deadline never needs a new data version. Overdue means: not complete and today is
later than the deadline.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import pandas as pd

from etl import auth, schema
from etl.appstore import AppStore

COUNTY, TOWNSHIP, STATION, EVENT = "county", "township", "station", "event"
SENT, MISSING, OVERDUE, NONE = "sent", "missing", "overdue", "none"
STATUS_ZH = {SENT: "已报送", MISSING: "缺报", OVERDUE: "逾期", NONE: "无需报送"}
STATUS_ORDER = (OVERDUE, MISSING, SENT, NONE)
UNIT_ZH = {COUNTY: "每县区一套", TOWNSHIP: "每个乡镇（街道）一行", STATION: "每个在运行的联络站点一行",
           EVENT: "每县区至少一条"}
DEADLINE_PREFIX = "deadline:"
_KEY = re.compile(r"^deadline:(?P<table>[a-z_]+):(?P<year>\d{4})$")


@dataclass(frozen=True)
class Required:
    table: str
    unit: str                   # county | township | station | event (who owes rows)
    short: str                  # short Chinese column label of the tracker matrix
    since: int | None = None    # first year the table is required (None: always)

    @property
    def label(self) -> str:
        return schema.BY_NAME[self.table].label


# The tables every county must send for a year (data: add a row, and the same row to etl/sql/78_tracker.sql).
REQUIRED: tuple[Required, ...] = (
    Required("fact_county_leadership", COUNTY, "常委会组成"),
    Required("fact_county_body", COUNTY, "机构与人员"),
    Required("fact_budget", COUNTY, "经费保障"),
    Required("fact_township_liuyou", TOWNSHIP, "乡镇六有"),
    Required("fact_township_staffing", TOWNSHIP, "乡镇人员"),
    Required("fact_station_year", STATION, "联络站运行"),
    Required("fact_meeting", EVENT, "会议活动"),
    Required("fact_suggestion", EVENT, "代表建议"),
    Required("fact_party_support", EVENT, "党委支持"),
)
BY_TABLE = {r.table: r for r in REQUIRED}


def required_for(year: int) -> tuple[Required, ...]:
    return tuple(r for r in REQUIRED if r.since is None or year >= r.since)


# --- deadlines (app store settings) ---------------------------------------------------------------------

def deadline_key(table: str, year: int) -> str:
    return f"{DEADLINE_PREFIX}{table}:{int(year)}"


def deadlines(store: AppStore, year: int | None = None) -> dict[tuple[str, int], date]:
    """{(table, year): deadline} for every deadline set (of one year if given); cleared ones are left out."""
    auth.setting(store, "anonymous_view")  # makes sure the settings table exists
    out = {}
    for r in store.rows("SELECT key, value FROM settings WHERE key LIKE ?", (DEADLINE_PREFIX + "%",)):
        m = _KEY.match(r["key"])
        if not m or not r["value"] or (year is not None and int(m["year"]) != year):
            continue
        try:
            out[(m["table"], int(m["year"]))] = date.fromisoformat(r["value"])
        except ValueError:
            continue
    return out


def set_deadline(store: AppStore, table: str, year: int, day: date | None, by: str) -> None:
    """Set (or clear, with day=None) the deadline of a required table for a year; audited as a setting."""
    if table not in BY_TABLE:
        raise auth.AuthError(f"“{table}”不是需要报送的数据表。")
    if not 2015 <= int(year) <= 2035:
        raise auth.AuthError("年度须在2015–2035之间。")
    auth.set_setting(store, deadline_key(table, year), day.isoformat() if day else "", by)


# --- status ---------------------------------------------------------------------------------------------

def status_frame(rows: pd.DataFrame, due: dict[tuple[str, int], date], today: date) -> pd.DataFrame:
    """mart_tracker rows (any years / counties) with label, deadline, status, status_zh, days_overdue and a
    short cell text; rows of tables not required in their year are dropped."""
    df = rows.copy()
    keep = [BY_TABLE.get(t) is not None and (BY_TABLE[t].since is None or y >= BY_TABLE[t].since)
            for t, y in zip(df["table_name"], df["year"])]
    df = df[keep].copy()
    df["label"] = [BY_TABLE[t].label for t in df["table_name"]]
    df["short"] = [BY_TABLE[t].short for t in df["table_name"]]
    df["deadline"] = [due.get((t, int(y))) for t, y in zip(df["table_name"], df["year"])]
    complete = (df["sent"] >= df["expected"]) & (df["expected"] > 0)
    late = [d is not None and today > d for d in df["deadline"]]
    df["status"] = [NONE if e == 0 else SENT if c else OVERDUE if lt else MISSING
                    for e, c, lt in zip(df["expected"], complete, late)]
    df["status_zh"] = df["status"].map(STATUS_ZH)
    df["days_overdue"] = [(today - d).days if s == OVERDUE else 0 for s, d in zip(df["status"], df["deadline"])]
    df["missing_units"] = (df["expected"] - df["sent"]).clip(lower=0)
    df["cell"] = [_cell(r) for r in df.itertuples()]
    return df.reset_index(drop=True)


def _cell(r) -> str:
    if r.status == NONE:
        return "无需报送"
    if r.unit_kind in (TOWNSHIP, STATION):
        return f"{STATUS_ZH[r.status]} {int(r.sent)}/{int(r.expected)}"
    return STATUS_ZH[r.status]


def summary(status: pd.DataFrame) -> dict[str, int]:
    """Counts of county × table items by status (items not required are left out)."""
    counts = status["status"].value_counts()
    return {s: int(counts.get(s, 0)) for s in (SENT, MISSING, OVERDUE)} | {
        "items": int((status["status"] != NONE).sum())}


def load(con, store: AppStore, year: int, today: date | None = None, county: str | None = None) -> pd.DataFrame:
    """The status of one year (optionally one county) from a snapshot connection and the app store."""
    rows = con.execute("SELECT * FROM mart_tracker WHERE year = ? AND (? IS NULL OR county_code = ?) "
                       "ORDER BY county_sort, table_sort", (year, county, county)).fetchdf()
    return status_frame(rows, deadlines(store, year), today or date.today())
