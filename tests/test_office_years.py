"""office_first_year / office_last_year state in_office() on 31 December as a span of years; the K21/K28/K19
denominators (kpi_deputy_archive) are built from the span. Both must agree with in_office() year by year."""
import duckdb

from etl import publish, sqlfuncs

YEARS = "range(1995, 2041)"
# (elected, term_start_year, term_end_year, status, status_date, has_duty_archive, archive_date)
EDGES = [
    (None, 2021, 2025, "在任", None, True, None),
    ("2022-06-30", 2021, 2025, "在任", None, True, "2023-12-31"),
    ("2021-12-31", 2021, None, "在任", None, True, "2024-01-01"),
    (None, 2021, None, "辞职", None, False, None),          # left, date unknown: never counted
    (None, 2021, 2025, "辞职", "2023-12-31", True, None),    # left on 31 Dec: not in office that evening
    (None, 2021, 2025, "罢免", "2024-01-01", True, None),    # left on 1 Jan: in office on 31 Dec before
    (None, 2021, 2025, "去世", "2030-05-01", None, None),    # status date after the term
    (None, 2021, 2025, None, "2023-06-01", True, "2021-05-05"),  # no status: as not 在任
    (None, 2021, 2025, None, None, True, None),
    ("2026-03-01", 2021, 2025, "在任", None, True, None),    # elected after the term ended: never
    ("2019-01-01", 2021, 2025, "在任", "2018-01-01", True, None),  # 在任 wins over a status date
    (None, None, 2025, "在任", None, True, None),            # no term start: from the election date only
    ("2020-02-02", None, None, "在任", None, True, None),
]


def _check(con, source: str) -> None:
    sqlfuncs.install(con, "cfg_rule" if source == "dim_deputy" else "cfg")
    bad = con.execute(f"""
        WITH d AS (SELECT row_number() OVER () AS i, * FROM {source}), y AS (SELECT unnest({YEARS}) AS year)
        SELECT d.i, y.year FROM d, y
        WHERE coalesce(in_office(d.elected_date, d.term_start_year, d.term_end_year, d.status, d.status_date,
                                 make_date(CAST(y.year AS INTEGER), 12, 31)), FALSE)
          <> coalesce(y.year BETWEEN office_first_year(d.elected_date, d.term_start_year)
                      AND office_last_year(d.term_start_year, d.term_end_year, d.status, d.status_date), FALSE)
        LIMIT 5""").fetchall()
    assert bad == []


def test_the_span_agrees_with_in_office_on_edge_cases():
    con = duckdb.connect()
    con.execute("CREATE TABLE cfg (rule_code VARCHAR, value VARCHAR)")
    con.execute("CREATE TABLE edges (elected_date DATE, term_start_year SMALLINT, term_end_year SMALLINT, "
                "status VARCHAR, status_date DATE, has_duty_archive BOOLEAN, archive_date DATE)")
    con.executemany("INSERT INTO edges VALUES (?, ?, ?, ?, ?, ?, ?)", EDGES)
    _check(con, "edges")
    # and the two spans the edge cases are about
    first, last = con.execute("SELECT office_first_year(elected_date, term_start_year), office_last_year("
                              "term_start_year, term_end_year, status, status_date) FROM edges").fetchall()[4]
    assert (first, last) == (2021, 2022)


def test_the_span_agrees_with_in_office_on_the_demo_roster(demo_wh):
    _, con = publish.open_snapshot(demo_wh)
    try:
        _check(con, "dim_deputy")
    finally:
        con.close()


def test_the_archive_counts_equal_the_year_by_year_definition(demo_wh):
    """kpi_deputy_archive (per unit and span, then spread over the years) against one row per deputy and year."""
    _, con = publish.open_snapshot(demo_wh)
    try:
        sqlfuncs.install(con, "cfg_rule")
        cols = "year, level, county_code, township_code, deputies, archived"
        slow = f"""
            SELECT y.year, d.level, d.county_code, CASE WHEN d.level = '乡级' THEN d.township_code END AS township_code,
              count(*) AS deputies, count(*) FILTER (WHERE d.has_duty_archive AND (d.archive_date IS NULL
                OR d.archive_date <= make_date(y.year, 12, 31))) AS archived
            FROM dim_deputy d JOIN (SELECT DISTINCT year FROM kpi_deputy_archive) y
              ON in_office(d.elected_date, d.term_start_year, d.term_end_year, d.status, d.status_date,
                           make_date(y.year, 12, 31))
            GROUP BY ALL"""
        n = con.execute("SELECT count(*) FROM kpi_deputy_archive").fetchone()[0]
        assert n > 100
        for a, b in ((f"SELECT {cols} FROM kpi_deputy_archive", slow), (slow, f"SELECT {cols} FROM kpi_deputy_archive")):
            assert con.execute(f"SELECT count(*) FROM ({a} EXCEPT ALL {b})").fetchone()[0] == 0
    finally:
        con.close()
