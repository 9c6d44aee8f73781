"""AppTest of the entrypoint: the cards show exactly the city's mart_kpi values; first start builds."""
from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from etl import fmt, publish
from etl.indicators import BY_CODE
from pages._common import cards
from tests.apptest_utils import chart

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
    shown = [m.value for m in at.metric if m.label in {BY_CODE[c].name_zh for c in cards.HEADLINE}]
    expected = [fmt.fmt_value(rows[c], BY_CODE[c].unit) for c in cards.HEADLINE if c in rows]
    assert shown == expected and len(shown) >= 10
    assert any("演示数据" in m.value and "badge" in m.value for m in at.markdown)
    statuses = [m.value for m in at.markdown if m.value.startswith(":") and "-badge[" in m.value][1:]
    assert len(statuses) == len(shown) and all(any(z in s for z in fmt.STATUS_ZH.values()) for s in statuses)
    assert any(f"{year}年 主要指标" in h.value for h in at.subheader)
    ranking = [c for c in at.get("plotly_chart")]
    assert ranking, "the composite-index ranking chart is shown"


def test_first_start_builds_the_warehouse_from_the_demo_files(tmp_path, monkeypatch):
    root = tmp_path / "empty"
    at = open_app(root, monkeypatch, timeout=300)
    assert not at.exception
    assert publish.current_version(publish.data_paths(root)) is not None
    at.run()
    assert len(at.metric) >= 12


def test_a_page_error_shows_chinese_and_no_traceback(demo_wh, monkeypatch):
    from pages._common import data
    monkeypatch.setattr(data, "kpi_city_year", lambda *a: (_ for _ in ()).throw(RuntimeError("boom")))
    at = open_app(demo_wh.root, monkeypatch)
    assert not at.exception
    assert "页面出现错误" in at.error[0].value and "boom" not in at.error[0].value


def test_ranking_chart_equals_mart_index_total(demo_wh, monkeypatch):
    at = open_app(demo_wh.root, monkeypatch)
    ranking = chart(at, "综合指数")
    shown = {y.rstrip("†"): x for trace in ranking["traces"] for x, y in zip(trace["x"], trace["y"])}
    _, con = publish.open_snapshot(demo_wh)
    year = con.execute("SELECT max(year) FROM mart_index_total").fetchone()[0]
    expected = dict(con.execute("SELECT county_name, total FROM mart_index_total WHERE year = ?", (year,)).fetchall())
    con.close()
    assert shown.keys() == expected.keys()
    assert all(abs(shown[k] - expected[k]) < 1e-9 for k in expected)


def test_choosing_a_county_and_year_shows_that_county(demo_wh, monkeypatch):
    at = open_app(demo_wh.root, monkeypatch)
    at.selectbox(key="year").select(2022).run()
    at.selectbox(key="county").select("990105").run()
    assert not at.exception
    assert any("云渡县 2022年 主要指标" in h.value for h in at.subheader)
    assert at.query_params["county"] in ("990105", ["990105"]) and at.query_params["year"] in ("2022", ["2022"])
    _, con = publish.open_snapshot(demo_wh)
    value = con.execute("SELECT value FROM mart_kpi WHERE kpi_code = 'liuyou_rate' AND level = '县' "
                        "AND unit_code = '990105' AND year = 2022").fetchone()[0]
    con.close()
    liuyou = [m for m in at.metric if m.label == BY_CODE["liuyou_rate"].name_zh][0]
    assert liuyou.value == fmt.fmt_value(value, "%")
    points = at.markdown[[i for i, m in enumerate(at.markdown) if "要点" in m.value or "六有达标率" in m.value][0]]
    assert "云渡县" in points.value


def test_a_shared_link_opens_the_same_view(demo_wh, monkeypatch):
    monkeypatch.setenv("NPC_DATA_DIR", str(demo_wh.root))
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["year"] = "2023"
    at.query_params["county"] = "990103"
    at.run()
    assert any("松岭县 2023年 要点" in h.value for h in at.subheader)


def test_an_empty_warehouse_says_so_in_chinese_on_every_data_page(tmp_path, monkeypatch):
    from pages._common.nav import PAGES
    from tests.apptest_utils import open_page
    root = tmp_path / "data"
    publish.init_warehouse(publish.data_paths(root))  # schema and config, no uploaded data yet
    for path in [p.path for p in PAGES[1:7]]:
        at = open_page(root, monkeypatch, path, role="leader")  # real (non-demo) data: login required
        assert not at.exception, path
        assert any("还没有指标数据" in i.value for i in at.info), path
