"""Validate a batch of uploaded files against the contract, entirely in SQL, before anything is written.

`validate_batch` reads every file, maps headers (Chinese or English) to one contract table, stages the rows
in a scratch DuckDB, builds `cur_<table>` views (the warehouse as it would be after this batch), runs the
column checks and the registry's rules, and returns a `Batch`: every problem with file, Excel row, Chinese
column header, stable code, severity, Chinese message and value. Errors block the batch; warnings never do.

Memory is bounded (docs/performance.md): each file is read, staged and released before the next one (a file given
as a path is never held as bytes for the whole batch), and the scratch DuckDB has a memory limit
($NPC_LOAD_MEMORY) above which it spills to a private directory under $NPC_TEMP_DIR, removed when it closes.
"""
from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import tempfile
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from etl import checks, schema, sqlfuncs, warehouse
from etl.problems import ERROR, WARNING, Problem, ReadFailed
from etl.read import RawFile, normalise_header, read_upload

MAX_LISTED = 5000  # problems materialised per batch; the total is always counted
MEMORY_ENV, TEMP_ENV = "NPC_LOAD_MEMORY", "NPC_TEMP_DIR"
DEFAULT_MEMORY_MB, MIN_MEMORY_MB = 768, 256  # default: 768 MB, at most a quarter of the RAM; below 256 MB
                                             # staging a 45 MB file runs out (two threads' open row groups)
# a batch whose staged copy (≈ 3 × the files; workbooks are zipped, ≈ 8 ×) fits in memory skips checkpoints
NO_CHECKPOINT_FACTOR, XLSX_EXPANSION = 3, 8
log = logging.getLogger(__name__)


@dataclass
class FileReport:
    name: str
    table: str | None = None
    fmt: str = ""
    encoding: str = ""
    sha256: str = ""
    rows: int = 0
    source: bytes | Path = b""          # the upload's bytes, or the path of a file read again only when needed
    problems: list[Problem] = field(default_factory=list)
    stat: tuple | None = None           # (size, mtime_ns, inode) of a path when it was read

    @property
    def data(self) -> bytes:
        """The upload's bytes. A file given as a path is read again (for the archive) and must be unchanged."""
        if isinstance(self.source, bytes):
            return self.source
        data = Path(self.source).read_bytes()
        if self.sha256 and hashlib.sha256(data).hexdigest() != self.sha256:
            raise SourceChanged(self.name)
        return data

    def unchanged(self) -> bool:
        """A path whose size, modification time and inode are those it had when read (cheap; else see data)."""
        return isinstance(self.source, bytes) or self.stat is not None and file_stat(self.source) == self.stat


class SourceChanged(OSError):
    """A file given as a path changed between its validation and the publish."""

    def __init__(self, name: str):
        super().__init__(f"文件“{name}”在校验之后被改动，本次未发布：请重新上传。")


def file_stat(path) -> tuple:
    st = os.stat(path)
    return st.st_size, st.st_mtime_ns, st.st_ino


@dataclass
class Batch:
    files: list[FileReport]
    problems: list[Problem]
    counts: dict[str, int]              # severity -> total number (not capped)
    base_version: int | None
    con: duckdb.DuckDBPyConnection | None = None
    modes: dict[str, str] = field(default_factory=dict)
    county: str | None = None           # restricted to one county's rows (县区填报员)
    checked: dict[str, int] = field(default_factory=dict)  # table -> staged rows whose keys duplicate_key checked
    per_file: dict[str, dict[str, int]] = field(default_factory=dict)  # file name -> severity -> total (not capped)

    def file_count(self, name: str, severity: str) -> int:
        """Problems of one file, all of them (the listed ones stop at MAX_LISTED)."""
        if name in self.per_file:
            return self.per_file[name].get(severity, 0)
        return sum(p.severity == severity for p in self.problems if p.file == name)

    @property
    def ok(self) -> bool:
        return self.counts.get(ERROR, 0) == 0

    @property
    def tables(self) -> list[str]:
        return sorted({f.table for f in self.files if f.table}, key=lambda n: schema.BY_NAME[n].order)

    def close(self) -> None:
        if self.con is not None:
            self.con.close()
            self.con = None


