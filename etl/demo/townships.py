"""fact_township_staffing and fact_township_liuyou (K01, K04, K05, K06b): nested pass sets on one latent score."""
from __future__ import annotations

import datetime as dt

from etl.demo import calib, spec
from etl.demo.world import World

LIUYOU = ("has_organization", "has_rules", "has_venue", "has_staff", "has_equipment", "has_funding")
# item pass rates (easiest first); the hardest item (经费) equals K01 "all six"
LIUYOU_RATES = {
    "has_organization": spec.by_year(0.80, 0.88, 0.94, 0.97, 0.99),
    "has_rules": spec.by_year(0.68, 0.78, 0.87, 0.92, 0.96),
    "has_venue": spec.by_year(0.58, 0.70, 0.80, 0.88, 0.94),
    "has_staff": spec.by_year(0.48, 0.63, 0.76, 0.85, 0.92),
    "has_equipment": spec.by_year(0.41, 0.56, 0.70, 0.82, 0.90),
    "has_funding": spec.TARGETS["K01"],
}
PART_TIME = ("兼任党委书记", "兼任党委副书记", "其他兼职")
VACANT_CHAIRS = {"990105": 2, "990104": 1}   # vacancies in 2021 (云渡 also 2022)


def build(world: World) -> None:
    rng = world.rng("townships")
    score = world.scores("org", sd=0.05)
    years = spec.YEARS
    towns = {y: world.townships(y) for y in years}
    streets = {y: world.streets(y) for y in years}
    t12 = {y: [t for t in towns[y] if world.unit(t)["category"] in ("一类", "二类")] for y in years}
    k04 = dict(spec.TARGETS["K04"])
    ft_rate = {y: min(1.0, k04[y] + 0.06) for y in years}
    twp = calib.nested_chain(("ft", "chair"), {"ft": ft_rate, "chair": k04}, years, towns, score)
    st = calib.nested_chain(("chair", "ft"), {"chair": spec.TARGETS["K06"], "ft": spec.TARGETS["K06b"]},
                            years, streets, score)
    vice, vice3, prev, prev3 = {}, {}, [], []
    for y in years:
        vice[y] = prev = calib.grow(prev, t12[y], score[y], calib.exact(spec.TARGETS["K05"][y], len(t12[y])))
        t3 = [t for t in towns[y] if t not in set(t12[y])]
        vice3[y] = prev3 = calib.grow(prev3, t3, score[y], calib.exact(0.10 + 0.03 * (y - 2021), len(t3)))
    staffed = {y: sorted(set(twp[("chair", y)]) | set(st[("ft", y)])) for y in years}
    restrict = {("has_staff", y): staffed[y] for y in years}
    units = {y: world.active(y) for y in years}
    liuyou = calib.nested_chain(LIUYOU, LIUYOU_RATES, years, units, score, restrict)
    world.cache["liuyou_sets"] = liuyou
    _staffing_rows(world, rng, years, units, twp, st, vice, vice3, liuyou)
    _liuyou_rows(world, rng, years, units, liuyou)


def _staffing_rows(world, rng, years, units, twp, st, vice, vice3, liuyou) -> None:
    part = {u: PART_TIME[int(rng.choice(3, p=(0.40, 0.35, 0.25)))] for u in units[years[0]]}
    staff_n = {u: int(rng.choice((1, 1, 2, 2, 3))) for u in units[years[0]]}
    partn = {u: int(rng.integers(0, 5)) for u in units[years[0]]}
    score21 = world.scores("org", sd=0.05)[years[0]]
    vacant: list[str] = []
    for county, n in VACANT_CHAIRS.items():
        cands = [t for t in world.townships(2021) if t.startswith(county) and t not in set(twp[("chair", 2021)])]
        vacant += calib.top(cands, {t: -score21[t] for t in cands}, n)
    rows = []
    for y in years:
        chair = set(twp[("chair", y)]) | set(st[("chair", y)])
        ft = set(twp[("ft", y)]) | set(st[("ft", y)])
        vices = set(vice[y]) | set(vice3[y])
        org = set(liuyou[("has_organization", y)])
        for u in units[y]:
            street = world.unit(u)["unit_type"] == "街道"
            if u in chair:
                status = "专职"
            elif u in vacant and (y == 2021 or (y == 2022 and u.startswith("990105"))):
                status = "空缺"
            else:
                status = "兼任党委副书记" if street and part[u] == "兼任党委书记" else part[u]
            nvice = (1 + (rng.random() < 0.15)) if u in vices else (int(street and rng.random() < 0.3))
            rows.append({"year": y, "township_code": u, "chair_status": status, "chair_birth_year": None,
                         "fulltime_vice_chairs": int(nvice), "fulltime_staff": staff_n[u] if u in ft else 0,
                         "parttime_staff": partn[u], "has_office": u in org})
    world.rows["fact_township_staffing"] = rows


def _liuyou_rows(world, rng, years, units, sets) -> None:
    area = {u: float(round(rng.uniform(40, 160), 1)) for u in units[years[0]]}
    funds = {u: float(rng.uniform(3, 18)) for u in units[years[0]]}
    rules_n = {u: int(rng.integers(5, 11)) for u in units[years[0]]}
    rows, totals = [], {}
    for y in years:
        passed = {it: set(sets[(it, y)]) for it in LIUYOU}
        for u in units[y]:
            info = world.unit(u)
            flags = {it: u in passed[it] for it in LIUYOU}
            county = spec.BY_CODE[info["county_code"]]
            fund = round(funds[u] * (1 + 0.08 * (y - 2021)), 2) if flags["has_funding"] else None
            if fund is None and rng.random() < 0.3:
                fund = round(float(rng.uniform(0.5, 2.0)), 2)   # ad hoc money, not a separate budget line
            all_six = all(flags.values())
            rows.append({"year": y, "township_code": u, **flags,
                         "venue_area_m2": area[u] if flags["has_venue"] else (15.0 if rng.random() < 0.3 else None),
                         "rules_count": rules_n[u] + (y - 2021) // 2 if flags["has_rules"] else int(rng.integers(0, 5)),
                         "funding_10k": fund,
                         "equipment_note": "电脑2台、打印机1台、档案柜3组" if flags["has_equipment"]
                         else ("电脑1台" if rng.random() < 0.5 else None),
                         "evidence": f"{y}年度“六有”台账·{info['township_name']}" if all_six or rng.random() < 0.5 else None,
                         "assessed_by": f"{county.name}人大常委会代表工作委员会",
                         "assessed_date": calib.rand_date(rng, dt.date(y, 11, 20), dt.date(y + 1, 3, 20))})
            totals[(info["county_code"], y)] = round(totals.get((info["county_code"], y), 0.0) + (fund or 0.0), 2)
    world.rows["fact_township_liuyou"] = rows
    world.cache["township_funds"] = totals
