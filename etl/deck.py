"""The meeting deck: one story of slides built from the marts, shared by the 汇报模式 page, the PPTX export and
the CLI (`python -m etl deck`). Pure data: no Streamlit, no python-pptx here.

Values follow mart_kpi: shares are fractions (0.88 shown as 88.0%) with unit "%"; other units as stored.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Series:
    name: str                                  # legend text, Chinese
    values: tuple[float | None, ...]           # one per category; None = no data


@dataclass(frozen=True)
class ChartSpec:
    kind: str                                  # "bar" (horizontal, ranking), "column", "line"
    categories: tuple[str, ...]                # Chinese category labels (counties, years, indicators)
    series: tuple[Series, ...]
    unit: str                                  # "%", "分", "个", "件" … (as in etl.indicators)
    target: float | None = None                # reference line (same scale as values)
    target_label: str = ""                     # e.g. "目标 90%"
    axis_title: str = ""                       # value axis title, Chinese, with unit
    colors: tuple[str, ...] = ()               # optional per-category hex colours (status), "" = default


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Slide:
    key: str                                   # stable id: "title", "headline", "family-A" … "ranking", "warnings", "supervise"
    title: str                                 # large Chinese heading
    subtitle: str = ""
    chart: ChartSpec | None = None
    table: Table | None = None
    points: tuple[str, ...] = ()               # 2–4 要点 generated from the data
    notes: str = ""                            # 口径 and 依据, for the speaker notes


@dataclass(frozen=True)
class Deck:
    year: int
    county_code: str | None                    # None = 全市
    scope_name: str                            # 清川市 / 云渡县
    city_name: str
    version: int                               # snapshot version the figures come from
    slides: tuple[Slide, ...] = field(default_factory=tuple)
