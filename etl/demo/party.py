"""fact_party_support (K32, K33), fact_budget (K34, K30) and fact_index_bonus."""
from __future__ import annotations

import datetime as dt

from etl.demo import calib, spec
from etl.demo.world import World

COMMITTEE = {"市辖区": "区", "县": "县", "县级市": "市"}
REPORT_TYPES = ("听取人大常委会党组工作汇报", "听取人大工作专题汇报")
REPORT_TOPICS = ("代表建议办理工作", "乡镇人大规范化建设", "民生实事项目代表票决制", "代表联络站建设",
                 "人大常委会年度工作要点", "预算审查监督工作")


def build(world: World) -> None:
    rng = world.rng("party")
    rows: list[dict] = []
    for c in spec.COUNTIES:
        k = COMMITTEE[c.type]
        for y in spec.YEARS:
            events: list[tuple[str, dt.date, str, str | None]] = []
            if c.code in spec.PLANS["K32"][y]:
                reports = 2 + int(rng.random() < 0.3)
            else:
                reports = int(c.code != "990105" or y > 2022)     # 云渡: none at all in 2021–2022
            for i in range(reports):
                kind = REPORT_TYPES[i % 2]
                when = calib.rand_date(rng, dt.date(y, 3 + 5 * (i % 2), 1), dt.date(y, 6 + 5 * (i % 2), 28))
                title = (f"{k}委常委会听取{k}人大常委会党组工作汇报" if i % 2 == 0 else
                         f"{k}委常委会听取{REPORT_TOPICS[int(rng.integers(len(REPORT_TOPICS)))]}专题汇报")
                events.append((kind, when, title, None))
            if spec.WORK_MEETING_YEAR[c.code] == y:
                events.append(("人大工作会议", calib.rand_date(rng, dt.date(y, 4, 1), dt.date(y, 6, 30)),
                               f"{c.name[:-1]}{k}委人大工作会议", None))
            if y == 2022:
                events.append(("出台加强人大工作文件", calib.rand_date(rng, dt.date(y, 3, 1), dt.date(y, 8, 31)),
                               "关于加强新时代人大工作的实施意见", f"{c.abbr}发〔2022〕{int(rng.integers(3, 21))}号"))
            if _adds_bodies(world, c.code, y):
                events.append(("研究解决人大机构编制", calib.rand_date(rng, dt.date(y, 1, 10), dt.date(y, 3, 31)),
                               f"{k}委编委会研究{k}人大常委会机构设置和人员编制", None))
            if len(events) < 2:
                events.append(("其他", calib.rand_date(rng, dt.date(y, 5, 1), dt.date(y, 11, 30)),
                               f"{k}委常委会研究代表活动经费保障和代表履职服务工作", None))
            for n, (kind, when, title, doc) in enumerate(sorted(events, key=lambda e: e[1])):
                rows.append({"event_id": f"P{c.code}-{y}-{n + 1:03d}", "level": "县委", "county_code": c.code,
                             "township_code": None, "event_type": kind, "event_date": when, "title": title,
                             "doc_no": doc, "year": y})
    rows += _township_events(world, rng)
    world.rows["fact_party_support"] = rows
    _budget(world, rng)
    world.rows["fact_index_bonus"] = [
        {"year": y, "county_code": c, "bonus_points": p, "reason": r, "evidence": e} for y, c, p, r, e in spec.BONUS]


def _adds_bodies(world: World, county: str, y: int) -> bool:
    def names(year):
        return {b["body_name"] for b in world.rows["fact_county_body"] if b["year"] == year and b["county_code"] == county}
    return y > spec.YEARS[0] and bool(names(y) - names(y - 1))


def _township_events(world: World, rng) -> list[dict]:
    """乡镇党委 hear the presidium's report: the better-run townships, growing over the term."""
    score = world.scores("org", sd=0.05)
    out, prev = [], []
    for y in spec.YEARS:
        towns = world.townships(y)
        prev = calib.grow(prev, towns, score[y], calib.exact(0.25 + 0.1 * (y - 2021), len(towns)))
        for t in prev:
            name = world.unit(t)["township_name"]
            out.append({"event_id": f"P{t}-{y}-01", "level": "乡镇党委", "county_code": t[:6], "township_code": t,
                        "event_type": "听取人大工作专题汇报",
                        "event_date": calib.rand_date(rng, dt.date(y, 4, 1), dt.date(y, 11, 30)),
                        "title": f"{name}党委听取人大主席团工作汇报", "doc_no": None, "year": y})
    return out


def _budget(world: World, rng) -> None:
    rows = []
    for c in spec.COUNTIES:
        per = float(rng.integers(12, 22)) * 100
        for y in spec.YEARS:
            in_budget = c.code in spec.PLANS["K34_budget"][y]
            fund_set = c.code in spec.PLANS["K34_fund"][y]
            deputies = world.office_count(dt.date(y, 1, 1), "县级", c.code)
            yuan = per * (1 + 0.05 * (y - 2021)) if in_budget else None
            funds = world.cache["suggestion_funds"][(c.code, y)]
            rows.append({"year": y, "county_code": c.code, "deputy_funds_in_budget": in_budget,
                         "deputy_funds_10k": round(yuan * deputies / 10000, 2) if yuan else None,
                         "per_deputy_yuan": float(round(yuan)) if yuan else None, "suggestion_fund_set": fund_set,
                         "suggestion_fund_10k": round(funds * float(rng.uniform(0.92, 1.08)), 2) if fund_set else None,
                         "township_npc_funds_10k": world.cache["township_funds"].get((c.code, y), 0.0)})
    world.rows["fact_budget"] = rows
