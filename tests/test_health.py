"""Health check and faults (reliability.md §6 D.19–21, J.49): the health check runs real work and turns red on a
fatal DuckDB error, a damaged snapshot, a broken pointer or app store and a nearly full disk; a failed checkpoint
and a full disk during publish fail cleanly in Chinese and leave the last version readable; the app falls back
and never serves a traceback."""
from __future__ import annotations

import os
import shutil
import subprocess
import uuid

import duckdb
import pytest

from etl import cli, health, publish
from tests.apptest_utils import open_page
from tests.test_publish import state

BODY = "年度,县区代码,机构名称,机构类型,实有工作人员数\r\n2024,990102,办公室,办事机构,{n}\r\n"


def load(p, n=6, user="测试"):
    batch = publish.validate(p, [("机构.csv", BODY.format(n=n).encode("utf-8-sig"))])
    try:
        return publish.publish(p, batch, user, lock_timeout=5)
    finally:
        batch.close()


def leftovers(p):
    return sorted(f.name for f in p.warehouse.iterdir() if f.name.startswith((".v", "CURRENT.tmp")))


def invalidated_connection(p, tmp_path) -> duckdb.DuckDBPyConnection:
    """A connection whose database instance a failed checkpoint has invalidated (a DuckDB FatalException)."""
    copy = tmp_path / f"fatal-{uuid.uuid4().hex}.duckdb"
    shutil.copyfile(p.snapshot(publish.current_version(p)), copy)
    con = duckdb.connect(str(copy))
    con.execute("CREATE TABLE filler AS SELECT range AS i FROM range(50000)")
    con.execute("SET debug_checkpoint_abort = 'before_header'")
    with pytest.raises(duckdb.FatalException):
        con.execute("CHECKPOINT")
    return con


def test_a_healthy_warehouse_is_green_and_every_check_ran_real_work(wh, capsys):
    ok, message, details = health.check(wh)
    assert ok, message
    assert f"v{publish.current_version(wh)}" in message
    names = [d.name for d in details]
    assert names == ["版本指针", "快照与指标查询", "应用库（上传日志、审计）", "磁盘空间", "备份"]
    assert "指标" in details[1].message and "行" in details[1].message
    assert cli.main(["--data-dir", str(wh.root), "health"]) == 0
    assert "运行正常" in capsys.readouterr().out


def test_a_fatal_duckdb_error_turns_it_red_and_a_reopen_recovers(wh, tmp_path):
    con = invalidated_connection(wh, tmp_path)
    ok, message, details = health.check(wh, con)  # the instance the app serves from is invalid
    assert not ok and "致命错误" in message
    assert health.check(wh)[0], "a fresh instance (what the app reopens) is healthy again"
    con.close()


