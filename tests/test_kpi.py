"""mart_kpi on the hand-made fixture city (tests/kpi_fixture.py): given these rows, expect these values."""
from __future__ import annotations

import pytest

from etl import schema
from etl.indicators import BY_CODE, DIMENSIONS, INDICATORS, REFS, cfg_kpi_rows
from etl.marts import build_marts
from tests import kpi_fixture as fx

J, Y, CITY = fx.J, fx.Y, "990100"


@pytest.fixture(scope="module")
def con():
    c = fx.build()
    yield c
    c.close()


def kpi(con, code, unit, year=2024):
    cols = ("numerator", "denominator", "value", "target", "status", "unreported", "breach", "level", "kpi_ref")
    row = con.execute(f"SELECT {', '.join(cols)} FROM mart_kpi WHERE kpi_code = ? AND unit_code = ? AND year = ?",
                      [code, unit, year]).fetchall()
    assert len(row) <= 1, (code, unit, year)
    return dict(zip(cols, row[0])) if row else None


def check(con, code, unit, num, den, status, year=2024, **extra):
    r = kpi(con, code, unit, year)
    assert r is not None, (code, unit, year)
    assert (r["numerator"], r["denominator"]) == (pytest.approx(num), pytest.approx(den)), (code, unit, r)
    assert r["value"] == pytest.approx(num / den), (code, unit, r)
    assert r["status"] == status, (code, unit, r)
    for k, v in extra.items():
        assert r[k] == v, (code, unit, k, r)
    return r


# --- the registry -----------------------------------------------------------------------------------

def test_every_ref_has_an_indicator():
    refs = {i.ref for i in INDICATORS}
    assert set(REFS) <= refs and len(REFS) == 39          # K01–K38 plus K06b
    assert refs <= set(REFS)


def test_cfg_kpi_rows_match_the_contract_and_weights_sum_per_dimension(con):
    cols = [c.name for c in schema.BY_NAME["cfg_kpi"].columns]
    assert all(list(r) == cols for r in cfg_kpi_rows())
    got = dict(con.execute("SELECT dimension, sum(weight) FROM cfg_kpi GROUP BY dimension").fetchall())
    assert got == {"A": 25, "B": 20, "C": 20, "D": 20, "E": 10, "F": 5}
    assert {d: w for d, (_, w) in DIMENSIONS.items()} == got


def test_floor_laws_are_k10_k15_k23_only():
    floors = {i.ref for i in INDICATORS if i.is_floor_law}
    assert floors == {"K10", "K15", "K23"}
    assert all(i.floor is not None for i in INDICATORS if i.is_floor_law)


def test_targets_from_cfg_rule_are_seeded():
    assert BY_CODE["station_activity_avg"].default_target == 12
    assert BY_CODE["party_report_count"].default_target == 2
    assert BY_CODE["small_body_share"].default_target == pytest.approx(0.30)


# --- A 组织建设 ------------------------------------------------------------------------------------

def test_k01_merged_township_excluded_and_missing_row_unreported(con):
    # 2024: U = 东镇 (6 items), 南乡 (5), 城关街道 (no row); 西乡 merged away (its row must not count)
    check(con, "liuyou_rate", J, 1, 3, "red", unreported=1)
    check(con, "liuyou_items_avg", J, 11, 3, "red")
    check(con, "liuyou_funding_rate", J, 1, 3, "red")
    # 2023: 西乡 still active; 南乡 and 城关街道 unreported
    check(con, "liuyou_rate", J, 2, 4, "red", year=2023, unreported=2)
    check(con, "liuyou_rate", CITY, 3, 5, "red", unreported=1)


def test_k01_streets_can_be_left_out():
    c = fx.build(rules={"include_streets_in_liuyou": "0"})
    check(c, "liuyou_rate", J, 1, 2, "red", unreported=0)


def test_k02_shared_staff_body_excluded(con):
    # B_y = 办公室(6) 代表工委(2) 预算工委(3) 法制工委(1); 财经委 shares staff → excluded (else 3/5)
    check(con, "small_body_share", J, 2, 4, "red")
    check(con, "small_body_share", Y, 0, 2, "green")
    check(con, "small_body_share", CITY, 2, 6, "amber")          # 33.3% is within 10 points of 30%
    check(con, "special_committee_count", J, 1, 1, "red")


