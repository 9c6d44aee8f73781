"""The composite index (data-model §3.2) on the fixture city: 甲县 2024 hand-computed to the point."""
from __future__ import annotations

import pytest

from tests import kpi_fixture as fx

J, Y = fx.J, fx.Y

# 甲县 2024 item scores s ∈ [0,1] (value vs target; see tests/test_kpi.py for the values)
A_ITEMS = {  # weight: score
    "liuyou_rate": (8, 1 / 3), "small_body_share": (5, (0.70 - 0.50) / (0.70 - 0.30)),
    "chair_fulltime_rate": (3, 1 / 2), "director_separate_rate": (1, 0.0), "vice_chair_rate": (2, 1 / 2),
    "street_staff_rate": (2, 0.0), "young_cadre_share": (4, 1.0),             # 1/3 ≥ 20% → full
}
B_ITEMS = {
    "congress_held_rate": (3, 1 / 2), "two_sessions_rate": (5, 1 / 2), "half_day_share": (4, 1 - 1 / 2),
    "recess_activity_rate": (5, 2 / 3), "presidium_rate": (3, 1 / 2),
}
C_ITEMS = {
    "station_coverage": (4, 2 / 3), "station_standard_rate": (4, 1 / 2), "station_activity_avg": (4, 9 / 12),
    "archive_rate": (4, 1 / 2), "points_pass_rate": (4, 2 / 3),              # no target → against 100%
}
D_ITEMS = {  # K28 (2 + 2 points) is N/A: 甲县 has no key-supervised suggestion → rescale 16 → 20, †
    "on_time_reply_rate": (4, 3 / 5), "face_to_face_rate": (3, 3 / 5),
    "satisfaction_strict": (4, (2 / 4) / 0.95), "resolution_rate": (5, (1 / 4) / 0.70),
}
E_ITEMS = {
    "party_report_count": (4, 1 / 2), "work_meeting_held": (2, 1.0), "deputy_funds_in_budget": (2, 1.0),
    "suggestion_fund_set": (2, 0.0),
}
F_ITEMS = {
    "voting_coverage_county": (1, 1.0), "voting_coverage_township": (1, 1 / 2),
    "project_completion_rate": (2, (2 / 3) / 0.90), "project_evaluation_coverage": (1, 2 / 3),
}
DIMS = {"A": (A_ITEMS, 25), "B": (B_ITEMS, 20), "C": (C_ITEMS, 20), "D": (D_ITEMS, 20), "E": (E_ITEMS, 10),
        "F": (F_ITEMS, 5)}


def dim_score(items, full):
    w = sum(w for w, _ in items.values())
    return sum(w * s for w, s in items.values()) / w * full


@pytest.fixture(scope="module")
def con():
    c = fx.build()
    yield c
    c.close()


def total_row(con, county, year=2024):
    cols = ("base_score", "bonus", "total", "grade", "rank", "rank_change", "dagger", "total_equal", "rank_equal")
    row = con.execute(f"SELECT {', '.join(cols)} FROM mart_index_total WHERE county_code = ? AND year = ?",
                      [county, year]).fetchone()
    return dict(zip(cols, row))


def test_hand_computed_dimensions_for_jia_county_2024(con):
    got = {r[0]: r[1:] for r in con.execute(
        "SELECT dimension, score, max_score, dagger FROM mart_index WHERE county_code = ? AND year = 2024", [J]).fetchall()}
    # by hand: A 11.6667, B 10.8333, C 12.3333, D 10.1137 †, E 6, F 3.6481
    expected = {"A": 35 / 3, "B": 65 / 6, "C": 37 / 3, "D": (2.4 + 1.8 + 4 * (0.5 / 0.95) + 5 * (0.25 / 0.7)) * 20 / 16,
                "E": 6.0, "F": 1 + 0.5 + 2 * (2 / 3) / 0.9 + 2 / 3}
    for dim, (items, full) in DIMS.items():
        assert dim_score(items, full) == pytest.approx(expected[dim])
        score, max_score, dagger = got[dim]
        assert score == pytest.approx(expected[dim]), dim
        assert max_score == full
        assert dagger == ("†" if dim == "D" else ""), dim


