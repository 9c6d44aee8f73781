"""What a validated batch would change: rows added, changed (old → new per cell) and removed, per table,
within the file's scope (the keys it upserts, or the year+county partitions it replaces). Also a diff between
two published versions. Set-based SQL on the batch's scratch connection."""
from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import pandas as pd

from etl import schema

MAX_CELLS = 2000  # changed cells listed per table (all are counted)


@dataclass
class TableDiff:
    table: str
    added: int = 0
    removed: int = 0
    changed_rows: int = 0
    unchanged: int = 0
    cells: pd.DataFrame = field(default_factory=pd.DataFrame)        # 记录, 列, 原值, 新值
    added_keys: list[str] = field(default_factory=list)
    removed_keys: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return schema.BY_NAME[self.table].label


def _key_text(t: schema.Table, alias: str) -> str:
    return " || ' / ' || ".join(f"coalesce(CAST({alias}.{k} AS VARCHAR), '')" for k in t.key)


def _in_scope(t: schema.Table, mode: str) -> str:
    match = " AND ".join(f"s.{k} = x.{k}" for k in t.key)
    cond = f"EXISTS (SELECT 1 FROM stg_{t.name} s WHERE {match})"
    if mode == schema.REPLACE and t.county_sql:
        county = t.county_sql.format(t="x", db="w.")
        cond += (f" OR EXISTS (SELECT 1 FROM scope_{t.name} sc WHERE sc.year = x.{t.year_column} "
                 f"AND sc.county_code = {county})")
    return cond


def _compare(con, t: schema.Table, old_sql: str, new_sql: str, limit: int) -> TableDiff:
    cols = [c for c in t.column_names if c not in t.key]
    on = " AND ".join(f"o.{k} IS NOT DISTINCT FROM n.{k}" for k in t.key)
    con.execute(f"CREATE OR REPLACE TEMP TABLE _pair AS SELECT {_key_text(t, 'o')} AS old_key, {_key_text(t, 'n')} AS new_key, "
                f"{', '.join(f'o.{c} AS o_{c}, n.{c} AS n_{c}' for c in cols)}, o.{t.key[0]} IS NOT NULL AS has_old, "
                f"n.{t.key[0]} IS NOT NULL AS has_new FROM ({old_sql}) o FULL OUTER JOIN ({new_sql}) n ON {on}")
    differs = " OR ".join(f"o_{c} IS DISTINCT FROM n_{c}" for c in cols) or "FALSE"
    added, removed, changed, same = con.execute(
        f"SELECT count(*) FILTER (WHERE has_new AND NOT has_old), count(*) FILTER (WHERE has_old AND NOT has_new), "
        f"count(*) FILTER (WHERE has_old AND has_new AND ({differs})), "
        f"count(*) FILTER (WHERE has_old AND has_new AND NOT ({differs})) FROM _pair").fetchone()
    cells = pd.DataFrame(columns=["记录", "列", "原值", "新值"])
    if cols and changed:
        parts = " UNION ALL ".join(
            f"SELECT new_key AS 记录, '{t.column(c).header}' AS 列, CAST(o_{c} AS VARCHAR) AS 原值, "
            f"CAST(n_{c} AS VARCHAR) AS 新值, {i} AS pos FROM _pair WHERE has_old AND has_new AND o_{c} IS DISTINCT FROM n_{c}"
            for i, c in enumerate(cols))
        cells = con.execute(f"SELECT 记录, 列, 原值, 新值 FROM ({parts}) ORDER BY 记录, pos LIMIT {limit}").fetchdf()
    keys = lambda cond, col: [r[0] for r in con.execute(f"SELECT {col} FROM _pair WHERE {cond} ORDER BY 1 LIMIT {limit}").fetchall()]
    return TableDiff(t.name, added, removed, changed, same, cells, keys("has_new AND NOT has_old", "new_key"),
                     keys("has_old AND NOT has_new", "old_key"))


def batch_diff(batch, limit: int = MAX_CELLS) -> list[TableDiff]:
    """Diff of every table in a validated batch against the warehouse it was validated on."""
    out = []
    for name in batch.tables:
        t = schema.BY_NAME[name]
        cols = ", ".join(t.column_names)
        old = f"SELECT {cols} FROM w.{name} x WHERE {_in_scope(t, batch.modes[name])}"
        new = f"SELECT {cols} FROM stg_{name}"
        out.append(_compare(batch.con, t, old, new, limit))
    return out


def version_diff(old_path, new_path, tables: list[str] | None = None, limit: int = MAX_CELLS) -> list[TableDiff]:
    """Diff between two published snapshot files (read-only), table by table."""
    con = duckdb.connect()
    try:
        con.execute(f"ATTACH '{old_path}' AS a (READ_ONLY)")
        con.execute(f"ATTACH '{new_path}' AS b (READ_ONLY)")
        out = []
        for t in schema.SNAPSHOT_TABLES:
            if t.kind == "meta" or not t.key or (tables and t.name not in tables):
                continue
            cols = ", ".join(t.column_names)
            d = _compare(con, t, f"SELECT {cols} FROM a.{t.name}", f"SELECT {cols} FROM b.{t.name}", limit)
            if d.added or d.removed or d.changed_rows:
                out.append(d)
        return out
    finally:
        con.close()
