"""Load benchmark: bare DuckDB read vs read_upload vs validate vs validate + publish, side by side.

A child process builds a demo warehouse and a generated fact_suggestion CSV in a temp dir; then every
measurement runs in a fresh subprocess (`python -m bench.load '<json>'`) so that ru_maxrss is the peak of that
step alone (the parent stays small: ru_maxrss carries the parent's peak across exec). Steps are interleaved (a, b, c, d, a, b, …) so that noise from other work on the machine hits
all of them alike; the median of the repeats is reported, never a single run.
"""
from __future__ import annotations

import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CSV_NAME = "fact_suggestion_bench.csv"
STEPS = ("duckdb_file", "duckdb_mem", "read", "validate", "load")
LABELS = {
    "duckdb_file": "(a) DuckDB 裸读入 .duckdb 文件",
    "duckdb_mem": "(a) DuckDB 裸读入内存",
    "read": "(b) read_upload 仅解析",
    "validate": "(c) 校验（读取+validate_batch）",
    "load": "(d) 完整入库（校验+发布）",
}
REFERENCES = ("duckdb_file", "duckdb_mem")
TARGET_RATIO = 0.25
TARGET_PEAK_MB = 2048
PRODUCT_MAX_BYTES = 50 * 1024 * 1024   # etl.read.Limits.max_bytes: the product refuses bigger uploads
BENCH_MAX_BYTES = 2 * 1024 ** 3        # raised for the benchmark only, so that 1M rows can be measured


# ------------------------------------------------------------------ the subprocess side

