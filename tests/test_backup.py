"""Backup and restore (reliability.md §6 G.40–41): a consistent backup under the writer lock with a checksummed
manifest; restore verifies before it writes, refuses to overwrite, and the restored warehouse equals the original
(table signatures, app store rows); the restore drill reports its time."""
from __future__ import annotations

import json
import shutil
import sqlite3
import time

import duckdb
import pytest

from etl import backup, cli, health, publish, schema, warehouse
from etl.appstore import LOG_TABLES
from etl.problems import EtlError, WriterBusy

BODY = "年度,县区代码,机构名称,机构类型,实有工作人员数\r\n2024,{county},办公室,办事机构,{n}\r\n"


def load(p, text):
    batch = publish.validate(p, [("机构.csv", text.encode("utf-8-sig"))])
    try:
        return publish.publish(p, batch, "测试", lock_timeout=5)
    finally:
        batch.close()


def full_signature(p, version=None):
    return backup.snapshot_signature(p.snapshot(version or publish.current_version(p)))


def store_rows(p, exclude_actions=("backup", "restore")) -> dict[str, list[tuple]]:
    con = sqlite3.connect(p.app_db)
    try:
        out = {}
        for table in LOG_TABLES + ("upload_ids", "accounts", "settings"):
            if not con.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (table,)).fetchone():
                continue
            rows = con.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
            if table == "audit_log":
                rows = [r for r in rows if r[3] not in exclude_actions]
            out[table] = rows
        return out
    finally:
        con.close()


