"""Incremental publish: a batch rebuilds only the marts and policy warnings its tables feed, and the result is
exactly what a full rebuild of the same data gives (every mart table compared row for row)."""
from __future__ import annotations

import io
import shutil

import duckdb
import pandas as pd
import pytest

from etl import marts, policy, publish, schema


@pytest.fixture(scope="module")
def demo_root(tmp_path_factory, demo_wh):
    return demo_wh.root


@pytest.fixture
def demo(demo_root, tmp_path) -> publish.Paths:
    root = tmp_path / "data"
    shutil.copytree(demo_root, root)
    return publish.data_paths(root)


def _csv(table: str) -> pd.DataFrame:
    data = (publish.DEMO_DIR / f"{table}.csv").read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:  # the demo keeps some files in GBK, as Chinese Excel saves them
        text = data.decode("gb18030")
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)


def _publish(p: publish.Paths, table: str, df: pd.DataFrame, mode: str | None = None) -> int:
    buf = io.StringIO()
    df.to_csv(buf, index=False)
    batch = publish.validate(p, [(f"{table}.csv", buf.getvalue().encode("utf-8-sig"))], table,
                             {table: mode} if mode else None)
    try:
        assert batch.ok, [x.format() for x in batch.problems[:5]]
        return publish.publish(p, batch, "测试", "增量发布测试")
    finally:
        batch.close()


def _mart_names(con) -> list[str]:
    snap = {t.name for t in schema.SNAPSHOT_TABLES}
    return sorted(r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE NOT temporary AND table_name NOT LIKE 'meta\\_%' ESCAPE '\\'"
    ).fetchall() if r[0] not in snap)


def _content(con, name: str) -> tuple[int, int]:
    """Row count and an order-independent hash; doubles rounded (parallel sums differ in the last bits)."""
    cols = [f"round({c}, 9)" if t in ("DOUBLE", "FLOAT") else c
            for c, t, *_ in con.execute(f"DESCRIBE {name}").fetchall()]
    return con.execute(f"SELECT count(*), coalesce(sum(hash({', '.join(cols)})), 0) FROM {name}").fetchone()


def _assert_same_as_full(p: publish.Paths, tmp_path) -> dict:
    """Rebuild the current snapshot's marts from scratch in a copy and compare every mart table."""
    snap = p.snapshot(publish.current_version(p))
    copy = tmp_path / "full.duckdb"
    shutil.copyfile(snap, copy)
    full = duckdb.connect(str(copy))
    try:
        marts.build_marts(full)
        policy.build_policy_warnings(full)
        inc = duckdb.connect(str(snap), read_only=True)
        try:
            names = _mart_names(full)
            assert names == _mart_names(inc)
            for name in names:
                assert _content(inc, name) == _content(full, name), name
            meta = inc.execute("SELECT full_build, rebuilt, partial FROM meta_marts").fetchone()
        finally:
            inc.close()
    finally:
        full.close()
    return {"full": meta[0], "rebuilt": set(meta[1].split(",")), "partial": set(meta[2].split(","))}


def test_a_suggestion_batch_rebuilds_only_what_it_feeds(demo, tmp_path):
    df = _csv("fact_suggestion")
    county, year = df["县区代码"].iloc[0], df["年度"].iloc[0]
    part = df[(df["县区代码"] == county) & (df["年度"] == year)].copy()
    part.loc[part.index[:5], "满意度"] = "不满意"  # moves 满意率 and the warnings
    part = part.iloc[:-3]  # and drops three suggestions of the replaced scope
    _publish(demo, "fact_suggestion", part)
    built = _assert_same_as_full(demo, tmp_path)
    assert not built["full"]
    assert {"mart_kpi_d", "mart_handling_unit"} <= built["rebuilt"]
    assert {"mart_kpi_d", "mart_handling_unit", "mart_township_profile"} <= built["partial"]  # one county's rows
    assert not {"kpi_deputy_archive", "kpi_deputy_station", "mart_points_low", "mart_points_grade", "mart_station_item",
                "mart_kpi_a", "mart_kpi_c"} & built["rebuilt"]


def test_a_points_batch_with_a_mismatch_updates_the_policy_warnings(demo, tmp_path):
    df = _csv("fact_deputy_points")
    year = df["年度"].iloc[0]
    part = df[(df["年度"] == year) & df["代表编号"].str.startswith(df["代表编号"].iloc[0][:7])].copy()
    part.loc[part.index[:4], "得分"] = "99"  # 得分 ≠ 数量×分值: a policy warning per row
    _publish(demo, "fact_deputy_points", part)
    built = _assert_same_as_full(demo, tmp_path)
    assert "mart_points_low" in built["rebuilt"] and "mart_handling_unit" not in built["rebuilt"]
    assert {"mart_points_low", "mart_points_grade", "kpi_deputy_station", "mart_kpi_c"} <= built["partial"]
    assert "kpi_deputy_archive" not in built["rebuilt"]  # the roster did not change
    _, con = publish.open_snapshot(demo)
    try:
        n = con.execute("SELECT count(*) FROM mart_policy_warning WHERE rule_code = 'points_mismatch'").fetchone()[0]
    finally:
        con.close()
    assert n >= 4
    # corrected again: the warnings of the replaced rows go away
    _publish(demo, "fact_deputy_points", df[(df["年度"] == year) & df["代表编号"].isin(part["代表编号"])])
    _assert_same_as_full(demo, tmp_path)


