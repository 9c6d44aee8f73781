"""Sections of the 代表工作 (pages/4_deputies.py) and 建议办理 (pages/5_suggestions.py) pages.

Each section: data functions -> chart builders -> frame.chart / frame.table. City view: one bar per county;
county view: that county's townships (where the KPI is defined per township) with the county and the city as
reference lines, or the counties with the chosen one outlined (KPIs defined only for counties).
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from etl.indicators import BY_CODE
from pages._common import cards, charts, data, frame
from pages._common import charts_dep as cd
from pages._common import data_dep as dd

DEPUTY_KPIS = ("station_coverage", "station_standard_rate", "station_activity_avg", "deputy_station_rate",
               "opinion_closure_rate", "archive_rate", "points_pass_rate", "points_avg")
SUGGESTION_KPIS = ("on_time_reply_rate", "closure_rate", "face_to_face_rate", "satisfaction_broad",
                   "satisfaction_strict", "satisfaction_coverage", "resolution_rate", "implementation_rate",
                   "key_closure_rate", "key_review_rate", "quality_score_avg", "handling_score_avg")
FIG = st.cache_resource(**charts.FIGURE_CACHE)  # built figures (never mutated after building)
SHORT = {"satisfaction_broad": "满意+基本满意", "satisfaction_strict": "仅满意", "satisfaction_coverage": "测评覆盖率",
         "key_closure_rate": "办结率", "key_review_rate": "回头看覆盖率", "quality_score_avg": "建议质量均分",
         "handling_score_avg": "办理成效均分", "suggestion_fund": "建议办理专项资金", "implemented_funds": "建议落实资金"}


def caption(ind, snap=None) -> str:
    """frame.kpi_caption with the registry's parameter codes put into Chinese (users never see identifiers)."""
    months = (dd.rule(snap, "reply_months", 3), dd.rule(snap, "reply_months_extended", 6)) if snap else (3, 6)
    text = frame.kpi_caption(ind)
    for code, zh in (("points_pass_line（", "合格线（"), ("（points_scheme）", ""), ("（cfg_station_standard，", "（"),
                     ("data-model", "数据模型说明"), ("；分母：—", ""), ("reply_months_extended", f"{months[1]:g}"),
                     ("reply_months", f"{months[0]:g}")):
        text = text.replace(code, zh)
    return text


def scope_name(snap, f) -> str:
    return data.unit_name(snap, f.county) if f.county else data.city(snap)["city_name"]


def _value(snap, year: int, code: str, county: str | None):
    rows = data.kpi_city_year(snap, year, county)
    row = rows[rows["kpi_code"] == code]
    return row["value"].iloc[0] if len(row) else None


def _no_data(text: str = "所选年度和范围暂无数据。") -> None:
    st.info(text)


def headline(snap, f, scope: str, codes: tuple[str, ...], title: str) -> None:
    st.subheader(f"{scope} {f.year}年 {title}", anchor=False)
    kpis = data.kpi_city_year(snap, f.year, f.county)
    unit = f.county or data.city(snap)["city_code"]
    trends = data.kpi_series(snap, codes, f.county)
    cards.kpi_grid(kpis, BY_CODE, codes=codes, trends=trends[trends["unit_code"] == unit])


# --- generic KPI views -------------------------------------------------------------------------------

