"""AppTests of the 党委领导与保障, 民生实事票决, 口径说明 and 数据字典 pages: what they show equals the marts / registry."""
from __future__ import annotations

import math

import pandas as pd
import pytest
from streamlit.runtime.memory_media_file_storage import _calculate_file_id

from etl import dictionary, fmt, publish, schema, templates
from etl.indicators import BY_CODE, INDICATORS
from pages._common import charts_misc, data_misc, misc
from tests.apptest_utils import chart, charts, open_page

PARTY, VOTE = "pages/6_party.py", "pages/7_livelihood.py"
DEFS, DICT = "pages/10_definitions.py", "pages/11_dictionary.py"


@pytest.fixture(scope="module")
def mart(demo_wh):
    """Run a query on the demo snapshot and return a DataFrame."""
    _, con = publish.open_snapshot(demo_wh)
    yield lambda sql, params=(): con.execute(sql, params).fetchdf()
    con.close()


def _clean(at) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _points(fig, traces=None) -> dict:
    """{x: y} over the chosen traces (all by default)."""
    out = {}
    for t in fig["traces"]:
        if traces is None or traces(t["name"] or ""):
            out.update(zip(t["x"] or [], t["y"] or []))
    return out


def _close(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(math.isclose(float(a[k]), float(b[k]), abs_tol=1e-9) for k in a)


def _metrics(at) -> dict:
    return {m.label: m.value for m in at.metric}


def _kpi_units(mart, code: str, year: int, level: str, county: str | None = None) -> dict:
    df = mart("SELECT unit_name, value FROM mart_kpi WHERE kpi_code = ? AND year = ? AND level = ? "
              "AND (? IS NULL OR county_code = ?)", (code, year, level, county, county))
    return dict(zip(df["unit_name"], df["value"]))


def _year(mart) -> int:
    return int(mart("SELECT max(year) AS y FROM mart_kpi WHERE level = '市'")["y"].iloc[0])


# --- 党委领导与保障 --------------------------------------------------------------------------------------

def test_party_page_shows_the_marts(demo_wh, monkeypatch, mart):
    at = open_page(demo_wh.root, monkeypatch, PARTY)
    _clean(at)
    year = _year(mart)
    city = mart("SELECT kpi_code, value FROM mart_kpi WHERE level = '市' AND year = ?", (year,))
    values = dict(zip(city["kpi_code"], city["value"]))
    shown = _metrics(at)
    for code in misc.PARTY_KPIS:
        assert shown[BY_CODE[code].name_zh] == fmt.fmt_value(values[code], BY_CODE[code].unit)

    reports = chart(at, f"{year}年 各县区县委听取人大工作汇报次数")
    assert _close(_points(reports), _kpi_units(mart, "party_report_count", year, "县"))
    codes = {c[0] for t in reports["traces"] for c in t["customdata"]}
    assert codes == set(mart("SELECT county_code FROM dim_county")["county_code"])  # drill-down codes

    party = mart("SELECT * FROM mart_party WHERE year = ?", (year,))
    meeting = chart(at, "本届人大工作会议召开情况")
    for trace in meeting["traces"]:
        assert set(trace["y"]) == set(party[party["meeting_state"] == trace["name"]]["county_name"])
    funds = chart(at, f"{year}年 各县区人大工作经费")
    for col, label in charts_misc.FUNDS:
        expected = dict(zip(party["county_name"], party[col].fillna(0)))
        assert _close(_points(funds, lambda n, label=label: n == label), expected)
    per_deputy = chart(at, "人均代表活动经费")
    assert _close(_points(per_deputy, lambda n: n == "县区人均"),
                  dict(zip(party["county_name"], party["per_deputy_yuan"].fillna(0))))

    totals = mart("SELECT year, sum(deputy_funds_10k) AS v FROM fact_budget GROUP BY year")
    trend = chart(at, "人大工作经费趋势")
    assert _close(_points(trend, lambda n: n == "代表活动经费"), dict(zip(totals["year"].astype(str), totals["v"])))

    events = mart("SELECT count(*) AS n FROM fact_party_support WHERE level = '县委' AND year = ?", (year,))["n"].iloc[0]
    listed = [d.value for d in at.dataframe if "事项类型" in d.value.columns]
    assert len(listed) == 1 and len(listed[0]) == events


def test_party_page_follows_year_and_county_and_a_link_reopens_it(demo_wh, monkeypatch, mart):
    at = open_page(demo_wh.root, monkeypatch, PARTY)
    at.selectbox(key="year").select(2022).run()
    at.selectbox(key="county").select("990105").run()
    _clean(at)
    assert at.query_params["county"] in ("990105", ["990105"]) and at.query_params["year"] in ("2022", ["2022"])
    count = mart("SELECT value FROM mart_kpi WHERE kpi_code = 'party_report_count' AND level = '县' "
                 "AND unit_code = '990105' AND year = 2022")["value"].iloc[0]
    assert _metrics(at)[BY_CODE["party_report_count"].name_zh] == fmt.fmt_value(count, "次")
    assert any("云渡县 2022年 主要指标" in h.value for h in at.subheader)

    towns = chart(at, "云渡县 2022年 各乡镇党委听取人大工作汇报次数")
    expected = mart("""SELECT t.township_name, count(e.event_id) AS n FROM dim_township t
        LEFT JOIN fact_party_support e ON e.township_code = t.township_code AND e.year = 2022 AND e.level = '乡镇党委'
          AND e.event_type IN ('听取人大常委会党组工作汇报', '听取人大工作专题汇报')
        WHERE t.county_code = '990105' AND t.unit_type <> '街道' GROUP BY ALL""")
    assert _close(_points(towns), dict(zip(expected["township_name"], expected["n"])))
    trend = chart(at, "云渡县 县委听取汇报次数趋势")
    assert {t["name"] for t in trend["traces"]} == {"清川市", "云渡县"}
    events = mart("SELECT count(*) AS n FROM fact_party_support WHERE county_code = '990105' AND year = 2022")["n"].iloc[0]
    assert len(next(d.value for d in at.dataframe if "事项类型" in d.value.columns)) == events
    assert any("杉河县" in w.value and "云渡县" in w.value for w in at.warning)  # 人大工作会议 overdue at end of 2022

    again = open_page(demo_wh.root, monkeypatch, PARTY, query={"year": 2022, "county": "990105"})
    _clean(again)
    for title in ("2022年 各县区县委听取人大工作汇报次数", "云渡县 2022年 各乡镇党委听取人大工作汇报次数", "截至2022年底"):
        assert chart(again, title)["traces"] == chart(at, title)["traces"]


# --- 民生实事票决 -----------------------------------------------------------------------------------------

def test_livelihood_page_shows_the_marts(demo_wh, monkeypatch, mart):
    at = open_page(demo_wh.root, monkeypatch, VOTE)
    _clean(at)
    year = _year(mart)
    city = mart("SELECT kpi_code, value FROM mart_kpi WHERE level = '市' AND year = ?", (year,))
    values = dict(zip(city["kpi_code"], city["value"]))
    shown = _metrics(at)
    for code in misc.VOTE_KPIS:
        assert shown[BY_CODE[code].name_zh] == fmt.fmt_value(values[code], BY_CODE[code].unit)

    coverage = chart(at, f"{year}年 各县区票决制覆盖")
    assert _close(_points(coverage, lambda n: n.startswith("乡级覆盖率")),
                  _kpi_units(mart, "voting_coverage_township", year, "县"))
    held = _kpi_units(mart, "voting_coverage_county", year, "县")
    shown_held = set(_points(coverage, lambda n: n == "县级已举行票决"))
    assert shown_held == {k for k, v in held.items() if v >= 1}

    ratio = chart(at, f"{year}年 各县区差额比例")
    assert _close(_points(ratio), _kpi_units(mart, "competition_ratio", year, "县"))
    completion = chart(at, f"{year}年 各县区票决项目完成率")
    assert _close(_points(completion), _kpi_units(mart, "project_completion_rate", year, "县"))
    evaluation = chart(at, "满意度测评覆盖率与平均满意度")
    assert _close(_points(evaluation, lambda n: n.startswith("测评覆盖率")),
                  _kpi_units(mart, "project_evaluation_coverage", year, "县"))
    assert _close(_points(evaluation, lambda n: n == "平均满意度"), _kpi_units(mart, "project_satisfaction_avg", year, "县"))

    stages = mart("SELECT stage, sum(n_selected) AS s, sum(n_projects) AS n FROM mart_livelihood WHERE year = ? "
                  "GROUP BY stage", (year,))
    selected = dict(zip(stages["stage"], stages["s"]))
    stage_chart = chart(at, f"{year}年 民生实事项目所处阶段")
    assert _points(stage_chart, lambda n: n == "当选项目") == {s: selected.get(s, 0) for s in charts_misc.STAGES}
    rounds = mart("SELECT count(*) AS n FROM fact_livelihood_round WHERE level = '县级' AND year = ?", (year,))["n"].iloc[0]
    tables = [d.value for d in at.dataframe if "候选项目数" in d.value.columns]
    assert len(tables) == 1 and len(tables[0]) == rounds


def test_livelihood_page_shows_a_chosen_county_and_a_link_reopens_it(demo_wh, monkeypatch, mart):
    at = open_page(demo_wh.root, monkeypatch, VOTE)
    at.selectbox(key="year").select(2024).run()
    at.selectbox(key="county").select("990104").run()
    _clean(at)
    grid = chart(at, "杉河县 各乡镇举行乡级票决情况")
    cells = mart("SELECT unit_name, year, value FROM mart_kpi WHERE kpi_code = 'voting_coverage_township' "
                 "AND level = '乡' AND county_code = '990104'")
    trace = grid["traces"][0]
    shown = {(y, x): v for y, row in zip(trace["y"], trace["z"]) for x, v in zip(trace["x"], row)
             if v is not None and not (isinstance(v, float) and math.isnan(v))}
    assert shown == {(r.unit_name, f"{r.year}年"): r.value for r in cells.itertuples()}
    ratio = chart(at, "杉河县 2024年 各乡镇差额比例")
    assert _close(_points(ratio), _kpi_units(mart, "competition_ratio", 2024, "乡", "990104"))
    completion = chart(at, "杉河县 2024年 各乡镇票决项目完成率")
    assert _close(_points(completion), _kpi_units(mart, "project_completion_rate", 2024, "乡", "990104"))

    n = mart("SELECT count(*) AS n FROM fact_livelihood_project WHERE year = 2024 AND left(unit_code, 6) = '990104' "
             "AND is_selected")["n"].iloc[0]
    assert any(f"杉河县 2024年 当选项目（{n}个）" in h.value for h in at.subheader)
    projects = [d.value for d in at.dataframe if "项目名称" in d.value.columns]
    assert len(projects) == 1 and len(projects[0]) == n
    rounds = mart("SELECT count(*) AS n FROM fact_livelihood_round WHERE year = 2024 AND left(unit_code, 6) = '990104'")
    shown_rounds = sum(len(d.value) for d in at.dataframe if "候选项目数" in d.value.columns)
    assert shown_rounds == rounds["n"].iloc[0]

    again = open_page(demo_wh.root, monkeypatch, VOTE, query={"year": 2024, "county": "990104"})
    _clean(again)
    assert [c["traces"] for c in charts(again)] == [c["traces"] for c in charts(at)]


# --- 口径说明 -------------------------------------------------------------------------------------------

def test_definitions_page_lists_every_indicator_with_current_targets(demo_wh, monkeypatch, mart):
    at = open_page(demo_wh.root, monkeypatch, DEFS)
    _clean(at)
    brief = [d.value for d in at.dataframe if list(d.value.columns[:2]) == ["编号", "名称"] and "口径" not in d.value.columns]
    shown = pd.concat(brief)
    assert list(zip(shown["编号"], shown["名称"])) == [(i.ref, i.name_zh) for i in INDICATORS]
    cfg = mart("SELECT kpi_code, target, weight FROM cfg_kpi").set_index("kpi_code")
    for (_, row), ind in zip(shown.iterrows(), INDICATORS):
        target, weight = cfg.loc[ind.code, "target"], cfg.loc[ind.code, "weight"]
        if fmt.is_missing(target):
            assert row["目标"] == "—"
        else:
            assert row["目标"] == (f"{round(target * 100, 1):g}%" if ind.unit == "%" else f"{target:g}{ind.unit}")
        assert (f"{weight:g}分" in row["综合指数"]) if weight else row["综合指数"] == "不计入"
    full = pd.concat([d.value for d in at.dataframe if "口径" in d.value.columns])
    assert {"分子", "分母", "单位", "底线", "方向", "依据标签", "来源文件与条款"} <= set(full.columns)
    rules = next(d.value for d in at.dataframe if "参数" in d.value.columns)
    expected = mart("SELECT rule_code, value FROM cfg_rule ORDER BY rule_code")
    assert list(rules["参数"]) == list(expected["rule_code"]) and list(rules["取值"]) == list(expected["value"])
    legend = at.table[0].value
    assert list(legend.iloc[:, 0]) == [t for t, _, _ in dictionary.PROVENANCE_LEGEND]
    text = " ".join(m.value for m in at.markdown)
    assert "红（未达标）" in text and "等权重" in text and "†" in text


def test_definitions_search_filters_the_indicators(demo_wh, monkeypatch):
    at = open_page(demo_wh.root, monkeypatch, DEFS)
    at.text_input(key="kpi_search").input("K26").run()
    _clean(at)
    brief = pd.concat([d.value for d in at.dataframe if list(d.value.columns[:2]) == ["编号", "名称"]
                       and "口径" not in d.value.columns])
    assert set(brief["编号"]) == {"K26"} and len(brief) == sum(i.ref == "K26" for i in INDICATORS)
    at.text_input(key="kpi_search").input("没有这个指标xyz").run()
    assert any("没有找到" in i.value for i in at.info)


# --- 数据字典 -------------------------------------------------------------------------------------------

def test_dictionary_page_lists_every_table_and_column(demo_wh, monkeypatch):
    at = open_page(demo_wh.root, monkeypatch, DICT)
    _clean(at)
    overview = next(d.value for d in at.dataframe if "上传方式" in d.value.columns)
    assert set(overview["表名"]) == {t.name for t in schema.TABLES}
    columns = next(d.value for d in at.dataframe if "显示名" in d.value.columns)
    assert len(columns) == len(dictionary.dictionary_frame())


def test_dictionary_table_offers_its_templates_and_a_link_reopens_it(demo_wh, monkeypatch):
    made, real = {}, templates.template_xlsx  # xlsx bytes carry a timestamp: record what the page served
    monkeypatch.setattr(templates, "template_xlsx", lambda t: made.setdefault(t.name, real(t)))
    data_misc.template_xlsx.clear()
    at = open_page(demo_wh.root, monkeypatch, DICT)
    at.selectbox(key="dict_table").select("fact_suggestion").run()
    _clean(at)
    assert at.query_params["table"] in ("fact_suggestion", ["fact_suggestion"])
    table = schema.BY_NAME["fact_suggestion"]
    cols = next(d.value for d in at.dataframe if "显示名" in d.value.columns)
    assert list(cols["显示名"]) == [c.header for c in table.columns]
    rules = next(d.value for d in at.dataframe if "级别" in d.value.columns)
    assert len(rules) == len(table.rules)
    assert any(table.mode_note in m.value for m in at.markdown)
    buttons = {b.proto.label: b.proto.url for b in at.get("download_button")}
    xlsx = _calculate_file_id(made["fact_suggestion"],
                              "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "代表建议_fact_suggestion.xlsx")
    csv = _calculate_file_id(templates.template_csv(table), "text/csv", "代表建议_fact_suggestion.csv")
    assert xlsx in buttons["下载 Excel 模板（.xlsx）"] and csv in buttons["下载 CSV 模板（.csv）"]

    again = open_page(demo_wh.root, monkeypatch, DICT, query={"table": "fact_budget"})
    _clean(again)
    assert any("经费保障（fact_budget）" in h.value for h in again.subheader)
    meta = open_page(demo_wh.root, monkeypatch, DICT, query={"table": "meta_version"})
    assert not meta.get("download_button") and any("不通过模板上传" in m.value for m in meta.markdown)


def test_livelihood_page_explains_a_county_without_votes(demo_wh, monkeypatch, mart):
    held = mart("SELECT count(*) AS n FROM fact_livelihood_round WHERE year = 2023 AND left(unit_code, 6) = '990105'")
    assert held["n"].iloc[0] == 0  # 云渡县 started voting in 2024 in the demo city
    at = open_page(demo_wh.root, monkeypatch, VOTE, query={"year": 2023, "county": "990105"})
    _clean(at)
    assert any("云渡县2023年没有票决记录" in i.value for i in at.info)
    assert not [c for c in charts(at) if "完成率" in c["title"] or "所处阶段" in c["title"]]
