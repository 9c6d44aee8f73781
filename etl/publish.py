"""The versioned warehouse: immutable DuckDB snapshots plus an atomically swapped CURRENT pointer.

A writer takes an OS file lock, copies the current snapshot to a temp file, applies the whole batch in one
transaction, rebuilds the marts, checkpoints, closes, fsyncs, renames it to vNNNNNN.duckdb and atomically
replaces CURRENT. Any failure before the swap leaves the published data untouched. Readers open the file
named by CURRENT read-only; a new file name per version means no reader ever sees a stale instance.
"""
from __future__ import annotations

import errno
import fcntl
import logging
import os
import shutil
import sqlite3
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from etl import schema, warehouse
from etl.appstore import AppStore, now
from etl.problems import EtlError, ValidationFailed, WriterBusy
from etl.validate import Batch, SourceChanged, validate_batch

KEEP_SNAPSHOTS = 20
DEMO_DIR = Path(__file__).resolve().parent.parent / "data" / "demo"
FAULT_ENV = "NPC_FAULT"  # test hook: name of a publish step at which to fail
PAUSE_ENV = "NPC_PAUSE"  # chaos hook: pause NPC_PAUSE_SECONDS (default 0.5) when this step starts
TRACE_ENV = "NPC_TRACE"  # chaos hook: append each step's name to this file as it starts
STEPS = ("validate", "lock", "copy", "apply", "archive", "marts", "checkpoint", "fsync", "rename", "swap", "log")
log = logging.getLogger("npc.publish")


class InjectedFault(RuntimeError):
    pass


class PublishFailed(EtlError):
    def __init__(self, reason: str):
        self.reason = reason

    def __str__(self) -> str:
        return f"发布失败，数据未作任何改动：{self.reason}"


@dataclass(frozen=True)
class Paths:
    root: Path

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse"

    @property
    def uploads(self) -> Path:
        return self.root / "uploads"

    @property
    def current(self) -> Path:
        return self.warehouse / "CURRENT"

    @property
    def app_db(self) -> Path:
        return self.root / "app.sqlite"

    def snapshot(self, version: int) -> Path:
        return self.warehouse / f"v{version:06d}.duckdb"

    def store(self) -> AppStore:
        return AppStore(self.app_db)


def data_paths(root: str | Path | None = None) -> Paths:
    """The data directory: `root`, else $NPC_DATA_DIR, else ./data next to the code."""
    if root is None:
        root = os.environ.get("NPC_DATA_DIR") or Path(__file__).resolve().parent.parent / "data"
    return Paths(Path(root))


def current_version(p: Paths) -> int | None:
    try:
        name = p.current.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return int(name[1:7]) if name.startswith("v") else None


def open_snapshot(p: Paths, version: int | None = None) -> tuple[int, duckdb.DuckDBPyConnection]:
    """A read-only, locked-down connection to a snapshot (default: the current one)."""
    version = version or current_version(p)
    if version is None:
        raise FileNotFoundError("数据仓库尚未建立：请先运行 python -m etl build")
    con = duckdb.connect(str(p.snapshot(version)), read_only=True, config=READER_CONFIG)
    return version, con


READER_CONFIG = {"enable_external_access": "false", "autoinstall_known_extensions": "false",
                 "autoload_known_extensions": "false", "allow_community_extensions": "false",
                 "lock_configuration": "true"}


