"""Chaos: SIGKILL a real loader process (`python -m etl load …`) at random points and check what survives.

Each run starts the loader on one warehouse that carries on from run to run, loads the file that flips a known
row (A ↔ B, so every state has a known table signature), and kills it:
  * half the runs after a random delay: over the loader's whole duration (measured first), or — every other
    time — from the moment validation starts to the end,
  * half at a named step: the loader pauses there (NPC_PAUSE) and is killed within the pause or just after it,
    cycling through validate, lock, copy, apply (the transaction), archive, marts, checkpoint, fsync, rename,
    swap (the pointer) and log.
The step it was in is read back from its NPC_TRACE file. After each kill:
  * the writer lock can be taken at once (the kernel released the dead process's flock);
  * recover() — what the next writer runs first — removes every temp file it left and logs what it published;
  * the published snapshot opens read-only and its signature (data tables + marts) equals the old or the new
    state, never anything else; the current version is logged;
  * every acknowledged upload (loader exit 0, printed 已发布) is still in the upload log, and the live state is
    never older than the last acknowledged one.
Usage: python -m bench chaos [--runs N] [--seed S] [--out bench/results/chaos.json]
"""
from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import argparse
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MINI_CITY = ROOT / "tests" / "fixtures" / "mini_city"
HEADER = "年度,县区代码,机构名称,机构类型,实有工作人员数\r\n"
BODIES = {"A": HEADER + "2024,990102,办公室,办事机构,6\r\n", "B": HEADER + "2024,990102,办公室,办事机构,9\r\n"}
PAUSE_ORDER = ("copy", "apply", "checkpoint", "swap", "log", "rename", "marts", "validate", "lock", "archive", "fsync")
PAUSE_SECONDS = 0.3


def _sig(p) -> tuple[int, dict]:
    """The live version and its state: signatures of every data table and mart (mart_tracker names the last
    batch per county, i.e. lineage, and is left out like _batch) plus the files of the live version's batches."""
    from etl import publish, schema, warehouse
    version, con = publish.open_snapshot(p)
    try:
        marts = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables WHERE table_type = "
                                           "'BASE TABLE' AND table_name LIKE 'mart_%' AND table_name <> "
                                           "'mart_tracker' ORDER BY 1").fetchall()]
        tables = [t.name for t in schema.SNAPSHOT_TABLES if t.kind != "meta"] + marts
        sig = warehouse.signature(con, tables)
        sig["_files"] = tuple(r[0] for r in con.execute(
            "SELECT sha256 FROM meta_batch WHERE version = ? ORDER BY batch_id", (version,)).fetchall())
        return version, sig
    finally:
        con.close()


def _leftovers(p) -> list[str]:
    from etl import publish
    cur = publish.current_version(p) or 0
    store = p.store()
    logged = {r["version"] for r in store.rows("SELECT version FROM meta_version_log")}
    store.close()
    found = [f.name for f in p.warehouse.glob(".v*.tmp*")] + [f.name for f in p.uploads.glob("*.part")]
    found += [f.name for f in p.warehouse.glob("CURRENT.tmp")]
    found += [f.name for f in p.warehouse.glob("v??????.duckdb*") if int(f.name[1:7]) > cur
              and int(f.name[1:7]) not in logged]
    return sorted(found)