def test_k03_k04_k05_k06(con):
    check(con, "director_separate_rate", J, 0, 1, "red", unreported=0)
    check(con, "chair_fulltime_rate", J, 1, 2, "red")            # 南乡 兼任党委书记
    check(con, "vice_chair_rate", J, 1, 2, "red")                # 一类东镇 1, 二类南乡 0
    check(con, "street_director_rate", J, 1, 1, "green")
    check(con, "street_staff_rate", J, 0, 1, "red")
    check(con, "fulltime_member_share", CITY, 24, 40, "amber")


def test_k07_age_cutoff_is_38_inclusive(con):
    # heads: 办公室 1986 (38 ✓), 代表工委 1985 (39), 预算工委 1970; chairs 东镇 1980, 南乡 1990 (34 ✓), 城关 1975
    # 法制工委 vacant and 财经委 (shared staff) are not in H_y
    check(con, "young_cadre_share", J, 2, 6, "green")
    c = fx.build(rules={"young_cadre_max_age": "37"})
    check(c, "young_cadre_share", J, 1, 6, "amber")                 # 16.7% ≥ 80% of 20%


# --- B 依法履职 ------------------------------------------------------------------------------------

def test_k10_floor_red_and_township_rows(con):
    check(con, "congress_held_rate", J, 1, 2, "red", breach=1)   # 南乡 held none
    check(con, "congress_held_rate", Y, 1, 1, "green", breach=0)
    check(con, "congress_held_rate", CITY, 2, 3, "red", breach=1)
    check(con, "congress_held_rate", fx.NAN, 0, 1, "red", level="乡")
    check(con, "congress_held_rate", J, 2, 3, "red", year=2023)  # 东镇, 西乡 held; 南乡 not
    assert kpi(con, "congress_held_rate", fx.XI) is None          # merged: no 2024 row


def test_k11_to_k14(con):
    check(con, "two_sessions_rate", J, 1, 2, "red")
    check(con, "avg_session_days", J, 1.5, 2, "red")             # 1.0 + 0.5 days
    check(con, "half_day_share", J, 1, 2, "red")
    check(con, "half_day_share", Y, 0, 2, "green")
    check(con, "presidium_rate", J, 1, 2, "red")                 # 东镇 4, 南乡 3
    # 东镇 1 闭会期间代表活动 + 1 代表小组活动 = 2 ✓; 南乡 1; 城关街道 3 ✓
    check(con, "recess_activity_rate", J, 2, 3, "red")
    check(con, "recess_activity_rate", CITY, 4, 5, "amber")


def test_k15_attendance_and_quorum(con):
    # 东镇 50/60 and 39/60 (< 2/3), county session 180/200
    check(con, "attendance_rate", J, 269, 320, "red", breach=1)
    check(con, "attendance_rate", Y, 93, 100, "green", breach=0)
    check(con, "quorum_rate", J, 2, 3, "red", breach=1)
    check(con, "attendance_rate", CITY, 362, 420, "red", breach=1)


# --- C 代表工作、联络站 -----------------------------------------------------------------------------

def test_k16_to_k18_stations(con):
    # 2024 乡镇级: S1 东镇, S2 南乡 (new, no yearly row); S3 城关 closed 2023; S4 is a village room
    check(con, "station_coverage", J, 2, 3, "red")
    check(con, "station_coverage", CITY, 4, 5, "amber")
    check(con, "station_standard_rate", J, 1, 2, "red", unreported=1)
    check(con, "station_activity_avg", J, 18, 2, "red", unreported=1)     # 9 < 80% of 12
    check(con, "station_activity_avg", CITY, 42, 4, "amber")              # 10.5 ≥ 9.6
    check(con, "station_coverage", J, 2, 4, "red", year=2023)             # S1 and S3 active in 2023
    check(con, "opinion_closure_rate", J, 18, 30, None)                   # S0 10/20 + S1 8/10 + S4 0/0


