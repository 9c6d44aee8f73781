"""AppTests of 报送进度, 版本与审计 and 账号与设置: what each role may see and do, figures equal to the marts and the
app store, rollback by an administrator, accounts and settings changed through the page and audited."""
from __future__ import annotations

import time
from datetime import date

import pytest

from etl import auth, diff, publish, tracker
from tests.apptest_utils import chart, charts, login, open_page

TRACKER, VERSIONS, ADMIN = "pages/13_tracker.py", "pages/14_versions.py", "pages/15_admin.py"
BODY = "年度,县区代码,机构名称,机构类型,实有工作人员数\r\n2024,990102,办公室,办事机构,{n}\r\n"


def send(p, n: int = 6, user: str = "city1") -> int:
    batch = publish.validate(p, [("机构.csv", BODY.format(n=n).encode("utf-8-sig"))])
    try:
        return publish.publish(p, batch, user)
    finally:
        batch.close()


def refused(at, label: str) -> bool:
    return any(f"无权访问“{label}”" in e.value for e in at.error)


def button(at, label: str):
    found = [b for b in at.button if b.label == label]
    assert found, f"no button {label} among {[b.label for b in at.button]}"
    return found[0]


def frame_with(at, *columns: str):
    found = [d.value for d in at.dataframe if set(columns) <= set(d.value.columns)]
    assert found, f"no table with {columns}"
    return found[0]


def mart(p, sql: str, params=()):
    _, con = publish.open_snapshot(p)
    try:
        return con.execute(sql, params).fetchdf()
    finally:
        con.close()


# --- 报送进度 on the demo city ---------------------------------------------------------------------------

def test_tracker_matrix_and_counts_equal_mart_tracker(demo_wh, monkeypatch):
    at = open_page(demo_wh.root, monkeypatch, TRACKER, role="leader")
    assert not at.exception and not at.error
    year = int(mart(demo_wh, "SELECT max(year) AS y FROM mart_kpi")["y"][0])  # opens on the latest year with data
    rows = tracker.status_frame(mart(demo_wh, "SELECT * FROM mart_tracker WHERE year = ?", (year,)), {}, date.today())
    grid = chart(at, f"{year}年 必报数据表报送情况")["traces"][0]
    shown = {(c, t): v for c, row in zip(grid["y"], grid["text"]) for t, v in zip(grid["x"], row)}
    expected = {(r.county_name, r.short): r.cell.replace(" ", "<br>") for r in rows.itertuples()}
    assert shown == expected and len(shown) == 8 * len(tracker.REQUIRED)
    counts = tracker.summary(rows)
    assert {m.label: m.value for m in at.metric} == {"应报项目（县区×数据表）": str(counts["items"]),
                                                    "已报送": str(counts["sent"]), "缺报": str(counts["missing"]),
                                                    "逾期": str(counts["overdue"])}
    clicks = charts(at)[0]["traces"][1]  # the click layer: customdata[0] = county code, for the drill-down
    assert {c[0] for c in clicks["customdata"]} == set(rows["county_code"])
    assert not any(b.label.startswith("上传“") for b in at.button)  # leaders have no upload links
    t0 = time.perf_counter()
    at.run()
    assert time.perf_counter() - t0 < 1.0  # informal: warm reruns are fast (≈0.1 s here)


