"""The CLI contract: exit 0 accepted, 1 rejected, 2 usage error; problems one per line starting 第N行."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from etl import publish
from tests.conftest import FIXTURES

ROOT = Path(__file__).resolve().parents[1]


def run(wh, *args):
    proc = subprocess.run([sys.executable, "-m", "etl", "--data-dir", str(wh.root), "--user", "测试", *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    return proc.returncode, proc.stdout, proc.stderr


def test_load_rejected_file_exits_1_and_prints_each_problem_by_row(wh):
    before = publish.current_version(wh)
    code, out, _ = run(wh, "load", str(FIXTURES / "bad_uploads" / "staff_count_negative.csv"))
    assert code == 1
    lines = [line for line in out.splitlines() if line.startswith("第")]
    assert lines and lines[0].startswith("第2行，列“实有工作人员数”")
    assert "数据没有任何改动" in out
    assert publish.current_version(wh) == before


def test_load_accepted_file_exits_0_and_publishes(wh, tmp_path):
    f = tmp_path / "机构.csv"
    f.write_bytes("年度,县区代码,机构名称,机构类型,实有工作人员数\r\n2024,990102,办公室,办事机构,6\r\n".encode("gb18030"))
    before = publish.current_version(wh)
    code, out, _ = run(wh, "load", str(f))
    assert code == 0, out
    assert "gb18030" in out and f"v{before + 1}" in out
    code, out, _ = run(wh, "versions")
    assert code == 0 and f"*v{before + 1}" in out


def test_dry_run_writes_nothing(wh, tmp_path):
    f = tmp_path / "机构.csv"
    f.write_text("年度,县区代码,机构名称,机构类型,实有工作人员数\n2024,990102,办公室,办事机构,6\n", encoding="utf-8")
    before = publish.current_version(wh)
    code, out, _ = run(wh, "load", "--dry-run", str(f))
    assert code == 0 and "试运行" in out
    assert publish.current_version(wh) == before


@pytest.mark.parametrize("args", [["load"], ["load", "no_such_file.csv"], ["load", "--table", "no_such", "x.csv"],
                                  ["frobnicate"]])
def test_usage_errors_exit_2(wh, args):
    code, _, err = run(wh, *args)
    assert code == 2


def test_rollback_and_rebuild_from_the_cli(wh, tmp_path):
    first = publish.current_version(wh)
    f = tmp_path / "机构.csv"
    f.write_text("年度,县区代码,机构名称,机构类型,实有工作人员数\n2024,990102,办公室,办事机构,6\n", encoding="utf-8")
    assert run(wh, "load", str(f))[0] == 0
    code, out, _ = run(wh, "rollback", str(first), "--reason", "误传")
    assert code == 0 and "已回滚" in out
    code, out, _ = run(wh, "rebuild", str(first), "--out", str(tmp_path / "rebuilt"))
    assert code == 0, out
    assert publish.current_version(publish.data_paths(tmp_path / "rebuilt")) is not None


def test_templates_command_writes_csv_and_xlsx(tmp_path, wh):
    code, out, _ = run(wh, "templates", "--out", str(tmp_path / "t"))
    assert code == 0
    assert (tmp_path / "t" / "fact_suggestion.xlsx").exists() and (tmp_path / "t" / "fact_suggestion.csv").exists()
