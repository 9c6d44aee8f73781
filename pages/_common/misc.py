"""Sections of the 党委领导与保障 and 民生实事票决 pages (K32–K38)."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from etl import fmt
from etl.indicators import BY_CODE
from pages._common import cards, charts, charts_misc, data, data_misc, frame

PARTY_KPIS = ("party_report_rate", "work_meeting_held", "deputy_funds_in_budget", "suggestion_fund_set")
PARTY_COUNTY_KPIS = ("party_report_count",) + PARTY_KPIS[1:]  # a county's K32 rate is its count ≥ 2: show the count
VOTE_KPIS = ("voting_coverage", "voting_coverage_county", "voting_coverage_township", "competitive_round_rate",
             "competition_ratio", "project_completion_rate", "project_evaluation_coverage", "project_satisfaction_avg")


def scope_name(snap, f) -> str:
    return _scope(snap, f.county)


def kpi_cards(snap, f, scope: str, codes: tuple[str, ...], columns: int = 4) -> None:
    """The family's KPI cards for the city or the chosen county, with sparklines."""
    st.subheader(f"{scope} {f.year}年 主要指标", anchor=False)
    unit = f.county or data.city(snap)["city_code"]
    trends = data.kpi_series(snap, codes, f.county)
    cards.kpi_grid(data.kpi_city_year(snap, f.year, f.county), BY_CODE, codes=codes, columns=columns,
                   trends=trends[trends["unit_code"] == unit])


def _yes_no(v) -> str:
    return "未填报" if fmt.is_missing(v) else ("是" if v else "否")


# Figures depend only on (snapshot, year, county): each is built once and the same object is reused (plotly
# construction dominates a rerun; frame.chart/st.plotly_chart only read the figure).
figure = st.cache_resource(**charts.FIGURE_CACHE)


def _chosen(snap, county: str | None) -> str | None:
    return data.unit_name(snap, county) if county else None


def _scope(snap, county: str | None) -> str:
    return data.unit_name(snap, county) if county else data.city(snap)["city_name"]


def _unit_level(county: str | None) -> tuple[str, str, str]:
    """(mart_kpi level, Chinese word, drill) of the per-unit charts: counties of the city or townships of a county."""
    return ("乡", "各乡镇", "township") if county else ("县", "各县区", "county")


# --- 党委领导与保障 --------------------------------------------------------------------------------------

@figure
def fig_reports(snap, year: int, county: str | None):
    units = data.kpi_units(snap, ("party_report_count",), year, "县")
    return charts_misc.kpi_bar_chart(units, f"{year}年 各县区县委听取人大工作汇报次数", "次", _chosen(snap, county))


@figure
def fig_reports_trend(snap, county: str | None):
    trend = data.kpi_series(snap, ("party_report_count",), county)
    title = f"{_scope(snap, county)} 县委听取汇报次数趋势" + (f"（与{data.area(snap)}平均比较）" if county else "（各县区平均）")
    return charts_misc.legend_below(charts.kpi_trend_chart(trend, title, "次"))


@figure
def fig_township_reports(snap, year: int, county: str):
    towns = data_misc.township_reports(snap, year, county)
    return charts_misc.count_bar_chart(towns, f"{_scope(snap, county)} {year}年 各乡镇党委听取人大工作汇报次数",
                                       "township_name", "n_report", "township_code", "次数（次）", "听取汇报")


def reports_section(snap, f, scope: str) -> None:
    st.subheader("县委听取人大工作汇报（K32）", anchor=False)
    left, right = st.columns(2)
    with left:
        frame.chart(fig_reports(snap, f.year, f.county), key="party_reports", drill="county",
                    caption=frame.kpi_caption(BY_CODE["party_report_count"]))
    with right:
        frame.chart(fig_reports_trend(snap, f.county), key="party_reports_trend",
                    caption=f"{data.area(snap)}数值为各县区平均次数；目标为每年至少2次（攸发〔2020〕13号 第2条）。")
    rate = data.kpi_units(snap, ("party_report_rate",), f.year, "县")
    short = rate[rate["value"] < 1]["unit_name"].tolist()
    st.markdown(f"**{f.year}年达到每年至少2次的县区：{int((rate['value'] >= 1).sum())} / {len(rate)} 个。**"
                + (f" 未达到：{'、'.join(short)}。" if short else " 全部达到。"))
    if f.county:
        frame.chart(fig_township_reports(snap, f.year, f.county), key="party_township_reports", drill="township",
                    caption="乡镇党委听取乡镇人大主席团工作汇报（不计入K32，供督导参考）；不含街道。")


@figure
def fig_meeting(snap, year: int):
    df = data_misc.party_counties(snap, year)
    term_start = int(df["year"].iloc[0] - df["term_year"].iloc[0] + 1)
    shown, note = charts.bounded(df.assign(held=df["meeting_held"].astype(float)), "county_code", "held",
                                 name_col="county_name", what="个县区")  # not yet held first
    return charts.add_note(charts_misc.meeting_timeline_chart(shown.drop(columns="held"),
                                                              f"截至{year}年底 各县区本届人大工作会议召开情况", year,
                                                              term_start, int(df["deadline_year"].iloc[0])), note)


