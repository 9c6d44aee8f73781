"""dim_city, dim_county, dim_township: 8 counties, 115 active units (34 乡, 55 镇, 26 街道) + one retired 镇."""
from __future__ import annotations

import numpy as np
import pandas as pd

from etl.demo import names, spec
from etl.demo.world import World

RARE_TOWN = {"990103": "镕溪", "990104": "喆山"}
RETIRED_IN = "990101"   # 澜城区: one 镇 became a 街道 in 2019 (镇改街道)


def _town_pops(rng, c: spec.County, kinds: list[str]) -> list[float]:
    """Township populations (万) whose seat formula sums close to the county's township deputies."""
    n = len(kinds)
    mean_persons = (c.twp_deputies / n - 45) * 1500
    w = np.array([1.2 if k == "镇" else 0.75 for k in kinds]) * rng.lognormal(0, 0.25, n)
    pops = np.clip(w / w.mean() * mean_persons, 8000, 60000)
    return [round(float(p) / 10000, 2) for p in pops]


def build(world: World) -> None:
    rng = world.rng("geography")
    world.rows["dim_city"] = [{"city_code": spec.CITY_CODE, "city_name": spec.CITY_NAME}]
    world.rows["dim_county"] = [
        {"county_code": c.code, "county_name": c.name, "county_type": c.type, "city_code": spec.CITY_CODE,
         "population_10k": float(c.pop), "sort_order": i + 1, "is_demo": True}
        for i, c in enumerate(spec.COUNTIES)]
    used: set[str] = set()
    rows = []
    for c in spec.COUNTIES:
        towns = ["镇"] * c.zhen + ["乡"] * c.xiang
        town_names = names.township_names(rng, towns, used, RARE_TOWN.get(c.code))
        street_names = names.township_names(rng, ["街道"] * c.jiedao, used)
        pops = _town_pops(rng, c, towns)
        rest = c.pop - sum(pops)
        sw = rng.lognormal(0, 0.3, c.jiedao)
        street_pops = [round(float(np.clip(rest * w / sw.sum(), 1.5, 25)), 2) for w in sw]
        cats = _categories(rng, towns, pops)
        for i, (name, kind, pop, cat) in enumerate(zip(town_names, towns, pops, cats)):
            seq = 101 + i if kind == "镇" else 201 + i - c.zhen
            rows.append(_row(rng, c.code, seq, name, kind, cat, pop))
        for i, (name, pop) in enumerate(zip(street_names, street_pops)):
            rows.append(_row(rng, c.code, 1 + i, name, "街道", None, pop))
    _retire_one(rng, rows)
    world.rows["dim_township"] = rows
    units = pd.DataFrame(rows)
    units["_noise"] = rng.normal(0, 0.10, len(units))
    units["valid_to_year"] = units["valid_to_year"].astype("Float64")
    world.units = units.sort_values("township_code").reset_index(drop=True)


def _categories(rng, kinds: list[str], pops: list[float]) -> list[str]:
    """镇 ≈ 35/50/15 % 一/二/三类, 乡 ≈ 10/38/52 %, larger units first."""
    out = [""] * len(kinds)
    for kind, cuts in (("镇", (0.35, 0.85)), ("乡", (0.10, 0.48))):
        idx = [i for i, k in enumerate(kinds) if k == kind]
        idx.sort(key=lambda i: -(pops[i] * rng.lognormal(0, 0.15)))
        for r, i in enumerate(idx):
            q = (r + 0.5) / len(idx)
            out[i] = "一类" if q < cuts[0] else "二类" if q < cuts[1] else "三类"
    return out


def _row(rng, county: str, seq: int, name: str, kind: str, category, pop: float) -> dict:
    street = kind == "街道"
    villages = int(rng.integers(6, 16)) if street else int(np.clip(pop * 10000 / 2200 + rng.normal(0, 3), 6, 32))
    start = int(rng.choice((2001, 2005, 2011, 2015))) if street else int(rng.choice((1984, 1987, 1992, 1995, 2001, 2005)))
    return {"township_code": f"{county}{seq:03d}", "township_name": name, "county_code": county, "unit_type": kind,
            "category": category, "population_10k": pop, "village_count": villages, "valid_from_year": start,
            "valid_to_year": None, "predecessor_codes": None}


def _retire_one(rng, rows: list[dict]) -> None:
    """The last street of 澜城区 was a 镇 until 2018 (镇改街道): keep the old 镇 as a retired row."""
    streets = [r for r in rows if r["county_code"] == RETIRED_IN and r["unit_type"] == "街道"]
    new = streets[-1]
    towns = [r for r in rows if r["county_code"] == RETIRED_IN and r["unit_type"] == "镇"]
    head = new["township_name"][:-2]
    old = _row(rng, RETIRED_IN, 101 + len(towns), head + "镇", "镇", "二类", round(new["population_10k"] * 0.8, 2))
    old.update(valid_from_year=1992, valid_to_year=2018)
    new.update(valid_from_year=2019, predecessor_codes=old["township_code"])
    rows.append(old)
