"""Accounts, roles and settings in the app store (outside the data snapshots, so a rollback never touches them).

Passwords are hashed with bcrypt (a maintained library; no hand-made crypto). There is no default account or
password anywhere: the first administrator is created with `python -m etl create-admin`. Repeated failures
lock an account for a while; every login and every refusal is written to the append-only audit log.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass

import bcrypt

from etl.appstore import AppStore, now
from etl.problems import EtlError

ROLES = {"leader": "领导", "city_staff": "市人大工作人员", "county_staff": "县区填报员", "admin": "管理员"}
VIEW, UPLOAD, ADMIN = "view", "upload", "admin"
PERMISSIONS = {VIEW: set(ROLES), UPLOAD: {"city_staff", "county_staff", "admin"}, ADMIN: {"admin"}}
MAX_FAILURES = 5
LOCK_SECONDS = 15 * 60
IDLE_TIMEOUT_S = 30 * 60
USERNAME_RE = re.compile(r"^[A-Za-z0-9_.-]{3,32}$")
DEFAULT_SETTINGS = {"anonymous_view": "off", "idle_timeout_minutes": str(IDLE_TIMEOUT_S // 60)}

DDL = """
CREATE TABLE IF NOT EXISTS accounts (
  username TEXT PRIMARY KEY, display_name TEXT, role TEXT NOT NULL, county_code TEXT, password_hash TEXT NOT NULL,
  active INTEGER NOT NULL DEFAULT 1, created_at TEXT, created_by TEXT, failed_count INTEGER NOT NULL DEFAULT 0,
  locked_until REAL NOT NULL DEFAULT 0, last_login TEXT);
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT, updated_by TEXT, updated_at TEXT);
"""


class AuthError(EtlError):
    def __init__(self, message: str):
        self.message = message

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Account:
    username: str
    display_name: str
    role: str
    county_code: str | None = None

    @property
    def role_zh(self) -> str:
        return ROLES[self.role]

    def may(self, permission: str) -> bool:
        return self.role in PERMISSIONS[permission]


def _ensure(store: AppStore) -> None:
    store.con.executescript(DDL)


def check_password_policy(password: str) -> None:
    if len(password) < 10 or len(password.encode()) > 64:
        raise AuthError("密码长度须为10–64个字符。")
    if not (re.search(r"[A-Za-z]", password) and re.search(r"\d", password)):
        raise AuthError("密码须同时包含字母和数字。")


def create_account(store: AppStore, username: str, password: str, role: str, by: str,
                   display_name: str = "", county_code: str | None = None) -> Account:
    _ensure(store)
    if not USERNAME_RE.match(username):
        raise AuthError("用户名须为3–32位字母、数字、下划线、点或短横线。")
    if role not in ROLES:
        raise AuthError(f"角色只能是：{'、'.join(f'{k}（{v}）' for k, v in ROLES.items())}。")
    if role == "county_staff" and not (county_code and re.fullmatch(r"\d{6}", county_code)):
        raise AuthError("县区填报员必须指定所属县区代码（6位数字）。")
    check_password_policy(password)
    if store.con.execute("SELECT 1 FROM accounts WHERE username = ?", (username,)).fetchone():
        raise AuthError(f"用户名“{username}”已存在。")
    digest = bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=12)).decode()
    store.con.execute("INSERT INTO accounts (username, display_name, role, county_code, password_hash, created_at, "
                      "created_by) VALUES (?,?,?,?,?,?,?)",
                      (username, display_name or username, role, county_code if role == "county_staff" else None,
                       digest, now(), by))
    store.audit(by, "create_account", username, "accepted", ROLES[role])
    return Account(username, display_name or username, role, county_code if role == "county_staff" else None)


def authenticate(store: AppStore, username: str, password: str, clock=time.time) -> Account:
    """The account, or AuthError with a Chinese reason; failures count towards a temporary lock."""
    _ensure(store)
    row = store.con.execute("SELECT display_name, role, county_code, password_hash, active, failed_count, "
                            "locked_until FROM accounts WHERE username = ?", (username,)).fetchone()
    if row is None:
        bcrypt.checkpw(b"x", bcrypt.hashpw(b"y", bcrypt.gensalt(rounds=4)))  # similar timing for unknown users
        store.audit(username or "（空）", "login", "", "refused", "用户名不存在")
        raise AuthError("用户名或密码不正确。")
    display, role, county, digest, active, failures, locked_until = row
    if not active:
        store.audit(username, "login", "", "refused", "账号已停用")
        raise AuthError("账号已停用，请联系管理员。")
    if locked_until > clock():
        minutes = int((locked_until - clock()) // 60) + 1
        store.audit(username, "login", "", "refused", "账号锁定中")
        raise AuthError(f"连续输错密码次数过多，账号已锁定，请{minutes}分钟后再试或联系管理员。")
    if not bcrypt.checkpw(password.encode()[:72], digest.encode()):
        failures += 1
        lock = clock() + LOCK_SECONDS if failures >= MAX_FAILURES else 0
        store.con.execute("UPDATE accounts SET failed_count = ?, locked_until = ? WHERE username = ?",
                          (0 if lock else failures, lock, username))
        store.audit(username, "login", "", "refused", f"密码错误（第{failures}次）" + ("，已锁定" if lock else ""))
        left = MAX_FAILURES - failures
        raise AuthError("用户名或密码不正确。" + (f"再错{left}次将锁定{LOCK_SECONDS // 60}分钟。" if 0 < left <= 2 else "")
                        + (f"账号已锁定{LOCK_SECONDS // 60}分钟。" if lock else ""))
    store.con.execute("UPDATE accounts SET failed_count = 0, locked_until = 0, last_login = ? WHERE username = ?",
                      (now(), username))
    store.audit(username, "login", "", "accepted", ROLES[role])
    return Account(username, display, role, county)


def set_password(store: AppStore, username: str, password: str, by: str) -> None:
    _ensure(store)
    check_password_policy(password)
    digest = bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=12)).decode()
    cur = store.con.execute("UPDATE accounts SET password_hash = ?, failed_count = 0, locked_until = 0 WHERE username = ?",
                            (digest, username))
    if cur.rowcount == 0:
        raise AuthError(f"用户名“{username}”不存在。")
    store.audit(by, "set_password", username, "accepted")


def set_active(store: AppStore, username: str, active: bool, by: str) -> None:
    _ensure(store)
    store.con.execute("UPDATE accounts SET active = ? WHERE username = ?", (int(active), username))
    store.audit(by, "enable_account" if active else "disable_account", username, "accepted")


def accounts(store: AppStore) -> list[dict]:
    _ensure(store)
    return store.rows("SELECT username, display_name, role, county_code, active, created_at, created_by, last_login, "
                      "locked_until FROM accounts ORDER BY role, username")


def setting(store: AppStore, key: str, default: str | None = None) -> str:
    """The stored value; else `default`; else the built-in default."""
    _ensure(store)
    row = store.con.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
    if row:
        return row[0]
    return default if default is not None else DEFAULT_SETTINGS.get(key, "")


def anonymous_view(store: AppStore, is_demo: bool) -> bool:
    """Viewing without login: as an administrator set it; if never set, on for demo data only."""
    return setting(store, "anonymous_view", "on" if is_demo else "off") == "on"


def set_setting(store: AppStore, key: str, value: str, by: str) -> None:
    _ensure(store)
    store.con.execute("INSERT INTO settings VALUES (?,?,?,?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, "
                      "updated_by = excluded.updated_by, updated_at = excluded.updated_at", (key, value, by, now()))
    store.audit(by, "setting", key, "accepted", value)