def meeting_section(snap, f) -> None:
    st.subheader("本届人大工作会议（K33）", anchor=False)
    df = data_misc.party_counties(snap, f.year)
    if df.empty:
        st.info(f"{f.year}年没有县区数据。")
        return
    term_start, deadline = int(df["year"].iloc[0] - df["term_year"].iloc[0] + 1), int(df["deadline_year"].iloc[0])
    nth = deadline - term_start + 1
    left, right = st.columns([1.1, 1])
    with left:
        frame.chart(fig_meeting(snap, f.year), key="party_meeting", drill="county",
                    caption=frame.kpi_caption(BY_CODE["work_meeting_held"]))
    with right:
        shown = pd.DataFrame({"county_code": df["county_code"], "县区": df["county_name"], "状态": df["meeting_state"],
                              "召开日期": pd.to_datetime(df["meeting_date"]).dt.strftime("%Y-%m-%d").fillna("—"),
                              "会议题目": df["meeting_title"].fillna("—")})
        frame.table(shown, key="party_meeting_table", drill="county", code_column="county_code", placeholder="—",
                    column_config={"会议题目": st.column_config.TextColumn(width="medium")})
        late = df[df["meeting_state"] == "未召开·已超期限"]["county_name"].tolist()
        if late:
            st.warning(f"已超过本届第{nth}年底期限仍未召开人大工作会议：{'、'.join(late)}。")
        st.caption(f"本届自{term_start}年起；期限为本届第{nth}年（{deadline}年）年底 [A]。本届起始年和期限均为可调参数，"
                   "见“口径说明”页的“阈值与口径参数”。")


@figure
def fig_funds(snap, year: int, county: str | None):
    df, note = charts.bounded(data_misc.party_counties(snap, year), "county_code", "deputy_funds_10k", keep=county,
                              name_col="county_name", what="个县区")
    return charts.add_note(charts_misc.funds_bar_chart(df, f"{year}年 各县区人大工作经费（万元）", _chosen(snap, county)), note)


@figure
def fig_per_deputy(snap, year: int, county: str | None):
    series = data_misc.funds_series(snap, None)
    row = series[series["year"] == year]
    city = data.city(snap)["city_name"]
    df, note = charts.bounded(data_misc.party_counties(snap, year), "county_code", "per_deputy_yuan", keep=county,
                              name_col="county_name", what="个县区")
    return charts.add_note(charts_misc.per_deputy_chart(df, f"{year}年 各县区人均代表活动经费（元/人·年）",
                                                        row["per_deputy_yuan"].iloc[0] if len(row) else None, city,
                                                        _chosen(snap, county)), note)


@figure
def fig_funds_trend(snap, county: str | None):
    series = data_misc.funds_series(snap, county)
    part = series[series["level"] == ("县" if county else "市")]
    title = f"{_scope(snap, county)} 人大工作经费趋势（万元）" + ("" if county else "（各县区合计）")
    return charts_misc.funds_trend_chart(part, title)


@figure
def fig_fund_set_grid(snap):
    grid = data_misc.kpi_years(snap, "suggestion_fund_set", "县")
    matrix = grid.pivot_table(index="unit_name", columns="year", values="value", sort=False)
    matrix.columns = [f"{c}年" for c in matrix.columns]
    codes = grid.drop_duplicates("unit_name").set_index("unit_name").loc[matrix.index, "unit_code"].tolist()
    fig = charts.heatmap_chart(matrix, f"各县区设立建议办理专项资金情况（{matrix.columns[0]}–{matrix.columns[-1]}）", codes,
                               yes="已设立", no="未设立")
    return fig.update_layout(margin={"t": 96}, title={"yref": "container", "y": 1, "yanchor": "top", "pad": {"t": 14}})