@FIG
def fig_by_unit(snap, f, code: str):
    """Bars per township of the chosen county (KPI defined per township) or per county, with references."""
    ind, scope = BY_CODE[code], scope_name(snap, f)
    towns = bool(f.county) and "乡" in ind.levels
    df = data.kpi_units(snap, (code,), f.year, "乡" if towns else "县", f.county if towns else None)
    if df.empty or df["value"].isna().all():
        return None
    axis = "比例" if ind.unit == "%" else f"{ind.name_zh}（{ind.unit}）"
    if towns:
        fig = charts.unit_bar_chart(df, f"{f.year}年{scope}各乡镇（街道）{ind.name_zh}", ind.unit, horizontal=True,
                                    height=max(380, 30 * min(len(df), charts.MAX_UNITS) + 160),
                                    higher_better=ind.direction != "lower")
        fig.update_xaxes(title={"text": axis})
        fig.update_yaxes(title={"text": "乡镇（街道）"})
        cd.reference_line(fig, _value(snap, f.year, code, f.county), f"{scope}合计", ind.unit, horizontal=False,
                          dash="dashdot", color=cd.SERIES[1])
    else:
        fig = charts.unit_bar_chart(df, f"{f.year}年各县区{ind.name_zh}", ind.unit, keep=f.county,
                                    higher_better=ind.direction != "lower")
        fig.update_xaxes(title={"text": "县区"})
        fig.update_yaxes(title={"text": axis})
        if f.county:
            cd.highlight(fig, scope)
    cd.reference_line(fig, _value(snap, f.year, code, None), data.area(snap), ind.unit, horizontal=not towns)
    cd.label_bars(fig, ind.unit, horizontal=towns)
    return cd.legend_below(fig, -0.16 if towns else -0.22)


def kpi_by_unit(snap, f, code: str, scope: str, key: str) -> None:
    fig = fig_by_unit(snap, f, code)
    if fig is None:
        return _no_data()
    towns = bool(f.county) and "乡" in BY_CODE[code].levels
    frame.chart(fig, key=key, drill="township" if towns else "county",
                caption=("黑框为所选县区。" if f.county and not towns else "") + caption(BY_CODE[code], snap))


@FIG
def fig_trend(snap, f, code: str):
    ind, scope = BY_CODE[code], scope_name(snap, f)
    df = data.kpi_series(snap, (code,), f.county)
    df = df[df["level"].isin(["市", "县"])]
    if df.empty or df["value"].isna().all():
        return None
    title = f"{scope}与{data.area(snap)}{ind.name_zh}变化趋势" if f.county else f"{scope}{ind.name_zh}变化趋势"
    fig = charts.kpi_trend_chart(df, title, ind.unit)
    if ind.unit != "%":
        fig.update_yaxes(title={"text": f"{ind.name_zh}（{ind.unit}）"})
    return cd.legend_below(fig)


def kpi_trend(snap, f, code: str, scope: str, key: str) -> None:
    fig = fig_trend(snap, f, code)
    if fig is None:
        return _no_data()
    frame.chart(fig, key=key, caption=caption(BY_CODE[code], snap))


def kpi_pair(snap, f, code: str, scope: str, key: str) -> None:
    left, right = st.columns(2)
    with left:
        kpi_by_unit(snap, f, code, scope, key + "_unit")
    with right:
        kpi_trend(snap, f, code, scope, key + "_trend")


@FIG
def fig_multi_trend(snap, f, codes: tuple[str, ...], title: str, y_title: str = ""):
    df = data.kpi_series(snap, codes, f.county)
    money = all(BY_CODE[c].agg == "sum" for c in codes)  # a county's sum is not comparable with the city's
    df = df[df["level"].isin(["县"] if money and f.county else ["市", "县"])].copy()
    if df.empty or df["value"].isna().all():
        return None
    df["measure"] = df["kpi_code"].map(lambda c: SHORT.get(c, BY_CODE[c].name_zh))
    df["series"] = df["unit_name"] + "·" + df["measure"]
    df["dashed"] = (df["level"] == "市") & bool(f.county)
    rank = {c: i for i, c in enumerate(codes)}
    df = df.assign(_l=df["level"].map({"县": 0, "市": 1}), _k=df["kpi_code"].map(rank)).sort_values(["_l", "_k", "year"])
    targets = {BY_CODE[c].default_target for c in codes}
    return cd.multi_trend_chart(df, title, BY_CODE[codes[0]].unit, target=targets.pop() if len(targets) == 1 else None,
                                y_title=y_title)


