"""Build the marts pages read: views v_suggestion / v_deputy_points_year, mart_kpi, the composite index and
the 预警清单 (data-model §3; architecture §3).

All logic is set-based SQL in etl/sql/*.sql, run in sorted order. Thresholds come from cfg_rule (via the
cfg() macros) and targets/weights from cfg_kpi, so an administrator's edits take effect on the next build.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

from etl import schema, sqlfuncs
from etl.contract_cfg import STATION_STANDARD

SQL_DIR = Path(__file__).with_name("sql")
VIEWS = ("v_suggestion", "v_deputy_points_year")
_STATEMENT_END = re.compile(r";[ \t]*$", re.MULTILINE)


def code_fingerprint() -> str:
    """A hash of the code that builds marts: a snapshot built by other code must have its marts rebuilt.
    The contract modules are included: policy warnings run the registry's rules."""
    import hashlib
    h = hashlib.sha256()
    here = Path(__file__).parent
    code = [here / "marts.py", here / "policy.py", here / "indicators.py", here / "schema.py",
            *sorted(here.glob("contract_*.py"))]
    for path in sorted(SQL_DIR.glob("*.sql")) + code:
        h.update(path.name.encode() + path.read_bytes())
    return h.hexdigest()[:16]


def snapshot_fingerprint(con) -> str | None:
    try:
        row = con.execute("SELECT fingerprint FROM meta_marts").fetchone()
    except Exception:  # a snapshot from before fingerprints
        return None
    return row[0] if row else None


@dataclass(frozen=True)
class Node:
    """One statement of etl/sql: the object it creates and the tables, views and build objects it reads."""
    file: str
    name: str
    temp: bool
    sql: str
    refs: frozenset[str]
    kind: str = "TABLE"  # TABLE, VIEW or MACRO
    partition: str | None = None  # "-- partition: county_code": its rows of a county depend only on that county


_CREATE = re.compile(r"CREATE\s+(?:OR\s+REPLACE\s+)?(TEMP\s+)?(TABLE|VIEW|MACRO)\s+(\w+)", re.I)
_IDENT = re.compile(r"\b([a-z_][a-z0-9_]*)\b")
# Build objects whose content rarely changes although their inputs do: after a rebuild their digest is compared
# with the one stored in the snapshot, and an unchanged one does not make its readers stale (early cut-off).
CUTOFF = {"_k_years": "SELECT string_agg(CAST(year AS VARCHAR), ',' ORDER BY year) FROM _k_years"}
DIGESTS = "meta_marts_digest"
KEEP = {"mart_policy_warning"}  # mart tables built outside etl/sql (etl/policy.py)
PARAMS = {"station_all_items": "cfg_station_standard"}  # {{param}} in SQL -> the table its value is read from
_PARTITION = re.compile(r"--\s*partition:\s*(\w+)")
_AS = re.compile(r"\s+AS\s", re.I)


def plan() -> list[Node]:
    """Every statement in run order, with dependencies read from the SQL itself (names of snapshot tables
    and of objects created by earlier statements). Every statement also reads cfg_rule through cfg()."""
    statements = [(path.name, stmt) for path in sorted(SQL_DIR.glob("*.sql"))
                  for stmt in split_statements(path.read_text(encoding="utf-8"))]
    created = {}
    for file, stmt in statements:
        m = _CREATE.search(stmt)
        if not m:
            raise RuntimeError(f"{file}: every statement must create one table, view or macro:\n{stmt[:200]}")
        created[m.group(3)] = bool(m.group(1))
    known = {t.name for t in schema.SNAPSHOT_TABLES} | set(created)
    nodes = []
    for file, stmt in statements:
        m = _CREATE.search(stmt)
        body = "\n".join(line.split("--", 1)[0] for line in stmt.splitlines())
        refs = (set(_IDENT.findall(body)) & known) - {m.group(3)}
        refs |= {"cfg_rule"} | {table for key, table in PARAMS.items() if "{{" + key + "}}" in stmt}
        part = _PARTITION.search(stmt)
        nodes.append(Node(file, m.group(3), bool(m.group(1)), stmt, frozenset(refs), m.group(2).upper(),
                          part.group(1) if part else None))
    return nodes


