"""Policy warnings over the whole published data, kept in the snapshot for the dashboard.

Validation reports warnings for the rows of one upload; this module re-runs the same warning rules of the
registry over every row of the new snapshot at publish time, so `mart_policy_warning` always describes the
current data (a corrected township drops off the list; a replaced scope leaves no stale warnings).
"""
from __future__ import annotations

import re

from etl import checks, schema, sqlfuncs

COLUMNS = ("table_name VARCHAR, table_label VARCHAR, rule_code VARCHAR, column_name VARCHAR, header VARCHAR, "
           "year INTEGER, county_code VARCHAR, township_code VARCHAR, record_key VARCHAR, value VARCHAR, "
           "message_zh VARCHAR, provenance VARCHAR")
_CUR = re.compile(r"\bcur_(\w+)")


def _year(t: schema.Table) -> str:
    return f"t.{t.year_column}" if t.year_column else "NULL"


def _county(t: schema.Table) -> str:
    if t.county_sql:
        return t.county_sql.format(t="t", db="cur_")
    return "t.county_code" if "county_code" in t.column_names else "NULL"


def _township(t: schema.Table) -> str:
    if "township_code" in t.column_names:
        return "t.township_code"
    if "unit_code" in t.column_names:
        return "CASE WHEN length(t.unit_code) = 9 THEN t.unit_code END"
    return "NULL"


def _reads(t: schema.Table, r) -> set[str]:
    """Tables a rule's result depends on besides its own rows: cur_X lookups in the rule and in the county
    expression, and cfg_rule (thresholds). A rule that reads its own table (cur_T) depends on all of it."""
    text = r.when + " " + _county(t)
    return set(_CUR.findall(text)) | {"cfg_rule"}


def _insert(con, t: schema.Table, r, rows: str = "TRUE") -> None:
    """The rule's warnings among `rows` (a condition on the table, e.g. its new batches). The rows that break
    the rule are found first; only they are turned into text and have their county looked up (done for every
    row, the text and the lookup of a 履职积分 row's county cost seconds on 43 M rows that are almost all fine)."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE _p_hit AS SELECT * FROM {t.name} t WHERE ({rows}) AND ({r.when})")
    if con.execute("SELECT count(*) FROM _p_hit").fetchone()[0]:
        con.execute(f"""INSERT INTO mart_policy_warning
            SELECT {checks.lit(t.name)}, {checks.lit(t.label)}, {checks.lit(r.code)}, {checks.lit(r.column)},
                   {checks.lit(t.column(r.column).header)}, {_year(t)}, {_county(t)}, {_township(t)}, {_key(t)},
                   CAST(t.{r.column} AS VARCHAR), {checks.lit(r.message)}, {checks.lit(r.provenance)}
            FROM _p_hit t""")
    con.execute("DROP TABLE _p_hit")


def _key(t: schema.Table, alias: str = "t") -> str:
    return " || '|' || ".join(f"coalesce(CAST({alias}.{k} AS VARCHAR), '')" for k in t.key) or "''"


def build_policy_warnings(con, changed: set[str] | None = None, batches: list[int] | None = None) -> dict:
    """Create or update mart_policy_warning in the connection's current database.

    `changed` (the tables a publish changed) and `batches` (its new batch ids) make it incremental: a rule
    whose inputs did not change keeps its rows; a rule whose own table alone changed is re-run on the batch's
    rows only (its old rows for replaced year+county scopes and for re-uploaded keys are removed); any other
    change re-runs the rule on the whole table. None = everything from scratch. Returns the counts."""
    for t in schema.SNAPSHOT_TABLES:
        con.execute(f"CREATE OR REPLACE TEMP VIEW cur_{t.name} AS SELECT * FROM {t.name}")
    sqlfuncs.install(con, "cur_cfg_rule", inline=True)
    exists = con.execute("SELECT count(*) FROM duckdb_tables() WHERE NOT temporary AND "
                         "table_name = 'mart_policy_warning' AND schema_name = current_schema()").fetchone()[0]
    if changed is None or not exists:
        con.execute(f"CREATE OR REPLACE TABLE mart_policy_warning ({COLUMNS})")
        changed = None
    counts = {"full": 0, "rows": 0, "kept": 0}
    ids = ", ".join(str(int(b)) for b in batches or []) or "NULL"
    for t in schema.SNAPSHOT_TABLES:
        rules = [r for r in t.rules if r.severity == schema.WARNING]
        for r in rules:
            reads = _reads(t, r)
            if changed is not None and not (reads | {t.name}) & changed:
                counts["kept"] += 1
                continue
            same = f"table_name = {checks.lit(t.name)} AND rule_code = {checks.lit(r.code)}"
            if changed is None or reads & changed or not t.year_column or not batches:
                if changed is not None:
                    con.execute(f"DELETE FROM mart_policy_warning WHERE {same}")
                _insert(con, t, r)
                counts["full"] += 1
                continue
            if con.execute(f"SELECT 1 FROM mart_policy_warning WHERE {same} LIMIT 1").fetchone():  # else nothing
                scope = _replaced_scope(con, t, batches)  # to remove (e.g. a first build): skip the key scan
                con.execute(f"""DELETE FROM mart_policy_warning WHERE {same} AND (record_key IN
                    (SELECT {_key(t)} FROM {t.name} t WHERE t._batch IN ({ids}))
                    OR (year, county_code) IN (SELECT y, c FROM (VALUES {scope}) s(y, c)))""")
            _insert(con, t, r, f"t._batch IN ({ids})")
            counts["rows"] += 1
    for t in schema.SNAPSHOT_TABLES:
        con.execute(f"DROP VIEW IF EXISTS cur_{t.name}")
    return counts


def _replaced_scope(con, t: schema.Table, batches: list[int]) -> str:
    """The (year, county) pairs a REPLACE upload of these batches emptied (meta_batch.scope "y:c;y:c"), as
    SQL VALUES rows; a harmless never-matching row when there are none."""
    marks = ", ".join("?" * len(batches))
    rows = con.execute(f"SELECT scope FROM meta_batch WHERE table_name = ? AND batch_id IN ({marks})",
                       (t.name, *batches)).fetchall()
    pairs = {tuple(p.split(":", 1)) for (scope,) in rows for p in (scope or "").split(";") if ":" in p}
    return ", ".join(f"({int(y)}, {checks.lit(c)})" for y, c in sorted(pairs)) or "(NULL, NULL)"
