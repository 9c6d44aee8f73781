"""Concurrency (reliability.md §6 E): viewers rendering while versions are published see one version per render
and the newest on their next rerun; the mixed-version detector really detects a mix; two uploads at once are
serialised, the second gets the Chinese busy message through the upload page, never a raw exception."""
from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
import time

import pytest
import streamlit as st

from bench import concurrency as bc
from etl import publish
from etl.problems import WriterBusy
from pages._common import data
from tests.apptest_utils import open_page

PAGE = "pages/12_upload.py"
BUSY = str(WriterBusy())
# The other upload: `python -m etl load` in another process, holding the writer lock a little longer than usual.
SLOW_LOAD = """
import sys, time
from etl import cli, publish
finish = publish._finish
def slow(*a, **k):
    time.sleep(float(sys.argv[1]))
    return finish(*a, **k)
publish._finish = slow
raise SystemExit(cli.main(sys.argv[2:]))
"""


@pytest.fixture
def demo_copy(demo_wh, tmp_path) -> publish.Paths:
    root = tmp_path / "data"
    shutil.copytree(demo_wh.root, root, ignore=shutil.ignore_patterns("uploads"))
    return publish.data_paths(root)


def county_townships(p, year: int, county: str) -> list[str]:
    _, con = publish.open_snapshot(p)
    try:
        return [r[0] for r in con.execute("SELECT township_code FROM fact_township_liuyou WHERE year = ? AND "
                                          "left(township_code, 6) = ? ORDER BY 1", (year, county)).fetchall()]
    finally:
        con.close()


def organised(p, year: int, townships: list[str]) -> list[bool]:
    _, con = publish.open_snapshot(p)
    try:
        return [r[0] for r in con.execute(
            f"SELECT has_organization FROM fact_township_liuyou WHERE year = ? AND township_code IN "
            f"({','.join('?' * len(townships))}) ORDER BY township_code", (year, *townships)).fetchall()]
    finally:
        con.close()


