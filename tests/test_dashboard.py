"""AppTest of the entrypoint: the cards show exactly the city's mart_kpi values; first start builds."""
from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from etl import fmt, publish
from etl.indicators import BY_CODE
from pages._common import cards

APP = str(Path(__file__).resolve().parents[1] / "dashboard.py")


def open_app(root, monkeypatch, timeout=60) -> AppTest:
    monkeypatch.setenv("NPC_DATA_DIR", str(root))
    return AppTest.from_file(APP, default_timeout=timeout).run()


def test_headline_cards_equal_the_marts(demo_wh, monkeypatch):
    at = open_app(demo_wh.root, monkeypatch)
    assert not at.exception and not at.error
    _, con = publish.open_snapshot(demo_wh)
    year = con.execute("SELECT max(year) FROM mart_kpi WHERE level = '市'").fetchone()[0]
    rows = dict(con.execute("SELECT kpi_code, value FROM mart_kpi WHERE level = '市' AND year = ?", (year,)).fetchall())
    con.close()
    shown = [m.value for m in at.metric]
    expected = [fmt.fmt_value(rows[c], BY_CODE[c].unit) for c in cards.HEADLINE if c in rows]
    assert shown == expected and len(shown) >= 10
    assert any("演示数据" in m.value and "badge" in m.value for m in at.markdown)
    statuses = [m.value for m in at.markdown if m.value.startswith(":") and "-badge[" in m.value][1:]
    assert len(statuses) == len(shown) and all(any(z in s for z in fmt.STATUS_ZH.values()) for s in statuses)
    assert f"{year}年" in at.subheader[0].value


def test_first_start_builds_the_warehouse_from_the_demo_files(tmp_path, monkeypatch):
    root = tmp_path / "empty"
    at = open_app(root, monkeypatch, timeout=300)
    assert not at.exception
    assert publish.current_version(publish.data_paths(root)) is not None
    at.run()
    assert len(at.metric) >= 10


def test_a_page_error_shows_chinese_and_no_traceback(demo_wh, monkeypatch):
    from pages._common import data
    monkeypatch.setattr(data, "city_kpis", lambda *a: (_ for _ in ()).throw(RuntimeError("boom")))
    at = open_app(demo_wh.root, monkeypatch)
    assert not at.exception
    assert "页面出现错误" in at.error[0].value and "boom" not in at.error[0].value
