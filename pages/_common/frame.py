"""The page frame: page config, Chinese sidebar from PAGES, demo badge, one pinned snapshot, filters kept in
the URL (year / county / township, shared by every page), drill-down from charts and tables, and a guard that
turns any exception into a Chinese message (the traceback goes only to the server log)."""
from __future__ import annotations

import logging
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from etl import publish
from pages._common import auth_ui, charts, data, downloads, recover
from pages._common.nav import ALL_ROLES, COUNTY_PAGE, PAGES, TOWNSHIP_PAGE

log = logging.getLogger("npc.dashboard")
APP_TITLE = "县乡人大建设监督看板"
ROOT = Path(__file__).resolve().parents[2]
KEEP = dict(persist_state="session")  # filter values survive page switches; the URL is synced explicitly below
URL_KEYS = ("year", "county", "township")


@dataclass(frozen=True)
class Filters:
    year: int
    county: str | None = None
    township: str | None = None


def viewer():
    """The account viewing this page (etl.auth.Account; auth_ui.ANONYMOUS for anonymous viewing)."""
    return st.session_state.get("viewer") or auth_ui.ANONYMOUS


def sidebar(snap, account) -> None:
    """Links to the pages this account may open (a hidden page is still refused by its own guard)."""
    with st.sidebar:
        st.markdown(f"### {APP_TITLE}")
        for page in PAGES:
            allowed = account.role in page.roles if account else "leader" in page.roles
            if allowed and (ROOT / page.path).exists():  # tests/test_nav.py requires every file to exist
                st.page_link(page.path, label=page.label, icon=page.icon)
        if account:
            auth_ui.sidebar_account(account)
        if snap:
            info = data.version_info(snap)
            st.caption(f"数据版本 v{snap.version}" + (f" · {str(info.get('created_at', ''))[:16]}" if info else ""))


def demo_badge(snap) -> None:
    if data.city(snap).get("is_demo"):
        st.badge("演示数据 · 虚构地区，不代表任何真实地区", icon=":material/science:", color="violet")


@contextmanager
def page(title: str, layout: str = "wide", heading: bool = True):
    """`with page("组织建设") as snap:` — yields the data.Snapshot pinned for this render (None = no data yet)."""
    st.set_page_config(page_title=f"{title} · {APP_TITLE}", page_icon=":material/account_balance:", layout=layout)
    goto = st.session_state.pop("_goto", None)
    if goto:
        st.switch_page(goto, query_params=_url_params())
    snap = recover.usable(data.current())  # a real query first: an unreadable snapshot never reaches the page
    if snap is not None and snap == data.current() and not data.marts_current(snap):
        with st.spinner("程序已升级：正在用新程序重建指标（数据不变），请稍候……"):
            recover.refresh_marts()
        snap = recover.usable(data.current())
    try:
        roles = next((p.roles for p in PAGES if p.label == title), ALL_ROLES)
        is_demo = bool(snap and data.city(snap).get("is_demo"))
        account = None
        if snap is not None or roles != ALL_ROLES:  # first start (no data yet) builds the demo before any login
            account = auth_ui.guard(title, roles, is_demo, sidebar=lambda acc: sidebar(snap, acc))
        st.session_state["viewer"] = account
        st.session_state["_pinned_version"] = snap.version if snap else None  # named in chart/table downloads
        sidebar(snap, account)
        if heading:
            st.header(title, anchor=False)
            if snap:
                demo_badge(snap)
        if snap is None and heading:
            st.info("数据仓库尚未建立：请先打开“总览”页（首次打开会自动用演示数据建立），或运行 python -m etl build。")
            st.stop()
    except Exception:  # st.stop()/rerun are BaseException and pass through
        _failed(title)
        st.stop()  # the page body must not run after a failed frame
    try:
        yield snap
    except Exception as exc:
        if not recover.after_error(snap, exc):  # a DuckDB error: reopen on the next render, say so in Chinese
            _failed(title)


def _failed(title: str) -> None:
    log.exception("page %s failed", title)
    st.error("页面出现错误，已记录到服务器日志。请刷新页面重试；如果问题持续，请联系管理员。")


def _url_params() -> dict[str, str]:
    return {k: str(st.session_state[k]) for k in URL_KEYS if st.session_state.get(k) not in (None, "")}


def _seed_from_url(key: str, options: list) -> None:
    """A link (or an edited URL) wins over the remembered value; values not among the options are ignored."""
    raw = st.query_params.get(key)
    written = st.session_state.setdefault("_url_written", {})
    if raw is None or raw == written.get(key):
        return
    match = [o for o in options if str(o) == raw]
    if match:
        st.session_state[key] = match[0]
    written[key] = raw


def _write_url(values: dict[str, object]) -> None:
    """Keep ?year=&county=&township= equal to the filters, so the page can be shared and survives a reconnect."""
    written = st.session_state.setdefault("_url_written", {})
    for key, value in values.items():
        text = None if value in (None, "") else str(value)
        if text is None and key in st.query_params:
            del st.query_params[key]
        elif text is not None and st.query_params.get(key) != text:
            st.query_params[key] = text
        written[key] = text


