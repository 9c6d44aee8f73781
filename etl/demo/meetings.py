"""fact_meeting: county and township 人代会, 主席团会议 and recess activities (K10–K15)."""
from __future__ import annotations

import datetime as dt

from etl.demo import calib, spec
from etl.demo.world import World

FORMS = ("视察", "专题调研", "执法检查", "听取审议专项工作报告", "询问或质询", "述职评议", "集中接待选民",
         "学习培训", "建议督办", "其他")
FORM_P = (0.20, 0.18, 0.06, 0.08, 0.03, 0.07, 0.18, 0.12, 0.06, 0.02)
ACTIVITY_TOPICS = {
    "视察": ("视察农村饮水安全工程", "视察高标准农田建设", "视察乡村道路建设", "视察集镇污水处理设施"),
    "专题调研": ("调研特色产业发展", "调研农村养老服务", "调研义务教育学校布局", "调研人居环境整治"),
    "执法检查": ("检查《食品安全法》贯彻执行情况", "检查《森林法》贯彻执行情况", "检查《安全生产法》执行情况"),
    "听取审议专项工作报告": ("听取乡村振兴工作情况报告", "听取财政预算执行情况报告", "听取民生实事项目推进情况报告"),
    "询问或质询": ("就农村垃圾治理开展专题询问", "就义务教育均衡发展开展专题询问"),
    "述职评议": ("站所负责人述职评议", "代表向选民述职"),
    "集中接待选民": ("代表联络站集中接待选民", "“代表接待日”集中接待选民"),
    "学习培训": ("代表履职学习培训", "学习宣传地方组织法"),
    "建议督办": ("督办代表建议办理情况", "建议办理“回头看”"),
    "其他": ("代表小组集中活动", "走访慰问困难群众"),
}
PRESIDIUM_TOPICS = ("研究年度代表活动计划", "研究人代会筹备工作", "听取政府关于民生实事项目推进情况的通报",
                    "研究代表建议办理督办工作", "研究代表小组活动安排", "听取代表联络站运行情况汇报")
NUMS = "一二三四五六七八九十"


def cn(n: int) -> str:
    return NUMS[n - 1] if n <= 10 else "十" + NUMS[n - 11]


def build(world: World) -> None:
    rng = world.rng("meetings")
    rows: list[dict] = []
    seq: dict[tuple, int] = {}

    def add(county, year, **kw):
        seq[(county, year)] = seq.get((county, year), 0) + 1
        base = {"event_id": f"M{county}-{year}-{seq[(county, year)]:04d}", "org_level": "县级",
                "county_code": county, "township_code": None, "activity_form": None, "session_label": None,
                "is_election_session": None, "duration_days": None, "deputies_expected": None,
                "deputies_present": None, "participants": None, "topic": None, "year": year}
        base.update(kw)
        rows.append(base)

    _county_level(world, rng, add)
    _townships(world, rng, add)
    _activities(world, rng, add)
    rows.sort(key=lambda r: r["event_id"])
    world.rows["fact_meeting"] = rows


def _county_level(world, rng, add) -> None:
    world.cache["county_congress"] = {}
    for c in spec.COUNTIES:
        for y in spec.YEARS:
            start = calib.rand_date(rng, dt.date(y, 1, 6), dt.date(y, 2, 18))
            dur = 4.0 if y == spec.TERM_START else float(rng.choice((2.5, 3.0, 3.0, 3.5)))
            expected = world.office_count(start, "县级", c.code)
            add(c.code, y, event_type="人代会", session_label=f"第十八届人民代表大会第{cn(y - 2020)}次会议",
                is_election_session=y == spec.TERM_START, start_date=start, duration_days=dur,
                deputies_expected=expected, deputies_present=int(expected * rng.uniform(0.92, 0.98)),
                topic="听取审议“一府一委两院”工作报告，审查批准预算，票决民生实事项目")
            world.cache["county_congress"][(c.code, y)] = (start, dur)
            for _ in range(int(rng.integers(4, 9))):
                form = ("视察", "执法检查", "专题调研", "听取审议专项工作报告", "询问或质询")[int(rng.integers(5))]
                add(c.code, y, event_type="闭会期间代表活动", activity_form=form,
                    start_date=calib.rand_date(rng, dt.date(y, 3, 15), dt.date(y, 12, 10)),
                    duration_days=float(rng.choice((0.5, 1.0, 1.0, 2.0))), participants=int(rng.integers(20, 121)),
                    topic=ACTIVITY_TOPICS[form][int(rng.integers(len(ACTIVITY_TOPICS[form])))])


