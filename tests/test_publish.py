"""The versioned warehouse: faults before the swap change nothing, rollback is exact, one writer at a time."""
from __future__ import annotations

import threading

import duckdb
import pytest

from etl import publish, schema, warehouse
from etl.problems import WriterBusy

BODY = "年度,县区代码,机构名称,机构类型,实有工作人员数\r\n2024,990102,办公室,办事机构,6\r\n"


def state(p):
    version, con = publish.open_snapshot(p)
    try:
        return version, warehouse.signature(con)
    finally:
        con.close()


def load(p, text=BODY, user="测试"):
    batch = publish.validate(p, [("机构.csv", text.encode("utf-8-sig"))])
    try:
        return publish.publish(p, batch, user)
    finally:
        batch.close()


@pytest.mark.parametrize("point", ["after_copy", "mid_apply", "before_marts", "before_swap"])
def test_failure_injected_mid_publish_leaves_pointer_and_data_untouched(wh, point, monkeypatch):
    before = state(wh)
    files_before = sorted(f.name for f in wh.warehouse.iterdir())
    monkeypatch.setenv(publish.FAULT_ENV, point)
    with pytest.raises(publish.InjectedFault):
        load(wh)
    monkeypatch.delenv(publish.FAULT_ENV)
    assert state(wh) == before
    assert sorted(f.name for f in wh.warehouse.iterdir() if not f.name.startswith("CURRENT.tmp")) == files_before
    assert load(wh) == before[0] + 1  # and the next publish works


def test_rollback_restores_a_version_exactly(wh):
    v1, sig1 = state(wh)
    load(wh)
    load(wh, BODY.replace(",6\r\n", ",9\r\n"))
    assert state(wh)[1] != sig1
    v4 = publish.rollback(wh, v1, "测试管理员", "误传数据")
    version, sig = state(wh)
    assert version == v4 and v4 > v1
    data_tables = [t for t in sig if t != "meta_version"]
    assert {t: sig[t] for t in data_tables} == {t: sig1[t] for t in data_tables}
    kinds = [r["kind"] for r in publish.versions(wh)]
    assert kinds[0] == "rollback"


def test_rollback_requires_a_reason(wh):
    with pytest.raises(Exception, match="原因"):
        publish.rollback(wh, 1, "测试管理员", " ")


def test_second_writer_is_told_to_retry_not_crashed(wh):
    batch = publish.validate(wh, [("机构.csv", BODY.encode())])
    with publish.writer_lock(wh):
        with pytest.raises(WriterBusy) as busy:
            publish.publish(wh, batch, "测试", lock_timeout=0.3)
    batch.close()
    assert "稍后重试" in str(busy.value)


