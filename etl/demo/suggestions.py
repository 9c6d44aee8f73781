"""dim_handling_unit and fact_suggestion: county suggestions calibrated to K23–K28, plus some 乡级 ones."""
from __future__ import annotations

import datetime as dt
import math

import numpy as np

from etl.demo import calib, catalog, spec
from etl.demo.outcomes import assign_outcomes
from etl.demo.world import World

TOWNSHIP_PER_YEAR = (2, 6)   # 乡级 suggestions per township a year (optional in §4.5); scale.py raises it


def build(world: World) -> None:
    rng = world.rng("suggestions")
    units = _handling_units(world)
    world.rows["dim_handling_unit"] = units
    by_county = {}
    for u in units:
        by_county.setdefault(u["county_code"], []).append(u)
    county_ids = sorted(world.deputies.loc[world.deputies.level == "县级", "deputy_id"])
    world.cache["zeal"] = dict(zip(county_ids, rng.gamma(1.2, 1.0, len(county_ids)).tolist()))
    rows: list[dict] = []
    for y in spec.YEARS:
        year_rows = []
        for c in spec.COUNTIES:
            s0, s1 = c.sugg
            n = int(round(s0 + (s1 - s0) * (y - 2021) / 4)) + int(rng.integers(-3, 4))
            year_rows += _county_suggestions(world, rng, c, y, n, by_county[c.code])
        assign_outcomes(rng, year_rows, y)
        rows += year_rows
    _funds(world, rng, rows)
    rows += _township_suggestions(world, rng, by_county)
    world.rows["fact_suggestion"] = rows


def _handling_units(world: World) -> list[dict]:
    out = []
    for c in spec.COUNTIES:
        n = 0

        def add(name, kind):
            nonlocal n
            n += 1
            out.append({"unit_id": f"U{c.code}-{n:03d}", "unit_name": name, "county_code": c.code, "unit_type": kind})
        for dept, kind in catalog.DEPARTMENTS:
            add(c.name + dept, kind)
        add(catalog.ECO_BUREAU.format(county=c.name[:-1]), "政府部门")
        for u in world.active(spec.YEARS[-1]):
            if u.startswith(c.code):
                info = world.unit(u)
                street = info["unit_type"] == "街道"
                add(info["township_name"] + ("办事处" if street else "人民政府"), "街道办事处" if street else "乡镇政府")
    return out


def _unit_for(rng, units: list[dict], category: str, county: spec.County) -> dict:
    if rng.random() < 0.12 and category in ("农业农村", "城建环资", "社会建设"):
        local = [u for u in units if u["unit_type"] in ("乡镇政府", "街道办事处")]
        return local[int(rng.integers(len(local)))]
    dept = catalog.CATEGORY_UNITS[category][int(rng.integers(len(catalog.CATEGORY_UNITS[category])))]
    target = catalog.ECO_BUREAU.format(county=county.name[:-1]) if dept == "生态环境" else county.name + dept
    return next(u for u in units if u["unit_name"] == target)


def _county_suggestions(world, rng, c: spec.County, y: int, n: int, units: list[dict]) -> list[dict]:
    start, dur = world.cache["county_congress"][(c.code, y)]
    end = start + dt.timedelta(days=math.ceil(dur) - 1)
    zeal = world.cache["zeal"]
    kind = "区" if c.type == "市辖区" else "县"
    cats, probs = zip(*catalog.CATEGORY_P[kind])
    towns = [u for u in world.active(y) if u.startswith(c.code)]
    out = []
    for i in range(n):
        recess = rng.random() < 0.15
        submitted = calib.rand_date(rng, dt.date(y, 4, 1), dt.date(y, 6, 30)) if recess else calib.rand_date(rng, start, end)
        assigned = submitted + dt.timedelta(days=int(rng.integers(7, 21))) if recess else \
            end + dt.timedelta(days=int(rng.integers(14, 43)))
        ids = world.office_ids(submitted, "县级", c.code)
        w = np.array([zeal[d] for d in ids])
        lead = ids[int(rng.choice(len(ids), p=w / w.sum()))]
        category = cats[int(rng.choice(len(cats), p=np.array(probs) / sum(probs)))]
        templates = catalog.TITLES[category]
        town = world.unit(towns[int(rng.integers(len(towns)))])["township_name"]
        title = templates[int(rng.integers(len(templates)))].format(t=town, c=c.name, cc=c.name[:-1])
        out.append({"suggestion_id": f"JY{c.code}-{y}-{i + 1:03d}", "year": y, "level": "县级", "county_code": c.code,
                    "township_code": None, "source_period": "闭会期间" if recess else "大会期间", "lead_deputy_id": lead,
                    "cosigner_count": int(min(30, rng.geometric(0.3) - 1)), "title": title, "category": category,
                    "handling_unit_id": _unit_for(rng, units, category, c)["unit_id"],
                    "co_unit_count": int(rng.choice((0, 0, 1, 1, 2, 3))), "submitted_date": submitted,
                    "assigned_date": assigned, "_q": c.handling_in(y) + rng.normal(0, 0.8)})
    return out