@contextmanager
def writer_lock(p: Paths, timeout: float = 30.0, name: str = "writer.lock"):
    """One writer at a time across processes (flock); raises WriterBusy after `timeout` seconds."""
    p.warehouse.mkdir(parents=True, exist_ok=True)
    fd = os.open(p.warehouse / name, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise WriterBusy() from None
                time.sleep(0.1)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _fault(point: str) -> None:
    """Test hook. disk_full_copy / disk_full_checkpoint raise the OSError a full disk raises."""
    if os.environ.get(FAULT_ENV) == point:
        if point.startswith("disk_full"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        raise InjectedFault(point)


def _step(point: str) -> None:
    """Chaos hooks (no-ops unless NPC_TRACE / NPC_PAUSE are set): record and optionally pause at a step."""
    trace = os.environ.get(TRACE_ENV)
    if trace:
        with open(trace, "a", encoding="utf-8") as f:
            f.write(f"{point}\t{time.time():.4f}\n")
    if os.environ.get(PAUSE_ENV) == point:
        sys.stderr.write(f"NPC_PAUSE {point}\n")
        sys.stderr.flush()
        time.sleep(float(os.environ.get("NPC_PAUSE_SECONDS", "0.5")))


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _swap_current(p: Paths, version: int) -> None:
    tmp = p.warehouse / "CURRENT.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(f"v{version:06d}.duckdb\n")
        f.flush()
        os.fsync(f.fileno())
    _fault("before_swap")
    _step("swap")
    os.replace(tmp, p.current)
    _fsync(p.warehouse)


def _next_version(p: Paths) -> int:
    found = [int(f.name[1:7]) for f in p.warehouse.glob("v??????.duckdb")]
    logged = p.store().rows("SELECT max(version) AS v FROM meta_version_log")[0]["v"] or 0
    return max(found + [logged, 0]) + 1


PUBLISH_MEMORY_ENV = "NPC_PUBLISH_MEMORY"


def publish_config() -> dict[str, str]:
    """The marts connection: at most $NPC_PUBLISH_MEMORY (default half the RAM; a publish from a page runs
    in the server process), the rest spilled under NPC_TEMP_DIR."""
    from etl.validate import memory_mb, ram_mb, spill_dir
    return {"memory_limit": f"{memory_mb(PUBLISH_MEMORY_ENV, ram_mb() // 2)}MB", "temp_directory": spill_dir(),
            "autoinstall_known_extensions": "false", "autoload_known_extensions": "false"}


def _finish(p: Paths, tmp: Path, version: int, meta: dict) -> None:
    """Marts, meta_version, checkpoint, fsync, rename, pointer swap."""
    from etl.marts import build_marts
    from etl.policy import build_policy_warnings
    con = duckdb.connect(str(tmp), config=publish_config())
    try:
        con.execute("INSERT INTO meta_version VALUES (?, ?, ?, ?, ?, ?)",
                    (version, now(), meta["user"], meta["kind"], meta["reason"], meta["base"]))
        _fault("before_marts")
        _step("marts")
        changed = meta.get("changed")  # None = everything (first build, upgrade refresh)
        if warehouse.drop_upload_keys(con):  # a snapshot from before the keys went: rebuild everything
            changed = None
        built = build_marts(con, changed=changed)
        build_policy_warnings(con, None if built["full"] else set(changed), meta.get("batches"))
        _step("checkpoint")
        _fault("disk_full_checkpoint")
        if os.environ.get(FAULT_ENV) == "checkpoint_abort":  # a failed checkpoint is a DuckDB FatalException
            con.execute("SET debug_checkpoint_abort = 'before_header'")
        con.execute("CHECKPOINT")
    finally:
        con.close()
    _step("fsync")
    _fsync(tmp)
    if meta.get("before_rename"):
        meta["before_rename"]()  # e.g. the upload archive must be complete before the version goes live
    final = p.snapshot(version)
    _step("rename")
    os.rename(tmp, final)
    _fsync(p.warehouse)
    try:
        _swap_current(p, version)
    except BaseException:
        final.unlink(missing_ok=True)  # never published: leave no orphan snapshot behind
        raise
    _step("log")
    try:  # the version is live: a failing app store must not turn it into an error (recover() logs it later)
        store = p.store()
        store.log_version(version, user=meta["user"], kind=meta["kind"], reason=meta["reason"],
                          base_version=meta["base"], tables=meta.get("tables", ""), files=meta.get("files", ""),
                          lineage=",".join(str(i) for i in meta.get("lineage", [])))
        store.close()
        _prune(p, version)
    except (sqlite3.Error, OSError):
        log.exception("version v%s is published but could not be logged; recover() will log it", version)


def init_warehouse(p: Paths, user: str = "系统") -> int:
    """An empty warehouse with the contract's schema and default configuration (version 1 of a new city)."""
    with writer_lock(p):
        if current_version(p) is not None:
            return current_version(p)
        recover(p)
        version = _next_version(p)
        tmp = p.warehouse / f".v{version:06d}.tmp"
        tmp.unlink(missing_ok=True)
        try:
            con = duckdb.connect(str(tmp))
            warehouse.create_schema(con)
            warehouse.seed_config(con)
            con.close()
            _finish(p, tmp, version, dict(user=user, kind="init", reason="建立空数据仓库", base=None))
        except BaseException:
            _discard(tmp)
            raise
        return version


def validate(p: Paths, inputs: list[tuple[str, bytes]], table: str | list | None = None,
             modes: dict[str, str] | None = None, county: str | None = None) -> Batch:
    _step("validate")
    base = current_version(p)
    batch = validate_batch(inputs, p.snapshot(base) if base else None, base, table, modes, county)
    batch.county = county
    return batch


def publish(p: Paths, batch: Batch, user: str, reason: str = "", lock_timeout: float = 30.0,
            table: str | None = None) -> int:
    """Publish a validated batch as a new version; returns the version number. Never half-loads."""
    if not batch.ok:
        raise ValidationFailed(batch.problems)
    if current_version(p) is None:
        init_warehouse(p, user)
    try:
        return _publish(p, batch, user, reason, lock_timeout)
    except WriterBusy:
        _log_attempt(p, batch, user, "busy", "另一上传正在进行，本次未发布")
        raise
    except (PublishFailed, InjectedFault) as exc:
        _log_attempt(p, batch, user, "failed", str(exc))
        raise


def _log_attempt(p: Paths, batch: Batch, user: str, status: str, note: str) -> None:
    """Audit an attempt that did not publish (lock busy, publish failed); never masks the original error."""
    try:
        store = p.store()
        ids = store.allocate_ids(len(batch.files))
        for upload_id, f in zip(ids, batch.files):
            store.log_upload(upload_id, table=f.table, file_name=f.name, encoding=f.encoding, user=user,
                             mode=batch.modes.get(f.table), rows_in=f.rows, rows_rejected=0, sha256=f.sha256,
                             status=status, version=None, problems=[])
            store.audit(user, "upload", f.table or "", status, f"{f.name}（{note}）", f.sha256)
        store.close()
    except (sqlite3.Error, OSError):  # e.g. the disk is full: the server log keeps the record
        log.exception("could not audit a %s upload by %s", status, user)


def _publish(p: Paths, batch: Batch, user: str, reason: str, lock_timeout: float) -> int:
    with writer_lock(p, lock_timeout):
        _step("lock")
        recover(p)
        base = current_version(p)
        fresh = None
        if base != batch.base_version or batch.con is None:  # someone published meanwhile / a retry: validate again
            inputs = [(f.name, f.source) for f in batch.files]  # a path is read again while staged, not held
            fresh = batch = validate(p, inputs, [f.table for f in batch.files], batch.modes, batch.county)
            if not batch.ok:
                batch.close()
                raise ValidationFailed(batch.problems)
        version = _next_version(p)
        tmp = p.warehouse / f".v{version:06d}.tmp"
        store = None
        try:
            store = p.store()
            ids = store.allocate_ids(len(batch.files))
            _step("copy")
            shutil.copyfile(p.snapshot(base), tmp)
            _fault("disk_full_copy")
            _fault("after_copy")
            _step("apply")
            counties = _apply(batch, tmp, ids, version, user)
            batch.close()  # the rows are in the snapshot: free the scratch database and its spill before the marts
            _step("archive")
            with ThreadPoolExecutor(1) as pool:  # files are hashed and written while the marts build
                archived = pool.submit(_archive, p, batch)
                _finish(p, tmp, version, dict(user=user, kind="publish", reason=reason, base=base,
                                              tables=",".join(batch.tables), files=",".join(f.name for f in batch.files),
                                              lineage=store.lineage(base) + ids, changed={**counties, "meta_batch": None},
                                              batches=ids, before_rename=archived.result))
        except (InjectedFault, PublishFailed):
            _discard(tmp)
            raise
        except (duckdb.Error, OSError, sqlite3.Error) as exc:  # e.g. a full disk: nothing was published
            _discard(tmp)
            log.exception("publish failed")
            raise PublishFailed(_reason(exc)) from exc
        finally:
            if fresh is not None:
                fresh.close()
        try:
            for upload_id, f in zip(ids, batch.files):
                mine = [q for q in batch.problems if q.file == f.name]
                store.log_upload(upload_id, table=f.table, file_name=f.name, encoding=f.encoding, user=user,
                                 mode=batch.modes.get(f.table), rows_in=f.rows, rows_rejected=0, sha256=f.sha256,
                                 status="accepted", version=version, problems=mine)
                store.audit(user, "upload", f.table or "", "accepted", f"{f.name} → v{version}", f.sha256)
            store.close()
        except (sqlite3.Error, OSError):  # published; recover() writes the missing log rows later
            log.exception("v%s published but its upload log could not be written", version)
        return version


def _discard(tmp: Path) -> None:
    """Remove a temp snapshot and its WAL (a failed publish leaves nothing behind)."""
    for f in (tmp, tmp.with_name(tmp.name + ".wal")):
        f.unlink(missing_ok=True)


def recover(p: Paths) -> list[str]:
    """Run by every writer right after taking the writer lock, so after a crashed (killed) writer: remove its
    temp files and any snapshot it renamed but never published, and write the version / upload / audit log rows
    of a version it published but was killed before logging. Returns what it did (file names, log notes)."""
    done: list[str] = []
    cur = current_version(p)
    for f in [*p.warehouse.glob(".v*.tmp*"), p.warehouse / "CURRENT.tmp", *p.uploads.glob("*.part")]:
        if f.exists():
            f.unlink()
            done.append(f.name)
    if cur is None:
        return done  # never delete snapshots without a readable pointer (health() reports it)
    store = p.store()
    try:
        logged = {r["version"] for r in store.rows("SELECT version FROM meta_version_log")}
        for f in p.warehouse.glob("v??????.duckdb*"):
            v = int(f.name[1:7])
            if v > cur and v not in logged:  # renamed but the pointer never moved to it
                f.unlink()
                done.append(f.name)
        if cur not in logged or _unlogged_uploads(store, cur):
            done += _relog(p, store, cur, logged)
    except (sqlite3.Error, duckdb.Error, OSError):  # e.g. a full disk: the next writer tries again
        log.exception("could not finish recovering v%s", cur)
    finally:
        store.close()
    if done:
        log.warning("recovered after an interrupted writer: %s", ", ".join(done))
    return done


def _unlogged_uploads(store: AppStore, cur: int) -> bool:
    """Did the current version's writer die before logging its uploads? (cheap: no snapshot is opened)"""
    row = store.rows("SELECT base_version FROM meta_version_log WHERE version = ?", (cur,))
    ids = set(store.lineage(cur)) - set(store.lineage(row[0]["base_version"] if row else None))
    if not ids:
        return False
    marks = ",".join("?" * len(ids))
    found = store.rows(f"SELECT count(*) AS n FROM meta_upload_log WHERE upload_id IN ({marks})", tuple(ids))
    return found[0]["n"] < len(ids)


def _relog(p: Paths, store: AppStore, cur: int, logged: set[int]) -> list[str]:
    """Log rows the killed writer did not write, read back from the published snapshot itself (its meta_batch
    lists every batch it contains, in commit order: exactly the version's lineage)."""
    con = duckdb.connect(str(p.snapshot(cur)), read_only=True, config=READER_CONFIG)
    try:
        meta = con.execute("SELECT created_by, kind, reason, base_version FROM meta_version WHERE version = ?",
                           (cur,)).fetchone()
        batches = con.execute("SELECT batch_id, table_name, file_name, sha256, encoding, uploaded_by, mode, rows, "
                              "version FROM meta_batch ORDER BY batch_id").fetchall()
    finally:
        con.close()
    done = []
    if cur not in logged and meta:
        new = [b for b in batches if b[8] == cur]
        store.log_version(cur, user=meta[0], kind=meta[1], reason=meta[2], base_version=meta[3],
                          tables=",".join(dict.fromkeys(b[1] for b in new)), files=",".join(b[2] for b in new),
                          lineage=",".join(str(b[0]) for b in batches))
        store.audit("系统", "recover", f"v{cur}", "accepted", "发布进程中断于切换版本之后：已按快照补记版本日志")
        done.append(f"version_log v{cur}")
    have = {r["upload_id"] for r in store.rows("SELECT upload_id FROM meta_upload_log")}
    for b in batches:
        if b[0] not in have:
            store.log_upload(b[0], table=b[1], file_name=b[2], encoding=b[4], user=b[5], mode=b[6], rows_in=b[7],
                             rows_rejected=0, sha256=b[3], status="accepted", version=b[8], problems=[])
            store.audit(b[5], "upload", b[1], "accepted", f"{b[2]} → v{b[8]}（进程中断后补记）", b[3])
            done.append(f"upload_log {b[0]}")
    return done


def _reason(exc: BaseException) -> str:
    text = str(exc)
    if isinstance(exc, SourceChanged):
        return text
    if getattr(exc, "errno", None) == errno.ENOSPC or "No space left" in text or "disk" in text.lower():
        return "磁盘空间不足，请联系管理员清理磁盘后重试。"
    return "数据库写入出错，请稍后重试或联系管理员（详情见服务器日志）。"


def _apply(batch: Batch, tmp: Path, ids: list[int], version: int, user: str) -> dict[str, set[str] | None]:
    """Write the batch into the new snapshot in one transaction. Returns, per table, the counties whose rows
    were removed or added (None: not known by county, e.g. a dimension), for the incremental marts."""
    con = batch.con
    con.execute(f"ATTACH '{tmp}' AS new")
    counties: dict[str, set[str] | None] = {}
    try:
        con.execute("BEGIN")
        for name in batch.tables:
            t = schema.BY_NAME[name]
            key_match = " AND ".join(f"s.{k} = x.{k}" for k in t.key)
            county = _county_of(t, "x")
            empty = con.execute(f"SELECT 1 FROM new.{name} LIMIT 1").fetchone() is None
            if county and t.year_column and not empty:  # counties of the rows about to go: re-uploaded keys, replaced scopes
                sql = f"SELECT DISTINCT {county} FROM new.{name} x WHERE EXISTS (SELECT 1 FROM stg_{name} s WHERE {key_match})"
                if batch.modes[name] == schema.REPLACE and t.county_sql:
                    sql += f" UNION SELECT DISTINCT county_code FROM scope_{name}"
                counties[name] = {r[0] for r in con.execute(sql).fetchall()}
            else:  # a dimension, or a table filled for the first time (every row is new: all its marts rebuild)
                counties[name] = None
            if not empty:
                con.execute(f"DELETE FROM new.{name} x WHERE EXISTS (SELECT 1 FROM stg_{name} s WHERE {key_match})")
            if batch.modes[name] == schema.REPLACE and t.county_sql and not empty:
                county = t.county_sql.format(t="x", db="new.")
                con.execute(f"DELETE FROM new.{name} x WHERE EXISTS (SELECT 1 FROM scope_{name} sc WHERE "
                            f"sc.year = x.{t.year_column} AND sc.county_code = {county})")
            files = [i for i, f in enumerate(batch.files) if f.table == name]
            batch_of = "CASE _file " + " ".join(f"WHEN {i} THEN {ids[i]}" for i in files) + " END"
            cols = ", ".join(t.column_names)
            con.execute(f"INSERT INTO new.{name} ({cols}, _batch, _row) SELECT {cols}, {batch_of}, _row FROM stg_{name}")
            _unique_keys(con, t, key_match, ids, earlier=not empty,
                         in_batch=batch.checked.get(name) != con.execute(f"SELECT count(*) FROM stg_{name}").fetchone()[0])
            _fault("mid_apply")
        for i, f in enumerate(batch.files):
            scope = ""
            if batch.modes.get(f.table) == schema.REPLACE and schema.BY_NAME[f.table].county_sql:
                pairs = con.execute(f"SELECT DISTINCT year, county_code FROM scope_{f.table} ORDER BY ALL").fetchall()
                scope = ";".join(f"{y}:{c}" for y, c in pairs)
            warnings = batch.file_count(f.name, "warning")  # all of them, not only the listed ones
            con.execute("INSERT INTO new.meta_batch VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                        (ids[i], version, f.table, f.name, f.sha256, f.encoding, user, now(),
                         batch.modes.get(f.table), f.rows, warnings, scope))
        for name, found in counties.items():  # and of the rows that came (after every table is in place)
            if found is not None:
                found |= {r[0] for r in con.execute(f"SELECT DISTINCT {_county_of(schema.BY_NAME[name], 'x')} "
                                                    f"FROM new.{name} x WHERE x._batch IN ({', '.join(map(str, ids))})"
                                                    ).fetchall()}
                found.discard(None)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        con.execute("DETACH new")
    return counties


def _unique_keys(con, t: schema.Table, key_match: str, ids: list[int], earlier: bool = True,
                 in_batch: bool = True) -> None:
    """The second line of defence for keys (the tables have no PRIMARY KEY, see schema.ddl), spillable
    instead of an in-memory index: the batch's rows have distinct keys (GROUP BY; skipped when not `in_batch`,
    i.e. the staged table still holds exactly the rows validation's duplicate_key ran the same GROUP BY on),
    and (if the table had `earlier` rows) no earlier row with one of those keys is left (the earlier
    snapshot's keys were distinct by the same check)."""
    keys = ", ".join(f"x.{k}" for k in t.key)
    dup = in_batch and con.execute(f"SELECT {keys} FROM stg_{t.name} x GROUP BY ALL HAVING count(*) > 1 LIMIT 1").fetchone()
    dup = dup or earlier and con.execute(f"SELECT {keys} FROM new.{t.name} x WHERE coalesce(x._batch, -1) NOT IN "
                             f"({', '.join(map(str, ids))}) AND EXISTS (SELECT 1 FROM stg_{t.name} s WHERE {key_match}) "
                             f"LIMIT 1").fetchone()
    if dup:
        shown = "，".join(f"{t.column(k).header}“{v}”" for k, v in zip(t.key, dup))
        raise PublishFailed(f"“{t.label}”中{shown}的记录会出现不止一次（发布前核对）。这说明校验有遗漏，"
                            "请把文件交给系统管理员。")


def _county_of(t: schema.Table, alias: str) -> str | None:
    """SQL for the county of a row of `t` in the attached new snapshot (None: the table has no county)."""
    if t.county_sql:
        return t.county_sql.format(t=alias, db="new.")
    return f"{alias}.county_code" if "county_code" in t.column_names else None


def _archive(p: Paths, batch: Batch) -> None:
    """Keep every accepted file, named by its sha256 (never by the name the user gave)."""
    p.uploads.mkdir(parents=True, exist_ok=True)
    for f in batch.files:
        target = p.uploads / f"{f.sha256}.{f.fmt}"
        if not target.exists():
            part = target.with_suffix(".part")
            if isinstance(f.source, bytes):
                part.write_bytes(f.source)
            elif f.unchanged():  # a path as it was when validated: copied by the kernel, not re-hashed
                shutil.copyfile(f.source, part)
                if not f.unchanged():  # changed while being copied
                    part.unlink()
                    raise SourceChanged(f.name)
            else:  # touched or replaced since: the same content (sha256) is still fine
                part.write_bytes(f.data)
            with open(part, "rb") as out:
                os.fsync(out.fileno())
            os.replace(part, target)
    _fsync(p.uploads)


def rollback(p: Paths, version: int, user: str, reason: str) -> int:
    """Publish an exact copy of an earlier version's data as a new version (itself audited)."""
    if not reason.strip():
        raise EtlError("回滚必须填写原因。")
    with writer_lock(p):
        recover(p)
        source = p.snapshot(version)
        if not source.exists():
            raise EtlError(f"版本 {version} 不存在或已被清理。")
        base = current_version(p)
        new = _next_version(p)
        tmp = p.warehouse / f".v{new:06d}.tmp"
        try:
            shutil.copyfile(source, tmp)
            _finish(p, tmp, new, dict(user=user, kind="rollback", reason=f"回滚到版本{version}：{reason}", base=base,
                                      lineage=p.store().lineage(version), changed=set()))  # its marts match its data
        except BaseException:
            _discard(tmp)
            raise
        p.store().audit(user, "rollback", f"v{version}", "accepted", reason)
        return new


def refresh_marts(p: Paths, user: str = "系统（升级）") -> int | None:
    """After a code upgrade: republish the current data with marts built by this code (a new, audited
    version with identical data). Does nothing when the marts are already current; runs once across
    processes."""
    from etl.marts import code_fingerprint, snapshot_fingerprint
    with writer_lock(p, timeout=600, name="build.lock"):
        base = current_version(p)
        if base is None:
            return None
        _, con = open_snapshot(p, base)
        try:
            if snapshot_fingerprint(con) == code_fingerprint():
                return base
        finally:
            con.close()
        with writer_lock(p):
            recover(p)
            new = _next_version(p)
            tmp = p.warehouse / f".v{new:06d}.tmp"
            try:
                shutil.copyfile(p.snapshot(base), tmp)
                _finish(p, tmp, new, dict(user=user, kind="refresh", reason="程序升级后重建指标", base=base,
                                          lineage=p.store().lineage(base)))
            except BaseException:
                _discard(tmp)
                raise
        p.store().audit(user, "refresh_marts", f"v{base}", "accepted", f"→ v{new}")
        return new


def _prune(p: Paths, current: int) -> None:
    files = sorted(p.warehouse.glob("v??????.duckdb"))
    for f in files[:-KEEP_SNAPSHOTS]:
        if f.name != f"v{current:06d}.duckdb":
            f.unlink(missing_ok=True)
    for stale in p.warehouse.glob(".v*.tmp"):
        if stale.stat().st_mtime < time.time() - 3600:
            stale.unlink(missing_ok=True)


def versions(p: Paths) -> list[dict]:
    rows = p.store().rows("SELECT * FROM meta_version_log ORDER BY version DESC")
    cur = current_version(p)
    for r in rows:
        r["current"] = r["version"] == cur
        r["available"] = p.snapshot(r["version"]).exists()
    return rows


def build_once(p: Paths, source: Path = DEMO_DIR, user: str = "系统") -> int:
    """First start: build from `source` unless a warehouse exists; concurrent callers build it only once."""
    with writer_lock(p, timeout=600, name="build.lock"):
        if current_version(p) is not None:
            return current_version(p)
        return build(p, source, user)


def build(p: Paths, source: Path = DEMO_DIR, user: str = "系统", reason: str = "") -> int:
    """A warehouse from a directory of upload files (the demo city by default), as one batch."""
    files = sorted(Path(source).glob("*.csv")) + sorted(Path(source).glob("*.xlsx"))
    if not files:
        raise EtlError(f"目录 {source} 中没有 CSV/xlsx 文件。")
    init_warehouse(p, user)
    batch = validate(p, [(f.name, f) for f in files])  # paths: each file is read only while it is staged
    try:
        return publish(p, batch, user, reason or f"由 {Path(source).name} 目录建立")
    finally:
        batch.close()


def rebuild(p: Paths, version: int, target: Paths, user: str = "系统（重建）") -> int:
    """Rebuild `version` in an empty data directory by replaying its archived uploads in their original
    batches (works after the snapshot itself was pruned). Returns the new warehouse's current version."""
    store = p.store()
    ids = store.lineage(version)
    if not ids and not store.rows("SELECT 1 FROM meta_version_log WHERE version = ?", (version,)):
        raise EtlError(f"版本 {version} 没有记录，无法重建。")
    logs = {r["upload_id"]: r for r in store.rows(
        f"SELECT * FROM meta_upload_log WHERE upload_id IN ({','.join('?' * len(ids))})", ids)} if ids else {}
    init_warehouse(target, user)
    groups: list[list[dict]] = []
    for upload_id in ids:
        log = logs[upload_id]
        if not groups or groups[-1][0]["version"] != log["version"]:
            groups.append([])
        groups[-1].append(log)
    for group in groups:
        inputs, tables, modes = [], [], {}
        for log in group:
            archived = p.uploads / f"{log['sha256']}.{'xlsx' if log['encoding'] == 'xlsx' else 'csv'}"
            if not archived.exists():
                raise EtlError(f"存档文件缺失：{log['file_name']}（{log['sha256'][:12]}…），无法重建。")
            inputs.append((log["file_name"], archived.read_bytes()))
            tables.append(log["table_name"])
            modes[log["table_name"]] = log["mode"]
        batch = validate(target, inputs, tables, modes)
        try:
            publish(target, batch, user, f"重建版本{version}")
        finally:
            batch.close()
    return current_version(target)
