"""Concurrency benchmark: N simulated viewers render pages in a loop while a publisher commits K new versions.

python -m bench concurrency [--viewers 20] [--publishes 3] [--data-dir D] [--quick] [--out bench/results/concurrency.json]

Each viewer is its own process holding one Streamlit AppTest session (AppTest is not thread-safe, and a process
per viewer also gives every viewer its own caches: the worst case, no viewer profits from another's cached
queries). A viewer opens one page, then reruns it in a loop (a leader clicking on the page every `think` seconds),
timing every rerun. The publisher, in this process, commits K uploads through etl.publish.validate/publish (the
path of `python -m etl load`), each making figures visible on the pages differ from the version before.

Mixed-version detector. Every page shows the snapshot it pinned for the render in the sidebar
("数据版本 vN"). Each render is reduced to a fingerprint: a hash of every text, metric, table and chart spec on the
page. After the run, each viewer renders its page again in a fresh session against a reference directory whose
CURRENT points at vN and nothing newer exists (the snapshot files are symlinked, immutable): that is what the
page shows when vN is the only data there is. A render is consistent iff its fingerprint equals the reference of
the version it displays; any figure, table or chart read from another version (or a caption from another
version) makes the hashes differ. The detector's power is reported per page: how many of the versions' references
differ once the version stamp itself is left out (a page whose figures no upload touched cannot show a mix of
figures, and says so).
A second check, "stale", counts renders that started after version V was committed yet still show an older one.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = Path(__file__).resolve().parent / "results" / "concurrency.json"
# Pages that read only the pinned snapshot (the upload, tracker, versions and admin pages also read the app
# store, which is deliberately not versioned: its logs may be newer than the pinned snapshot).
DEFAULT_PAGES = ("dashboard.py", "pages/2_organization.py", "pages/3_operation.py", "pages/4_deputies.py",
                 "pages/5_suggestions.py", "pages/6_party.py", "pages/7_livelihood.py", "pages/8_county.py",
                 "pages/9_township.py")
QUICK = dict(viewers=6, publishes=2, pages=("dashboard.py", "pages/2_organization.py", "pages/8_county.py"))
VERSION_RE = re.compile(r"数据版本 v(\d+)")
LIUYOU = "fact_township_liuyou"
SIX = ("has_organization", "has_venue", "has_staff", "has_rules", "has_equipment", "has_funding")
USER = "并发基准"


# --- the publisher: K uploads, each changing figures the pages show ------------------------------------------

@dataclass(frozen=True)
class Plan:
    year: int
    county: str
    townships: tuple[str, ...]   # townships meeting all six items in `year`; upload k un-sets 有机构 of the first k


def make_plan(p, publishes: int):
    """Choose the latest year and the county with the most townships meeting all six 六有 items."""
    from etl import publish
    from etl.problems import EtlError
    _, con = publish.open_snapshot(p)
    try:
        full = " AND ".join(SIX)
        row = con.execute(f"""SELECT year, left(township_code, 6) AS county, list(township_code ORDER BY township_code)
            FROM {LIUYOU} WHERE {full} GROUP BY ALL ORDER BY year DESC, count(*) DESC, county LIMIT 1""").fetchone()
    finally:
        con.close()
    if row is None or len(row[2]) < publishes:
        raise EtlError(f"数据中没有足够的“六有”全部达标的乡镇（需要 {publishes} 个）来生成可区分的测试版本。")
    return Plan(int(row[0]), row[1], tuple(row[2][:publishes]))


def liuyou_upload(p, year: int, townships: tuple[str, ...] | list[str], name: str = "六有.csv") -> tuple[str, bytes]:
    """An upsert of these townships' 六有 rows of `year` as they are now, but with 有机构 = 否."""
    from etl import publish, schema
    from etl.demo.writer import cell
    t = schema.BY_NAME[LIUYOU]
    cols = [c for c in t.columns if not c.derived_from]
    _, con = publish.open_snapshot(p)
    try:
        rows = con.execute(f"SELECT {', '.join(c.name for c in cols)} FROM {LIUYOU} WHERE year = ? AND "
                           f"township_code IN ({','.join('?' * len(townships))}) ORDER BY township_code",
                           (year, *townships)).fetchall()
    finally:
        con.close()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.header for c in cols])
    org = [c.name for c in cols].index("has_organization")
    for r in rows:
        r = list(r)
        r[org] = False
        writer.writerow([cell(c, v) for c, v in zip(cols, r)])
    return name, out.getvalue().encode("utf-8-sig")


