"""AppTests of the 数据上传 page: who may open it, the Chinese validation report, the diff, confirm → publish,
corrections in the browser through the same path, and that a rejected attempt changes nothing but the logs."""
from __future__ import annotations

import csv
import hashlib
import io
import shutil
import time

import pandas as pd
import pytest

from etl import auth, fmt, publish, schema
from etl.demo.writer import cell
from etl.diff import batch_diff
from etl.indicators import BY_CODE
from etl.problems import Problem, ValidationFailed, WriterBusy
from pages._common import data, data_upload, upload
from tests.apptest_utils import open_page

PAGE = "pages/12_upload.py"
LIUYOU = "fact_township_liuyou"
COUNTY, OTHER, YEAR = "990105", "990101", 2024
TOWN = "990105101"  # 伏虎镇: all six items met in 2024


@pytest.fixture
def priv(demo_wh, tmp_path) -> publish.Paths:
    """A private copy of the demo city for tests that publish."""
    root = tmp_path / "data"
    shutil.copytree(demo_wh.root, root, ignore=shutil.ignore_patterns("uploads"))
    return publish.data_paths(root)


def scope_csv(p, county=COUNTY, year=YEAR, edit=None, extra_county=None, encoding="utf-8-sig") -> bytes:
    """The current 六有 rows of one county and year as staff would send them; `edit` = {township: {header: value}};
    `extra_county` appends one row of another county."""
    t = schema.BY_NAME[LIUYOU]
    cols = [c for c in t.columns if not c.derived_from]
    _, con = publish.open_snapshot(p)
    sql = (f"SELECT {', '.join(c.name for c in cols)} FROM {LIUYOU} WHERE year = ? AND left(township_code, 6) = ? "
           "ORDER BY township_code LIMIT ?")
    rows = con.execute(sql, (year, county, 10_000)).fetchall()
    if extra_county:
        rows += con.execute(sql, (year, extra_county, 1)).fetchall()
    con.close()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.header for c in cols])
    for r in rows:
        values = [cell(c, v) for c, v in zip(cols, r)]
        for header, value in (edit or {}).get(r[1], {}).items():
            values[[c.header for c in cols].index(header)] = value
        writer.writerow(values)
    return out.getvalue().encode(encoding)


def warehouse_signature(p) -> tuple:
    """CURRENT, the snapshot files and the bytes of the current snapshot: equal = nothing published."""
    current = p.current.read_text()
    files = sorted(f.name for f in p.warehouse.glob("v*.duckdb"))
    digest = hashlib.sha256(p.snapshot(publish.current_version(p)).read_bytes()).hexdigest()
    return current, files, digest


def liuyou(p, county=COUNTY, year=YEAR) -> float:
    _, con = publish.open_snapshot(p)
    value = con.execute("SELECT value FROM mart_kpi WHERE kpi_code = 'liuyou_rate' AND level = '县' AND unit_code = ? "
                        "AND year = ?", (county, year)).fetchone()[0]
    con.close()
    return value


def clean(at) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def metrics(at) -> dict:
    return {m.label: m.value for m in at.metric}


def upload_file(at, name: str, payload: bytes):
    key = f"up_files_{at.session_state['up_gen'] if 'up_gen' in at.session_state else 0}"  # noqa: SIM401
    return at.file_uploader(key=key).set_value((name, payload, "text/csv")).run()


def table_with(at, column: str, nth: int = 0) -> pd.DataFrame:
    """The nth table (st.table or st.dataframe) on the page that has `column`."""
    found = [d.value for d in list(at.table) + list(at.dataframe) if column in d.value.columns]
    assert len(found) > nth, f"no table with column {column}"
    return found[nth]


def last_log(p) -> dict:
    store = p.store()
    try:
        return store.rows("SELECT * FROM meta_upload_log ORDER BY upload_id DESC LIMIT 1")[0]
    finally:
        store.close()


# --- who may open the page -------------------------------------------------------------------------------

