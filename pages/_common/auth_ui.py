"""Login, logout, idle timeout and the role guard every page runs at its top on every rerun.

Identity comes from the built-in accounts (default), or — where the intranet already has single sign-on — from
a trusted reverse-proxy header naming an existing account (setting auth_mode = proxy_header; the proxy must
strip any client-sent copy of that header, and Streamlit must be reachable only through the proxy).
"""
from __future__ import annotations

import time

import streamlit as st

from etl import auth
from pages._common import data

ANONYMOUS = auth.Account("anonymous", "访客（免登录浏览）", "leader")


def _store():
    return data.paths().store()


def current_account() -> auth.Account | None:
    account = st.session_state.get("account")
    if account is None:
        return None
    idle = int(auth.setting(_store(), "idle_timeout_minutes") or 30) * 60
    last = st.session_state.get("last_seen", time.time())
    if time.time() - last > idle:
        logout(reason="长时间未操作，已自动退出，请重新登录。")
        return None
    st.session_state["last_seen"] = time.time()
    return account


def logout(reason: str = "") -> None:
    account = st.session_state.pop("account", None)
    st.session_state.pop("last_seen", None)
    if account:
        _store().audit(account.username, "logout", "", "accepted", reason or "主动退出")
    if reason:
        st.session_state["login_notice"] = reason


def _proxy_account() -> auth.Account | None:
    store = _store()
    if auth.setting(store, "auth_mode") != "proxy_header":
        return None
    header = auth.setting(store, "proxy_user_header") or "X-Remote-User"
    username = st.context.headers.get(header)
    rows = [r for r in auth.accounts(store) if r["username"] == username and r["active"]] if username else []
    if not rows:
        return None
    r = rows[0]
    return auth.Account(r["username"], r["display_name"], r["role"], r["county_code"])


def login_form() -> None:
    st.subheader("请登录", anchor=False)
    if notice := st.session_state.pop("login_notice", None):
        st.info(notice)
    with st.form("login", border=True):
        username = st.text_input("用户名", key="login_user")
        password = st.text_input("密码", type="password", key="login_password")
        if st.form_submit_button("登录", type="primary"):
            try:
                st.session_state["account"] = auth.authenticate(_store(), username.strip(), password)
                st.session_state["last_seen"] = time.time()
                st.session_state.pop("want_login", None)
                st.rerun()
            except auth.AuthError as exc:
                st.error(str(exc))
    st.caption("没有账号请联系管理员。首次部署时，管理员账号用命令 python -m etl create-admin 创建。")


def guard(label: str, roles: tuple[str, ...], is_demo: bool, sidebar=None) -> auth.Account:
    """Return who may see this page, or show the login form / a refusal and stop the script.
    `sidebar(account)` draws the navigation on a refusal, so the user can go where they may."""
    account = current_account() or _proxy_account()
    if (account is None and "leader" in roles and not st.session_state.get("want_login")
            and auth.anonymous_view(_store(), is_demo)):
        return ANONYMOUS
    if account is None:
        login_form()
        st.stop()
    if account.role not in roles:
        _store().audit(account.username, "open_page", label, "refused", auth.ROLES[account.role])
        if sidebar:
            sidebar(account)
        st.error(f"无权访问“{label}”：该页面只对{'、'.join(auth.ROLES[r] for r in roles)}开放。")
        st.stop()
    return account


def sidebar_account(account: auth.Account) -> None:
    if account is ANONYMOUS:
        if st.button("登录", key="sidebar_login", icon=":material/login:"):
            st.session_state["want_login"] = True
            st.rerun()
        return
    county = f" · {account.county_code}" if account.county_code else ""
    st.caption(f"当前用户：{account.display_name}（{account.role_zh}{county}）")
    if st.button("退出登录", key="sidebar_logout", icon=":material/logout:"):
        logout()
        st.rerun()
