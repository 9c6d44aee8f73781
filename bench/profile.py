"""Where a validated load spends its time: wall-clock phases (perf_counter) of validate + publish, and the
cost of every SQL check of the validator taken one by one.

Nothing in etl/ is edited: the run wraps the module-level functions it calls and hands etl/ DuckDB
connections that time each statement. Call `install()` once in a fresh process before validating.
"""
from __future__ import annotations

import re
import time
from collections import defaultdict
from contextlib import contextmanager

import duckdb

PHASES: dict[str, float] = defaultdict(float)
COUNTS: dict[str, int] = defaultdict(int)
STATEMENTS: list[tuple[str, str, float]] = []   # (phase, sql, seconds)
_stack: list[str] = []


@contextmanager
def phase(name: str):
    """Time a phase; nested phases are charged to the innermost one only (self time)."""
    _stack.append(name)
    t0 = time.perf_counter()
    try:
        yield
    finally:
        dt = time.perf_counter() - t0
        _stack.pop()
        PHASES[name] += dt
        COUNTS[name] += 1
        if _stack:
            PHASES[_stack[-1]] -= dt


def _label(sql: str) -> str:
    """A short name for a statement: what it does and to which table."""
    s = " ".join(sql.split())
    for pattern, name in (
            (r"^CREATE TEMP TABLE (stg_\w+)", "校验/暂存：归一化与类型转换 CREATE TEMP TABLE {0}"),
            (r"^UPDATE (stg_\w+)", "校验/暂存：派生年度 UPDATE {0}"),
            (r"^INSERT INTO problems VALUES", "校验/逐格编码检查"),
            (r"^INSERT INTO problems", "校验/全部检查与规则 INSERT INTO problems"),
            (r"^CREATE TEMP VIEW", "校验/建视图 cur_、raw_"),
            (r"^CREATE TEMP TABLE (scope_\w+)", "校验/替换范围 {0}"),
            (r"^SELECT severity, count", "校验/汇总问题"),
            (r"^SELECT _file, _row, col, code", "校验/列出问题"),
            (r"^ATTACH .* AS new", "发布/ATTACH 新快照"),
            (r"^ATTACH", "校验/ATTACH 仓库"),
            (r"^DELETE FROM new\.(\w+) x WHERE EXISTS \(SELECT 1 FROM stg_", "发布/按主键删除旧行 {0}"),
            (r"^DELETE FROM new\.(\w+)", "发布/按范围删除 {0}"),
            (r"^INSERT INTO new\.meta_batch", "发布/meta_batch"),
            (r"^INSERT INTO new\.(\w+)", "发布/插入 {0}"),
            (r"^COMMIT", "发布/COMMIT"),
            (r"^DETACH new", "发布/DETACH 新快照"),
            (r"^CHECKPOINT", "发布/CHECKPOINT"),
            (r"^CREATE OR REPLACE (TEMP )?MACRO", "宏定义"),
    ):
        m = re.match(pattern, s)
        if m:
            return name.format(*m.groups())
    return "其他SQL"


class TimedConnection:
    """A DuckDB connection whose execute() calls are timed and recorded; everything else is forwarded."""

    def __init__(self, con):
        self._con = con

    def execute(self, sql, *args):
        label = _label(sql)
        if label == "其他SQL" and _stack:  # e.g. the marts' statements: charged to the enclosing phase
            label = _stack[-1]
        with phase(label):
            t0 = time.perf_counter()
            self._con.execute(sql, *args)
            STATEMENTS.append((label, sql, time.perf_counter() - t0))
        return self

    def close(self):
        with phase("关闭连接（含自动检查点）"):
            self._con.close()

    def __getattr__(self, name):
        return getattr(self._con, name)


def _timed(module, name: str, label: str) -> None:
    fn = getattr(module, name)

    def wrapper(*args, **kwargs):
        with phase(label):
            return fn(*args, **kwargs)
    wrapper.__wrapped__ = fn
    setattr(module, name, wrapper)


def _timed_connect(*args, **kwargs):
    return TimedConnection(duckdb.connect(*args, **kwargs))