def funds_section(snap, f, scope: str) -> None:
    st.subheader("经费保障（K34）", anchor=False)
    left, right = st.columns(2)
    with left:
        frame.chart(fig_funds(snap, f.year, f.county), key="party_funds", drill="county",
                    caption=frame.kpi_caption(BY_CODE["deputy_funds_in_budget"]))
    with right:
        frame.chart(fig_funds_trend(snap, f.county), key="party_funds_trend",
                    caption="代表活动经费、建议办理专项资金和乡镇人大工作经费，按“经费保障”表填报。")
    left, right = st.columns(2)
    with left:
        frame.chart(fig_per_deputy(snap, f.year, f.county), key="party_per_deputy", drill="county",
                    caption=f"{data.city(snap)['city_name']}平均为各县区按代表人数加权的平均值（代表人数＝代表活动经费÷人均经费）。")
    with right:
        frame.chart(fig_fund_set_grid(snap), key="party_fund_set", drill="county",
                    caption=frame.kpi_caption(BY_CODE["suggestion_fund_set"]))
    df = data_misc.party_counties(snap, f.year)
    table = pd.DataFrame({
        "county_code": df["county_code"], "县区": df["county_name"],
        "经费列入预算": [_yes_no(v) for v in df["deputy_funds_in_budget"]],
        "代表活动经费(万元)": df["deputy_funds_10k"], "人均(元/人·年)": df["per_deputy_yuan"],
        "设立专项资金": [_yes_no(v) for v in df["suggestion_fund_set"]],
        "专项资金(万元)": df["suggestion_fund_10k"], "乡镇人大工作经费(万元)": df["township_npc_funds_10k"]})
    money = st.column_config.NumberColumn(format="%.2f")
    st.markdown(f"**{f.year}年 各县区经费保障明细**")
    frame.table(table, key="party_funds_table", drill="county", code_column="county_code", placeholder="—",
                column_config={"代表活动经费(万元)": money, "乡镇人大工作经费(万元)": money,
                               "人均(元/人·年)": st.column_config.NumberColumn(format="%.0f", help="人均代表活动经费"),
                               "经费列入预算": st.column_config.TextColumn(help="代表活动经费列入本级财政预算"),
                               "设立专项资金": st.column_config.TextColumn(help="设立代表建议办理专项资金"),
                               "专项资金(万元)": st.column_config.NumberColumn(format="%.2f", help="建议办理专项资金")})
    missing = df[~df["suggestion_fund_set"].fillna(False).astype(bool)]["county_name"].tolist()
    unbudgeted = [n + ("（未填报）" if not r else "") for n, r, v in
                  zip(df["county_name"], df["budget_reported"], df["deputy_funds_in_budget"]) if not (r and v)]
    if unbudgeted:
        st.warning(f"{f.year}年代表活动经费未列入预算：{'、'.join(unbudgeted)}（代表法要求列入本级财政预算）。")
    if missing:
        st.warning(f"{f.year}年未设立建议办理专项资金：{'、'.join(missing)}。")


EVENT_HEADERS = {"event_date": "日期", "county_name": "县区", "level": "层级", "township_name": "乡镇",
                 "event_type": "事项类型", "title": "题目", "doc_no": "文号"}


def events_section(snap, f, scope: str) -> None:
    what = "县委和乡镇党委" if f.county else "各县区县委"
    st.subheader(f"{scope} {f.year}年 党委支持人大工作事项清单", anchor=False)
    events = data_misc.party_events(snap, f.year, f.county)
    if events.empty:
        st.info(f"{scope}{f.year}年没有{what}支持人大工作的记录。")
        return
    cols = ["event_date", "level", "township_name"] if f.county else ["event_date", "county_name"]
    shown = events[cols + ["event_type", "title", "doc_no"]].assign(
        event_date=pd.to_datetime(events["event_date"]).dt.strftime("%Y-%m-%d"), doc_no=events["doc_no"].fillna("—"))
    if f.county:
        shown["township_name"] = shown["township_name"].fillna("—")
    st.dataframe(shown.rename(columns=EVENT_HEADERS), hide_index=True, width="stretch", placeholder="—",
                 height=min(420, 38 + 35 * len(shown)), column_config={"题目": st.column_config.TextColumn(width="large")})
    counts = events["event_type"].value_counts()
    st.caption(f"共{len(events)}项（{what}）：" + "，".join(f"{k}{v}项" for k, v in counts.items())
               + "。" + ("" if f.county else "选择县区后显示该县乡镇党委的记录。"))


# --- 民生实事票决 -----------------------------------------------------------------------------------------

@figure
def fig_township_grid(snap, county: str):
    grid = data_misc.kpi_years(snap, "voting_coverage_township", "乡", county)
    matrix = grid.pivot_table(index="unit_name", columns="year", values="value", sort=False)
    matrix.columns = [f"{c}年" for c in matrix.columns]
    codes = grid.drop_duplicates("unit_name").set_index("unit_name").loc[matrix.index, "unit_code"].tolist()
    fig = charts.heatmap_chart(matrix, f"{_scope(snap, county)} 各乡镇举行乡级票决情况（{matrix.columns[0]}–{matrix.columns[-1]}）",
                               codes, yes="已举行", no="未举行", height=max(320, 26 * len(matrix) + 140),
                               limit=charts.MAX_ROWS)
    return fig.update_layout(margin={"t": 96}, title={"yref": "container", "y": 1, "yanchor": "top", "pad": {"t": 14}})


@figure
def fig_coverage(snap, year: int):
    units = data.kpi_units(snap, ("voting_coverage_county", "voting_coverage_township"), year, "县")
    units, note = charts.bounded(units, what="个县区")  # lowest coverage first
    return charts.add_note(charts_misc.coverage_level_chart(units, f"{year}年 各县区票决制覆盖（县级 / 乡级）"), note)