def build_marts(con, timings: dict | None = None, changed: set[str] | dict | None = None) -> dict:
    """Create or replace the views and mart tables in the connection's default schema (idempotent).

    `changed` names the snapshot tables a publish changed: only statements that read them (directly or through
    a rebuilt object) run again, plus the temporary build tables those need. As a dict it maps each table to the
    county codes whose rows changed (None = any): a statement marked `-- partition: county_code` then rewrites
    only those counties' rows (and rows without a county, e.g. the city's). None, marts built by other code or a
    missing mart table mean a full build. `timings`, when given, receives seconds per SQL file.
    Returns {"full": bool, "ran": [object names]}."""
    old_fingerprint = snapshot_fingerprint(con)
    fingerprint = code_fingerprint()
    existing = dict(con.execute(
        "SELECT table_name, 'TABLE' FROM duckdb_tables() WHERE NOT temporary AND schema_name = current_schema() "
        "UNION ALL SELECT view_name, 'VIEW' FROM duckdb_views() WHERE NOT temporary AND schema_name = current_schema()"
    ).fetchall())
    nodes = plan()
    full = changed is None or old_fingerprint != fingerprint or any(
        not n.temp and existing.get(n.name) != n.kind for n in nodes) or DIGESTS not in existing
    for n in nodes:  # an object that changed kind in a code upgrade (e.g. a table now a view) is dropped first
        if not n.temp and n.name in existing and existing[n.name] != n.kind:
            con.execute(f"DROP {existing[n.name]} {n.name}")
    if full:  # marts older code stored and this code no longer builds (e.g. kpi_base_a, now temporary)
        for name in sorted(set(existing) - {n.name for n in nodes} - KEEP):
            if name.startswith(("mart_", "kpi_")):
                con.execute(f"DROP {existing[name]} {name}")
    old_digests = {} if full else dict(con.execute(f"SELECT name, digest FROM {DIGESTS}").fetchall())
    sqlfuncs.install(con, "cfg_rule", temp=False, inline=True)
    _ensure_cfg_kpi(con)
    params = {"station_all_items": station_items_sql(con), **family_codes_sql()}
    producer = {n.name: n for n in nodes}
    stale: dict[str, frozenset | None] = {  # object -> counties whose rows changed (None = any)
        name: None if counties is None else frozenset(counties)
        for name, counties in (changed.items() if isinstance(changed, dict) else ((c, None) for c in changed or ()))}
    done: set[str] = set()
    partial: list[str] = []  # tables whose rows were rewritten for some counties only
    digests: dict[str, str] = {}

    def run(node: Node, counties: frozenset | None = None) -> None:
        for ref in sorted(node.refs):  # temp inputs of a rebuilt statement are rebuilt (they are gone)
            if ref in producer and producer[ref].temp and ref not in done:
                run(producer[ref])
        stmt = node.sql
        for key, value in params.items():
            stmt = stmt.replace("{{" + key + "}}", value)
        if counties is not None:  # rewrite only these counties' rows (and those without a county)
            select = _AS.split(stmt[_CREATE.search(stmt).end():], 1)[1]
            where = " OR ".join([f"{node.partition} IN ({', '.join(_lit(c) for c in sorted(counties))})"] * bool(counties)
                                + [f"{node.partition} IS NULL"])
            stmts = [f"DELETE FROM {node.name} WHERE {where}",
                     f"INSERT INTO {node.name} BY NAME SELECT * FROM ({select}) _p WHERE {where}"]
            partial.append(node.name)
        else:
            stmts = [stmt]
        t0 = time.perf_counter()
        try:
            for stmt in stmts:
                con.execute(stmt)
        except Exception as exc:  # name the file for whoever debugs it; keep the type (publish tells a full disk)
            exc.add_note(f"{node.file}: {stmt[:300]}")
            raise
        if timings is not None:
            timings[node.file] = timings.get(node.file, 0.0) + time.perf_counter() - t0
        done.add(node.name)
        if node.name in CUTOFF:
            digests[node.name] = con.execute(CUTOFF[node.name]).fetchone()[0] or ""

    try:
        for node in nodes:
            inputs = [stale[r] for r in node.refs if r in stale]
            if node.name in done or not (full or inputs):
                continue
            counties = None if full or None in inputs or not node.partition else frozenset().union(*inputs)
            run(node, counties if node.kind == "TABLE" and not node.temp else None)
            if full or node.name not in CUTOFF or digests[node.name] != old_digests.get(node.name):
                stale[node.name] = counties
        for name in CUTOFF:  # keep the digests of the objects this build did not need
            if name not in digests and name in old_digests:
                digests[name] = old_digests[name]
        con.execute(f"CREATE OR REPLACE TABLE {DIGESTS} (name VARCHAR, digest VARCHAR)")
        con.executemany(f"INSERT INTO {DIGESTS} VALUES (?, ?)", sorted(digests.items()))
        ran = [n.name for n in nodes if n.name in done and not n.temp]
        con.execute("CREATE OR REPLACE TABLE meta_marts AS SELECT ? AS fingerprint, current_timestamp AS built_at, "
                    "? AS full_build, ? AS rebuilt, ? AS partial", (fingerprint, full, ",".join(ran), ",".join(partial)))
    finally:
        _drop_temp(con)
    return {"full": full, "ran": ran, "partial": partial}


def _lit(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def family_codes_sql() -> dict[str, str]:
    """{{kpi_codes_a}} … {{kpi_codes_f}}: the KPI codes of each family (indicators registry) as SQL lists."""
    from etl.indicators import DIMENSIONS, INDICATORS
    return {f"kpi_codes_{fam.lower()}": "[" + ", ".join(f"'{i.code}'" for i in INDICATORS if i.family == fam) + "]"
            for fam in DIMENSIONS}


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
