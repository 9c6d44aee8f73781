"""Accounts: bcrypt hashes, no default password, lockout, every login and refusal audited."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from etl import auth, publish

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def store(tmp_path):
    return publish.data_paths(tmp_path / "data").store()


def test_password_is_stored_as_a_bcrypt_hash_and_login_works(store):
    auth.create_account(store, "admin1", "Correct-horse-9", "admin", "安装程序")
    digest = store.con.execute("SELECT password_hash FROM accounts").fetchone()[0]
    assert digest.startswith("$2b$12$") and "Correct-horse-9" not in digest
    account = auth.authenticate(store, "admin1", "Correct-horse-9")
    assert account.role == "admin" and account.may(auth.ADMIN) and account.role_zh == "管理员"


def test_wrong_password_locks_the_account_after_repeated_failures(store):
    auth.create_account(store, "staff1", "Abcdefgh12", "city_staff", "admin1")
    clock = [1_000_000.0]
    for i in range(auth.MAX_FAILURES):
        with pytest.raises(auth.AuthError, match="不正确"):
            auth.authenticate(store, "staff1", "wrong-pass-1", clock=lambda: clock[0])
    with pytest.raises(auth.AuthError, match="锁定"):
        auth.authenticate(store, "staff1", "Abcdefgh12", clock=lambda: clock[0])
    clock[0] += auth.LOCK_SECONDS + 1
    assert auth.authenticate(store, "staff1", "Abcdefgh12", clock=lambda: clock[0]).username == "staff1"


def test_every_login_and_refusal_is_audited(store):
    auth.create_account(store, "leader1", "Abcdefgh12", "leader", "admin1")
    auth.authenticate(store, "leader1", "Abcdefgh12")
    with pytest.raises(auth.AuthError):
        auth.authenticate(store, "nobody", "Abcdefgh12")
    with pytest.raises(auth.AuthError):
        auth.authenticate(store, "leader1", "bad-password-1")
    rows = store.rows("SELECT user, action, result FROM audit_log WHERE action = 'login' ORDER BY audit_id")
    assert [(r["user"], r["result"]) for r in rows] == [("leader1", "accepted"), ("nobody", "refused"),
                                                        ("leader1", "refused")]


@pytest.mark.parametrize("password", ["short1", "alllettersnodigit", "1234567890123", "x" * 70 + "1"])
def test_weak_passwords_are_refused(store, password):
    with pytest.raises(auth.AuthError, match="密码"):
        auth.create_account(store, "u123", password, "leader", "admin1")


def test_county_staff_needs_a_county_and_roles_grant_the_right_permissions(store):
    with pytest.raises(auth.AuthError, match="县区"):
        auth.create_account(store, "county1", "Abcdefgh12", "county_staff", "admin1")
    a = auth.create_account(store, "county1", "Abcdefgh12", "county_staff", "admin1", county_code="990105")
    assert a.county_code == "990105" and a.may(auth.UPLOAD) and not a.may(auth.ADMIN)
    leader = auth.create_account(store, "leader2", "Abcdefgh12", "leader", "admin1")
    assert leader.may(auth.VIEW) and not leader.may(auth.UPLOAD)


def test_no_default_account_exists_and_the_first_admin_comes_from_the_cli(tmp_path):
    root = tmp_path / "data"
    assert auth.accounts(publish.data_paths(root).store()) == []
    proc = subprocess.run([sys.executable, "-m", "etl", "--data-dir", str(root), "--user", "安装程序", "create-admin",
                           "root_admin", "--password-stdin"], input="Sup3r-secret-pass\n", cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    store = publish.data_paths(root).store()
    assert auth.authenticate(store, "root_admin", "Sup3r-secret-pass").role == "admin"


def test_anonymous_viewing_is_off_unless_an_administrator_turns_it_on(store):
    assert auth.setting(store, "anonymous_view") == "off"
    auth.set_setting(store, "anonymous_view", "on", "admin1")
    assert auth.setting(store, "anonymous_view") == "on"
