"""fact_county_body and fact_county_leadership: "1人委/2人委" from 70 % (2021) to 36 % (2025), §4.3."""
from __future__ import annotations

from etl.demo import calib, spec
from etl.demo.world import World

OFFICES = ("办公室", "研究室")
VACANT = {("990105", "其他:农业农村工作委员会"): (2021, 2022), ("990104", "选举任免联络工作委员会"): (2021, 2021)}


def body_type(name: str) -> str:
    return "办事机构" if name in OFFICES else "工作委员会"


def build(world: World) -> None:
    rng = world.rng("bodies")
    rows: list[dict] = []
    for c in spec.COUNTIES:
        counts, smalls, special_from = spec.BODY_PLAN[c.code]
        score = {b: c.cap + rng.normal(0, 0.3) for b in spec.POOL}
        staff = {b: int(rng.integers(5, 11)) if b == spec.OFFICE else int(rng.choice((1, 2), p=(0.375, 0.625)))
                 for b in spec.POOL}
        big = {b: int(rng.choice((3, 3, 4, 4, 5))) for b in spec.POOL}
        founded = {b: int(rng.integers(1985, 2019)) if i < counts[0] else _first_year(counts, b)
                   for i, b in enumerate(spec.POOL)}
        posts_extra = {b: int(rng.integers(0, 3)) for b in spec.POOL}
        large: list[str] = []
        for yi, y in enumerate(spec.YEARS):
            bodies = list(spec.POOL[:counts[yi]])
            others = [b for b in bodies if b != spec.OFFICE]
            large = calib.grow(large, others, score, len(others) - smalls[yi])
            for b in bodies:
                if b == spec.OFFICE:
                    n = staff[b] + (yi >= 3)
                elif b in large:
                    n = big[b] + (y >= 2024 and score[b] > c.cap)
                else:
                    n = staff[b]
                vac = VACANT.get((c.code, b))
                vacant = bool(vac and vac[0] <= y <= vac[1])
                rows.append({"year": y, "county_code": c.code, "body_name": b, "body_type": body_type(b),
                             "authorized_posts": n + posts_extra[b] + (b not in large and b != spec.OFFICE),
                             "staff_count": n, "head_fulltime": None if vacant else bool(n >= 3 or rng.random() < 0.6),
                             "head_birth_year": None, "shares_staff_with": None, "established_year": founded[b],
                             "_vacant": vacant})
            if special_from and y >= special_from:
                for name, host in spec.SPECIAL:
                    if host in bodies:
                        rows.append({"year": y, "county_code": c.code, "body_name": name, "body_type": "专门委员会",
                                     "authorized_posts": 0, "staff_count": 0, "head_fulltime": None,
                                     "head_birth_year": None, "shares_staff_with": host,
                                     "established_year": max(special_from, _first_year(counts, host)), "_vacant": True})
    world.rows["fact_county_body"] = rows
    _leadership(world, rng, rows)


def _first_year(counts: tuple[int, ...], body: str) -> int:
    """Year a body first appears in a county's plan (bodies of 2021 keep their founding year)."""
    i = spec.POOL.index(body)
    for y, n in zip(spec.YEARS, counts):
        if i < n:
            return y
    return spec.YEARS[-1]


def _leadership(world: World, rng, bodies: list[dict]) -> None:
    rows = []
    for c in spec.COUNTIES:
        members = int(rng.integers(21, 28))
        share0 = 0.28 + 0.15 * c.cap
        born = int(rng.integers(1962, 1968))
        for y in spec.YEARS:
            if y == 2023 and rng.random() < 0.5:      # some directors change mid-term
                born = int(rng.integers(1965, 1972))
            share = min(0.70, share0 + (0.04 + c.slope / 3) * (y - 2021))
            specials = sum(1 for b in bodies if b["year"] == y and b["county_code"] == c.code
                           and b["body_type"] == "专门委员会")
            rows.append({"year": y, "county_code": c.code, "members_total": members,
                         "fulltime_members": int(round(members * share)),
                         "director_separate": c.code in spec.PLANS["K03"][y], "director_birth_year": born,
                         "special_committee_count": specials})
    world.rows["fact_county_leadership"] = rows
