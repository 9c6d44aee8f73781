"""cfg_points_rule (百分制 CITY2022) and fact_deputy_points for county deputies (K19, K22)."""
from __future__ import annotations

import datetime as dt

from etl.demo import calib, spec
from etl.demo.world import World

SCHEME, BASE = "CITY2022", 20.0   # base = political/conduct component [S66]
# (item_code, item_name, points_per_unit, max_points)
RULES = (
    ("P01", "出席人代会(半天)", 1.0, 10.0), ("P02", "提出建议(件)", 3.0, 15.0), ("P03", "参加视察调研(次)", 3.0, 15.0),
    ("P04", "进站接待群众(次)", 5.0, 20.0), ("P05", "联系选民(人次)", 1.0, 10.0), ("P06", "向选民述职(次)", 5.0, 10.0),
    ("P07", "参加学习培训(次)", 2.0, 10.0), ("P08", "无故缺席人代会(半天)", -1.0, None),
)
PPU = {c: p for c, _, p, _ in RULES}
CAP_Q = {c: int(m / p) for c, _, p, m in RULES if m}
EVIDENCE = {"P01": "人代会签到表", "P06": "述职报告及测评表"}


def rule_rows() -> list[dict]:
    return [{"scheme_id": SCHEME, "item_code": c, "item_name": n, "points_per_unit": p, "max_points": m,
             "scheme_type": "百分制", "base_points": BASE} for c, n, p, m in RULES]


def build(world: World) -> None:
    world.rows["cfg_points_rule"] = rule_rows()
    rng = world.rng("points")
    led: dict[tuple, int] = {}
    for s in world.rows["fact_suggestion"]:
        if s["level"] == "县级":
            led[(s["lead_deputy_id"], s["year"])] = led.get((s["lead_deputy_id"], s["year"]), 0) + 1
    zeal = world.cache.get("zeal", {})
    deps = world.deputies[world.deputies.level == "县级"]
    base = {d: 0.3 * zeal.get(d, 1.0) + float(rng.normal(0, 0.5)) for d in deps.deputy_id}
    rows = []
    for y in spec.YEARS:
        dec31 = dt.date(y, 12, 31)
        office = deps[(deps._start <= dec31) & (deps._end > dec31)]
        ids = sorted(office.deputy_id)
        county_of = dict(zip(office.deputy_id, office.county_code))
        start_of = dict(zip(office.deputy_id, office._start))
        score = {d: base[d] + 1.5 * spec.county_score(county_of[d], y) + float(rng.normal(0, 0.3)) for d in ids}
        p = spec.TARGETS["K22"][y]
        good = set(calib.top(ids, score, calib.exact(p, len(ids))))
        mean_good = (spec.TARGETS["K22_mean"][y] - (1 - p) * 50) / p + 0.3 * (y - 2021)
        for d in ids:
            session = world.cache["county_congress"][(county_of[d], y)]
            halves = int(session[1] * 2) if start_of[d] <= session[0] else 0
            target = (min(97, max(60, rng.normal(mean_good, 7))) if d in good else min(59, max(35, rng.normal(50, 6))))
            rows += _items(rng, y, d, int(round(target)), halves, led.get((d, y), 0), d in good)
    world.rows["fact_deputy_points"] = rows


def _items(rng, y: int, d: str, target: int, halves: int, suggestions: int, good: bool) -> list[dict]:
    absent = 0 if good or halves == 0 else int(rng.integers(0, 3))
    q = {"P01": halves - absent, "P02": min(suggestions, CAP_Q["P02"]), "P08": absent if absent else 0}
    r = target - BASE - q["P01"] - 3 * q["P02"] + q["P08"]
    flexible = ["P04", "P03", "P06", "P07"]
    rng.shuffle(flexible)
    for it in flexible:
        q[it] = int(min(CAP_Q[it], max(0, r) * rng.uniform(0.2, 0.5) // PPU[it]))
        r -= q[it] * PPU[it]
    for it in flexible:
        while r > 10 and q[it] < CAP_Q[it]:
            q[it] += 1
            r -= PPU[it]
    q["P05"] = int(min(10, max(0, r)))
    if good and q["P04"] == 0:
        q["P04"], q["P05"] = 1, max(0, q["P05"] - 5)
    out = []
    for it in sorted(q):
        if q[it] > 0:
            pts = PPU[it] * q[it]
            out.append({"year": y, "deputy_id": d, "item_code": it, "quantity": float(q[it]), "points": pts,
                        "evidence": EVIDENCE.get(it)})
    return out