def test_concurrent_publishes_are_serialised(wh):
    v0 = state(wh)[0]
    results, errors = [], []

    def worker(staff):
        try:
            results.append(load(wh, BODY.replace(",6\r\n", f",{staff}\r\n")))
        except Exception as exc:  # pragma: no cover - the assertion below reports it
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in (3, 4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and sorted(results) == [v0 + 1, v0 + 2]


def test_publish_revalidates_when_the_warehouse_moved_on(wh):
    """A batch validated against an old version is checked again against the new one before publishing."""
    unit = "承办单位编号,单位名称,所属县区,单位类型\r\nU7,乙县教育局,990102,政府部门\r\n"
    sug = "建议编号,年度,层级,县区代码,标题,类别,主办单位,办理状态\r\nS7,2024,县级,990102,关于学校扩建的建议,教科文卫,U7,已交办\r\n"
    load(wh, unit)
    stale = publish.validate(wh, [("建议.csv", sug.encode())])
    assert stale.ok
    load(wh, BODY)  # another publish in between
    version = publish.publish(wh, stale, "测试")
    assert version == state(wh)[0]


def test_readers_are_read_only_and_cannot_reach_files(wh):
    _, con = publish.open_snapshot(wh)
    with pytest.raises(duckdb.Error):
        con.execute("SELECT * FROM read_csv('/etc/passwd')").fetchall()
    with pytest.raises(duckdb.Error):
        con.execute("SET enable_external_access = true")
    with pytest.raises(duckdb.Error):
        con.execute("DELETE FROM dim_county")
    con.close()


def test_each_version_records_who_when_and_what(wh):
    version = load(wh, user="县区填报员甲")
    _, con = publish.open_snapshot(wh)
    batch = con.execute("SELECT table_name, file_name, uploaded_by, length(sha256), rows FROM meta_batch "
                        "WHERE version = ?", (version,)).fetchall()
    con.close()
    assert batch == [("fact_county_body", "机构.csv", "县区填报员甲", 64, 1)]
    log = wh.store().rows("SELECT status, version, sha256 FROM meta_upload_log ORDER BY upload_id DESC LIMIT 1")[0]
    assert log["status"] == "accepted" and log["version"] == version
    assert (wh.uploads / f"{log['sha256']}.csv").exists(), "accepted files are archived by sha256"


def test_audit_log_is_append_only(wh):
    store = wh.store()
    store.audit("测试", "login", result="accepted")
    import sqlite3
    with pytest.raises(sqlite3.DatabaseError):
        store.con.execute("UPDATE audit_log SET result = 'x'")
    with pytest.raises(sqlite3.DatabaseError):
        store.con.execute("DELETE FROM meta_upload_log")


def test_snapshot_holds_marts_and_every_contract_table(wh):
    _, con = publish.open_snapshot(wh)
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    con.close()
    assert {t.name for t in schema.SNAPSHOT_TABLES} <= tables
    assert {"mart_kpi", "mart_index_total", "mart_policy_warning"} <= tables


def test_any_version_can_be_rebuilt_from_the_archived_uploads(wh, tmp_path):
    v_mid = load(wh)
    load(wh, BODY.replace(",6\r\n", ",9\r\n"))
    publish.rollback(wh, v_mid, "测试管理员", "演练")
    for version in (v_mid, publish.current_version(wh)):
        target = publish.data_paths(tmp_path / f"rebuilt{version}")
        publish.rebuild(wh, version, target)
        _, original = publish.open_snapshot(wh, version)
        _, rebuilt = publish.open_snapshot(target)
        tables = [t.name for t in schema.SNAPSHOT_TABLES if t.kind != "meta"] + ["mart_kpi", "mart_index_total"]
        assert warehouse.signature(rebuilt, tables) == warehouse.signature(original, tables)
        original.close()
        rebuilt.close()


def test_marts_built_by_older_code_are_refreshed_once_with_identical_data(wh, monkeypatch):
    from etl import marts
    v0, sig0 = state(wh)
    assert publish.refresh_marts(wh) == v0  # already current: nothing to do
    monkeypatch.setattr(marts, "code_fingerprint", lambda: "newer-code")
    v1 = publish.refresh_marts(wh)
    assert v1 == v0 + 1 and publish.refresh_marts(wh) == v1
    _, sig1 = state(wh)
    data_tables = [t.name for t in schema.SNAPSHOT_TABLES if t.kind != "meta"]
    assert {t: sig1[t] for t in data_tables} == {t: sig0[t] for t in data_tables}
    assert publish.versions(wh)[0]["kind"] == "refresh"


def _keys(con) -> set[str]:
    return {r[0] for r in con.execute("SELECT table_name FROM duckdb_constraints() WHERE constraint_type = 'PRIMARY KEY' "
                                      "AND database_name = current_database()").fetchall()}


def test_uploaded_tables_have_no_key_index_but_their_keys_may_not_be_null(wh):
    """A PRIMARY KEY's index must fit in memory at commit (a nation-scale load ran out of it): uploadable
    tables go without, the small code-written tables keep theirs, and key columns still refuse NULL."""
    _, con = publish.open_snapshot(wh)
    try:
        keyed = _keys(con)
    finally:
        con.close()
    assert not keyed & {t.name for t in schema.SNAPSHOT_TABLES if t.uploadable}
    assert {"meta_version", "meta_batch", "cfg_rule"} <= keyed
    con = duckdb.connect()
    con.execute(schema.ddl(schema.BY_NAME["fact_county_body"]))
    with pytest.raises(duckdb.ConstraintException, match="NOT NULL"):
        con.execute("INSERT INTO fact_county_body (year, county_code, body_name) VALUES (2024, NULL, '办公室')")


def test_a_doubled_key_that_slipped_past_validation_is_caught_before_commit(wh):
    """The second line of defence without an index: a GROUP BY over the rows sharing the batch's keys."""
    before = state(wh)
    files_before = sorted(f.name for f in wh.warehouse.iterdir())
    batch = publish.validate(wh, [("机构.csv", BODY.encode("utf-8-sig"))])
    assert batch.ok
    # the rows validation's duplicate_key grouped: unchanged, publish does not group them again
    assert batch.checked == {"fact_county_body": batch.files[0].rows} and batch.files[0].rows > 0
    batch.con.execute("INSERT INTO stg_fact_county_body SELECT * FROM stg_fact_county_body")  # a validation bug
    with pytest.raises(publish.PublishFailed, match="县人大常委会机构与人员.*发布前核对") as failed:
        publish.publish(wh, batch, "测试")
    batch.close()
    assert "990102" in str(failed.value) and "办公室" in str(failed.value)
    assert state(wh) == before
    assert sorted(f.name for f in wh.warehouse.iterdir() if not f.name.startswith("CURRENT.tmp")) == files_before


def test_the_key_check_also_finds_an_earlier_row_left_beside_the_batch():
    t = schema.BY_NAME["fact_county_body"]
    con = duckdb.connect()
    con.execute("ATTACH ':memory:' AS new")
    con.execute(schema.ddl(t, schema="new"))
    con.execute("INSERT INTO new.fact_county_body (year, county_code, body_name, _batch) VALUES "
                "(2024, '990102', '办公室', 7), (2024, '990102', '研究室', 7), (2024, '990102', '办公室', 8)")
    con.execute("CREATE TEMP TABLE stg_fact_county_body AS SELECT * FROM new.fact_county_body WHERE _batch = 8")
    match = " AND ".join(f"s.{k} = x.{k}" for k in t.key)
    with pytest.raises(publish.PublishFailed, match="办公室"):   # the delete of batch 7's 办公室 did not happen
        publish._unique_keys(con, t, match, [8])
    con.execute("DELETE FROM new.fact_county_body WHERE _batch = 7 AND body_name = '办公室'")
    publish._unique_keys(con, t, match, [8])


def test_a_snapshot_with_the_old_key_indexes_is_rebuilt_without_them_rows_unchanged(wh):
    v0, sig0 = state(wh)
    con = duckdb.connect(str(wh.snapshot(v0)))
    for name in ("fact_suggestion", "fact_county_body", "dim_county"):   # as versions before this change wrote them
        t = schema.BY_NAME[name]
        con.execute(schema.ddl(t, name="_old")[:-2] + f",\n  PRIMARY KEY ({', '.join(t.key)})\n)")
        con.execute(f"INSERT INTO _old BY NAME SELECT * FROM {name}")
        con.execute(f"DROP TABLE {name}")
        con.execute(f"ALTER TABLE _old RENAME TO {name}")
    assert {"fact_suggestion", "fact_county_body", "dim_county"} <= _keys(con)
    con.close()
    v1 = load(wh)
    _, con = publish.open_snapshot(wh, v1)
    try:
        assert not _keys(con) & {t.name for t in schema.SNAPSHOT_TABLES if t.uploadable}
        assert con.execute("SELECT full_build FROM meta_marts").fetchone()[0]
        sig1 = warehouse.signature(con)
    finally:
        con.close()
    assert {t: sig1[t] for t in ("fact_suggestion", "dim_county")} == {t: sig0[t] for t in ("fact_suggestion", "dim_county")}


def test_an_app_store_from_an_older_version_is_migrated(tmp_path):
    import sqlite3
    path = tmp_path / "app.sqlite"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE meta_version_log (version INTEGER PRIMARY KEY, created_at TEXT, created_by TEXT, kind TEXT, "
                "reason TEXT, base_version INTEGER, tables TEXT, files TEXT)")
    con.execute("INSERT INTO meta_version_log VALUES (1, 'x', 'y', 'init', '', NULL, '', '')")
    con.commit()
    con.close()
    from etl.appstore import AppStore
    store = AppStore(path)
    assert store.lineage(1) == []