@figure
def fig_coverage_trend(snap, county: str | None):
    trend = data.kpi_series(snap, ("voting_coverage_county", "voting_coverage_township"), county)
    return charts_misc.level_trend_chart(trend, f"{_scope(snap, county)} 票决制覆盖率趋势（县级 / 乡级）",
                                         {"voting_coverage_county": "县级", "voting_coverage_township": "乡级"})


def coverage_section(snap, f, scope: str) -> None:
    st.subheader("票决制覆盖（K35）", anchor=False)
    left, right = st.columns(2)
    with left:
        if f.county:
            frame.chart(fig_township_grid(snap, f.county), key="vote_township_grid", drill="township",
                        caption=frame.kpi_caption(BY_CODE["voting_coverage_township"]))
        else:
            frame.chart(fig_coverage(snap, f.year), key="vote_coverage", drill="county",
                        caption=frame.kpi_caption(BY_CODE["voting_coverage"]))
    with right:
        frame.chart(fig_coverage_trend(snap, f.county), key="vote_coverage_trend",
                    caption="实线为县级票决（举行县级票决的县区占比），虚线为乡级票决覆盖率。")


@figure
def fig_ratio(snap, year: int, county: str | None):
    level, word, _ = _unit_level(county)
    units = data.kpi_units(snap, ("competition_ratio", "competitive_round_rate"), year, level, county)
    ratio = units[units["kpi_code"] == "competition_ratio"]
    share = None if county else units[units["kpi_code"] == "competitive_round_rate"]
    if ratio.empty:
        return None
    ratio, note = charts.bounded(ratio, what=charts.unit_what(ratio))
    if note and share is not None:
        share = share[share["unit_code"].isin(ratio["unit_code"])]
    return charts.add_note(charts_misc.ratio_bar_chart(ratio, f"{_scope(snap, county)} {year}年 {word}差额比例（候选÷应选）",
                                                       share=share), note)


@figure
def fig_ratio_trend(snap, county: str | None):
    trend = data.kpi_series(snap, ("competition_ratio",), county)
    fig = charts.kpi_trend_chart(trend, f"{_scope(snap, county)} 差额比例趋势（候选÷应选）", "倍")
    fig.add_hline(y=1.0, line_dash="dot", line_color=charts.TARGET_COLOR, annotation_text="等额线 1倍",
                  annotation_position="bottom left", annotation_font_color=charts.TARGET_COLOR)
    fig.update_yaxes(title={"text": "倍"}, range=[0, max(2.0, float(trend["value"].max() or 0) * 1.15)])
    return charts_misc.legend_below(fig)


def competition_section(snap, f, scope: str) -> None:
    st.subheader("差额票决（K38）", anchor=False)
    drill = _unit_level(f.county)[2]
    left, right = st.columns(2)
    with left:
        fig = fig_ratio(snap, f.year, f.county)
        if fig is None:
            st.info(f"{scope}{f.year}年没有票决记录。")
        else:
            frame.chart(fig, key="vote_ratio", drill=drill, caption=frame.kpi_caption(BY_CODE["competition_ratio"]))
    with right:
        frame.chart(fig_ratio_trend(snap, f.county), key="vote_ratio_trend",
                    caption=frame.kpi_caption(BY_CODE["competitive_round_rate"]))


@figure
def fig_stages(snap, year: int, county: str | None):
    stages = data_misc.project_stages(snap, year, county)
    if not stages["n_projects"].sum():
        return None
    return charts_misc.stage_chart(stages, f"{_scope(snap, county)} {year}年 民生实事项目所处阶段")


@figure
def fig_categories(snap, year: int, county: str | None):
    cats = data_misc.project_categories(snap, year, county)
    return None if cats.empty else charts_misc.category_chart(cats, f"{_scope(snap, county)} {year}年 当选项目类别与预算")


def projects_section(snap, f, scope: str) -> None:
    st.subheader("项目阶段与类别", anchor=False)
    left, right = st.columns(2)
    with left:
        fig = fig_stages(snap, f.year, f.county)
        if fig is None:
            st.info(f"{scope}{f.year}年没有民生实事项目记录。")
        else:
            frame.chart(fig, key="vote_stages",
                        caption="统计县级和乡级票决的全部候选项目；只有当选项目可进入实施、监督、评估阶段。阶段依据：通州六环节 [S68]。")
    with right:
        fig = fig_categories(snap, f.year, f.county)
        if fig is None:
            st.info(f"{scope}{f.year}年没有当选项目。")
        else:
            frame.chart(fig, key="vote_categories", caption="当选项目按类别统计预算合计（万元）和项目个数。")


OUTCOME_KPIS = ("project_completion_rate", "project_evaluation_coverage", "project_satisfaction_avg")


