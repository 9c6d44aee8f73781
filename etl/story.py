"""要点: short Chinese findings generated from the marts (level, change on last year, best and worst, distance
to target). Pure functions over DataFrames, shared by the 总览 page and (later) slides and reports."""
from __future__ import annotations

import pandas as pd

from etl.fmt import fmt_value, is_missing


def _change(value, last, unit: str) -> str:
    if is_missing(value) or is_missing(last):
        return ""
    diff = value - last
    if unit == "%":
        pp = diff * 100
        if abs(pp) < 0.05:
            return "，与上年持平"
        return f"，较上年{'提高' if pp > 0 else '下降'}{abs(pp):.1f}个百分点"
    if abs(diff) < 1e-9:
        return "，与上年持平"
    return f"，较上年{'增加' if diff > 0 else '减少'}{abs(diff):,.1f}{unit}"


def _named(units: pd.DataFrame, row: pd.Series) -> str:
    """The unit's name, or '云渡县等12个县区' when others share its value (at scale, many sit at 0% or 100%).
    The tie count comes from an n_tied column where SQL counted it over all units, else from `units`."""
    n = row.get("n_tied")
    n = int(n) if not is_missing(n) else int((units["value"] == row["value"]).sum())
    if n <= 1:
        return row["unit_name"]
    word = {"县": "县区", "乡": "乡镇（街道）"}.get(row.get("level"), "县区")
    return f"{row['unit_name']}等{n}个{word}"


def kpi_point(ind, scope: str, year: int, row: pd.Series, units: pd.DataFrame | None = None) -> str:
    """e.g. 2025年清川市六有达标率88.0%，较上年提高10.2个百分点；最低：云渡县（55.6%）。
    `scope` is the unit's name (the top unit's 全市 / 全省 / 全国 word, where wanted, comes from etl.area)."""
    text = f"{year}年{scope}{ind.name_zh}{fmt_value(row['value'], ind.unit)}{_change(row['value'], row.get('last_value'), ind.unit)}"
    if not is_missing(row.get("target")) and not is_missing(row["value"]):
        text += "，" + target_text(ind, row["value"], row["target"])
    if units is not None and len(units.dropna(subset=["value"])) >= 2:
        ranked = units.dropna(subset=["value"]).sort_values("value", ascending=ind.direction == "lower")
        best, worst = ranked.iloc[0], ranked.iloc[-1]
        if best["value"] != worst["value"]:
            text += (f"；最好：{_named(ranked, best)}（{fmt_value(best['value'], ind.unit)}），"
                     f"最差：{_named(ranked, worst)}（{fmt_value(worst['value'], ind.unit)}）")
    return text + "。"


def index_point(ranking: pd.DataFrame, year: int, line: float = 80.0, names_max: int | None = None) -> str:
    """Who leads the composite index, who moved, who is below the 通报 line. With `names_max`, more than that
    many below the line are counted and only the lowest named; `ranking` may then be a part of the ranking with
    the whole count below the line in an n_low column (pages/_common/data_report.ranking)."""
    if ranking.empty:
        return ""
    top = ranking.sort_values("rank").iloc[0]
    text = f"{year}年综合指数{top['county_name']}居首（{top['total']:.1f}分，{top['grade']}）"
    moved = ranking.dropna(subset=["rank_change"])
    moved = moved[moved["rank_change"] > 0].sort_values("rank_change", ascending=False)
    if len(moved):
        m = moved.iloc[0]
        text += f"，{m['county_name']}进步最快（上升{int(m['rank_change'])}位）"
    low = ranking[ranking["total"] < line]
    n_low = int(ranking["n_low"].iloc[0]) if "n_low" in ranking else len(low)
    if names_max is not None and n_low > names_max:
        lowest = low.sort_values("rank").tail(names_max)["county_name"]
        text += f"；{n_low}个县区低于{line:g}分通报线，需重点督导，最低的{len(lowest)}个是{'、'.join(lowest)}"
    elif len(low):
        text += f"；{'、'.join(low.sort_values('rank')['county_name'])}低于{line:g}分通报线，需重点督导"
    else:
        text += f"；各县区均达到{line:g}分以上"
    return text + "。"


