"""Keep serving when a snapshot cannot be read (reliability.md §6 D.20): every render first runs a real query on
the pinned snapshot through the shared instance. If it fails (a DuckDB fatal error invalidates the instance for
every connection; a damaged or truncated file cannot be read), the cached connection is closed and reopened; if
the file itself is bad, the newest older snapshot that reads is shown with a Chinese warning. Viewers never see
a traceback (it goes to the server log), and the next render starts afresh."""
from __future__ import annotations

import logging

import duckdb
import streamlit as st

from etl import health, publish
from etl.problems import EtlError
from pages._common import data

log = logging.getLogger("npc.dashboard")
UNAVAILABLE = ("数据暂不可用：读取数据文件出错，已记录到服务器日志。请稍后刷新页面重试；"
               "管理员可运行 python -m etl health 查看原因，必要时从备份恢复（python -m etl restore）。")
RETRY = "数据暂时读取出错，已重新打开数据文件。请刷新页面或再点一次重试；如果问题持续，请联系管理员。"


PROBE = ("SELECT (SELECT max(version) FROM meta_version), (SELECT max(fingerprint) FROM meta_marts), "
         "(SELECT max(value) FROM mart_kpi), (SELECT max(county_name) FROM dim_county)")  # reads column data


def _probe(snap: data.Snapshot) -> None:
    """A real query through the shared instance, over the tables every page starts from (about 1 ms)."""
    data.query(snap, PROBE)


def refresh_marts() -> None:
    """The upgrade refresh (publish.refresh_marts) without ever failing the page: on error the old marts stay."""
    try:
        publish.refresh_marts(data.paths())
    except (EtlError, duckdb.Error, OSError):
        log.exception("refreshing the marts after an upgrade failed; serving the existing ones")
        st.warning("程序升级后重建指标未成功，暂时显示原有指标。已记录到服务器日志，请联系管理员。", icon=":material/warning:")


def reset(snap: data.Snapshot) -> None:
    """Close and forget the cached connection, so the next query opens a new instance."""
    try:
        data._connection(snap).close()
    except duckdb.Error:  # it never opened: nothing to close
        pass
    data._connection.clear(snap)


def usable(snap: data.Snapshot | None) -> data.Snapshot | None:
    """`snap` if it answers a real query (after one reopen if needed), else the newest older snapshot that does
    (with a warning), else a Chinese message and st.stop()."""
    if snap is None:
        return None
    for _ in range(2):
        try:
            _probe(snap)
            return snap
        except duckdb.Error:
            log.exception("snapshot v%s failed a probe query; reopening", snap.version)
            reset(snap)
    p = publish.data_paths(snap.root)
    older = sorted((int(f.name[1:7]) for f in p.warehouse.glob("v??????.duckdb")), reverse=True)
    for version in (v for v in older if v < snap.version):
        candidate = data.Snapshot(snap.root, version)
        try:
            _probe(candidate)
        except duckdb.Error:
            log.exception("older snapshot v%s is not readable either", version)
            reset(candidate)
            continue
        st.warning(f"当前数据版本 v{snap.version} 的数据文件读取出错，暂时显示上一可用版本 v{version} 的数据。"
                   "已记录到服务器日志；请管理员运行 python -m etl health 检查，必要时从备份恢复。",
                   icon=":material/warning:")
        return candidate
    st.error(UNAVAILABLE, icon=":material/cloud_off:")
    st.stop()


def after_error(snap: data.Snapshot | None, exc: BaseException) -> bool:
    """A page body failed. A DuckDB error: log it, drop the (possibly invalidated) connection so the next render
    reopens, tell the viewer in Chinese and return True. Anything else: False (the frame's generic message)."""
    if not isinstance(exc, duckdb.Error):
        return False
    log.error("page failed with a DuckDB error", exc_info=exc)
    if snap is not None:
        reset(snap)
    st.error(RETRY, icon=":material/refresh:")
    return True


def health_line(snap: data.Snapshot | None) -> None:
    """One status line for administrators (versions page): the same real-query health check as the CLI."""
    con = None
    if snap is not None:
        try:
            con = data._connection(snap)
        except duckdb.Error:
            con = None
    ok, message, details = health.check(data.paths(), con)
    if ok:
        st.caption(f":material/check_circle: 健康检查：{message}")
    else:
        st.error(f"健康检查：{message}", icon=":material/error:")
    with st.expander("健康检查详情", expanded=not ok):
        for d in details:
            st.text(f"{d.line()}（{d.ms:.0f} 毫秒）")