def multi_trend(snap, f, codes: tuple[str, ...], title: str, key: str, y_title: str = "") -> None:
    """Several KPIs of the same unit over the years; with a county chosen, the city is drawn dotted."""
    fig = fig_multi_trend(snap, f, codes, title, y_title)
    if fig is None:
        return _no_data()
    text = "；".join(caption(BY_CODE[c], snap) for c in codes)
    money = all(BY_CODE[c].agg == "sum" for c in codes)
    frame.chart(fig, key=key, caption=(f"虚线为{data.area(snap)}。" if f.county and not money else "") + text)


@FIG
def fig_multi_by_county(snap, f, codes: tuple[str, ...], title: str, y_title: str):
    df = data.kpi_units(snap, codes, f.year, "县")
    if df.empty or df["value"].isna().all():
        return None
    first, note = charts.bounded(df[df["kpi_code"] == codes[0]], keep=f.county, what="个县区",
                                 higher_better=BY_CODE[codes[0]].direction != "lower")
    if note:
        df = df[df["unit_code"].isin(first["unit_code"])]
    out = df[["unit_code", "unit_name"]].drop_duplicates("unit_code").reset_index(drop=True)
    ind = BY_CODE[codes[0]]
    for c in codes:
        part = df[df["kpi_code"] == c].set_index("unit_code")
        out[c] = out["unit_code"].map(part["value"])
        out[f"{c}_num"] = out["unit_code"].map(part["numerator"])
        if ind.unit == "%":
            out[f"{c}_den"] = out["unit_code"].map(part["denominator"])
    targets = {BY_CODE[c].default_target for c in codes}
    return cd.paired_bar_chart(out, title, [(c, SHORT.get(c, BY_CODE[c].name_zh)) for c in codes], ind.unit,
                               y_title, target=targets.pop() if len(targets) == 1 else None,
                               highlight_name=scope_name(snap, f) if f.county else None)


def multi_by_county(snap, f, codes: tuple[str, ...], title: str, key: str, y_title: str) -> None:
    """Grouped bars per county for several KPIs of the same unit (chosen county in bold)."""
    fig = fig_multi_by_county(snap, f, codes, title, y_title)
    if fig is None:
        return _no_data()
    frame.chart(fig, key=key, drill="county",
                caption=("黑框、加粗的为所选县区。" if f.county else "") + "；".join(caption(BY_CODE[c], snap) for c in codes))


# --- 代表工作 -------------------------------------------------------------------------------------------

def coverage_section(snap, f, scope: str) -> None:
    ind = BY_CODE["station_coverage"]
    if not f.county:
        return kpi_pair(snap, f, "station_coverage", scope, "dep_cov")
    left, right = st.columns(2)
    with left:
        df = data.kpi_units(snap, ("station_coverage",), f.year, "乡", f.county)
        missing = df[df["value"] < 1][["unit_code", "unit_name"]].rename(columns={"unit_name": "未建乡镇级站点的乡镇（街道）"})
        if df.empty:
            _no_data()
        elif missing.empty:
            st.success(f"{f.year}年{scope}全部{len(df)}个乡镇（街道）均已建成乡镇级联络站点。")
        else:
            st.warning(f"{f.year}年{scope}有{len(missing)}个乡镇（街道）尚未建成乡镇级联络站点（共{len(df)}个）：")
            frame.table(missing, key="dep_cov_missing", drill="township", code_column="unit_code")
        st.caption(caption(ind, snap))
    with right:
        kpi_trend(snap, f, "station_coverage", scope, "dep_cov_trend")


def _station_label(name: str) -> str:
    return name.replace("人大常委会基层", "").replace("人大代表", "")