def version_upload(p, plan: Plan, k: int) -> tuple[str, bytes]:
    """Upload k of the run: the first k planned townships lose 有机构, so every k gives different figures."""
    return liuyou_upload(p, plan.year, plan.townships[:k], f"并发基准_{k}.csv")


def publish_version(p, plan: Plan, k: int) -> int:
    from etl import publish, schema
    from etl.problems import ValidationFailed
    batch = publish.validate(p, [version_upload(p, plan, k)], LIUYOU, {LIUYOU: schema.UPSERT})
    try:
        if not batch.ok:
            raise ValidationFailed(batch.problems)
        return publish.publish(p, batch, USER, f"并发基准第{k}次发布")
    finally:
        batch.close()


# --- what a render showed ---------------------------------------------------------------------------------

def version_of(at) -> int | None:
    for c in at.caption:
        m = VERSION_RE.search(str(c.value))
        if m:
            return int(m.group(1))
    return None


def page_parts(at, texts: dict | None = None) -> list[str]:
    """Everything the render put on the page, one short hash per element (texts, metrics, tables, widgets,
    chart specs), prefixed by its kind and position so a mismatch can be located."""
    parts = []

    def put(kind: str, i: int, *value) -> None:
        text = json.dumps(value, ensure_ascii=False, default=str)
        digest = hashlib.sha256(text.encode()).hexdigest()[:10]
        parts.append(f"{kind}{i}:{digest}")
        if texts is not None:  # --explain: keep what was shown, to say what differed
            texts[parts[-1]] = text[:3000]

    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning", "success", "error",
                 "exception", "text", "code", "latex"):
        for i, el in enumerate(getattr(at, kind)):
            stamp = kind == "caption" and VERSION_RE.search(str(el.value))
            put("stamp" if stamp else kind, i, el.value)  # the version stamp itself is not a figure
    for i, el in enumerate(at.metric):
        put("metric", i, el.label, el.value, getattr(el.proto, "delta", ""))
    for i, el in enumerate(at.selectbox):
        put("selectbox", i, el.label, el.value, list(el.options))
    for i, el in enumerate(list(at.dataframe) + list(at.table)):
        put("frame", i, el.value.to_csv())
    for i, el in enumerate(at.get("plotly_chart")):
        put("plotly", i, el.proto.spec)
    return parts


def fingerprint(parts: list[str]) -> str:
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def errors_of(at) -> list[str]:
    return [str(e.value)[:300] for e in at.exception] + [str(e.value)[:300] for e in at.error]


def open_page(page: str, timeout: float):
    """A leader's session on `page` (data dir from $NPC_DATA_DIR), first render done."""
    from streamlit.testing.v1 import AppTest

    from etl.auth import Account
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=timeout)
    at.session_state["account"] = Account("bench_viewer", "并发基准", "leader")
    at.session_state["last_seen"] = time.time() + 7 * 24 * 3600
    at.run()
    if page != "dashboard.py":
        at.switch_page(page)
        at.run()
    return at


# --- one viewer process ---------------------------------------------------------------------------------

def viewer_main(cfg_path: str) -> None:
    cfg = json.loads(Path(cfg_path).read_text(encoding="utf-8"))
    run_dir, vid, page = Path(cfg["run_dir"]), cfg["viewer"], cfg["page"]
    with open(run_dir / f"viewer-{vid}.jsonl", "a", encoding="utf-8") as log:
        _view(cfg, run_dir, vid, page, log)


