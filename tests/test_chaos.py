"""Crashes (reliability.md §6 D.18): a real loader process SIGKILLed at random points and at every named step of a
publish; each reopen sees the old or the new version, nothing acknowledged is lost, the lock and the temp files
do not outlive the dead process. `python -m bench chaos` runs the same with 200 kills."""
from __future__ import annotations

import os

import pytest

from bench import chaos
from etl import publish

RUNS = 20 if os.environ.get("CI") else 10


def test_sigkilled_loader_leaves_old_or_new_never_a_mix_and_loses_nothing_acknowledged(tmp_path):
    report = chaos.run(RUNS, tmp_path / "chaos.json", verbose=False, pause_spread=0.9)
    assert report["problems"] == [] and report["errors"] == 0 and report["mixed"] == 0
    assert report["lost"] == 0
    assert report["old"] + report["new"] == RUNS
    assert report["old"] > 0 and report["new"] > 0
    killed_in = set(report["by_phase"]) - {"completed", "failed", "start"}
    # the named pauses put kills inside the copy, the transaction, the checkpoint, the pointer swap and after it
    assert {"copy", "apply", "checkpoint", "swap"} <= killed_in
    for phase, outcomes in report["by_phase"].items():  # the pointer swap is the one moment old turns into new
        if phase in ("start", "validate", "lock", "copy", "apply", "archive", "marts", "checkpoint", "fsync", "rename"):
            assert outcomes.get("new", 0) == 0, f"killed in {phase}, before the swap, yet the new version is live"
        if phase in ("log", "completed"):
            assert outcomes.get("old", 0) == 0, f"{phase}: after the swap, yet the old version is live"
    assert report["leftover_files_cleaned"] > 0, "kills mid-publish leave temp files that recover() removes"
    assert (tmp_path / "chaos.json").exists()


def _killed_mid_publish(wh) -> None:
    """What a writer killed after renaming its snapshot but before the swap leaves behind."""
    version = publish.current_version(wh) + 1
    (wh.warehouse / f".v{version + 1:06d}.tmp").write_bytes(b"partial copy")
    (wh.warehouse / f".v{version + 1:06d}.tmp.wal").write_bytes(b"wal")
    (wh.warehouse / "CURRENT.tmp").write_text(f"v{version:06d}.duckdb\n")
    (wh.warehouse / f"v{version:06d}.duckdb").write_bytes(b"renamed, never published")
    wh.uploads.mkdir(exist_ok=True)
    (wh.uploads / ("0" * 64 + ".part")).write_bytes(b"half an archive")


def test_next_writer_removes_what_a_killed_writer_left_and_reuses_nothing(wh):
    before = publish.current_version(wh)
    _killed_mid_publish(wh)
    with publish.writer_lock(wh, timeout=1):
        done = publish.recover(wh)
    assert len(done) == 5
    assert sorted(f.name for f in wh.warehouse.iterdir() if f.name.startswith((".v", "CURRENT.tmp"))) == []
    assert not list(wh.uploads.glob("*.part"))
    assert publish.current_version(wh) == before and not wh.snapshot(before + 1).exists()


def test_a_version_published_but_not_logged_is_logged_by_the_next_writer(wh):
    """Killed between the pointer swap and the log writes: the version is live, so it is logged from the snapshot."""
    body = "年度,县区代码,机构名称,机构类型,实有工作人员数\r\n2024,990102,办公室,办事机构,6\r\n".encode()
    batch = publish.validate(wh, [("机构.csv", body)])
    store = wh.store()
    import sqlite3
    real_log_version = type(store).log_version

    def killed(*args, **kwargs):  # the process "dies" before writing any log row after the swap
        raise sqlite3.OperationalError("simulated: process killed")

    type(store).log_version = killed
    try:
        version = publish._publish(wh, batch, "县区填报员", "测试", 5)
    finally:
        type(store).log_version = real_log_version
        batch.close()
    assert publish.current_version(wh) == version
    assert not wh.store().rows("SELECT 1 FROM meta_version_log WHERE version = ?", (version,))
    with publish.writer_lock(wh, timeout=1):
        done = publish.recover(wh)
    assert f"version_log v{version}" in done
    row = wh.store().rows("SELECT created_by, kind, lineage FROM meta_version_log WHERE version = ?", (version,))[0]
    assert row["created_by"] == "县区填报员" and row["kind"] == "publish"
    assert wh.store().lineage(version)[-1] == wh.store().rows(
        "SELECT max(upload_id) AS u FROM meta_upload_log WHERE status = 'accepted'")[0]["u"]
    with publish.writer_lock(wh, timeout=1):
        assert publish.recover(wh) == []  # idempotent


def test_uploads_a_killed_writer_did_not_log_are_logged_by_the_next_writer(wh, monkeypatch):
    """Killed after the version log but before the upload log: the accepted upload is logged from meta_batch."""
    import sqlite3

    from etl.appstore import AppStore
    body = "年度,县区代码,机构名称,机构类型,实有工作人员数\r\n2024,990102,办公室,办事机构,8\r\n".encode()
    batch = publish.validate(wh, [("机构.csv", body)])

    def killed(*args, **kwargs):
        raise sqlite3.OperationalError("simulated: process killed")

    with monkeypatch.context() as m:
        m.setattr(AppStore, "log_upload", killed)
        version = publish.publish(wh, batch, "县区填报员", "测试")
    batch.close()
    import hashlib
    sha = hashlib.sha256(body).hexdigest()
    assert not wh.store().rows("SELECT 1 FROM meta_upload_log WHERE sha256 = ?", (sha,))
    with publish.writer_lock(wh, timeout=1):
        done = publish.recover(wh)
    assert any(d.startswith("upload_log") for d in done)
    row = wh.store().rows("SELECT status, version, uploaded_by FROM meta_upload_log WHERE sha256 = ?", (sha,))
    assert row == [{"status": "accepted", "version": version, "uploaded_by": "县区填报员"}]
    assert wh.store().rows("SELECT 1 FROM audit_log WHERE sha256 = ? AND result = 'accepted'", (sha,))


def test_the_benchmark_pauses_at_every_step_the_loader_traces():
    import inspect
    assert set(chaos.PAUSE_ORDER) == set(publish.STEPS)
    source = inspect.getsource(publish)
    assert all(f'_step("{s}")' in source for s in publish.STEPS), "every named step has its hook in the loader"