@FIG
def fig_standard_map(snap, f):
    """七有 heatmap: counties × items with rates (city view) or stations × items ✓/✗ (county view)."""
    labels = dd.station_standard(snap)
    n_items, scope = len(labels), scope_name(snap, f)
    if f.county:
        st_df = dd.station_checklist(snap, f.year, f.county)
        if st_df.empty:
            return None
        matrix = pd.DataFrame({lab: st_df[code].map({True: 1, False: 0}) for code, lab in
                               zip(labels["item_code"], labels["label_zh"])})
        matrix["全部达标"] = matrix.min(axis=1, skipna=False).fillna(0).where(st_df["reported"])
        matrix.index = st_df["station_name"].map(_station_label)
        fig = charts.heatmap_chart(matrix, f"{f.year}年{scope}乡镇级联络站点标准清单", list(st_df["township_code"]),
                                   height=max(360, 30 * len(matrix) + 170), limit=charts.MAX_ROWS)
        fig.update_layout(margin={"t": 96})  # room for the item labels on top, under the title
        return fig
    items = dd.station_items(snap, f.year)
    if items.empty:
        return None
    k17 = data.kpi_units(snap, ("station_standard_rate",), f.year, "县")
    cols = ["unit_code", "unit_name", "item", "num", "den"]
    cells = pd.concat([
        items.assign(unit_code=items["county_code"], unit_name=items["county_name"], item=items["label_zh"],
                     num=items["n_pass"], den=items["n_stations"])[cols],
        k17.assign(item="全部达标（K17）", num=k17["numerator"], den=k17["denominator"])[cols]])
    order = {n: i for i, n in enumerate(items.drop_duplicates("county_code")["county_name"])}
    cells = cells[cells["unit_name"].isin(order)].sort_values("unit_name", key=lambda s: s.map(order), kind="stable")
    city = cells.groupby("item", sort=False)[["num", "den"]].sum().reset_index().assign(unit_code="", unit_name=data.area(snap))
    shown, note = charts.bounded(k17, keep=f.county, what="个县区")  # a province / the nation: lowest K17 only
    if note:
        cells = cells[cells["unit_code"].isin(shown["unit_code"])]
    name = "“七有”" if n_items == 7 else f"{n_items}项标准"
    return charts.add_note(cd.rate_heatmap(pd.concat([cells, city]), f"{f.year}年各县区联络站点{name}分项达标率"), note)


@FIG
def fig_item_rates(snap, f):
    items = dd.station_items(snap, f.year)
    if items.empty:
        return None
    scope = scope_name(snap, f)
    area = data.area(snap)
    frames = [items.groupby(["sort", "label_zh"], as_index=False)[["n_pass", "n_stations"]].sum().assign(series=area)]
    if f.county:
        frames.insert(0, items[items["county_code"] == f.county].assign(series=scope))
    rates = pd.concat(frames).sort_values("sort", kind="stable").rename(
        columns={"label_zh": "item", "n_pass": "num", "n_stations": "den"})
    title = f"{f.year}年{scope}与{area}联络站点分项达标率" if f.county else f"{f.year}年{scope}联络站点分项达标率"
    return cd.item_rate_chart(rates[["item", "series", "num", "den"]], title, city_series=area)


@FIG
def fig_item_trend(snap, f):
    trend = dd.station_item_trend(snap, f.county)
    if trend.empty:
        return None
    trend = trend.rename(columns={"label_zh": "item", "n_pass": "num", "n_stations": "den"})
    return cd.item_trend_chart(trend[["year", "item", "num", "den"]], f"{scope_name(snap, f)}联络站点分项达标率变化趋势")


def standard_section(snap, f, scope: str) -> None:
    """七有: items × counties (city) or stations (county) heatmap, K17 trend, per-item rates and their trend."""
    ind = BY_CODE["station_standard_rate"]
    fig = fig_standard_map(snap, f)
    if fig is None:
        return _no_data("所选年度和范围没有乡镇级联络站点数据。")
    left, right = st.columns([1.25, 1])
    with left:
        if f.county:
            frame.chart(fig, key="dep_std_map", drill="township",
                        caption="✓ 达标，✗ 未达标；未填报的站点按未达标计。" + caption(ind, snap))
        else:
            frame.chart(fig, key="dep_std_map", drill="county",
                        caption="格内为达标站点占本县区有效乡镇级站点的比例；最后一列为各项全部达标（K17）。"
                                + caption(ind, snap))
    with right:
        kpi_trend(snap, f, "station_standard_rate", scope, "dep_std_trend")
    left, right = st.columns(2)
    with left:
        frame.chart(fig_item_rates(snap, f), key="dep_std_items",
                    caption="各项为“是”的站点占有效乡镇级站点的比例；未填报按未达标计。清单来自“站点标准”配置（默认源城“七有”）。")
    with right:
        frame.chart(fig_item_trend(snap, f), key="dep_std_item_trend", caption="各项为“是”的站点占有效乡镇级站点的比例。")