def _view(cfg: dict, run_dir: Path, vid: int, page: str, log) -> None:
    """Open the page, rerun it until told to stop, then (one viewer per page) render the references."""
    def record(**rec) -> None:
        log.write(json.dumps({"viewer": vid, "page": page, **rec}, ensure_ascii=False) + "\n")
        log.flush()

    os.environ["NPC_DATA_DIR"] = cfg["data_dir"]
    t0 = time.perf_counter()
    at = open_page(page, cfg["timeout"])
    record(kind="cold", seconds=time.perf_counter() - t0, version=version_of(at), errors=errors_of(at))
    (run_dir / f"ready-{vid}").touch()
    done = 0
    while not ((run_dir / "stop").exists() and done >= cfg["min_renders"]):
        start, t = time.time(), time.perf_counter()
        try:
            at.run()
            texts = {} if cfg.get("explain") else None
            parts = page_parts(at, texts)
            rec = dict(version=version_of(at), fp=fingerprint(parts), parts=parts, errors=errors_of(at), texts=texts)
        except Exception as exc:  # a timeout or a crash of the harness itself: an error, never hidden
            rec = dict(version=None, fp=None, errors=[f"{type(exc).__name__}: {exc}"[:300]])
        record(kind="render", start=start, seconds=time.perf_counter() - t, **rec)
        done += 1
        time.sleep(cfg["think"])
    refs_file = run_dir / "refs.json"
    while not refs_file.exists():
        time.sleep(0.1)
    refs = json.loads(refs_file.read_text(encoding="utf-8"))
    if vid in refs["reference_viewers"]:  # one viewer per page renders the references of every version
        import streamlit as st
        st.cache_data.clear()  # the references compute everything afresh
        for v, ref_dir in refs["dirs"].items():
            os.environ["NPC_DATA_DIR"] = ref_dir
            ref = open_page(page, cfg["timeout"])
            ref.run()  # the steady state a rerun shows
            texts = {} if cfg.get("explain") else None
            parts = page_parts(ref, texts)
            record(kind="reference", version=int(v), shown=version_of(ref), fp=fingerprint(parts), parts=parts,
                   errors=errors_of(ref), texts=texts)


# --- the coordinator ---------------------------------------------------------------------------------------

def reference_dir(p, version: int, target: Path) -> Path:
    """A data directory where `version` is current and the latest: its snapshot symlinked, the app store copied."""
    wh = target / "warehouse"
    wh.mkdir(parents=True, exist_ok=True)
    (wh / p.snapshot(version).name).symlink_to(p.snapshot(version))
    (wh / "CURRENT").write_text(f"{p.snapshot(version).name}\n", encoding="utf-8")
    if p.app_db.exists():
        shutil.copyfile(p.app_db, target / "app.sqlite")
    return target


def _records(run_dir: Path) -> list[dict]:
    out = []
    for f in sorted(run_dir.glob("viewer-*.jsonl")):
        out += [json.loads(line) for line in f.read_text(encoding="utf-8").splitlines() if line.strip()]
    return out


def _tail(path: Path, n: int = 2000) -> str:
    return path.read_text(encoding="utf-8", errors="replace")[-n:] if path.exists() else ""


def _wait(cond, procs, run_dir: Path, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        dead = [i for i, pr in enumerate(procs) if pr.poll() not in (None, 0)]
        if dead:
            raise RuntimeError(f"viewer {dead[0]} exited: {_tail(run_dir / f'viewer-{dead[0]}.err')}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not done after {timeout:.0f} s")
        time.sleep(0.2)


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(q * (len(s) - 1))))]  # nearest rank


