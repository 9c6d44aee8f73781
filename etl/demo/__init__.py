"""Synthetic demo data for the fictional city 清川市 (data-model.md §4).

`generate_frames(seed)` returns one DataFrame per uploadable contract table (English column names, Python
values); `write_csvs(frames, out_dir)` writes the CSV files staff would upload. Same seed, same bytes.
"""
from __future__ import annotations

import pandas as pd

from etl import schema
from etl.demo import (bodies, deputies, geography, heads, livelihood, meetings, party, points, stations,
                      suggestions, townships)
from etl.demo.world import World
from etl.demo.writer import GB18030_FILES, write_csvs

DEFAULT_SEED = 20250101
__all__ = ["generate_frames", "write_csvs", "GB18030_FILES", "DEFAULT_SEED"]

STEPS = (geography, deputies, bodies, townships, heads, meetings, stations, suggestions, points, party, livelihood)


def generate_frames(seed: int = DEFAULT_SEED) -> dict[str, pd.DataFrame]:
    world = World(seed)
    for step in STEPS:
        step.build(world)
    return {t.name: _frame(t, world.rows[t.name]) for t in schema.UPLOADABLE}


def _frame(table: schema.Table, rows: list[dict]) -> pd.DataFrame:
    """Registry column order; object dtype so every cell stays a plain Python value (None for empty)."""
    return pd.DataFrame({c.name: pd.Series([r.get(c.name) for r in rows], dtype=object) for c in table.columns})
