"""The data contract in code: one registry of tables, columns and rules (data-model.md §2).

Templates, validators, DDL and the 数据字典 page are all generated from `TABLES`. Table and column names
are binding (data-model.md); declarations live in `contract_dims`, `contract_facts` and `contract_cfg`.
"""
from __future__ import annotations

from dataclasses import dataclass

TEXT, INT, DEC, BOOL, DATE = "text", "int", "decimal", "bool", "date"
ERROR, WARNING = "error", "warning"
UPSERT, REPLACE = "upsert", "replace"

CURRENT_YEAR_SQL = "year(current_date)"


@dataclass(frozen=True)
class Column:
    name: str                       # English snake_case, binding
    header: str                     # Chinese 显示名 = CSV/xlsx template header, binding
    kind: str = TEXT                # text | int | decimal | bool | date
    sql_type: str = "VARCHAR"
    required: bool = False
    min: float | None = None        # hard range: error outside
    max: float | None = None
    warn_min: float | None = None   # soft range: warning outside
    warn_max: float | None = None
    step: float | None = None       # e.g. 0.5 for half days
    regex: str | None = None
    regex_hint: str = ""            # Chinese description of the format, e.g. "6位数字"
    min_len: int | None = None
    max_len: int | None = None
    enum: str | None = None         # cfg_enum domain
    fk: str | None = None           # "table.column"
    is_code: bool = False           # identifier: reject numbers stored by Excel and 1.1E+17
    percent: bool = False           # accepts a trailing % sign (value already in percent)
    not_future: bool = False        # a year that may not be later than the current year
    derived_from: str | None = None # e.g. year derived from a date column; may be omitted in files
    note: str = ""                  # Chinese: rule text for the data dictionary and 填写说明
    provenance: str = ""            # [L] [P] [E] [A]
    unit: str = ""


@dataclass(frozen=True)
class Rule:
    """A cross-field or cross-table rule, evaluated in SQL over staged rows `t`.

    `when` is a SQL condition that is TRUE for a violating row. It may use the views `cur_<table>`
    (the warehouse as it would be after this batch) and `cfg('rule_code')` for thresholds.
    """
    code: str
    column: str                     # the column to blame (English name)
    when: str
    message: str                    # Chinese; may use {value}
    severity: str = ERROR
    provenance: str = ""


@dataclass(frozen=True)
class Table:
    name: str
    label: str                      # Chinese name
    kind: str                       # dim | fact | cfg | meta
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    rules: tuple[Rule, ...] = ()
    mode: str = UPSERT              # default upload semantics
    year_column: str | None = None  # scope of REPLACE: (year, county)
    county_sql: str | None = None   # SQL for a row's county, with {t} = row alias and {db} = schema prefix
    store: str = "snapshot"         # snapshot | app (app store survives data rollback)
    uploadable: bool = True
    order: int = 50                 # load order within a batch (dimensions first)
    description: str = ""
    provenance: str = ""
    mode_note: str = ""             # Chinese: what an upload of this table replaces

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name}.{name}")

    @property
    def required_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.required and not c.derived_from)


# --- column shorthands -----------------------------------------------------------------------------

def code(name, header, digits=None, *, regex=None, hint="", **kw) -> Column:
    if digits:
        regex, hint = rf"^\d{{{digits}}}$", hint or f"{digits}位数字"
    return Column(name, header, TEXT, "VARCHAR", regex=regex, regex_hint=hint, is_code=True, **kw)


def text(name, header, max_len=200, **kw) -> Column:
    return Column(name, header, TEXT, "VARCHAR", max_len=max_len, **kw)


def integer(name, header, lo=0, hi=None, sql_type="SMALLINT", **kw) -> Column:
    return Column(name, header, INT, sql_type, min=lo, max=hi, **kw)


def decimal(name, header, sql_type="DECIMAL(12,2)", lo=0, hi=None, **kw) -> Column:
    return Column(name, header, DEC, sql_type, min=lo, max=hi, **kw)


def boolean(name, header, **kw) -> Column:
    return Column(name, header, BOOL, "BOOLEAN", **kw)


def date(name, header, **kw) -> Column:
    return Column(name, header, DATE, "DATE", **kw)


def enum(name, header, domain, **kw) -> Column:
    return Column(name, header, TEXT, "VARCHAR", enum=domain, **kw)


def year(name="year", header="年度", **kw) -> Column:
    kw.setdefault("required", True)
    return Column(name, header, INT, "SMALLINT", min=2015, max=2035, not_future=True, **kw)


def county(header="县区代码", required=True, **kw) -> Column:
    return code("county_code", header, 6, fk="dim_county.county_code", required=required, **kw)