def _maxrss_mb(who=resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # Linux: KiB


def _hwm_mb() -> float | None:
    """VmHWM: peak RSS of this address space only (Linux). A cross-check of ru_maxrss, which after exec also
    carries the parent's peak — the reason the parent stays small and does the heavy preparation in a child."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _prepare(rows: int, tmp: Path) -> dict:
    """Build the demo warehouse and generate the CSV (in a child, so the parent's RSS stays small)."""
    import duckdb
    import numpy
    import pandas
    import pyarrow

    from bench import gen
    t0 = time.perf_counter()
    p = gen.build_warehouse(tmp / "template" / "data")
    build_s = time.perf_counter() - t0
    csv = tmp / CSV_NAME
    t0 = time.perf_counter()
    size = gen.generate(p, rows, csv)
    return dict(rows=rows, seconds=time.perf_counter() - t0, build_seconds=build_s, bytes=size, csv=str(csv),
                warehouse=str(p.root), versions=dict(duckdb=duckdb.__version__, pyarrow=pyarrow.__version__,
                                                     numpy=numpy.__version__, pandas=pandas.__version__))


def _bench_limits():
    """read_upload with the upload size cap raised (this process only); etl/ itself is not changed."""
    import functools

    from etl import read, validate
    limits = read.Limits(max_bytes=BENCH_MAX_BYTES)
    validate.read_upload = functools.partial(read.read_upload, limits=limits)
    return limits


def _bare(csv: Path, db: str) -> dict:
    import duckdb
    con = duckdb.connect(db)
    base = _maxrss_mb()
    t0 = time.perf_counter()
    con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{csv}', all_varchar = true, header = true)")
    rows = con.execute("SELECT count(*) FROM t").fetchone()[0]
    con.close()  # a file database checkpoints on close: part of writing it
    return dict(seconds=time.perf_counter() - t0, rows=rows, baseline_mb=base)


def _read(csv: Path) -> dict:
    from etl.read import read_upload
    limits = _bench_limits()
    base = _maxrss_mb()
    t0 = time.perf_counter()
    raw = read_upload(csv.name, csv.read_bytes(), limits)
    return dict(seconds=time.perf_counter() - t0, rows=raw.table.num_rows, baseline_mb=base)


def _validate(csv: Path, warehouse_root: Path) -> dict:
    from etl import publish
    _bench_limits()
    p = publish.data_paths(warehouse_root)
    base = _maxrss_mb()
    t0 = time.perf_counter()
    batch = publish.validate(p, [(csv.name, csv.read_bytes())])
    seconds = time.perf_counter() - t0
    rows, counts = batch.files[0].rows, dict(batch.counts)
    if not batch.ok:
        raise SystemExit(f"generated file is not valid: {counts} {batch.problems[:5]}")
    batch.close()
    return dict(seconds=seconds, rows=rows, baseline_mb=base, problems=counts)


def _load(csv: Path, template: Path, scratch: Path, profiling: bool = False) -> dict:
    from bench import profile
    from etl import publish
    _bench_limits()
    root = scratch / "data"
    shutil.copytree(template, root)
    p = publish.data_paths(root)
    before = publish.current_version(p)
    if profiling:
        profile.install()
    base = _maxrss_mb()
    t0 = time.perf_counter()
    with profile.phase("校验（其余Python）"):
        batch = publish.validate(p, [(csv.name, csv.read_bytes())])
    t1 = time.perf_counter()
    if not batch.ok:
        raise SystemExit(f"generated file is not valid: {batch.counts} {batch.problems[:5]}")
    drill = {}
    if profiling:  # on the validation connection, which the publish closes once the rows are in the snapshot
        for key, fn in (("checks", profile.time_checks), ("staging_columns", profile.time_staging_columns)):
            try:  # drill-downs lean on etl/ internals: a change there must not lose the whole run
                drill[key] = fn(batch.con) if key == "checks" else fn(batch.con, "fact_suggestion")
            except Exception as exc:  # noqa: BLE001
                drill[key], drill[f"{key}_error"] = [], f"{type(exc).__name__}: {exc}"[:500]
    t1b = time.perf_counter()
    with profile.phase("发布（其余Python）"):
        version = publish.publish(p, batch, "性能测试", "性能基准")
    t2 = time.perf_counter() - (t1b - t1)        # the drill-downs are not part of the load
    out = dict(seconds=t2 - t0, validate_seconds=t1 - t0, publish_seconds=t2 - t1, rows=batch.files[0].rows,
               baseline_mb=base, version=version, problems=dict(batch.counts))
    if profiling:
        out["phases"] = sorted(([k, v, profile.COUNTS[k]] for k, v in profile.PHASES.items()), key=lambda x: -x[1])
        out["statements"] = profile.top_statements()
        out.update(drill)
    batch.close()
    _, con = publish.open_snapshot(p)
    loaded = con.execute("SELECT count(*) FROM fact_suggestion WHERE suggestion_id LIKE 'BM%'").fetchone()[0]
    con.close()
    if version != before + 1 or loaded != out["rows"]:
        raise SystemExit(f"publish did not load the rows: v{before}->v{version}, {loaded} rows")
    return out


def worker(args: dict) -> dict:
    step, csv, scratch = args["step"], Path(args["csv"]), Path(args["scratch"])
    if step == "duckdb_file":
        out = _bare(csv, str(scratch / "bare.duckdb"))
    elif step == "duckdb_mem":
        out = _bare(csv, ":memory:")
    elif step == "read":
        out = _read(csv)
    elif step == "validate":
        out = _validate(csv, Path(args["warehouse"]))
    elif step == "prepare":
        return _prepare(args["rows"], scratch)
    elif step in ("load", "profile"):
        out = _load(csv, Path(args["warehouse"]), scratch, profiling=step == "profile")
    else:
        raise SystemExit(f"unknown step {step}")
    out.update(step=step, peak_mb=_maxrss_mb(), hwm_mb=_hwm_mb(), children_peak_mb=_maxrss_mb(resource.RUSAGE_CHILDREN),
               parent_peak_mb=args.get("parent_peak_mb"))
    return out


# ------------------------------------------------------------------ the parent side

def _spawn(step: str, csv: Path | None, warehouse: Path | None, tmp: Path, **extra) -> dict:
    scratch = tmp if step == "prepare" else Path(tempfile.mkdtemp(prefix=f"{step}_", dir=tmp))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    arg = json.dumps(dict(step=step, csv=str(csv), warehouse=str(warehouse), scratch=str(scratch),
                          parent_peak_mb=_maxrss_mb(), **extra))
    try:
        done = subprocess.run([sys.executable, "-m", "bench.load", arg], cwd=ROOT, env=env,
                              capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"步骤 {step} 失败（退出码 {done.returncode}）：\n{done.stderr[-3000:]}")
        return json.loads(done.stdout.strip().splitlines()[-1])
    finally:
        if scratch != tmp:
            shutil.rmtree(scratch, ignore_errors=True)


def _git() -> dict:
    def git(*a):
        r = subprocess.run(["git", *a], cwd=ROOT, capture_output=True, text=True, check=False)
        return r.stdout.strip() if r.returncode == 0 else None
    if os.environ.get("BENCH_GIT_COMMIT"):  # a clean export of a commit (git archive), see docs/performance.md
        return dict(commit=os.environ["BENCH_GIT_COMMIT"], dirty_files=[], source="git archive")
    dirty = git("status", "--porcelain", "--untracked-files=no")
    return dict(commit=git("rev-parse", "HEAD"), dirty_files=dirty.splitlines() if dirty else [], source="working tree")


def machine() -> dict:
    mem = None
    try:
        mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024 ** 3
    except (ValueError, OSError):
        pass
    return dict(nproc=os.cpu_count(), affinity=len(os.sched_getaffinity(0)), memory_gb=round(mem, 1) if mem else None,
                loadavg_start=list(os.getloadavg()), platform=platform.platform(), python=platform.python_version(),
                **_git())


def summarise(runs: dict[str, list[dict]], rows: int) -> dict:
    out = {}
    for step, rs in runs.items():
        secs = [r["seconds"] for r in rs]
        med = statistics.median(secs)
        out[step] = dict(label=LABELS[step], median_seconds=med, min_seconds=min(secs), max_seconds=max(secs),
                         rows_per_s=rows / med, peak_mb=max(r["peak_mb"] for r in rs),
                         hwm_mb=max((r["hwm_mb"] or 0) for r in rs),
                         baseline_mb=statistics.median(r["baseline_mb"] for r in rs))
        if step == "load":
            out[step]["median_validate_seconds"] = statistics.median(r["validate_seconds"] for r in rs)
            out[step]["median_publish_seconds"] = statistics.median(r["publish_seconds"] for r in rs)
    return out


def ratios(summary: dict) -> dict:
    out = {}
    for what in ("validate", "load"):
        for ref in REFERENCES:
            r = summary[what]["rows_per_s"] / summary[ref]["rows_per_s"]
            out[f"{what}/{ref}"] = dict(ratio=r, meets_ratio=r >= TARGET_RATIO,
                                        peak_mb=summary[what]["peak_mb"],
                                        meets_memory=summary[what]["peak_mb"] < TARGET_PEAK_MB,
                                        meets_target=r >= TARGET_RATIO and summary[what]["peak_mb"] < TARGET_PEAK_MB)
    return out


def run(rows: int, out: Path | None, repeat: int = 3, profile: bool = True, log=print) -> dict:
    info = machine()
    tmp = Path(tempfile.mkdtemp(prefix="npc_bench_"))
    try:
        log(f"临时目录：{tmp}")
        prep = _spawn("prepare", None, None, tmp, rows=rows)
        info.update(prep["versions"])
        build_s, gen_s, size = prep["build_seconds"], prep["seconds"], prep["bytes"]
        csv, warehouse = Path(prep["csv"]), Path(prep["warehouse"])
        log(f"已由 data/demo 建立演示仓库（{build_s:.1f} 秒）")
        log(f"已生成 {rows:,} 行代表建议 CSV：{size / 1048576:.1f} MB（{gen_s:.1f} 秒）")
        runs: dict[str, list[dict]] = {s: [] for s in STEPS}
        for i in range(repeat):
            for step in STEPS:
                r = _spawn(step, csv, warehouse, tmp)
                if r["rows"] != rows:
                    raise RuntimeError(f"步骤 {step} 读到 {r['rows']} 行，应为 {rows} 行")
                runs[step].append(r)
                log(f"  第{i + 1}轮 {LABELS[step]}：{r['seconds']:.2f} 秒，峰值内存 {r['peak_mb']:.0f} MB")
        prof = None
        if profile:
            log("分阶段计时（单独一次，不计入上表）…")
            prof = _spawn("profile", csv, warehouse, tmp)
        summary = summarise(runs, rows)
        result = dict(
            benchmark="load", created=time.strftime("%Y-%m-%dT%H:%M:%S%z"), machine=info,
            loadavg_end=list(os.getloadavg()),
            input=dict(table="fact_suggestion", rows=rows, bytes=size, bytes_per_row=size / rows, encoding="utf-8-sig",
                       generator="bench/gen.py", generate_seconds=gen_s, warehouse_build_seconds=build_s,
                       product_max_bytes=PRODUCT_MAX_BYTES, bench_max_bytes=BENCH_MAX_BYTES,
                       rows_at_product_cap=int(PRODUCT_MAX_BYTES / (size / rows))),
            parent_peak_mb=_maxrss_mb(), repeat=repeat, runs=runs, summary=summary, ratios=ratios(summary),
            targets=dict(ratio=TARGET_RATIO, peak_mb=TARGET_PEAK_MB), profile=prof)
        if out is not None:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
        return result
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _w(text: str) -> int:
    """Display width: CJK and full-width characters take two columns."""
    import unicodedata
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _ljust(text: str, width: int) -> str:
    return text + " " * max(0, width - _w(text))


def _rjust(text: str, width: int) -> str:
    return " " * max(0, width - _w(text)) + text


def report(result: dict) -> str:
    """The Chinese summary table printed at the end of a run."""
    m, s, inp = result["machine"], result["summary"], result["input"]
    lines = [
        f"代表建议入库基准：{inp['rows']:,} 行，{inp['bytes'] / 1048576:.1f} MB（UTF-8 带BOM），每项取 {result['repeat']} 次中位数",
        f"机器：{m['nproc']} 核，内存 {m['memory_gb']} GB，开始时负载 {m['loadavg_start'][0]:.2f}，"
        f"Python {m['python']}，DuckDB {m['duckdb']}，提交 {(m['commit'] or '?')[:10]}"
        + ("（工作区有未提交改动）" if m["dirty_files"] else ""),
        "",
        _ljust("步骤", 36) + _rjust("中位秒数", 10) + _rjust("行/秒", 14) + _rjust("峰值内存MB", 13),
    ]
    for step in STEPS:
        x = s[step]
        lines.append(_ljust(LABELS[step], 36) + f"{x['median_seconds']:>10.2f}{x['rows_per_s']:>14,.0f}{x['peak_mb']:>13.0f}")
    if "load" in s:
        lines.append(f"  其中 (d) 校验 {s['load']['median_validate_seconds']:.2f} 秒，发布 {s['load']['median_publish_seconds']:.2f} 秒")
    lines += ["", f"比值（目标：≥{TARGET_RATIO:.0%} 且峰值内存 < {TARGET_PEAK_MB} MB）"]
    for key, r in result["ratios"].items():
        what, ref = key.split("/")
        ok = "达标" if r["meets_target"] else "未达标"
        lines.append(f"  {LABELS[what]} ÷ {LABELS[ref]}：{r['ratio']:.1%}，峰值 {r['peak_mb']:.0f} MB → {ok}")
    if inp["bytes"] > inp["product_max_bytes"]:
        lines.append(f"注意：产品的上传上限为 {inp['product_max_bytes'] // 1048576} MB（约 {inp['rows_at_product_cap']:,} 行），"
                     "本基准仅在测试进程内放宽该上限。")
    prof = result.get("profile")
    if prof:
        total = prof["seconds"]
        lines += ["", f"完整入库分阶段耗时（单独一次，共 {total:.1f} 秒）"]
        for name, sec, _ in prof["phases"][:10]:
            lines.append(f"  {sec:>7.2f} 秒 {sec / total:>6.1%}  {name}")
        lines += ["", "最慢的单条SQL"]
        for name, sec, sql in prof.get("statements", [])[:6]:
            lines.append(f"  {sec:>7.2f} 秒  [{name}] {sql[:70]}")
        lines += ["", "最慢的单项检查（单独运行）"]
        for name, sec in prof["checks"][:8]:
            lines.append(f"  {sec:>7.2f} 秒  {name}")
    return "\n".join(lines)


if __name__ == "__main__":
    print(json.dumps(worker(json.loads(sys.argv[1])), ensure_ascii=False))
