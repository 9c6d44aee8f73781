"""Audit (reliability.md §6 J.48, issue 7 item 6): every upload attempt — accepted, rejected, dry run, writer busy,
failed publish — is recorded with user, time, file sha256 and result; the log tables are append-only and no
application code holds a path that edits or deletes them."""
from __future__ import annotations

import hashlib
import re
import sqlite3
from datetime import datetime
from pathlib import Path

import pytest

from etl import cli, publish
from etl.appstore import LOG_TABLES
from etl.problems import Problem, WriterBusy

ROOT = Path(__file__).resolve().parents[1]
GOOD = "年度,县区代码,机构名称,机构类型,实有工作人员数\r\n2024,990102,办公室,办事机构,6\r\n".encode("utf-8")
BAD = "年度,县区代码,机构名称,机构类型,实有工作人员数\r\n2024,990102,办公室,办事机构,很多\r\n".encode("utf-8")


def attempts(p) -> list[dict]:
    return p.store().rows("SELECT a.user, a.at, a.result, a.sha256, a.detail, u.status, u.uploaded_by "
                          "FROM audit_log a LEFT JOIN meta_upload_log u ON u.sha256 = a.sha256 AND u.status = a.result "
                          "WHERE a.action = 'upload' ORDER BY a.audit_id")


def test_every_kind_of_attempt_is_audited_with_user_time_hash_and_result(wh, tmp_path, monkeypatch, capsys):
    good, bad = tmp_path / "机构.csv", tmp_path / "机构_错.csv"
    good.write_bytes(GOOD)
    bad.write_bytes(BAD)
    before = len(attempts(wh))
    base = ["--data-dir", str(wh.root)]
    assert cli.main(base + ["--user", "填报员甲", "load", str(bad)]) == 1                   # rejected
    assert cli.main(base + ["--user", "填报员乙", "load", str(good), "--dry-run"]) == 0     # dry run
    monkeypatch.setenv(publish.FAULT_ENV, "disk_full_copy")
    assert cli.main(base + ["--user", "填报员丙", "load", str(good)]) == 1                  # failed publish
    monkeypatch.delenv(publish.FAULT_ENV)
    batch = publish.validate(wh, [("机构.csv", GOOD)])
    with publish.writer_lock(wh):
        with pytest.raises(WriterBusy):
            publish.publish(wh, batch, "填报员丁", lock_timeout=0.2)                         # writer busy
    batch.close()
    assert cli.main(base + ["--user", "填报员戊", "load", str(good)]) == 0                  # accepted
    capsys.readouterr()
    rows = attempts(wh)[before:]
    assert [(r["user"], r["result"]) for r in rows] == [
        ("填报员甲", "rejected"), ("填报员乙", "dry_run"), ("填报员丙", "failed"), ("填报员丁", "busy"),
        ("填报员戊", "accepted")]
    for r, data in zip(rows, [BAD, GOOD, GOOD, GOOD, GOOD]):
        assert r["sha256"] == hashlib.sha256(data).hexdigest()
        assert abs((datetime.now() - datetime.fromisoformat(r["at"])).total_seconds()) < 600
        assert r["status"] == r["result"] and r["uploaded_by"] == r["user"], "the upload log has the same attempt"
    assert "磁盘空间不足" in rows[2]["detail"] and "另一上传正在进行" in rows[3]["detail"]


def _one_row_in_every_log(store) -> None:
    ids = store.allocate_ids(1)
    store.log_upload(ids[0], table="fact_county_body", file_name="a.csv", encoding="utf-8", user="测试", mode=None,
                     rows_in=1, rows_rejected=1, sha256="0" * 64, status="rejected", version=None,
                     problems=[Problem("not_a_number", "应填数字", row=2, column="实有工作人员数", value="很多")])
    store.audit("测试", "login", result="accepted")


@pytest.mark.parametrize("table", LOG_TABLES)
@pytest.mark.parametrize("sql", ["UPDATE {t} SET rowid = rowid", "DELETE FROM {t}"])
def test_log_tables_refuse_update_and_delete(wh, table, sql):
    store = wh.store()
    _one_row_in_every_log(store)
    count = store.con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    assert count > 0
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        store.con.execute(sql.format(t=table))
    assert store.con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == count
    store.close()


def test_a_dropped_trigger_is_back_as_soon_as_the_app_opens_the_store(wh):
    """Someone with shell access drops a trigger: every AppStore open re-creates it before any write."""
    raw = sqlite3.connect(wh.app_db)
    raw.execute("DROP TRIGGER audit_log_no_delete")
    raw.commit()
    raw.close()
    store = wh.store()
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        store.con.execute("DELETE FROM audit_log")
    store.close()


CODE = [f for d in ("etl", "pages", "bench") for f in (ROOT / d).rglob("*.py")] + [ROOT / "dashboard.py"]
LOGS = "|".join(LOG_TABLES)
FORBIDDEN = re.compile(rf"(UPDATE\s+\"?({LOGS})\b|DELETE\s+FROM\s+\"?({LOGS})\b|DROP\s+TABLE\s+(IF\s+EXISTS\s+)?\"?({LOGS})\b"
                       rf"|DROP\s+TRIGGER|writable_schema)", re.IGNORECASE)


def test_no_application_code_edits_deletes_or_unprotects_the_logs():
    hits = []
    for f in CODE:
        for no, line in enumerate(f.read_text(encoding="utf-8").splitlines(), 1):
            if FORBIDDEN.search(line):
                hits.append(f"{f.relative_to(ROOT)}:{no}: {line.strip()}")
    assert hits == []


def test_the_app_store_api_has_only_append_and_read_operations():
    from etl.appstore import AppStore
    public = {n for n in vars(AppStore) if not n.startswith("_")}
    assert not {n for n in public if re.search(r"delete|update|remove|edit|purge|truncate", n)}
