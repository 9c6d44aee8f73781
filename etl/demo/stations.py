"""dim_liaison_station and fact_station_year: coverage (K16), 七有 (K17), activities (K18), feedback (K20)."""
from __future__ import annotations

import numpy as np

from etl.demo import calib, names, spec
from etl.demo.world import World

STD = ("std_venue", "std_rules", "std_staff", "std_activity", "std_equipment", "std_records", "std_funding")
STD_OFFSET = (0.35, 0.27, 0.20, 0.14, 0.08, 0.04, 0.0)   # easiest first; the last equals K17 "all seven"
INDUSTRY = {"990101": "金融行业", "990102": "医疗卫生行业", "990103": "教育系统", "990106": "律师行业",
            "990108": "企业家"}
TAGS = {"990103": "五单制", "990108": "2+1", "990101": "代表接待日"}
ROOMS_2021, ROOMS_2025 = 300, 460


def build(world: World) -> None:
    rng = world.rng("stations")
    score = world.scores("station", sd=0.08)
    rows: list[dict] = []
    for c in spec.COUNTIES:
        rows.append(_station(f"S{c.code}-C01", f"{c.name}人大代表联络中心站", "县级", "联络中心站", c.code, None,
                             int(rng.integers(2017, 2021)), round(float(rng.uniform(150, 400)), 1)))
        rows.append(_station(f"S{c.code}-L01", f"{c.name}人大常委会基层立法联系点", "县级", "基层立法联系点", c.code,
                             None, int(rng.integers(2019, 2022)), round(float(rng.uniform(60, 200)), 1)))
        if c.code in INDUSTRY:
            rows.append(_station(f"S{c.code}-H01", f"{c.name}{INDUSTRY[c.code]}代表联络站", "县级", "行业(专业)联络站",
                                 c.code, None, int(rng.integers(2020, 2024)), round(float(rng.uniform(50, 150)), 1)))
    units = world.active(2021)
    gap21 = len(units) - calib.exact(spec.TARGETS["K16"][2021], len(units))
    uncovered = calib.top(units, {u: -score[2021][u] for u in units}, gap21)
    late = calib.top(uncovered, {u: -score[2022][u] for u in uncovered},
                     len(units) - calib.exact(spec.TARGETS["K16"][2022], len(units)))
    for u in units:
        info = world.unit(u)
        street = info["unit_type"] == "街道"
        est = (2023 if u in set(late) else 2022) if u in set(uncovered) else int(rng.integers(2012, 2021))
        home = street and rng.random() < 0.35
        rows.append(_station(f"S{u}", f"{info['township_name']}人大代表{'之家' if home else '联络站'}", "乡镇级",
                             "代表之家" if home else "联络站", u[:6], u, est, round(float(rng.uniform(60, 300)), 1)))
    best = calib.top(units, score[2025], 16)
    for i, u in enumerate(sorted(best, key=lambda u: -score[2025][u])):
        rows.append(_station(f"S{u}-L", f"{world.unit(u)['township_name']}基层立法联系点", "乡镇级", "基层立法联系点",
                             u[:6], u, 2022 + i % 4, round(float(rng.uniform(40, 120)), 1)))
    rows += _rooms(world, rng, units)
    world.rows["dim_liaison_station"] = rows
    _years(world, rng, rows, score)


def _station(sid, name, level, kind, county, township, est, area) -> dict:
    return {"station_id": sid, "station_name": name, "station_level": level, "station_type": kind,
            "county_code": county, "township_code": township, "established_year": est, "closed_year": None,
            "area_m2": area}


def _rooms(world, rng, units) -> list[dict]:
    """≈4 村(社区) rooms per unit: ≈300 in 2021 growing to ≈460 in 2025; a few close when villages merge."""
    vc = np.array([world.unit(u)["village_count"] for u in units], dtype=float)
    n = np.maximum(1, np.round(vc / vc.sum() * ROOMS_2025)).astype(int)
    out = []
    for u, k in zip(units, n):
        street = world.unit(u)["unit_type"] == "街道"
        for j, v in enumerate(names.village_names(rng, int(k), street)):
            out.append(_station(f"S{u}-V{j + 1:02d}", f"{v}人大代表联络室", "村(社区)级", "联络室", u[:6], u, 0,
                                round(float(rng.uniform(20, 80)), 1)))
    order = rng.permutation(len(out))
    early = int(ROOMS_2021 / ROOMS_2025 * len(out))
    for r, i in enumerate(order):
        out[i]["established_year"] = int(rng.integers(2014, 2022)) if r < early else 2022 + (r - early) % 4
    for i in order[:3]:
        out[i]["closed_year"] = 2023 + int(rng.integers(0, 2))
    return out