def test_a_leader_is_refused_and_sees_no_uploader(demo_wh, monkeypatch):
    at = open_page(demo_wh.root, monkeypatch, PAGE, role="leader")
    assert not at.exception
    assert any("无权访问“数据上传”" in e.value for e in at.error)
    assert not at.get("file_uploader") and not at.get("download_button")


@pytest.mark.parametrize("anonymous_view", ["on", "off"])
def test_an_anonymous_user_gets_the_login_form_and_no_uploader(priv, monkeypatch, anonymous_view):
    auth.set_setting(priv.store(), "anonymous_view", anonymous_view, "test")
    at = open_page(priv.root, monkeypatch, PAGE)
    assert not at.exception
    assert any(t.label == "用户名" for t in at.text_input) and any(t.label == "密码" for t in at.text_input)
    assert not at.get("file_uploader") and not at.get("download_button")
    assert not any("第一步" in s.value for s in at.subheader)


def test_county_staff_are_offered_only_tables_of_their_own_county(demo_wh, monkeypatch):
    at = open_page(demo_wh.root, monkeypatch, PAGE, role="county_staff", county=COUNTY)
    clean(at)
    offered = set(at.selectbox(key="up_table").options)
    labels = {schema.BY_NAME[n].label for n in data_upload.CITY_WIDE}
    assert not offered & labels
    assert schema.BY_NAME[LIUYOU].label in offered and schema.BY_NAME["fact_suggestion"].label in offered
    assert any("云渡县的县区填报员" in i.value for i in at.info)
    city = open_page(demo_wh.root, monkeypatch, PAGE, role="city_staff")
    clean(city)
    assert labels <= set(city.selectbox(key="up_table").options)
    assert len(city.selectbox(key="up_table").options) == len(schema.UPLOADABLE)


def test_the_table_is_kept_in_the_url_and_a_link_reopens_it(demo_wh, monkeypatch):
    at = open_page(demo_wh.root, monkeypatch, PAGE, role="city_staff", query={"table": "fact_budget"})
    clean(at)
    assert at.selectbox(key="up_table").value == "fact_budget"
    assert len(at.get("download_button")) == 2  # xlsx and csv templates
    at.selectbox(key="up_table").set_value(LIUYOU).run()
    clean(at)
    assert at.query_params["table"] in (LIUYOU, [LIUYOU])
    assert any("年度+县区" in m.value for m in at.markdown)  # what an upload replaces
    assert at.radio(key=f"up_mode_{LIUYOU}").value == schema.REPLACE  # the registry's default mode


# --- the report, the diff, publishing -----------------------------------------------------------------------

def test_other_county_rows_are_rejected_in_chinese_and_nothing_changes(priv, monkeypatch):
    before = warehouse_signature(priv)
    at = open_page(priv.root, monkeypatch, PAGE, role="county_staff", county=COUNTY, query={"table": LIUYOU})
    upload_file(at, "六有.csv", scope_csv(priv, extra_county=OTHER, encoding="gb18030"))
    assert not at.exception
    assert any("整批文件均未导入" in e.value for e in at.error)
    errors = table_with(at, "问题及修改方法")
    assert any("这一行属于其他县区" in m and COUNTY in m for m in errors["问题及修改方法"])
    assert metrics(at)["错误"] == "1个"
    assert not [b for b in at.button if b.key == "up_confirm"]
    assert warehouse_signature(priv) == before and publish.current_version(priv) == 2
    log = last_log(priv)
    assert (log["status"], log["errors"], log["table_name"]) == ("rejected", 1, LIUYOU)
    assert log["uploaded_by"] == "test_county_staff"
    store = priv.store()
    issues = store.rows("SELECT rule_code FROM meta_validation_issue WHERE upload_id = ?", (log["upload_id"],))
    audit = store.rows("SELECT result, sha256 FROM audit_log WHERE action = 'upload' ORDER BY audit_id DESC LIMIT 1")
    store.close()
    assert [i["rule_code"] for i in issues] == ["other_county"]
    assert audit[0]["result"] == "rejected" and audit[0]["sha256"] == log["sha256"]


