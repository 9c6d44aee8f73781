"""python -m bench --scale city|province|nation [--quick]: generation, validated load and publish at scale.

Every step runs in its own child process (peak RSS = that child's ru_maxrss, incl. its own workers):
  generate  write the scale's CSV files (etl/demo/scale.py), rows per table;
  bare      DuckDB read_csv of the same files into a .duckdb file (the physical reference; GB18030 files are
            transcoded to UTF-8 beforehand, untimed, as DuckDB cannot read them offline; skipped with fill);
  load      the validated load: publish.validate + publish.publish of all files as one batch (what
            `python -m etl build --source DIR` does), files passed as paths so each is read only while it is
            staged; the scratch DuckDB spills above $NPC_LOAD_MEMORY; ratio = load rows/s ÷ bare rows/s
            (target ≥ 0.25); validate_peak_mb = peak RSS after validation, peak_mb includes the publish (marts).
            Nation (--validated): validation completes with NPC_LOAD_MEMORY ≥ 3GB, but the publish's commit
            needs the snapshot's primary-key indexes in memory (> 8 GB), see docs/performance.md;
  fill      (nation by default, or --fill) instead of load: the files copied straight into the tables with
            DuckDB, no validation, marts built in place — only to measure the publish at that size;
  publish   a new version: (full) snapshot copy + every mart (seconds per etl/sql file) + policy warnings +
            CHECKPOINT, as after a code upgrade; then the product's publish of one county's year of 代表建议 and
            of 履职积分, which rebuilds only the marts and warnings those tables feed (target nation ≤ 60 s).
--quick: a 1-city province over 2 years, same JSON shape, bench/results/scale_quick.json.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "results"
WORK = Path(__file__).resolve().parent / "work"           # .gitignored
TARGETS = {"ratio": 0.25, "publish_seconds": {"nation": 60}, "peak_mb": 1536}
QUICK = {"counties": 8, "years": 2}


def _peak_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return round(max(own, kids) / 1024, 1)


# ------------------------------------------------------------------ child steps

def step_generate(a: dict) -> dict:
    from etl.demo import scale
    return scale.write_scale(scale.SCALES[a["scale"]], Path(a["csv"]), years=a.get("years"),
                             counties=a.get("counties"), workers=a.get("workers", 2))


def step_bare(a: dict) -> dict:
    import duckdb
    src = Path(a["csv"])
    prep = Path(a["tmp"]) / "utf8"
    prep.mkdir(parents=True, exist_ok=True)
    files = []
    for f in sorted(src.glob("*.csv")):
        data = f.read_bytes()
        if data.startswith(b"\xef\xbb\xbf"):
            files.append(f)
        else:                                   # GB18030: transcode first (not timed)
            g = prep / f.name
            g.write_bytes(data.decode("gb18030").encode("utf-8"))
            files.append(g)
    db = Path(a["tmp"]) / "bare.duckdb"
    db.unlink(missing_ok=True)                  # an earlier round's
    rows = 0
    t0 = time.perf_counter()
    con = duckdb.connect(str(db))
    for i, f in enumerate(files):
        con.execute(f"CREATE TABLE t{i} AS SELECT * FROM read_csv('{f}', all_varchar = true, header = true)")
        rows += con.execute(f"SELECT count(*) FROM t{i}").fetchone()[0]
    con.close()
    return {"seconds": time.perf_counter() - t0, "rows": rows, "files": len(files)}


def step_load(a: dict) -> dict:
    from etl import publish
    p = publish.data_paths(a["data"])
    files = sorted(Path(a["csv"]).glob("*.csv"))
    publish.init_warehouse(p, "基准测试")
    t0, wall0 = time.perf_counter(), time.time()
    batch = publish.validate(p, [(f.name, f) for f in files])    # paths: each file is read while staged
    t1 = time.perf_counter()
    validate_peak = _peak_mb()                  # the validation alone (publish adds the marts connection)
    if not batch.ok:
        raise SystemExit(f"generated files are not valid: {batch.counts} {[x.format() for x in batch.problems[:5]]}")
    rows = sum(f.rows for f in batch.files)
    trace = Path(a["tmp"]) / "load_steps.tsv"   # the publish's own step marks: when the rows were in the snapshot
    trace.unlink(missing_ok=True)
    os.environ[publish.TRACE_ENV] = str(trace)
    try:
        version = publish.publish(p, batch, "基准测试", "规模基准")
    except publish.PublishFailed as exc:        # say how far it got (the nation's commit runs out of memory)
        raise SystemExit(f"validated {rows:,} rows in {t1 - t0:.0f} s (peak {validate_peak:,.0f} MB), "
                         f"publish failed after {time.perf_counter() - t1:.0f} s: {exc}") from exc
    finally:
        batch.close()
    t2 = time.perf_counter()
    del os.environ[publish.TRACE_ENV]
    marks = dict(line.split("\t") for line in trace.read_text(encoding="utf-8").splitlines())
    written = float(marks["marts"]) - wall0 if "marts" in marks else None   # rows committed, marts about to start
    from etl.validate import stage_memory_mb
    return {"validate_seconds": t1 - t0, "publish_seconds": t2 - t1, "seconds": t2 - t0, "rows": rows,
            "to_snapshot_seconds": written,
            "warnings": batch.counts.get("warning", 0), "version": version, "stage_memory_mb": stage_memory_mb(),
            "validate_peak_mb": validate_peak,
            "snapshot_mb": round(p.snapshot(version).stat().st_size / 1048576, 1)}


def step_publish(a: dict) -> dict:
    """What a new version costs. `full`: copy the snapshot and rebuild every mart and policy warning (first
    build, code upgrade). Then the product's own publish (publish.validate + publish.publish) of what a county
    uploads — one year of its 代表建议, then one year of its 履职积分 (the largest table) — where only the marts
    and warnings those tables feed are rebuilt."""
    import duckdb

    from etl import marts, policy, publish
    p = publish.data_paths(a["data"])
    src = p.snapshot(publish.current_version(p))
    tmp = Path(a["tmp"]) / "republish.duckdb"
    t0 = time.perf_counter()
    shutil.copyfile(src, tmp)
    t1 = time.perf_counter()
    con = duckdb.connect(str(tmp), config=publish.publish_config())  # as publish._finish connects
    per_file: dict[str, float] = {}
    marts.build_marts(con, per_file)
    t2 = time.perf_counter()
    policy.build_policy_warnings(con)
    t3 = time.perf_counter()
    con.execute("CHECKPOINT")
    con.close()
    t4 = time.perf_counter()
    tmp.unlink()
    out = {"copy_seconds": t1 - t0, "marts_seconds": t2 - t1, "policy_seconds": t3 - t2,
           "checkpoint_seconds": t4 - t3, "seconds": t4 - t0,
           "per_file": {k: round(v, 3) for k, v in sorted(per_file.items(), key=lambda x: -x[1])}}
    t = time.perf_counter()
    publish.refresh_marts(p, "基准测试")  # the upgrade path: a no-op when the marts are current
    out["refresh_seconds"] = time.perf_counter() - t
    _drop_old_snapshots(p)
    out["batches"] = [_county_publish(p, "fact_suggestion", "代表建议"),
                      _county_publish(p, "fact_deputy_points", "履职积分")]
    return out


def _county_publish(p, table: str, label: str) -> dict:
    """Re-upload the latest year of the county with most rows in `table` (REPLACE by year + county) through
    the product's publish, timing each part; the new version becomes current."""
    import duckdb

    from etl import marts, policy, publish, schema
    t = schema.BY_NAME[table]
    _, con = publish.open_snapshot(p)
    try:
        county = t.county_sql.format(t="x", db="") if t.county_sql else "x.county_code"
        year, code, n = con.execute(f"""SELECT {t.year_column}, {county} AS c, count(*) AS n FROM {table} x
            WHERE {t.year_column} = (SELECT max({t.year_column}) FROM {table}) GROUP BY ALL ORDER BY n DESC, c
            LIMIT 1""").fetchone()
        df = con.execute(f"SELECT {', '.join(t.column_names)} FROM {table} x WHERE {t.year_column} = ? AND {county} = ?",
                         (year, code)).fetchdf()
    finally:
        con.close()
    for c in t.columns:  # as a county's staff would save it from Excel
        if c.kind == schema.BOOL:
            df[c.name] = df[c.name].map({True: "是", False: "否"})
    data = df.rename(columns={c.name: c.header for c in t.columns}).to_csv(index=False).encode("utf-8-sig")
    timing: dict[str, float] = {}
    build, warn = marts.build_marts, policy.build_policy_warnings

    def timed(fn, key: str):
        def wrapper(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                timing[key] = time.perf_counter() - t0
        return wrapper

    marts.build_marts = timed(build, "marts_seconds")
    policy.build_policy_warnings = timed(warn, "policy_seconds")
    try:
        t0 = time.perf_counter()
        batch = publish.validate(p, [(f"{table}_{code}_{year}.csv", data)], table)
        t1 = time.perf_counter()
        if not batch.ok:
            raise SystemExit(f"{table}: {[x.format() for x in batch.problems[:5]]}")
        try:
            version = publish.publish(p, batch, "基准测试", f"规模基准：{label}")
        finally:
            batch.close()
        t2 = time.perf_counter()
    finally:
        marts.build_marts, policy.build_policy_warnings = build, warn
    _, con = publish.open_snapshot(p)
    try:
        rebuilt, partial = con.execute("SELECT rebuilt, partial FROM meta_marts").fetchone()
    finally:
        con.close()
    _drop_old_snapshots(p)
    return {"table": table, "label": label, "county": code, "year": int(year), "rows": len(df),
            "validate_seconds": t1 - t0, "publish_seconds": t2 - t1, **timing, "version": version,
            "rebuilt": [x for x in rebuilt.split(",") if x], "partial": [x for x in partial.split(",") if x]}


def _drop_old_snapshots(p) -> None:
    """Benchmark housekeeping: at nation scale every version is a multi-GB file."""
    from etl import publish
    cur = publish.current_version(p)
    for f in p.warehouse.glob("v??????.duckdb"):
        if f.name != f"v{cur:06d}.duckdb" and not f.is_symlink():
            f.unlink()


def _cast(col) -> str:
    from etl import schema
    v = f'"{col.header}"'
    if col.kind == schema.BOOL:
        return f"CASE {v} WHEN '是' THEN TRUE WHEN '否' THEN FALSE END"
    if col.kind == schema.TEXT:
        return f"nullif({v}, '')"
    return f"CAST(nullif({v}, '') AS {col.sql_type})"


def step_fill(a: dict) -> dict:
    """NOT the product's load: the same files copied straight into a new version's tables with DuckDB
    (no validation, no per-row checks), then published once — a way to measure publish (marts) at a size the
    validated loader cannot take in one batch within memory. Data validity is shown at city/province scale."""
    import duckdb

    from etl import marts, policy, publish, schema
    p = publish.data_paths(a["data"])
    publish.init_warehouse(p, "基准测试")
    src = Path(a["csv"])
    prep = Path(a["tmp"]) / "utf8"
    prep.mkdir(parents=True, exist_ok=True)
    snap = p.snapshot(publish.current_version(p))
    t0 = time.perf_counter()
    con = duckdb.connect(str(snap))
    rows = 0
    for t in schema.UPLOADABLE:
        files = sorted(src.glob(f"{t.name}.csv")) + sorted(src.glob(f"{t.name}.[0-9][0-9][0-9].csv"))
        names = []
        for f in files:
            if f.read_bytes()[:3] != b"\xef\xbb\xbf":       # GB18030 (small tables): transcode first
                g = prep / f.name
                g.write_bytes(f.read_bytes().decode("gb18030").encode("utf-8"))
                f = g
            names.append(str(f))
        if not names:
            continue
        typed = ", ".join(f"{_cast(c)} AS {c.name}" for c in t.columns if not c.derived_from)
        derived = "".join(f", year({c.derived_from}) AS {c.name}" for c in t.columns if c.derived_from)
        listing = ", ".join(f"'{n}'" for n in names)
        con.execute(f"DELETE FROM {t.name}")
        con.execute(f"INSERT INTO {t.name} BY NAME SELECT *{derived} FROM (SELECT {typed} FROM "
                    f"read_csv([{listing}], all_varchar = true, header = true))")
        rows += con.execute(f"SELECT count(*) FROM {t.name}").fetchone()[0]
    con.execute("CHECKPOINT")
    t1 = time.perf_counter()
    per_file: dict[str, float] = {}
    marts.build_marts(con, per_file)        # in place, so the warehouse can be browsed
    policy.build_policy_warnings(con)
    con.execute("CHECKPOINT")
    con.close()
    t2 = time.perf_counter()
    return {"seconds": t1 - t0, "rows": rows, "marts_in_place_seconds": t2 - t1,
            "snapshot_mb": round(snap.stat().st_size / 1048576, 1),
            "note": "DuckDB 直接写入（未校验），只用于测量发布与页面"}


STEPS = {"generate": step_generate, "bare": step_bare, "load": step_load, "publish": step_publish, "fill": step_fill}


def child(step: str, args: dict) -> dict:
    """Run one step in a fresh interpreter; its JSON result carries peak_mb."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    r = subprocess.run([sys.executable, "-m", "bench.scale", "--step", step, "--args", json.dumps(args)],
                       cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if r.returncode != 0:
        raise SystemExit(f"step {step} failed:\n{r.stderr[-3000:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------ parent

def run(scale: str, quick: bool = False, source: Path | None = None, workers: int = 2, keep: bool = False,
        validated: bool = True, log=print, repeat: int = 1) -> dict:
    from bench.load import machine
    work = Path(tempfile.mkdtemp(prefix=f"scale_{scale}_", dir=_work_dir()))
    csv_dir = source or work / "csv"
    args = {"scale": scale, "csv": str(csv_dir), "data": str(work / "data"), "tmp": str(work / "tmp"),
            "workers": workers, **(QUICK if quick else {})}
    Path(args["tmp"]).mkdir(parents=True, exist_ok=True)
    result = {"scale": scale, "quick": quick, "machine": machine(), "targets": TARGETS}
    try:
        if source:
            from etl.demo.scale import INFO_FILE
            gen = json.loads((source / INFO_FILE).read_text(encoding="utf-8"))
            gen["reused"] = str(source)
        else:
            log(f"生成 {scale} …")
            gen = child("generate", args)
        result["generation"] = gen
        log(f"  {gen['seconds']:.0f} 秒，{sum(gen['rows'].values()):,} 行")
        result["bare"] = None
        if validated:   # bare read and validated load side by side, `repeat` times in turn; the median ratio counts
            rounds = []
            for k in range(repeat):
                log(f"DuckDB 裸读（第 {k + 1}/{repeat} 轮）…")
                bare = child("bare", args)
                bare["rows_per_s"] = bare["rows"] / bare["seconds"]
                log(f"  {bare['seconds']:.1f} 秒，{bare['rows_per_s']:,.0f} 行/秒")
                log("校验入库 …")
                shutil.rmtree(args["data"], ignore_errors=True)
                load = child("load", args)
                load["rows_per_s"] = load["rows"] / load["seconds"]
                load["validate_rows_per_s"] = load["rows"] / load["validate_seconds"]
                load["ratio"] = load["rows_per_s"] / bare["rows_per_s"]
                if load.get("to_snapshot_seconds"):   # read, validate and write the rows; marts are benchmark 2
                    load["to_snapshot_ratio"] = bare["seconds"] / load["to_snapshot_seconds"]
                load["validate_ratio"] = load["validate_rows_per_s"] / bare["rows_per_s"]
                log(f"  {load['seconds']:.1f} 秒（校验 {load['validate_seconds']:.1f}，发布 {load['publish_seconds']:.1f}），"
                    f"比值 {load['ratio']:.2f}（写入快照为止 {load.get('to_snapshot_ratio', 0):.2f}），峰值 {load['peak_mb']:.0f} MB")
                rounds.append({"bare": bare, "load": load})
            median = sorted(rounds, key=lambda r: r["load"]["ratio"])[len(rounds) // 2]
            result["bare"], result["load"] = median["bare"], median["load"]
            if repeat > 1:
                result["rounds"] = [{"bare_seconds": r["bare"]["seconds"], "load_seconds": r["load"]["seconds"],
                                     "validate_seconds": r["load"]["validate_seconds"], "ratio": r["load"]["ratio"],
                                     "to_snapshot_ratio": r["load"].get("to_snapshot_ratio"),
                                     "peak_mb": r["load"]["peak_mb"]} for r in rounds]
        else:
            log("直接写入（未校验，只为测发布）…")
            result["load"] = None
            result["fill"] = fill = child("fill", args)
            log(f"  {fill['seconds']:.1f} 秒写入 + {fill['marts_in_place_seconds']:.1f} 秒指标，峰值 {fill['peak_mb']:.0f} MB")
        log("发布（快照复制 + 指标）…")
        pub = child("publish", args)
        result["publish"] = pub
        log(f"  {pub['seconds']:.1f} 秒（指标 {pub['marts_seconds']:.1f}）")
        result["machine"]["loadavg_end"] = list(os.getloadavg())
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            result["kept"] = str(work)
    return result


def _work_dir() -> Path:
    WORK.mkdir(parents=True, exist_ok=True)
    return WORK


def report(r: dict) -> str:
    g, b, ld, pb = r["generation"], r["bare"], r["load"], r["publish"]
    rows = sum(g["rows"].values())
    if ld:
        load_lines = [
            f"| 校验入库 | {ld['seconds']:.1f} 秒（校验 {ld['validate_seconds']:.1f} + 发布 {ld['publish_seconds']:.1f}），"
            f"{ld['rows_per_s']:,.0f} 行/秒，比值 {ld['ratio']:.2f}（只校验 {ld['validate_ratio']:.2f}）"
            + (f"；{len(r['rounds'])} 轮比值 " + " / ".join(f"{x['ratio']:.2f}" for x in r["rounds"]) + "，取中位数"
               if r.get("rounds") else "") + " |",
            *([f"| 其中读、校验并写入快照（指标之前）| {ld['to_snapshot_seconds']:.1f} 秒，比值 {ld['to_snapshot_ratio']:.2f} |"]
              if ld.get("to_snapshot_ratio") else []),
            (f"| 入库峰值内存 | {ld['peak_mb']:,.0f} MB（其中校验 {ld.get('validate_peak_mb', ld['peak_mb']):,.0f} MB；"
             f"暂存库上限 {ld.get('stage_memory_mb', '–')} MB，超出部分落盘）|")]
    else:
        f = r["fill"]
        load_lines = [f"| 直接写入（未校验，只为测发布）| {f['seconds']:.1f} 秒 + 原地建指标 {f['marts_in_place_seconds']:.1f} 秒，"
                      f"峰值 {f['peak_mb']:,.0f} MB |"]
    lines = [
        f"| 规模 | {r['scale']}{'（quick）' if r['quick'] else ''} |", "|---|---|",
        f"| 县区 / 乡镇街道 / 代表 / 建议 | {g['rows']['dim_county']:,} / {g['rows']['dim_township']:,} / "
        f"{g['rows']['dim_deputy']:,} / {g['rows']['fact_suggestion']:,} |",
        f"| 总行数 / 文件 / 大小 | {rows:,} / {g.get('files', '–')} / {g['bytes'] / 1048576:,.0f} MB |",
        f"| 生成用时 | {g['seconds']:.0f} 秒（{g['workers']} 进程，{g.get('distinct_cities', g['cities'])}/{g['cities']} 个不同城市）|",
        f"| DuckDB 裸读 | {b['seconds']:.1f} 秒，{b['rows_per_s']:,.0f} 行/秒 |" if b else "| DuckDB 裸读 | 未测（--fill） |",
        *load_lines,
        f"| 发布（复制+指标+预警+检查点）| {pb['seconds']:.1f} 秒 = {pb['copy_seconds']:.1f} + {pb['marts_seconds']:.1f} + "
        f"{pb['policy_seconds']:.1f} + {pb['checkpoint_seconds']:.1f}；峰值 {pb['peak_mb']:,.0f} MB |",
        "| 最慢的指标 SQL | " + "，".join(f"{k} {v:.1f}s" for k, v in list(pb["per_file"].items())[:4]) + " |",
        *(f"| 发布一个县区一年的{b['label']}（{b['rows']:,} 行，增量）| {b['publish_seconds']:.1f} 秒（指标 "
          f"{b.get('marts_seconds', 0):.1f}，预警 {b.get('policy_seconds', 0):.1f}；校验 {b['validate_seconds']:.1f} 秒）|"
          for b in pb.get("batches", [])),
    ]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench --scale", description="省级/全国规模：生成、校验入库、发布")
    ap.add_argument("--scale", choices=("city", "province", "nation"), required=True)
    ap.add_argument("--quick", action="store_true", help="快速模式：1个城市、2年（同样的 JSON）")
    ap.add_argument("--source", help="复用已生成的 CSV 目录（含 scale_info.json），跳过生成")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--keep", action="store_true", help="保留 bench/work/ 下的数据")
    ap.add_argument("--fill", action="store_true",
                    help="不做校验入库，用 DuckDB 直接写入后只测发布（全国默认如此：一个批次的发布提交时主键索引放不进内存）")
    ap.add_argument("--validated", action="store_true",
                    help="全国也做校验入库（一个批次；需 NPC_LOAD_MEMORY≥3GB 才能校验完，发布目前会因内存不足失败）")
    ap.add_argument("--repeat", type=int, help="裸读与校验入库轮流测几轮，取比值的中位数（省级默认 3，其余 1）")
    ap.add_argument("--out", help="结果 JSON（默认 bench/results/scale_<规模>.json，quick 为 scale_quick.json）")
    a = ap.parse_args(argv)
    out = Path(a.out) if a.out else RESULTS / ("scale_quick.json" if a.quick else f"scale_{a.scale}.json")
    validated = not a.fill and (a.scale != "nation" or a.quick or a.validated)
    repeat = a.repeat or (3 if a.scale == "province" and not a.quick else 1)
    result = run(a.scale, a.quick, Path(a.source) if a.source else None, a.workers, a.keep, validated, repeat=repeat)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    print(report(result))
    print(f"\n结果已写入 {out}")
    return 0


def _child_main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--step", choices=sorted(STEPS), required=True)
    ap.add_argument("--args", required=True)
    a = ap.parse_args(argv)
    out = STEPS[a.step](json.loads(a.args))
    out["peak_mb"] = _peak_mb()
    print(json.dumps(out, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(_child_main(sys.argv[1:]))