def test_a_liuyou_batch_rewrites_only_its_county(demo, tmp_path):
    df = _csv("fact_township_liuyou")
    year = df["年度"].max()
    part = df[(df["年度"] == year) & df["乡镇街道代码"].str.startswith(df["乡镇街道代码"].iloc[0][:6])].copy()
    part.loc[part.index[:3], ["有机构", "有经费"]] = "否"  # 六有 rates and the 督导 list move
    _publish(demo, "fact_township_liuyou", part)
    built = _assert_same_as_full(demo, tmp_path)
    assert {"mart_kpi_a", "mart_org_liuyou"} <= built["partial"]
    assert not {"mart_kpi_d", "mart_points_low"} & built["rebuilt"]


def test_meetings_deputies_and_a_new_year_stay_exact(demo, tmp_path):
    meetings = _csv("fact_meeting")
    last = str(max(int(y) for y in meetings["开始日期"].str[:4]))
    part = meetings[meetings["开始日期"].str.startswith(last) & (meetings["县区代码"] == meetings["县区代码"].iloc[0])].copy()
    part.loc[part["类型"] == "人代会", "应出席代表数"] = "400"  # expected_vs_deputies (reads the deputy roster)
    _publish(demo, "fact_meeting", part)
    _assert_same_as_full(demo, tmp_path)
    deputies = _csv("dim_deputy")
    _publish(demo, "dim_deputy", deputies.iloc[: len(deputies) // 2])  # a table without a year: whole-table rules
    _assert_same_as_full(demo, tmp_path)
    budget = _csv("fact_budget")
    new_year = budget[budget["年度"] == budget["年度"].max()].copy()
    new_year["年度"] = str(int(new_year["年度"].iloc[0]) + 1)  # a year no table had: every mart gets the year
    _publish(demo, "fact_budget", new_year)
    built = _assert_same_as_full(demo, tmp_path)
    assert {"mart_kpi_a", "mart_kpi_f", "mart_station_item", "mart_kpi_c", "kpi_deputy_archive"} <= built["rebuilt"]


def test_rollback_rebuilds_nothing_and_an_upgrade_rebuilds_everything(demo, tmp_path, monkeypatch):
    _publish(demo, "fact_budget", _csv("fact_budget").iloc[:3])
    publish.rollback(demo, 2, "测试", "撤销")
    built = _assert_same_as_full(demo, tmp_path)
    assert not built["full"] and built["rebuilt"] == {""}
    con = duckdb.connect(str(demo.snapshot(publish.current_version(demo))))
    con.execute("CREATE TABLE kpi_base_a AS SELECT 1 AS x")  # a mart older code stored and this code does not build
    con.close()
    monkeypatch.setattr(marts, "code_fingerprint", lambda: "newer-code")
    _publish(demo, "fact_budget", _csv("fact_budget").iloc[:3])
    built = _assert_same_as_full(demo, tmp_path)
    assert built["full"] and "mart_points_low" in built["rebuilt"]
    _, con = publish.open_snapshot(demo)
    try:
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    finally:
        con.close()
    assert "kpi_base_a" not in tables and {"mart_policy_warning", "fact_budget", "meta_version"} <= tables


def test_every_statement_creates_one_object_and_reads_known_names():
    nodes = marts.plan()
    names = [n.name for n in nodes]
    assert len(names) == len(set(names))
    assert all("cfg_rule" in n.refs for n in nodes)
    by_name = {n.name: n for n in nodes}
    assert {"fact_suggestion"} <= by_name["v_suggestion"].refs
    assert {"_k_base_a", "_k_kpi_rows"} <= by_name["mart_kpi_a"].refs  # the name in a string literal counts
    assert {f"mart_kpi_{x}" for x in "abcdef"} <= by_name["mart_kpi"].refs and by_name["mart_kpi"].kind == "VIEW"
    assert "meta_batch" in by_name["mart_tracker"].refs


def test_each_family_table_holds_exactly_its_registry_codes(demo_wh, tmp_path, monkeypatch):
    from etl.indicators import DIMENSIONS, INDICATORS
    copy = tmp_path / "copy.duckdb"  # a build that keeps its temporary base rows (_k_base_a…f) to look at
    shutil.copyfile(demo_wh.snapshot(publish.current_version(demo_wh)), copy)
    monkeypatch.setattr(marts, "_drop_temp", lambda con: None)
    con = duckdb.connect(str(copy))
    try:
        marts.build_marts(con)
        for fam in DIMENSIONS:
            want = {i.code for i in INDICATORS if i.family == fam}
            base = {r[0] for r in con.execute(f"SELECT DISTINCT kpi_code FROM _k_base_{fam.lower()}").fetchall()}
            rows = {r[0] for r in con.execute(f"SELECT DISTINCT kpi_code FROM mart_kpi_{fam.lower()}").fetchall()}
            assert base <= want, fam  # a KPI computed in another family's file would be dropped silently
            assert rows == want, fam
        assert con.execute("SELECT count(DISTINCT kpi_code) FROM mart_kpi").fetchone()[0] == len(INDICATORS)
    finally:
        con.close()


def test_an_upgrade_replaces_a_mart_that_changed_kind(demo, monkeypatch, tmp_path):
    """Snapshots from before the per-family split hold mart_kpi as a table; the upgrade refresh makes it a view."""
    con = duckdb.connect(str(demo.snapshot(publish.current_version(demo))))
    con.execute("CREATE TABLE old_kpi AS FROM mart_kpi")
    con.execute("DROP VIEW mart_kpi")
    con.execute("ALTER TABLE old_kpi RENAME TO mart_kpi")
    con.close()
    monkeypatch.setattr(marts, "code_fingerprint", lambda: "newer-code")
    publish.refresh_marts(demo)
    _, con = publish.open_snapshot(demo)
    try:
        assert con.execute("SELECT count(*) FROM duckdb_views() WHERE view_name = 'mart_kpi'").fetchone()[0] == 1
    finally:
        con.close()
    _assert_same_as_full(demo, tmp_path)