def _header_index(table: schema.Table) -> dict[str, str]:
    index = {}
    for c in table.columns:
        index[normalise_header(c.header)] = c.name
        index[normalise_header(c.name)] = c.name
    return index


HEADER_INDEX = {t.name: _header_index(t) for t in schema.UPLOADABLE}


def infer_table(headers: list[str]) -> str | None:
    """The uploadable table whose headers cover the file best (no unknown columns preferred)."""
    keys = [normalise_header(h) for h in headers]
    scored = []
    for name, index in HEADER_INDEX.items():
        known = sum(k in index for k in keys)
        if known:
            scored.append((known - len(keys), known, name))
    if not scored:
        return None
    scored.sort(reverse=True)
    if len(scored) > 1 and scored[0][:2] == scored[1][:2]:
        return None  # ambiguous: two tables fit equally well
    return scored[0][2]


def map_headers(raw: RawFile, table: schema.Table) -> tuple[dict[str, int], list[Problem]]:
    """column name -> file column index; problems for unknown, duplicate and missing columns."""
    index, mapping, problems = HEADER_INDEX[table.name], {}, []
    for i, header in enumerate(raw.headers):
        name = index.get(normalise_header(header))
        if name is None:
            problems.append(Problem("unknown_column", f"「{table.label}」没有这一列：请删除该列，或改成模板中的列名。",
                                    row=1, column=header, value=header))
        elif name in mapping:
            other = raw.headers[mapping[name]]
            problems.append(Problem("duplicate_column", f"与第{mapping[name] + 1}列“{other}”是同一列（中文名和英文名只能用一个），请删除其中一列。",
                                    row=1, column=header, value=header))
        else:
            mapping[name] = i
    for col in table.required_columns:
        if col.name not in mapping:
            problems.append(Problem("missing_column", f"缺少必填列“{col.header}”：请使用最新模板，不要删除或改动表头。",
                                    row=1, column=col.header))
    return mapping, problems


