"""dim_deputy: county and township deputies of the 2021 term, departures with 补选, duty archives (K21)."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from etl.demo import calib, names, spec
from etl.demo.world import World

OCCUPATIONS = ("工人", "农民", "专业技术人员", "党政领导干部", "企业负责人", "其他")
OCC_P = {"县级": (0.10, 0.15, 0.20, 0.30, 0.15, 0.10), "乡级": (0.12, 0.40, 0.15, 0.15, 0.10, 0.08)}
LEAVE = (("辞职", 0.55), ("终止", 0.33), ("去世", 0.10), ("罢免", 0.02))
TERM_LABELS = ("第十七届", "第十八届", "第十九届", "第二十届")
TERM_FIRST = dt.date(spec.TERM_START, 1, 1)
TERM_AFTER = dt.date(spec.TERM_END + 1, 1, 1)
LAST_DAY = dt.date(spec.YEARS[-1], 12, 31)


def county_seats(c: spec.County) -> int:
    return 140 + int(round(c.pop * 10000 / 5000))          # 选举法: 140 + 1 per 5,000


def township_seats(pop_10k: float) -> int:
    return min(160, 45 + int(pop_10k * 10000 // 1500))     # 选举法: 45 + 1 per 1,500, ≤160


def _spread(total: int, weights: list[float]) -> list[int]:
    """Largest-remainder split of total seats over units by weight."""
    w = np.array(weights) / sum(weights) * total
    base = np.floor(w).astype(int)
    for i in np.argsort(-(w - base), kind="stable")[: total - base.sum()]:
        base[i] += 1
    return [int(x) for x in base]


def build(world: World) -> None:
    rng = world.rng("deputies")
    units = world.units[world.units.valid_to_year.isna()]
    labels = {code: TERM_LABELS[int(rng.integers(len(TERM_LABELS)))] for code in units.township_code}
    world.cache["term_label"] = labels
    rows: list[dict] = []
    for c in spec.COUNTIES:
        cu = units[units.county_code == c.code]
        seats = _spread(county_seats(c), list(cu.population_10k))
        n = 0
        for code, k in zip(cu.township_code, seats):
            for _ in range(k):
                n += 1
                rows.append(_deputy(rng, f"C{c.code}-{n:04d}", "县级", "第十八届", c.code, code))
        for code, kind, pop in zip(cu.township_code, cu.unit_type, cu.population_10k):
            if kind == "街道":
                continue
            for i in range(township_seats(pop)):
                rows.append(_deputy(rng, f"T{code}-{i + 1:03d}", "乡级", labels[code], c.code, code))
    for i, name in enumerate(names.RARE_PEOPLE):       # rare characters, spread over counties
        rows[i * 997 % len(rows)]["name"] = name
    rows += _departures(rng, rows)
    _archives(rng, rows)
    world.rows["dim_deputy"] = rows
    d = pd.DataFrame(rows)
    d["_start"] = [e or TERM_FIRST for e in d.elected_date]
    d["_end"] = [s if st != "在任" else TERM_AFTER for s, st in zip(d.status_date, d.status)]
    world.deputies = d


def _deputy(rng, did: str, level: str, label: str, county: str, township: str, elected=None) -> dict:
    female = rng.random() < 0.30
    age = int(np.clip(round(rng.normal(48, 9)), 25, 70))
    year = elected.year if elected else spec.TERM_START
    return {"deputy_id": did, "name": names.person(rng, female), "level": level, "term_label": label,
            "term_start_year": spec.TERM_START, "term_end_year": spec.TERM_END, "county_code": county,
            "township_code": township, "gender": "女" if female else "男", "birth_year": year - age,
            "is_reelected": bool(rng.random() < 0.35) and elected is None,
            "occupation_group": OCCUPATIONS[int(rng.choice(6, p=OCC_P[level]))],
            "has_duty_archive": False, "archive_date": None, "elected_date": elected,
            "status": "在任", "status_date": None}


def _departures(rng, rows: list[dict]) -> list[dict]:
    """About 3 % leave each year; most seats are refilled by a 补选 within 2–8 months."""
    extra: list[dict] = []
    next_no: dict[str, int] = {}
    for r in rows:
        prefix = r["deputy_id"].rsplit("-", 1)[0]
        next_no[prefix] = max(next_no.get(prefix, 0), int(r["deputy_id"].rsplit("-", 1)[1]))
    for r in rows:
        for y in spec.YEARS:
            if rng.random() < 0.03:
                left = calib.rand_date(rng, dt.date(y, 2, 1), dt.date(y, 12, 20))
                r["status"] = LEAVE[int(rng.choice(4, p=[p for _, p in LEAVE]))][0]
                r["status_date"] = left
                elected = left + dt.timedelta(days=int(rng.integers(60, 240)))
                if rng.random() < 0.8 and elected <= LAST_DAY:
                    prefix = r["deputy_id"].rsplit("-", 1)[0]
                    next_no[prefix] += 1
                    width = 4 if r["level"] == "县级" else 3
                    extra.append(_deputy(rng, f"{prefix}-{next_no[prefix]:0{width}d}", r["level"], r["term_label"],
                                         r["county_code"], r["township_code"], elected))
                break
    return extra


def _archives(rng, rows: list[dict]) -> None:
    """一代表一档案 (K21): exactly round(rate × in-office) archived by 31 Dec of each year, never undone."""
    score = {r["deputy_id"]: spec.county_score(r["county_code"], 2021) + rng.normal(0, 0.25) for r in rows}
    start = {r["deputy_id"]: r["elected_date"] or TERM_FIRST for r in rows}
    end = {r["deputy_id"]: r["status_date"] if r["status"] != "在任" else TERM_AFTER for r in rows}
    by_id = {r["deputy_id"]: r for r in rows}
    archived: list[str] = []
    for y in spec.YEARS:
        dec31 = dt.date(y, 12, 31)
        office = sorted(i for i in by_id if start[i] <= dec31 < end[i])
        k = calib.exact(spec.TARGETS["K21"][y], len(office))
        chosen = calib.grow(archived, office, score, k)
        done = set(archived)
        for i in chosen:
            if i not in done:
                r = by_id[i]
                r["has_duty_archive"] = True
                r["archive_date"] = calib.rand_date(rng, max(start[i], dt.date(y, 1, 10)), dec31)
        archived = sorted(done | set(chosen))