@figure
def fig_completion(snap, year: int, county: str | None):
    level, word, _ = _unit_level(county)
    units = data.kpi_units(snap, OUTCOME_KPIS, year, level, county)
    if units["value"].isna().all():
        return None
    return charts_misc.kpi_bar_chart(units[units["kpi_code"] == "project_completion_rate"],
                                     f"{_scope(snap, county)} {year}年 {word}票决项目完成率", "%")


@figure
def fig_evaluation(snap, year: int, county: str | None):
    level, word, _ = _unit_level(county)
    units = data.kpi_units(snap, OUTCOME_KPIS, year, level, county)
    if units["value"].isna().all():
        return None
    cov, note = charts.bounded(units[units["kpi_code"] == "project_evaluation_coverage"], what=charts.unit_what(units))
    sat = units[(units["kpi_code"] == "project_satisfaction_avg") & units["unit_code"].isin(cov["unit_code"])]
    title = f"{_scope(snap, county)} {year}年 {word}满意度测评覆盖率与平均满意度"
    return charts.add_note(charts_misc.evaluation_chart(cov, sat, title), note)


def outcomes_section(snap, f, scope: str) -> None:
    st.subheader("项目完成与满意度测评（K36、K37）", anchor=False)
    drill = _unit_level(f.county)[2]
    if fig_completion(snap, f.year, f.county) is None:
        st.info(f"{scope}{f.year}年没有当选项目，无法计算完成率和满意度测评。")
        return
    left, right = st.columns(2)
    with left:
        frame.chart(fig_completion(snap, f.year, f.county), key="vote_completion", drill=drill,
                    caption=frame.kpi_caption(BY_CODE["project_completion_rate"]))
    with right:
        frame.chart(fig_evaluation(snap, f.year, f.county), key="vote_evaluation", drill=drill,
                    caption=frame.kpi_caption(BY_CODE["project_evaluation_coverage"]) + " ◆为平均满意度（"
                    + BY_CODE["project_satisfaction_avg"].formula_text + "）。")


def rounds_section(snap, f, scope: str) -> None:
    r = data_misc.rounds(snap, f.year, f.county)
    st.subheader(f"{scope} {f.year}年 票决记录" + ("" if f.county else "（县级）"), anchor=False)
    if r.empty:
        st.info(f"{scope}{f.year}年没有票决记录。")
    else:
        table = pd.DataFrame({
            "unit_code": r["unit_code"], "单位": r["unit_name"], "层级": r["level"],
            "征集建议数": r["proposals_collected"], "候选项目数": r["candidates"], "应选项目数": r["to_select"],
            "差额比例": r["candidates"] / r["to_select"],
            "出席/总数": [f"{p}/{t}" for p, t in zip(r["deputies_present"], r["deputies_total"])],
            "出席率": 100 * r["deputies_present"] / r["deputies_total"],
            "票决日期": pd.to_datetime(r["vote_date"]).dt.strftime("%Y-%m-%d").fillna("—")})
        config = {"差额比例": st.column_config.NumberColumn(format="%.2f倍"),
                  "出席率": st.column_config.NumberColumn(format="%.1f%%")}
        if f.county:  # the county's own round first, then its townships' rounds (rows drill to the township)
            own, towns = table[r["level"] == "县级"], table[r["level"] == "乡级"]
            if len(own):
                st.markdown("**县级票决**")
                st.dataframe(own.drop(columns=["unit_code", "层级"]), hide_index=True, width="stretch",
                             column_config=config, placeholder="—")
            if len(towns):
                st.markdown(f"**乡级票决（{len(towns)}个乡镇）**")
                frame.table(towns.drop(columns=["层级"]), key="vote_rounds", drill="township", code_column="unit_code",
                            column_config=config, height=min(420, 38 + 35 * len(towns)), placeholder="—")
        else:
            frame.table(table.drop(columns=["层级"]), key="vote_rounds", drill="county", code_column="unit_code",
                        column_config=config, placeholder="—")
        low = r[r["deputies_present"] < 2 / 3 * r["deputies_total"]]
        if len(low):
            st.warning("出席代表不足代表总数三分之二的票决：" + "、".join(low["unit_name"]) + "。")
    if not f.county:
        st.info("选择县区后，显示该县区县级和各乡镇票决的当选项目清单。")
        return
    p = data_misc.selected_projects(snap, f.year, f.county)
    if p.empty:
        return
    st.subheader(f"{scope} {f.year}年 当选项目（{len(p)}个）", anchor=False)
    table = pd.DataFrame({"单位": p["unit_name"], "层级": p["level"], "项目名称": p["project_name"], "类别": p["category"],
                          "预算(万元)": p["budget_10k"], "当前阶段": p["stage"], "完成进度": p["completion_pct"],
                          "满意度测评": p["satisfaction_pct"]})
    st.dataframe(table, hide_index=True, width="stretch", height=min(460, 38 + 35 * len(table)), placeholder="—", column_config={
        "预算(万元)": st.column_config.NumberColumn(format="%.2f"),
        "完成进度": st.column_config.ProgressColumn(format="%.0f%%", min_value=0, max_value=100, color="#0072B2"),
        "满意度测评": st.column_config.NumberColumn(format="%.1f%%")})
    st.caption("完成进度按12月31日填报；满意度测评只对进入“评估”阶段的项目填写（未测评显示为“—”）。")


