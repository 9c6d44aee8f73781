"""数据上传 sections: choose a table and download its template, upload files (or correct one scope's rows in the
browser), read the Chinese validation report, preview the diff, confirm and publish.

Everything of one attempt (bytes, batch, report, diff) lives in st.session_state[REVIEW]; a new attempt closes
the previous batch. Both paths end in the same validate → diff → confirm → publish.publish."""
from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field, replace
from functools import partial

import duckdb
import pandas as pd
import streamlit as st

from etl import auth, publish, schema
from etl.dictionary import MODE_ZH, allowed_text, required_text
from etl.diff import MAX_CELLS, TableDiff, batch_diff
from etl.problems import ERROR, WARNING, Problem, ValidationFailed, WriterBusy
from etl.report import report_xlsx
from etl.validate import Batch
from etl.xlsx_safe import csv_bytes
from pages._common import data, data_upload

REVIEW, RESULT, GEN, NOTICE = "up_review", "up_result", "up_gen", "up_notice"
FILE, EDITOR = "file", "editor"
WAYS = {FILE: "上传文件", EDITOR: "在线修改（少量数据）"}
MAX_MB = 50
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ENCODING_ZH = {"utf-8-sig": "UTF-8（带BOM）", "utf-8": "UTF-8", "gb18030": "GBK/GB18030"}
FORMAT_ZH = {"csv": "CSV", "xlsx": "Excel 工作簿"}
STATUS_ZH = {"rejected": "校验未通过", "dry_run": "校验通过（待确认发布）"}
UPLOADER_NOTE = (f"上传框里的英文是控件自带的文字，无法改成中文：“Upload”即“选择文件”（也可以把文件直接拖进框内），"
                 f"“{MAX_MB}MB per file • CSV, XLSX”即“每个文件不超过{MAX_MB}MB，格式为 CSV 或 Excel”。可以一次选择同一类数据的"
                 "多个文件；系统按文件内容识别格式和编码（UTF-8、GBK 均可）。改正后重新上传前，请先点文件名旁的 ⓧ 移除原来的文件。")


@dataclass
class Review:
    """One validated attempt, waiting for the user's decision."""
    source: str                         # FILE | EDITOR
    sig: tuple                          # what was validated (files / edits, table, mode, county)
    inputs: list[tuple[str, bytes]]
    table: str
    mode: str
    county: str | None                  # rows restricted to this county (None = any)
    batch: Batch
    report: bytes = b""
    diffs: list[TableDiff] = field(default_factory=list)
    scope: str = ""                     # Chinese: what this attempt covers
    year: int | None = None             # editor: the one year its rows must belong to


# --- who may upload ------------------------------------------------------------------------------------

def require_uploader(account) -> auth.Account:
    """Second line of defence behind the frame's role guard."""
    if account is None or not account.may(auth.UPLOAD):
        st.error("无权上传数据：数据上传只对市人大工作人员、县区填报员和管理员开放。")
        st.stop()
    if account.role == "county_staff" and not account.county_code:
        st.error("您的账号没有设置所属县区，暂时不能上传数据。请联系管理员。")
        st.stop()
    return account


def own_county(account) -> str | None:
    return account.county_code if account.role == "county_staff" else None


def intro(snap, account) -> None:
    st.caption("有错误的文件整批不入库，看板上的数据不受任何影响；确认发布后生成新的数据版本，所有用户在下一次刷新或操作页面时"
               "看到新数据。每一次上传（包括未通过的）都记入上传日志和审计日志。")
    if own_county(account):
        st.info(f"您是{data.unit_name(snap, account.county_code)}的县区填报员：只能报送本县区的数据，文件中其他县区的行会被拒绝；"
                f"{data.area(snap)}共用的数据（市、县区名录、履职积分规则）由市人大工作人员报送。", icon=":material/info:")


def result_banner() -> None:
    """The outcome of the last publish in this session (shown once, after the rerun)."""
    result = st.session_state.pop(RESULT, None)
    if result:
        st.toast(f"已发布新版本 v{result['version']}", icon=":material/check_circle:")
        st.success(f"已发布新版本 v{result['version']}：{md_escape(result['what'])}。所有用户在下一次刷新或操作页面时即看到新数据。",
                   icon=":material/check_circle:")
        st.page_link("dashboard.py", label="打开总览查看最新数据", icon=":material/dashboard:")


