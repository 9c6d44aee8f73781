"""Hypothesis properties of reliability.md §6 I (issue 7): round trip, atomicity, export neutralisation, idempotence.

Examples per property: 200 in CI (publish idempotence: 50, two real publishes each), or $NPC_HYPOTHESIS_EXAMPLES
(the report run sets 200 or more for every property).
Each property prints how many examples it ran (pytest -s), which is the figure docs/reliability.md reports.
"""
from __future__ import annotations

import csv
import io
import os
import re
import shutil
import zipfile

import pytest
import python_calamine
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etl import publish, schema, warehouse
from etl.problems import ValidationFailed
from etl.xlsx_safe import csv_bytes, neutralise, write_xlsx

EXAMPLES = int(os.environ.get("NPC_HYPOTHESIS_EXAMPLES") or 200)
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                           HealthCheck.data_too_large])
# two real publishes per example (~1 s each on 2 cores): CI runs 50, the report run sets NPC_HYPOTHESIS_EXAMPLES
PUBLISH_SETTINGS = settings(SETTINGS, max_examples=int(os.environ.get("NPC_HYPOTHESIS_EXAMPLES") or 50))
RUNS: dict[str, int] = {}
DANGER = ("=", "+", "-", "@", "\t", "\r", "\n")
NEG_NUMBER = re.compile(r"-(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
HEAD = ["年度", "县区代码", "机构名称", "机构类型", "实有工作人员数", "核定编制数", "负责人是否专职"]
BODY_TYPES = ("专门委员会", "工作委员会", "办事机构")
# names: common and rare characters (astral 𠮷 𪚥, extension-A 䶮), digits, letters and CSV-hostile punctuation
NAME_CHARS = "人大代表工作委员会研究室办公乡镇街道吉𠮷䶮喆镕𪚥𤭢0123456789ABCxyz ,，\"'“”、·（）-=+@%"


def count(name: str) -> None:
    RUNS[name] = RUNS.get(name, 0) + 1


@pytest.fixture(scope="module", autouse=True)
def report_examples():
    yield
    print("\nhypothesis examples run: " + ", ".join(f"{k} {v}" for k, v in sorted(RUNS.items())))


def _copy(template, tmp_path_factory, name: str) -> publish.Paths:
    root = tmp_path_factory.mktemp(name) / "data"
    shutil.copytree(template, root)
    return publish.data_paths(root)


@pytest.fixture(scope="module")
def prop_wh(mini_city_template, tmp_path_factory) -> publish.Paths:
    """Read-only use: validation only."""
    return _copy(mini_city_template, tmp_path_factory, "props")


@pytest.fixture(scope="module")
def publish_wh(mini_city_template, tmp_path_factory) -> publish.Paths:
    return _copy(mini_city_template, tmp_path_factory, "props_publish")


@st.composite
def body_rows(draw, min_size=1, max_size=6):
    """Valid rows of 县人大常委会机构与人员 for one (year, county): unique names, values in range."""
    names = draw(st.lists(st.text(st.sampled_from(NAME_CHARS), min_size=1, max_size=12).map(str.strip)
                          .filter(bool).map(lambda s: "其他:" + s), min_size=min_size, max_size=max_size, unique=True))
    return [dict(body_name=n, body_type=draw(st.sampled_from(BODY_TYPES)), staff_count=draw(st.integers(0, 50)),
                 authorized_posts=draw(st.none() | st.integers(0, 50)), head_fulltime=draw(st.sampled_from([None, True, False])))
            for n in names]


def _cells(year: int, county: str, r: dict) -> list:
    fulltime = {None: "", True: "是", False: "否"}[r["head_fulltime"]]
    posts = "" if r["authorized_posts"] is None else r["authorized_posts"]
    return [year, county, r["body_name"], r["body_type"], r["staff_count"], posts, fulltime]


def as_csv(year: int, county: str, rows: list[dict], encoding: str) -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerows([HEAD] + [_cells(year, county, r) for r in rows])
    return out.getvalue().encode(encoding)


def as_xlsx(year: int, county: str, rows: list[dict]) -> bytes:
    """Like Excel: numbers as number cells, codes as text cells."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False})
    ws = wb.add_worksheet("数据")
    for i, row in enumerate([HEAD] + [_cells(year, county, r) for r in rows]):
        for j, v in enumerate(row):
            if isinstance(v, int):
                ws.write_number(i, j, v)
            elif v != "":
                ws.write_string(i, j, v)
    wb.close()
    return buf.getvalue()


def expected(year: int, county: str, rows: list[dict]) -> list[tuple]:
    return sorted((year, county, r["body_name"], r["body_type"], r["staff_count"], r["authorized_posts"],
                   r["head_fulltime"]) for r in rows)


STAGED = ("SELECT year, county_code, body_name, body_type, staff_count, authorized_posts, head_fulltime "
          "FROM stg_fact_county_body WHERE year = ? ORDER BY ALL")


# ---------------------------------------------------------------- (a) round trip

@SETTINGS
@given(body_rows(), body_rows(), body_rows(), st.sampled_from(["990101", "990102"]))
def test_round_trip_csv_utf8_gb18030_and_xlsx_give_the_values_written(prop_wh, utf8, gb, xl, county):
    """Rows written as UTF-8 CSV, GB18030 CSV and xlsx (one batch, a year each) are staged value for value —
    the staged rows are exactly what publish inserts (tests/test_corpus.py shows that for real publishes)."""
    count("round trip")
    files = [("utf8.csv", as_csv(2022, county, utf8, "utf-8")), ("gb.csv", as_csv(2023, county, gb, "gb18030")),
             ("x.xlsx", as_xlsx(2024, county, xl))]
    batch = publish.validate(prop_wh, files)
    try:
        assert batch.ok, [p.format() for p in batch.problems]
        assert [f.encoding for f in batch.files] == ["utf-8", "gb18030", "xlsx"]
        for year, rows in ((2022, utf8), (2023, gb), (2024, xl)):
            assert batch.con.execute(STAGED, [year]).fetchall() == expected(year, county, rows)
    finally:
        batch.close()


# ---------------------------------------------------------------- (b) atomicity

INJECT = {  # column -> (bad text, the one problem code it must cause)
    "below_minimum": (4, "-1"), "bad_integer": (4, "很多"), "not_in_enum": (3, "小组"),
    "unknown_reference": (1, "990109"), "bad_year": (0, "二〇二四"),
}
CODES = {"bad_year": "bad_integer"}


def _files(p: publish.Paths):
    """CURRENT, and name, size and mtime of every file in the warehouse and the upload archive (snapshots are
    immutable files, so this is cheap per example; the full table signatures are compared once per run)."""
    files = [f for d in (p.warehouse, p.uploads) if d.exists() for f in sorted(d.iterdir())]
    return p.current.read_bytes(), [(f.name, f.stat().st_size, f.stat().st_mtime_ns) for f in files]


def _signature(p: publish.Paths):
    version, con = publish.open_snapshot(p)
    try:
        return version, warehouse.signature(con, lineage=True)
    finally:
        con.close()


@pytest.fixture(scope="module")
def atomic_wh(prop_wh):
    before = _signature(prop_wh)
    yield prop_wh
    assert _signature(prop_wh) == before, "rejected batches must leave every table as it was"


@SETTINGS
@given(body_rows(min_size=1, max_size=10), st.data())
def test_k_injected_errors_give_exactly_k_problems_and_write_nothing(atomic_wh, rows, data):
    count("atomicity")
    k = data.draw(st.integers(1, len(rows)), label="k")
    where = data.draw(st.lists(st.integers(0, len(rows) - 1), min_size=k, max_size=k, unique=True), label="rows")
    kinds = data.draw(st.lists(st.sampled_from(sorted(INJECT)), min_size=k, max_size=k), label="kinds")
    table = [[str(c) for c in _cells(2024, "990102", r)] for r in rows]
    for i, kind in zip(where, kinds):
        col, bad = INJECT[kind]
        table[i][col] = bad
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerows([HEAD] + table)
    before = _files(atomic_wh)
    batch = publish.validate(atomic_wh, [("机构.csv", out.getvalue().encode("utf-8-sig"))])
    try:
        errors = [p for p in batch.problems if p.severity == "error"]
        assert sorted((p.row, p.code) for p in errors) == sorted((i + 2, CODES.get(kind, kind))
                                                                 for i, kind in zip(where, kinds))
        assert batch.counts["error"] == k
        with pytest.raises(ValidationFailed):
            publish.publish(atomic_wh, batch, "测试")
    finally:
        batch.close()
    assert _files(atomic_wh) == before


# ---------------------------------------------------------------- (c) export neutralisation

TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40) | st.sampled_from(
    ["=1+1", "{=1+1}", "@SUM(A1)", "+1", "-1", "-3.2", "-1\n", "\t=1", "\r=1", " =1", '""=1', "=HYPERLINK(\"http://x\")",
     "-.5", "-1e5", "-1-1", "-A1", "'=1", "=1\n=2"])


def _dangerous(cell: str) -> bool:
    return cell.startswith(DANGER) and not NEG_NUMBER.fullmatch(cell)


def _xlsx_strings(data: bytes) -> list[str]:
    """Text of every body cell, read back as the app reads uploads (calamine undoes XlsxWriter's _xHHHH_ escapes)."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        xml = b"".join(z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/sheet"))
    assert b"<f>" not in xml and b"<f " not in xml, "no formula cells, ever"
    rows = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    return [c for row in rows[1:] for c in row]


def _unprefixed(shown: str, original: str) -> str:
    return shown[1:] if shown == "'" + original else shown


@SETTINGS
@given(st.lists(TEXT, min_size=1, max_size=8))
def test_exports_never_hold_a_formula_and_read_back_to_the_original(texts):
    count("export neutralisation")
    import pandas as pd
    df = pd.DataFrame({"内容": texts})
    shown_csv = [r[0] for r in csv.reader(io.StringIO(csv_bytes(df).decode("utf-8-sig"), newline=""))][1:]
    shown_xlsx = _xlsx_strings(write_xlsx({"导出": df}))
    for original, c, x in zip(texts, shown_csv, shown_xlsx):
        assert not _dangerous(c) and not _dangerous(x), (original, c, x)
        assert _unprefixed(c, original) == original
        assert _unprefixed(x, original) == original


@SETTINGS
@given(TEXT)
def test_neutralise_is_idempotent(text):
    count("neutralise idempotence")
    once = neutralise(text)
    assert neutralise(once) == once
    assert once in (text, "'" + text)
    assert not _dangerous(once)


# ---------------------------------------------------------------- (d) idempotent publish

DATA_TABLES = [t.name for t in schema.SNAPSHOT_TABLES if t.uploadable]


@PUBLISH_SETTINGS
@given(body_rows(), st.sampled_from(["990101", "990102"]), st.sampled_from(["csv", "xlsx"]))
def test_publishing_the_same_upload_twice_changes_nothing_the_second_time(publish_wh, monkeypatch, rows, county, fmt):
    """Marts are derived from these tables by deterministic SQL; they are skipped here to keep the property fast
    (tests/test_publish.py covers real publishes with marts)."""
    count("publish idempotence")
    monkeypatch.setattr("etl.marts.build_marts", lambda con, timings=None, changed=None: {"full": True, "ran": []})
    monkeypatch.setattr("etl.policy.build_policy_warnings", lambda con, changed=None, batches=None: None)
    monkeypatch.setattr("etl.publish._fsync", lambda path: None)  # durability is test_chaos's job, not this one's
    data = as_csv(2024, county, rows, "utf-8") if fmt == "csv" else as_xlsx(2024, county, rows)
    sigs = []
    for _ in range(2):
        batch = publish.validate(publish_wh, [(f"机构.{fmt}", data)])
        try:
            assert batch.ok, [p.format() for p in batch.problems]
            version = publish.publish(publish_wh, batch, "测试")
        finally:
            batch.close()
        _, con = publish.open_snapshot(publish_wh, version)
        try:
            sigs.append(warehouse.signature(con, DATA_TABLES))
        finally:
            con.close()
    assert sigs[0] == sigs[1]


CELL = st.text(st.sampled_from(list("09aZ-_.,%:+") + [" ", "\t", "\r", "\n", "\x01", "\x7f", "\u3000", "\u00a0",
                                                        "\ufeff", "\u200b", "０", "９", "．", "－", "年", "是"]),
               max_size=8)


@settings(max_examples=300, deadline=None)
@given(st.lists(CELL, min_size=1, max_size=30))
def test_the_ascii_shortcut_normalises_every_cell_exactly_as_the_full_rule(cells):
    import duckdb

    from etl import checks
    con = duckdb.connect()
    fast, full = con.execute(f"SELECT list({checks.norm('x', True)} ORDER BY i), list({checks.norm('x')} ORDER BY i) "
                             "FROM (SELECT unnest(?) AS x, generate_subscripts(?, 1) AS i)", [cells, cells]).fetchone()
    assert fast == full