def run(data_dir: Path | None = None, viewers: int = 20, publishes: int = 3, pages: tuple[str, ...] = DEFAULT_PAGES,
        think: float = 1.0, gap: float = 3.0, min_renders: int = 2, timeout: float = 600.0, out: Path | None = None,
        allow_real: bool = False, explain: bool = False, baseline: float = 0.0) -> dict:
    """Run the benchmark; returns (and writes to `out`) the report. Publishes `publishes` versions into data_dir."""
    from etl import publish
    from etl.problems import EtlError
    tmp = Path(tempfile.mkdtemp(prefix="bench_concurrency_"))
    try:
        if data_dir is None:
            data_dir = tmp / "data"
            publish.build(publish.data_paths(data_dir), publish.DEMO_DIR, user=USER)
        p = publish.data_paths(Path(data_dir).resolve())
        if publish.current_version(p) is None:
            raise EtlError(f"数据目录 {p.root} 中没有已发布的数据。")
        if not allow_real and not _is_demo(p):
            raise EtlError("该数据目录不是演示/生成数据：基准会向其中发布测试版本，请用其副本运行（或加 --allow-real）。")
        plan = make_plan(p, publishes)
        base = publish.current_version(p)
        run_dir = tmp / "run"
        run_dir.mkdir()
        env = {**os.environ, "PYTHONPATH": str(ROOT), "NPC_DATA_DIR": str(p.root)}
        procs = []
        t_launch = time.time()
        viewer_pages = [pages[vid % len(pages)] for vid in range(viewers)]
        for vid in range(viewers):
            cfg = run_dir / f"viewer-{vid}.json"
            cfg.write_text(json.dumps({"run_dir": str(run_dir), "viewer": vid, "page": viewer_pages[vid],
                                       "data_dir": str(p.root), "think": think, "min_renders": min_renders,
                                       "timeout": timeout, "explain": explain}), encoding="utf-8")
            with open(run_dir / f"viewer-{vid}.err", "w") as err:  # the child keeps its own descriptor
                procs.append(subprocess.Popen(
                    [sys.executable, "-c", "import sys; from bench.concurrency import viewer_main; viewer_main(sys.argv[1])",
                     str(cfg)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=err))
        try:
            _wait(lambda: len(list(run_dir.glob("ready-*"))) == viewers, procs, run_dir, timeout, "cold start")
            t_ready = time.time()
            commits = []
            time.sleep(max(gap, baseline))  # renders before the first publish: the reference latency
            for k in range(1, publishes + 1):
                start = time.time()
                version = publish_version(p, plan, k)
                commits.append({"version": version, "start": start, "end": time.time(),
                                "seconds": round(time.time() - start, 3)})
                time.sleep(gap)
            last = commits[-1]["end"] if commits else time.time()

            def caught_up() -> bool:
                recs = [r for r in _records(run_dir) if r["kind"] == "render" and r["start"] > last]
                return all(sum(1 for r in recs if r["viewer"] == v) >= min_renders for v in range(viewers))
            _wait(caught_up, procs, run_dir, timeout, "renders after the last publish")
            (run_dir / "stop").touch()
            dirs = {v: str(reference_dir(p, v, tmp / f"ref-{v}")) for v in [base] + [c["version"] for c in commits]}
            first = [viewer_pages.index(pg) for pg in dict.fromkeys(viewer_pages)]  # one per page
            (run_dir / "refs.tmp").write_text(json.dumps({"dirs": dirs, "reference_viewers": first}), encoding="utf-8")
            os.replace(run_dir / "refs.tmp", run_dir / "refs.json")
            _wait(lambda: all(pr.poll() is not None for pr in procs), procs, run_dir, timeout, "references")
        finally:
            for pr in procs:
                if pr.poll() is None:
                    pr.kill()
                    pr.wait()
        report = analyse(_records(run_dir), commits, base, dict(
            data_dir=str(p.root), viewers=viewers, publishes=publishes, pages=list(pages), think_s=think, gap_s=gap,
            plan=asdict(plan), cold_start_wall_s=round(t_ready - t_launch, 2), baseline_s=max(gap, baseline)))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    return report


def _is_demo(p) -> bool:
    from etl import publish
    _, con = publish.open_snapshot(p)
    try:
        return bool(con.execute("SELECT bool_and(coalesce(is_demo, FALSE)) FROM dim_county").fetchone()[0])
    finally:
        con.close()


def analyse(records: list[dict], commits: list[dict], base: int, settings: dict) -> dict:
    renders = [r for r in records if r["kind"] == "render"]
    refs = {(r["page"], r["version"]): r for r in records if r["kind"] == "reference"}
    cold = [r["seconds"] for r in records if r["kind"] == "cold"]
    errors = [r for r in records if r.get("errors")]
    unversioned = [r for r in renders if r["version"] is None and not r["errors"]]
    mixed = [r for r in renders if r["version"] is not None and not r["errors"]
             and r["fp"] != refs.get((r["page"], r["version"]), {}).get("fp")]
    bad_refs = [r for r in refs.values() if r["shown"] != r["version"]]
    stale = [r for r in renders if r["version"] is not None
             and any(c["end"] < r["start"] and r["version"] < c["version"] for c in commits)]
    first = commits[0]["start"] if commits else float("inf")
    before = [r["seconds"] for r in renders if r["start"] + r["seconds"] < first]
    during = [r["seconds"] for r in renders
              if any(r["start"] < c["end"] and r["start"] + r["seconds"] > c["start"] for c in commits)]
    secs = [r["seconds"] for r in renders]
    final = commits[-1]["version"] if commits else base
    power = {}
    for page in settings["pages"]:
        fps = {v: fingerprint([q for q in r["parts"] if not q.startswith("stamp")])
               for (pg, v), r in refs.items() if pg == page}
        power[page] = {"versions": len(fps), "distinct_references": len(set(fps.values()))}
    viewers_final = len({r["viewer"] for r in renders if r["version"] == final})
    return {
        "measured_at": time.strftime("%Y-%m-%d %H:%M:%S"),
        "machine": {"nproc": os.cpu_count(), "loadavg": [round(x, 2) for x in os.getloadavg()],
                    "python": sys.version.split()[0]},
        "settings": settings,
        "base_version": base, "commits": [{k: c[k] for k in ("version", "seconds")} for c in commits],
        "renders": len(renders), "renders_during_publish": len(during),
        "p50_s": _r(pct(secs, 0.5)), "p95_s": _r(pct(secs, 0.95)), "max_s": _r(max(secs) if secs else None),
        "during_publish_p50_s": _r(pct(during, 0.5)), "during_publish_p95_s": _r(pct(during, 0.95)),
        "renders_before_publish": len(before),
        "before_publish_p50_s": _r(pct(before, 0.5)), "before_publish_p95_s": _r(pct(before, 0.95)),
        "cold_start_median_s": _r(statistics.median(cold) if cold else None),
        "errors": len(errors), "mixed": len(mixed), "unversioned": len(unversioned), "stale": len(stale),
        "bad_references": len(bad_refs),
        "viewers_seeing_final_version": viewers_final,
        "versions_seen": sorted({r["version"] for r in renders if r["version"] is not None}),
        "detector_power": power,
        "error_samples": [e["errors"][0] for e in errors[:5]],
        "mixed_samples": [dict(viewer=m["viewer"], page=m["page"], version=m["version"], start=m["start"],
                               differs=_differs(m, refs.get((m["page"], m["version"]), {})))
                          for m in mixed[:5]],
    }


def _differs(m: dict, ref: dict) -> list:
    """The elements of a render that are not in its reference (kind+position:hash; with --explain, both texts)."""
    mine, theirs = set(m["parts"]), set(ref.get("parts") or [])
    out = []
    for part in sorted(mine - theirs)[:10]:
        if m.get("texts"):
            key = part.split(":")[0]
            other = next((q for q in ref.get("parts") or [] if q.split(":")[0] == key), None)
            out.append({"element": key, "shown": m["texts"].get(part), "reference": (ref.get("texts") or {}).get(other)})
        else:
            out.append(part)
    return out


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 3)


