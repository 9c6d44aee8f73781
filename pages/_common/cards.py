"""KPI cards: value, target, traffic light, change on last year, numerator/denominator."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from etl import fmt, publish
from pages._common import data

HEADLINE = ("liuyou_rate", "small_body_share", "chair_fulltime_rate", "young_cadre_share",
            "congress_held_rate", "two_sessions_rate", "station_coverage", "archive_rate",
            "on_time_reply_rate", "satisfaction_strict", "resolution_rate", "voting_coverage")


def first_build() -> int:
    """Build the warehouse from the bundled demo files (first start only, once across sessions)."""
    return publish.build_once(data.paths(), publish.DEMO_DIR, user="系统（首次启动）")


def kpi_card(row: pd.Series, ind, trend: list | None = None) -> None:
    with st.container(border=True, height="stretch"):
        delta = fmt.fmt_delta(row["value"], row["last_value"], ind.unit)
        flat = delta is not None and fmt.is_flat(row["value"], row["last_value"], ind.unit)
        st.markdown(f"**{ind.name_zh}**", help=f"口径：{ind.formula_text}\n\n依据：{ind.provenance} {ind.source}")
        yes_no = ind.unit == "%" and not fmt.is_missing(row["denominator"]) and row["denominator"] == 1
        shown = ("是" if row["value"] >= 1 else "否") if yes_no and not fmt.is_missing(row["value"]) else \
            fmt.fmt_value(row["value"], ind.unit)
        neutral = flat or yes_no or ind.direction == "none"
        st.metric(ind.name_zh, shown, None if yes_no else ("持平" if flat else delta),
                  label_visibility="collapsed", delta_arrow="off" if flat else "auto",
                  delta_color="off" if neutral else ("inverse" if ind.direction == "lower" else "normal"),
                  delta_description="较上年", chart_data=trend if trend and len(trend) > 1 else None,
                  chart_type="line")
        status = row["status"] if isinstance(row["status"], str) else None
        target = "" if fmt.is_missing(row["target"]) else f"目标 {fmt.fmt_value(row['target'], ind.unit, 0)}"
        st.badge(fmt.STATUS_ZH[status], color=fmt.STATUS_BADGE[status])
        parts = [ind.ref, target]
        if not fmt.is_missing(row["denominator"]) and ind.unit == "%" and not yes_no:
            parts.append(f"{row['numerator']:.0f} / {row['denominator']:.0f}")
        if not fmt.is_missing(row.get("unreported")) and row["unreported"] > 0:
            parts.append(f"{int(row['unreported'])}个单位未填报")
        st.caption(" · ".join(p for p in parts if p))


def kpi_grid(df: pd.DataFrame, registry: dict, codes=HEADLINE, columns: int = 4, trends: pd.DataFrame | None = None) -> None:
    """Cards for `codes`; `trends` (mart_kpi rows of one unit over years) adds a sparkline to each card."""
    rows = {r["kpi_code"]: r for _, r in df.iterrows()}
    shown = [c for c in codes if c in rows and c in registry]
    series = {} if trends is None else {c: g.sort_values("year")["value"].tolist() for c, g in trends.groupby("kpi_code")}
    for start in range(0, len(shown), columns):
        for col, code in zip(st.columns(columns), shown[start:start + columns]):
            with col:
                kpi_card(rows[code], registry[code], series.get(code))
