"""The registry must contain every table, column and Chinese header named in data-model.md §2."""
import re
from pathlib import Path

import duckdb
import pytest

from etl import schema, warehouse
from etl.contract_cfg import ENUMS, RULE_DEFAULTS

def _find_doc() -> Path:
    """data-model.md lives in shared/ beside the repository (CI clones main with shared/ next to it)."""
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / "docs" / "data-model.md"
        if candidate.exists():
            return candidate
    raise FileNotFoundError("找不到 shared/docs/data-model.md（应位于仓库旁的 shared/ 目录中）")


DOC = _find_doc()
NAME = re.compile(r"`((?:dim|fact|cfg|meta)_[a-z_]+)")


def _section2() -> list[str]:
    text = DOC.read_text(encoding="utf-8")
    return text[text.index("## 2. Proposed DuckDB data model"):text.index("## 3. Headline indicators")].splitlines()


def documented() -> dict[str, dict[str, str | None]]:
    """table -> {column: Chinese header or None}, parsed from the Markdown tables and signatures of §2."""
    tables: dict[str, dict[str, str | None]] = {}
    current = None
    for line in _section2():
        sig = re.match(r"\|\s*`((?:cfg|meta)_[a-z_]+)\(([^)]*)\)`", line)
        if sig:
            cols = re.sub(r"\s*∈.*?}", "", sig.group(2))
            tables.setdefault(sig.group(1), {}).update({c.strip(): None for c in cols.split(",")})
            continue
        if line.startswith("#") or re.match(r"^`(?:dim|fact|cfg|meta)_[a-z_]+`", line):
            names = NAME.findall(line)
            if names:
                current = names[-1] if line.startswith("`") else names[0]
                tables.setdefault(current, {})
                if line.startswith("#") and len(names) > 1:
                    current = None  # several tables under one heading: each has its own `name` line
        key = re.match(r"Key: \(([^)]*)\)", line)
        if key and current:
            tables[current].update({k.strip(): None for k in key.group(1).split(",")})
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if current and line.startswith("|") and len(cells) >= 3 and cells[1] not in ("column", "") \
                and not set(cells[1]) <= set("-"):
            cols = [c.strip(" `") for c in cells[1].split(",")]
            heads = [h.strip() for h in cells[0].split("/")] if len(cols) > 1 else [cells[0]]
            if not all(re.fullmatch(r"[a-z0-9_]+", c) for c in cols):
                continue
            for i, c in enumerate(cols):
                tables[current][c] = heads[i] if len(heads) == len(cols) else None
    return tables


DOCUMENTED = documented()


def test_parser_found_the_document_tables():
    assert len(DOCUMENTED) >= 25
    assert "std_records" in DOCUMENTED["fact_station_year"]
    assert "unit_code" in DOCUMENTED["fact_livelihood_project"]


@pytest.mark.parametrize("table", sorted(DOCUMENTED))
def test_every_documented_table_and_column_is_in_the_registry(table):
    assert table in schema.BY_NAME, f"{table} missing from the registry"
    registered = schema.BY_NAME[table]
    for column, header in DOCUMENTED[table].items():
        assert column in registered.column_names, f"{table}.{column} missing"
        if header:
            assert registered.column(column).header == header, f"{table}.{column}: header differs"


def test_every_table_has_a_label_kind_and_description():
    for t in schema.TABLES:
        assert t.label and t.kind in ("dim", "fact", "cfg", "meta") and t.description
        assert t.name.startswith(t.kind + "_")
        assert all(k in t.column_names for k in t.key)


def test_rules_name_real_columns_and_severities():
    for t in schema.TABLES:
        for r in t.rules:
            assert r.column in t.column_names, (t.name, r.code)
            assert r.severity in ("error", "warning")
            assert re.search(r"[\u4e00-\u9fff]", r.message), "messages are Chinese"


def test_enum_columns_have_values_and_foreign_keys_point_to_keys():
    for t in schema.TABLES:
        for c in t.columns:
            if c.enum:
                assert ENUMS[c.enum]
            if c.fk:
                ref_table, ref_col = c.fk.split(".")
                assert schema.BY_NAME[ref_table].key == (ref_col,)


def test_ddl_creates_every_snapshot_table_and_rules_compile():
    """Every rule's SQL binds against the schema (catches typos before any upload does)."""
    con = duckdb.connect()
    warehouse.create_schema(con)
    warehouse.seed_config(con)
    for t in schema.SNAPSHOT_TABLES:
        con.execute(f"CREATE TEMP VIEW cur_{t.name} AS SELECT * FROM {t.name}")
    from etl import sqlfuncs
    sqlfuncs.install(con, "cur_cfg_rule")
    for t in schema.SNAPSHOT_TABLES:
        for r in t.rules:
            con.execute(f"SELECT count(*) FROM {t.name} t WHERE {r.when}")


def test_thresholds_used_by_rules_are_configured():
    used = set()
    for t in schema.TABLES:
        for r in t.rules:
            used |= set(re.findall(r"cfg(?:_text)?\('([a-z_]+)'\)", r.when))
    assert used <= set(RULE_DEFAULTS)