def township(header="乡镇街道代码", required=True, **kw) -> Column:
    return code("township_code", header, 9, fk="dim_township.township_code", required=required, **kw)


# --- rule snippets shared by several tables --------------------------------------------------------

def prefix_rule(col="township_code", county_col="county_code") -> Rule:
    return Rule("code_prefix_mismatch", col,
                f"t.{col} IS NOT NULL AND t.{county_col} IS NOT NULL AND left(t.{col}, 6) <> t.{county_col}",
                "乡镇街道代码的前6位必须等于所属县区代码，请核对两列是否填在同一县区。")


def township_type_rule(col="township_code", when="TRUE", what="本项") -> Rule:
    """The township must be a 乡/镇/民族乡 (streets have no 乡级人大)."""
    return Rule("not_a_township", col,
                f"({when}) AND t.{col} IS NOT NULL AND EXISTS (SELECT 1 FROM cur_dim_township d "
                f"WHERE d.township_code = t.{col} AND d.unit_type = '街道')",
                f"{what}只适用于乡、民族乡、镇；街道没有乡级人民代表大会，请改填乡镇代码。")


def active_township_rule(col="township_code") -> Rule:
    return Rule("unit_not_active", col,
                f"t.{col} IS NOT NULL AND t.year IS NOT NULL AND EXISTS (SELECT 1 FROM cur_dim_township d "
                f"WHERE d.township_code = t.{col} AND NOT (d.valid_from_year <= t.year AND "
                f"(d.valid_to_year IS NULL OR d.valid_to_year >= t.year)))",
                "该乡镇街道在本年度不存在（已撤并或尚未设立），请核对代码或「生效年份/失效年份」。")


def township_county_sql() -> str:
    return "left({t}.township_code, 6)"


# --- the registry ----------------------------------------------------------------------------------

def _collect() -> tuple[Table, ...]:
    from etl import contract_cfg, contract_dims, contract_events, contract_facts
    tables = contract_dims.TABLES + contract_facts.TABLES + contract_events.TABLES + contract_cfg.TABLES
    return tuple(sorted(tables, key=lambda t: (t.order, t.name)))


_REGISTRY: dict[str, object] = {}


def __getattr__(name: str):
    """TABLES, BY_NAME, SNAPSHOT_TABLES and UPLOADABLE are assembled on first use, so the contract modules
    (which import this one) may be imported in any order."""
    if name not in ("TABLES", "BY_NAME", "SNAPSHOT_TABLES", "UPLOADABLE"):
        raise AttributeError(name)
    if not _REGISTRY:
        tables = _collect()
        _REGISTRY.update(TABLES=tables, BY_NAME={t.name: t for t in tables},
                         SNAPSHOT_TABLES=tuple(t for t in tables if t.store == "snapshot"),
                         UPLOADABLE=tuple(t for t in tables if t.uploadable))
    return _REGISTRY[name]


LINEAGE = (Column("_batch", "批次", INT, "INTEGER"), Column("_row", "来源行号", INT, "INTEGER"))


def enum_values(domain: str) -> tuple[str, ...]:
    from etl.contract_cfg import ENUMS
    return tuple(v for v, _ in ENUMS[domain])


def ddl(table: Table, schema: str = "", name: str | None = None) -> str:
    """CREATE TABLE from the registry; range CHECKs and NOT NULL keys are a second line of defence.
    Uploadable tables carry no PRIMARY KEY: DuckDB must hold a key's whole index in memory to commit
    (a nation-scale load ran out of it). Their keys are unique by validation (duplicate_key), by publish
    (rows with a re-sent key are deleted first) and by a spillable check before commit (publish._apply).
    The small tables only the code writes keep theirs."""
    prefix = f"{schema}." if schema else ""
    parts = []
    for c in table.columns:
        checks = []
        if c.min is not None and c.kind in (INT, DEC):
            checks.append(f"{c.name} >= {c.min}")
        if c.max is not None and c.kind in (INT, DEC):
            checks.append(f"{c.name} <= {c.max}")
        check = f" CHECK ({' AND '.join(checks)})" if checks else ""
        not_null = " NOT NULL" if c.name in table.key else ""
        parts.append(f"{c.name} {c.sql_type}{not_null}{check}")
    if table.uploadable:
        parts += [f"{c.name} {c.sql_type}" for c in LINEAGE]
    elif table.key:
        parts.append(f"PRIMARY KEY ({', '.join(table.key)})")
    return f"CREATE TABLE IF NOT EXISTS {prefix}{name or table.name} (\n  " + ",\n  ".join(parts) + "\n)"
