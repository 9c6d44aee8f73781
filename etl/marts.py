"""Build the marts pages read: views v_suggestion / v_deputy_points_year, mart_kpi, the composite index and
the 预警清单 (data-model §3; architecture §3).

All logic is set-based SQL in etl/sql/*.sql, run in sorted order. Thresholds come from cfg_rule (via the
cfg() macros) and targets/weights from cfg_kpi, so an administrator's edits take effect on the next build.
"""
from __future__ import annotations

import re
import time
from pathlib import Path

from etl import schema, sqlfuncs
from etl.contract_cfg import STATION_STANDARD

SQL_DIR = Path(__file__).with_name("sql")
VIEWS = ("v_suggestion", "v_deputy_points_year")
_STATEMENT_END = re.compile(r";[ \t]*$", re.MULTILINE)


def code_fingerprint() -> str:
    """A hash of the code that builds marts: a snapshot built by other code must have its marts rebuilt."""
    import hashlib
    h = hashlib.sha256()
    for path in sorted(SQL_DIR.glob("*.sql")) + [Path(__file__), Path(__file__).with_name("policy.py"),
                                                    Path(__file__).with_name("indicators.py")]:
        h.update(path.name.encode() + path.read_bytes())
    return h.hexdigest()[:16]


def snapshot_fingerprint(con) -> str | None:
    try:
        row = con.execute("SELECT fingerprint FROM meta_marts").fetchone()
    except Exception:  # a snapshot from before fingerprints
        return None
    return row[0] if row else None


def build_marts(con, timings: dict | None = None) -> None:
    """Create or replace every view and mart table in the connection's default schema (idempotent).
    `timings`, when given, receives seconds per SQL file (the scale benchmark reports them)."""
    con.execute("CREATE OR REPLACE TABLE meta_marts AS SELECT ? AS fingerprint, current_timestamp AS built_at",
                (code_fingerprint(),))
    sqlfuncs.install(con, "cfg_rule", temp=False)
    _ensure_cfg_kpi(con)
    params = {"station_all_items": station_items_sql(con)}
    try:
        for path in sorted(SQL_DIR.glob("*.sql")):
            t0 = time.perf_counter()
            for stmt in split_statements(path.read_text(encoding="utf-8")):
                for key, value in params.items():
                    stmt = stmt.replace("{{" + key + "}}", value)
                try:
                    con.execute(stmt)
                except Exception as exc:  # name the file for whoever debugs a failed build
                    raise RuntimeError(f"{path.name}: {exc}\n{stmt[:300]}") from exc
            if timings is not None:
                timings[path.name] = timings.get(path.name, 0.0) + time.perf_counter() - t0
    finally:
        _drop_temp(con)


def split_statements(sql: str) -> list[str]:
    """Statements end with ';' at the end of a line (';' inside a line, e.g. string_split, is kept)."""
    parts = _STATEMENT_END.split(sql)
    return [p.strip() for p in parts if p.strip() and not _only_comments(p)]


def _only_comments(sql: str) -> bool:
    return all(not line.strip() or line.strip().startswith("--") for line in sql.splitlines())


def station_items_sql(con) -> str:
    """AND of the checklist columns listed in cfg_station_standard (the list is data; default 源城“七有”)."""
    allowed = {c.name for c in schema.BY_NAME["fact_station_year"].columns if c.kind == schema.BOOL}
    try:
        items = [r[0] for r in con.execute("SELECT item_code FROM cfg_station_standard ORDER BY sort").fetchall()]
    except Exception:  # table missing: fall back to the default checklist
        items = []
    items = [i for i in items if i in allowed] or [c for c, _ in STATION_STANDARD]
    return "(" + " AND ".join(f"coalesce(f.{c}, FALSE)" for c in items) + ")"


def _ensure_cfg_kpi(con) -> None:
    """Add registry KPIs missing from cfg_kpi (a fresh or older warehouse); never overwrite edited rows."""
    from etl.indicators import cfg_kpi_rows
    have = {r[0] for r in con.execute("SELECT kpi_code FROM cfg_kpi").fetchall()}
    rows = [r for r in cfg_kpi_rows() if r["kpi_code"] not in have]
    if rows:
        cols = list(rows[0])
        con.executemany(f"INSERT INTO cfg_kpi ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                        [tuple(r[c] for c in cols) for r in rows])


def _drop_temp(con) -> None:
    """Drop the build's temp views and tables (all named _k_…)."""
    for kind, catalog in (("VIEW", "duckdb_views()"), ("TABLE", "duckdb_tables()")):
        names = [r[0] for r in con.execute(
            f"SELECT {kind.lower()}_name FROM {catalog} WHERE temporary AND {kind.lower()}_name LIKE '\\_k\\_%' ESCAPE '\\'").fetchall()]
        for name in names:
            con.execute(f"DROP {kind} IF EXISTS temp.{name}")
