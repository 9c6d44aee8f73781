"""python -m bench [--rows N] [--quick] [--out bench/results/load.json]: the load benchmark.
python -m bench pages [--runs N]: cold and warm render of every page against an empty page."""
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
    ap.add_argument("--out", default=str(DEFAULT_OUT.with_name("pages.json")))
    args = ap.parse_args(argv)
    report = pages.run(Path(args.data_dir) if args.data_dir else None, args.runs, Path(args.out))
    pages.print_report(report)
    print(f"\n结果已写入 {args.out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    import sys
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["pages"]:
        return pages_main(argv[1:])
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
