"""python -m bench [--rows N] [--quick] [--out bench/results/load.json]: the load benchmark.
python -m bench pages [--runs N] [--data-dir D] [--scale S]: cold and warm render of every page against an empty page.
python -m bench --scale city|province|nation [--quick] [--source DIR]: generation, load and publish at scale.
python -m bench concurrency [--viewers 20] [--data-dir D] [--quick]: viewers rendering while versions are published.
python -m bench memory [--data-dir D] [--scale S] [--sessions 20]: server RSS after N browser sessions."""
from __future__ import annotations

import argparse
from pathlib import Path

from bench import load

DEFAULT_ROWS, QUICK_ROWS = 1_000_000, 100_000
DEFAULT_OUT = Path(__file__).resolve().parent / "results" / "load.json"


def pages_main(argv: list[str]) -> int:
    from bench import pages
    ap = argparse.ArgumentParser(prog="python -m bench pages", description="每个页面的冷启动与热渲染时间（相对空白页）")
    ap.add_argument("--runs", type=int, default=7, help="热渲染次数，取中位数（默认 7）")
    ap.add_argument("--data-dir", default=None, help="已有的数据目录（默认临时建立演示仓库）")
    ap.add_argument("--scale", choices=sorted(pages.TARGETS), default="city",
                    help="数据目录的规模，决定目标值与结果文件名（默认 city）")
    ap.add_argument("--out", default=None, help="结果 JSON（默认 bench/results/pages.json 或 pages_<规模>.json）")
    ap.add_argument("--pages", default="", help="只测这些页面（逗号分隔的文件或中文名；默认全部）")
    ap.add_argument("--timeout", type=float, default=900, help="每个页面的上限秒数，超时记为失败（默认 900）")
    args = ap.parse_args(argv)
    if args.scale != "city" and not args.data_dir:
        ap.error("--scale province/nation 需要 --data-dir（先用 python -m etl build 建立该规模的数据目录）")
    args.out = args.out or str(DEFAULT_OUT.with_name("pages.json" if args.scale == "city" else f"pages_{args.scale}.json"))
    report = pages.run(Path(args.data_dir) if args.data_dir else None, args.runs, Path(args.out), scale=args.scale,
                       only=tuple(p for p in args.pages.split(",") if p), timeout=args.timeout)
    pages.print_report(report)
    print(f"\n结果已写入 {args.out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    import sys
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["pages"]:
        return pages_main(argv[1:])
    if argv[:1] == ["memory"]:
        from bench import memory
        return memory.main(argv[1:])
    if argv[:1] == ["concurrency"]:
        from bench import concurrency
        return concurrency.main(argv[1:])
    if any(a == "--scale" or a.startswith("--scale=") for a in argv):
        from bench import scale
        return scale.main(argv)
    if argv[:1] == ["chaos"]:
        from bench import chaos
        return chaos.main(argv[1:])
    ap = argparse.ArgumentParser(prog="python -m bench", description="代表建议上传：校验入库与 DuckDB 裸读的吞吐对比")
    ap.add_argument("--rows", type=int, default=None, help=f"生成的行数（默认 {DEFAULT_ROWS:,}）")
    ap.add_argument("--quick", action="store_true", help=f"快速模式：{QUICK_ROWS:,} 行")
    ap.add_argument("--repeat", type=int, default=3, help="每项重复次数，取中位数（默认 3）")
    ap.add_argument("--no-profile", action="store_true", help="不做分阶段计时")
    ap.add_argument("--out", default=str(DEFAULT_OUT), help="结果 JSON 路径（默认 bench/results/load.json）")
    args = ap.parse_args(argv)
    rows = args.rows or (QUICK_ROWS if args.quick else DEFAULT_ROWS)
    out = Path(args.out)
    result = load.run(rows, out, repeat=args.repeat, profile=not args.no_profile)
    print()
    print(load.report(result))
    print(f"\n结果已写入 {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