def stations_section(snap, f, scope: str) -> None:
    tabs = st.tabs(["站点覆盖（K16）", "“七有”达标（K17）", "站均活动（K18）", "意见办结（K20）", "代表进站（K19）"])
    with tabs[0]:
        coverage_section(snap, f, scope)
    with tabs[1]:
        standard_section(snap, f, scope)
    with tabs[2]:
        kpi_pair(snap, f, "station_activity_avg", scope, "dep_act")
    with tabs[3]:
        kpi_pair(snap, f, "opinion_closure_rate", scope, "dep_op")
    with tabs[4]:
        kpi_pair(snap, f, "deputy_station_rate", scope, "dep_visit")


@FIG
def fig_points_hist(snap, f, pass_line: float, good_line: float):
    bins = dd.points_bins(snap, f.year, f.county)
    if bins.empty:
        return None
    title = f"{f.year}年{scope_name(snap, f)}代表履职积分分布（{int(bins['n'].sum())}人）"
    return cd.points_hist_chart(bins, title, pass_line, good_line)


@FIG
def fig_points_grades(snap, f):
    grades = dd.points_grades(snap, f.year, f.county)
    where = f"{scope_name(snap, f)}各选区（乡镇）" if f.county else "各县区"
    share = grades.assign(bad=(grades["grade"] == "差") * grades["n"])
    share = share.assign(bad=share.groupby("unit_code")["bad"].transform("sum")
                         / share.groupby("unit_code")["n"].transform("sum").where(lambda n: n > 0))
    grades, note = charts.bounded(share, "unit_code", "bad", higher_better=False,
                                  what="个选区（乡镇）" if f.county else "个县区")  # most 差 first
    return charts.add_note(cd.grade_share_chart(grades.drop(columns="bad"), f"{f.year}年{where}代表履职等级构成"), note)


def points_section(snap, f, scope: str) -> None:
    """履职积分: distribution with the grade lines, grade bands per unit, K22 trend and the 约谈 list."""
    pass_line, good_line = dd.rule(snap, "points_pass_line", 60.0), dd.rule(snap, "points_good_line", 80.0)
    hist = fig_points_hist(snap, f, pass_line, good_line)
    if hist is None:
        return _no_data("所选年度和范围没有履职积分记录。")
    levels = "、".join(dd.points_levels(snap, f.year, f.county))
    ind = BY_CODE["points_pass_rate"]
    left, right = st.columns(2)
    with left:
        frame.chart(hist, key="dep_pts_hist", caption=f"范围：有积分记录的{levels}代表；每5分一档。"
                    f"≥{good_line:g}分为履职好，{pass_line:g}–{good_line:g}分为较好，<{pass_line:g}分为差。"
                    + caption(ind, snap))
    with right:
        frame.chart(fig_points_grades(snap, f), key="dep_pts_grade", drill="township" if f.county else "county",
                    caption=("按代表选区所在乡镇统计；" if f.county else "") + "“差”占比高的排在上方。" + caption(ind, snap))
    left, right = st.columns(2)
    with left:
        multi_trend(snap, f, ("points_pass_rate",), f"{scope}履职积分合格率变化趋势", "dep_pts_trend")
    with right:
        low_score_list(snap, f, scope, pass_line)