# --- 口径说明 -------------------------------------------------------------------------------------------

DIRECTION_ZH = {"higher": "越高越好", "lower": "越低越好", "none": "仅作参考"}
LIGHT_RULES = """
- **绿（达标）**：达到目标值。
- **黄（接近目标）**：达到目标值的80%及以上；“越低越好”的指标（K02“1人委/2人委”占比）在目标以上10个百分点以内；
  K33在本届第2年年底前尚未召开人大工作会议。
- **红（未达标）**：其他情况。法定底线指标（K10 乡镇人代会召开、K15 出席人数、K23 按期答复）只要有一个单位未达到，一律为红。
- **灰（无目标）**：只作背景参考、不设目标的指标，不评颜色。
- **未填报**：缺少年度数据的单位按“未达标”计入分母，并在指标卡上注明未填报单位数。
"""


def _digits(value: float, unit: str) -> int:
    """Whole numbers without decimals (100%, 2次), others with one (66.7%)."""
    shown = value * 100 if unit == "%" else value
    return 0 if abs(shown - round(shown)) < 1e-9 else 1


@st.cache_data(**data.CACHE)
def catalogue_frame(snap) -> pd.DataFrame:
    """Every indicator of the registry with the snapshot's current target, floor and weight (cfg_kpi)."""
    from etl.indicators import DIMENSIONS, INDICATORS
    cfg = data_misc.cfg_kpi(snap).set_index("kpi_code")
    rows = []
    for i in INDICATORS:
        c = cfg.loc[i.code] if i.code in cfg.index else None
        target = i.default_target if c is None else c["target"]
        floor = i.floor if c is None else c["floor"]
        weight = i.weight if c is None else c["weight"]
        dim = i.dimension if c is None or fmt.is_missing(c["dimension"]) else c["dimension"]
        rows.append({
            "family": i.family, "编号": i.ref, "名称": i.name_zh, "口径": i.formula_text, "分子": i.numerator_text,
            "分母": i.denominator_text, "单位": i.unit,
            "目标": "—" if fmt.is_missing(target) else fmt.fmt_value(target, i.unit, _digits(target, i.unit)),
            "底线": fmt.fmt_value(floor, i.unit, 0) if not fmt.is_missing(floor) else "—",
            "方向": DIRECTION_ZH.get(i.direction, i.direction), "依据标签": i.provenance,
            "来源文件与条款": i.source, "适用层级": "、".join(i.levels),
            "综合指数": f"{dim} {DIMENSIONS[dim][0]} · {weight:g}分" if weight and weight > 0 else "不计入",
            "指标代码": i.code})
    return pd.DataFrame(rows)


def search(df: pd.DataFrame, text: str) -> pd.DataFrame:
    """Rows where any text column contains every word of `text` (case-insensitive)."""
    words = [w for w in (text or "").lower().split() if w]
    if not words:
        return df
    blob = df.astype(str).agg(" ".join, axis=1).str.lower()
    mask = pd.Series(True, index=df.index)
    for w in words:
        mask &= blob.str.contains(w, regex=False)
    return df[mask]


def definitions_intro(snap) -> None:
    from etl.dictionary import PROVENANCE_LEGEND
    st.markdown("本页列出看板使用的全部指标（K01–K38）的口径、分子分母、目标、依据和综合指数权重。目标、底线和权重取自当前数据版本"
                f"（v{snap.version}）的指标口径表，管理员调整后在下一次发布时生效。")
    left, right = st.columns([1, 1.2])
    with left:
        st.markdown("**依据标签**")
        st.table(pd.DataFrame(PROVENANCE_LEGEND, columns=["标签", "含义", "在看板中的作用"]), hide_index=True)
    with right:
        st.markdown("**红黄绿规则（每张指标卡）**")
        st.markdown(LIGHT_RULES)