def test_a_rejected_file_changes_nothing_and_the_report_lists_every_problem(priv, monkeypatch):
    before = warehouse_signature(priv)
    at = open_page(priv.root, monkeypatch, PAGE, role="city_staff", query={"table": LIUYOU})
    bad = scope_csv(priv, edit={TOWN: {"有机构": "也许"}, "990105102": {"有经费": "是", "年度人大工作经费(万元)": ""}},
                    encoding="gb18030")
    upload_file(at, "六有_有错误.csv", bad)
    assert not at.exception
    expected = publish.validate(priv, [("六有_有错误.csv", bad)], LIUYOU, {LIUYOU: schema.REPLACE})
    codes = sorted(q.code for q in expected.problems if q.severity == "error")
    expected.close()
    assert len(codes) == 2 and "funding_zero" in codes
    shown = table_with(at, "问题及修改方法")
    assert len(shown) == 2 and set(shown["行号"]) == {"3", "4"}
    assert metrics(at)["错误"] == "2个" and metrics(at)["数据行数"] == "16行"
    files = table_with(at, "编码")
    assert files["编码"].tolist() == ["GBK/GB18030"] and files["行数"].tolist() == ["16"]
    report = pd.read_excel(io.BytesIO(at.session_state["up_review"].report), sheet_name=None, engine="openpyxl")
    assert "问题清单" in report and len(report["问题清单"]) == 2
    assert warehouse_signature(priv) == before
    assert last_log(priv)["status"] == "rejected"


def test_a_valid_upload_shows_the_diff_then_confirm_publishes_and_the_overview_changes(priv, monkeypatch):
    old = liuyou(priv)
    at = open_page(priv.root, monkeypatch, PAGE, role="county_staff", county=COUNTY, query={"table": LIUYOU})
    good = scope_csv(priv, edit={TOWN: {"有机构": "否"}}, encoding="gb18030")
    upload_file(at, "六有_已改正.csv", good)
    clean(at)
    assert last_log(priv)["status"] == "dry_run"
    expected = publish.validate(priv, [("x.csv", good)], LIUYOU, {LIUYOU: schema.REPLACE}, COUNTY)
    d = batch_diff(expected)[0]
    expected.close()
    shown = metrics(at)
    assert (shown["新增"], shown["修改"], shown["删除"], shown["不变"]) == (
        f"{d.added}行", f"{d.changed_rows}行", f"{d.removed}行", f"{d.unchanged}行") == ("0行", "1行", "0行", "15行")
    cells = table_with(at, "原值")
    assert cells[["列", "原值", "新值"]].values.tolist() == [["有机构", "是", "否"]]
    assert cells["单位"].tolist() == ["云渡县伏虎镇"]
    at.button(key="up_confirm").click().run()
    clean(at)
    assert publish.current_version(priv) == 3
    assert any("已发布新版本 v3" in s.value for s in at.success)
    assert last_log(priv)["status"] == "accepted"
    new = liuyou(priv)
    assert new < old
    overview = open_page(priv.root, monkeypatch, query={"year": YEAR, "county": COUNTY})
    card = next(m for m in overview.metric if m.label == BY_CODE["liuyou_rate"].name_zh)
    assert card.value == fmt.fmt_value(new, "%") != fmt.fmt_value(old, "%")


