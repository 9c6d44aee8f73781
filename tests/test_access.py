"""Every page checks the role at its top on every run; a page hidden from the sidebar is still refused by URL;
viewing without login only where allowed; login, logout and idle timeout work and are audited."""
from __future__ import annotations

import time

import pytest

from etl import auth
from pages._common.nav import ALL_ROLES, PAGES
from tests.apptest_utils import login, open_page

RESTRICTED = [p for p in PAGES if p.roles != ALL_ROLES]


def _closed(wh):
    auth.set_setting(wh.store(), "anonymous_view", "off", "测试")
    return wh


def _refused(at, label) -> bool:
    return any(f"无权访问“{label}”" in e.value for e in at.error)


@pytest.mark.parametrize("page", RESTRICTED, ids=[p.label for p in RESTRICTED])
@pytest.mark.parametrize("role", sorted(auth.ROLES))
def test_restricted_pages_admit_exactly_their_roles_even_by_url(wh, monkeypatch, page, role):
    at = open_page(wh.root, monkeypatch, page.path, role=role, county="990102" if role == "county_staff" else None)
    assert not at.exception
    if role in page.roles:
        assert not _refused(at, page.label)
    else:
        assert _refused(at, page.label)
        assert len(at.get("file_uploader")) == 0 and len(at.get("plotly_chart")) == 0
        rows = wh.store().rows("SELECT result, target FROM audit_log WHERE action = 'open_page' ORDER BY audit_id DESC LIMIT 1")
        assert rows == [{"result": "refused", "target": page.label}]


@pytest.mark.parametrize("page", PAGES[:3], ids=[p.label for p in PAGES[:3]])
def test_without_login_a_closed_deployment_shows_only_the_login_form(wh, monkeypatch, page):
    at = open_page(_closed(wh).root, monkeypatch, page.path)
    assert not at.exception
    assert any("请登录" in h.value for h in at.subheader)
    assert len(at.get("plotly_chart")) == 0 and len(at.metric) == 0


def test_demo_data_is_viewable_without_login_until_an_administrator_closes_it(demo_wh, monkeypatch, tmp_path):
    at = open_page(demo_wh.root, monkeypatch)
    assert len(at.metric) >= 10


def test_login_through_the_form_then_logout(wh, monkeypatch):
    auth.create_account(wh.store(), "leader9", "Abcdefgh12", "leader", "测试")
    at = open_page(_closed(wh).root, monkeypatch)
    at.text_input(key="login_user").input("leader9")
    at.text_input(key="login_password").input("wrong-password-1")
    at.button[0].click().run()
    assert any("不正确" in e.value for e in at.error)
    at.text_input(key="login_password").input("Abcdefgh12")
    at.button[0].click().run()
    assert at.session_state["account"].username == "leader9"
    assert not any("请登录" in h.value for h in at.subheader)
    at.button(key="sidebar_logout").click().run()
    assert "account" not in at.session_state
    actions = [r["action"] + ":" + r["result"] for r in wh.store().rows(
        "SELECT action, result FROM audit_log WHERE user = 'leader9' ORDER BY audit_id")]
    assert actions[-3:] == ["login:refused", "login:accepted", "logout:accepted"]


def test_an_idle_session_is_logged_out(wh, monkeypatch):
    at = open_page(_closed(wh).root, monkeypatch, role="admin")
    assert not any("请登录" in h.value for h in at.subheader)
    at.session_state["last_seen"] = time.time() - 31 * 60
    at.run()
    assert any("请登录" in h.value for h in at.subheader)
    assert any("长时间未操作" in i.value for i in at.info)


def test_login_sets_the_viewer_used_by_pages(wh, monkeypatch):
    at = open_page(_closed(wh).root, monkeypatch, role="county_staff", county="990102")
    viewer = at.session_state["viewer"]
    assert viewer.role == "county_staff" and viewer.county_code == "990102"
    login(at, "leader")
    at.run()
    assert at.session_state["viewer"].role == "leader"
