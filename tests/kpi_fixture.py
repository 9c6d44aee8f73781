"""A tiny hand-made city for KPI and index tests (every expected value in the tests is computed by hand).

测试市 990100: 甲县 990101 (东镇 一类, 西乡 三类 merged away after 2023, 南乡 二类, 城关街道) and
乙区 990102 (北镇 二类, 河街道). Years 2023 and 2024. 乙区 2024 is perfect on every index item (100 points);
甲县 2024 is mixed and fully hand-computed in tests/test_index.py.
"""
from __future__ import annotations

import copy
from datetime import date

import duckdb

from etl import marts, warehouse

J, Y = "990101", "990102"                       # 甲县, 乙区
DONG, XI, NAN, CG = "990101001", "990101002", "990101003", "990101004"
BEI, HE = "990102001", "990102002"
ALL_SIX = dict(has_organization=True, has_venue=True, has_staff=True, has_rules=True, has_equipment=True,
               has_funding=True)
SEVEN = dict(std_venue=True, std_equipment=True, std_rules=True, std_staff=True, std_activity=True,
             std_funding=True, std_records=True)


def d(s: str) -> date:
    return date.fromisoformat(s)


def _meeting(eid, county, tsp, kind, day, *, org="乡镇", days=None, exp=None, present=None, form=None, label=None,
             election=False):
    return dict(event_id=eid, org_level=org, county_code=county, township_code=tsp, event_type=kind,
                activity_form=form, session_label=label, is_election_session=election, start_date=d(day),
                duration_days=days, deputies_expected=exp, deputies_present=present, year=int(day[:4]))


def _meetings():
    rows = [
        # 甲县 2024: 东镇 two sessions (1.0 and 0.5 days; the second 39/60 is inquorate), 4 presidium meetings
        _meeting("M01", J, DONG, "人代会", "2024-01-10", days=1.0, exp=60, present=50, label="第十八届第四次会议"),
        _meeting("M02", J, DONG, "人代会", "2024-07-10", days=0.5, exp=60, present=39, label="第十八届第五次会议"),
        *(_meeting(f"M0{3 + i}", J, DONG, "主席团会议", f"2024-{3 * i + 2:02d}-01") for i in range(4)),
        _meeting("M07", J, DONG, "闭会期间代表活动", "2024-04-15", form="视察"),
        _meeting("M08", J, DONG, "代表小组活动", "2024-05-15", form="专题调研"),
        # 南乡: no 人代会 (K10 red), 3 presidium meetings, 1 activity
        *(_meeting(f"M1{i}", J, NAN, "主席团会议", f"2024-{3 * i + 2:02d}-05") for i in range(3)),
        _meeting("M13", J, NAN, "闭会期间代表活动", "2024-06-01", form="视察"),
        # 城关街道: 3 activities of its 人大工委
        *(_meeting(f"M1{4 + i}", J, CG, "闭会期间代表活动", f"2024-0{i + 3}-10", org="街道", form="集中接待选民")
          for i in range(3)),
        _meeting("M17", J, None, "人代会", "2024-01-05", org="县级", days=2.0, exp=200, present=180,
                 label="第十八届第四次会议"),
        # 甲县 2023
        _meeting("M20", J, DONG, "人代会", "2023-01-10", days=1.0, exp=60, present=55, label="第十八届第三次会议"),
        _meeting("M21", J, XI, "人代会", "2023-01-12", days=1.0, exp=45, present=40, label="第十八届第三次会议"),
        # 乙区 2024: 北镇 perfect, 河街道 two activities
        _meeting("N01", Y, BEI, "人代会", "2024-01-15", days=1.0, exp=50, present=45, label="第十八届第四次会议"),
        _meeting("N02", Y, BEI, "人代会", "2024-08-15", days=1.5, exp=50, present=48, label="第十八届第五次会议"),
        *(_meeting(f"N0{3 + i}", Y, BEI, "主席团会议", f"2024-{3 * i + 2:02d}-10") for i in range(4)),
        _meeting("N07", Y, BEI, "闭会期间代表活动", "2024-04-20", form="视察"),
        _meeting("N08", Y, BEI, "代表小组活动", "2024-09-20", form="专题调研"),
        _meeting("N09", Y, HE, "闭会期间代表活动", "2024-04-21", org="街道", form="视察"),
        _meeting("N10", Y, HE, "闭会期间代表活动", "2024-10-21", org="街道", form="视察"),
    ]
    return rows


