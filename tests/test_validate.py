"""Validation: one fixture per error class, encodings, all problems reported, nothing half-loaded."""
from __future__ import annotations

import json

import pytest

from etl import publish, warehouse
from etl.problems import ValidationFailed


def signature(p):
    version, con = publish.open_snapshot(p)
    try:
        return version, warehouse.signature(con)
    finally:
        con.close()




COUNTY_BODIES = ("年度,县区代码,机构名称,机构类型,实有工作人员数,负责人出生年份\r\n"
                 "2024,990102,办公室,办事机构,6,1970\r\n"
                 "2024,990102,代表工作委员会,工作委员会,2,1988\r\n")
RARE_TOWNSHIPS = ("乡镇街道代码,名称,所属县区,类型,类别,生效年份\r\n"
                  "990102004,喆镕镇,990102,镇,二类,2000\r\n"
                  "990102005,𠮷䶮乡,990102,乡,三类,2001\r\n")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_same_data_in_every_encoding_loads_to_identical_tables(wh, encoding, tmp_path_factory):
    batch = publish.validate(wh, [("乡镇.csv", RARE_TOWNSHIPS.encode(encoding))])
    assert batch.ok, [p.format() for p in batch.problems]
    publish.publish(wh, batch, "测试")
    batch.close()
    _, con = publish.open_snapshot(wh)
    names = [r[0] for r in con.execute("SELECT township_name FROM dim_township WHERE township_code IN "
                                       "('990102004','990102005') ORDER BY township_code").fetchall()]
    sig = warehouse.signature(con, ["dim_township"])
    con.close()
    assert names == ["喆镕镇", "𠮷䶮乡"]
    assert [ord(ch) for ch in names[1][:1]] == [0x20BB7]
    store = tmp_path_factory.getbasetemp() / "encoding_sigs.json"
    sigs = json.loads(store.read_text()) if store.exists() else {}
    sigs[encoding] = sig["dim_township"]
    store.write_text(json.dumps(sigs))
    assert len({tuple(v) for v in sigs.values()}) == 1


def test_every_problem_is_reported_not_only_the_first(wh):
    rows = ["年度,县区代码,机构名称,机构类型,实有工作人员数"]
    expected = 0
    for i in range(40):
        kind = i % 5
        staff, btype, county, year, name = "3", "工作委员会", "990102", "2024", f"其他:机构{i}"
        if kind == 0:
            staff = "-1"
        elif kind == 1:
            btype = "小组"
        elif kind == 2:
            county = "990109"
        elif kind == 3:
            year = "二〇二四"
        else:
            staff = "很多"
        if i < 37:
            expected += 1
        else:
            staff, btype, county, year = "3", "工作委员会", "990102", "2024"
        rows.append(",".join([year, county, name, btype, staff]))
    batch = publish.validate(wh, [("机构.csv", ("\r\n".join(rows) + "\r\n").encode("utf-8-sig"))])
    errors = [p for p in batch.problems if p.severity == "error"]
    batch.close()
    assert len(errors) == expected == 37
    assert {p.code for p in errors} == {"below_minimum", "not_in_enum", "unknown_reference", "bad_integer"}
    assert sorted(p.row for p in errors) == sorted(i + 2 for i in range(37))


def test_one_bad_row_among_thousands_rejects_the_whole_file(wh):
    lines = ["年度,县区代码,机构名称,机构类型,实有工作人员数"]
    lines += [f"2024,990102,其他:机构{i},工作委员会,3" for i in range(5000)]
    lines[4000] = "2024,990102,其他:机构3999,工作委员会,-5"
    before = signature(wh)
    batch = publish.validate(wh, [("big.csv", ("\n".join(lines) + "\n").encode())])
    errors = [p for p in batch.problems if p.severity == "error"]
    assert [(p.row, p.column, p.code) for p in errors] == [(4001, "实有工作人员数", "below_minimum")]
    assert batch.problems[0].format().startswith("第4001行，列“实有工作人员数”")
    batch.close()
    assert signature(wh) == before


def test_county_reupload_replaces_exactly_its_own_scope(wh):
    other = "年度,县区代码,机构名称,机构类型,实有工作人员数\r\n2024,990101,办公室,办事机构,7\r\n"
    for data in (COUNTY_BODIES, other):
        batch = publish.validate(wh, [("bodies.csv", data.encode())])
        publish.publish(wh, batch, "测试")
        batch.close()
    again = "年度,县区代码,机构名称,机构类型,实有工作人员数\r\n2024,990102,研究室,办事机构,1\r\n"
    batch = publish.validate(wh, [("bodies.csv", again.encode())])
    publish.publish(wh, batch, "测试")
    batch.close()
    _, con = publish.open_snapshot(wh)
    rows = con.execute("SELECT county_code, body_name FROM fact_county_body ORDER BY ALL").fetchall()
    con.close()
    assert rows == [("990101", "办公室"), ("990102", "研究室")]


