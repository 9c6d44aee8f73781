"""Sections of the 报送进度 (13), 版本与审计 (14) and 账号与设置 (15) pages.

Every write goes through the libraries that audit it (etl.auth, etl.tracker, etl.publish); anything refused or
rejected on these pages is audited here as well.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import streamlit as st

from etl import auth, publish, schema, tracker
from etl.problems import EtlError, WriterBusy
from etl.xlsx_safe import csv_bytes
from pages._common import charts, charts_ops, data, data_ops, frame

ROOT = Path(__file__).resolve().parents[2]
UPLOAD_PAGE = "pages/12_upload.py"
NOTICE = "_ops_notice"


def _store():
    return data.paths().store()


def notice() -> None:
    """A success message carried over the rerun that follows a change."""
    if text := st.session_state.pop(NOTICE, None):
        st.success(text)


def _done(text: str) -> None:
    st.session_state[NOTICE] = text
    st.rerun()


def _when(value) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "—"
    return str(pd.Timestamp(value))[:16]


def _county_names(snap) -> dict[str, str]:
    c = data.counties(snap)
    return dict(zip(c["county_code"], c["county_name"]))


def table_label(name) -> str:
    t = schema.BY_NAME.get(name) if isinstance(name, str) else None
    return t.label if t else (name or "—")


# --- 报送进度 -------------------------------------------------------------------------------------------

def tracker_filters(snap, viewer) -> frame.Filters:
    """Year and county like frame.filters, but the years also include the year being collected (no rows yet);
    the first visit opens on the latest year with data, county staff on their own county."""
    years = sorted(data_ops.tracker_years(snap), reverse=True)
    if not years:
        st.info("当前数据版本还没有报送进度统计：下一次发布数据（上传或 python -m etl build）后即可显示。")
        st.stop()
    with_data = set(data.years(snap))
    names = _county_names(snap)
    for key in ("year", "county"):
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]
    frame._seed_from_url("year", years)
    frame._seed_from_url("county", list(names))
    if st.session_state.get("year") not in years:
        st.session_state["year"] = next((y for y in years if y in with_data), years[0])
    if (viewer.role == "county_staff" and not st.session_state.get("_ops_own_county") and viewer.county_code in names
            and not st.session_state.get("county") and "county" not in st.query_params):
        st.session_state["county"] = viewer.county_code  # once per session: they may still clear it
    st.session_state["_ops_own_county"] = True
    cols = st.columns([1, 1.4, 1.6])
    with cols[0]:
        year = st.selectbox("年度", years, key="year", **frame.KEEP,
                            format_func=lambda y: str(y) if y in with_data else f"{y}（尚无数据）")
    with cols[1]:
        county = st.selectbox("县区", list(names), index=None, key="county", format_func=lambda c: names.get(c, c),
                              placeholder=f"{data.area(snap)}（全部县区）", **frame.KEEP)
    frame._write_url({"year": year, "county": county, "township": None})
    return frame.Filters(int(year), county, None)


def tracker_summary(status: pd.DataFrame, f, scope: str) -> None:
    mine = status[status["county_code"] == f.county] if f.county else status
    counts = tracker.summary(mine)
    cols = st.columns(4)
    cols[0].metric("应报项目（县区×数据表）", f"{counts['items']}")
    cols[1].metric("已报送", f"{counts['sent']}")
    cols[2].metric("缺报", f"{counts['missing']}")
    cols[3].metric("逾期", f"{counts['overdue']}")
    due = mine.dropna(subset=["deadline"]).drop_duplicates("table_name")
    if due.empty:
        st.caption(f"{f.year}年尚未设置报送截止日期：缺报的不计为逾期。截止日期由管理员在本页下方或“账号与设置”页设置。")
        return
    by_day = due.groupby("deadline", sort=True)["short"].apply(list)
    n_tables = mine["table_name"].nunique()
    text = "；".join(("全部数据表" if len(t) == n_tables else "、".join(t)) + f" {d:%Y-%m-%d}" for d, t in by_day.items())
    unset = n_tables - len(due)
    st.caption(f"{f.year}年报送截止日期：{text}" + (f"；其余{unset}张表未设置" if unset else "")
               + "。今天晚于截止日期仍未报齐的，记为逾期。")


def people(names: pd.Series) -> pd.Series:
    """Usernames -> '显示名（用户名）' for accounts of the app store; other names (e.g. 系统) as stored."""
    acc = data_ops.accounts()
    shown = dict(zip(acc["username"], acc["display_name"])) if len(acc) else {}
    return names.map(lambda u: "—" if not isinstance(u, str) or not u else (
        f"{shown[u]}（{u}）" if shown.get(u) and shown[u] != u else u))


TINT = {tracker.STATUS_ZH[tracker.SENT]: "#D4EFE5", tracker.STATUS_ZH[tracker.MISSING]: "#FBE8C4",
        tracker.STATUS_ZH[tracker.OVERDUE]: "#F6D2BD"}


def _tinted(df: pd.DataFrame, column: str = "状态"):
    """The status cell tinted with its traffic-light colour (the word stays: colour is never the only signal)."""
    return df.style.map(lambda v: f"background-color: {TINT[v]}" if v in TINT else "", subset=[column])


def _focus_county(key: str) -> None:
    """Click on a county of the matrix (or a row of its table): show that county on this page."""
    state = st.session_state.get(key)
    selection = getattr(state, "selection", None)
    points = getattr(selection, "points", None) or []
    codes = [p.get("customdata", [None])[0] for p in points if p.get("customdata")]
    rows = getattr(selection, "rows", None) or []
    if not codes and rows and "_ops_county_rows" in st.session_state:
        codes = [st.session_state["_ops_county_rows"][rows[0]]]
    if codes and codes[0]:
        st.session_state["county"] = str(codes[0])


def city_matrix(status: pd.DataFrame, f, city: str) -> None:
    st.subheader(f"{city}{f.year}年 各县区报送情况", anchor=False)
    shown, note = charts.bounded(status.assign(sent=(status["status"] == tracker.SENT).astype(float)), "county_code",
                                 "sent", name_col="county_name", what="个县区")  # a province: most missing first
    fig = charts.add_note(charts_ops.matrix_chart(shown.assign(last_uploaded_by=people(shown["last_uploaded_by"])),
                                                  f"{city}{f.year}年 必报数据表报送情况（县区 × 数据表）"), note)
    st.plotly_chart(fig, key="trk_matrix", on_select=lambda: _focus_county("trk_matrix"), selection_mode="points",
                    config=charts.PLOT_CONFIG)
    st.caption("格内为报送状态；乡镇类和联络站数据表同时显示“已报/应报”单位数。点击某个县区的格子，查看该县区的乡镇明细。"
               "“已报送”指本数据仓库当前版本中已有该县区该年度的记录；按年度+县区整体替换的表，以最近一次上传为准。")
    need = status[status["status"] != tracker.NONE]
    need = need.assign(**{k: (need["status"] == v).astype(int) for k, v in
                          (("is_sent", tracker.SENT), ("is_missing", tracker.MISSING), ("is_overdue", tracker.OVERDUE))})
    per = need.groupby(["county_sort", "county_code", "county_name"]).agg(  # vectorised: 2,844 counties at nation
        items=("status", "size"), sent=("is_sent", "sum"), missing=("is_missing", "sum"),
        overdue=("is_overdue", "sum"), last=("last_uploaded_at", "max")).reset_index()
    last_by = status.sort_values("last_uploaded_at").dropna(subset=["last_uploaded_at"]).groupby("county_code")[
        "last_uploaded_by"].last()
    last_by = people(last_by)
    shown = pd.DataFrame({"县区": per["county_name"], "已报送（张表）": [f"{s}/{n}" for s, n in zip(per["sent"], per["items"])],
                          "缺报": per["missing"], "逾期": per["overdue"], "最近报送时间": per["last"].map(_when),
                          "最近报送人": [last_by.get(c, "—") for c in per["county_code"]]})
    st.session_state["_ops_county_rows"] = list(per["county_code"])
    st.dataframe(shown, key="trk_counties", hide_index=True, width="stretch", on_select=lambda: _focus_county("trk_counties"),
                 selection_mode="single-row")
    st.caption("选中表格中的一行，查看该县区的乡镇明细。")


def _rates(status: pd.DataFrame, scope: str, code: str) -> pd.DataFrame:
    s = status[status["status"] != tracker.NONE]
    g = s.groupby(["table_sort", "short"], sort=True).agg(numerator=("sent", "sum"), denominator=("expected", "sum"))
    g = g.reset_index()
    g["value"] = g["numerator"] / g["denominator"]
    return g.assign(scope=scope, code=code)


def county_detail(snap, status: pd.DataFrame, f, county_name: str, city: str) -> None:
    mine = status[status["county_code"] == f.county]
    st.subheader(f"{county_name}{f.year}年 报送情况", anchor=False)
    rows = pd.DataFrame({
        "数据表": mine["label"], "状态": mine["status_zh"],
        "已报/应报": [f"{int(s)}/{int(e)}" for s, e in zip(mine["sent"], mine["expected"])],
        "记录数": mine["n_rows"], "截止日期": [d.isoformat() if d else "未设置" for d in mine["deadline"]],
        "最近报送人": people(mine["last_uploaded_by"]), "最近报送时间": mine["last_uploaded_at"].map(_when),
        "文件名": mine["last_file_name"].fillna("—")})
    st.dataframe(_tinted(rows), hide_index=True, width="stretch", height=min(38 + 35 * len(rows), 400))
    st.caption("“已报/应报”：县区级数据表按县区计，乡镇类数据表按乡镇（街道）计，联络站运行按在运行的站点计。"
               "“最近报送”为当前版本中写入该县区该年度记录的最后一个上传批次。")
    rates = pd.concat([_rates(mine, county_name, f.county), _rates(status, f"{city}（{data.area(snap)}）", "")])
    towns = data_ops.tracker_townships(snap, f.year, f.county)
    left, right = st.columns([1, 1.1]) if len(towns) else (st.container(), None)
    with left:
        fig = charts_ops.completion_chart(rates, f"{county_name}与{data.area(snap)} {f.year}年各数据表报送完成率")
        frame.chart(fig, key="trk_rates", caption="完成率 = 已报送单位 ÷ 应报送单位，目标 100%。")
    if right is not None:
        with right:
            table_status = dict(zip(mine["table_name"], mine["status"]))
            fig = charts_ops.township_chart(towns, table_status, f"{county_name}{f.year}年 各乡镇（街道）报送情况")
            frame.chart(fig, key="trk_towns", drill="township",
                        caption="“联络站运行”为该乡镇（街道）在运行的站点中已报送的数量；县级站点计入县区合计。")


def missing_section(snap, status: pd.DataFrame, f) -> None:
    st.subheader(f"{f.year}年 缺报与逾期清单", anchor=False)
    todo = status[status["status"].isin([tracker.MISSING, tracker.OVERDUE])]
    if f.county:
        todo = todo[todo["county_code"] == f.county]
    if todo.empty:
        st.success(f"{f.year}年{'该县区' if f.county else '各县区'}的必报数据表均已报送。")
        return
    todo = todo.sort_values(["days_overdue", "county_sort", "table_sort"], ascending=[False, True, True])
    what = {tracker.TOWNSHIP: "个乡镇（街道）", tracker.STATION: "个站点"}
    shown = pd.DataFrame({
        "县区": todo["county_name"], "数据表": todo["label"], "状态": todo["status_zh"],
        "尚缺": [f"{int(m)}{what[k]}" if k in what else "整表未报" for m, k in zip(todo["missing_units"], todo["unit_kind"])],
        "截止日期": [d.isoformat() if d else "未设置" for d in todo["deadline"]],
        "逾期天数": [f"{int(d)}天" if d else "—" for d in todo["days_overdue"]]})
    st.dataframe(_tinted(shown), hide_index=True, width="stretch", height=min(38 + 35 * len(shown), 420))
    units = data_ops.tracker_missing(snap, f.year, f.county)
    if len(units):
        with st.expander(f"未报送的乡镇（街道）和联络站点明细（{data.total(units)}个）", expanded=bool(f.county) and len(units) <= 30):
            if data.cap_note(units):
                st.caption(data.cap_note(units, "个"))
            st.dataframe(pd.DataFrame({"县区": units["county_name"], "数据表": units["table_name"].map(table_label),
                                       "乡镇（街道）": units["township_name"].fillna("（县级站点）"),
                                       "单位或站点": units["object_name"], "代码": units["object_code"]}),
                         hide_index=True, width="stretch", height=min(38 + 35 * len(units), 420))


def upload_links(status: pd.DataFrame, f, viewer) -> None:
    """Staff act on the list: open 数据上传 with the table (and year, county) preselected."""
    if not viewer.may(auth.UPLOAD):
        return
    county = viewer.county_code if viewer.role == "county_staff" else f.county
    todo = status[status["status"].isin([tracker.MISSING, tracker.OVERDUE])]
    if county:
        todo = todo[todo["county_code"] == county]
    tables = list(dict.fromkeys(todo.sort_values("table_sort")["table_name"]))
    st.subheader("去补报", anchor=False)
    if not tables:
        st.caption("没有需要补报的数据表。")
        return
    if not (ROOT / UPLOAD_PAGE).exists():
        st.caption("数据上传页尚未启用。")
        return
    cols = st.columns(3)
    for i, table in enumerate(tables):
        params = {"table": table, "year": str(f.year)} | ({"county": county} if county else {})
        with cols[i % 3]:
            st.page_link(UPLOAD_PAGE, label=f"上传“{tracker.BY_TABLE[table].label}”", icon=":material/upload_file:",
                         query_params=params)
    st.caption("链接打开“数据上传”页并选好数据表；可在那里下载模板。" + ("县区填报员只能上传本县区的数据。" if viewer.role == "county_staff" else ""))


def deadline_editor(years: list[int], viewer, year: int | None = None, key: str = "dl") -> None:
    """Administrators set the deadline of each required table of a year (app-store settings, audited)."""
    if year is None:
        if not years:
            st.info("当前数据版本还没有报送进度统计，发布一次数据后可设置截止日期。")
            return
        year = st.columns([1, 2])[0].selectbox("年度", sorted(years, reverse=True), key=f"{key}_year")
    current = data_ops.deadlines(year)
    st.caption(f"设置{year}年各必报数据表的报送截止日期。今天晚于截止日期仍未报齐的，在“报送进度”中记为逾期；留空表示不设截止日期。")
    cols = st.columns([1.2, 1, 2])
    with cols[0]:
        same = st.date_input("统一截止日期", value=None, key=f"{key}_all_{year}", format="YYYY-MM-DD")
    with cols[1]:
        st.write("")
        st.write("")
        if st.button("应用到全部数据表", key=f"{key}_apply_{year}", disabled=same is None):
            for r in tracker.required_for(year):
                tracker.set_deadline(_store(), r.table, year, same, viewer.username)
            _done(f"已将{year}年全部必报数据表的截止日期设为 {same:%Y-%m-%d}。")
    req = tracker.required_for(year)
    frame_in = pd.DataFrame({"数据表": [r.label for r in req], "报送单位": [tracker.UNIT_ZH[r.unit] for r in req],
                             "截止日期": [current[r.table].isoformat() if r.table in current else "" for r in req]})
    edited = st.data_editor(frame_in, key=f"{key}_editor_{year}", hide_index=True, width="stretch",
                            disabled=["数据表", "报送单位"], column_config={"截止日期": st.column_config.TextColumn(
                                "截止日期（年-月-日，留空为不设）", validate=r"^\s*(\d{4}-\d{1,2}-\d{1,2})?\s*$")})
    if st.button("保存截止日期", key=f"{key}_save_{year}", type="primary"):
        try:
            wanted = [_parse_day(v) for v in edited["截止日期"]]
        except ValueError as exc:
            return _refused(viewer, "setting", f"{tracker.DEADLINE_PREFIX}*:{year}", str(exc))
        changed = 0
        for r, new in zip(req, wanted):
            if new != current.get(r.table):
                tracker.set_deadline(_store(), r.table, year, new, viewer.username)
                changed += 1
        _done(f"已保存{year}年截止日期（修改{changed}项）。" if changed else "截止日期没有变化。")


def _parse_day(value) -> date | None:
    text = "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value).strip()
    if not text:
        return None
    try:
        y, m, d = (int(x) for x in text.split("-"))
        return date(y, m, d)
    except ValueError:
        raise ValueError(f"截止日期“{text}”不是有效日期，请按“年-月-日”填写，例如 2026-03-31。") from None


# --- 版本与审计 -----------------------------------------------------------------------------------------

KIND_ZH = {"publish": "发布", "rollback": "回滚", "init": "初始化"}
MODE_ZH = {"upsert": "按主键更新", "replace": "整体替换", None: "—"}
ACTION_ZH = {"login": "登录", "logout": "退出登录", "open_page": "打开页面", "upload": "上传数据", "rollback": "回滚版本",
             "setting": "修改设置", "create_account": "创建账号", "set_password": "重置密码",
             "enable_account": "启用账号", "disable_account": "停用账号",
             "backup": "备份", "restore": "从备份恢复", "recover": "中断后补记"}
RESULT_ZH = {"accepted": "成功", "rejected": "未通过", "refused": "拒绝", "dry_run": "校验通过（未发布）", "failed": "失败",
             "busy": "写锁占用（未发布）"}
UPLOAD_STATUS_ZH = {"accepted": "已发布", "rejected": "校验未通过", "dry_run": "校验通过（未发布）",
                    "busy": "写锁占用（未发布）", "failed": "发布失败（未改动）"}
SETTING_ZH = {"anonymous_view": "免登录浏览", "idle_timeout_minutes": "空闲超时（分钟）", "auth_mode": "身份认证方式",
              "proxy_user_header": "代理用户头"}


def _tables_text(tables: str, limit: int = 3) -> str:
    names = [table_label(t) for t in (tables or "").split(",") if t]
    if not names:
        return "—"
    return "、".join(names) if len(names) <= limit else "、".join(names[:limit]) + f"等{len(names)}张表"


def _files_text(files: str) -> str:
    names = [f for f in (files or "").split(",") if f]
    return "—" if not names else names[0] if len(names) == 1 else f"{len(names)}个文件"


def scope_text(scope, names: dict[str, str]) -> str:
    """'2021:990101;2021:990102;…' -> '2021–2025年 · 8个县区' (or the county names when few)."""
    if not isinstance(scope, str) or not scope:
        return "按主键（文件中的记录）"
    pairs = [p.split(":") for p in scope.split(";") if ":" in p]
    years = sorted({int(y) for y, _ in pairs})
    counties = sorted({c for _, c in pairs})
    span = f"{years[0]}年" if len(years) == 1 else (
        f"{years[0]}–{years[-1]}年" if years == list(range(years[0], years[-1] + 1)) else "、".join(map(str, years)) + "年")
    who = "、".join(names.get(c, c) for c in counties) if len(counties) <= 3 else f"{len(counties)}个县区"
    return f"{span} · {who}" + ("" if len(pairs) == len(years) * len(counties) else "（部分组合）")


def versions_frame(rows: list[dict], totals: pd.DataFrame) -> pd.DataFrame:
    t = totals.set_index("version") if len(totals) else pd.DataFrame(columns=["files", "rows_in", "warnings"])
    get = lambda v, c: f"{int(t.loc[v, c]):,}" if v in t.index and pd.notna(t.loc[v, c]) else "—"
    return pd.DataFrame({
        "版本": [f"v{r['version']}" for r in rows],
        "当前": ["● 当前" if r["current"] else "" for r in rows],
        "时间": [_when(r["created_at"]) for r in rows],
        "操作人": people(pd.Series([r["created_by"] for r in rows], dtype=object)),
        "类型": [KIND_ZH.get(r["kind"], r["kind"]) for r in rows],
        "数据表": [_tables_text(r["tables"]) for r in rows],
        "文件": [_files_text(r["files"]) for r in rows],
        "行数": [get(r["version"], "rows_in") for r in rows],
        "警告": [get(r["version"], "warnings") for r in rows],
        "说明": [r["reason"] or "" for r in rows],
        "快照": ["可用" if r["available"] else "已清理" for r in rows]})


def versions_section(snap, rows: list[dict]) -> None:
    st.subheader("数据版本", anchor=False)
    st.dataframe(versions_frame(rows, data_ops.upload_totals()), hide_index=True, width="stretch",
                 height=min(38 + 35 * len(rows), 420), column_config={"说明": st.column_config.TextColumn(width="large")})
    st.caption(f"每次发布或回滚都生成一个新版本，旧版本不被改动；保留最近{publish.KEEP_SNAPSHOTS}个版本的快照，"
               "更早的版本可由存档的上传文件重建（python -m etl rebuild）。")
    labels = {r["version"]: f"v{r['version']} · {KIND_ZH.get(r['kind'], r['kind'])} · {_when(r['created_at'])}"
              + ("（当前）" if r["current"] else "") for r in rows}
    current = next((r["version"] for r in rows if r["current"]), None)
    version = st.selectbox("查看版本包含的上传文件", list(labels), format_func=labels.get,
                           key=f"ver_detail_v{current}")  # a new version resets the choice to it
    row = next(r for r in rows if r["version"] == version)
    batches = (data_ops.version_batches(data.Snapshot(snap.root, version)) if row["available"]
               else data_ops.logged_batches(version))
    if batches.empty:
        st.caption("该版本没有上传文件（" + (row["reason"] or KIND_ZH.get(row["kind"], "")) + "）。")
        return
    names = _county_names(snap)
    st.dataframe(pd.DataFrame({
        "批次号": batches["batch_id"], "数据表": batches["table_name"].map(table_label), "文件名": batches["file_name"],
        "上传人": people(batches["uploaded_by"]), "上传时间": batches["uploaded_at"].map(_when),
        "方式": batches["mode"].map(lambda m: MODE_ZH.get(m, m)), "范围": batches["scope"].map(lambda s: scope_text(s, names)),
        "行数": batches["rows"], "警告": batches["warnings"], "编码": batches["encoding"], "SHA256": batches["sha256"]}),
        hide_index=True, width="stretch", height=min(38 + 35 * len(batches), 420))
    st.caption("文件按内容的 SHA256 存档（不使用上传时的文件名）；“范围”为整体替换的年度和县区。")


def diff_section(snap, rows: list[dict]) -> None:
    st.subheader("比较两个版本", anchor=False)
    avail = [r for r in rows if r["available"]]
    if len(avail) < 2:
        st.info("可比较的版本不足两个。")
        return
    labels = {r["version"]: f"v{r['version']} · {KIND_ZH.get(r['kind'], r['kind'])} · {_when(r['created_at'])}"
              for r in avail}
    cur = next((r for r in avail if r["current"]), avail[0])
    base = cur["base_version"] if cur["base_version"] in labels else avail[1]["version"]
    c1, c2 = st.columns(2)
    old = c1.selectbox("较早版本", list(labels), index=list(labels).index(base), format_func=labels.get, key="diff_old")
    new = c2.selectbox("较新版本", list(labels), index=list(labels).index(cur["version"]), format_func=labels.get,
                       key="diff_new")
    if old == new:
        st.info("请选择两个不同的版本。")
        return
    if old > new:
        old, new = new, old
    diffs = data_ops.version_diff(snap.root, old, new)
    if not diffs:
        st.success(f"v{old} 与 v{new} 的数据完全相同。")
        return
    st.dataframe(pd.DataFrame({"数据表": [d.label for d in diffs], "新增记录": [d.added for d in diffs],
                               "删除记录": [d.removed for d in diffs], "修改记录": [d.changed_rows for d in diffs],
                               "未变记录": [d.unchanged for d in diffs]}), hide_index=True, width="stretch")
    st.caption(f"从 v{old} 到 v{new} 的变化（只比较上传的数据表，不含由其计算的指标）。记录以主键标识。")
    for d in diffs:
        with st.expander(f"{d.label}：新增{d.added}、删除{d.removed}、修改{d.changed_rows}", expanded=len(diffs) == 1):
            if len(d.cells):
                st.markdown("**修改的单元格（原值 → 新值）**")
                st.dataframe(d.cells, hide_index=True, width="stretch", height=min(38 + 35 * len(d.cells), 360))
            for title, keys, n in (("新增的记录", d.added_keys, d.added), ("删除的记录", d.removed_keys, d.removed)):
                if keys:
                    st.markdown(f"**{title}**" + (f"（列出前{len(keys)}条，共{n}条）" if n > len(keys) else ""))
                    st.dataframe(pd.DataFrame({"记录（主键）": keys}), hide_index=True, width="stretch",
                                 height=min(38 + 35 * len(keys), 300))


def rollback_section(rows: list[dict], viewer) -> None:
    st.subheader("回滚", anchor=False)
    if not viewer.may(auth.ADMIN):
        st.caption("回滚只能由管理员操作。如需回滚，请联系管理员并说明原因。")
        return
    targets = [r for r in rows if r["available"] and not r["current"] and r["kind"] != "init"]
    if not targets:
        st.caption("没有可以回滚到的早期版本。")
        return
    labels = {r["version"]: f"v{r['version']} · {KIND_ZH.get(r['kind'], r['kind'])} · {_when(r['created_at'])} · "
              f"{r['created_by']}" for r in targets}
    cur = next((r["version"] for r in rows if r["current"]), None)  # keys per version: a rollback clears the form
    with st.form("rollback", border=True):
        st.markdown("把数据恢复为所选版本的内容。回滚本身生成一个新版本并记入审计日志，可以再次回滚。")
        version = st.selectbox("回滚到版本", list(labels), format_func=labels.get, key=f"rb_version_v{cur}")
        reason = st.text_area("回滚原因（必填）", key=f"rb_reason_v{cur}", max_chars=300, height=80)
        sure = st.checkbox("我已核对：所选版本之后上传的数据将不再显示（其记录仍保留在版本历史中）", key=f"rb_sure_v{cur}")
        submitted = st.form_submit_button("回滚到该版本", type="primary")
    if not submitted:
        return
    if not reason.strip() or not sure:
        st.error("请填写回滚原因并勾选确认。")
        return
    try:
        new = publish.rollback(data.paths(), version, viewer.username, reason.strip())
    except (WriterBusy, EtlError) as exc:
        _store().audit(viewer.username, "rollback", f"v{version}", "failed", str(exc))
        st.error(str(exc))
        return
    _done(f"已回滚到 v{version}，生成新版本 v{new}。所有用户在下次刷新时看到回滚后的数据。")


def _target_text(action: str, target: str) -> str:
    if action == "upload":
        return table_label(target)
    if action == "setting" and target.startswith(tracker.DEADLINE_PREFIX):
        _, table, year = target.split(":")
        return f"报送截止日期 · {table_label(table)} · {year}年"
    if action == "setting":
        return SETTING_ZH.get(target, target)
    return target


def audit_section() -> None:
    st.subheader("审计日志", anchor=False)
    facets = data_ops.audit_facets()
    c = st.columns([1.2, 1.2, 1, 1, 1])
    user = c[0].selectbox("用户", facets["user"], index=None, placeholder="全部用户", key="au_user")
    action = c[1].selectbox("操作", facets["action"], index=None, placeholder="全部操作", key="au_action",
                            format_func=lambda a: ACTION_ZH.get(a, a))
    result = c[2].selectbox("结果", facets["result"], index=None, placeholder="全部结果", key="au_result",
                            format_func=lambda r: RESULT_ZH.get(r, r))
    start = c[3].date_input("起始日期", value=None, key="au_start", format="YYYY-MM-DD")
    end = c[4].date_input("截止日期", value=None, key="au_end", format="YYYY-MM-DD")
    log = data_ops.audit_log(user, action, result, start, end)
    shown = pd.DataFrame({"时间": log["at"].map(_when), "用户": log["user"],
                          "操作": log["action"].map(lambda a: ACTION_ZH.get(a, a)),
                          "对象": [_target_text(a, t or "") for a, t in zip(log["action"], log["target"])],
                          "结果": log["result"].map(lambda r: RESULT_ZH.get(r, r)), "说明": log["detail"],
                          "文件SHA256": log["sha256"]})
    st.dataframe(shown, hide_index=True, width="stretch", height=420,
                 column_config={"说明": st.column_config.TextColumn(width="large")})
    st.caption(f"共显示{len(shown)}条（最新在前，最多{data_ops.AUDIT_LIMIT}条）。审计日志只能追加，"
               "应用和管理员都不能修改或删除（数据库触发器保护）。")
    st.download_button("下载筛选结果（CSV）", csv_bytes(shown), file_name="审计日志.csv", mime="text/csv",
                       key="au_download", icon=":material/download:")


def upload_log_section() -> None:
    st.subheader("上传记录", anchor=False)
    c = st.columns([1.2, 1.2, 2.6])
    users = data_ops.audit_facets()["user"]
    user = c[0].selectbox("上传人", users, index=None, placeholder="全部上传人", key="up_user")
    status = c[1].selectbox("结果", list(UPLOAD_STATUS_ZH), index=None, placeholder="全部结果", key="up_status",
                            format_func=lambda s: UPLOAD_STATUS_ZH.get(s, s))
    log = data_ops.upload_log(user, status)
    if log.empty:
        st.caption("没有符合条件的上传记录。")
        return
    shown = pd.DataFrame({
        "上传号": log["upload_id"], "时间": log["uploaded_at"].map(_when), "上传人": people(log["uploaded_by"]),
        "数据表": log["table_name"].map(table_label), "文件名": log["file_name"],
        "结果": log["status"].map(lambda s: UPLOAD_STATUS_ZH.get(s, s)),
        "生成版本": log["version"].map(lambda v: f"v{int(v)}" if pd.notna(v) else "—"),
        "读入行数": log["rows_in"], "问题行数": log["rows_rejected"], "错误": log["errors"], "警告": log["warnings"],
        "方式": log["mode"].map(lambda m: MODE_ZH.get(m, m) if isinstance(m, str) else "—"), "编码": log["encoding"]})
    tint = {"已发布": TINT["已报送"], "校验未通过": TINT["逾期"]}
    st.dataframe(shown.style.map(lambda v: f"background-color: {tint[v]}" if v in tint else "", subset=["结果"]),
                 hide_index=True, width="stretch", height=min(38 + 35 * len(log), 380))
    with_issues = log[(log["errors"] > 0) | (log["warnings"] > 0)]
    if with_issues.empty:
        st.caption("所列上传均没有错误或警告。")
        return
    labels = {int(r.upload_id): f"上传号{int(r.upload_id)} · {r.file_name} · 错误{int(r.errors)}、警告{int(r.warnings)}"
              for r in with_issues.itertuples()}
    chosen = st.selectbox("查看一次上传的问题清单", list(labels), format_func=labels.get, key="up_issues")
    issues = data_ops.upload_issues(chosen)
    st.dataframe(pd.DataFrame({"行号": issues["row_no"], "列": issues["column"],
                               "级别": issues["severity"].map({"error": "错误", "warning": "警告"}),
                               "问题与修改方法": issues["message_zh"], "值": issues["value"]}),
                 hide_index=True, width="stretch", height=min(38 + 35 * len(issues), 380),
                 column_config={"问题与修改方法": st.column_config.TextColumn(width="large")})


# --- 账号与设置 -----------------------------------------------------------------------------------------

PASSWORD_POLICY = "密码10–64个字符，须同时包含字母和数字；用户名3–32位，可用字母、数字、下划线、点或短横线。"


def _refused(viewer, action: str, target: str, message: str) -> None:
    """Audit a rejected administrator action and show why."""
    _store().audit(viewer.username, action, target, "rejected", message)
    st.error(message)


def accounts_section(snap) -> pd.DataFrame:
    st.subheader("账号", anchor=False)
    acc = data_ops.accounts()
    if acc.empty:
        st.info("还没有账号。")
        return acc
    names = _county_names(snap)
    now = pd.Timestamp.now().timestamp()
    st.dataframe(pd.DataFrame({
        "用户名": acc["username"], "显示名": acc["display_name"], "角色": acc["role"].map(auth.ROLES),
        "所属县区": acc["county_code"].map(lambda c: names.get(c, c) if isinstance(c, str) and c else "—"),
        "状态": acc["active"].map(lambda a: "启用" if a else "已停用"),
        "锁定": acc["locked_until"].map(lambda t: f"锁定至 {pd.Timestamp.fromtimestamp(t):%H:%M}" if t and t > now else "—"),
        "最近登录": acc["last_login"].map(_when), "创建时间": acc["created_at"].map(_when), "创建人": acc["created_by"]}),
        hide_index=True, width="stretch", height=min(38 + 35 * len(acc), 420))
    st.caption("连续输错密码5次锁定15分钟；重置密码同时解除锁定。停用的账号不能登录，记录保留。")
    return acc


def create_account_section(snap, viewer) -> None:
    st.subheader("新建账号", anchor=False)
    names = _county_names(snap)
    with st.form("new_account", border=True, clear_on_submit=False):
        c = st.columns(2)
        username = c[0].text_input("用户名", key="na_user", max_chars=32)
        display = c[1].text_input("显示名（姓名或岗位）", key="na_display", max_chars=40)
        role = c[0].selectbox("角色", list(auth.ROLES), format_func=auth.ROLES.get, key="na_role")
        county = c[1].selectbox("所属县区（县区填报员必选）", list(names), index=None, format_func=names.get,
                                placeholder="请选择县区", key="na_county")
        p1 = c[0].text_input("初始密码", type="password", key="na_pw1")
        p2 = c[1].text_input("再次输入密码", type="password", key="na_pw2")
        st.caption(PASSWORD_POLICY + " 请把初始密码当面或通过内部渠道告知本人。")
        submitted = st.form_submit_button("创建账号", type="primary")
    if not submitted:
        return
    username = username.strip()
    if p1 != p2:
        return _refused(viewer, "create_account", username, "两次输入的密码不一致。")
    try:
        auth.create_account(_store(), username, p1, role, viewer.username, display.strip(),
                            county if role == "county_staff" else None)
    except auth.AuthError as exc:
        return _refused(viewer, "create_account", username, str(exc))
    _done(f"已创建账号 {username}（{auth.ROLES[role]}）。")


def manage_account_section(acc: pd.DataFrame, viewer) -> None:
    st.subheader("停用、启用与重置密码", anchor=False)
    if acc.empty:
        return
    labels = {r.username: f"{r.username} · {r.display_name}（{auth.ROLES[r.role]}）" + ("" if r.active else " · 已停用")
              for r in acc.itertuples()}
    username = st.selectbox("选择账号", list(labels), format_func=labels.get, key="ma_user")
    active = bool(acc.set_index("username").loc[username, "active"])
    left, right = st.columns(2)
    with left:
        st.markdown(f"当前状态：**{'启用' if active else '已停用'}**")
        if st.button("停用账号" if active else "启用账号", key="ma_toggle", icon=":material/block:" if active else ":material/check_circle:"):
            if active and username == viewer.username:
                return _refused(viewer, "disable_account", username, "不能停用自己正在使用的账号。")
            auth.set_active(_store(), username, not active, viewer.username)
            _done(f"已{'停用' if active else '启用'}账号 {username}。")
    with right:
        with st.form("reset_password", border=False):
            p1 = st.text_input("新密码", type="password", key="ma_pw1")
            p2 = st.text_input("再次输入新密码", type="password", key="ma_pw2")
            submitted = st.form_submit_button("重置密码")
        if submitted:
            if p1 != p2:
                return _refused(viewer, "set_password", username, "两次输入的密码不一致。")
            try:
                auth.set_password(_store(), username, p1, viewer.username)
            except auth.AuthError as exc:
                return _refused(viewer, "set_password", username, str(exc))
            _done(f"已重置账号 {username} 的密码（锁定同时解除）。")


def settings_section(snap, viewer) -> None:
    st.subheader("访问设置", anchor=False)
    stored = data_ops.stored_setting("anonymous_view")
    is_demo = bool(data.city(snap).get("is_demo"))
    effective = "on" if auth.anonymous_view(_store(), is_demo) else "off"
    timeout = int(auth.setting(_store(), "idle_timeout_minutes") or 30)
    state = {"on": "开启", "off": "关闭"}
    st.markdown(f"免登录浏览当前：**{state[effective]}**" + ("（从未设置，按默认）" if stored is None else "（管理员已设置）"))
    st.caption("免登录浏览只允许查看领导可见的页面，不能上传或管理。从未设置时按默认处理：演示数据可免登录浏览，"
               "真实数据必须登录。")
    with st.form("settings", border=True):
        anon = st.radio("免登录浏览", ["on", "off"], index=0 if effective == "on" else 1, format_func=state.get,
                        horizontal=True, key="st_anon")
        minutes = st.number_input("空闲超时（分钟）", min_value=5, max_value=480, value=timeout, step=5, key="st_idle",
                                  help="超过该时间没有操作，自动退出登录。")
        submitted = st.form_submit_button("保存设置", type="primary")
    if submitted:
        changed = []
        if stored is None or anon != stored:
            auth.set_setting(_store(), "anonymous_view", anon, viewer.username)
            changed.append(f"免登录浏览{state[anon]}")
        if int(minutes) != timeout:
            auth.set_setting(_store(), "idle_timeout_minutes", str(int(minutes)), viewer.username)
            changed.append(f"空闲超时{int(minutes)}分钟")
        _done("已保存：" + "，".join(changed) + "。" if changed else "设置没有变化。")
