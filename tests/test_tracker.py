"""报送进度: the tracker marks what a county has sent, what is missing and what is overdue against the deadline an
administrator set (etl/tracker.py over mart_tracker of etl/sql/78_tracker.sql), and the page shows exactly that."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from etl import auth, publish, schema, tracker
from tests.apptest_utils import chart, open_page

LEADERSHIP = "年度,县区代码,常委会组成人员数\r\n2024,990101,21\r\n"
LIUYOU = "年度,乡镇街道代码,有机构,有场地,有人员,有制度,有设备,有经费\r\n2024,990101001,是,是,是,是,是,否\r\n"
PAST = date(2025, 1, 31)


def send(p, name: str, text: str, user: str) -> int:
    batch = publish.validate(p, [(name, text.encode("utf-8-sig"))])
    try:
        assert batch.ok, [q.message for q in batch.problems]
        return publish.publish(p, batch, user)
    finally:
        batch.close()


@pytest.fixture
def sent_one(wh):
    """甲区 sent its 2024 leadership and one of its two townships' 六有; 乙县 sent nothing; a past deadline."""
    send(wh, "甲区常委会组成.csv", LEADERSHIP, "jiaqu")
    send(wh, "甲区六有.csv", LIUYOU, "jiaqu")
    tracker.set_deadline(wh.store(), "fact_county_leadership", 2024, PAST, "测试管理员")
    return wh


def status_of(p, year=2024, today=date(2026, 1, 1)) -> pd.DataFrame:
    _, con = publish.open_snapshot(p)
    try:
        return tracker.load(con, p.store(), year, today).set_index(["county_code", "table_name"])
    finally:
        con.close()


def test_required_tables_are_contract_tables_and_equal_the_mart(demo_wh):
    assert all(schema.BY_NAME[r.table].uploadable for r in tracker.REQUIRED)
    assert len({r.short for r in tracker.REQUIRED}) == len(tracker.REQUIRED)
    _, con = publish.open_snapshot(demo_wh)
    tables = {r[0] for r in con.execute("SELECT DISTINCT table_name FROM mart_tracker").fetchall()}
    years = [r[0] for r in con.execute("SELECT DISTINCT year FROM mart_tracker ORDER BY 1").fetchall()]
    kpi_years = [r[0] for r in con.execute("SELECT DISTINCT year FROM mart_kpi ORDER BY 1").fetchall()]
    con.close()
    assert tables == {r.table for r in tracker.REQUIRED}
    assert years[:len(kpi_years)] == kpi_years and years[-1] == max(kpi_years[-1], date.today().year)


def test_demo_city_sent_everything_for_its_years_and_nothing_for_the_year_being_collected(demo_wh):
    _, con = publish.open_snapshot(demo_wh)
    try:
        last = con.execute("SELECT max(year) FROM mart_kpi").fetchone()[0]
        full = tracker.load(con, demo_wh.store(), last)
        units = con.execute("SELECT count(*) FROM dim_township WHERE valid_from_year <= ? AND "
                            "(valid_to_year IS NULL OR valid_to_year >= ?)", (last, last)).fetchone()[0]
    finally:
        con.close()
    assert set(full["status"]) == {tracker.SENT}
    liuyou = full[full["table_name"] == "fact_township_liuyou"]
    assert liuyou["expected"].sum() == units == liuyou["sent"].sum()


def test_a_county_that_sent_nothing_is_overdue_after_the_deadline_and_missing_before(sent_one):
    after = status_of(sent_one)
    assert after.loc[("990101", "fact_county_leadership"), "status"] == tracker.SENT
    assert after.loc[("990102", "fact_county_leadership"), "status"] == tracker.OVERDUE
    assert after.loc[("990102", "fact_county_leadership"), "days_overdue"] == (date(2026, 1, 1) - PAST).days
    before = status_of(sent_one, today=PAST)  # on the deadline day itself: not yet overdue
    assert before.loc[("990102", "fact_county_leadership"), "status"] == tracker.MISSING
    # no deadline for 六有: one of 甲区's two townships sent -> missing with 1/2, never overdue
    liuyou = after.loc[("990101", "fact_township_liuyou")]
    assert (liuyou["status"], liuyou["sent"], liuyou["expected"], liuyou["cell"]) == (tracker.MISSING, 1, 2, "缺报 1/2")
    # 乙县 has no liaison station: nothing to send
    assert after.loc[("990102", "fact_station_year"), "status"] == tracker.NONE
    assert after.loc[("990101", "fact_station_year"), "expected"] == 1


