"""SQL macros shared by validation rules and marts, so a rule reads the same in both places."""
from __future__ import annotations


def install(con, cfg_table: str = "cfg_rule", temp: bool = True) -> None:
    """cfg('code') -> DOUBLE threshold, cfg_text('code') -> text, in_office(...) -> deputy in office on a date."""
    kind = "TEMP MACRO" if temp else "MACRO"
    con.execute(f"CREATE OR REPLACE {kind} cfg(c) AS "
                f"(SELECT TRY_CAST(value AS DOUBLE) FROM {cfg_table} WHERE rule_code = c)")
    con.execute(f"CREATE OR REPLACE {kind} cfg_text(c) AS (SELECT value FROM {cfg_table} WHERE rule_code = c)")
    # In office on on_date: elected (or 1 Jan of the term's first year) .. 31 Dec of the term's last year,
    # and not yet left (status 在任, or the status change happened after on_date).
    con.execute(f"CREATE OR REPLACE {kind} in_office(elected, start_y, end_y, status, status_date, on_date) AS ("
                "coalesce(elected, make_date(CAST(start_y AS INTEGER), 1, 1)) <= on_date "
                "AND on_date <= make_date(CAST(coalesce(end_y, start_y + 5) AS INTEGER), 12, 31) "
                "AND (status = '在任' OR status_date > on_date))")