def print_report(r: dict) -> None:
    s = r["settings"]
    print(f"{s['viewers']} 个并发查看者（每人一个进程、一个会话，间隔 {s['think_s']} 秒重跑所在页面），"
          f"同时发布 {s['publishes']} 个新版本：")
    print(f"  渲染 {r['renders']} 次（其中与发布重叠 {r['renders_during_publish']} 次）；"
          f"p50 {r['p50_s']} 秒，p95 {r['p95_s']} 秒，最长 {r['max_s']} 秒；"
          f"发布期间 p50 {r['during_publish_p50_s']} 秒，p95 {r['during_publish_p95_s']} 秒")
    print(f"  对照（首次发布之前的 {r['renders_before_publish']} 次渲染）：p50 {r['before_publish_p50_s']} 秒，"
          f"p95 {r['before_publish_p95_s']} 秒")
    print(f"  冷启动中位数 {r['cold_start_median_s']} 秒；发布用时 {[c['seconds'] for c in r['commits']]} 秒")
    print(f"  错误 {r['errors']}，混合版本 {r['mixed']}，无版本标记 {r['unversioned']}，发布后仍显示旧版本 {r['stale']}；"
          f"看到最终版本的查看者 {r['viewers_seeing_final_version']}/{s['viewers']}")
    power = ", ".join(f"{Path(k).stem}: {v['distinct_references']}/{v['versions']}" for k, v in r["detector_power"].items())
    print(f"  检测力（不计版本标记，各版本参考渲染中互不相同的数目/版本数）：{power}")


