"""Page render benchmark: AppTest cold and warm render of every page, against an empty page in the same run.

cold = the first render in a fresh process (imports, connection, every cached query computed);
warm = the median of further reruns (Streamlit caches hot) — what a leader feels on each click.
Usage: python -m bench pages [--data-dir DIR] [--runs N] [--out bench/results/pages.json]
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EMPTY_PAGE = "import streamlit as st\nst.write('空')\n"

CHILD = r"""
import json, os, sys, time, statistics
from streamlit.testing.v1 import AppTest
entry, page, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
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
                  "errors": len(at.error), "charts": len(at.get("plotly_chart"))}))
"""


def _measure(entry: str, page: str, runs: int, env: dict) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, entry, page, str(runs)], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=900)
    if out.returncode:
        raise RuntimeError(out.stderr[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(data_dir: Path | None = None, runs: int = 7, out: Path | None = None) -> dict:
    from etl import publish
    from pages._common.nav import PAGES
    tmp = Path(tempfile.mkdtemp(prefix="bench_pages_"))
    if data_dir is None:
        data_dir = tmp / "data"
        publish.build(publish.data_paths(data_dir), publish.DEMO_DIR, user="基准测试")
    env = {**os.environ, "NPC_DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT)}
    empty = tmp / "empty_app.py"
    empty.write_text(EMPTY_PAGE, encoding="utf-8")
    results = {"empty": _measure(str(empty), "-", runs, env)}
    for page in PAGES:
        target = "-" if page.path == "dashboard.py" else page.path
        results[page.label] = {"path": page.path, **_measure(str(ROOT / "dashboard.py"), target, runs, env)}
    base = results["empty"]
    for label, r in results.items():
        if label != "empty":
            r["cold_ratio"] = r["cold"] / base["cold"]
            r["warm_ratio"] = r["warm"] / base["warm"]
    report = {"machine": {"nproc": os.cpu_count(), "loadavg": os.getloadavg(), "python": sys.version.split()[0]},
              "runs": runs, "target_warm_s": 0.3, "pages": results,
              "measured_at": time.strftime("%Y-%m-%d %H:%M:%S")}
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    return report


def print_report(report: dict) -> None:
    base = report["pages"]["empty"]
    print(f"空白页：冷启动 {base['cold']:.2f}秒，热渲染 {base['warm'] * 1000:.0f}毫秒")
    print(f"{'页面':<12}{'冷启动(秒)':>10}{'倍数':>8}{'热渲染(毫秒)':>12}{'倍数':>8}{'图表':>6}  达标(<0.3秒)")
    for label, r in report["pages"].items():
        if label == "empty":
            continue
        ok = "是" if r["warm"] < report["target_warm_s"] else "否"
        print(f"{label:<12}{r['cold']:>10.2f}{r['cold_ratio']:>8.1f}{r['warm'] * 1000:>12.0f}{r['warm_ratio']:>8.1f}"
              f"{r['charts']:>6}  {ok}")