def test_restore_drill_on_the_demo_city(demo_wh, tmp_path, capsys):
    """Build → publish an upload → backup → restore into a new directory → equal signatures and app store rows."""
    src = publish.data_paths(tmp_path / "prod")
    shutil.copytree(demo_wh.root, src.root)
    county = duckdb.connect(str(src.snapshot(publish.current_version(src))), read_only=True).execute(
        "SELECT min(county_code) FROM dim_county").fetchone()[0]
    version = load(src, BODY.format(county=county, n=7))
    assert cli.main(["--data-dir", str(src.root), "--user", "备份员", "backup", "--out", str(tmp_path / "bk")]) == 0
    out = capsys.readouterr().out
    assert f"已备份数据版本 v{version}" in out
    [made] = list((tmp_path / "bk").iterdir())
    manifest = json.loads((made / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["version"] == version and all(len(f["sha256"]) == 64 for f in manifest["files"].values())
    assert any(name.startswith("uploads/") for name in manifest["files"]), "the upload archive is in the backup"

    t0 = time.monotonic()
    target = publish.data_paths(tmp_path / "restored")
    assert cli.main(["restore", str(made), "--data-dir", str(target.root)]) == 0
    seconds = time.monotonic() - t0
    out = capsys.readouterr().out
    assert "已恢复" in out and "用时" in out
    print(f"\nrestore drill (demo city, {sum(v[0] for k, v in manifest['signatures'].items() if k.startswith('mart_kpi_')):,} KPI rows, "
          f"{sum(f['bytes'] for f in manifest['files'].values()) / 1e6:.1f} MB): {seconds:.2f} s")

    assert publish.current_version(target) == version
    assert full_signature(target) == full_signature(src, version)
    assert store_rows(target) == store_rows(src)
    assert sorted(f.name for f in target.uploads.iterdir()) == sorted(f.name for f in src.uploads.iterdir())
    assert health.check(target)[0]
    restored_audit = target.store().rows("SELECT user, action, target FROM audit_log WHERE action = 'restore'")
    assert restored_audit and restored_audit[0]["target"] == f"v{version}"
    assert load(target, BODY.format(county=county, n=8)) == version + 1, "the restored warehouse takes new uploads"


def test_a_tar_backup_restores_and_a_rebuild_from_its_archive_matches(wh, tmp_path):
    load(wh, BODY.format(county="990102", n=6))
    path, manifest, _ = backup.backup(wh, tmp_path / "nightly.tar.gz", "测试")
    assert path == tmp_path / "nightly.tar.gz" and path.exists()
    target = publish.data_paths(tmp_path / "restored")
    version, seconds, _ = backup.restore(path, target)
    assert full_signature(target) == full_signature(wh) and seconds > 0
    rebuilt = publish.data_paths(tmp_path / "rebuilt")  # every accepted file came along: replay works
    publish.rebuild(target, version, rebuilt)
    tables = [t.name for t in schema.SNAPSHOT_TABLES if t.kind != "meta"]
    a, b = publish.open_snapshot(rebuilt)[1], publish.open_snapshot(wh)[1]
    assert warehouse.signature(a, tables) == warehouse.signature(b, tables)
    a.close()
    b.close()


def test_a_tampered_backup_is_refused_before_anything_is_written(wh, tmp_path, capsys):
    path, manifest, _ = backup.backup(wh, tmp_path / "bk", "测试")
    victim = next(path.glob("uploads/*"))
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0xFF
    victim.write_bytes(bytes(data))
    target = tmp_path / "restored"
    assert cli.main(["restore", str(path), "--data-dir", str(target)]) == 1
    err = capsys.readouterr().err
    assert "备份校验失败" in err and "SHA256 与清单不符" in err and victim.name in err
    assert not target.exists()


def test_restore_refuses_a_non_empty_directory_unless_forced_and_then_keeps_the_old_one(wh, tmp_path, capsys):
    path, _, _ = backup.backup(wh, tmp_path / "bk", "测试")
    target = tmp_path / "live"
    target.mkdir()
    (target / "keep.txt").write_text("旧内容")
    assert cli.main(["restore", str(path), "--data-dir", str(target)]) == 1
    assert "不是空目录" in capsys.readouterr().err and (target / "keep.txt").exists()
    assert cli.main(["restore", str(path), "--data-dir", str(target), "--force"]) == 0
    assert publish.current_version(publish.data_paths(target)) == publish.current_version(wh)
    [aside] = list(tmp_path.glob("live.before-restore-*"))
    assert (aside / "keep.txt").read_text() == "旧内容"


def test_backup_waits_for_the_writer_and_says_so_in_chinese(wh, tmp_path):
    with publish.writer_lock(wh):
        with pytest.raises(WriterBusy) as busy:
            backup.backup(wh, tmp_path / "bk", "测试", lock_timeout=0.3)
    assert "稍后重试" in str(busy.value)
    assert not (tmp_path / "bk").exists() or not list((tmp_path / "bk").iterdir())


def test_backup_of_nothing_and_restore_of_garbage_are_clear_chinese_errors(tmp_path):
    with pytest.raises(EtlError, match="还没有数据仓库"):
        backup.backup(publish.data_paths(tmp_path / "empty"), tmp_path / "bk")
    (tmp_path / "junk.tar.gz").write_bytes(b"not a tar file")
    with pytest.raises(EtlError, match="无法解开"):
        backup.restore(tmp_path / "junk.tar.gz", publish.data_paths(tmp_path / "r1"))
    (tmp_path / "dir").mkdir()
    with pytest.raises(EtlError, match="找不到 manifest.json"):
        backup.restore(tmp_path / "dir", publish.data_paths(tmp_path / "r2"))


def test_export_gives_a_version_independent_copy_with_the_same_data(wh, tmp_path):
    path, manifest, _ = backup.backup(wh, tmp_path / "bk", "测试", export=True)
    assert (path / "export" / "schema.sql").exists()
    con = duckdb.connect()
    con.execute(f"IMPORT DATABASE '{path / 'export'}'")
    tables = [t.name for t in schema.SNAPSHOT_TABLES] + ["mart_kpi"]
    original = publish.open_snapshot(wh)[1]
    assert warehouse.signature(con, tables, lineage=True) == warehouse.signature(original, tables, lineage=True)
    original.close()
    con.close()
    ok, _, details = health.check(wh)
    assert ok and details[-1].message.startswith("最近一次备份") and not details[-1].warn