def _funds(world: World, rng, rows: list[dict]) -> None:
    """落实资金: key and some A-class suggestions; ¥300–800k per county a year (松岭 ≈ ¥550k, 大方-like)."""
    totals = {}
    for c in spec.COUNTIES:
        for y in spec.YEARS:
            base = 55.0 if c.code == "990103" else 30 + 40 * c.cap
            total = round(float(np.clip(base * rng.uniform(0.92, 1.08) * (1 + 0.03 * (y - 2021)), 30, 80)), 2)
            mine = [r for r in rows if r["county_code"] == c.code and r["year"] == y and r["status"] != "已撤回"]
            takers = [r for r in mine if r["key_supervised"] or (r["result_class"] == "A" and rng.random() < 0.3)]
            for r, amount in zip(takers, calib.split_total(rng, total, len(takers))):
                r["funds_10k"] = amount
            totals[(c.code, y)] = total
    world.cache["suggestion_funds"] = totals


def _township_suggestions(world: World, rng, by_county) -> list[dict]:
    """A few 乡级 suggestions per township, submitted at the township's first session, handled by its government."""
    out = []
    for y in spec.YEARS:
        for t in world.townships(y):
            info = world.unit(t)
            sessions = world.cache["twp_congress"].get((t, y))
            gov = next(u for u in by_county[t[:6]] if u["unit_name"] == info["township_name"] + "人民政府")
            for i in range(int(rng.integers(*world.cache.get("township_per_year", TOWNSHIP_PER_YEAR)))):
                recess = not sessions or rng.random() < 0.1
                submitted = calib.rand_date(rng, dt.date(y, 4, 1), dt.date(y, 6, 30)) if recess else sessions[0][0]
                assigned = submitted + dt.timedelta(days=int(rng.integers(7, 22)))
                ids = world.office_ids(submitted, "乡级", t[:6], t)
                category = ("农业农村", "城建环资", "社会建设", "教科文卫")[int(rng.integers(4))]
                cls = "ABCD"[int(rng.choice(4, p=(0.60, 0.28, 0.09, 0.03)))]
                sat = "满意" if rng.random() < 0.9 else "基本满意"
                replied = assigned + dt.timedelta(days=int(rng.integers(20, 80)))
                local = [x for x in catalog.TITLES[category] if "{t}" in x]
                title = local[int(rng.integers(len(local)))]
                out.append({"suggestion_id": f"XJ{t}-{y}-{i + 1:02d}", "year": y, "level": "乡级", "county_code": t[:6],
                            "township_code": t, "source_period": "闭会期间" if recess else "大会期间",
                            "lead_deputy_id": ids[int(rng.integers(len(ids)))], "cosigner_count": int(rng.integers(0, 6)),
                            "title": title.format(t=info["township_name"]),
                            "category": category, "handling_unit_id": gov["unit_id"], "co_unit_count": 0,
                            "submitted_date": submitted, "assigned_date": assigned, "extension_approved": False,
                            "status": "已办结" if cls in "AD" else "已答复", "replied_date": replied,
                            "result_class": cls, "face_to_face": bool(rng.random() < 0.8), "contact_count": None,
                            "satisfaction": sat, "re_handled": False, "second_replied_date": None,
                            "second_satisfaction": None, "key_supervised": False, "supervising_leader": None,
                            "review_back": False, "quality_score": None, "handling_score": None, "funds_10k": None})
                out[-1]["contact_count"] = int(rng.integers(1, 4)) if out[-1]["face_to_face"] else 0
    return out