def test_choosing_year_and_county_shows_that_county_against_the_city(demo_wh, monkeypatch):
    at = open_page(demo_wh.root, monkeypatch, TRACKER, role="city_staff")
    at.selectbox(key="year").select(2022).run()
    at.selectbox(key="county").select("990105").run()
    assert not at.exception and not at.error
    assert any("云渡县2022年 报送情况" in h.value for h in at.subheader)
    m = mart(demo_wh, "SELECT * FROM mart_tracker WHERE year = 2022")
    rates = chart(at, "云渡县与全市 2022年各数据表报送完成率")["traces"]
    by_scope = {t["name"]: dict(zip(t["y"], t["x"])) for t in rates}
    short = {r.table: r.short for r in tracker.REQUIRED}
    mine = m[m["county_code"] == "990105"]
    assert by_scope["云渡县"] == {short[t]: s / e for t, s, e in zip(mine["table_name"], mine["sent"], mine["expected"])
                                  if e > 0}
    city = m.groupby("table_name")[["sent", "expected"]].sum()
    assert by_scope["清川市（全市）"] == {short[t]: r.sent / r.expected for t, r in city.iterrows()}
    towns = chart(at, "云渡县2022年 各乡镇（街道）报送情况")
    expected_towns = mart(demo_wh, "SELECT township_name FROM mart_tracker_township WHERE year = 2022 "
                                   "AND county_code = '990105'")["township_name"]
    assert sorted(towns["traces"][0]["y"]) == sorted(expected_towns)
    assert all(c[0].startswith("990105") for c in towns["traces"][1]["customdata"])  # township drill-down codes
    assert {m.label: m.value for m in at.metric}["应报项目（县区×数据表）"] == str(len(tracker.REQUIRED))
    assert at.query_params["year"] in ("2022", ["2022"]) and at.query_params["county"] in ("990105", ["990105"])
    again = open_page(demo_wh.root, monkeypatch, TRACKER, query={"year": 2022, "county": "990105"}, role="leader")
    assert any("云渡县2022年 报送情况" in h.value for h in again.subheader)


def test_staff_get_upload_links_for_what_is_missing(wh, monkeypatch):
    at = open_page(wh.root, monkeypatch, TRACKER, query={"year": 2024}, role="county_staff", county="990102")
    assert not at.exception and not at.error
    assert at.session_state["county"] == "990102"  # county staff open on their own county
    assert any(h.value == "去补报" for h in at.subheader)
    links = {el.proto.label: el.proto.query_string for el in at.get("page_link") if el.proto.label.startswith("上传“")}
    # 乙县 sent nothing of 2024: a link per required table (it has no liaison station, so none for that one),
    # each preselecting the table, year and county
    assert len(links) == len(tracker.REQUIRED) - 1 and "上传“联络站年度运行”" not in links
    assert links["上传“经费保障”"] == "table=fact_budget&year=2024&county=990102"


# --- roles ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("page,label", [(VERSIONS, "版本与审计"), (ADMIN, "账号与设置")])
def test_a_leader_is_refused_the_staff_pages_even_by_url_and_the_refusal_is_audited(wh, monkeypatch, page, label):
    at = open_page(wh.root, monkeypatch, page, role="leader")
    assert refused(at, label)
    assert len(at.dataframe) == 0 and len(at.get("plotly_chart")) == 0 and len(at.button) <= 1  # only 退出登录
    admin = open_page(wh.root, monkeypatch, VERSIONS, role="admin")
    log = frame_with(admin, "用户", "操作", "对象", "结果")
    assert ("test_leader", "打开页面", label, "拒绝") in set(zip(log["用户"], log["操作"], log["对象"], log["结果"]))


def test_a_leader_sees_the_tracker(wh, monkeypatch):
    at = open_page(wh.root, monkeypatch, TRACKER, role="leader")
    assert not at.exception and not at.error and len(at.metric) == 4


def test_without_login_a_closed_deployment_shows_the_login_form(wh, monkeypatch):
    auth.set_setting(wh.store(), "anonymous_view", "off", "测试")
    for page in (TRACKER, VERSIONS, ADMIN):
        at = open_page(wh.root, monkeypatch, page)
        assert not at.exception
        assert any("请登录" in h.value for h in at.subheader)
        assert len(at.metric) == 0 and len(at.dataframe) == 0


def test_city_staff_see_versions_but_no_rollback(wh, monkeypatch):
    send(wh)
    at = open_page(wh.root, monkeypatch, VERSIONS, role="city_staff")
    assert not at.exception and not at.error
    assert not [b for b in at.button if b.label == "回滚到该版本"]
    assert any("回滚只能由管理员操作" in c.value for c in at.caption)
    shown = frame_with(at, "版本", "当前", "类型")
    rows = publish.versions(wh)
    assert list(shown["版本"]) == [f"v{r['version']}" for r in rows]
    assert list(shown["当前"]) == ["● 当前" if r["current"] else "" for r in rows]


# --- 版本与审计 (admin) ------------------------------------------------------------------------------------