def _suggestion(sid, county, unit, assigned, status, **kw):
    row = dict(suggestion_id=sid, year=int(assigned[:4]), level="县级", county_code=county, title=f"关于{sid}的建议",
               category="农业农村", handling_unit_id=unit, assigned_date=d(assigned), submitted_date=d(assigned),
               status=status, extension_approved=False, face_to_face=False, key_supervised=False)
    row.update({k: d(v) if k.endswith("_date") and v else v for k, v in kw.items()})
    return row


def _points(dep, items):
    return [dict(year=2024, deputy_id=dep, item_code=c, quantity=q, points=p) for c, q, p in items]


ROWS: dict[str, list[dict]] = {
    "dim_city": [dict(city_code="990100", city_name="测试市")],
    "dim_county": [
        dict(county_code=J, county_name="甲县", county_type="县", city_code="990100", population_10k=40, sort_order=1),
        dict(county_code=Y, county_name="乙区", county_type="市辖区", city_code="990100", population_10k=30,
             sort_order=2),
    ],
    "dim_township": [
        dict(township_code=DONG, township_name="东镇", county_code=J, unit_type="镇", category="一类", valid_from_year=2000),
        dict(township_code=XI, township_name="西乡", county_code=J, unit_type="乡", category="三类", valid_from_year=2000,
             valid_to_year=2023),
        dict(township_code=NAN, township_name="南乡", county_code=J, unit_type="乡", category="二类", valid_from_year=2000),
        dict(township_code=CG, township_name="城关街道", county_code=J, unit_type="街道", valid_from_year=2000),
        dict(township_code=BEI, township_name="北镇", county_code=Y, unit_type="镇", category="二类", valid_from_year=2000),
        dict(township_code=HE, township_name="河街道", county_code=Y, unit_type="街道", valid_from_year=2000),
    ],
    "dim_deputy": [
        dict(deputy_id="JX-C-001", level="县级", term_label="第十八届", term_start_year=2021, term_end_year=2026,
             county_code=J, has_duty_archive=True, archive_date=d("2022-03-01"), status="在任"),
        dict(deputy_id="JX-C-002", level="县级", term_label="第十八届", term_start_year=2021, term_end_year=2026,
             county_code=J, has_duty_archive=True, archive_date=d("2025-01-10"), status="在任"),
        dict(deputy_id="JX-C-003", level="县级", term_label="第十八届", term_start_year=2021, term_end_year=2026,
             county_code=J, has_duty_archive=False, status="辞职", status_date=d("2024-06-30")),
        dict(deputy_id="JX-T-001", level="乡级", term_label="第十八届", term_start_year=2021, term_end_year=2026,
             county_code=J, township_code=DONG, has_duty_archive=True, status="在任"),
        dict(deputy_id="JX-C-004", level="县级", term_label="第十八届", term_start_year=2021, term_end_year=2026,
             county_code=J, has_duty_archive=False, elected_date=d("2024-05-01"), status="在任"),
        dict(deputy_id="YQ-C-001", level="县级", term_label="第十八届", term_start_year=2021, term_end_year=2026,
             county_code=Y, has_duty_archive=True, archive_date=d("2021-06-01"), status="在任"),
        dict(deputy_id="YQ-T-001", level="乡级", term_label="第十八届", term_start_year=2021, term_end_year=2026,
             county_code=Y, township_code=BEI, has_duty_archive=True, archive_date=d("2021-06-01"), status="在任"),
    ],
    "dim_handling_unit": [
        dict(unit_id="HU-J1", unit_name="甲县交通运输局", county_code=J, unit_type="政府部门"),
        dict(unit_id="HU-Y1", unit_name="乙区住房和城乡建设局", county_code=Y, unit_type="政府部门"),
    ],
    "dim_liaison_station": [
        dict(station_id="S0", station_name="甲县代表联络中心站", station_level="县级", station_type="联络中心站",
             county_code=J, established_year=2019),
        dict(station_id="S1", station_name="东镇联络站", station_level="乡镇级", station_type="联络站", county_code=J,
             township_code=DONG, established_year=2020),
        dict(station_id="S2", station_name="南乡联络站", station_level="乡镇级", station_type="联络站", county_code=J,
             township_code=NAN, established_year=2024),
        dict(station_id="S3", station_name="城关联络站", station_level="乡镇级", station_type="联络站", county_code=J,
             township_code=CG, established_year=2019, closed_year=2023),
        dict(station_id="S4", station_name="南乡某村联络室", station_level="村(社区)级", station_type="联络室",
             county_code=J, township_code=NAN, established_year=2021),
        dict(station_id="S5", station_name="北镇联络站", station_level="乡镇级", station_type="联络站", county_code=Y,
             township_code=BEI, established_year=2024),
        dict(station_id="S6", station_name="河街道联络站", station_level="乡镇级", station_type="联络站", county_code=Y,
             township_code=HE, established_year=2024),
    ],
    "fact_county_leadership": [
        dict(year=2024, county_code=J, members_total=20, fulltime_members=10, director_separate=False),
        dict(year=2024, county_code=Y, members_total=20, fulltime_members=14, director_separate=True),
    ],
    "fact_county_body": [
        dict(year=2024, county_code=J, body_name="办公室", body_type="办事机构", staff_count=6, head_birth_year=1986),
        dict(year=2024, county_code=J, body_name="代表工作委员会", body_type="工作委员会", staff_count=2, head_birth_year=1985),
        dict(year=2024, county_code=J, body_name="预算工作委员会", body_type="工作委员会", staff_count=3, head_birth_year=1970),
        dict(year=2024, county_code=J, body_name="法制工作委员会", body_type="工作委员会", staff_count=1),
        dict(year=2024, county_code=J, body_name="财政经济委员会", body_type="专门委员会", staff_count=1, head_birth_year=1990,
             shares_staff_with="预算工作委员会"),
        dict(year=2024, county_code=Y, body_name="办公室", body_type="办事机构", staff_count=5, head_birth_year=1990),
        dict(year=2024, county_code=Y, body_name="研究室", body_type="办事机构", staff_count=3, head_birth_year=1970),
    ],
    "fact_township_liuyou": [
        dict(year=2024, township_code=DONG, **ALL_SIX),
        dict(year=2024, township_code=NAN, **{**ALL_SIX, "has_funding": False}),
        dict(year=2024, township_code=XI, **ALL_SIX),          # merged away: must not count
        dict(year=2024, township_code=BEI, **ALL_SIX),
        dict(year=2024, township_code=HE, **ALL_SIX),
        dict(year=2023, township_code=DONG, **ALL_SIX),
        dict(year=2023, township_code=XI, **ALL_SIX),
    ],
    "fact_township_staffing": [
        dict(year=2024, township_code=DONG, chair_status="专职", chair_birth_year=1980, fulltime_vice_chairs=1, fulltime_staff=1),
        dict(year=2024, township_code=NAN, chair_status="兼任党委书记", chair_birth_year=1990, fulltime_vice_chairs=0,
             fulltime_staff=0),
        dict(year=2024, township_code=CG, chair_status="专职", chair_birth_year=1975, fulltime_vice_chairs=0, fulltime_staff=0),
        dict(year=2024, township_code=BEI, chair_status="专职", chair_birth_year=1989, fulltime_vice_chairs=1, fulltime_staff=1),
        dict(year=2024, township_code=HE, chair_status="专职", chair_birth_year=1980, fulltime_vice_chairs=0, fulltime_staff=1),
    ],
    "fact_meeting": _meetings(),
    "fact_station_year": [
        dict(year=2024, station_id="S0", activity_count=30, opinions_collected=20, opinions_closed=10),
        dict(year=2024, station_id="S1", **SEVEN, activity_count=18, opinions_collected=10, opinions_closed=8),
        dict(year=2024, station_id="S4", std_venue=True, activity_count=5, opinions_collected=0, opinions_closed=0),
        dict(year=2024, station_id="S5", **SEVEN, activity_count=12, opinions_collected=5, opinions_closed=5),
        dict(year=2024, station_id="S6", **SEVEN, activity_count=12, opinions_collected=5, opinions_closed=5),
    ],
    "fact_suggestion": [
        _suggestion("G1", J, "HU-J1", "2024-02-01", "已办结", replied_date="2024-04-20", result_class="A",
                    face_to_face=True, satisfaction="满意", quality_score=80, handling_score=90, funds_10k=10),
        _suggestion("G2", J, "HU-J1", "2024-02-01", "已答复", extension_approved=True, replied_date="2024-07-15",
                    result_class="B", satisfaction="不满意", re_handled=True, second_replied_date="2024-08-20",
                    second_satisfaction="满意", funds_10k=5),
        _suggestion("G3", J, "HU-J1", "2024-03-01", "已答复", replied_date="2024-06-10", result_class="C",
                    face_to_face=True, satisfaction="基本满意"),
        _suggestion("G4", J, "HU-J1", "2024-03-01", "办理中"),
        _suggestion("G5", J, "HU-J1", "2024-03-01", "已撤回", face_to_face=True),
        _suggestion("G6", J, "HU-J1", "2024-02-10", "已办结", replied_date="2024-03-10", result_class="D",
                    face_to_face=True, satisfaction="不满意", re_handled=True),
        _suggestion("H1", Y, "HU-Y1", "2024-02-01", "已办结", replied_date="2024-03-01", result_class="A",
                    face_to_face=True, satisfaction="满意", key_supervised=True, supervising_leader="常委会副主任",
                    review_back=True),
    ],
    "cfg_points_rule": [
        dict(scheme_id="CITY2022", item_code="SUG", item_name="提出建议(件)", points_per_unit=3, max_points=30,
             scheme_type="百分制", base_points=20),
        dict(scheme_id="CITY2022", item_code="VISIT", item_name="进站接待群众(次)", points_per_unit=5, max_points=30,
             scheme_type="百分制", base_points=20),
        dict(scheme_id="CITY2022", item_code="MEET", item_name="出席人代会(半天)", points_per_unit=1, max_points=10,
             scheme_type="百分制", base_points=20),
        dict(scheme_id="CITY2022", item_code="ABS", item_name="无故缺席人代会(半天)", points_per_unit=-1,
             scheme_type="百分制", base_points=20),
        dict(scheme_id="CITY2022", item_code="TRAIN", item_name="参加学习培训(次)", points_per_unit=2,
             scheme_type="百分制", base_points=20),
    ],
    "fact_deputy_points": [
        *_points("JX-C-001", [("SUG", 12, None), ("VISIT", 4, None), ("MEET", 8, None)]),     # 20+30+20+8 = 78
        *_points("JX-C-002", [("SUG", 2, None), ("ABS", 2, None)]),                           # 20+6-2 = 24
        *_points("JX-T-001", [("SUG", 20, 30), ("VISIT", 10, None), ("MEET", 10, None), ("TRAIN", 10, None)]),  # 110→100
        *_points("YQ-C-001", [("SUG", 10, None), ("VISIT", 8, None), ("MEET", 10, None)]),    # 20+30+30+10 = 90
    ],
    "fact_party_support": [
        dict(event_id="P1", level="县委", county_code=J, event_type="听取人大工作专题汇报", event_date=d("2024-04-01"),
             title="县委听取人大工作专题汇报", year=2024),
        dict(event_id="P2", level="乡镇党委", county_code=J, township_code=DONG, event_type="听取人大工作专题汇报",
             event_date=d("2024-05-01"), title="镇党委听取人大工作汇报", year=2024),
        dict(event_id="P3", level="县委", county_code=J, event_type="人大工作会议", event_date=d("2022-06-01"),
             title="县委人大工作会议", year=2022),
        dict(event_id="P4", level="县委", county_code=Y, event_type="听取人大常委会党组工作汇报",
             event_date=d("2024-03-01"), title="区委听取人大常委会党组工作汇报", year=2024),
        dict(event_id="P5", level="县委", county_code=Y, event_type="听取人大工作专题汇报", event_date=d("2024-09-01"),
             title="区委听取人大工作专题汇报", year=2024),
        dict(event_id="P6", level="县委", county_code=Y, event_type="人大工作会议", event_date=d("2023-05-10"),
             title="区委人大工作会议", year=2023),
    ],
    "fact_budget": [
        dict(year=2024, county_code=J, deputy_funds_in_budget=True, deputy_funds_10k=50, suggestion_fund_set=False),
        dict(year=2024, county_code=Y, deputy_funds_in_budget=True, deputy_funds_10k=40, suggestion_fund_set=True,
             suggestion_fund_10k=20),
    ],
    "fact_livelihood_round": [
        dict(year=2024, level="县级", unit_code=J, candidates=3, to_select=2, deputies_total=200, deputies_present=180),
        dict(year=2024, level="乡级", unit_code=DONG, candidates=2, to_select=1, deputies_total=60, deputies_present=50),
        dict(year=2024, level="县级", unit_code=Y, candidates=4, to_select=3, deputies_total=150, deputies_present=140),
        dict(year=2024, level="乡级", unit_code=BEI, candidates=3, to_select=2, deputies_total=50, deputies_present=45),
    ],
    "fact_livelihood_project": [
        dict(project_id="PJ1", year=2024, level="县级", unit_code=J, project_name="县城供水改造", is_selected=True,
             stage="评估", completion_pct=100, satisfaction_pct=90),
        dict(project_id="PJ2", year=2024, level="县级", unit_code=J, project_name="农村公路提质", is_selected=True,
             stage="实施", completion_pct=80),
        dict(project_id="PJ3", year=2024, level="县级", unit_code=J, project_name="文化广场", is_selected=False, stage="票决"),
        dict(project_id="PJ4", year=2024, level="乡级", unit_code=DONG, project_name="东镇养老中心", is_selected=True,
             stage="评估", completion_pct=100, satisfaction_pct=80),
        dict(project_id="PJ5", year=2024, level="乡级", unit_code=DONG, project_name="东镇路灯", is_selected=False,
             stage="票决"),
        dict(project_id="QJ1", year=2024, level="县级", unit_code=Y, project_name="社区食堂", is_selected=True,
             stage="评估", completion_pct=100, satisfaction_pct=95),
        dict(project_id="QJ2", year=2024, level="乡级", unit_code=BEI, project_name="北镇卫生院", is_selected=True,
             stage="评估", completion_pct=100, satisfaction_pct=85),
    ],
    "fact_index_bonus": [
        dict(year=2024, county_code=J, bonus_points=3, reason="代表联络站数字化创新", evidence="清甲人〔2024〕1号"),
        dict(year=2024, county_code=Y, bonus_points=2, reason="人大工作宣传", evidence="省人大网报道"),
    ],
}


def rows() -> dict[str, list[dict]]:
    """A deep copy, so a test may edit rows without touching other tests."""
    return copy.deepcopy(ROWS)


def load(con, data: dict[str, list[dict]] | None = None) -> None:
    for table, items in (data or ROWS).items():
        if table == "cfg_points_rule":
            con.execute("DELETE FROM cfg_points_rule")
        cols = sorted({k for r in items for k in r})
        con.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                        [tuple(r.get(c) for c in cols) for r in items])


def build(data: dict[str, list[dict]] | None = None, rules: dict[str, str] | None = None):
    """In-memory warehouse: schema + seeded cfg + fixture rows (+ cfg_rule overrides) + marts."""
    con = duckdb.connect()
    warehouse.create_schema(con)
    warehouse.seed_config(con)
    for code, value in (rules or {}).items():
        con.execute("UPDATE cfg_rule SET value = ? WHERE rule_code = ?", [value, code])
    load(con, data)
    marts.build_marts(con)
    return con