def low_score_list(snap, f, scope: str, pass_line: float) -> None:
    low = dd.low_scores(snap, f.year, f.county)
    st.markdown(f"**{f.year}年{scope}履职积分低于{pass_line:g}分的代表（约谈名单，{data.total(low)}人）**")
    if low.empty:
        st.success(f"{f.year}年{scope}没有履职积分低于{pass_line:g}分的代表。")
        return
    cols = {"deputy_id": "代表编号", "name": "姓名", "level": "层级", "county_name": "县区", "township_name": "选区",
            "total_points": "总分", "last_points": "上年总分"}
    if low["name"].isna().all():
        cols.pop("name")
    if low["level"].nunique() <= 1:
        cols.pop("level")
    if f.county:
        cols.pop("county_name")
    shown = low[list(cols)].rename(columns=cols)
    shown["选区"] = shown["选区"].fillna("—")
    shown["上年总分"] = [f"{v:.1f}" if pd.notna(v) else "—" for v in low["last_points"]]
    twice = int((low["last_points"] < pass_line).sum())
    st.dataframe(shown, hide_index=True, width="stretch", height=min(420, 36 * len(shown) + 40), key="dep_low",
                 column_config={"总分": st.column_config.NumberColumn(format="%.1f")})
    if data.cap_note(low):
        st.caption(data.cap_note(low, "人"))
    if twice:
        st.warning(f"{'其中' if data.total(low) == len(low) else '所列代表中'}{twice}人连续两年低于{pass_line:g}分。")
    st.caption("依据：银川市人大代表履职评价办法 [S62]：<60分为差，应约谈；连续两年为差的，建议辞职或依法罢免。"
               + ("姓名为登记名，可能为化名。" if "name" in cols else ""))


# --- 建议办理 -------------------------------------------------------------------------------------------

def on_time_section(snap, f, scope: str) -> None:
    kpi_pair(snap, f, "on_time_reply_rate", scope, "sug_ontime")
    late = dd.late_replies(snap, f.year, f.county)
    if late.empty:
        st.success(f"{f.year}年{scope}县级代表建议全部按期答复。")
        return
    st.markdown(f"**{f.year}年{scope}逾期答复的县级代表建议（{data.total(late)}件，法定底线：交办之日起3个月内答复，"
                "经同意延期的6个月）**")
    shown = late.assign(replied=late["replied_date"].dt.strftime("%Y-%m-%d").fillna("未答复"),
                        key_sup=late["key_supervised"].map({True: "是", False: "否"}).fillna("—"))
    cols = {"suggestion_id": "建议编号", "title": "标题", "county_name": "县区", "unit_name": "承办单位",
            "assigned_date": "交办日期", "due_date": "答复期限", "replied": "答复日期", "days_late": "逾期天数",
            "key_sup": "重点督办"}
    if f.county:
        cols.pop("county_name")
    st.dataframe(shown[list(cols)].rename(columns=cols), hide_index=True, width="stretch", key="sug_late",
                 height=min(400, 36 * len(shown) + 40),
                 column_config={"交办日期": st.column_config.DateColumn(format="YYYY-MM-DD"),
                                "答复期限": st.column_config.DateColumn(format="YYYY-MM-DD"),
                                "逾期天数": st.column_config.NumberColumn(format="%d天"),
                                "标题": st.column_config.TextColumn(width="medium"),
                                "承办单位": st.column_config.TextColumn(width="small")})
    st.caption("逾期：答复日期晚于答复期限，或截至当年12月31日已过期限仍未答复（未答复的逾期天数计至12月31日）。"
               + data.cap_note(late, "件"))


def handling_tabs(snap, f, scope: str) -> None:
    tabs = st.tabs(["办结率（K24）", "面商率（K25）", "满意率（K26）"])
    with tabs[0]:
        kpi_pair(snap, f, "closure_rate", scope, "sug_close")
    with tabs[1]:
        kpi_pair(snap, f, "face_to_face_rate", scope, "sug_f2f")
    with tabs[2]:
        left, right = st.columns(2)
        with left:
            kpi_by_unit(snap, f, "satisfaction_strict", scope, "sug_sat_unit")
        with right:
            multi_trend(snap, f, ("satisfaction_broad", "satisfaction_strict", "satisfaction_coverage"),
                        f"{scope}满意率与测评覆盖率变化趋势" if not f.county else f"{scope}与{data.area(snap)}满意率变化趋势",
                        "sug_sat_trend")


