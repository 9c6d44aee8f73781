"""Birth years of body heads and township chairs: "35岁左右" (≤38 on 31 Dec) share per K07, 9 % → 23 %.

Each head slot keeps its person from year to year; a slot picked as "young" gets a new young head only
when its current head is over 38, and an old head is replaced only at retirement age.
"""
from __future__ import annotations

from etl.demo import calib, spec
from etl.demo.world import World

MAX_YOUNG = 38


def build(world: World) -> None:
    rng = world.rng("heads")
    bodies = world.rows["fact_county_body"]
    staffing = world.rows["fact_township_staffing"]
    slots_by_year: dict[int, list[tuple]] = {y: [] for y in spec.YEARS}
    where: dict[tuple, list[tuple[str, dict]]] = {}
    for r in bodies:
        if r["shares_staff_with"] is None and not r["_vacant"]:
            key = ("B", r["county_code"], r["body_name"])
            slots_by_year[r["year"]].append(key)
            where.setdefault(key, []).append(("head_birth_year", r))
    for r in staffing:
        if r["chair_status"] != "空缺":
            key = ("T", r["township_code"][:6], r["township_code"])
            slots_by_year[r["year"]].append(key)
            where.setdefault(key, []).append(("chair_birth_year", r))
    keys = sorted(where)
    youth = {k: spec.BY_CODE[k[1]].youth + rng.normal(0, 0.6) for k in keys}
    born: dict[tuple, int] = {}
    born_in: dict[tuple, int] = {}
    young: list[tuple] = []
    for y in spec.YEARS:
        slots = sorted(slots_by_year[y])
        young = calib.grow(young, slots, youth, calib.exact(spec.TARGETS["K07"][y], len(slots)))
        ys = set(young)
        for k in slots:
            age = y - born[k] if k in born else None
            if k in ys:
                if age is None or age > MAX_YOUNG:
                    born[k] = y - int(rng.integers(30, 36))
            elif age is None or age <= MAX_YOUNG + 1:
                born[k] = y - int(rng.integers(41, 56))
            elif age >= 59:
                born[k] = y - int(rng.integers(42, 50))
            born_in[(k, y)] = born[k]
    for k, places in where.items():
        for col, row in places:
            row[col] = born_in[(k, row["year"])]