# --- step 1: table and template --------------------------------------------------------------------------

def table_picker(account) -> schema.Table:
    """Data type selector (only tables this account may send), kept in the URL as ?table=."""
    tables = data_upload.tables_for(account.role)
    names = [t.name for t in tables]
    raw = st.query_params.get("table")
    if raw in names and raw != st.session_state.get("_up_table_url"):
        st.session_state["up_table"] = raw
    if st.session_state.get("up_table") not in names:
        st.session_state["up_table"] = names[0]
    name = st.selectbox("数据类型", names, key="up_table", format_func=lambda n: schema.BY_NAME[n].label,
                        help="选择要报送的数据。每类数据有自己的模板；上传的文件按所选类型校验。")
    if st.query_params.get("table") != name:
        st.query_params["table"] = name
    st.session_state["_up_table_url"] = name
    return schema.BY_NAME[name]


def table_info(t: schema.Table) -> None:
    key = "、".join(t.column(k).header for k in t.key)
    required = "、".join(c.header for c in t.required_columns)
    with st.container(border=True):
        st.markdown(f"**{t.label}**：{t.description}")
        st.markdown(f"- **上传后替换什么**：{t.mode_note or MODE_ZH[t.mode]}\n- **主键**：{key}（同一主键只能出现一行）"
                    f"\n- **必填列**：{required}")


def template_buttons(t: schema.Table) -> None:
    a, b = st.columns(2)
    a.download_button("下载 Excel 模板", partial(data_upload.template_xlsx, t.name), file_name=f"{t.label}_模板.xlsx",
                      mime=XLSX_MIME, icon=":material/download:", key="up_tpl_xlsx", on_click="ignore", width="stretch")
    b.download_button("下载 CSV 模板", partial(data_upload.template_csv, t.name), file_name=f"{t.label}_模板.csv",
                      mime="text/csv", icon=":material/download:", key="up_tpl_csv", on_click="ignore", width="stretch")
    st.caption("Excel 模板含“填写说明”工作表和下拉选项，代码列已设为文本格式（保留前导零）；CSV 模板只有表头行。"
               "表头可用中文显示名或英文列名。")


def choose_table(account) -> schema.Table:
    """Step 1: the data type on the left with its templates, what it is and what an upload replaces on the right."""
    left, right = st.columns([1, 1.3], gap="large")
    with left:
        t = table_picker(account)
        template_buttons(t)
    with right:
        table_info(t)
    return t


# --- step 2: how to send ---------------------------------------------------------------------------------

def _keep_way() -> None:
    if st.session_state.get("up_way") is None:  # clicking the chosen option again must not leave nothing chosen
        st.session_state["up_way"] = FILE


def way_picker() -> str:
    way = st.segmented_control("报送方式", list(WAYS), format_func=WAYS.get, key="up_way", default=FILE,
                               selection_mode="single", on_change=_keep_way)
    return way or FILE


def can_replace(t: schema.Table) -> bool:
    return t.year_column is not None and t.county_sql is not None


def mode_text(t: schema.Table, mode: str) -> str:
    if mode == schema.REPLACE:
        return ("文件中出现的每个“年度+县区”：该年度该县区的原有记录全部删除，换成文件中的记录（文件中没有列出的将被删除）；"
                "其他年度、其他县区的数据不受影响。")
    key = "、".join(t.column(k).header for k in t.key)
    return f"只改动文件中出现的记录：按主键（{key}）匹配，已有的更新，没有的新增；不删除任何记录。"


def mode_picker(t: schema.Table) -> str:
    if not can_replace(t):
        st.markdown(f"导入方式：**{MODE_ZH[schema.UPSERT]}**")
        st.caption(mode_text(t, schema.UPSERT))
        return schema.UPSERT
    options = [schema.REPLACE, schema.UPSERT]
    mode = st.radio("导入方式", options, index=options.index(t.mode), key=f"up_mode_{t.name}", horizontal=True,
                    format_func=lambda m: MODE_ZH[m] + ("（默认）" if m == t.mode else ""))
    st.caption(mode_text(t, mode))
    return mode