@FIG
def fig_class_year(snap, f):
    by_year = dd.class_by_year(snap, f.county)
    if by_year.empty:
        return None
    return cd.class_share_chart(by_year, f"{scope_name(snap, f)}县级代表建议办理结果构成（按年度）", "year",
                                target=BY_CODE["resolution_rate"].default_target)


@FIG
def fig_class_county(snap, f):
    by_county = dd.class_by_county(snap, f.year)
    if by_county.empty:
        return None
    total = by_county.drop(columns=["county_code", "county_name"]).sum().to_frame().T.assign(
        county_code="", county_name=data.area(snap))
    shown, note = charts.bounded(by_county.assign(a=by_county["n_a"] / by_county["n_replied"].where(by_county["n_replied"] > 0)),
                                 "county_code", "a", keep=f.county, name_col="county_name", what="个县区")  # fewest A
    df = pd.concat([shown.drop(columns="a"), total], ignore_index=True)
    return charts.add_note(cd.class_share_chart(df, f"{f.year}年各县区县级代表建议办理结果构成", "county_name",
                                                code="county_code", x_title="县区",
                                                highlight_name=scope_name(snap, f) if f.county else None,
                                                target=BY_CODE["resolution_rate"].default_target), note)


def results_section(snap, f, scope: str) -> None:
    text = "；".join(caption(BY_CODE[c], snap) for c in ("resolution_rate", "implementation_rate"))
    left, right = st.columns(2)
    with left:
        fig = fig_class_year(snap, f)
        if fig is None:
            _no_data()
        else:
            frame.chart(fig, key="sug_cls_year", caption=text)
    with right:
        fig = fig_class_county(snap, f)
        if fig is None:
            return _no_data()
        frame.chart(fig, key="sug_cls_county", drill="county",
                    caption=("黑框、加粗的为所选县区。" if f.county else "") + "A类占比即解决率，A+B类占比即落实率。" + text)


def key_section(snap, f, scope: str) -> None:
    codes = ("key_closure_rate", "key_review_rate")
    left, right = st.columns(2)
    with left:
        multi_by_county(snap, f, codes, f"{f.year}年各县区重点督办建议办结率与回头看覆盖率", "sug_key_unit", "比例")
    with right:
        multi_trend(snap, f, codes, f"{scope}重点督办建议办结与回头看变化趋势", "sug_key_trend")


def eval_funds_tabs(snap, f, scope: str) -> None:
    tabs = st.tabs(["双评价（K29）", "建议办理资金（K30）"])
    for tab, codes, what, unit_title in (
            (tabs[0], ("quality_score_avg", "handling_score_avg"), "双评价均分", "平均分（分）"),
            (tabs[1], ("suggestion_fund", "implemented_funds"), "建议办理专项资金与落实资金", "金额（万元）")):
        with tab:
            left, right = st.columns(2)
            with left:
                multi_by_county(snap, f, codes, f"{f.year}年各县区{what}", f"sug_{codes[0]}_unit", unit_title)
                if codes[0] == "suggestion_fund":
                    st.caption("没有蓝色柱的县区当年未设立建议办理专项资金（见K34）。")
            with right:
                multi_trend(snap, f, codes, f"{scope}{what}变化趋势", f"sug_{codes[0]}_trend", unit_title)


UNIT_METRICS = {"按期答复率": ("on_time_rate", "n_on_time", "n", 1.0),
                "满意率（仅满意）": ("satisfaction_strict", "n_strict", "n_evaluated", 0.95),
                "解决率（A类占比）": ("resolution_rate", "n_a", "n_replied", 0.70)}


MIN_UNIT_CASES = 3  # the ranking chart leaves out units with fewer cases in the rate's denominator


@FIG
def fig_unit_rank(snap, f, label: str):
    col, num, den, target = UNIT_METRICS[label]
    units = dd.handling_units(snap, f.year, f.county, weakest=(col, den))
    ranked = units[(units[den] >= MIN_UNIT_CASES) & units[col].notna()].sort_values([col, den], ascending=[True, False])
    if ranked.empty:
        return None
    shown = ranked.head(15)
    title = f"{f.year}年{scope_name(snap, f)}{label}最低的{len(shown)}个承办单位"
    return cd.unit_rank_chart(shown, title, col, num, den, label, target=target)