def test_total_grade_and_bonus_for_jia_county_2024(con):
    r = total_row(con, J)
    base = sum(dim_score(items, full) for items, full in DIMS.values())
    assert base == pytest.approx(54.595203, abs=1e-6)
    assert r["base_score"] == pytest.approx(base)
    assert r["bonus"] == 3
    assert r["total"] == pytest.approx(base + 3)                 # 57.60 → below 60
    assert r["grade"] == "较差" and r["dagger"] == "†"


def test_na_items_are_marked_and_excluded(con):
    rows = dict(con.execute("SELECT kpi_code, included FROM mart_index_item WHERE county_code = ? AND year = 2024",
                            [J]).fetchall())
    assert rows["key_closure_rate"] is False and rows["key_review_rate"] is False
    assert sum(rows.values()) == 29 and len(rows) == 31


def test_perfect_county_scores_100_plus_bonus(con):
    r = total_row(con, Y)
    assert r["base_score"] == pytest.approx(100)
    assert r["total"] == pytest.approx(102) and r["grade"] == "优秀" and r["dagger"] == ""


def test_rank_and_rank_change(con):
    # 2023: 甲县 18 (A 5, B 6, C 5, E 2) beats 乙区 12 (C 10, E 2); 2024: 乙区 102 beats 甲县 57.6
    assert total_row(con, J, 2023)["total"] == pytest.approx(18)
    assert total_row(con, Y, 2023)["total"] == pytest.approx(12)
    assert (total_row(con, J, 2023)["rank"], total_row(con, Y, 2023)["rank"]) == (1, 2)
    assert total_row(con, J, 2023)["rank_change"] is None
    assert (total_row(con, Y)["rank"], total_row(con, Y)["rank_change"]) == (1, 1)     # improved
    assert (total_row(con, J)["rank"], total_row(con, J)["rank_change"]) == (2, -1)    # fell


def test_equal_weights_variant(con):
    scores = [s for items, _ in DIMS.values() for _, s in items.values()]
    assert len(scores) == 29
    r = total_row(con, J)
    assert r["total_equal"] == pytest.approx(100 * sum(scores) / 29 + 3)   # ≈ 58.43
    assert r["rank_equal"] == 2 and total_row(con, Y)["rank_equal"] == 1
    assert total_row(con, Y)["total_equal"] == pytest.approx(102)


def test_targets_and_weights_are_data():
    c = fx.build()
    c.execute("UPDATE cfg_kpi SET target = 0.5 WHERE kpi_code = 'satisfaction_strict'")   # strict 50% now met
    c.execute("UPDATE cfg_kpi SET weight = 0 WHERE kpi_code = 'face_to_face_rate'")       # D now 17 points
    from etl.marts import build_marts
    build_marts(c)
    score, max_score = c.execute("SELECT score, max_score FROM mart_index WHERE county_code = ? AND year = 2024 "
                                 "AND dimension = 'D'", [J]).fetchone()
    assert max_score == 17
    assert score == pytest.approx((4 * 0.6 + 4 * 1.0 + 5 * (0.25 / 0.7)) / 13 * 17)
    status = c.execute("SELECT status FROM mart_kpi WHERE kpi_code = 'satisfaction_strict' AND unit_code = ? "
                       "AND year = 2024", [J]).fetchone()[0]
    assert status == "green"


def test_k02_band_uses_cfg_rule_baseline_and_target():
    c = fx.build(rules={"small_body_baseline": "0.60", "small_body_target": "0.40"})
    s = c.execute("SELECT item_score FROM mart_index_item WHERE kpi_code = 'small_body_share' AND county_code = ? "
                  "AND year = 2024", [J]).fetchone()[0]
    assert s == pytest.approx((0.60 - 0.50) / (0.60 - 0.40))
