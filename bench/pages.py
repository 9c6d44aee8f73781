"""Page render benchmark: AppTest cold and warm render of every page, against an empty page in the same run.

cold = the first render in a fresh process (imports, connection, every cached query computed);
warm = the median of further reruns (Streamlit caches hot) — what a leader feels on each click.
Each page also reports how many queries it ran and the most rows one query returned to it (pages must not pull
fact tables: the bound is per unit level, not per deputy or suggestion).
Usage: python -m bench pages [--data-dir DIR] [--scale city|province|nation] [--runs N] [--out FILE]
(default FILE: bench/results/pages.json, or pages_<scale>.json with --scale)
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EMPTY_PAGE = "import streamlit as st\nst.write('空')\n"

TARGETS = {"city": {"warm_s": 0.3, "cold_s": None}, "province": {"warm_s": 0.5, "cold_s": None},
           "nation": {"warm_s": 2.0, "cold_s": 5.0}}  # issue 6, benchmark 3

CHILD = r"""
import json, os, sys, time, statistics
from streamlit.testing.v1 import AppTest
from pages._common import data
entry, page, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
rows = []
_query = data.query
def spy(snap, sql, params=()):
    df = _query(snap, sql, params)
    rows.append(len(df))
    return df
data.query = spy  # cached functions look data.query up at call time
t0 = time.perf_counter()
at = AppTest.from_file(entry, default_timeout=600)
if page != "-" or "dashboard" in entry:  # measure every page as an administrator sees it (no login form)
    from etl.auth import Account
    at.session_state["account"] = Account("bench", "基准测试", "admin")
    at.session_state["last_seen"] = time.time() + 3600
at.run()
if page != "-":
    at.switch_page(page)
    at.run()
cold = time.perf_counter() - t0
assert not at.exception, [e.value for e in at.exception]
warm = []
for _ in range(runs):
    t = time.perf_counter()
    at.run()
    warm.append(time.perf_counter() - t)
print(json.dumps({"cold": cold, "warm": statistics.median(warm), "warm_all": warm,
                  "errors": len(at.error), "charts": len(at.get("plotly_chart")),
                  "queries": len(rows), "max_rows": max(rows, default=0), "rows": sum(rows)}))
"""


def _measure(entry: str, page: str, runs: int, env: dict, timeout: float = 900) -> dict:
    """One page in a fresh process; a page that fails or exceeds `timeout` is reported as such, the run goes on."""
    try:
        out = subprocess.run([sys.executable, "-c", CHILD, entry, page, str(runs)], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"failed": f"超过 {timeout:g} 秒未完成"}
    if out.returncode:
        return {"failed": out.stderr[-2000:]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def _fresh_marts(data_dir: Path) -> float | None:
    """Rebuild the marts first if the snapshot's were built by other code (else the first page would do it and
    its cold time would be a publish); returns the seconds spent, None when they were current."""
    from etl import marts, publish
    p = publish.data_paths(data_dir)
    _, con = publish.open_snapshot(p)
    try:
        current = marts.snapshot_fingerprint(con) == marts.code_fingerprint()
    finally:
        con.close()
    if current:
        return None
    t = time.perf_counter()
    publish.refresh_marts(p)
    return time.perf_counter() - t


def run(data_dir: Path | None = None, runs: int = 7, out: Path | None = None, scale: str = "city",
        only: tuple[str, ...] = (), timeout: float = 900) -> dict:
    from etl import publish
    from pages._common.nav import PAGES
    tmp = Path(tempfile.mkdtemp(prefix="bench_pages_"))
    if data_dir is None:
        data_dir = tmp / "data"
        publish.build(publish.data_paths(data_dir), publish.DEMO_DIR, user="基准测试")
    refreshed = _fresh_marts(data_dir)
    env = {**os.environ, "NPC_DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT)}
    empty = tmp / "empty_app.py"
    empty.write_text(EMPTY_PAGE, encoding="utf-8")
    results = {"empty": _measure(str(empty), "-", runs, env)}
    for page in PAGES:
        if only and page.path not in only and page.label not in only:
            continue
        target = "-" if page.path == "dashboard.py" else page.path
        results[page.label] = {"path": page.path, **_measure(str(ROOT / "dashboard.py"), target, runs, env, timeout)}
        print(f"{page.label}: {json.dumps({k: v for k, v in results[page.label].items() if k != 'warm_all'}, ensure_ascii=False)[:300]}",
              flush=True)
    base = results["empty"]
    for label, r in results.items():
        if label != "empty" and "failed" not in r:
            r["cold_ratio"] = r["cold"] / base["cold"]
            r["warm_ratio"] = r["warm"] / base["warm"]
    report = {"machine": {"nproc": os.cpu_count(), "loadavg": os.getloadavg(), "python": sys.version.split()[0]},
              "scale": scale, "data": _sizes(data_dir), "marts_refreshed_s": refreshed, "runs": runs,
              "target_warm_s": TARGETS[scale]["warm_s"], "target_cold_s": TARGETS[scale]["cold_s"], "pages": results,
              "measured_at": time.strftime("%Y-%m-%d %H:%M:%S")}
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    return report


def _sizes(data_dir: Path) -> dict:
    """Counties, townships and the biggest fact tables of the measured snapshot (what "scale" means here)."""
    from etl import publish
    _, con = publish.open_snapshot(publish.data_paths(data_dir))
    try:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("dim_county", "dim_township", "dim_deputy", "fact_suggestion", "fact_deputy_points", "mart_kpi")}
    finally:
        con.close()


def print_report(report: dict) -> None:
    base = report["pages"]["empty"]
    warm_t, cold_t = report["target_warm_s"], report.get("target_cold_s")
    print(f"规模 {report.get('scale', 'city')}：{report.get('data', {})}")
    print(f"空白页：冷启动 {base['cold']:.2f}秒，热渲染 {base['warm'] * 1000:.0f}毫秒")
    print(f"{'页面':<12}{'冷启动(秒)':>10}{'倍数':>8}{'热渲染(毫秒)':>12}{'倍数':>8}{'图表':>6}{'查询':>6}{'最多行':>8}"
          f"  达标(热<{warm_t:g}秒" + (f"，冷<{cold_t:g}秒)" if cold_t else ")"))
    for label, r in report["pages"].items():
        if label == "empty":
            continue
        if "failed" in r:
            print(f"{label:<12}失败：{r['failed'].strip().splitlines()[-1][:100]}")
            continue
        ok = r["warm"] < warm_t and (cold_t is None or r["cold"] < cold_t)
        print(f"{label:<12}{r['cold']:>10.2f}{r['cold_ratio']:>8.1f}{r['warm'] * 1000:>12.0f}{r['warm_ratio']:>8.1f}"
              f"{r['charts']:>6}{r.get('queries', 0):>6}{r.get('max_rows', 0):>8}  {'是' if ok else '否'}")