def test_k19_k21_k22_deputies(con):
    # in office 31 Dec 2024: C-001 (archived 2022), C-002 (archived 2025), T-001 (archived, no date),
    # C-004 (by-election 2024, no archive); C-003 resigned 30 Jun 2024
    check(con, "archive_rate", J, 2, 4, "red")
    check(con, "archive_rate", J, 2, 4, "red", year=2023)                 # C-003 in office, C-004 not yet
    check(con, "deputy_station_rate", J, 1, 3, "red")
    check(con, "points_pass_rate", J, 2, 3, None)                         # 78 ✓, 24 ✗, 100 ✓; no target
    check(con, "points_avg", J, 78 + 24 + 100, 3, None)
    check(con, "points_pass_rate", fx.DONG, 1, 1, None, level="乡")


def test_points_view_caps_and_grades(con):
    got = {r[0]: r[1:] for r in con.execute(
        "SELECT deputy_id, total_points, grade, is_pass FROM v_deputy_points_year WHERE year = 2024").fetchall()}
    assert got == {"JX-C-001": (78, "较好", True), "JX-C-002": (24, "差", False),
                   "JX-T-001": (100, "履职好", True), "YQ-C-001": (90, "履职好", True)}


# --- D 建议办理 ------------------------------------------------------------------------------------

def test_suggestion_view(con):
    rows = {r[0]: r[1:] for r in con.execute(
        "SELECT suggestion_id, due_date::VARCHAR, replied_on_time, is_late, final_satisfaction FROM v_suggestion").fetchall()}
    assert rows["G2"] == ("2024-08-01", True, False, "满意")          # extension: 6 months; re-handled
    assert rows["G3"] == ("2024-06-01", False, True, "基本满意")
    assert rows["G4"] == ("2024-06-01", False, True, None)            # not replied, past due on 31 Dec
    assert rows["G6"][3] == "不满意"                                  # re-handled without a second answer


def test_k23_with_extension_is_on_time(con):
    # S_y = G1 G2 G3 G4 G6 (G5 withdrawn); on time G1, G2 (extension), G6; late G3, G4
    check(con, "on_time_reply_rate", J, 3, 5, "red", breach=2)
    check(con, "on_time_reply_rate", Y, 1, 1, "green", breach=0)
    check(con, "closure_rate", J, 2, 5, "red")
    check(con, "face_to_face_rate", J, 3, 5, "red")


def test_k26_rehandled_suggestion_uses_second_answer(con):
    # evaluated G1 满意, G2 不满意→满意, G3 基本满意, G6 不满意
    check(con, "satisfaction_strict", J, 2, 4, "red")
    check(con, "satisfaction_broad", J, 3, 4, "red")
    check(con, "satisfaction_coverage", J, 4, 4, "green")
    check(con, "satisfaction_broad", CITY, 4, 5, "amber")


def test_k27_to_k31(con):
    check(con, "resolution_rate", J, 1, 4, "red")
    check(con, "implementation_rate", J, 2, 4, None)
    r = kpi(con, "key_closure_rate", J)
    assert r["denominator"] == 0 and r["value"] is None and r["status"] is None
    check(con, "key_review_rate", Y, 1, 1, "green")
    check(con, "quality_score_avg", J, 80, 1, None)
    assert kpi(con, "implemented_funds", J)["value"] == pytest.approx(15)
    assert kpi(con, "suggestion_fund", CITY)["value"] == pytest.approx(20)
    check(con, "suggestions_per_deputy", J, 5, 3, None)


# --- E 党委领导与保障 -------------------------------------------------------------------------------

def test_k32_k34(con):
    check(con, "party_report_count", J, 1, 1, "red")                  # the 乡镇党委 event does not count
    check(con, "party_report_count", Y, 2, 1, "green")
    check(con, "party_report_count", CITY, 3, 2, "red")               # 1.5 per county < 80% of 2
    check(con, "party_report_rate", CITY, 1, 2, "red")
    check(con, "deputy_funds_in_budget", CITY, 2, 2, "green")
    check(con, "suggestion_fund_set", J, 0, 1, "red", unreported=0)


def test_k33_meeting_this_term(con):
    check(con, "work_meeting_held", J, 1, 1, "green")                 # held 2022, term from 2021
    c = fx.build(rules={"term_start_year": "2023"})                    # 甲县's 2022 meeting is last term
    check(c, "work_meeting_held", J, 0, 1, "amber", year=2023)        # first year of the term: not yet due
    check(c, "work_meeting_held", J, 0, 1, "red", year=2024)
    check(c, "work_meeting_held", Y, 1, 1, "green", year=2023)


