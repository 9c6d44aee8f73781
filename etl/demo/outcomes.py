"""Outcomes of one year's county suggestions with exact city counts: K23, K25, K26, K27, key share, 回头看."""
from __future__ import annotations

import datetime as dt

from etl.demo import calib, spec
from etl.demo.catalog import LEADERS

CLASS_BONUS = {"A": 1.0, "B": 0.4, "C": -0.2, "D": -0.6}
KEY_CLOSED = spec.by_year(0.85, 0.88, 0.92, 0.95, 0.97)   # K28 重点督办办结率 (no §4.4 target)
OTHER_CLOSED = spec.by_year(0.70, 0.74, 0.78, 0.82, 0.85)  # B/C suggestions closed (已办结) by 31 Dec


def assign_outcomes(rng, rows: list[dict], y: int) -> None:
    t = {k: v[y] for k, v in spec.TARGETS.items()}
    by = {r["suggestion_id"]: r for r in rows}
    ids = sorted(by)
    q = {i: by[i]["_q"] for i in ids}

    def noisy(sd: float, base=None) -> dict:
        base = base or q
        return {i: base[i] + float(rng.normal(0, sd)) for i in ids}

    withdrawn = set(calib.top(ids, noisy(5.0, {i: 0.0 for i in ids}), max(1, calib.exact(0.005, len(ids)))))
    s = [i for i in ids if i not in withdrawn]
    cap = {i: spec.BY_CODE[by[i]["county_code"]].cap for i in ids}
    key = set(calib.top(s, noisy(0.6, cap), calib.exact(t["key_share"], len(s))))
    review = set(calib.top(sorted(key), noisy(0.3, cap), calib.exact(t["review_back"], len(key))))
    key_closed = set(calib.top(sorted(key), noisy(0.5), calib.exact(KEY_CLOSED[y], len(key))))
    late = set(calib.top(s, noisy(0.7, {i: -q[i] for i in ids}), calib.exact(1 - t["K23"], len(s))))
    face = set(calib.top(s, noisy(0.7), calib.exact(t["K25"], len(s))))
    on_time = [i for i in s if i not in late]
    extended = set(calib.top(on_time, noisy(5.0, {i: 0.0 for i in ids}), calib.exact(0.05, len(s))))
    ranked = sorted(s, key=lambda i: -noisy_one(rng, q[i], 0.6))
    counts = [calib.exact(t[f"K27_{c}"], len(s)) for c in "ABC"]
    cls = {}
    for pos, i in enumerate(ranked):
        cls[i] = "A" if pos < counts[0] else "B" if pos < sum(counts[:2]) else "C" if pos < sum(counts) else "D"
    silent = set(calib.top(s, noisy(5.0, {i: 0.0 for i in ids}), calib.exact(0.005, len(s))))
    evaluated = [i for i in s if i not in silent]
    order = sorted(evaluated, key=lambda i: (-(q[i] + CLASS_BONUS[cls[i]] + float(rng.normal(0, 0.5))), i))
    strict = calib.exact(t["K26_strict"], len(evaluated))
    broad = calib.exact(t["K26_broad"], len(evaluated))
    final = {i: "满意" if p < strict else "基本满意" if p < broad else "不满意" for p, i in enumerate(order)}
    unhappy = len(evaluated) - broad
    improved = set(order[max(0, broad - int(round(1.5 * unhappy))):broad])   # 60 % of first 不满意 improve
    yi = y - spec.YEARS[0]
    for i in ids:
        r = by[i]
        r.update(extension_approved=False, status="已撤回", replied_date=None, result_class=None, face_to_face=None,
                 contact_count=None, satisfaction=None, re_handled=None, second_replied_date=None,
                 second_satisfaction=None, key_supervised=False, supervising_leader=None, review_back=False,
                 quality_score=None, handling_score=None, funds_10k=None)
        if i in withdrawn:
            continue
        ext = i in extended
        lo, hi = (100, 171) if ext else (100, 136) if i in late else (25, 86)   # due: +3 months (+6 if extended)
        days = int(rng.integers(lo, hi))
        replied = r["assigned_date"] + dt.timedelta(days=days)
        c = cls[i]
        first = "未反馈" if i in silent else ("不满意" if i in improved else final[i])
        r.update(extension_approved=ext, replied_date=replied, result_class=c, face_to_face=i in face,
                 contact_count=int(rng.integers(1, 6)) if i in face else int(rng.integers(0, 2)),
                 status="已办结" if (i in key_closed if i in key else c in "AD" or rng.random() < OTHER_CLOSED[y])
                 else "已答复", satisfaction=first,
                 re_handled=i in improved, key_supervised=i in key,
                 review_back=i in review or (i not in key and c in "BC" and rng.random() < 0.08),
                 quality_score=round(float(min(99, max(50, rng.normal(76 + 2 * yi + 3 * q[i], 6)))), 1),
                 handling_score=round(float(min(99, max(40, rng.normal(70 + 8 * CLASS_BONUS[c] + 1.5 * yi, 6)))), 1))
        if i in improved:
            r.update(second_replied_date=replied + dt.timedelta(days=int(rng.integers(15, 31))),
                     second_satisfaction=final[i])
        if r["key_supervised"]:
            r["supervising_leader"] = LEADERS[int(rng.integers(len(LEADERS)))]


def noisy_one(rng, value: float, sd: float) -> float:
    return value + float(rng.normal(0, sd))