def choose_way(t: schema.Table) -> tuple[str, str | None]:
    """Step 2: upload a file (with its import mode) or correct rows in the browser."""
    left, right = st.columns([1, 1.6], gap="large")
    with left:
        way = way_picker()
    with right:
        if way == FILE:
            return way, mode_picker(t)
        st.caption("在线修改：在下方表格中直接修改所选范围的现有数据，提交后与上传文件一样校验、预览和确认发布。"
                   "适合少量更正；大批量数据请用模板上传。")
    return way, None


def file_section(snap, account, t: schema.Table, mode: str) -> None:
    gen = st.session_state.get(GEN, 0)
    files = st.file_uploader(f"选择要上传的文件：{t.label}（CSV 或 Excel .xlsx，可多选）", type=["csv", "xlsx"],
                             accept_multiple_files=True, key=f"up_files_{gen}", max_upload_size=MAX_MB)
    st.caption(UPLOADER_NOTE)
    review = st.session_state.get(REVIEW)
    if not files:
        if review is not None and review.source == FILE:
            discard()
        return
    sig = (FILE, t.name, mode, own_county(account), tuple((f.file_id, f.name, f.size) for f in files))
    if review is None or review.sig != sig:
        inputs = [(f.name, f.getvalue()) for f in files]
        what = f"{t.label}，{len(inputs)}个文件（{'、'.join(n for n, _ in inputs)}）"
        run_validation(snap, account, Review(FILE, sig, inputs, t.name, mode, own_county(account), None, scope=what))


# --- validation, logging ---------------------------------------------------------------------------------

def discard() -> None:
    review = st.session_state.pop(REVIEW, None)
    if review is not None and review.batch is not None:
        review.batch.close()


def run_validation(snap, account, review: Review, notice: str | None = None) -> Review:
    """Validate `review.inputs`, keep the report and diff in the session, log the attempt."""
    discard()
    p = data.paths()
    with st.spinner("正在校验……"):
        batch = publish.validate(p, review.inputs, review.table, {review.table: review.mode}, review.county)
        if review.source == EDITOR and account.role != "county_staff":
            batch.problems = [_scope_message(q, review.county) for q in batch.problems]
        if review.source == EDITOR and review.year is not None:
            _check_year(batch, review)
        review.batch = batch
        review.report = report_xlsx(review.inputs, batch.problems)
        review.diffs = batch_diff(batch) if batch.ok and batch.con is not None else []
    log_attempt(p, batch, account.username, "dry_run" if batch.ok else "rejected", WAYS[review.source])
    st.session_state[REVIEW] = review
    if notice:
        st.session_state[NOTICE] = notice
    return review


def _scope_message(q: Problem, county: str | None) -> Problem:
    if q.code != "other_county":
        return q
    return replace(q, message=f"这一行不属于所选县区（{county}）：在线修改一次只改一个县区的数据，"
                              "请删除这一行，或切换到该行所属县区再修改。")


def _check_year(batch: Batch, review: Review) -> None:
    """Editor rows must stay in the chosen year: a date moved to another year would replace that year's rows."""
    t = schema.BY_NAME[review.table]
    if batch.con is None or not t.year_column:
        return
    source = t.column(t.year_column).derived_from or t.year_column
    rows = batch.con.execute(f"SELECT _row, CAST({source} AS VARCHAR) FROM stg_{t.name} "
                             f"WHERE {t.year_column} <> ? ORDER BY _row", (review.year,)).fetchall()
    extra = [Problem("other_year", f"这一行不属于{review.year}年：在线修改一次只改一个年度的数据，请改回{review.year}年的日期，"
                     "或切换到该年度后再修改。", ERROR, r, t.column(source).header, v, batch.files[0].name, t.name)
             for r, v in rows]
    if extra:
        batch.problems = extra + batch.problems
        batch.counts[ERROR] = batch.counts.get(ERROR, 0) + len(extra)


