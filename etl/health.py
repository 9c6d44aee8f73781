"""Health check that runs real work, not a liveness ping (reliability.md §2.2, §6 J.49): the CURRENT pointer is
readable, its snapshot opens read-only, a real query on mart_kpi answers and agrees with the pointer, the app store
reads and writes, and the disk has room for the next publish. A DuckDB fatal error (which invalidates the whole
instance) or a damaged snapshot turns it red.

    ok, message_zh, details = check(paths)          # details: one Check per item
"""
from __future__ import annotations

import os
import shutil
import sqlite3
import time
from dataclasses import asdict, dataclass
from datetime import datetime

import duckdb

from etl import publish

MIN_FREE_ENV = "NPC_MIN_FREE_MB"
MIN_FREE_MB = 500        # absolute floor; the need also grows with the snapshot (a publish copies it)
SNAPSHOT_FACTOR = 3      # copy + WAL + marts rebuild head-room
BACKUP_MAX_AGE_DAYS = 8  # older than this: a warning line (not red: the data is still served)


@dataclass
class Check:
    name: str
    ok: bool
    message: str
    ms: float = 0.0
    warn: bool = False   # informational problem that does not make the service red

    def line(self) -> str:
        mark = "正常" if self.ok and not self.warn else ("提醒" if self.ok else "异常")
        return f"[{mark}] {self.name}：{self.message}"


def _timed(name: str, fn) -> Check:
    t0 = time.perf_counter()
    try:
        ok, message, *warn = fn()
    except (duckdb.Error, sqlite3.Error, OSError, ValueError) as exc:
        ok, message, warn = False, _explain(exc), []
    return Check(name, ok, message, round((time.perf_counter() - t0) * 1000, 1), bool(warn and warn[0]))


def _explain(exc: BaseException) -> str:
    text = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
    if isinstance(exc, duckdb.FatalException) or "invalidated" in text:
        return f"数据库实例已因致命错误失效，需要重新打开（{text}）"
    if "No space left" in text or "disk is full" in text:
        return f"磁盘空间不足（{text}）"
    if isinstance(exc, duckdb.Error) and ("Corrupt" in text or "not a valid DuckDB" in text or "Could not read" in text):
        return f"数据文件损坏或不完整（{text}）"
    return f"{type(exc).__name__}：{text}"


def check(p: publish.Paths, con: duckdb.DuckDBPyConnection | None = None) -> tuple[bool, str, list[Check]]:
    """Run every check. `con`: the connection the app actually serves from (so an instance invalidated by a
    fatal error is caught); default: a fresh read-only connection to the current snapshot."""
    state: dict = {}
    details = [_timed("版本指针", lambda: _pointer(p, state))]
    if state.get("version"):
        details.append(_timed("快照与指标查询", lambda: _query(p, state, con)))
    details.append(_timed("应用库（上传日志、审计）", lambda: _store(p)))
    details.append(_timed("磁盘空间", lambda: _disk(p, state)))
    details.append(_timed("备份", lambda: _backup_age(p)))
    bad = [d for d in details if not d.ok]
    if bad:
        return False, "健康检查未通过：" + "；".join(f"{d.name}{d.message}" for d in bad), details
    version = state["version"]
    warn = [d for d in details if d.warn]
    return True, f"运行正常：当前数据版本 v{version}" + ("（" + "；".join(d.message for d in warn) + "）" if warn else ""), details


def _pointer(p: publish.Paths, state: dict):
    if not p.current.exists():
        return False, f"找不到 {p.current}：数据仓库尚未建立（python -m etl build）或指针文件丢失"
    text = p.current.read_text(encoding="utf-8").strip()
    version = publish.current_version(p)
    if version is None:
        return False, f"指针文件内容无法识别（“{text[:40]}”），请从备份恢复（python -m etl restore）"
    if not p.snapshot(version).exists():
        return False, f"指针指向的快照 {p.snapshot(version).name} 不存在，请从备份恢复"
    state["version"] = version
    state["size"] = p.snapshot(version).stat().st_size
    return True, f"v{version}（{p.snapshot(version).name}，{state['size'] / 1e6:.1f} MB）"


def _query(p: publish.Paths, state: dict, con):
    own = con is None
    if own:
        _, con = publish.open_snapshot(p, state["version"])
    try:
        cur = con.cursor()
        try:
            rows, years = cur.execute("SELECT count(*), count(DISTINCT year) FROM mart_kpi").fetchone()
            latest = cur.execute("SELECT max(version) FROM meta_version").fetchone()[0]
        finally:
            cur.close()
    finally:
        if own:
            con.close()
    if latest != state["version"]:
        return False, f"快照内记录的版本 v{latest} 与指针 v{state['version']} 不一致"
    if not rows:
        return True, "快照可读，但指标表为空（尚未上传数据）", True
    return True, f"只读打开并查询成功：指标 {rows:,} 行，{years} 个年度"


def _store(p: publish.Paths):
    if not p.app_db.exists():
        return False, f"找不到应用库 {p.app_db}"
    con = sqlite3.connect(p.app_db, timeout=5, isolation_level=None)
    try:
        if con.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            return False, "应用库完整性检查未通过，请从备份恢复"
        audits = con.execute("SELECT count(*) FROM audit_log").fetchone()[0]
        con.execute("BEGIN IMMEDIATE")  # takes the write lock: proves the file is writable
        con.execute("CREATE TABLE IF NOT EXISTS health_probe (id INTEGER PRIMARY KEY, at TEXT)")
        con.execute("INSERT OR REPLACE INTO health_probe VALUES (1, ?)", (datetime.now().isoformat(timespec="seconds"),))
        con.execute("COMMIT")
    finally:
        con.close()
    return True, f"可读写（审计记录 {audits:,} 条）"


def min_free_bytes(snapshot_size: int = 0) -> int:
    floor = float(os.environ.get(MIN_FREE_ENV, MIN_FREE_MB)) * 1e6
    return int(max(floor, SNAPSHOT_FACTOR * snapshot_size))


def _disk(p: publish.Paths, state: dict):
    target = p.root if p.root.exists() else p.root.parent
    usage = shutil.disk_usage(target)
    need = min_free_bytes(state.get("size", 0))
    text = f"剩余 {usage.free / 1e9:.2f} GB（{usage.free / usage.total:.0%}），下一次发布至少需要 {need / 1e6:.0f} MB"
    if usage.free < need:
        return False, text + "：请清理磁盘，否则上传将失败"
    return True, text


def _backup_age(p: publish.Paths):
    if not p.app_db.exists():
        return True, "尚无备份记录", True
    con = sqlite3.connect(p.app_db, timeout=5)
    try:
        row = con.execute("SELECT max(at) FROM audit_log WHERE action = 'backup' AND result = 'accepted'").fetchone()
    finally:
        con.close()
    if not row or not row[0]:
        return True, "尚无备份记录（python -m etl backup --out 目录）", True
    days = (datetime.now() - datetime.fromisoformat(row[0])).total_seconds() / 86400
    if days > BACKUP_MAX_AGE_DAYS:
        return True, f"最近一次备份在 {days:.0f} 天前（{row[0]}），请尽快备份", True
    return True, f"最近一次备份：{row[0]}"


def as_dict(ok: bool, message: str, details: list[Check]) -> dict:
    return {"ok": ok, "message": message, "checks": [asdict(d) for d in details]}
