"""The app store: upload log, validation issues, version history and audit log (SQLite, data/app.sqlite).

It lives outside the data snapshots so a data rollback never touches it, and several processes (CLI,
replicas) can append to it safely. Triggers make the log tables append-only for the application.
"""
from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

from etl.problems import Problem

LOG_TABLES = ("meta_upload_log", "meta_validation_issue", "meta_version_log", "audit_log")

DDL = """
CREATE TABLE IF NOT EXISTS upload_ids (upload_id INTEGER PRIMARY KEY AUTOINCREMENT, allocated_at TEXT);
CREATE TABLE IF NOT EXISTS meta_upload_log (
  upload_id INTEGER PRIMARY KEY, table_name TEXT, file_name TEXT, encoding TEXT, uploaded_by TEXT,
  uploaded_at TEXT, mode TEXT, rows_in INTEGER, rows_ok INTEGER, rows_rejected INTEGER, sha256 TEXT,
  status TEXT, version INTEGER, errors INTEGER, warnings INTEGER);
CREATE TABLE IF NOT EXISTS meta_validation_issue (
  upload_id INTEGER, row_no INTEGER, "column" TEXT, severity TEXT, rule_code TEXT, message_zh TEXT, value TEXT);
CREATE INDEX IF NOT EXISTS issue_by_upload ON meta_validation_issue(upload_id);
CREATE TABLE IF NOT EXISTS meta_version_log (
  version INTEGER PRIMARY KEY, created_at TEXT, created_by TEXT, kind TEXT, reason TEXT, base_version INTEGER,
  tables TEXT, files TEXT, lineage TEXT);
CREATE TABLE IF NOT EXISTS audit_log (
  audit_id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT, user TEXT, action TEXT, target TEXT, result TEXT,
  detail TEXT, sha256 TEXT);
"""


def _append_only(table: str) -> str:
    return "".join(
        f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END;" for op in ("UPDATE", "DELETE"))


def now() -> str:
    return datetime.now().isoformat(timespec="seconds")


class AppStore:
    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.con = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
        self.con.execute("PRAGMA journal_mode=WAL")
        self.con.execute("PRAGMA synchronous=FULL")
        self.con.executescript(DDL + "".join(_append_only(t) for t in LOG_TABLES))
        self._migrate()

    def _migrate(self) -> None:
        """Columns added after a store was created (stores outlive code versions)."""
        cols = {r[1] for r in self.con.execute("PRAGMA table_info(meta_version_log)").fetchall()}
        if "lineage" not in cols:
            self.con.execute("ALTER TABLE meta_version_log ADD COLUMN lineage TEXT")

    def close(self) -> None:
        self.con.close()

    def allocate_ids(self, n: int) -> list[int]:
        ids = []
        for _ in range(n):
            cur = self.con.execute("INSERT INTO upload_ids (allocated_at) VALUES (?)", (now(),))
            ids.append(cur.lastrowid)
        return ids

    def log_upload(self, upload_id: int, *, table: str | None, file_name: str, encoding: str, user: str,
                   mode: str | None, rows_in: int, rows_rejected: int, sha256: str, status: str,
                   version: int | None, problems: list[Problem]) -> None:
        errors = sum(p.severity == "error" for p in problems)
        warnings = sum(p.severity == "warning" for p in problems)
        self.con.execute("BEGIN")
        self.con.execute("INSERT INTO meta_upload_log VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                         (upload_id, table, file_name, encoding, user, now(), mode, rows_in,
                          rows_in - rows_rejected, rows_rejected, sha256, status, version, errors, warnings))
        self.con.executemany("INSERT INTO meta_validation_issue VALUES (?,?,?,?,?,?,?)",
                             [(upload_id, p.row, p.column, p.severity, p.code, p.message, p.value) for p in problems])
        self.con.execute("COMMIT")

    def log_version(self, version: int, *, user: str, kind: str, reason: str, base_version: int | None,
                    tables: str, files: str, lineage: str) -> None:
        """`lineage`: comma-separated accepted upload ids, in order, whose replay rebuilds this version."""
        self.con.execute("INSERT OR IGNORE INTO meta_version_log VALUES (?,?,?,?,?,?,?,?,?)",
                         (version, now(), user, kind, reason, base_version, tables, files, lineage))

    def lineage(self, version: int | None) -> list[int]:
        if version is None:
            return []
        row = self.con.execute("SELECT lineage FROM meta_version_log WHERE version = ?", (version,)).fetchone()
        return [int(x) for x in row[0].split(",") if x] if row and row[0] else []

    def audit(self, user: str, action: str, target: str = "", result: str = "", detail: str = "",
              sha256: str = "") -> None:
        self.con.execute("INSERT INTO audit_log (at, user, action, target, result, detail, sha256) "
                         "VALUES (?,?,?,?,?,?,?)", (now(), user, action, target, result, detail, sha256))

    def rows(self, sql: str, params=()) -> list[sqlite3.Row]:
        cur = self.con.execute(sql, params)
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r)) for r in cur.fetchall()]