def filters(snap, county: bool = True, township: bool = False, require_county: bool = False) -> Filters:
    """Year, county (and township) selectors at the top of the page, kept in the URL (?year=&county=&township=)."""
    years = sorted(data.years(snap), reverse=True)
    if not years:  # every data page starts here, so the empty-warehouse message lives here too
        st.info("数据仓库中还没有指标数据。请上传数据，或运行 python -m etl build。")
        st.stop()
    for key in URL_KEYS:  # re-assert remembered values so the first run after a page switch already has them
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]
    cols = st.columns([1, 1.4, 1.6])
    _seed_from_url("year", years)
    with cols[0]:
        year = st.selectbox("年度", years, key="year", **KEEP)
    code = None
    if township and county and not require_county and data.township_count(snap) > data.PICKER_MAX:
        require_county = True  # a province / the nation: pick the county first, then one of its townships
        chosen = st.query_params.get("township") or st.session_state.get("township")
        if chosen and not st.query_params.get("county") and not st.session_state.get("county"):
            st.session_state["county"] = str(chosen)[:6]
    if county:
        names = dict(zip(data.counties(snap)["county_code"], data.counties(snap)["county_name"]))
        _seed_from_url("county", list(names))
        if require_county and st.session_state.get("county") not in names:
            st.session_state["county"] = next(iter(names))
        with cols[1]:
            code = st.selectbox("县区", list(names), index=0 if require_county else None, key="county",
                                format_func=lambda c: names.get(c, c), placeholder=f"{data.area(snap)}（全部县区）", **KEEP)
    town = None
    if township:
        units = data.townships(snap, year or years[0], code)
        tnames = dict(zip(units["township_code"], units["county_name"] + " · " + units["township_name"]))
        _seed_from_url("township", list(tnames))
        if st.session_state.get("township") not in tnames and len(tnames):
            st.session_state["township"] = next(iter(tnames))
        with cols[2]:
            town = st.selectbox("乡镇（街道）", list(tnames), key="township", format_func=lambda c: tnames.get(c, c),
                                placeholder="请选择乡镇（街道）", **KEEP)
    used = {"year": year}  # a page touches only the parameters of its own filters (others ride along)
    if county:
        used["county"] = code
    if township:
        used["township"] = town
    _write_url(used)
    return Filters(int(year or years[0]), code, town)


def _drill(key: str, param: str) -> None:
    """Selection callback: remember the clicked unit and open its profile page on the rerun."""
    state = st.session_state.get(key)
    points = getattr(getattr(state, "selection", None), "points", None) or []
    codes = [p.get("customdata", [None])[0] for p in points if p.get("customdata")]
    if not codes or not codes[0]:
        return
    code = str(codes[0])
    if param == "township":
        st.session_state["county"] = code[:6]
    st.session_state[param] = code
    st.session_state["_goto"] = COUNTY_PAGE if param == "county" else TOWNSHIP_PAGE


def chart(fig, key: str, drill: str | None = None, caption: str | None = None, data=None) -> None:
    """Place a figure; drill="county"/"township" makes a click open that unit's profile page. Under it:
    下载图片 PNG / 数据 Excel / CSV (made on click; `data` = the DataFrame behind it, else read from the traces)."""
    if drill:
        st.plotly_chart(fig, key=key, on_select=lambda: _drill(key, drill), selection_mode="points",
                        config=charts.PLOT_CONFIG)
        st.caption(("点击图中的县区打开县区画像。" if drill == "county" else "点击图中的乡镇打开乡镇画像。")
                   + (caption or ""))
    else:
        st.plotly_chart(fig, key=key, config=charts.PLOT_CONFIG)
        if caption:
            st.caption(caption)
    downloads.chart_buttons(fig, key, data, _version())


def _version() -> int | None:
    """The snapshot version this render shows (pinned by page()), written into exported files."""
    return st.session_state.get("_pinned_version")


def _drill_row(key: str, param: str, codes: list[str]) -> None:
    state = st.session_state.get(key)
    rows = getattr(getattr(state, "selection", None), "rows", None) or []
    if rows:
        code = str(codes[rows[0]])
        if param == "township":
            st.session_state["county"] = code[:6]
        st.session_state[param] = code
        st.session_state["_goto"] = COUNTY_PAGE if param == "county" else TOWNSHIP_PAGE


def table(df, key: str, drill: str | None = None, code_column: str | None = None, title: str | None = None,
          **kwargs) -> None:
    """st.dataframe with Chinese headers (rename before calling); drill="county"/"township" makes selecting a row
    open that unit's profile. `code_column` holds the unit codes and is hidden from view. Under it: 下载 Excel /
    CSV of the shown table (`title` names the file)."""
    kwargs.setdefault("hide_index", True)
    kwargs.setdefault("width", "stretch")
    if drill and code_column:
        codes = df[code_column].astype(str).tolist()
        st.dataframe(df.drop(columns=[code_column]), key=key, on_select=lambda: _drill_row(key, drill, codes),
                     selection_mode="single-row", **kwargs)
        st.caption("选中表格中的一行，打开" + ("县区画像。" if drill == "county" else "乡镇画像。"))
    else:
        st.dataframe(df, key=key, **kwargs)
    shown = df.drop(columns=[code_column]) if drill and code_column else df
    downloads.table_buttons(shown, key, title or "表格数据", index=not kwargs["hide_index"], version=_version())


def kpi_caption(ind) -> str:
    """口径 and provenance under a chart, from the indicator registry."""
    text = f"口径（{ind.ref}）：{ind.formula_text}"
    if ind.numerator_text and ind.denominator_text:
        text += f"；分子：{ind.numerator_text}；分母：{ind.denominator_text}"
    return text + f"。依据：{ind.provenance} {ind.source}"