# --- F 民生实事票决 --------------------------------------------------------------------------------

def test_k35_to_k38(con):
    check(con, "voting_coverage", J, 2, 3, "red")                     # county round + 东镇 of (1 + 2 townships)
    check(con, "voting_coverage_county", J, 1, 1, "green")
    check(con, "voting_coverage_township", J, 1, 2, "red")
    check(con, "project_completion_rate", J, 2, 3, "red")
    check(con, "project_completion_rate", CITY, 4, 5, "amber")
    check(con, "project_satisfaction_avg", J, 0.9 + 0.8, 2, None)
    check(con, "project_evaluation_coverage", J, 2, 3, "red")
    check(con, "competition_ratio", J, 5, 3, None)


# --- shape -----------------------------------------------------------------------------------------

def test_city_and_county_rows_exist_for_every_kpi_and_year(con):
    n = con.execute("SELECT count(*) FROM mart_kpi WHERE level IN ('市', '县')").fetchone()[0]
    assert n == len(INDICATORS) * 3 * 2                    # 62 KPIs × (city + 2 counties) × 2 years
    years = [r[0] for r in con.execute("SELECT DISTINCT year FROM mart_kpi ORDER BY 1").fetchall()]
    assert years == [2023, 2024]                           # the 2022 party event does not add a year
    bad = con.execute("SELECT count(*) FROM mart_kpi m JOIN cfg_kpi k USING (kpi_code) "
                      "WHERE m.level = '乡' AND NOT contains(k.levels, '乡')").fetchone()[0]
    assert bad == 0


def test_warnings_name_the_unit(con):
    got = con.execute("SELECT kpi_ref, code, township_code, object_id, message_zh FROM mart_warning "
                      "WHERE year = 2024 ORDER BY kpi_ref, object_id").fetchall()
    assert [g[:4] for g in got] == [("K10", "no_congress", fx.NAN, fx.NAN), ("K15", "inquorate", fx.DONG, "M02"),
                                    ("K23", "late_reply", None, "G3"), ("K23", "late_reply", None, "G4")]
    assert "南乡" in got[0][4] and "39" in got[1][4] and "逾期9天" in got[2][4] and "仍未答复" in got[3][4]


def test_build_is_idempotent_and_leaves_no_temp_tables(con):
    before = con.execute("SELECT count(*), sum(hash(kpi_code, unit_code, year, value)) FROM mart_kpi").fetchone()
    build_marts(con)
    after = con.execute("SELECT count(*), sum(hash(kpi_code, unit_code, year, value)) FROM mart_kpi").fetchone()
    assert before == after
    assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM duckdb_views() WHERE temporary AND view_name LIKE '_k_%'").fetchone()[0] == 0


def test_station_checklist_is_data_and_safe(con):
    from etl.marts import station_items_sql
    c = fx.build()
    c.execute("DELETE FROM cfg_station_standard WHERE item_code NOT IN ('std_venue')")
    c.execute("INSERT INTO cfg_station_standard VALUES ('1=1) OR (TRUE', 'bad', 9, 'x')")   # not a column: ignored
    assert station_items_sql(c) == "(coalesce(f.std_venue, FALSE))"
    build_marts(c)
    check(c, "station_standard_rate", J, 1, 2, "red", unreported=1)     # S2 still has no yearly row


def test_index_scoring_rules_match_the_sql():
    assert {i.code for i in INDICATORS if i.scoring == "band"} == {"small_body_share"}
    assert {i.code for i in INDICATORS if i.scoring == "complement"} == {
        i.code for i in INDICATORS if i.direction == "lower" and i.weight > 0 and i.scoring != "band"}
    assert all(i.agg == "ratio" for i in INDICATORS if i.weight > 0)


def test_user_facing_kpi_texts_contain_no_code_identifiers():
    """Captions and the 口径说明 page show these texts to leaders: no parameter names or file references."""
    import re as _re
    from etl.indicators import INDICATORS as _ALL
    for ind in _ALL:
        for field in ("name_zh", "formula_text", "numerator_text", "denominator_text", "source"):
            text = getattr(ind, field) or ""
            assert not _re.search(r"[a-z]+_[a-z]+|data-model|cfg_", text), (ind.code, field, text)
