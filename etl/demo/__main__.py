"""python -m etl.demo [--seed N] [--out DIR]: write the demo city's upload files."""
from __future__ import annotations

import argparse
from pathlib import Path

from etl.demo import DEFAULT_SEED, generate_frames, write_csvs

DEFAULT_OUT = Path(__file__).resolve().parents[2] / "data" / "demo"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m etl.demo", description="生成演示城市（清川市）的上传文件")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--out", default=str(DEFAULT_OUT))
    args = ap.parse_args(argv)
    written = write_csvs(generate_frames(args.seed), Path(args.out))
    total = sum(p.stat().st_size for p in written)
    print(f"已生成演示数据（清川市，种子 {args.seed}）：{len(written)}个文件，共{total / 1048576:.1f}MB → {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