def log_attempt(p, batch: Batch, user: str, status: str, way: str, problems: list[Problem] | None = None) -> None:
    """A rejected or not-yet-published attempt goes to meta_upload_log (+ issues) and the audit log, as the CLI
    does; accepted uploads are logged by publish.publish()."""
    problems = batch.problems if problems is None else problems
    store = p.store()
    try:
        ids = store.allocate_ids(len(batch.files))
        for upload_id, f in zip(ids, batch.files):
            mine = [q for q in problems if q.file == f.name]
            bad_rows = len({q.row for q in mine if q.severity == ERROR and q.row and q.row > 1})
            store.log_upload(upload_id, table=f.table, file_name=f.name, encoding=f.encoding, user=user,
                             mode=batch.modes.get(f.table), rows_in=f.rows, rows_rejected=bad_rows, sha256=f.sha256,
                             status=status, version=None, problems=mine)
            store.audit(user, "upload", f.table or "", status, f"{f.name}（{way}，{STATUS_ZH.get(status, status)}）",
                        f.sha256)
    finally:
        store.close()


# --- step 3: the report ----------------------------------------------------------------------------------

def _problem_frame(problems: list[Problem], many_files: bool) -> pd.DataFrame:
    rows = [{"文件": q.file or "", "行号": "整个文件" if q.row is None else str(q.row), "列": q.column or "—",
             "当前值": q.value or "", "问题及修改方法": q.message} for q in problems]
    df = pd.DataFrame(rows, columns=["文件", "行号", "列", "当前值", "问题及修改方法"])
    return df if many_files else df.drop(columns=["文件"])


PROBLEM_COLUMNS = {"问题及修改方法": st.column_config.TextColumn(width="large"),
                   "列": st.column_config.TextColumn(width=150), "当前值": st.column_config.TextColumn(width=110),
                   "行号": st.column_config.TextColumn(width=70), "文件": st.column_config.TextColumn(width=150)}
WRAP_ROW = 70  # up to three lines of text: long Chinese messages wrap instead of being cut off


TABLE_MAX = 200  # up to this many rows: a plain table (full text, wraps, selectable); more: a scrolling grid
_MD = re.compile(r"([\\`*_\[\]<>~$|])")


def _height(n: int, cap: int = 420, row: int = 35) -> int:
    return min(38 + row * max(n, 1), cap)


def md_escape(value) -> str:
    """Cell text shown literally: st.table renders Markdown, and cells hold what users typed."""
    text = "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)
    text = _MD.sub(r"\\\1", text)
    return "\\" + text if text[:1] in ("#", "-", "+", "=") else text


def show_table(df: pd.DataFrame, cap: int = 520, column_config: dict | None = None) -> None:
    """A short table as st.table (every word visible, long text wraps); a long one as a scrolling st.dataframe."""
    if len(df) <= TABLE_MAX:
        safe = df.astype(object).map(md_escape)
        st.table(safe, hide_index=True, height=cap if len(df) > 12 else "content")
    else:
        st.dataframe(df, hide_index=True, width="stretch", row_height=WRAP_ROW, height=_height(len(df), cap, WRAP_ROW),
                     column_config=column_config)


def report_section(review: Review) -> None:
    batch = review.batch
    errors, warnings = batch.counts.get(ERROR, 0), batch.counts.get(WARNING, 0)
    st.subheader("第三步　校验报告", anchor=False)
    st.caption(f"本次校验：{md_escape(review.scope)}。依据数据版本 v{batch.base_version}。")  # file names are user text
    c = st.columns(4)
    c[0].metric("数据行数", f"{sum(f.rows for f in batch.files):,}行")
    c[1].metric("错误", f"{errors}个")
    c[2].metric("警告", f"{warnings}个")
    files = pd.DataFrame([{"文件": f.name, "数据类型": schema.BY_NAME[f.table].label if f.table else "未识别",
                           "格式": FORMAT_ZH.get(f.fmt, f.fmt or "无法读取"),
                           "编码": ENCODING_ZH.get(f.encoding, "—" if f.fmt == "xlsx" else (f.encoding or "—")),
                           "行数": f.rows, "错误": batch.file_count(f.name, ERROR),
                           "警告": batch.file_count(f.name, WARNING)}
                          for f in batch.files])
    show_table(files)
    if errors:
        st.error(f"发现{errors}个错误：整批文件均未导入，当前数据没有任何改动。请按下表逐条修改后重新上传；"
                 "也可以下载校验报告，问题就标注在每一行旁边。", icon=":material/error:")
    elif warnings:
        st.warning(f"校验通过，另有{warnings}个警告：警告不影响导入，但请逐条核对；确认无误后可以发布。", icon=":material/warning:")
    else:
        st.success("校验通过：没有错误，也没有警告。", icon=":material/check_circle:")
    st.download_button("下载校验报告（Excel，问题标注在每一行旁边）", review.report, file_name="校验报告.xlsx",
                       mime=XLSX_MIME, icon=":material/download:", key="up_report", on_click="ignore")
    many = len(batch.files) > 1
    errs = [q for q in batch.problems if q.severity == ERROR]
    warns = [q for q in batch.problems if q.severity == WARNING]
    if errs:
        st.markdown(f"**错误（{errors}个，必须改正）**")
        show_table(_problem_frame(errs, many), 560, PROBLEM_COLUMNS)
    if warns:
        st.markdown(f"**警告（{warnings}个，不影响导入，请核对）**")
        show_table(_problem_frame(warns, many), 360, PROBLEM_COLUMNS)