def install() -> None:
    """Wrap the functions and connections of etl.validate / etl.publish / marts / policy (this process only)."""
    from etl import marts, policy, publish, validate

    class _DuckDB:  # a stand-in for the duckdb module inside etl.validate and etl.publish
        def __getattr__(self, name):
            return getattr(duckdb, name)
        connect = staticmethod(_timed_connect)
    validate.duckdb = _DuckDB()
    publish.duckdb = _DuckDB()
    _timed(validate, "read_upload", "读取/解析 read_upload")
    _timed(validate, "_collect", "校验/收集问题")
    _timed(publish, "_archive", "发布/存档原文件（写入+fsync）")
    _timed(publish, "_fsync", "发布/fsync")
    _timed(publish, "_swap_current", "发布/切换 CURRENT")
    _timed(publish, "_prune", "发布/清理旧快照")
    _timed(publish, "_next_version", "发布/版本号与应用库")
    _timed(publish.shutil, "copyfile", "发布/复制当前快照")
    _timed(marts, "build_marts", "发布/重建指标 build_marts")
    _timed(policy, "build_policy_warnings", "发布/政策预警 build_policy_warnings")


def split_checks(sql: str) -> list[str]:
    """The checks of one `INSERT INTO problems …` of _check_table: one SELECT each (or, from older code,
    `(c1) UNION ALL (c2) …`)."""
    body = sql[len("INSERT INTO problems "):]
    if body.startswith("(") and body.endswith(")"):
        return body[1:-1].split(") UNION ALL (")
    return [body]


def _check_name(sql: str) -> str:
    """'column / code' of one check SELECT."""
    m = re.match(r"SELECT (?:t\.)?_file, (?:t\.)?_row, '([^']*)'(?: AS col)?, '([^']*)'", " ".join(sql.split()))
    return f"{m.group(1)} / {m.group(2)}" if m else sql[:60]


def time_checks(con, repeat: int = 1) -> list[tuple[str, float]]:
    """Each recorded check query run alone (count of its rows) on the still-open validation connection."""
    out, con = [], getattr(con, "_con", con)   # untimed connection: these runs are not phases
    for label, sql, _ in STATEMENTS:
        if label != "校验/全部检查与规则 INSERT INTO problems":
            continue
        for part in split_checks(sql):
            best = None
            for _ in range(repeat):
                t0 = time.perf_counter()
                con.execute(f"SELECT count(*) FROM ({part})").fetchone()
                dt = time.perf_counter() - t0
                best = dt if best is None else min(best, dt)
            out.append((_check_name(part), best))
    return sorted(out, key=lambda x: -x[1])


def time_staging_columns(con, table: str) -> list[tuple[str, float]]:
    """Cost of normalising + typing each column: the staging expressions of one column, run alone over
    the raw text (r_<col> of the staged table, or the raw_<table> view where the raw text is not staged)."""
    from etl import checks, schema
    t = schema.BY_NAME[table]
    out, con = [], getattr(con, "_con", con)
    staged = {r[0] for r in con.execute("SELECT column_name FROM duckdb_columns() WHERE table_name = ?",
                                        [f"stg_{table}"]).fetchall()}
    views = {r[0] for r in con.execute("SELECT view_name FROM duckdb_views()").fetchall()}
    source = f"stg_{table}" if f"r_{t.columns[0].name}" in staged else f"raw_{table}" if f"raw_{table}" in views else None
    if source is None:
        return out
    for c in t.columns:
        norm = checks.normalised(c, f"r_{c.name}")
        typed = checks.typed(c, "n")
        sql = f"SELECT count({typed}) FROM (SELECT {norm} AS n FROM {source})"
        t0 = time.perf_counter()
        con.execute(sql).fetchone()
        out.append((f"{c.name}（{c.kind}）", time.perf_counter() - t0))
    return sorted(out, key=lambda x: -x[1])


def top_statements(n: int = 12) -> list[tuple[str, float, str]]:
    """The slowest single statements: (phase, seconds, first 160 characters of the SQL)."""
    top = sorted(STATEMENTS, key=lambda x: -x[2])[:n]
    return [(label, sec, " ".join(sql.split())[:160]) for label, sql, sec in top]


def reset() -> None:
    PHASES.clear()
    COUNTS.clear()
    STATEMENTS.clear()