def index_explainer(snap) -> None:
    from etl.indicators import DIMENSIONS
    st.subheader("综合指数（县乡人大工作和建设综合指数）", anchor=False)
    cat = catalogue_frame(snap)
    cfg = data_misc.cfg_kpi(snap)
    rules = dict(zip(data_misc.cfg_rule(snap)["rule_code"], data_misc.cfg_rule(snap)["value"]))
    grade = {k: float(rules.get(f"index_grade_{k}", d)) for k, d in (("excellent", 90), ("good", 80), ("fair", 60))}
    weights = cfg[cfg["weight"] > 0].merge(cat[["指标代码", "编号", "名称"]], left_on="kpi_code", right_on="指标代码")
    dims = pd.DataFrame([{
        "维度": f"{d} {name}", "满分（分）": float(weights[weights["dimension"] == d]["weight"].sum()),
        "指标（分值）": "；".join(f"{r['编号']} {r['名称']}（{r['weight']:g}）"
                              for _, r in weights[weights["dimension"] == d].iterrows())}
        for d, (name, _) in DIMENSIONS.items()])
    left, right = st.columns([1.3, 1])
    with left:
        st.table(dims.assign(**{"满分（分）": dims["满分（分）"].map(lambda v: f"{v:g}")}), hide_index=True)
    with right:
        st.markdown(f"""
- **计分**：越高越好的比率和次数，得分＝权重×min(1, 数值÷目标)；K02“1人委/2人委”占比反向计分，
  得分＝权重×(70%－数值)÷(70%－30%)，限于0至权重之间；K12按(1－半天会占比)计分。
- **†**：某县区某项指标没有分母（如没有一、二类乡镇）时不计该项，同一维度其余指标按比例折算到维度满分，得分旁标“†”。
  未填报的指标得0分。
- **等级**：≥{grade['excellent']:g}分 优秀；{grade['good']:g}–{grade['excellent'] - 0.1:g}分 良好；
  {grade['fair']:g}–{grade['good'] - 0.1:g}分 一般（低于{grade['good']:g}分为通报线）；<{grade['fair']:g}分 较差。
- **加分**：创新、宣传加分最多5分，须附佐证材料（参照宣汉考评细则 [E S19]）。
- **等权重敏感性**：所有计入的指标权重相同、折算为100分，用来检验排名是否依赖权重设置（总览页“等权重”开关）。
- 权重为本项目提出的默认值 [A]，没有公开文件规定，管理员可以调整。
""")


def catalogue_section(snap) -> None:
    from etl.indicators import DIMENSIONS
    st.subheader("指标口径一览", anchor=False)
    text = st.text_input("搜索指标", key="kpi_search", placeholder="输入编号、名称或关键词，如 K26、满意率、攸发",
                         help="在编号、名称、口径、分子、分母、依据和来源中查找；多个关键词用空格分开。")
    cat = search(catalogue_frame(snap), text)
    if cat.empty:
        st.info(f"没有找到包含“{text}”的指标。")
        return
    if text:
        st.caption(f"找到{len(cat)}项指标。")
    tabs = st.tabs([f"{d} {name}（{int((cat['family'] == d).sum())}）" for d, (name, _) in DIMENSIONS.items()])
    brief = ["编号", "名称", "单位", "目标", "底线", "方向", "依据标签", "综合指数"]
    wide = st.column_config.TextColumn(width="large")
    for tab, d in zip(tabs, DIMENSIONS):
        with tab:
            part = cat[cat["family"] == d].drop(columns=["family"])
            if part.empty:
                st.caption("本组没有符合搜索条件的指标。")
                continue
            st.dataframe(part[brief], hide_index=True, width="stretch", height=38 + 35 * len(part),
                         column_config={"名称": st.column_config.TextColumn(width=240)})
            st.markdown("\n".join(
                f"- **{r['编号']} {r['名称']}**　`{r['依据标签']}`  \n口径：{r['口径']}。  \n"
                f"分子：{r['分子']}；分母：{r['分母']}。  \n依据：{r['来源文件与条款']}。"
                for _, r in part.iterrows()))
            with st.expander("完整表格（全部字段，可排序、可下载）"):
                st.dataframe(part, hide_index=True, width="stretch", column_config={
                    "口径": wide, "来源文件与条款": wide, "分子": st.column_config.TextColumn(width="medium"),
                    "分母": st.column_config.TextColumn(width="medium")})


def rules_section(snap) -> None:
    st.subheader("阈值与口径参数", anchor=False)
    rules = data_misc.cfg_rule(snap).rename(columns={"rule_code": "参数", "value": "取值", "unit": "单位",
                                                     "provenance": "依据", "note": "说明"})
    st.dataframe(rules, hide_index=True, width="stretch", height=38 + 35 * len(rules),
                 column_config={"说明": st.column_config.TextColumn(width="large")})
    st.caption("这些参数决定指标和校验规则的阈值（如“35岁左右”按38岁计），保存在当前数据版本的参数表中，由管理员维护。")


# --- 数据字典 -------------------------------------------------------------------------------------------

def table_label(name: str | None) -> str:
    from etl.schema import BY_NAME
    return "全部数据表" if name is None else f"{BY_NAME[name].label}（{name}）"


KIND_ORDER = {"dim": 0, "fact": 1, "cfg": 2, "meta": 3}


def _tables() -> list:
    """Uploadable dimensions and facts first, then config and meta tables."""
    from etl.schema import TABLES
    return sorted(TABLES, key=lambda t: (KIND_ORDER.get(t.kind, 9), not t.uploadable, t.order))