def test_admin_rolls_back_with_a_reason_and_a_new_version_appears(wh, monkeypatch):
    first = publish.current_version(wh)
    send(wh, 6)
    send(wh, 9)
    at = open_page(wh.root, monkeypatch, VERSIONS, role="admin")
    before = publish.current_version(wh)
    at.selectbox(key=f"rb_version_v{before}").select(first)
    button(at, "回滚到该版本").click().run()  # no reason: refused, nothing changes
    assert any("请填写回滚原因" in e.value for e in at.error) and publish.current_version(wh) == before
    assert at.selectbox(key=f"rb_version_v{before}").value == first  # the choice is kept
    at.text_area(key=f"rb_reason_v{before}").input("误传了乙县的机构数据")
    at.checkbox(key=f"rb_sure_v{before}").check()
    button(at, "回滚到该版本").click().run()
    assert not at.exception
    new = publish.current_version(wh)
    assert new == before + 1
    latest = publish.versions(wh)[0]
    assert latest["kind"] == "rollback" and latest["created_by"] == "test_admin" and "误传" in latest["reason"]
    assert any(f"生成新版本 v{new}" in s.value for s in at.success)
    assert frame_with(at, "版本", "当前")["版本"].iloc[0] == f"v{new}"
    assert at.text_area(key=f"rb_reason_v{new}").value == ""  # a fresh form for the next rollback
    audit = wh.store().rows("SELECT user, action, target, result FROM audit_log WHERE action = 'rollback'")
    assert audit == [{"user": "test_admin", "action": "rollback", "target": f"v{first}", "result": "accepted"}]


def test_version_diff_equals_the_library(wh, monkeypatch):
    base = publish.current_version(wh)
    send(wh, 6)
    new = send(wh, 9)
    at = open_page(wh.root, monkeypatch, VERSIONS, role="admin")
    assert at.selectbox(key="diff_old").value == new - 1 and at.selectbox(key="diff_new").value == new
    at.selectbox(key="diff_old").select(base).run()
    expected = diff.version_diff(wh.snapshot(base), wh.snapshot(new))
    shown = frame_with(at, "数据表", "新增记录", "删除记录", "修改记录")
    assert list(zip(shown["数据表"], shown["新增记录"], shown["修改记录"])) == [(d.label, d.added, d.changed_rows)
                                                                          for d in expected]
    at.selectbox(key="diff_old").select(new - 1).run()
    cells = frame_with(at, "记录", "列", "原值", "新值")
    assert list(cells.itertuples(index=False, name=None)) == [("2024 / 990102 / 办公室", "实有工作人员数", "6", "9")]


def test_audit_log_filters_and_upload_log_problems(wh, monkeypatch):
    batch = publish.validate(wh, [("坏.csv", "年度,县区代码,常委会组成人员数,专职组成人员数\r\n2024,990102,20,25\r\n"
                                   .encode("gb18030"))])
    from etl.cli import _log_rejected
    _log_rejected(wh, batch, "county2", "rejected")
    batch.close()
    at = open_page(wh.root, monkeypatch, VERSIONS, role="admin")
    at.selectbox(key="au_result").select("rejected").run()
    log = frame_with(at, "用户", "操作", "结果")
    assert set(log["结果"]) == {"未通过"} and ("county2", "上传数据") in set(zip(log["用户"], log["操作"]))
    uploads = frame_with(at, "上传号", "结果", "错误")
    row = uploads[uploads["文件名"] == "坏.csv"].iloc[0]
    assert (row["结果"], row["错误"]) == ("校验未通过", 1)
    issues = frame_with(at, "行号", "列", "级别", "问题与修改方法")
    assert list(issues["级别"]) == ["错误"] and "专职组成人员数" in issues["列"].iloc[0]


# --- 账号与设置 -----------------------------------------------------------------------------------------

def fill_account(at, user, role="county_staff", county="990102", pw="Abcdefgh12", pw2=None):
    at.text_input(key="na_user").input(user)
    at.text_input(key="na_display").input("乙县填报员")
    at.selectbox(key="na_role").select(role)
    if county:
        at.selectbox(key="na_county").select(county)
    at.text_input(key="na_pw1").input(pw)
    at.text_input(key="na_pw2").input(pw2 or pw)
    button(at, "创建账号").click().run()