def _loader(root: Path, path: Path, trace: Path, pause: str | None) -> subprocess.Popen:
    env = dict(os.environ, NPC_TRACE=str(trace), PYTHONUNBUFFERED="1")
    env.pop("NPC_FAULT", None)
    env.pop("NPC_PAUSE", None)
    if pause:
        env.update(NPC_PAUSE=pause, NPC_PAUSE_SECONDS=str(PAUSE_SECONDS))
    return subprocess.Popen([sys.executable, "-m", "etl", "--data-dir", str(root), "--user", "混沌测试", "load",
                             str(path), "--reason", "chaos"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, encoding="utf-8", start_new_session=True)


def _trace(trace: Path) -> list[tuple[str, float]]:
    if not trace.exists():
        return []
    out = []
    for line in trace.read_text(encoding="utf-8").splitlines():
        name, _, at = line.partition("\t")
        if name and at:
            out.append((name, float(at)))
    return out


def _wait_for_trace(trace: Path, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while proc.poll() is None and time.monotonic() < deadline:
        if trace.exists() and trace.stat().st_size:
            return
        time.sleep(0.005)


def _reference(work: Path, template: Path, files: dict[str, Path]) -> tuple[dict, dict]:
    """Known states (template, after A, after B) and one traced loader run for the step timings."""
    from etl import publish
    ref = work / "reference"
    shutil.copytree(template, ref)
    p = publish.data_paths(ref)
    states = {"start": _sig(p)[1]}
    timings: dict = {}
    for name in ("A", "B", "A"):
        trace = work / f"ref_{name}.trace"
        trace.unlink(missing_ok=True)
        t0 = time.time()
        proc = _loader(ref, files[name], trace, None)
        out, err = proc.communicate(timeout=300)
        if proc.returncode != 0:
            raise RuntimeError(f"reference load failed: {out}\n{err}")
        total = time.time() - t0
        sig = _sig(p)[1]
        if name in states and states[name] != sig:
            raise RuntimeError("loading the same file twice gave different signatures: marts are not deterministic")
        states[name] = sig
        if not timings or total < timings["total"]:  # the quickest run: random kills then land inside it
            timings = {"total": total, "steps": {s: round(at - t0, 3) for s, at in _trace(trace)}}
    return states, timings


def run(runs: int = 200, out: Path | None = None, seed: int = 20250101, verbose: bool = True,
        pause_spread: float = 1.2) -> dict:
    """`pause_spread`: a named-step kill lands within pause × spread of the pause starting (> 1: some land just
    after the pause, inside the step itself; < 1: always at the named step — what the CI test wants)."""
    from etl import publish
    from etl.problems import WriterBusy
    rng = random.Random(seed)
    t_start = time.time()
    with tempfile.TemporaryDirectory(prefix="npc-chaos-") as tmp:
        work = Path(tmp)
        files = {}
        for name, body in BODIES.items():
            files[name] = work / f"机构_{name}.csv"
            files[name].write_bytes(body.encode("utf-8"))
        sha = {name: hashlib.sha256(f.read_bytes()).hexdigest() for name, f in files.items()}
        template = work / "template"
        publish.build(publish.data_paths(template), MINI_CITY, user="混沌测试")
        states, timings = _reference(work, template, files)
        root = work / "data"
        shutil.copytree(template, root)
        p = publish.data_paths(root)
        state, version = "start", publish.current_version(p)
        acked: list[tuple[int, str]] = []
        tally = Counter()
        by_phase: dict[str, Counter] = defaultdict(Counter)
        problems: list[str] = []
        recover_ms: list[float] = []
        cleaned = 0
        for i in range(runs):
            target = "B" if state == "A" else "A"
            pause = PAUSE_ORDER[(i // 2) % len(PAUSE_ORDER)] if i % 2 else None
            trace = work / f"run{i}.trace"
            proc = _loader(root, files[target], trace, pause)
            seen = threading.Event()
            err_lines: list[str] = []

            def read_err(stream=proc.stderr, lines=err_lines, event=seen, point=pause):
                for line in stream:
                    lines.append(line)
                    if point and line.startswith(f"NPC_PAUSE {point}"):
                        event.set()

            reader = threading.Thread(target=read_err, daemon=True)
            reader.start()
            if pause:
                seen.wait(timeout=120)
                delay = rng.uniform(0, PAUSE_SECONDS * pause_spread)
            elif i % 4 == 0:  # from the process start (imports, reading the file, …)
                delay = rng.uniform(0, timings["total"] * 1.05)
            else:  # from the moment validation starts, over the rest of the load
                _wait_for_trace(trace, proc)
                delay = rng.uniform(0, (timings["total"] - timings["steps"].get("validate", 0)) * 1.05)
            deadline = time.monotonic() + delay
            while time.monotonic() < deadline and proc.poll() is None:
                time.sleep(min(0.005, max(deadline - time.monotonic(), 0)))
            killed = proc.poll() is None
            if killed:
                os.killpg(proc.pid, signal.SIGKILL)
            stdout = proc.stdout.read()
            proc.wait()
            reader.join(timeout=5)
            steps = _trace(trace)
            phase = (steps[-1][0] if steps else "start") if killed else (
                "completed" if proc.returncode == 0 else "failed")
            acknowledged = proc.returncode == 0 and "已发布新版本" in stdout
            # --- after the crash: lock free, recovery, old-or-new ------------------------------------------
            left = _leftovers(p)
            t0 = time.perf_counter()
            try:  # what the next writer does first; then what the next reader does
                with publish.writer_lock(p, timeout=2):
                    publish.recover(p)
                _, con = publish.open_snapshot(p)
                con.execute("SELECT count(*) FROM mart_kpi").fetchone()
                con.close()
                recover_ms.append((time.perf_counter() - t0) * 1000)
                new_version, sig = _sig(p)
            except WriterBusy:
                problems.append(f"run {i}: writer lock still held after the loader died")
                tally["errors"] += 1
                continue
            except Exception as exc:  # any failure to reopen is exactly what this benchmark looks for
                problems.append(f"run {i} ({phase}): reopen failed: {exc}")
                tally["errors"] += 1
                continue
            after = _leftovers(p)
            cleaned += len(left)
            if after:
                problems.append(f"run {i} ({phase}): leftovers not cleaned: {after}")
                tally["errors"] += 1
            if sig == states[state] and new_version == version:
                outcome = "old"
            elif sig == states[target] and new_version > version:
                outcome = "new"
            else:
                outcome = "mixed"
                problems.append(f"run {i} ({phase}): v{version}→v{new_version} matches neither the old nor the new state")
                tally["errors"] += 1
            tally[outcome] += 1
            by_phase[phase][outcome] += 1
            if killed:
                tally["killed"] += 1
            if acknowledged:
                acked.append((new_version, sha[target]))
                if outcome != "new":
                    tally["lost"] += 1
                    problems.append(f"run {i}: acknowledged upload v{new_version} is not live")
            store = p.store()
            logged = {(r["version"], r["sha256"]) for r in store.rows(
                "SELECT version, sha256 FROM meta_upload_log WHERE status = 'accepted'")}
            versions = {r["version"] for r in store.rows("SELECT version FROM meta_version_log")}
            store.close()
            missing = [a for a in acked if a not in logged]
            if missing:
                tally["lost"] += len(missing)
                problems.append(f"run {i}: acknowledged uploads missing from the upload log: {missing}")
            if new_version not in versions:
                problems.append(f"run {i}: live version v{new_version} is not in the version log")
                tally["errors"] += 1
            if outcome == "new":
                state = target
            version = new_version
            if verbose:
                print(f"  {i + 1:>4}/{runs} {'kill' if killed else 'done'} {'@' + pause if pause else 'random':<12} "
                      f"phase={phase:<10} {outcome:<5} v{version} leftovers={len(left)}", flush=True)
    report = {
        "runs": runs, "killed": tally["killed"], "old": tally["old"], "new": tally["new"], "lost": tally["lost"],
        "errors": tally["errors"], "mixed": tally["mixed"], "acknowledged": len(acked),
        "by_phase": {k: dict(v) for k, v in sorted(by_phase.items())},
        "leftover_files_cleaned": cleaned,
        "recover_ms": {"max": round(max(recover_ms), 1) if recover_ms else None,
                       "median": round(sorted(recover_ms)[len(recover_ms) // 2], 1) if recover_ms else None},
        "loader_seconds": round(timings["total"], 2), "step_offsets_s": timings["steps"],
        "problems": problems[:50], "seed": seed, "seconds": round(time.time() - t_start, 1),
        "commit": _commit(), "cpus": os.cpu_count(),
    }
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    return report


def _commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def print_report(r: dict) -> None:
    print(f"混沌测试：{r['runs']} 次（其中 SIGKILL {r['killed']} 次），旧版本 {r['old']}，新版本 {r['new']}，"
          f"丢失已确认上传 {r['lost']}，错误 {r['errors']}（混合 {r['mixed']}），已确认上传 {r['acknowledged']} 个")
    print(f"清理残留文件 {r['leftover_files_cleaned']} 个；恢复+重新打开 最长 {r['recover_ms']['max']} ms，"
          f"中位 {r['recover_ms']['median']} ms；单次加载 {r['loader_seconds']} 秒；总用时 {r['seconds']} 秒")
    print("按被杀时所处阶段：")
    for phase, c in r["by_phase"].items():
        print(f"  {phase:<11} 次数 {sum(c.values()):>4}  旧 {c.get('old', 0):>4}  新 {c.get('new', 0):>4}  "
              f"混合 {c.get('mixed', 0)}")
    for line in r["problems"]:
        print("  问题：", line)


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench chaos", description="随机 SIGKILL 加载进程：重开后只能是旧版本或新版本")
    ap.add_argument("--runs", type=int, default=20 if os.environ.get("CI") else 200, help="次数（默认 200；CI 中 20）")
    ap.add_argument("--seed", type=int, default=20250101)
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "chaos.json"))
    args = ap.parse_args(argv)
    report = run(args.runs, Path(args.out), args.seed)
    print_report(report)
    print(f"\n结果已写入 {args.out}")
    return 0 if not (report["errors"] or report["lost"]) else 1