def table_picker() -> str | None:
    """Table selector, kept in the URL (?table=fact_suggestion) so a link opens the same table."""
    names = [None] + [t.name for t in _tables()]
    raw = st.query_params.get("table")
    if raw in names and raw != st.session_state.get("_dict_table_url"):
        st.session_state["dict_table"] = raw
    st.session_state["_dict_table_url"] = raw
    name = st.selectbox("数据表", names, key="dict_table", format_func=table_label,
                        help="选择一张表，查看它的列、校验规则，并下载上传模板。")
    if name and st.query_params.get("table") != name:
        st.query_params["table"] = name
    elif not name and "table" in st.query_params:
        del st.query_params["table"]
    st.session_state["_dict_table_url"] = name
    return name


def _pick_table(names: list[str]) -> None:
    rows = getattr(getattr(st.session_state.get("dict_overview"), "selection", None), "rows", None) or []
    if rows:
        st.session_state["dict_table"] = names[rows[0]]


def tables_overview() -> None:
    from etl.dictionary import KIND_ZH, MODE_ZH
    tables = _tables()
    st.subheader("全部数据表", anchor=False)
    rows = [{"中文名": t.label, "表名": t.name, "类别": KIND_ZH.get(t.kind, t.kind), "列数": len(t.columns),
             "主键": "、".join(t.column(k).header for k in t.key),
             "上传方式": (t.mode_note or MODE_ZH.get(t.mode, t.mode)) if t.uploadable else "系统或管理员维护，不通过模板上传",
             "说明": t.description} for t in tables]
    names = [t.name for t in tables]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", height=38 + 35 * len(rows), key="dict_overview",
                 on_select=lambda: _pick_table(names), selection_mode="single-row",
                 column_config={"说明": st.column_config.TextColumn(width="large"),
                                "上传方式": st.column_config.TextColumn(width="medium")})
    st.caption("选中表格中的一行，查看该表的列和校验规则，并下载上传模板。")
    st.subheader("全部列", anchor=False)
    text = st.text_input("搜索列", key="dict_search", placeholder="输入列名、显示名或关键词，如 县区代码、满意")
    cols = search(data_misc.dictionary_frame(), text)
    st.caption(f"共{len(cols)}列。")
    st.dataframe(cols, hide_index=True, width="stretch", height=520,
                 column_config={"取值范围/枚举/格式": st.column_config.TextColumn(width="large"),
                                "校验说明": st.column_config.TextColumn(width="large")})


def table_detail(name: str) -> None:
    from etl.dictionary import KIND_ZH, MODE_ZH
    from etl.schema import BY_NAME
    t = BY_NAME[name]
    st.subheader(table_label(name), anchor=False)
    st.markdown(t.description or "")
    info = {"类别": f"{KIND_ZH.get(t.kind, t.kind)}表", "主键": "、".join(t.column(k).header for k in t.key) or "—",
            "上传方式": (t.mode_note or MODE_ZH.get(t.mode, t.mode)) if t.uploadable else "系统或管理员维护，不通过模板上传"}
    if t.provenance:
        info["依据"] = t.provenance
    st.markdown("　".join(f"**{k}**：{v}" for k, v in info.items()))
    if t.uploadable:
        a, b, _ = st.columns([1, 1, 2])
        a.download_button("下载 Excel 模板（.xlsx）", data_misc.template_xlsx(name), file_name=f"{t.label}_{name}.xlsx",
                          mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                          icon=":material/download:", key="dl_xlsx", on_click="ignore", width="stretch")
        b.download_button("下载 CSV 模板（.csv）", data_misc.template_csv(name), file_name=f"{t.label}_{name}.csv",
                          mime="text/csv", icon=":material/download:", key="dl_csv", on_click="ignore", width="stretch")
        st.caption("Excel 模板含“填写说明”工作表和下拉选项；CSV 模板为 UTF-8（带BOM）的表头行。表头可用显示名（中文）或列名（英文）。"
                   f"上传后{info['上传方式'].rstrip('。')}。")
    cols = data_misc.dictionary_frame()
    cols = cols[cols["表名"] == name].drop(columns=["表名", "表中文名", "类别"])
    cols = cols[["显示名", "列名"] + [c for c in cols.columns if c not in ("显示名", "列名")]]
    st.dataframe(cols, hide_index=True, width="stretch", height=38 + 35 * len(cols),
                 column_config={"取值范围/枚举/格式": st.column_config.TextColumn(width="large"),
                                "校验说明": st.column_config.TextColumn(width="large")})
    rules = data_misc.rules_frame()
    rules = rules[rules["表"] == name][["列", "级别", "说明", "依据", "规则代码"]]
    if len(rules):
        st.markdown(f"**校验规则（{len(rules)}条）**：“错误”会使该行不能入库；“警告”不阻止入库，在看板中作为政策性提示显示。")
        st.dataframe(rules, hide_index=True, width="stretch", height=38 + 35 * len(rules),
                     column_config={"说明": st.column_config.TextColumn(width="large")})