def test_suggestions_upsert_by_id(wh):
    head = "建议编号,年度,层级,县区代码,标题,类别,办理状态,交办日期\r\n"
    first = head + "S1,2024,县级,990102,关于道路修缮的建议,城建环资,已交办,2024-02-01\r\nS2,2024,县级,990102,关于学校扩建的建议,教科文卫,已交办,2024-02-01\r\n"
    second = head + "S2,2024,县级,990102,关于学校扩建的建议,教科文卫,办理中,2024-02-01\r\n"
    for data in (first, second):
        batch = publish.validate(wh, [("建议.csv", data.encode())])
        assert batch.ok, [p.format() for p in batch.problems]
        publish.publish(wh, batch, "测试")
        batch.close()
    _, con = publish.open_snapshot(wh)
    rows = con.execute("SELECT suggestion_id, status FROM fact_suggestion ORDER BY 1").fetchall()
    con.close()
    assert rows == [("S1", "已交办"), ("S2", "办理中")]


def test_references_resolve_within_the_same_batch(wh):
    unit = "承办单位编号,单位名称,所属县区,单位类型\r\nU999,乙县交通局,990102,政府部门\r\n"
    sug = ("建议编号,年度,层级,县区代码,标题,类别,主办单位,办理状态,交办日期\r\n"
           "S9,2024,县级,990102,关于道路修缮的建议,城建环资,U999,已交办,2024-02-01\r\n")
    batch = publish.validate(wh, [("单位.csv", unit.encode()), ("建议.csv", sug.encode())])
    assert batch.ok, [p.format() for p in batch.problems]
    batch.close()
    batch = publish.validate(wh, [("建议.csv", sug.encode())])
    assert [p.code for p in batch.problems] == ["unknown_reference"]
    batch.close()


def test_no_replace_error_handler_anywhere_in_etl():
    from pathlib import Path
    for path in Path("etl").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert 'errors="replace"' not in text and "errors='replace'" not in text, path
        assert 'errors="ignore"' not in text and "errors='ignore'" not in text, path


def test_station_year_replace_scope_uses_the_station_county(wh):
    """Regression: the county of a station-year row comes from its own station, not an arbitrary one."""
    stations = ("站点编号,站点名称,站点层级,站点类型,所属县区,所属乡镇街道,建成年份\r\n"
                "S201,南乡代表联络站,乡镇级,联络站,990102,990102001,2019\r\n")
    year_rows = "年度,站点编号,活动次数\r\n2024,S101,5\r\n"
    for data in (stations, year_rows):
        batch = publish.validate(wh, [("x.csv", data.encode())])
        assert batch.ok, [p.format() for p in batch.problems]
        publish.publish(wh, batch, "测试")
        batch.close()
    batch = publish.validate(wh, [("x.csv", "年度,站点编号,活动次数\r\n2024,S201,7\r\n".encode())])
    scope = batch.con.execute("SELECT year, county_code FROM scope_fact_station_year").fetchall()
    publish.publish(wh, batch, "测试")
    batch.close()
    assert scope == [(2024, "990102")]
    _, con = publish.open_snapshot(wh)
    rows = con.execute("SELECT station_id, activity_count FROM fact_station_year ORDER BY 1").fetchall()
    con.close()
    assert rows == [("S101", 5), ("S201", 7)], "county 990101's row must survive county 990102's upload"


def test_county_staff_cannot_send_other_counties_rows(wh):
    text = ("年度,县区代码,机构名称,机构类型,实有工作人员数\r\n2024,990102,办公室,办事机构,6\r\n"
            "2024,990101,办公室,办事机构,5\r\n")
    before = signature(wh)
    batch = publish.validate(wh, [("机构.csv", text.encode())], county="990102")
    codes = [(p.code, p.row, p.column) for p in batch.problems if p.severity == "error"]
    assert codes == [("other_county", 3, "县区代码")]
    with pytest.raises(ValidationFailed):
        publish.publish(wh, batch, "县区填报员")
    batch.close()
    batch = publish.validate(wh, [("市.csv", "市代码,市名称\r\n990100,测试市\r\n".encode())], county="990102")
    assert [p.code for p in batch.problems] == ["table_not_permitted"]
    batch.close()
    assert signature(wh) == before


def test_a_long_list_says_whether_the_batch_can_still_be_published(wh, monkeypatch):
    """More problems than are listed: with errors the list asks for a fix; with warnings only it says they do
    not block the upload (the staff member must not think the file was refused)."""
    from etl import validate
    monkeypatch.setattr(validate, "MAX_LISTED", 3)
    head = "年度,县区代码,机构名称,机构类型,实有工作人员数\r\n"
    small = "".join(f"2024,990102,其他:机构{i},工作委员会,2\r\n" for i in range(6))  # 2 staff: a warning each
    batch = publish.validate(wh, [("机构.csv", (head + small).encode("utf-8-sig"))])
    try:
        assert batch.ok
        last = batch.problems[-1]
        assert last.code == "too_many_problems" and last.severity == "warning"
        assert "共发现6条警告" in last.message and "不阻止入库" in last.message and "重新上传" not in last.message
        assert batch.file_count("机构.csv", "warning") == 6 and batch.file_count("机构.csv", "error") == 0  # not 3
    finally:
        batch.close()
    bad = small + "2024,990102,其他:机构X,小组,6\r\n"  # an error (no such 机构类型)
    batch = publish.validate(wh, [("机构.csv", (head + bad).encode("utf-8-sig"))])
    try:
        assert not batch.ok
        last = batch.problems[-1]
        assert last.code == "too_many_problems" and last.severity == "error"
        assert "共发现7个问题" in last.message and "请先修正以上问题后重新上传" in last.message
        assert batch.file_count("机构.csv", "error") == 1 and batch.file_count("机构.csv", "warning") == 6
    finally:
        batch.close()
