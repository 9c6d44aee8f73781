"""The page frame: page config, Chinese sidebar from PAGES, demo badge, one pinned snapshot version, and a
guard that turns any exception into a Chinese message (the traceback goes only to the server log)."""
from __future__ import annotations

import logging
from contextlib import contextmanager

import streamlit as st

from pages._common import data
from pages._common.nav import PAGES

log = logging.getLogger("npc.dashboard")
APP_TITLE = "县乡人大建设监督看板"


def sidebar(snap) -> None:
    with st.sidebar:
        st.markdown(f"### {APP_TITLE}")
        for page in PAGES:
            st.page_link(page.path, label=page.label, icon=page.icon)
        if snap:
            info = data.version_info(snap)
            st.caption(f"数据版本 v{snap.version}" + (f" · {str(info.get('created_at', ''))[:16]}" if info else ""))


def demo_badge(snap) -> None:
    city = data.city(snap)
    if city.get("is_demo"):
        st.badge("演示数据 · 虚构城市，不代表任何真实地区", icon=":material/science:", color="violet")


@contextmanager
def page(title: str, layout: str = "wide"):
    """Use as `with page("总览") as snap:`; yields the data.Snapshot pinned for this render (None = no data)."""
    st.set_page_config(page_title=f"{title} · {APP_TITLE}", page_icon=":material/account_balance:", layout=layout)
    snap = data.current()
    sidebar(snap)
    try:
        yield snap
    except Exception:  # st.stop()/rerun are BaseException and pass through
        log.exception("page %s failed", title)
        st.error("页面出现错误，已记录到服务器日志。请刷新页面重试；如果问题持续，请联系管理员。")
