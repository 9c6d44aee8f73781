"""The load benchmark's generator makes valid rows, and `python -m bench` writes a JSON of the right shape.

No timing assertions: timings on a shared 2-core machine are noise. Figures live in docs/performance.md.
"""
from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pytest

from bench import gen, load
from etl import publish, schema

N = 2000


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> publish.Paths:
    return gen.build_warehouse(tmp_path_factory.mktemp("bench_demo") / "data")


def _validate(p: publish.Paths, path) -> publish.Batch:
    batch = publish.validate(p, [(path.name, path.read_bytes())])
    batch.close()
    return batch


def test_generated_rows_are_valid(demo, tmp_path):
    path = tmp_path / "fact_suggestion.csv"
    size = gen.generate(demo, N, path)
    data = path.read_bytes()
    assert size == len(data) and data.startswith(gen.BOM)
    headers = data[3:data.index(b"\r\n")].decode("utf-8").split(",")
    assert headers == [c.header for c in schema.BY_NAME["fact_suggestion"].columns]
    batch = _validate(demo, path)
    assert [f.table for f in batch.files] == ["fact_suggestion"]
    assert batch.files[0].rows == N
    assert batch.counts == {"error": 0, "warning": 0}, batch.problems[:5]


def test_generator_is_deterministic(demo):
    assert gen.generate_table(demo, 300).equals(gen.generate_table(demo, 300))


def test_validator_does_catch_a_broken_row(demo, tmp_path):
    """Control: the same generator output with one row moved to another county is refused."""
    table = gen.generate_table(demo, 200)
    col = table.schema.get_field_index("县区代码")
    codes = table.column(col).to_pylist()
    codes[0] = "990101" if codes[0] != "990101" else "990102"
    path = tmp_path / "broken.csv"
    gen.write_csv(table.set_column(col, "县区代码", pa.array(codes, pa.string())), path)
    batch = _validate(demo, path)
    assert batch.counts["error"] >= 1
    found = {(q.code, q.row) for q in batch.problems}
    assert ("deputy_other_county", 2) in found and ("unit_other_county", 2) in found


@pytest.mark.slow
def test_benchmark_json_shape(tmp_path):
    """A tiny end-to-end run: every step in its own subprocess, one repeat, with the phase profile."""
    out = tmp_path / "load.json"
    result = load.run(N, out, repeat=1, profile=True, log=lambda *_: None)
    saved = json.loads(out.read_text(encoding="utf-8"))
    assert saved["input"]["rows"] == N and saved["repeat"] == 1
    for key in ("nproc", "loadavg_start", "python", "duckdb", "pyarrow", "commit"):
        assert key in saved["machine"]
    assert set(saved["runs"]) == set(load.STEPS) and set(saved["summary"]) == set(load.STEPS)
    for step in load.STEPS:
        (run,) = saved["runs"][step]
        assert run["rows"] == N and run["seconds"] > 0 and run["peak_mb"] > 0
        s = saved["summary"][step]
        assert {"median_seconds", "rows_per_s", "peak_mb", "label"} <= set(s)
    assert saved["runs"]["validate"][0]["problems"] == {"error": 0, "warning": 0}
    assert set(saved["ratios"]) == {f"{w}/{r}" for w in ("validate", "load") for r in load.REFERENCES}
    for r in saved["ratios"].values():
        assert {"ratio", "peak_mb", "meets_ratio", "meets_memory", "meets_target"} <= set(r)
    prof = saved["profile"]
    assert prof["rows"] == N and prof["phases"] and prof["checks"] and prof["staging_columns"]
    assert "代表建议入库基准" in load.report(result)


@pytest.mark.slow
def test_scale_quick_json_shape(tmp_path):
    """`python -m bench --scale province --quick`: one synthetic city over 2 years, every step in a child."""
    from bench import __main__ as bench_main
    from bench import scale as bench_scale
    out = tmp_path / "scale_quick.json"
    assert bench_main.main(["--scale", "province", "--quick", "--out", str(out)]) == 0
    saved = json.loads(out.read_text(encoding="utf-8"))
    assert saved["scale"] == "province" and saved["quick"] is True
    gen = saved["generation"]
    assert gen["rows"]["dim_county"] == bench_scale.QUICK["counties"] and gen["seconds"] > 0
    assert saved["bare"]["rows"] == saved["load"]["rows"] == sum(gen["rows"].values())
    assert saved["load"]["ratio"] > 0 and saved["load"]["peak_mb"] > 0
    pub = saved["publish"]
    assert set(pub["per_file"]) == {p.name for p in (Path(__file__).parents[1] / "etl" / "sql").glob("*.sql")}
    assert pub["seconds"] >= pub["marts_seconds"] > 0
    assert "校验入库" in bench_scale.report(saved)
