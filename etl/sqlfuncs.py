"""SQL macros shared by validation rules and marts, so a rule reads the same in both places."""
from __future__ import annotations


def install(con, cfg_table: str = "cfg_rule", temp: bool = True, inline: bool = False) -> None:
    """cfg('code') -> DOUBLE threshold, cfg_text('code') -> text, in_office(...) -> deputy in office on a date,
    office_first_year(...) / office_last_year(...) -> the years in office on 31 December.

    inline=True reads the table now and writes its values into the macros as literals: for a table that no
    longer changes (a snapshot being published). A lookup subquery inside a correlated rule subquery makes
    DuckDB decorrelate row by row (9x slower on 5 M rows); a literal does not."""
    kind = "TEMP MACRO" if temp else "MACRO"
    if inline:
        rows = con.execute(f"SELECT rule_code, TRY_CAST(value AS DOUBLE), value FROM {cfg_table} "
                           "WHERE rule_code IS NOT NULL ORDER BY rule_code").fetchall()
        num = " ".join(f"WHEN {_lit(c)} THEN CAST({_lit(repr(v))} AS DOUBLE)" for c, v, _ in rows if v is not None)
        text = " ".join(f"WHEN {_lit(c)} THEN {_lit(t)}" for c, _, t in rows if t is not None)
        con.execute(f"CREATE OR REPLACE {kind} cfg(c) AS (CASE c {num} ELSE CAST(NULL AS DOUBLE) END)"
                    if num else f"CREATE OR REPLACE {kind} cfg(c) AS CAST(NULL AS DOUBLE)")
        con.execute(f"CREATE OR REPLACE {kind} cfg_text(c) AS (CASE c {text} ELSE CAST(NULL AS VARCHAR) END)"
                    if text else f"CREATE OR REPLACE {kind} cfg_text(c) AS CAST(NULL AS VARCHAR)")
    else:
        con.execute(f"CREATE OR REPLACE {kind} cfg(c) AS "
                    f"(SELECT TRY_CAST(value AS DOUBLE) FROM {cfg_table} WHERE rule_code = c)")
        con.execute(f"CREATE OR REPLACE {kind} cfg_text(c) AS (SELECT value FROM {cfg_table} WHERE rule_code = c)")
    # In office on on_date: elected (or 1 Jan of the term's first year) .. 31 Dec of the term's last year,
    # and not yet left (status 在任, or the status change happened after on_date).
    con.execute(f"CREATE OR REPLACE {kind} in_office(elected, start_y, end_y, status, status_date, on_date) AS ("
                "coalesce(elected, make_date(CAST(start_y AS INTEGER), 1, 1)) <= on_date "
                "AND on_date <= make_date(CAST(coalesce(end_y, start_y + 5) AS INTEGER), 12, 31) "
                "AND (status = '在任' OR status_date > on_date))")
    # The same rule on 31 December, as a span of years: in office on 31 Dec of y <=> first <= y <= last
    # (last < first: never). One row per deputy instead of one per deputy and year (tests/test_office_years.py).
    con.execute(f"CREATE OR REPLACE {kind} office_first_year(elected, start_y) AS "
                "CAST(year(coalesce(elected, make_date(CAST(start_y AS INTEGER), 1, 1))) AS INTEGER)")
    con.execute(f"CREATE OR REPLACE {kind} office_last_year(start_y, end_y, status, status_date) AS "
                "CAST(CASE WHEN status = '在任' THEN coalesce(end_y, start_y + 5) "
                "WHEN status_date IS NULL THEN -1 "
                "ELSE least(coalesce(end_y, start_y + 5), year(status_date) - 1) END AS INTEGER)")


def _lit(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"