def test_who_sent_the_last_version_comes_from_meta_batch(sent_one):
    row = status_of(sent_one).loc[("990101", "fact_township_liuyou")]
    assert row["last_uploaded_by"] == "jiaqu" and row["last_file_name"] == "甲区六有.csv"
    assert row["n_rows"] == 1 and pd.notna(row["last_uploaded_at"])
    _, con = publish.open_snapshot(sent_one)
    missing = con.execute("SELECT object_code FROM mart_tracker_missing WHERE year = 2024 AND county_code = '990101' "
                          "AND table_name = 'fact_township_liuyou'").fetchall()
    con.close()
    assert missing == [("990101002",)]


def test_deadlines_are_audited_settings_that_can_be_cleared(wh):
    store = wh.store()
    tracker.set_deadline(store, "fact_budget", 2025, date(2026, 3, 31), "admin1")
    tracker.set_deadline(store, "fact_meeting", 2025, date(2026, 4, 30), "admin1")
    assert tracker.deadlines(store, 2025) == {("fact_budget", 2025): date(2026, 3, 31),
                                              ("fact_meeting", 2025): date(2026, 4, 30)}
    tracker.set_deadline(store, "fact_budget", 2025, None, "admin1")
    assert tracker.deadlines(store, 2025) == {("fact_meeting", 2025): date(2026, 4, 30)}
    assert tracker.deadlines(store, 2024) == {}
    with pytest.raises(auth.AuthError):
        tracker.set_deadline(store, "dim_county", 2025, date(2026, 1, 1), "admin1")
    rows = store.rows("SELECT user, action, target, result FROM audit_log WHERE action = 'setting' ORDER BY audit_id")
    assert [r["target"] for r in rows] == ["deadline:fact_budget:2025", "deadline:fact_meeting:2025",
                                           "deadline:fact_budget:2025"]
    assert {r["user"] for r in rows} == {"admin1"}


def test_status_frame_rules():
    rows = pd.DataFrame({"year": [2025] * 4, "county_code": ["1"] * 4, "county_name": ["甲"] * 4,
                         "table_name": ["fact_budget", "fact_meeting", "fact_station_year", "fact_township_staffing"],
                         "unit_kind": ["county", "event", "station", "township"], "expected": [1, 1, 0, 3],
                         "sent": [1, 0, 0, 3], "n_rows": [1, 0, 0, 3]})
    due = {("fact_meeting", 2025): date(2026, 1, 1), ("fact_budget", 2025): date(2026, 1, 1)}
    out = tracker.status_frame(rows, due, date(2026, 1, 2)).set_index("table_name")
    assert out["status"].to_dict() == {"fact_budget": "sent", "fact_meeting": "overdue", "fact_station_year": "none",
                                       "fact_township_staffing": "sent"}
    assert out.loc["fact_meeting", "days_overdue"] == 1 and out.loc["fact_township_staffing", "cell"] == "已报送 3/3"
    assert tracker.summary(out.reset_index()) == {"sent": 2, "missing": 0, "overdue": 1, "items": 3}


def test_the_page_shows_the_tracker_of_the_small_city(sent_one, monkeypatch):
    at = open_page(sent_one.root, monkeypatch, "pages/13_tracker.py", query={"year": 2024})
    assert not at.exception and not at.error
    expected = tracker.summary(status_of(sent_one, today=date.today()).reset_index())
    shown = {m.label: m.value for m in at.metric}
    assert shown == {"应报项目（县区×数据表）": str(expected["items"]), "已报送": str(expected["sent"]),
                     "缺报": str(expected["missing"]), "逾期": str(expected["overdue"])}
    grid = chart(at, "2024年 必报数据表报送情况")["traces"][0]
    cells = dict(zip(grid["y"], grid["text"]))
    assert cells["乙县"][0] == "逾期" and cells["甲区"][0] == "已报送" and cells["甲区"][3] == "缺报<br>1/2"
    table = next(d.value for d in at.dataframe if {"县区", "数据表", "状态", "尚缺"} <= set(d.value.columns))
    assert ("乙县", "县级人大常委会组成", "逾期") in set(zip(table["县区"], table["数据表"], table["状态"]))
    at.selectbox(key="county").select("990101").run()
    towns = chart(at, "甲区2024年 各乡镇（街道）报送情况")["traces"][0]
    assert dict(zip(towns["y"], [row[0] for row in towns["text"]])) == {"东街道": "已报送", "西镇": "缺报"}