def stage_memory_mb(value: str | None = None) -> int:
    """MB the scratch DuckDB keeps in memory before spilling to disk: $NPC_LOAD_MEMORY as "1024", "768MB",
    "1.5GB" or "20%" (of the RAM); default 768 MB, at most a quarter of the RAM; never below 256 MB."""
    return memory_mb(MEMORY_ENV, min(DEFAULT_MEMORY_MB, ram_mb() // 4), value)


def ram_mb() -> int:
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 1048576


def memory_mb(env: str, default: int, value: str | None = None) -> int:
    """A memory size from $env ("1024", "768MB", "1.5GB" or "20%" of the RAM), else `default`; ≥ 256 MB."""
    value = (os.environ.get(env, "") if value is None else value).strip().upper()
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(%|MB|M|GB|G)?", value)
    if value and not m:
        log.warning("%s=%r 无法识别（应为如 768MB、1GB 或 25%%），使用默认值", env, value)
    if not m:
        return max(MIN_MEMORY_MB, default)
    n, unit = float(m.group(1)), m.group(2) or "MB"
    mb = ram_mb() * n / 100 if unit == "%" else n * 1024 if unit in ("GB", "G") else n
    return max(MIN_MEMORY_MB, int(mb))


def spill_dir() -> str:
    """A directory of this connection's own under NPC_TEMP_DIR, made by DuckDB on the first spill and removed
    when the connection closes (those of dead processes are removed by the next caller)."""
    base = stage_temp_base()
    base.mkdir(parents=True, exist_ok=True)
    _clear_stale(base)
    return str(base / f"{os.getpid()}_{uuid.uuid4().hex}")


def stage_temp_base() -> Path:
    """Where scratch databases spill: $NPC_TEMP_DIR, else the system temp directory (set NPC_TEMP_DIR to a
    disk directory where /tmp is a RAM disk)."""
    return Path(os.environ.get(TEMP_ENV) or tempfile.gettempdir()) / "npc_stage"


def stage_config(input_mb: float | None = None) -> dict[str, str]:
    """The scratch connection's settings: bounded memory, spilling into its own directory, which DuckDB
    creates on the first spill and removes when the connection closes. A batch whose files (`input_mb`)
    fit the memory limit NO_CHECKPOINT_FACTOR times over skips the automatic checkpoints."""
    limit = stage_memory_mb()
    config = {"memory_limit": f"{limit}MB", "temp_directory": spill_dir(),
              "preserve_insertion_order": "false",   # staged rows carry _file/_row; nothing reads them in order
              "autoinstall_known_extensions": "false", "autoload_known_extensions": "false"}
    # Only checkpointed (compressed) rows of this in-memory database can be spilled: a nation-scale batch
    # without automatic checkpoints ran out of memory. A small batch never spills, and its checkpoint (1.6 s
    # of a province's 14 s validation) only costs time.
    if input_mb is not None and input_mb * NO_CHECKPOINT_FACTOR <= limit:
        config["checkpoint_threshold"] = "1TB"
    return config


def input_mb(inputs: list[tuple[str, bytes | Path]]) -> float:
    """The batch's size once read: bytes of text files, workbooks counted XLSX_EXPANSION times (zipped)."""
    total = 0.0
    for name, source in inputs:
        size = len(source) if isinstance(source, bytes) else Path(source).stat().st_size
        total += size * (XLSX_EXPANSION if str(name).lower().endswith((".xlsx", ".xlsm")) else 1)
    return total / 1048576


def _clear_stale(base: Path) -> None:
    """Spill directories of processes that died without closing their connection."""
    for d in base.iterdir():
        pid = d.name.split("_", 1)[0]
        if not pid.isdigit():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(d, ignore_errors=True)
        except OSError:
            pass  # alive (another user's process)


def validate_batch(inputs: list[tuple[str, bytes | Path]], snapshot: Path | None = None,
                   base_version: int | None = None, table: str | list[str | None] | None = None,
                   modes: dict[str, str] | None = None, county: str | None = None) -> Batch:
    """Validate files [(name, bytes or path)] against the snapshot at `snapshot` (None = empty warehouse).
    `table` names the table of every file, or of each file (a list), or None to infer it from headers.
    `county` restricts the batch to one county's rows (县区填报员): other rows are errors.
    Files are staged one at a time while the next is read; a file given as a path is held in memory only
    while it is read and staged."""
    files, staged, con = [], set(), None
    size = input_mb(inputs)
    pool = ThreadPoolExecutor(1)  # the next file is read (GIL released) while DuckDB stages this one
    try:
        reports = [FileReport(name=name, source=source) for name, source in inputs]
        ahead = pool.submit(_read_one, reports[0], 0, table) if reports else None
        for i, report in enumerate(reports):
            files.append(report)
            raw, mapping = ahead.result()
            ahead = pool.submit(_read_one, reports[i + 1], i + 1, table) if i + 1 < len(reports) else None
            if raw is None:
                continue
            if not any(f.problems for f in files):   # after the first bad file the rest are only read
                con = con or _connect(snapshot, size)
                _stage_file(con, i, raw, mapping, schema.BY_NAME[report.table], staged)
            del raw
        for report in files:
            for p in report.problems:
                object.__setattr__(p, "file", report.name)
        batch = Batch(files, [], {}, base_version, modes=dict(modes or {}))
        for t in batch.tables:
            batch.modes.setdefault(t, schema.BY_NAME[t].mode)
        if any(f.problems for f in files) or con is None:
            if con is not None:
                con.close()
            batch.problems = [p for f in files for p in f.problems]
            batch.counts = _count(batch.problems)
            if con is None and not batch.problems:
                batch.problems.append(Problem("no_files", "没有可校验的文件。"))
                batch.counts = _count(batch.problems)
            return batch
        _check(con, files, snapshot, batch.modes, county)
        listed, counts = _collect(con, files)
        batch.per_file = {files[fi].name: {} for fi in range(len(files))}
        for fi, severity, n in con.execute("SELECT _file, severity, count(*) FROM problems GROUP BY ALL").fetchall():
            batch.per_file[files[fi].name][severity] = n
        batch.checked = {t: con.execute(f"SELECT count(*) FROM stg_{t}").fetchone()[0] for t in batch.tables}
    except duckdb.OutOfMemoryException:
        con.close()     # nothing was written anywhere: say so in Chinese instead of failing
        batch = Batch(files, [Problem("out_of_memory", f"校验这批数据时暂存库内存不足（上限{stage_memory_mb()}MB，"
                                      "超出部分已写入临时目录仍不够）。请把文件分成几批上传，或请管理员调高环境变量 "
                                      f"{MEMORY_ENV}。")], {ERROR: 1, WARNING: 0}, base_version, modes=dict(modes or {}))
        return batch
    except BaseException:
        if con is not None:
            con.close()
        raise
    finally:
        pool.shutdown(cancel_futures=True)
    batch.con = con
    for f in files:  # an empty file can neither add nor replace anything: say so, without blocking the batch
        if f.table and f.rows == 0:
            listed.append(Problem("no_rows", "文件只有表头，没有数据行：发布后不会改动任何数据。请确认选对了文件（或工作表）。",
                                  WARNING, file=f.name, table=f.table))
            counts[WARNING] += 1
            batch.per_file.setdefault(f.name, {})[WARNING] = batch.per_file.get(f.name, {}).get(WARNING, 0) + 1
    batch.problems, batch.counts = listed, counts
    return batch


def _read_one(report: FileReport, i: int, table) -> tuple[RawFile | None, dict[str, int]]:
    """Read one file and map its headers; (None, {}) when it cannot be staged (problems are in the report)."""
    if not isinstance(report.source, bytes):
        report.stat = file_stat(report.source)   # before reading: a change while it is read shows later
    data = report.source if isinstance(report.source, bytes) else Path(report.source).read_bytes()
    try:
        raw = read_upload(report.name, data)
    except ReadFailed as failed:
        report.problems += failed.problems
        return None, {}
    finally:
        del data
    report.fmt, report.encoding, report.sha256 = raw.fmt, raw.encoding, raw.sha256
    report.rows = raw.table.num_rows
    hint = table[i] if isinstance(table, list) else table
    target = hint or infer_table(raw.headers)
    if target is None or target not in schema.BY_NAME or not schema.BY_NAME[target].uploadable:
        report.problems.append(Problem("unknown_table", "无法根据表头判断这是哪一类数据：请使用模板的表头，或在上传时选择数据类型。", row=1))
        return None, {}
    report.table = target
    mapping, problems = map_headers(raw, schema.BY_NAME[target])
    report.problems += problems
    return (None, {}) if any(p.severity == ERROR for p in problems) else (raw, mapping)


def _count(problems: list[Problem]) -> dict[str, int]:
    counts = {ERROR: 0, WARNING: 0}
    for p in problems:
        counts[p.severity] += 1
    return counts


def _connect(snapshot, size_mb: float | None = None) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(config=stage_config(size_mb))
    # Duplicate keys in a file are reported as duplicate_key; rules that look a key up must not crash on them.
    con.execute("SET scalar_subquery_error_on_multiple_rows = false")
    if snapshot is not None:
        con.execute(f"ATTACH {checks.lit(str(snapshot))} AS w (READ_ONLY)")
    else:
        con.execute("ATTACH ':memory:' AS w")
        con.execute("USE w")
        warehouse.create_schema(con)
        warehouse.seed_config(con)
        con.execute("USE memory")
    con.execute("CREATE TEMP TABLE problems (_file INTEGER, _row INTEGER, col VARCHAR, code VARCHAR, "
                "severity VARCHAR, value VARCHAR, message VARCHAR)")
    return con


def _stage_file(con, i: int, raw: RawFile, mapping: dict[str, int], t: schema.Table, staged: set[str]) -> None:
    """Append one file to stg_<table>: normalised text (n_<col>, only where it differs from the typed value),
    typed columns, and the raw text r_<col> only where it differs from the normalised text (for messages).
    The Arrow table is released afterwards, so a batch never holds more than one file outside DuckDB."""
    con.register(f"arrow_{i}", raw.table)
    try:
        _numeric_code_cells(con, i, raw, mapping, t)
        cols = ", ".join(f"c{mapping[c.name]} AS r_{c.name}" if c.name in mapping else f"CAST(NULL AS VARCHAR) AS r_{c.name}"
                         for c in t.columns)
        norm = ", ".join(f"r_{c.name}, {checks.normalised(c, 'r_' + c.name)} AS n_{c.name}" for c in t.columns)
        outer = ", ".join((f"n_{c.name} AS {c.name}" if checks.is_text_like(c) else
                           f"n_{c.name}, {checks.typed(c, 'n_' + c.name)} AS {c.name}")
                          + f", CASE WHEN r_{c.name} IS DISTINCT FROM n_{c.name} THEN r_{c.name} END AS r_{c.name}"
                          for c in t.columns)
        select = (f"SELECT _file, _row, {outer} FROM (SELECT _file, _row, {norm} FROM "
                  f"(SELECT {i} AS _file, _row, {cols} FROM arrow_{i}))")
        if t.name in staged:
            con.execute(f"INSERT INTO stg_{t.name} {select}")
        else:
            con.execute(f"CREATE TEMP TABLE stg_{t.name} AS {select}")
            staged.add(t.name)
    finally:
        con.unregister(f"arrow_{i}")


def _check(con, files: list[FileReport], snapshot, modes, county=None) -> None:
    by_table = {f.table: None for f in files if f.table}
    for name in by_table:
        for c in schema.BY_NAME[name].columns:
            if c.derived_from:
                con.execute(f"UPDATE stg_{name} SET {c.name} = year({c.derived_from}) WHERE {c.name} IS NULL")
    _current_views(con, by_table, modes)
    sqlfuncs.install(con, "cur_cfg_rule", inline=True)  # values fixed for the checks: literal, not a lookup
    for name in by_table:
        _check_table(con, schema.BY_NAME[name], snapshot is not None)
        if county:
            _check_county(con, schema.BY_NAME[name], county)


def _check_county(con, t: schema.Table, county: str) -> None:
    """A county's staff may send only rows of their own county, and no city-wide tables."""
    if t.county_sql:
        expr = t.county_sql.format(t="t", db="cur_")
    elif "county_code" in t.column_names:
        expr = "t.county_code"
    else:
        con.execute(f"INSERT INTO problems SELECT _file, min(_row), '{t.column_names[0]}', 'table_not_permitted', 'error', "
                    f"NULL, '县区填报员不能上传“{t.label}”（各县区共用的数据），请联系市人大工作人员。' FROM stg_{t.name} GROUP BY _file")
        return
    blame = "county_code" if "county_code" in t.column_names else next(
        c for c in ("township_code", "unit_code", "station_id", "deputy_id") if c in t.column_names)
    con.execute(f"INSERT INTO problems SELECT t._file, t._row, '{blame}', 'other_county', 'error', "
                f"NULL, '这一行属于其他县区：县区填报员只能上传本县区（{county}）的数据，请删除这一行。' "
                f"FROM stg_{t.name} t WHERE {expr} IS DISTINCT FROM {checks.lit(county)}")


def _numeric_code_cells(con, i, raw: RawFile, mapping, table) -> None:
    """xlsx cells stored as numbers in identifier columns lose leading zeros: reject them."""
    code_cols = {mapping[c.name]: c for c in table.columns if c.is_code and c.name in mapping}
    rows = [(i, r, code_cols[ci].name, "number_as_code", ERROR, None,
             "编码存成了数字格式：请把该列设置为“文本”格式后重新输入编码（保留开头的0）。")
            for r, ci in raw.numeric_cells if ci in code_cols]
    if rows:
        con.executemany("INSERT INTO problems VALUES (?, ?, ?, ?, ?, ?, ?)", rows)


def _county_of(t: schema.Table, alias: str, db: str) -> str:
    return t.county_sql.format(t=alias, db=db)


def _current_views(con, by_table, modes) -> None:
    for t in schema.SNAPSHOT_TABLES:
        cols = ", ".join(t.column_names)
        if t.name not in by_table:
            con.execute(f"CREATE TEMP VIEW cur_{t.name} AS SELECT {cols} FROM w.{t.name}")
            continue
        keep = "TRUE"
        if t.key:
            match = " AND ".join(f"s.{k} = x.{k}" for k in t.key)
            keep = f"NOT EXISTS (SELECT 1 FROM stg_{t.name} s WHERE {match})"
        if modes[t.name] == schema.REPLACE and t.year_column and t.county_sql:
            con.execute(f"CREATE TEMP TABLE scope_{t.name} AS SELECT DISTINCT {t.year_column} AS year, "
                        f"{_county_of(t, 's', 'cur_')} AS county_code FROM stg_{t.name} s WHERE {t.year_column} IS NOT NULL")
            keep += (f" AND NOT EXISTS (SELECT 1 FROM scope_{t.name} sc WHERE sc.year = x.{t.year_column} "
                     f"AND sc.county_code = {_county_of(t, 'x', 'w.')})")
        con.execute(f"CREATE TEMP VIEW cur_{t.name} AS SELECT {cols} FROM w.{t.name} x WHERE {keep} "
                    f"UNION ALL SELECT {cols} FROM stg_{t.name}")


def _check_table(con, t: schema.Table, has_warehouse: bool) -> None:
    fk_sql = {c.name: f"SELECT {c.fk.split('.')[1]} FROM cur_{c.fk.split('.')[0]}" for c in t.columns if c.fk}
    enum_values = {c.enum: schema.enum_values(c.enum) for c in t.columns if c.enum}
    sqls = [s.replace("FROM stg WHERE", f"FROM stg_{t.name} WHERE")
            for s in checks.column_checks(t, enum_values, fk_sql)]
    for c in t.columns:
        if c.derived_from:
            sqls.append(f"SELECT _file, _row, '{c.name}', 'year_mismatch', 'error', NULL, "
                        f"'年度与{t.column(c.derived_from).header}所在年份不一致，请核对。' FROM stg_{t.name} "
                        f"WHERE n_{c.name} IS NOT NULL AND {c.name} <> year({c.derived_from})")  # year is an int column
    if t.key:
        key = ", ".join(t.key)
        not_null = " AND ".join(f"{k} IS NOT NULL" for k in t.key)
        heads = "+".join(t.column(k).header for k in t.key)
        # keys seen twice are found by a cheap GROUP BY; only their rows get the window listing the others
        same = " AND ".join(f"s.{k} = d.{k}" for k in t.key)
        sqls.append(f"SELECT _file, _row, '{t.key[-1]}', 'duplicate_key', 'error', CAST({t.key[-1]} AS VARCHAR), "
                    f"'与第' || others || '行重复（{heads}相同），同一记录只能出现一次。' FROM ("
                    f"SELECT _file, _row, {key}, "
                    f"array_to_string(list_sort(list_filter(list(_row) OVER w2, lambda x: x <> _row)), '、') AS others "
                    f"FROM stg_{t.name} s SEMI JOIN (SELECT {key} FROM stg_{t.name} WHERE {not_null} GROUP BY ALL "
                    f"HAVING count(*) > 1) d ON {same} WINDOW w2 AS (PARTITION BY {key}))")
        if has_warehouse and t.county_sql and t.year_column not in t.key and len(t.key) == 1:
            k = t.key[0]
            sqls.append(f"SELECT t._file, t._row, '{k}', 'key_in_other_county', 'error', t.{k}, "
                        f"'该编号已被其他县区的记录使用：编号在所有县区中须唯一，请改用本县区的编号。' FROM stg_{t.name} t "
                        f"JOIN w.{t.name} x ON x.{k} = t.{k} WHERE {_county_of(t, 'x', 'cur_')} <> {_county_of(t, 't', 'cur_')}")
    for rule in t.rules:
        sqls.append(f"SELECT t._file, t._row, {checks.lit(rule.column)}, {checks.lit(rule.code)}, {checks.lit(rule.severity)}, "
                    f"NULL, {checks.lit(rule.message)} FROM stg_{t.name} t WHERE {rule.when}")
    for sql in sqls:  # one statement each: a UNION ALL of them all held several join and group tables at once
        con.execute(f"INSERT INTO problems {sql}")


def _collect(con, files: list[FileReport]) -> tuple[list[Problem], dict[str, int]]:
    counts = dict(con.execute("SELECT severity, count(*) FROM problems GROUP BY ALL").fetchall())
    counts = {ERROR: counts.get(ERROR, 0), WARNING: counts.get(WARNING, 0)}
    con.execute(f"CREATE OR REPLACE TEMP TABLE listed AS SELECT row_number() OVER () AS idx, * FROM (SELECT * FROM "
                f"problems ORDER BY severity, _file, _row, col LIMIT {MAX_LISTED})")
    _fill_values(con, files)
    rows = con.execute("SELECT _file, _row, col, code, severity, value, message FROM listed ORDER BY idx").fetchall()
    problems = []
    position = {(t.name, c.name): i for t in schema.TABLES for i, c in enumerate(t.columns)}
    rows.sort(key=lambda r: (r[4] != ERROR, r[0], r[1] or 0, position.get((files[r[0]].table, r[2]), 0)))
    for fi, row, col, code, severity, value, message in rows:
        table = schema.BY_NAME[files[fi].table]
        problems.append(Problem(code, message, severity, row, table.column(col).header, value, files[fi].name, table.name))
    total = counts[ERROR] + counts[WARNING]
    if total > len(problems):
        if counts[ERROR]:
            text = f"共发现{total}个问题，此处只列出前{len(problems)}个；请先修正以上问题后重新上传。"
        else:  # warnings only: the batch can be published; the dashboard lists every warning afterwards
            text = (f"共发现{total}条警告，此处只列出前{len(problems)}条；警告不阻止入库，发布后可在总览"
                    f"和县区画像的“政策性提示”中查看全部。")
        problems.append(Problem("too_many_problems", text, ERROR if counts[ERROR] else WARNING))
    return problems, counts


def _fill_values(con, files: list[FileReport]) -> None:
    """The offending value as written in the file, looked up in the raw text for the listed problems only."""
    for name in {f.table for f in files if f.table}:
        case = "CASE l.col " + " ".join(f"WHEN '{c.name}' THEN coalesce(r.r_{c.name}, r.{checks.nref(c)})"
                                        for c in schema.BY_NAME[name].columns) + " END"
        try:
            con.execute(f"UPDATE listed SET value = v.raw FROM (SELECT l.idx, {case} AS raw FROM listed l "
                        f"JOIN stg_{name} r ON r._file = l._file AND r._row = l._row) v "
                        f"WHERE listed.idx = v.idx AND listed.value IS NULL")
        except duckdb.CatalogException:
            continue  # the table was never staged (header errors only)


def read_paths(paths: list[Path]) -> list[tuple[str, Path]]:
    """Inputs for validate_batch from files on disk: each is read only while it is staged."""
    return [(Path(p).name, Path(p)) for p in paths]
