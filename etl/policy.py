"""Policy warnings over the whole published data, kept in the snapshot for the dashboard.

Validation reports warnings for the rows of one upload; this module re-runs the same warning rules of the
registry over every row of the new snapshot at publish time, so `mart_policy_warning` always describes the
current data (a corrected township drops off the list; a replaced scope leaves no stale warnings).
"""
from __future__ import annotations

from etl import checks, schema, sqlfuncs

COLUMNS = ("table_name VARCHAR, table_label VARCHAR, rule_code VARCHAR, column_name VARCHAR, header VARCHAR, "
           "year INTEGER, county_code VARCHAR, township_code VARCHAR, record_key VARCHAR, value VARCHAR, "
           "message_zh VARCHAR, provenance VARCHAR")


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


def build_policy_warnings(con) -> None:
    """Create mart_policy_warning in the connection's current database."""
    for t in schema.SNAPSHOT_TABLES:
        con.execute(f"CREATE OR REPLACE TEMP VIEW cur_{t.name} AS SELECT * FROM {t.name}")
    sqlfuncs.install(con, "cur_cfg_rule")
    con.execute(f"CREATE OR REPLACE TABLE mart_policy_warning ({COLUMNS})")
    for t in schema.SNAPSHOT_TABLES:
        rules = [r for r in t.rules if r.severity == schema.WARNING]
        if not rules:
            continue
        raw = ", ".join(f"CAST({c} AS VARCHAR) AS r_{c}" for c in t.column_names)
        key = " || '|' || ".join(f"coalesce(CAST(t.{k} AS VARCHAR), '')" for k in t.key) or "''"
        for r in rules:
            con.execute(f"""INSERT INTO mart_policy_warning
                SELECT {checks.lit(t.name)}, {checks.lit(t.label)}, {checks.lit(r.code)}, {checks.lit(r.column)},
                       {checks.lit(t.column(r.column).header)}, {_year(t)}, {_county(t)}, {_township(t)}, {key},
                       t.r_{r.column}, {checks.lit(r.message)}, {checks.lit(r.provenance)}
                FROM (SELECT *, {raw} FROM {t.name}) t WHERE {r.when}""")
    for t in schema.SNAPSHOT_TABLES:
        con.execute(f"DROP VIEW IF EXISTS cur_{t.name}")