def test_someone_elses_publish_meanwhile_revalidates_and_busy_or_failed_publishes_are_explained(priv, monkeypatch):
    at = open_page(priv.root, monkeypatch, PAGE, role="city_staff", query={"table": LIUYOU})
    upload_file(at, "六有.csv", scope_csv(priv, edit={TOWN: {"有机构": "否"}}))
    clean(at)
    monkeypatch.setattr(publish, "publish", lambda *a, **k: (_ for _ in ()).throw(WriterBusy()))
    at.button(key="up_confirm").click().run()
    clean(at)
    assert any(w.value == "另一个数据上传正在发布，请稍后重试。" for w in at.warning)
    problem = Problem("unit_not_active", "该乡镇街道在本年度不存在", row=3, column="乡镇街道代码", file="六有.csv")
    monkeypatch.setattr(publish, "publish", lambda *a, **k: (_ for _ in ()).throw(ValidationFailed([problem])))
    at.button(key="up_confirm").click().run()
    clean(at)
    assert any("发布前发现数据已被他人更新" in i.value for i in at.info)
    assert publish.current_version(priv) == 2
    monkeypatch.undo()
    monkeypatch.setenv("NPC_DATA_DIR", str(priv.root))
    other = publish.validate(priv, [("乙.csv", scope_csv(priv, county="990102"))], LIUYOU)
    publish.publish(priv, other, "别人")
    other.close()
    at.run()
    clean(at)
    assert any("数据已更新为 v3" in i.value for i in at.info)
    assert at.session_state["up_review"].batch.base_version == 3


def test_corrections_in_the_browser_go_through_the_same_validation_and_publish(priv, monkeypatch):
    at = open_page(priv.root, monkeypatch, PAGE, role="county_staff", county=COUNTY,
                   query={"table": LIUYOU, "year": YEAR})
    at.segmented_control(key="up_way").set_value(upload.EDITOR).run()
    clean(at)
    assert not [s for s in at.selectbox if s.key == "county"]  # county staff: always their own county
    editor = at.data_editor[0]
    _, con = publish.open_snapshot(priv)
    current = con.execute(f"SELECT township_code, has_organization FROM {LIUYOU} WHERE year = ? AND "
                          "left(township_code, 6) = ? ORDER BY township_code", (YEAR, COUNTY)).fetchall()
    con.close()
    shown = editor.value
    assert shown["乡镇街道代码"].tolist() == [r[0] for r in current]
    assert shown["有机构"].tolist() == ["是" if r[1] else "否" for r in current]
    row = shown["乡镇街道代码"].tolist().index(TOWN)
    key = upload.editor_key(0, LIUYOU, YEAR, COUNTY)
    at.session_state[key] = {"edited_rows": {row: {"有机构": "否"}}, "added_rows": [], "deleted_rows": []}
    at.button(key="up_check_edits").click().run()
    clean(at)
    assert metrics(at)["修改"] == "1行" and metrics(at)["删除"] == "0行"
    assert last_log(priv)["file_name"].startswith("在线修改_")
    at.button(key="up_confirm").click().run()
    clean(at)
    assert publish.current_version(priv) == 3
    _, con = publish.open_snapshot(priv)
    value = con.execute(f"SELECT has_organization FROM {LIUYOU} WHERE year = ? AND township_code = ?",
                        (YEAR, TOWN)).fetchone()
    n = con.execute(f"SELECT count(*) FROM {LIUYOU} WHERE year = ? AND left(township_code, 6) = ?",
                    (YEAR, COUNTY)).fetchone()
    con.close()
    assert value == (False,) and n == (len(current),)
    assert last_log(priv)["status"] == "accepted"


def test_city_staff_choose_a_county_before_editing_and_edits_of_other_counties_are_refused(priv, monkeypatch):
    at = open_page(priv.root, monkeypatch, PAGE, role="city_staff", query={"table": LIUYOU, "year": YEAR})
    at.segmented_control(key="up_way").set_value(upload.EDITOR).run()
    clean(at)
    assert any("请先在上方选择县区" in i.value for i in at.info) and not at.data_editor
    at.selectbox(key="county").select(COUNTY).run()
    clean(at)
    key = upload.editor_key(0, LIUYOU, YEAR, COUNTY)
    added = {"乡镇街道代码": "990101001", "有机构": "是", "有场地": "是", "有人员": "是", "有制度": "是", "有设备": "是",
             "有经费": "否"}
    at.session_state[key] = {"edited_rows": {}, "added_rows": [added], "deleted_rows": []}
    at.button(key="up_check_edits").click().run()
    assert not at.exception
    errors = table_with(at, "问题及修改方法")
    assert any("不属于所选县区" in m for m in errors["问题及修改方法"])
    assert publish.current_version(priv) == 2


