"""Shared fixtures: warehouses built from tests/fixtures in temp dirs (never the one in data/)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from etl import publish

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def mini_city_template(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("mini_city") / "data"
    publish.build(publish.data_paths(root), FIXTURES / "mini_city", user="测试")
    return root


@pytest.fixture(scope="session")
def demo_wh(tmp_path_factory) -> publish.Paths:
    """The demo city 清川市 built once per test session (read-only use: do not publish into it)."""
    p = publish.data_paths(tmp_path_factory.mktemp("demo") / "data")
    publish.build(p, publish.DEMO_DIR, user="测试")
    return p


@pytest.fixture
def wh(mini_city_template, tmp_path) -> publish.Paths:
    """A private copy of the mini-city warehouse for one test."""
    root = tmp_path / "data"
    shutil.copytree(mini_city_template, root)
    return publish.data_paths(root)


def read_fixture(*parts: str) -> tuple[str, bytes]:
    path = FIXTURES.joinpath(*parts)
    return path.name, path.read_bytes()