def handling_unit_section(snap, f, scope: str) -> None:
    units = dd.handling_units(snap, f.year, f.county)
    if units.empty:
        return _no_data()
    label = st.radio("排名依据", list(UNIT_METRICS), horizontal=True, key="sug_unit_metric")
    col, _, den, _ = UNIT_METRICS[label]
    units = dd.handling_units(snap, f.year, f.county, weakest=(col, den))
    left, right = st.columns([1, 1.2])
    with left:
        fig = fig_unit_rank(snap, f, label)
        if fig is None:
            _no_data()
        else:
            frame.chart(fig, key="sug_unit_rank", caption=f"红色虚线为目标（{UNIT_METRICS[label][3]:.0%}）。仅统计分母不少于"
                        f"{MIN_UNIT_CASES}件的承办单位；括号内为分子/分母。承办单位为建议的主办单位。")
    with right:
        table = units.sort_values([col, den], ascending=[True, False], na_position="last")
        cols = {"unit_name": "承办单位", "county_name": "县区", "n": "件数", "on_time_rate": "按期答复率",
                "satisfaction_strict": "满意率", "resolution_rate": "解决率"}
        if f.county:
            cols.pop("county_name")
        shown = table[list(cols)].rename(columns=cols)
        pct = {}
        for c in ("按期答复率", "满意率", "解决率"):
            shown[c] = shown[c] * 100
            pct[c] = st.column_config.NumberColumn(c, format="%.1f%%")
        st.dataframe(shown, hide_index=True, width="stretch", height=460,
                     key="sug_units", column_config={"件数": st.column_config.NumberColumn(format="%d件"), **pct})
        st.caption(f"共{data.total(units)}个承办单位，按“{label}”从低到高排列"
                   + (f"（显示最低的{len(units)}个，其余请选择县区查看）" if data.total(units) > len(units) else "")
                   + "。按期答复率=按期答复件数÷件数；满意率（仅满意）"
                   "=满意件数÷已测评件数；"
                   "解决率=A类件数÷已答复件数。")


@FIG
def fig_category(snap, f):
    df = dd.class_by_category(snap, f.year, f.county)
    if df.empty:
        return None
    return cd.category_chart(df, f"{f.year}年{scope_name(snap, f)}县级代表建议按类别的件数与办理结果")


def category_section(snap, f, scope: str) -> None:
    fig = fig_category(snap, f)
    if fig is None:
        return _no_data()
    left, right = st.columns([1.3, 1])
    with left:
        frame.chart(fig, key="sug_cat", caption="条形长度为件数，按办理结果分段；右侧为件数和解决率（A类件数÷已答复件数）。"
                    + caption(BY_CODE["resolution_rate"], snap))
    with right:
        df = dd.class_by_category(snap, f.year, f.county)

        def rate(num: str, den: str) -> pd.Series:
            return (df[num] / df[den].where(df[den] > 0) * 100).round(1)

        table = pd.DataFrame({"类别": df["category"], "件数": df["n"].astype(int), "按期答复率": rate("n_on_time", "n"),
                              "满意率": rate("n_strict", "n_evaluated"), "解决率": rate("n_a", "n_replied"),
                              "落实率": rate("n_ab", "n_replied")})
        st.markdown(f"**{f.year}年{scope}各类别建议办理情况**")
        st.dataframe(table, hide_index=True, width="stretch", key="sug_cat_table",
                     column_config={"件数": st.column_config.NumberColumn(format="%d件"),
                                    **{c: st.column_config.NumberColumn(format="%.1f%%")
                                       for c in ("按期答复率", "满意率", "解决率", "落实率")}})
        st.caption("按期答复率=按期答复件数÷件数；满意率（仅满意）=满意件数÷已测评件数；解决率=A类÷已答复；"
                   "落实率=(A+B)类÷已答复。")
