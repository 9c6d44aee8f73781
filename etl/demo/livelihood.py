"""fact_livelihood_round and fact_livelihood_project: 票决制 coverage (K35), completion (K36), evaluation (K37)."""
from __future__ import annotations

import datetime as dt
import math

import numpy as np

from etl.demo import calib, catalog, spec
from etl.demo.world import World

LEADER = "990108"   # 雁原市: 票决制 at both levels since 2021
LAGGARDS = ("990104", "990105")


def build(world: World) -> None:
    rng = world.rng("livelihood")
    rounds, projects = [], []
    score = world.scores("vote", sd=0.08)
    prev: list[str] = []
    for y in spec.YEARS:
        for c in spec.PLANS["K35_county"][y]:
            start, dur = world.cache["county_congress"][(c, y)]
            vote = start + dt.timedelta(days=math.ceil(dur) - 1)
            towns = [world.unit(t)["township_name"] for t in world.active(y) if t.startswith(c)]
            rounds.append(_round(rng, y, "县级", c, vote, world.office_count(vote, "县级", c), (12, 16), (8, 11)))
            projects += _projects(rng, rounds[-1], towns + ["城区"], (20, 3000))
        towns = world.townships(y)
        held = [t for t in towns if world.cache["twp_congress"].get((t, y))]
        boost = {t: score[y][t] + (5.0 if t.startswith(LEADER) else 0.0) for t in held}
        prev = calib.grow(prev, held, boost, calib.exact(spec.TARGETS["K35_township"][y], len(towns)))
        for t in prev:
            vote = world.cache["twp_congress"][(t, y)][0][0]
            rounds.append(_round(rng, y, "乡级", t, vote, world.office_count(vote, "乡级", t[:6], t), (6, 9), (4, 6)))
            projects += _projects(rng, rounds[-1], [world.unit(t)["township_name"]], (5, 300))
        _completion(rng, [p for p in projects if p["year"] == y and p["is_selected"]], y)
    world.rows["fact_livelihood_round"] = rounds
    world.rows["fact_livelihood_project"] = projects


def _round(rng, y, level, code, vote, total, cand_range, sel_range) -> dict:
    to_select = int(rng.integers(*sel_range))
    candidates = max(to_select + 2, int(rng.integers(*cand_range)))
    return {"year": y, "level": level, "unit_code": code, "proposals_collected": int(candidates * rng.uniform(3, 12)),
            "candidates": candidates, "to_select": to_select, "deputies_total": total,
            "deputies_present": int(total * rng.uniform(0.86, 0.97)), "vote_date": vote}


def _projects(rng, r: dict, places: list[str], budget: tuple[int, int]) -> list[dict]:
    """Selected projects get 78–98 % of present votes; one candidate fails (≤ half of all deputies)."""
    n, k, present, total = r["candidates"], r["to_select"], r["deputies_present"], r["deputies_total"]
    votes = sorted((int(present * rng.uniform(0.78, 0.98)) for _ in range(k)), reverse=True)
    votes += sorted((int(present * rng.uniform(0.58, 0.76)) for _ in range(n - k - 1)), reverse=True)
    votes.append(min(int(total / 2) - 1, int(present * rng.uniform(0.30, 0.45))))
    cats = list(catalog.PROJECTS)
    out = []
    for i, v in enumerate(votes):
        cat = cats[int(rng.integers(len(cats)))]
        names = catalog.PROJECTS[cat]
        place = places[int(rng.integers(len(places)))]
        lo, hi = budget
        out.append({"project_id": f"MS{r['unit_code']}-{r['year']}-{i + 1:02d}", "year": r["year"], "level": r["level"],
                    "unit_code": r["unit_code"], "project_name": names[int(rng.integers(len(names)))].format(t=place),
                    "category": cat, "votes_for": v, "is_selected": i < k,
                    "budget_10k": round(float(np.clip(rng.lognormal(np.log(math.sqrt(lo * hi)), 0.8), lo, hi)), 2),
                    "stage": "票决", "completion_pct": None, "satisfaction_pct": None})
    return out


def _completion(rng, selected: list[dict], y: int) -> None:
    """Exactly round(K36 × selected) projects at 100 % on 31 Dec; completed ones are evaluated (K37)."""
    ids = sorted(p["project_id"] for p in selected)
    by = {p["project_id"]: p for p in selected}
    bonus = {i: (0.5 if by[i]["unit_code"].startswith(LEADER) else 0.0) + float(rng.normal(0, 1)) for i in ids}
    done = set(calib.top(ids, bonus, calib.exact(spec.TARGETS["K36"][y], len(ids))))
    for i in ids:
        p = by[i]
        if i in done:
            laggard = p["unit_code"][:6] in LAGGARDS
            evaluated = rng.random() < (0.75 if laggard else 0.97) * (0.9 if y == spec.YEARS[-1] else 1.0)
            p.update(completion_pct=100.0, stage="评估" if evaluated else "监督",
                     satisfaction_pct=round(float(rng.uniform(82, 98)), 1) if evaluated else None)
        else:
            p.update(completion_pct=round(float(rng.uniform(55, 95)), 1), stage="实施" if rng.random() < 0.6 else "监督")