def main(argv: list[str]) -> int:
    import argparse
    ap = argparse.ArgumentParser(prog="python -m bench concurrency",
                                 description="并发查看者渲染页面的同时发布新版本：渲染时间、错误、混合版本")
    ap.add_argument("--viewers", type=int, default=None, help="并发查看者数（默认 20；--quick 为 6）")
    ap.add_argument("--publishes", type=int, default=None, help="运行期间发布的版本数（默认 3；--quick 为 2）")
    ap.add_argument("--data-dir", default=None, help="已有的数据目录（会向其中发布测试版本；默认临时建立演示仓库）")
    ap.add_argument("--pages", default=None, help="逗号分隔的页面文件（默认全部只读快照的数据页）")
    ap.add_argument("--think", type=float, default=1.0, help="每次重跑之间的间隔秒数（默认 1）")
    ap.add_argument("--gap", type=float, default=3.0, help="两次发布之间的间隔秒数（默认 3）")
    ap.add_argument("--baseline", type=float, default=None, help="首次发布前只渲染不发布的秒数，作对照（默认 20；--quick 为 3）")
    ap.add_argument("--timeout", type=float, default=600.0, help="冷启动、单次渲染与收尾的超时秒数（默认 600，大规模数据可加大）")
    ap.add_argument("--quick", action="store_true", help="快速模式：6 个查看者、2 次发布、3 个页面")
    ap.add_argument("--explain", action="store_true", help="保存页面内容，混合版本时列出不同之处（排查用）")
    ap.add_argument("--allow-real", action="store_true", help="允许在非演示数据目录上运行（会发布测试版本）")
    ap.add_argument("--out", default=None, help="结果 JSON（默认 bench/results/concurrency.json，--quick 为 concurrency_quick.json）")
    args = ap.parse_args(argv)
    pages = tuple(args.pages.split(",")) if args.pages else (QUICK["pages"] if args.quick else DEFAULT_PAGES)
    viewers = args.viewers or (QUICK["viewers"] if args.quick else 20)
    publishes = args.publishes or (QUICK["publishes"] if args.quick else 3)
    out = Path(args.out) if args.out else DEFAULT_OUT.with_name("concurrency_quick.json" if args.quick else DEFAULT_OUT.name)
    report = run(Path(args.data_dir) if args.data_dir else None, viewers, publishes, pages, args.think,
                 1.0 if args.quick else args.gap, timeout=args.timeout, out=out, allow_real=args.allow_real,
                 baseline=args.baseline if args.baseline is not None else (3.0 if args.quick else 20.0),
                 explain=args.explain)
    print_report(report)
    print(f"\n结果已写入 {out}")
    return 0 if report["errors"] == report["mixed"] == report["unversioned"] == report["stale"] == 0 else 1