def test_a_damaged_snapshot_turns_it_red(wh, capsys):
    snap = wh.snapshot(publish.current_version(wh))
    size = snap.stat().st_size
    with open(snap, "r+b") as f:  # truncate to a third: a partial copy after a crash or a full disk
        f.truncate(size // 3)
    ok, message, _ = health.check(wh)
    assert not ok and "快照与指标查询" in message
    assert cli.main(["--data-dir", str(wh.root), "health"]) == 1
    assert "[异常]" in capsys.readouterr().out


@pytest.mark.parametrize("damage, expected", [
    (lambda p: p.current.write_text("garbage\n"), "指针文件内容无法识别"),
    (lambda p: p.current.unlink(), "找不到"),
    (lambda p: p.current.write_text("v000999.duckdb\n"), "不存在"),
    (lambda p: p.app_db.write_bytes(b"not a database" * 100), "应用库"),
])
def test_a_broken_pointer_or_app_store_turns_it_red(wh, damage, expected):
    for extra in ("-wal", "-shm"):
        wh.app_db.with_name(wh.app_db.name + extra).unlink(missing_ok=True)
    damage(wh)
    ok, message, _ = health.check(wh)
    assert not ok and expected in message


def test_a_nearly_full_disk_turns_it_red(wh, monkeypatch):
    free = shutil.disk_usage(wh.root).free
    monkeypatch.setenv(health.MIN_FREE_ENV, str(free / 1e6 * 2))
    ok, message, _ = health.check(wh)
    assert not ok and "磁盘空间" in message and "请清理磁盘" in message


def test_a_missing_warehouse_is_red_with_the_command_to_fix_it(tmp_path, capsys):
    ok, message, _ = health.check(publish.data_paths(tmp_path / "none"))
    assert not ok and "python -m etl build" in message
    assert cli.main(["--data-dir", str(tmp_path / "none"), "health", "--json"]) == 1
    assert '"ok": false' in capsys.readouterr().out


def test_a_failed_checkpoint_fails_the_publish_cleanly_and_keeps_the_last_version(wh, monkeypatch):
    before = state(wh)
    monkeypatch.setenv(publish.FAULT_ENV, "checkpoint_abort")
    with pytest.raises(publish.PublishFailed) as failed:
        load(wh)
    monkeypatch.delenv(publish.FAULT_ENV)
    assert "发布失败，数据未作任何改动" in str(failed.value)
    assert state(wh) == before and leftovers(wh) == []
    assert health.check(wh)[0]
    assert load(wh) == before[0] + 1


@pytest.mark.parametrize("point", ["disk_full_copy", "disk_full_checkpoint"])
def test_a_full_disk_during_publish_fails_in_chinese_and_keeps_the_last_version(wh, monkeypatch, point):
    before = state(wh)
    monkeypatch.setenv(publish.FAULT_ENV, point)
    with pytest.raises(publish.PublishFailed) as failed:
        load(wh)
    assert "磁盘空间不足" in str(failed.value)
    monkeypatch.delenv(publish.FAULT_ENV)
    assert state(wh) == before and leftovers(wh) == []
    assert load(wh) == before[0] + 1


@pytest.fixture
def small_disk(tmp_path):
    """A real small filesystem (tmpfs) — needs root with CAP_SYS_ADMIN; skipped where mounting is not allowed."""
    mnt = tmp_path / "tmpfs"
    mnt.mkdir()
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("需要 root 权限挂载 tmpfs（故障钩子测试 disk_full_* 已覆盖同一路径）")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(mnt)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"此环境不允许挂载 tmpfs：{done.stderr.decode(errors='replace').strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


@pytest.mark.parametrize("spare", [0.5, 1.3], ids=["copy_fails", "copy_fits_then_write_fails"])
def test_a_really_full_disk_during_publish(wh, small_disk, spare, monkeypatch):
    """The data directory on a 64 MB tmpfs, filled so that less than (or just over) one snapshot is free.
    With room for the copy, the marts are rebuilt in full (as after an upgrade): an incremental rebuild of a
    small batch writes too little to run out."""
    from etl import marts
    monkeypatch.setattr(marts, "code_fingerprint", lambda: "newer-code")
    root = small_disk / "data"
    shutil.copytree(wh.root, root)
    p = publish.data_paths(root)
    before = state(p)
    snap_size = p.snapshot(before[0]).stat().st_size
    filler = small_disk / "filler"
    with open(filler, "wb") as f:
        f.write(b"\0" * max(shutil.disk_usage(small_disk).free - int(snap_size * spare), 0))
    with pytest.raises(publish.PublishFailed) as failed:
        load(p)
    assert "磁盘空间不足" in str(failed.value)
    assert state(p) == before and leftovers(p) == []
    ok, message, _ = health.check(p)
    assert not ok and "磁盘空间" in message
    filler.unlink()  # space freed: the last version is intact and publishing works again
    assert state(p) == before
    assert load(p) == before[0] + 1


def test_the_app_reopens_an_instance_a_fatal_error_invalidated(wh, tmp_path, monkeypatch):
    bad = invalidated_connection(wh, tmp_path)
    real = publish.open_snapshot
    calls = []

    def first_one_invalid(p, version=None):
        calls.append(version)
        return (version, bad) if len(calls) == 1 else real(p, version)

    monkeypatch.setattr(publish, "open_snapshot", first_one_invalid)
    at = open_page(wh.root, monkeypatch, "pages/2_organization.py", role="admin")
    assert not at.exception
    assert len(calls) >= 2, "the invalidated connection was closed and a new one opened"
    assert at.get("plotly_chart"), "the page rendered from the reopened instance"
    assert not any("暂不可用" in e.value for e in at.error)


def test_the_app_falls_back_to_the_last_readable_version_without_a_traceback(wh, monkeypatch):
    good = load(wh)
    broken = load(wh, 9)
    with open(wh.snapshot(broken), "r+b") as f:
        f.truncate(wh.snapshot(broken).stat().st_size // 3)
    at = open_page(wh.root, monkeypatch, "pages/2_organization.py", role="admin")
    assert not at.exception
    assert any(f"暂时显示上一可用版本 v{good}" in w.value for w in at.warning)
    assert at.get("plotly_chart"), "the page still shows the last good version"
    text = " ".join(str(getattr(e, "value", "")) for e in at.main)
    assert "Traceback" not in text


def test_the_app_says_data_unavailable_when_no_version_reads(wh, monkeypatch):
    for f in wh.warehouse.glob("v??????.duckdb"):
        f.write_bytes(b"\0" * 4096)
    at = open_page(wh.root, monkeypatch, "pages/2_organization.py", role="admin")
    assert not at.exception
    assert any("数据暂不可用" in e.value for e in at.error)


def test_the_versions_page_shows_the_health_line(wh, monkeypatch):
    at = open_page(wh.root, monkeypatch, "pages/14_versions.py", role="admin")
    assert not at.exception
    assert any("健康检查：运行正常" in c.value for c in at.caption)



def test_a_duckdb_error_inside_a_page_is_a_chinese_message_and_the_connection_is_reopened(wh, monkeypatch):
    from pages._common import data, recover

    def broken(snap):
        raise duckdb.IOException("IO Error: Could not read enough bytes from file")

    monkeypatch.setattr(data, "years", broken)
    at = open_page(wh.root, monkeypatch, "pages/2_organization.py", role="admin")
    assert not at.exception
    assert any(recover.RETRY in e.value for e in at.error)
    monkeypatch.undo()
    monkeypatch.setenv("NPC_DATA_DIR", str(wh.root))
    at.run()
    assert not at.exception and at.get("plotly_chart"), "the next render works again"
