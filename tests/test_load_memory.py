"""Bounded memory in the validated load (issue 6): the scratch DuckDB honours $NPC_LOAD_MEMORY and spills into a
private directory under $NPC_TEMP_DIR that is gone when the batch closes; files given as paths are read again
for the archive only if unchanged."""
from __future__ import annotations

import os

import duckdb
import pytest

from etl import publish, validate
from etl.problems import ValidationFailed
from etl.publish import PublishFailed

HEADER = "年度,县区代码,机构名称,机构类型,实有工作人员数"


def _bodies(n: int, bad_row: int | None = None) -> bytes:
    lines = [HEADER] + [f"2024,990102,其他:机构{i},工作委员会,3" for i in range(n)]
    if bad_row:
        lines[bad_row - 1] = f"2024,990102, 其他:机构{bad_row - 2},工作委员会,－５"   # full-width, leading space
    return ("\n".join(lines) + "\n").encode()


def _problems(batch):
    return [(p.row, p.column, p.code, p.value) for p in batch.problems]


def test_memory_setting_parsing(monkeypatch):
    ram_mb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 1048576
    assert validate.stage_memory_mb("1GB") == 1024
    assert validate.stage_memory_mb("1.5g") == 1536
    assert validate.stage_memory_mb("300") == validate.stage_memory_mb("300MB") == 300
    assert validate.stage_memory_mb("10%") == max(validate.MIN_MEMORY_MB, ram_mb // 10)
    assert validate.stage_memory_mb("1MB") == validate.MIN_MEMORY_MB == 256   # never below the floor
    default = max(validate.MIN_MEMORY_MB, min(validate.DEFAULT_MEMORY_MB, ram_mb // 4))
    assert validate.stage_memory_mb("很多") == validate.stage_memory_mb("") == default
    monkeypatch.setenv(validate.MEMORY_ENV, "400MB")
    assert validate.stage_memory_mb() == 400


def test_tiny_limit_validates_identically_spills_and_leaves_no_temp_files(wh, monkeypatch, tmp_path):
    data = _bodies(4000, bad_row=3001)
    reference = publish.validate(wh, [("bodies.csv", data)])
    expected = _problems(reference)
    reference.close()
    assert expected == [(3001, "实有工作人员数", "below_minimum", "－５"),   # the value as written in the file
                        (3001, "实有工作人员数", "small_body", "－５")]

    spill = tmp_path / "spill"
    monkeypatch.setattr(validate, "MIN_MEMORY_MB", 64)     # tinier than production allows, to spill cheaply
    monkeypatch.setenv(validate.MEMORY_ENV, "64MB")
    monkeypatch.setenv(validate.TEMP_ENV, str(spill))
    batch = publish.validate(wh, [("bodies.csv", data)])
    try:
        assert _problems(batch) == expected
        limit, temp, order = batch.con.execute(
            "SELECT current_setting('memory_limit'), current_setting('temp_directory'), "
            "current_setting('preserve_insertion_order')").fetchone()
        assert limit.endswith("MiB") and float(limit.split()[0]) <= 64
        assert temp.startswith(str(spill / "npc_stage")) and order is False
        # more than the limit in the same connection: it spills into its own directory instead of failing
        batch.con.execute("CREATE TEMP TABLE big AS SELECT i, md5(i::VARCHAR) || md5((i + 1)::VARCHAR) AS s "
                          "FROM range(1500000) r(i)")
        assert batch.con.execute("SELECT count(DISTINCT s) FROM big").fetchone()[0] == 1_500_000
        assert any(os.scandir(temp))
    finally:
        batch.close()
    assert not os.path.exists(temp)
    assert list((spill / "npc_stage").iterdir()) == []


def test_spill_directories_of_dead_processes_are_removed(monkeypatch, tmp_path):
    monkeypatch.setenv(validate.TEMP_ENV, str(tmp_path))
    base = validate.stage_temp_base()
    dead, mine = base / "999999999_old", base / f"{os.getpid()}_live"
    for d in (dead, mine):
        d.mkdir(parents=True)
        (d / "duckdb_temp_block").write_bytes(b"x")
    validate.stage_config()
    assert not dead.exists() and mine.exists()


def test_path_inputs_are_archived_only_if_unchanged(wh, tmp_path):
    f = tmp_path / "bodies.csv"
    f.write_bytes(_bodies(50))
    batch = publish.validate(wh, validate.read_paths([f]))
    assert batch.ok and batch.files[0].source == f
    assert batch.files[0].data == f.read_bytes()
    f.write_bytes(_bodies(51))                   # changed between validation and publish: nothing is published
    before = publish.current_version(wh)
    with pytest.raises(PublishFailed):
        publish.publish(wh, batch, "测试")
    batch.close()
    assert publish.current_version(wh) == before
    assert not any(wh.uploads.glob("*.csv")) or all(
        p.read_bytes() != f.read_bytes() for p in wh.uploads.glob("*.csv"))

    f.write_bytes(_bodies(50))
    batch = publish.validate(wh, validate.read_paths([f]))
    version = publish.publish(wh, batch, "测试")
    batch.close()
    assert version == before + 1
    assert (wh.uploads / f"{batch.files[0].sha256}.csv").read_bytes() == f.read_bytes()


def test_a_path_rewritten_with_the_same_size_or_merely_touched_is_judged_by_its_content(wh, tmp_path):
    """The archive copies an untouched path without hashing it again; a changed size, time or inode falls back
    to the sha256 of the content."""
    f = tmp_path / "bodies.csv"
    original = _bodies(60)
    f.write_bytes(original)
    batch = publish.validate(wh, validate.read_paths([f]))
    assert batch.ok and batch.files[0].unchanged()
    same_size = original.replace("工作委员会,3".encode(), "工作委员会,4".encode(), 1)
    assert len(same_size) == len(original) and same_size != original
    f.write_bytes(same_size)                    # same size, new content
    os.utime(f, ns=(batch.files[0].stat[1] + 10**9,) * 2)
    assert not batch.files[0].unchanged()
    before = publish.current_version(wh)
    with pytest.raises(PublishFailed, match="校验之后被改动"):
        publish.publish(wh, batch, "测试")
    batch.close()
    assert publish.current_version(wh) == before

    f.write_bytes(original)
    batch = publish.validate(wh, validate.read_paths([f]))
    os.utime(f, ns=(batch.files[0].stat[1] + 10**9,) * 2)   # touched, content as validated: published
    assert not batch.files[0].unchanged()
    version = publish.publish(wh, batch, "测试")
    batch.close()
    assert version == before + 1
    assert (wh.uploads / f"{batch.files[0].sha256}.csv").read_bytes() == original


def test_out_of_memory_is_a_chinese_problem_and_changes_nothing(wh, monkeypatch):
    monkeypatch.setattr(validate, "MIN_MEMORY_MB", 16)
    monkeypatch.setenv(validate.MEMORY_ENV, "16MB")
    before = publish.current_version(wh)
    batch = publish.validate(wh, [("bodies.csv", _bodies(300_000))])
    assert not batch.ok and batch.con is None
    assert [p.code for p in batch.problems] == ["out_of_memory"]
    assert "NPC_LOAD_MEMORY" in batch.problems[0].message and "16MB" in batch.problems[0].message
    with pytest.raises(ValidationFailed):
        publish.publish(wh, batch, "测试")
    assert publish.current_version(wh) == before


def test_the_publish_connection_is_bounded_too_and_spills_rather_than_failing(wh, monkeypatch, tmp_path):
    """A publish from a page runs in the server process: its marts connection honours $NPC_PUBLISH_MEMORY
    (default half the RAM) and spills under $NPC_TEMP_DIR; the result equals an unbounded publish."""
    import shutil

    import duckdb

    from etl import marts, warehouse
    assert publish.publish_config()["memory_limit"] == f"{validate.ram_mb() // 2}MB"
    spill = tmp_path / "spill"
    monkeypatch.setattr(validate, "MIN_MEMORY_MB", 32)
    monkeypatch.setenv(publish.PUBLISH_MEMORY_ENV, "32MB")
    monkeypatch.setenv(validate.TEMP_ENV, str(spill))
    seen = {}
    real = marts.build_marts

    def spy(con, *a, **k):
        seen["limit"], seen["temp"] = con.execute("SELECT current_setting('memory_limit'), "
                                                  "current_setting('temp_directory')").fetchone()
        return real(con, *a, **k)
    monkeypatch.setattr(marts, "code_fingerprint", lambda: "newer-code")   # a full rebuild of every mart
    monkeypatch.setattr(marts, "build_marts", spy)
    version = publish.refresh_marts(wh)
    assert float(seen["limit"].split()[0]) <= 32 and seen["temp"].startswith(str(spill / "npc_stage"))
    assert list((spill / "npc_stage").iterdir()) == []          # removed when the connection closed
    monkeypatch.undo()
    bounded = duckdb.connect(str(wh.snapshot(version)), read_only=True)
    check = publish.data_paths(tmp_path / "again")
    shutil.copytree(wh.root, check.root)
    unbounded_version = publish.refresh_marts(check)   # its marts carry "newer-code": rebuilt again, unbounded
    assert unbounded_version == version + 1
    unbounded = duckdb.connect(str(check.snapshot(unbounded_version)), read_only=True)
    tables = ["mart_kpi", "mart_index_total", "mart_policy_warning", "mart_points_low", "mart_points_grade"]
    assert warehouse.signature(bounded, tables) == warehouse.signature(unbounded, tables)


def test_only_a_batch_that_fits_in_memory_skips_the_automatic_checkpoints(monkeypatch, tmp_path):
    monkeypatch.setenv(validate.MEMORY_ENV, "768MB")
    big = tmp_path / "积分.csv"
    with open(big, "wb") as f:       # sparse: 300 MB on paper, nothing on disk
        f.truncate(300 * 1048576)
    assert validate.input_mb([("a.csv", b"x" * 1048576), ("b.xlsx", b"x" * 1048576)]) == 1 + validate.XLSX_EXPANSION
    small, large = validate.input_mb([("a.csv", b"x" * 1048576)]), validate.input_mb([(big.name, big)])
    assert "checkpoint_threshold" not in validate.stage_config()         # size unknown: DuckDB's default
    assert validate.stage_config(small)["checkpoint_threshold"] == "1TB"
    assert "checkpoint_threshold" not in validate.stage_config(large)    # 3 × 300 MB > 768 MB: may spill
    con = duckdb.connect(config=validate.stage_config(small))
    assert con.execute("SELECT current_setting('checkpoint_threshold')").fetchone()[0] != "16.0 MiB"
    con.close()