def _session_sets(world):
    """Townships with ≥2 sessions (K11), the two 云渡 townships at 0 in 2022 (K10), presidium ≥4 (K13)."""
    score = world.scores("meet", sd=0.08)
    towns = world.townships(2022)
    yd = [t for t in towns if t.startswith("990105")]
    zero = calib.top(yd, {t: -score[2022][t] for t in yd}, 2)
    two, pres, prev2, prevp = {}, {}, [], []
    for y in spec.YEARS:
        cand = [t for t in world.townships(y) if not (y == 2022 and t in set(zero))]
        n = len(world.townships(y))
        two[y] = prev2 = calib.grow(prev2, cand, score[y], calib.exact(spec.TARGETS["K11"][y], n))
        pres[y] = prevp = calib.grow(prevp, cand, score[y], calib.exact(spec.TARGETS["K13"][y], n))
    return zero, two, pres


def _townships(world, rng, add) -> None:
    zero, two, pres = _session_sets(world)
    world.cache["zero_congress_2022"] = zero
    world.cache["twp_congress"] = {}
    presidium = {t: int(rng.integers(5, 10)) for t in world.townships(2021)}
    number = {t: 0 for t in world.townships(2021)}
    inquorate = None
    for y in spec.YEARS:
        sessions = []
        for t in world.townships(y):
            n = 0 if (y == 2022 and t in set(zero)) else 1 + (t in set(two[y]))
            for i in range(n):
                start = (calib.rand_date(rng, dt.date(y, 1, 8), dt.date(y, 3, 15)) if i == 0 else
                         calib.rand_date(rng, dt.date(y, 7, 1), dt.date(y, 8, 15)) if rng.random() < 0.8 else
                         calib.rand_date(rng, dt.date(y, 11, 15), dt.date(y, 12, 20)))
                sessions.append((t, i, start, y == spec.TERM_START and i == 0))
        regular = [s for s in sessions if not s[3]]
        half_score = {(s[0], s[1]): spec.BY_CODE[s[0][:6]].halfday + rng.normal(0, 0.6) for s in regular}
        half = set(calib.top(sorted(half_score), half_score, calib.exact(spec.TARGETS["K12"][y], len(regular))))
        if y == 2023:
            yd = sorted(s[0] for s in sessions if s[0].startswith("990105") and s[1] == 0 and s[0] not in set(zero))
            inquorate = yd[int(rng.integers(len(yd)))]
        for t, i, start, election in sorted(sessions):
            number[t] += 1
            if election:
                dur = 2.0
            else:
                dur = 0.5 if (t, i) in half else float(rng.choice((1.0, 1.0, 1.0, 1.5)))
            expected = world.office_count(start, "乡级", t[:6], t)
            ratio = 0.60 if (t == inquorate and i == 0 and y == 2023) else rng.uniform(0.85, 0.98)
            add(t[:6], y, org_level="乡镇", township_code=t, event_type="人代会",
                session_label=f"{world.cache['term_label'][t]}人民代表大会第{cn(number[t])}次会议",
                is_election_session=election, start_date=start, duration_days=dur, deputies_expected=expected,
                deputies_present=int(expected * ratio),
                topic="选举产生新一届主席团和人大主席、副主席" if election else
                ("听取审议政府工作报告，票决民生实事项目" if i == 0 else "听取政府上半年工作报告和代表建议办理情况报告"))
            world.cache["twp_congress"].setdefault((t, y), []).append((start, dur))
        for t in world.townships(y):
            k = int(rng.integers(4, 7)) if t in set(pres[y]) else int(rng.integers(1, 4))
            for q in range(k):
                lo = dt.date(y, 1 + (q * 12 // k), 3)
                start = calib.rand_date(rng, lo, min(lo + dt.timedelta(days=int(330 / k)), dt.date(y, 12, 28)))
                size = presidium[t]
                add(t[:6], y, org_level="乡镇", township_code=t, event_type="主席团会议", start_date=start,
                    duration_days=0.5, deputies_expected=size, deputies_present=size - int(rng.random() < 0.3),
                    topic=PRESIDIUM_TOPICS[int(rng.integers(len(PRESIDIUM_TOPICS)))])


def _activities(world, rng, add) -> None:
    """Recess activities organised by each unit: ≥2 for the K14 pass set, 0–1 otherwise."""
    score = world.scores("activity", sd=0.10)
    prev: list[str] = []
    for y in spec.YEARS:
        units = world.active(y)
        ok = prev = calib.grow(prev, units, score[y], calib.exact(spec.TARGETS["K14"][y], len(units)))
        ok_set = set(ok)
        for u in units:
            street = world.unit(u)["unit_type"] == "街道"
            k = int(rng.integers(2, 9)) if u in ok_set else int(rng.integers(0, 2))
            for _ in range(k):
                form = FORMS[int(rng.choice(len(FORMS), p=FORM_P))]
                kind = "代表小组活动" if rng.random() < 0.4 else "闭会期间代表活动"
                add(u[:6], y, org_level="街道" if street else "乡镇", township_code=u, event_type=kind,
                    activity_form=form, start_date=calib.rand_date(rng, dt.date(y, 3, 1), dt.date(y, 12, 15)),
                    duration_days=float(rng.choice((0.5, 0.5, 1.0))), participants=int(rng.integers(8, 61)),
                    topic=ACTIVITY_TOPICS[form][int(rng.integers(len(ACTIVITY_TOPICS[form])))])