def lock_held(p) -> bool:
    """True while another process holds warehouse/writer.lock (probing takes and drops it at once otherwise)."""
    fd = os.open(p.warehouse / "writer.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(fd)


@pytest.mark.slow
def test_viewers_rendering_while_versions_publish_never_see_a_mix_and_see_the_newest_on_rerun(demo_copy):
    report = bc.run(demo_copy.root, viewers=6, publishes=2, pages=bc.QUICK["pages"], think=0.2, gap=0.5,
                    min_renders=2, timeout=300)
    assert report["renders_during_publish"] > 0  # the renders really overlapped the commits
    assert report["errors"] == 0, report["error_samples"]
    assert report["mixed"] == 0, report["mixed_samples"]
    assert report["unversioned"] == report["stale"] == report["bad_references"] == 0
    final = report["commits"][-1]["version"]
    assert [c["version"] for c in report["commits"]] == [report["base_version"] + 1, final]
    assert report["viewers_seeing_final_version"] == 6
    assert final in report["versions_seen"]
    # the detector has power: each upload changes what the overview shows
    assert report["detector_power"]["dashboard.py"]["distinct_references"] == 3


def test_the_detector_flags_a_page_whose_figures_come_from_another_version(demo_copy, monkeypatch, tmp_path):
    p = demo_copy
    base = publish.current_version(p)
    plan = bc.make_plan(p, 1)
    newer = bc.publish_version(p, plan, 1)
    ref = bc.reference_dir(p, base, tmp_path / "ref")
    st.cache_data.clear()
    reference = open_page(ref, monkeypatch)
    reference.run()
    ref_parts = bc.page_parts(reference)
    assert bc.version_of(reference) == base

    # an honest render of the older version (CURRENT moved back on a copy) equals its reference
    honest_root = tmp_path / "honest"
    shutil.copytree(p.root, honest_root)
    (honest_root / "warehouse" / "CURRENT").write_text(f"v{base:06d}.duckdb\n")
    honest = open_page(honest_root, monkeypatch)
    honest.run()
    honest_parts = bc.page_parts(honest)

    # a bug: the frame pins the old version (caption v{base}) but the KPI queries read the newer snapshot
    query = data.query
    monkeypatch.setattr(data, "current", lambda: data.Snapshot(str(p.root), base))
    monkeypatch.setattr(data, "query", lambda snap, sql, params=(): query(
        snap._replace(version=newer) if "mart_kpi" in sql else snap, sql, params))
    st.cache_data.clear()
    buggy = open_page(p.root, monkeypatch)
    buggy.run()
    assert bc.version_of(buggy) == base
    bug_parts = bc.page_parts(buggy)
    monkeypatch.undo()
    st.cache_data.clear()

    def render(viewer, parts):
        return {"kind": "render", "viewer": viewer, "page": "dashboard.py", "start": time.time(), "seconds": 0.1,
                "version": base, "fp": bc.fingerprint(parts), "parts": parts, "errors": []}
    records = [render(0, honest_parts), render(1, bug_parts)] + [
        {"kind": "reference", "viewer": v, "page": "dashboard.py", "version": base, "shown": base,
         "fp": bc.fingerprint(ref_parts), "parts": ref_parts, "errors": []} for v in (0, 1)]
    report = bc.analyse(records, [], base, {"pages": ["dashboard.py"]})
    assert report["mixed"] == 1
    assert report["mixed_samples"][0]["viewer"] == 1 and report["mixed_samples"][0]["differs"]


def test_two_uploads_at_once_are_serialised_and_the_second_is_told_in_chinese(demo_copy, monkeypatch, tmp_path):
    p = demo_copy
    base = publish.current_version(p)
    year = bc.make_plan(p, 1).year
    mine, theirs = county_townships(p, year, "990105"), county_townships(p, year, "990102")
    at = open_page(p.root, monkeypatch, PAGE, role="city_staff", query={"table": bc.LIUYOU}, timeout=120)
    at.file_uploader(key="up_files_0").set_value(bc.liuyou_upload(p, year, mine, "本县六有.csv") + ("text/csv",)).run()
    assert not at.exception and not at.error, [e.value for e in list(at.exception) + list(at.error)]
    other_file = tmp_path / "他县六有.csv"
    other_file.write_bytes(bc.liuyou_upload(p, year, theirs)[1])
    other = subprocess.Popen([sys.executable, "-c", SLOW_LOAD, "4", "--data-dir", str(p.root), "--user", "另一位工作人员",
                              "load", str(other_file), "--table", bc.LIUYOU, "--mode", "upsert"],
                             env={**os.environ, "PYTHONPATH": str(bc.ROOT)}, cwd=bc.ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not lock_held(p):
            assert other.poll() is None and time.monotonic() < deadline, other.communicate()
            time.sleep(0.05)
        # the page's confirm while the other upload holds the lock (a short wait so the test stays fast)
        real = publish.publish
        monkeypatch.setattr(publish, "publish", lambda *a, **k: real(*a, **{**k, "lock_timeout": 0.3}))
        at.button(key="up_confirm").click().run()
        assert not at.exception and not at.error
        assert [w.value for w in at.warning if w.value == BUSY] == [BUSY]
        assert publish.current_version(p) == base
        # confirming again with the page's own timeout waits for the other upload, then publishes after it
        monkeypatch.setattr(publish, "publish", real)
        at.button(key="up_confirm").click().run()
        out, err = other.communicate(timeout=120)
    finally:
        if other.poll() is None:
            other.kill()
    assert other.returncode == 0 and "Traceback" not in err, (out, err)
    assert f"已发布新版本 v{base + 1}" in out
    assert not at.exception and not at.error
    assert any(f"已发布新版本 v{base + 2}" in s.value for s in at.success)
    assert publish.current_version(p) == base + 2
    assert organised(p, year, mine) == [False] * len(mine) and organised(p, year, theirs) == [False] * len(theirs)
    users = {r["version"]: r["created_by"] for r in publish.versions(p)}
    assert (users[base + 1], users[base + 2]) == ("另一位工作人员", "test_city_staff")