# --- step 4: diff and publish ------------------------------------------------------------------------------

def _scope_pairs(review: Review, snap) -> str:
    """The 年度+县区 partitions a replace upload covers (read from the batch's own staging tables)."""
    if review.mode != schema.REPLACE or review.batch.con is None:
        return ""
    try:
        pairs = review.batch.con.execute(f"SELECT DISTINCT year, county_code FROM scope_{review.table} "
                                         "ORDER BY ALL").fetchall()
    except duckdb.Error:  # no scope table: nothing is replaced wholesale
        return ""
    return "、".join(f"{y}年{data.unit_name(snap, c) if c else '（县区不明）'}" for y, c in pairs)


def unit_of(key: str, names: dict[str, str]) -> str:
    """The county/township a diff record belongs to, from the codes in its key."""
    return "、".join(names[part] for part in key.split(" / ") if part in names)


def cells_frame(t: schema.Table, cells: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """Changed cells as staff write them: 是/否 for yes/no columns, （空） for an empty cell; the unit named."""
    kinds = {c.header: c.kind for c in t.columns}

    def show(header: str, v) -> str:
        if v is None or (isinstance(v, float) and math.isnan(v)):
            return "（空）"
        if kinds.get(header) == schema.BOOL and str(v).lower() in ("true", "false"):
            return "是" if str(v).lower() == "true" else "否"
        return str(v)
    out = cells.copy()
    for col in ("原值", "新值"):
        out[col] = [show(h, v) for h, v in zip(out["列"], out[col])]
    units = [unit_of(str(k), names) for k in out["记录"]]
    if any(units):
        out.insert(1, "单位", units)
    return out


def diff_section(snap, review: Review) -> None:
    st.subheader("第四步　预览变动并确认发布", anchor=False)
    pairs = _scope_pairs(review, snap)
    st.caption(f"与当前数据（v{review.batch.base_version}）对比，范围：" + (f"{pairs}的全部记录（整体替换）。" if pairs
               else "文件中出现的记录（按主键更新或新增，不删除其他记录）。"))
    names = data_upload.unit_names(snap)
    for d in review.diffs:
        t = schema.BY_NAME[d.table]
        if len(review.diffs) > 1:
            st.markdown(f"**{d.label}**")
        c = st.columns(4)
        c[0].metric("新增", f"{d.added:,}行")
        c[1].metric("修改", f"{d.changed_rows:,}行")
        c[2].metric("删除", f"{d.removed:,}行")
        c[3].metric("不变", f"{d.unchanged:,}行")
        key_head = f"记录（{' / '.join(t.column(k).header for k in t.key)}）"
        if d.removed:
            st.warning(f"发布后将删除{d.removed}条现有记录（文件中没有列出）。如不应删除，请把它们补进文件后重新上传。",
                       icon=":material/delete:")
        if len(d.cells):
            st.markdown(f"**修改的单元格**（原值 → 新值{'，只列出前' + str(MAX_CELLS) + '项' if len(d.cells) >= MAX_CELLS else ''}）")
            show_table(cells_frame(t, d.cells, names).rename(columns={"记录": key_head}), 420)
        lists = [(f"新增的记录（{d.added}条）", d.added_keys), (f"将删除的记录（{d.removed}条）", d.removed_keys)]
        for title, keys in lists:
            if keys:
                with st.expander(title, expanded=len(keys) <= 10):
                    frame = pd.DataFrame({key_head: keys, "单位": [unit_of(k, names) for k in keys]})
                    show_table(frame if frame["单位"].any() else frame[[key_head]], 320)
        if not (d.added or d.removed or d.changed_rows):
            st.info("与当前数据相比没有任何变化。仍可确认发布，用于记录一次报送（数据不变）。", icon=":material/info:")


def confirm_section(snap, account, review: Review) -> None:
    reason = st.text_input("发布说明（选填）", key="up_reason", max_chars=200,
                           placeholder="如：更正云渡县2024年六有达标情况")
    st.caption("确认后立即生成新的数据版本；如发现问题，管理员可在“版本与审计”页回滚到任一旧版本。")
    if not st.button("确认发布", type="primary", icon=":material/publish:", key="up_confirm"):
        return
    p = data.paths()
    try:
        with st.spinner("正在发布新版本（重建指标，约需十几秒）……"):
            version = publish.publish(p, review.batch, account.username,
                                      reason.strip() or f"网页{WAYS[review.source]}：{review.scope}", lock_timeout=15)
    except WriterBusy as busy:
        st.warning(str(busy), icon=":material/hourglass:")
        return
    except ValidationFailed as failed:  # someone published meanwhile and the file no longer fits
        log_attempt(p, review.batch, account.username, "rejected", WAYS[review.source], failed.problems)
        run_validation(snap, account, review, "发布前发现数据已被他人更新，已按最新数据重新校验，发现以下问题，数据没有任何改动。")
        st.rerun()
    except publish.PublishFailed as failed:
        st.error(str(failed))
        return
    review.batch.close()
    st.session_state.pop(REVIEW, None)
    st.session_state.pop("up_reason", None)
    st.session_state[RESULT] = {"version": version, "what": review.scope}
    st.session_state[GEN] = st.session_state.get(GEN, 0) + 1  # fresh uploader and editor
    st.rerun()


def review_section(snap, account, way: str) -> None:
    review = st.session_state.get(REVIEW)
    if review is None:
        return
    if review.source != way:
        discard()
        return
    if review.batch.base_version != snap.version:  # someone published since: validate again against it
        review = run_validation(snap, account, review, f"数据已更新为 v{snap.version}，已按最新数据重新校验。")
    if notice := st.session_state.pop(NOTICE, None):
        st.info(notice, icon=":material/update:")
    report_section(review)
    if review.batch.ok:
        diff_section(snap, review)
        confirm_section(snap, account, review)


# --- corrections in the browser ------------------------------------------------------------------------------

def _num_text(col: schema.Column, v: float) -> str:
    if col.kind == schema.INT:
        return str(round(v))
    m = re.match(r"DECIMAL\(\d+,\s*(\d+)\)", col.sql_type)
    text = f"{v:.{int(m.group(1))}f}" if m else repr(float(v))
    return (text.rstrip("0").rstrip(".") if "." in text else text) or "0"


def cell_text(col: schema.Column, v) -> str:
    """One editor value as staff would type it in the file."""
    if v is None or v is pd.NaT or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
        return ""
    if isinstance(v, str):
        return v.strip()
    if col.kind == schema.BOOL:
        return "是" if v else "否"
    if col.kind == schema.DATE:
        return pd.Timestamp(v).date().isoformat()
    if col.kind in (schema.INT, schema.DEC):
        return _num_text(col, float(v))
    return str(v)


NAME_COL = "单位名称（仅供参考）"
UNIT_CODES = ("township_code", "unit_code", "county_code")


def editor_frame(t: schema.Table, rows: pd.DataFrame, names: dict[str, str] | None = None) -> pd.DataFrame:
    """Current rows for the editor: Chinese headers, 是/否 text, dates as dates, numbers as numbers; a read-only
    unit name in front (never sent)."""
    out = {}
    code = next((c for c in UNIT_CODES if c in rows), None)
    if names is not None and code:
        out[NAME_COL] = rows[code].map(lambda v: names.get(v)).astype(object).reset_index(drop=True)
    for c in data_upload.edit_columns(t):
        s = rows[c.name] if c.name in rows else pd.Series([None] * len(rows))
        if c.kind == schema.BOOL:
            s = s.map(lambda v: None if v is None or pd.isna(v) else ("是" if v else "否")).astype(object)
        elif c.kind == schema.DATE:
            s = pd.to_datetime(s).dt.date.astype(object).where(s.notna(), None)
        elif c.kind in (schema.INT, schema.DEC):
            s = pd.to_numeric(s, errors="coerce").astype("float64")
        else:
            s = s.astype(object).where(s.notna(), None)
        out[c.header] = s.reset_index(drop=True)
    return pd.DataFrame(out, columns=list(out))


def column_config(t: schema.Table) -> dict:
    cfg = {NAME_COL: st.column_config.TextColumn("单位名称", help="按代码自动显示，仅供核对，不会提交。", pinned=True)}
    for c in data_upload.edit_columns(t):
        hint = f"【{required_text(c)}】{allowed_text(c)}"
        if c.kind == schema.BOOL:
            cfg[c.header] = st.column_config.SelectboxColumn(c.header, options=["是", "否"], help=hint)
        elif c.enum:
            options = list(schema.enum_values(c.enum))
            cfg[c.header] = st.column_config.SelectboxColumn(c.header, options=options, help=hint)
        elif c.kind == schema.INT:
            cfg[c.header] = st.column_config.NumberColumn(c.header, help=hint, step=1, format="%d")
        elif c.kind == schema.DEC:
            cfg[c.header] = st.column_config.NumberColumn(c.header, help=hint)
        elif c.kind == schema.DATE:
            cfg[c.header] = st.column_config.DateColumn(c.header, help=hint, format="YYYY-MM-DD")
        else:
            cfg[c.header] = st.column_config.TextColumn(c.header, help=hint, max_chars=c.max_len)
    return cfg


def rows_text(t: schema.Table, df: pd.DataFrame) -> list[tuple[str, ...]]:
    cols = data_upload.edit_columns(t)
    df = df[[c.header for c in cols]]
    return [tuple(cell_text(c, v) for c, v in zip(cols, row)) for row in df.itertuples(index=False, name=None)]


def edits_csv(t: schema.Table, before: pd.DataFrame, after: pd.DataFrame, mode: str, year: int | None,
              county: str | None) -> tuple[bytes | None, int]:
    """The edited rows as an upload CSV (Chinese headers, UTF-8 BOM): all rows of the scope for a replace
    table, only changed and added rows for an upsert table. Returns (bytes or None if nothing changed, rows)."""
    cols = data_upload.edit_columns(t)
    old = rows_text(t, before)
    new = [r for r in rows_text(t, after) if any(r)]  # rows added and left empty are dropped
    fill = {}  # scope columns (disabled in the editor) are filled in on added rows
    for i, c in enumerate(cols):
        if c.name == t.year_column and year is not None:
            fill[i] = str(year)
        elif c.name == "county_code" and county is not None:
            fill[i] = county
    new = [tuple(v or fill.get(i, "") for i, v in enumerate(r)) for r in new]
    if mode == schema.REPLACE:
        if new == old:
            return None, 0
        rows = new
    else:
        kept = set(old)
        rows = [r for r in new if r not in kept]
        if not rows:
            return None, 0
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([c.header for c in cols])
    writer.writerows(rows)
    return b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8"), len(rows)


def editor_key(gen: int, table: str, year: int | None, county: str | None) -> str:
    return f"up_editor_{gen}_{table}_{year or 'all'}_{county or 'all'}"


def _edited() -> None:
    review = st.session_state.get(REVIEW)
    if review is not None and review.source == EDITOR:
        discard()


def editor_section(snap, account, t: schema.Table, year: int, county: str | None) -> None:
    """An st.data_editor on the current rows of ONE scope; the edits go through the same validation."""
    by_county = data_upload.county_expr(t) is not None
    mode = schema.REPLACE if can_replace(t) else schema.UPSERT
    if by_county and county is None:
        st.info("在线修改一次只改一个县区的数据：请先在上方选择县区。", icon=":material/info:")
        return
    scope_year = year if t.year_column else None
    scope_county = county if by_county else None
    where = (f"{scope_year}年" if scope_year else "") + (data.unit_name(snap, scope_county) if scope_county else data.area(snap))
    n = data_upload.scope_count(snap, t.name, scope_year, scope_county)
    if n > data_upload.EDITOR_MAX_ROWS:
        st.warning(f"{where}的“{t.label}”共{n:,}行，超过在线修改的上限（{data_upload.EDITOR_MAX_ROWS:,}行）。"
                   "请下载当前数据，在 Excel 中修改后用“上传文件”报送。", icon=":material/warning:")
        return
    rows = data_upload.scope_rows(snap, t.name, scope_year, scope_county)
    before = editor_frame(t, rows, data_upload.unit_names(snap))
    st.markdown(f"**{where} · {t.label}：当前{len(before)}行**")
    if mode == schema.REPLACE:
        st.caption("可以修改、添加和删除行（表格底部可添加行，选中行后可删除）。提交的是该年度该县区的全部记录："
                   "删除的行发布后将从数据中删除。" + ("" if t.year_column in {c.name for c in data_upload.edit_columns(t)}
                                          else "年度按日期自动推算。"))
    else:
        st.caption("可以修改和添加行；提交的是修改过和新加的行（按主键更新或新增），不会删除任何记录。")
    year_col = t.column(t.year_column) if t.year_column else None
    disabled = [year_col.header] if year_col and scope_year and not year_col.derived_from else []
    if scope_county and "county_code" in t.column_names:
        disabled.append(t.column("county_code").header)
    gen = st.session_state.get(GEN, 0)
    after = st.data_editor(before, key=editor_key(gen, t.name, scope_year, scope_county), hide_index=True,
                           width="stretch", height=_height(len(before) + 1, 460), column_config=column_config(t),
                           num_rows="dynamic" if mode == schema.REPLACE else "add", disabled=disabled + [NAME_COL],
                           on_change=_edited, placeholder="")
    a, b, _ = st.columns([1, 1.2, 1.2])
    check = a.button("校验修改", type="primary", icon=":material/fact_check:", key="up_check_edits", width="stretch")
    current = csv_bytes(before.drop(columns=[NAME_COL], errors="ignore"))
    b.download_button("下载当前数据（CSV）", current, file_name=f"{where}_{t.label}.csv", mime="text/csv",
                      icon=":material/download:", key="up_scope_csv", on_click="ignore", width="stretch")
    if disabled:
        st.caption(f"{'、'.join(disabled)}由所选范围决定，不能在表中修改；新加的行自动填写。")
    if not check:
        return
    if mode == schema.REPLACE and len(before) and not any(any(r) for r in rows_text(t, after)):
        st.warning(f"不能在线删除{where}的全部记录。如确需清空，请联系市人大工作人员处理。", icon=":material/warning:")
        return
    payload, count = edits_csv(t, before, after, mode, scope_year, scope_county)
    if payload is None:
        st.info("表格没有修改，无需校验。", icon=":material/info:")
        return
    name = f"在线修改_{t.label}_{where}.csv"
    sig = (EDITOR, t.name, scope_year, scope_county, payload)
    county_rule = scope_county if by_county else own_county(account)
    run_validation(snap, account, Review(EDITOR, sig, [(name, payload)], t.name, mode, county_rule, None,
                                         scope=f"在线修改{where}“{t.label}”（提交{count}行）", year=scope_year))


def editor_scope(snap, account, t: schema.Table, filters) -> tuple[int, str | None]:
    """Year and county of the editor's scope (county staff: always their own county)."""
    county = own_county(account) or filters.county
    if own_county(account):
        st.caption(f"县区：{data.unit_name(snap, county)}（县区填报员只能修改本县区的数据）")
    if not t.year_column:
        st.caption("该表不分年度：显示所选县区的全部记录，年度选择不影响修改范围。" if data_upload.county_expr(t)
                   else f"该表为{data.area(snap)}共用数据：显示全部记录，年度和县区选择不影响修改范围。")
    return filters.year, county
