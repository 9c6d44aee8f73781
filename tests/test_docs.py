"""The README stays true: it documents every uploadable table, every KPI and every CLI command."""
from pathlib import Path

import pytest

from etl import cli, schema
from etl.indicators import INDICATORS

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_readme_starts_with_the_two_commands():
    block = README.split("```bash\n", 1)[1].split("```", 1)[0].strip().splitlines()
    assert block == ["bash .ci/setup requirements.txt && python -m etl build && python -m streamlit run dashboard.py",
                     "bash .ci/run"]
    assert "bash .ci/setup requirements-dev.txt" in Path(".ci/run").read_text()


@pytest.mark.parametrize("table", [t.name for t in schema.UPLOADABLE])
def test_every_uploadable_table_is_documented(table):
    assert f"`{table}`" in README


@pytest.mark.parametrize("code", [i.code for i in INDICATORS])
def test_every_indicator_is_documented(code):
    assert f"`{code}`" in README


def test_every_cli_command_is_documented():
    sub = next(a for a in cli.parser()._actions if a.dest == "command")
    for name in sub.choices:
        assert f"python -m etl {name}" in README, name


def test_every_page_and_role_is_documented():
    from etl.auth import ROLES
    from pages._common.nav import PAGES
    for page in PAGES:
        assert f"| {page.label} | `{page.path}` |" in README, page.label
    for code, label in ROLES.items():
        assert f"| {label} | `{code}` |" in README, code
