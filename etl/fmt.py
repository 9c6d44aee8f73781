"""Formatting of KPI values and the one traffic-light palette, shared by pages, slides and exports."""
from __future__ import annotations

import math

# Okabe–Ito colours: distinguishable with the common colour-vision deficiencies; every use also
# carries the Chinese word, so colour is never the only signal.
STATUS_COLOR = {"green": "#009E73", "amber": "#E69F00", "red": "#D55E00", None: "#8C8C8C"}
STATUS_ZH = {"green": "达标", "amber": "接近目标", "red": "未达标", None: "无目标"}
STATUS_BADGE = {"green": "green", "amber": "orange", "red": "red", None: "gray"}


def is_missing(value) -> bool:
    """None, NaN and pandas' NA (nullable integer columns) all mean: no value."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    return type(value).__name__ in ("NAType", "NaTType")


def fmt_value(value, unit: str, digits: int = 1) -> str:
    """0.883 with unit % -> '88.3%'; 12 with unit 次 -> '12次'."""
    if is_missing(value):
        return "—"
    if unit == "%":
        return f"{value * 100:.{digits}f}%"
    if unit in ("是/否",):
        return "是" if value else "否"
    if float(value).is_integer() and unit in ("次", "个", "件", "人", "项"):
        return f"{int(value)}{unit}"
    return f"{value:,.{digits}f}{unit}"


def fmt_delta(value, last, unit: str) -> str | None:
    """Change on last year: percentage points for rates."""
    if is_missing(value) or is_missing(last):
        return None
    diff = value - last
    if unit == "%":
        return f"{diff * 100:+.1f}个百分点"
    return f"{diff:+,.1f}{unit}"


def is_flat(value, last, unit: str) -> bool:
    """No visible change at the shown precision (0.1 point for rates)."""
    if is_missing(value) or is_missing(last):
        return False
    return abs(value - last) < (0.0005 if unit == "%" else 0.05)