def _active(st: dict, y: int) -> bool:
    return st["established_year"] <= y and (st["closed_year"] is None or st["closed_year"] >= y)


def _years(world, rng, stations, score) -> None:
    twp = {y: sorted(s["station_id"] for s in stations if s["station_level"] == "乡镇级" and _active(s, y))
           for y in spec.YEARS}
    st_score = {y: {s["station_id"]: score[y][s["township_code"]] + (0.05 if s["station_type"] == "基层立法联系点" else 0)
                    for s in stations if s["township_code"]} for y in spec.YEARS}
    rates = {it: {y: min(1.0, spec.TARGETS["K17"][y] + off) for y in spec.YEARS} for it, off in zip(STD, STD_OFFSET)}
    sets = calib.nested_chain(STD, rates, spec.YEARS, twp, st_score)
    deputies = world.deputies
    seats = deputies[deputies.status == "在任"].groupby("township_code").size().to_dict()
    visitors = {s["station_id"]: int(rng.integers(80, 600)) for s in stations}
    rows = []
    for yi, y in enumerate(spec.YEARS):
        passed = {it: set(sets[(it, y)]) for it in STD}
        counts = _activity_counts(rng, twp[y], st_score[y], int(spec.TARGETS["K18"][y]))
        closure = spec.TARGETS["K20"][y]
        for s in stations:
            if not _active(s, y):
                continue
            sid, level = s["station_id"], s["station_level"]
            if level == "乡镇级":
                flags = {it: sid in passed[it] for it in STD}
                acts = counts[sid]
            else:
                p = 0.55 + 0.08 * yi + (0.15 if level == "县级" else 0)
                flags = {it: bool(rng.random() < min(0.98, p + 0.1 * (len(STD) - k) / len(STD)))
                         for k, it in enumerate(STD)}
                acts = int(rng.integers(12, 31)) if level == "县级" else int(rng.integers(2, 13))
                flags["std_activity"] = flags["std_activity"] and acts > 0
            vis = int(visitors[sid] * (1 + 0.06 * yi) * (0.3 if level == "村(社区)级" else 1))
            collected = int(round(vis * rng.uniform(0.25, 0.35)))
            legis = s["station_type"] == "基层立法联系点"
            assigned = int(seats.get(s["township_code"], 0) * 0.9) + 3 if s["township_code"] else int(rng.integers(15, 60))
            if level == "村(社区)级":
                assigned = int(rng.integers(3, 12))
            rows.append({"year": y, "station_id": sid, **flags, "activity_count": acts,
                         "reception_sessions": max(1, acts // 2 + int(rng.integers(0, 6))), "visitors_received": vis,
                         "deputies_assigned": min(assigned, 500),
                         "deputy_visits": min(5000, int(assigned * rng.uniform(1, 3))),
                         "opinions_collected": collected,
                         "opinions_closed": min(collected, int(round(collected * min(1.0, rng.normal(closure, 0.04))))),
                         "legislative_opinions": int(rng.integers(5, 61)) if legis else None,
                         "method_tags": TAGS.get(s["county_code"]) if level != "村(社区)级" and rng.random() < 0.6 else None})
    world.rows["fact_station_year"] = rows


def _activity_counts(rng, ids: list[str], score: dict, target: int) -> dict[str, int]:
    """Activity counts whose median is exactly `target` and whose mean is within 0.5 of it."""
    n = len(ids)
    vals = np.sort(np.clip(np.round(target + rng.normal(0, 3.2, n)), 2, 40).astype(int))
    mid = n // 2
    lo, hi = (mid - 1, mid) if n % 2 == 0 else (mid, mid)
    vals[lo:hi + 1] = target
    vals[:lo] = np.minimum(vals[:lo], target)
    vals[hi + 1:] = np.maximum(vals[hi + 1:], target)
    diff = int(round(target * n)) - int(vals.sum())
    i = 0
    while diff != 0 and i < 10 * n:
        j = (n - 1 - i % (n - hi - 1)) if diff > 0 else (i % max(lo, 1))
        if diff > 0:
            vals[j] += 1
            diff -= 1
        elif vals[j] > 2:
            vals[j] -= 1
            diff += 1
        i += 1
    ranked = sorted(ids, key=lambda s: (score[s] + rng.normal(0, 0.05), s))
    return {s: int(v) for s, v in zip(ranked, np.sort(vals))}