def test_a_warm_rerun_is_fast(demo_wh, monkeypatch):
    at = open_page(demo_wh.root, monkeypatch, PAGE, role="city_staff", query={"table": LIUYOU})
    at.run()
    start = time.perf_counter()
    at.run()
    assert time.perf_counter() - start < 1.0  # informal target 0.3 s; generous for slow CI machines


# --- every table in the editor ---------------------------------------------------------------------------

def test_every_table_opens_in_the_editor_with_the_rows_of_its_scope(demo_wh, monkeypatch):
    at = open_page(demo_wh.root, monkeypatch, PAGE, role="city_staff", query={"year": YEAR, "county": COUNTY})
    at.segmented_control(key="up_way").set_value(upload.EDITOR).run()
    snap = data.Snapshot(str(demo_wh.root), publish.current_version(demo_wh))
    for t in data_upload.tables_for("city_staff"):
        at.selectbox(key="up_table").set_value(t.name).run()
        clean(at)
        year = YEAR if t.year_column else None
        county = COUNTY if data_upload.county_expr(t) else None
        expected = data_upload.scope_rows(snap, t.name, year, county)
        shown = at.data_editor[0].value
        assert len(shown) == len(expected), t.name
        code = t.key[-1] if t.key[-1] in expected else t.key[0]
        assert shown[t.column(code).header].astype(str).tolist() == expected[code].astype(str).tolist(), t.name


@pytest.mark.parametrize("name", [t.name for t in data_upload.tables_for("city_staff")])
def test_unchanged_editor_rows_round_trip_without_errors_or_changes(demo_wh, name):
    """What the editor shows, written back as the upload CSV, validates cleanly and changes nothing."""
    t = schema.BY_NAME[name]
    snap = data.Snapshot(str(demo_wh.root), publish.current_version(demo_wh))
    year = YEAR if t.year_column else None
    county = COUNTY if data_upload.county_expr(t) else None
    before = upload.editor_frame(t, data_upload.scope_rows(snap, name, year, county), data_upload.unit_names(snap))
    assert upload.edits_csv(t, before, before.copy(), schema.REPLACE, year, county) == (None, 0)
    cols = data_upload.edit_columns(t)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.header for c in cols])
    writer.writerows(upload.rows_text(t, before))
    payload = ("\ufeff" + out.getvalue()).encode("utf-8")
    mode = schema.REPLACE if upload.can_replace(t) else schema.UPSERT
    batch = publish.validate(demo_wh, [("x.csv", payload)], name, {name: mode}, county)
    try:
        assert batch.ok, [q.format() for q in batch.problems if q.severity == "error"][:5]
        diff = batch_diff(batch)[0]
        assert (diff.added, diff.removed, diff.changed_rows, diff.unchanged) == (0, 0, 0, len(before))
    finally:
        batch.close()


def test_editor_rows_must_stay_in_the_chosen_year_and_a_scope_cannot_be_emptied(priv, monkeypatch):
    at = open_page(priv.root, monkeypatch, PAGE, role="county_staff", county=COUNTY,
                   query={"table": "fact_meeting", "year": YEAR})
    at.segmented_control(key="up_way").set_value(upload.EDITOR).run()
    clean(at)
    shown = at.data_editor[0].value
    key = upload.editor_key(0, "fact_meeting", YEAR, COUNTY)
    at.session_state[key] = {"edited_rows": {0: {"开始日期": "2023-05-06"}}, "added_rows": [], "deleted_rows": []}
    at.button(key="up_check_edits").click().run()
    assert not at.exception
    errors = table_with(at, "问题及修改方法")
    assert any(f"这一行不属于{YEAR}年" in m for m in errors["问题及修改方法"])
    assert not [b for b in at.button if b.key == "up_confirm"]
    at.session_state[key] = {"edited_rows": {}, "added_rows": [], "deleted_rows": list(range(len(shown)))}
    at.button(key="up_check_edits").click().run()
    assert not at.exception
    assert any("不能在线删除" in w.value for w in at.warning)
    assert publish.current_version(priv) == 2