def breach_point(breaches: pd.DataFrame | None, year: int, summary: dict | None = None) -> str:
    """`breaches`: every breach row (kpi_ref, county_name); or `summary`, counted in SQL when there are too many
    rows to read: {"total": n, "refs": {kpi_ref: n}, "counties": n, "top": (county_name, n)}."""
    if summary is None:
        counties = breaches["county_name"].value_counts()
        summary = {"total": len(breaches), "refs": breaches.groupby("kpi_ref").size().to_dict(),
                   "counties": len(counties), "top": (counties.index[0], counties.iloc[0]) if len(counties) else None}
    if not summary["total"]:
        return f"{year}年未发现违反法定底线的情况。"
    labels = {"K10": "乡镇未召开人代会", "K15": "人代会出席不足三分之二", "K23": "代表建议逾期答复"}
    parts = [f"{labels.get(ref, ref)}{n}起" for ref, n in sorted(summary["refs"].items())]
    name, n = summary["top"]
    return (f"{year}年法定底线预警共{summary['total']}条：{'，'.join(parts)}；"
            f"涉及{summary['counties']}个县区，最多的是{name}（{n}条）。")


# --- short points for slides (etl/deck.py): one finding per sentence -----------------------------------

def shortfall(ind, value, target) -> float | None:
    """How far `value` is from `target` in the indicator's direction (> 0 = short of it); None without a target."""
    if is_missing(value) or is_missing(target):
        return None
    return target - value if ind.direction != "lower" else value - target


def gap_text(ind, gap: float) -> str:
    return f"{gap * 100:.1f}个百分点" if ind.unit == "%" else f"{gap:,.1f}{ind.unit}"


def target_text(ind, value, target) -> str:
    """'距目标100%还差12.0个百分点' or '已达到目标'."""
    gap = shortfall(ind, value, target)
    if gap is not None and gap > 1e-9:
        return f"距目标{fmt_value(target, ind.unit, 0)}还差{gap_text(ind, gap)}"
    return "已达到目标"


def level_point(ind, scope: str, year: int, value, last) -> str:
    """e.g. '2025年清川市六有达标率88.0%，较上年提高10.2个百分点。'"""
    if is_missing(value):
        return f"{year}年{scope}{ind.name_zh}暂无数据（未填报或分母为0）。"
    return f"{year}年{scope}{ind.name_zh}{fmt_value(value, ind.unit)}{_change(value, last, ind.unit)}。"


def target_point(ind, value, target, units: pd.DataFrame | None = None, unit_word: str = "县区",
                 counts: tuple[int, dict] | None = None) -> str:
    """Distance to target, and how many units reach it (`units` has a status column; or `counts`: the number
    of units and {status: count}, counted in SQL when there are too many units to read)."""
    if is_missing(target):
        text = "本指标未设目标，仅作监测"
    elif is_missing(value):
        text = f"目标{fmt_value(target, ind.unit, 0)}，本年暂无数据可对照"
    else:
        text = target_text(ind, value, target)
    if counts is None and units is not None:
        counts = (len(units), units["status"].value_counts())
    if counts is not None and counts[0] and not is_missing(target):
        n, by_status = counts
        parts = [f"{label}{int(by_status[s])}个" for s, label in (("green", "达标"), ("amber", "接近目标"), ("red", "未达标"))
                 if by_status.get(s, 0)]
        if parts:
            text += f"；{n}个{unit_word}中" + "、".join(parts)
    return text + "。"


def spread_point(ind, units: pd.DataFrame) -> str:
    """Best and worst unit (`units`: unit_name, value); '' when fewer than two differ."""
    ranked = units.dropna(subset=["value"])
    if len(ranked) < 2 or ind.direction == "none":
        return ""
    ranked = ranked.sort_values("value", ascending=ind.direction == "lower", kind="stable")
    best, worst = ranked.iloc[0], ranked.iloc[-1]
    if best["value"] == worst["value"]:
        return f"各单位均为{fmt_value(best['value'], ind.unit)}。"
    lo, hi = (worst, best) if ind.direction != "lower" else (best, worst)
    return (f"{_named(ranked, lo)}最低（{fmt_value(lo['value'], ind.unit)}），"
            f"{_named(ranked, hi)}最高（{fmt_value(hi['value'], ind.unit)}）。")


def mover_point(ind, units: pd.DataFrame) -> str:
    """The unit that improved most on last year (`units`: unit_name, value, last_value); '' without last year."""
    moved = units.dropna(subset=["value", "last_value"])
    if moved.empty or ind.direction == "none":
        return ""
    sign = -1 if ind.direction == "lower" else 1
    gain = (moved["value"] - moved["last_value"]) * sign
    best = moved.loc[gain.idxmax()]
    if gain.max() <= 1e-9:
        return "与上年相比没有单位改善。"
    return f"改善最多的是{best['unit_name']}（{_change(best['value'], best['last_value'], ind.unit)[1:]}）。"