def test_admin_creates_an_account_then_disables_it(wh, monkeypatch):
    at = open_page(wh.root, monkeypatch, ADMIN, role="admin")
    assert not at.exception and not at.error
    fill_account(at, "yixian2", pw="short1")  # policy refused, audited, nothing created
    assert any("密码长度" in e.value for e in at.error)
    assert not [a for a in auth.accounts(wh.store()) if a["username"] == "yixian2"]
    fill_account(at, "yixian2")
    assert not at.exception and any("已创建账号 yixian2" in s.value for s in at.success)
    made = [a for a in auth.accounts(wh.store()) if a["username"] == "yixian2"][0]
    assert (made["role"], made["county_code"], made["active"]) == ("county_staff", "990102", 1)
    shown = frame_with(at, "用户名", "角色", "状态")
    assert ("yixian2", "县区填报员", "启用") in set(zip(shown["用户名"], shown["角色"], shown["状态"]))
    at.selectbox(key="ma_user").select("yixian2").run()
    at.button(key="ma_toggle").click().run()
    assert [a["active"] for a in auth.accounts(wh.store()) if a["username"] == "yixian2"] == [0]
    with pytest.raises(auth.AuthError, match="停用"):
        auth.authenticate(wh.store(), "yixian2", "Abcdefgh12")
    actions = [(r["action"], r["result"]) for r in wh.store().rows(
        "SELECT action, result FROM audit_log WHERE target = 'yixian2' AND user = 'test_admin' ORDER BY audit_id")]
    assert actions == [("create_account", "rejected"), ("create_account", "accepted"), ("disable_account", "accepted")]


def test_admin_cannot_disable_own_account_and_resets_a_password(wh, monkeypatch):
    auth.create_account(wh.store(), "test_admin", "Abcdefgh12", "admin", "测试")
    auth.create_account(wh.store(), "leader9", "Abcdefgh12", "leader", "测试")
    at = open_page(wh.root, monkeypatch, ADMIN, role="admin")
    at.selectbox(key="ma_user").select("test_admin").run()
    at.button(key="ma_toggle").click().run()
    assert any("不能停用自己" in e.value for e in at.error)
    at.selectbox(key="ma_user").select("leader9").run()
    at.text_input(key="ma_pw1").input("Newpassw0rd9")
    at.text_input(key="ma_pw2").input("Newpassw0rd9")
    button(at, "重置密码").click().run()
    assert auth.authenticate(wh.store(), "leader9", "Newpassw0rd9").role == "leader"


def test_admin_settings_anonymous_view_idle_timeout_and_deadlines(wh, monkeypatch):
    at = open_page(wh.root, monkeypatch, ADMIN, role="admin")
    assert any("从未设置" in m.value for m in at.markdown)
    at.radio(key="st_anon").set_value("off")
    at.number_input(key="st_idle").set_value(45)
    button(at, "保存设置").click().run()
    store = wh.store()
    assert auth.setting(store, "anonymous_view") == "off" and auth.setting(store, "idle_timeout_minutes") == "45"
    at.selectbox(key="adm_dl_year").select(2024).run()
    at.date_input(key="adm_dl_all_2024").set_value(date(2025, 3, 31)).run()
    button(at, "应用到全部数据表").click().run()
    assert tracker.deadlines(store, 2024) == {(r.table, 2024): date(2025, 3, 31) for r in tracker.REQUIRED}
    targets = {r["target"] for r in store.rows("SELECT target FROM audit_log WHERE action = 'setting' AND user = 'test_admin'")}
    assert {"anonymous_view", "idle_timeout_minutes", "deadline:fact_budget:2024"} <= targets
    login(at, "leader")  # the deadline shows on the tracker: nothing of 2024 sent in the small city -> overdue
    at.switch_page(TRACKER)
    at.query_params["year"] = "2024"
    at.run()
    assert {m.label: m.value for m in at.metric}["缺报"] == "0"
    assert int({m.label: m.value for m in at.metric}["逾期"]) > 0
