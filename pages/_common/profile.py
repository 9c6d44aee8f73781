"""Sections of the 县区画像 and 乡镇画像 pages (the pages stay thin: filters, then these calls)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from etl import fmt
from etl.indicators import BY_CODE, DIMENSIONS, INDICATORS
from pages._common import charts, data, frame
from pages._common import charts_profile as cp
from pages._common import data_profile as dp

LIUYOU = (("has_organization", "有机构"), ("has_venue", "有场地"), ("has_staff", "有人员"), ("has_rules", "有制度"),
          ("has_equipment", "有设备"), ("has_funding", "有经费"))
STREET_NOTE = "街道不设乡镇人民代表大会和主席团（由县级人大常委会在街道设立人大工委）"
INDEX_NOTE = ("综合指数按 data-model §3.2 计分：六个维度满分合计100分，另加创新宣传加分≤5分；权重为默认值（[A]），"
              "管理员可调整。“†”表示有指标缺少分母，按维度内其余指标折算。等级：≥90优秀，80–89.9良好，60–79.9一般，<60较差。")


# Figures are rebuilt only when their inputs change (hashed by Streamlit); frame.chart never mutates them.
_FIG = dict(max_entries=64, show_spinner=False)
_rank_history_chart = st.cache_resource(**_FIG)(cp.rank_history_chart)
_check_matrix_chart = st.cache_resource(**_FIG)(cp.check_matrix_chart)
_radar_chart = st.cache_resource(**_FIG)(charts.radar_chart)
_panels_chart = st.cache_resource(**_FIG)(cp.panels_chart)

def _yes(v) -> str:
    return "—" if fmt.is_missing(v) else ("是" if v else "否")


def _check(v, na: str = "未填报") -> str:
    return na if fmt.is_missing(v) else ("✓" if v else "✗")


# --- 县区画像 ---------------------------------------------------------------------------------------------

def county_index(snap, f, name: str) -> None:
    """Score, grade, rank (with change), the rank/score history and the radar against the city average."""
    every = data.index_history(snap)
    hist = every[every["county_code"] == f.county]
    now = hist[hist["year"] == f.year]
    st.subheader(f"{name} {f.year}年 综合指数", anchor=False)
    if now.empty:
        st.info(f"{f.year}年尚无{name}的综合指数。")
        return
    row, n_units = now.iloc[0], int((every["year"] == f.year).sum())
    last = hist[hist["year"] == f.year - 1]
    prev = last.iloc[0] if len(last) else None
    cols = st.columns(4)
    cols[0].metric("综合指数", f"{row['total']:.1f}分{row['dagger'] or ''}",
                   None if prev is None else f"{row['total'] - prev['total']:+.1f}分", delta_description="较上年")
    cols[1].metric("等级", row["grade"], help="≥90优秀，80–89.9良好，60–79.9一般（低于80分为通报线），<60较差")
    change = None if prev is None else int(prev["rank"] - row["rank"])
    area = data.area(snap)
    cols[2].metric(f"{area}排名（共{n_units}个县区）", f"第{int(row['rank'])}名",
                   None if change is None else ("持平" if change == 0 else f"{change:+d}位"),
                   delta_arrow="off" if change == 0 else "auto", delta_color="off" if change == 0 else "normal",
                   delta_description="较上年")
    city_now = every[every["year"] == f.year]["total"].mean()
    cols[3].metric(f"{area}平均", f"{city_now:.1f}分", f"本县{row['total'] - city_now:+.1f}分", delta_arrow="off",
                   delta_color="off")
    left, right = st.columns([1.1, 1])
    with left:
        avg = every.groupby("year", as_index=False)["total"].mean()
        fig = _rank_history_chart(hist, avg, n_units, f"{name}综合指数排名与得分（{hist['year'].min()}–{hist['year'].max()}年）",
                                  area=area)
        frame.chart(fig, key="profile_rank", caption=INDEX_NOTE)
    with right:
        dims = data.index_dimensions(snap, f.year)
        mine = dims[dims["county_code"] == f.county]
        city = dims.groupby(["dimension", "dimension_name"], as_index=False).agg(score=("score", "mean"),
                                                                                 max_score=("max_score", "max"))
        fig = _radar_chart(mine, f"{name} {f.year}年六个维度得分率与{area}平均", city, name=name,
                           compare_name=f"{area}平均")
        fig.update_layout(margin={"l": 80, "r": 80})  # room for the axis labels (组织建设, 建议办理)
        frame.chart(fig, key="profile_radar", caption=f"得分率＝维度得分÷维度满分；{area}平均为各县区维度得分的算术平均。"
                    "维度权重见下表“满分”（data-model §3.2，默认值[A]）。")
        table = mine[["dimension_name", "score", "max_score"]].merge(
            city[["dimension_name", "score"]].rename(columns={"score": "city"}), on="dimension_name")
        table = table.rename(columns={"dimension_name": "维度", "score": "本县得分", "city": f"{area}平均",
                                      "max_score": "满分"})[["维度", "本县得分", f"{area}平均", "满分"]]
        st.dataframe(table, hide_index=True, width="stretch", placeholder="—", column_config={
            c: st.column_config.NumberColumn(c, format="%.1f") for c in ("本县得分", f"{area}平均", "满分")})


@st.cache_data(**data.CACHE)
def kpi_rows(snap, year: int, county: str) -> pd.DataFrame:
    """Every county-level KPI of the county next to the city and the target (registry order)."""
    mine = data.kpi_city_year(snap, year, county).set_index("kpi_code")
    city = data.kpi_city_year(snap, year).set_index("kpi_code")
    area = data.area(snap)
    rows = []
    for ind in INDICATORS:
        if ind.code not in mine.index:
            continue
        m = mine.loc[ind.code]
        c = city.loc[ind.code] if ind.code in city.index else None
        status = m["status"] if isinstance(m["status"], str) else None
        delta = fmt.fmt_delta(m["value"], m["last_value"], ind.unit)
        if delta and fmt.is_flat(m["value"], m["last_value"], ind.unit):
            delta = "持平"
        frac = ("" if fmt.is_missing(m["denominator"]) or fmt.is_missing(m["numerator"]) or ind.agg == "sum"
                else f"{m['numerator']:,.4g} / {m['denominator']:,.4g}")
        rows.append({"family": ind.family, "kpi_code": ind.code, "编号": ind.ref, "指标": ind.name_zh,
                     "本县": fmt.fmt_value(m["value"], ind.unit), "分子 / 分母": frac,
                     area: "—" if c is None else fmt.fmt_value(c["value"], ind.unit),
                     "目标": "—" if fmt.is_missing(m["target"])
                     else fmt.fmt_value(m["target"], ind.unit, 0 if ind.unit == "%" else 1),
                     "状态": fmt.STATUS_ZH[status], "较上年": delta or "—", "依据": ind.provenance})
    return pd.DataFrame(rows)


def _status_style(value: str) -> str:
    for key, word in fmt.STATUS_ZH.items():
        if value == word and key:
            return f"background-color: {fmt.STATUS_COLOR[key]}; color: white; font-weight: 600"
    return ""


def county_kpis(snap, f, name: str) -> None:
    area = data.area(snap)
    st.subheader(f"{name} {f.year}年 各项指标与{area}、目标对比", anchor=False)
    table = kpi_rows(snap, f.year, f.county)
    if table.empty:
        st.info("该年度没有指标数据。")
        return
    families = [k for k in DIMENSIONS if k in set(table["family"])]
    labels = []
    for fam in families:
        part = table[table["family"] == fam]
        red = int((part["状态"] == fmt.STATUS_ZH["red"]).sum())
        labels.append(f"{DIMENSIONS[fam][0]}（{red}）")
    st.caption("按指标维度分页，括号内为未达标的指标数。")
    for tab, fam in zip(st.tabs(labels), families):
        with tab:
            part = table[table["family"] == fam].drop(columns=["family", "kpi_code"])
            styled = part.style.map(_status_style, subset=["状态"])
            st.dataframe(styled, hide_index=True, width="stretch", placeholder="—", key=f"profile_kpis_{fam}",
                         height=38 + 35 * len(part), column_config={
                "编号": st.column_config.TextColumn(width=52), "指标": st.column_config.TextColumn(width=222),
                "本县": st.column_config.TextColumn(width=78), "分子 / 分母": st.column_config.TextColumn(width=84),
                area: st.column_config.TextColumn(width=78), "目标": st.column_config.TextColumn(width=58),
                "状态": st.column_config.TextColumn(width=84), "较上年": st.column_config.TextColumn(width=104),
                "依据": st.column_config.TextColumn(width=114)})
    st.caption("状态：达标（绿）/ 接近目标（橙，达到目标的80%）/ 未达标（红；法定底线K10、K15、K23任一单位未达即为红）。"
               "比例指标的“较上年”为百分点变化。各指标口径和来源见“口径说明”页。")


MATRIX_COLS = (("liuyou_all", "六有全达标"), ("chair_fulltime", "主席（主任）专职"), ("two_sessions", "一年两会"),
               ("presidium_met", "主席团会议≥4次"), ("recess_met", "闭会活动≥2次"), ("station_ok", "联络站七有"))


def _township_flags(df: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Township × item matrix (1/0/NaN) and the text of NaN cells (不适用 / 未填报 / 无站点)."""
    flags = pd.DataFrame(index=df["township_name"].values)
    notes = pd.DataFrame("", index=flags.index, columns=[label for _, label in MATRIX_COLS])
    street = df["is_street"].values
    flags["六有全达标"] = df["liuyou_all"].astype(float).values
    chair = df["chair_status"]
    flags["主席（主任）专职"] = [None if fmt.is_missing(c) else float(c == "专职") for c in chair]
    for col, label in (("two_sessions", "一年两会"), ("presidium_met", "主席团会议≥4次")):
        flags[label] = [None if s else float(v) for v, s in zip(df[col], street)]
        notes.loc[street, label] = "不适用"
    flags["闭会活动≥2次"] = df["recess_met"].astype(float).values
    flags["联络站七有"] = [None if n == 0 else float(k == n) for k, n in zip(df["n_stations_standard"], df["n_stations"])]
    notes.loc[(df["n_stations"] == 0).values, "联络站七有"] = "无站点"
    return flags, notes


def county_townships(snap, f, name: str) -> None:
    df = dp.county_townships(snap, f.year, f.county)
    st.subheader(f"{name}所辖乡镇（街道） {f.year}年", anchor=False)
    if df.empty:
        st.info(f"{f.year}年没有{name}的乡镇（街道）数据。")
        return
    mine = data.kpi_city_year(snap, f.year, f.county).set_index("kpi_code")["value"]
    city = data.kpi_city_year(snap, f.year).set_index("kpi_code")["value"]
    n_t, n_j = int((~df["is_street"]).sum()), int(df["is_street"].sum())
    parts = []
    for code in ("liuyou_items_avg", "chair_fulltime_rate", "two_sessions_rate", "presidium_rate",
                 "recess_activity_rate", "station_standard_rate"):
        ind = BY_CODE[code]
        if code in mine.index and not fmt.is_missing(mine[code]):
            parts.append(f"{ind.name_zh} **{fmt.fmt_value(mine[code], ind.unit)}**"
                         f"（{data.area(snap)} {fmt.fmt_value(city.get(code), ind.unit)}）")
    st.markdown(f"共{n_t}个乡镇、{n_j}个街道。本县：" + "；".join(parts) + "。")
    flags, notes = _township_flags(df)
    fig = _check_matrix_chart(flags, f"{name} {f.year}年各乡镇（街道）主要指标达标一览", df["township_code"].tolist(),
                                notes=notes)
    frame.chart(fig, key="profile_town_matrix", drill="township",
                caption="✓达标 ✗未达标；“不适用”：" + STREET_NOTE + "；“未填报”按未达标计入指标。"
                + frame.kpi_caption(BY_CODE["liuyou_rate"]))
    frame.table(township_table(df), key="profile_town_table", drill="township", code_column="township_code",
                column_config=TOWNSHIP_COLUMNS, height=min(38 + 35 * len(df), 700), placeholder="—")
    st.caption("“—”：街道不设人代会和主席团，或没有乡镇级联络站点。点击列名可排序。")


TOWNSHIP_COLUMNS = {
    "乡镇（街道）": st.column_config.TextColumn(width=96),
    "类型": st.column_config.TextColumn(width=62),
    "六有达标项数": st.column_config.ProgressColumn("六有达标项数", min_value=0, max_value=6, format="%d / 6",
                                              color="#0072B2", width=110),
    "主席（工委主任）": st.column_config.TextColumn(width=100),
    "人代会次数": st.column_config.NumberColumn(format="%d次", width=72),
    "一年两会": st.column_config.TextColumn(width=66),
    "主席团会议": st.column_config.NumberColumn(format="%d次", width=76),
    "闭会期间活动": st.column_config.NumberColumn(format="%d次", width=88),
    "联络站七有": st.column_config.TextColumn(width=78),
    "站均活动次数": st.column_config.NumberColumn(format="%.1f次", width=84),
}


def township_table(df: pd.DataFrame) -> pd.DataFrame:
    """The county's townships, one row each, sortable, Chinese headers (township_code kept for drill-down)."""
    street = df["is_street"]
    out = pd.DataFrame({
        "township_code": df["township_code"],
        "乡镇（街道）": df["township_name"],
        "类型": df["unit_type"] + df["category"].fillna("").map(lambda c: f"·{c}" if c else ""),
        "六有达标项数": df["liuyou_items"].astype(int),
        "主席（工委主任）": df["chair_status"].fillna("未填报"),
        "人代会次数": df["n_congress"].where(~street).astype("Int64"),
        "一年两会": [("不适用" if s else _check(v)) for v, s in zip(df["two_sessions"], street)],
        "主席团会议": df["n_presidium"].where(~street).astype("Int64"),
        "闭会期间活动": df["n_recess"].astype("Int64"),
        "联络站七有": [("无站点" if n == 0 else ("✓" if k == n else "✗") + f" {k}/{n}站")
                  for k, n in zip(df["n_stations_standard"], df["n_stations"])],
        "站均活动次数": (df["station_activities"] / df["n_stations"].where(df["n_stations"] > 0)).round(1),
    })
    return out


def _unit_label(row) -> str:
    if isinstance(row["township_name"], str) and row["township_name"]:
        return row["township_name"]
    key = str(row["record_key"]).split("|")[-1]
    return key.removeprefix("其他:")


BREACH_LIST = 8


def warnings_section(snap, f, scope: str, township: str | None = None) -> None:
    """Statutory-floor breaches (mart_warning) and policy warnings (mart_policy_warning), grouped by rule."""
    st.subheader(f"{scope} 预警与政策性提示", anchor=False)
    if township:
        breaches = dp.township_breaches(snap, township)
        warnings = data.policy_warnings(snap, None, township[:6])
        warnings = warnings[warnings["township_code"] == township]
    else:
        breaches = data.floor_breaches(snap, f.year, f.county)
        warnings = data.policy_warnings(snap, f.year, f.county)
    when = "历年" if township else f"{f.year}年"
    if breaches.empty:
        st.success(f"{scope}{when}没有违反法定底线（K10 乡镇人代会、K15 出席人数、K23 按期答复）的情况。")
    else:
        items = [f"- {r.kpi_ref}：{r.message_zh}" for r in breaches.head(BREACH_LIST).itertuples()]
        more = f"\n\n另有{len(breaches) - BREACH_LIST}项见下表。" if len(breaches) > BREACH_LIST else ""
        st.warning(f"{scope}{when}有{len(breaches)}项违反法定底线，须督导整改：\n\n" + "\n".join(items) + more)
        if more:
            rest = breaches.iloc[BREACH_LIST:].rename(columns={"kpi_ref": "指标", "message_zh": "情况"})
            st.dataframe(rest[["指标", "情况"]], hide_index=True, width="stretch", placeholder="—")
    if warnings.empty:
        st.info(f"{scope}{when}没有政策性提示。")
        return
    w = warnings.assign(unit=warnings.apply(_unit_label, axis=1))
    if township:
        detail = w.rename(columns={"year": "年度", "table_label": "数据表", "header": "字段", "value": "当前值",
                                   "message_zh": "提示", "provenance": "依据"})
        st.markdown(f"政策性提示 **{len(w)}** 条（不阻止上传，供督导参考），其中{f.year}年 **{int((w['year'] == f.year).sum())}** 条：")
        st.dataframe(detail[["年度", "数据表", "字段", "当前值", "提示", "依据"]], hide_index=True, width="stretch", placeholder="—",
                     column_config={"年度": st.column_config.NumberColumn(format="%d"),
                                    "提示": st.column_config.TextColumn(width="large")})
        return
    summary = (w.groupby(["table_label", "message_zh", "provenance"], dropna=False)
               .agg(n=("unit", "size"), units=("unit", lambda s: "、".join(dict.fromkeys(s))))
               .reset_index().sort_values("n", ascending=False))
    summary = summary.rename(columns={"table_label": "数据表", "message_zh": "提示", "provenance": "依据", "n": "条数",
                                      "units": "涉及单位"})
    st.markdown(f"政策性提示 **{len(w)}** 条（不阻止上传，供督导参考），按规则归类：")
    st.dataframe(summary[["提示", "条数", "涉及单位", "依据"]], hide_index=True, width="stretch", placeholder="—",
                 column_config={"提示": st.column_config.TextColumn(width="large"),
                                "条数": st.column_config.NumberColumn(width="small"),
                                "涉及单位": st.column_config.TextColumn(width="large"),
                                "依据": st.column_config.TextColumn(width="small")})
    with st.expander("逐条明细"):
        detail = w.rename(columns={"unit": "单位", "table_label": "数据表", "header": "字段", "value": "当前值",
                                   "message_zh": "提示"})
        st.dataframe(detail[["单位", "数据表", "字段", "当前值", "提示"]], hide_index=True, width="stretch", placeholder="—")


# --- 乡镇画像 ---------------------------------------------------------------------------------------------

def township_header(snap, f, hist: pd.DataFrame) -> pd.Series | None:
    """Title line, facts of the unit and the five headline figures of the chosen year."""
    now = hist[hist["year"] == f.year]
    if now.empty:
        st.info(f"{f.year}年该乡镇（街道）不在有效单位中。")
        return None
    row = now.iloc[0]
    prev = hist[hist["year"] == f.year - 1]
    prev = prev.iloc[0] if len(prev) else None
    st.subheader(f"{row['county_name']} · {row['township_name']} {f.year}年", anchor=False)
    facts = [row["unit_type"] + (f"（{row['category']}）" if isinstance(row["category"], str) else ""),
             f"常住人口{row['population_10k']:.2f}万人" if not fmt.is_missing(row["population_10k"]) else "",
             f"村（社区）{int(row['village_count'])}个" if not fmt.is_missing(row["village_count"]) else "",
             f"代码 {row['township_code']}"]
    st.caption(" · ".join(x for x in facts if x))
    breaches = dp.township_breaches(snap, row["township_code"])
    now_breaches = breaches[breaches["year"] == f.year]
    if len(now_breaches):
        st.warning(f"{f.year}年违反法定底线：" + "；".join(now_breaches["message_zh"]) + "。", icon=":material/warning:")
    street = bool(row["is_street"])
    cols = st.columns(5)

    def delta(col) -> dict:
        d = None if prev is None else _delta(row[col], prev[col])
        if d is None:
            return {}
        flat = {"delta_arrow": "off", "delta_color": "off"} if d == "持平" else {}
        return {"delta": d, "delta_description": "较上年", **flat}
    cols[0].metric("“六有”达标项数", f"{int(row['liuyou_items'])} / 6项" if row["liuyou_reported"] else "未填报",
                   **delta("liuyou_items"))
    cols[1].metric("工委主任配备" if street else "人大主席配备", row["chair_status"] if isinstance(row["chair_status"], str)
                   else "未填报")
    if street:
        cols[2].metric("人代会 / 主席团会议", "街道不设", help=STREET_NOTE)
    else:
        cols[2].metric("人代会次数", f"{int(row['n_congress'])}次", **delta("n_congress"),
                       help="法定每年至少1次，一般每年2次（地方组织法第十四条）")
    cols[3].metric("闭会期间代表活动", f"{int(row['n_recess'])}次", **delta("n_recess"))
    n, k = int(row["n_stations"]), int(row["n_stations_standard"])
    cols[4].metric("联络站“七有”达标", "无站点" if n == 0 else f"{k} / {n}站",
                   help="乡镇级联络站点中“七有”各项全部达标的个数 / 站点数（K17）")
    return row


def _delta(now, before):
    if fmt.is_missing(now) or fmt.is_missing(before):
        return None
    d = int(now) - int(before)
    return f"{d:+d}" if d else "持平"


def township_liuyou(hist: pd.DataFrame, name: str) -> None:
    matrix = pd.DataFrame({f"{y}年": [None if fmt.is_missing(r[c]) else float(r[c]) for c, _ in LIUYOU]
                           for y, (_, r) in zip(hist["year"], hist.iterrows())}, index=[zh for _, zh in LIUYOU])
    span = f"{hist['year'].min()}–{hist['year'].max()}年"
    fig = _check_matrix_chart(matrix, f"{name}“六有”各项达标情况（{span}）", height=300)
    frame.chart(fig, key="profile_liuyou", caption="✓达标 ✗未达标。" + frame.kpi_caption(BY_CODE["liuyou_rate"]))


def township_staffing(hist: pd.DataFrame, street: bool) -> None:
    head = "工委主任" if street else "人大主席"
    table = pd.DataFrame({
        "年度": hist["year"].astype(str) + "年",
        head: hist["chair_status"].fillna("未填报"),
        "年龄": hist["chair_age"].astype("Int64"),
        "专职副" + ("主任" if street else "主席"): hist["fulltime_vice_chairs"].astype("Int64"),
        "专职人员": hist["fulltime_staff"].astype("Int64"),
        "兼职人员": hist["parttime_staff"].astype("Int64"),
        "单设办公室": hist["has_office"].map(_yes),
    }).iloc[::-1]
    st.markdown(f"**{head}与工作人员配备（历年12月31日）**")
    st.dataframe(table, hide_index=True, width="stretch", placeholder="—", column_config={
        "年度": st.column_config.TextColumn(width="small"), "年龄": st.column_config.NumberColumn(format="%d岁")})
    ind = BY_CODE["street_director_rate" if street else "chair_fulltime_rate"]
    extra = "" if street else "一、二类乡镇还应配备≥1名专职副主席（K05）。"
    st.caption(f"“专职人员”“兼职人员”为人大工作人员，不含{head}和副职本人；“单设办公室”指单设人大办公室。" + extra + frame.kpi_caption(ind))


def township_meetings(snap, f, hist: pd.DataFrame, name: str, street: bool) -> None:
    st.subheader(f"{name} 会议与闭会期间活动（历年）", anchor=False)
    span = f"{hist['year'].min()}–{hist['year'].max()}年"
    recess = {"col": "n_recess", "title": "闭会期间代表活动", "target": dp.rule(snap, "recess_activity_target")}
    if street:
        st.info(STREET_NOTE + "，所以没有人代会和主席团会议；下面只统计街道人大工委组织的闭会期间代表活动和代表小组活动。")
        fig = _panels_chart(hist, [recess], f"{name}闭会期间代表活动次数（{span}）", height=340)
        frame.chart(fig, key="profile_meetings", caption=frame.kpi_caption(BY_CODE["recess_activity_rate"]))
        return
    specs = [{"col": "n_congress", "title": "人代会", "target": dp.rule(snap, "township_congress_target"),
              "floor": dp.rule(snap, "township_congress_min")},
             {"col": "n_presidium", "title": "主席团会议", "target": dp.rule(snap, "presidium_meeting_target")}, recess]
    fig = _panels_chart(hist, specs, f"{name}人代会、主席团会议和闭会期间活动次数（{span}）")
    frame.chart(fig, key="profile_meetings", caption="  \n".join(
        frame.kpi_caption(BY_CODE[c]) for c in ("two_sessions_rate", "presidium_rate", "recess_activity_rate")))
    sessions = dp.sessions(snap, f.township)
    if sessions.empty:
        st.info("没有该乡镇的人代会记录。")
        return
    quorum = dp.rule(snap, "quorum_ratio") or 2 / 3
    rate = sessions["deputies_present"] / sessions["deputies_expected"].where(sessions["deputies_expected"] > 0)
    need = np.ceil(quorum * sessions["deputies_expected"].astype(float) - 0.05)  # as mart_warning / K15
    ok = sessions["deputies_present"].astype(float) >= need
    table = pd.DataFrame({
        "日期": pd.to_datetime(sessions["start_date"]).dt.strftime("%Y-%m-%d"),
        "届次会次": sessions["session_label"].fillna("未填"),
        "换届会议": sessions["is_election"].map(_yes),
        "会期(天)": sessions["duration_days"].astype(float),
        "应出席": sessions["deputies_expected"].astype("Int64"), "实出席": sessions["deputies_present"].astype("Int64"),
        "出席率": (100 * rate).astype(float),
        "法定人数": [("✓ 达到" if o else "✗ 不足") if pd.notna(r) else "—" for o, r in zip(ok, rate)],
        "主要议程": sessions["topic"].fillna(""),
    }).iloc[::-1]
    st.markdown(f"**人代会明细（共{len(table)}次）**")
    st.dataframe(table, hide_index=True, width="stretch", placeholder="—", height=min(38 + 35 * len(table), 320),
                 column_config={"出席率": st.column_config.NumberColumn(format="%.1f%%"),
                                "会期(天)": st.column_config.NumberColumn(format="%.1f"),
                                "主要议程": st.column_config.TextColumn(width="large")})
    st.caption("会期不足1天为“半天会”（K12，换届会议单列）；出席代表须达到应出席代表的三分之二。"
               + frame.kpi_caption(BY_CODE["quorum_rate"]))


def township_stations(snap, f, hist: pd.DataFrame, name: str) -> None:
    st.subheader(f"{name} 代表联络站（历年）", anchor=False)
    df = dp.stations(snap, f.township)
    if df.empty:
        st.info(f"{name}尚未建立乡镇级代表联络站点（联络站覆盖率K16按未覆盖计）。")
        return
    items = dp.station_items(snap)
    span = f"{hist['year'].min()}–{hist['year'].max()}年"
    rooms = int(hist.loc[hist["year"] == f.year, "n_village_rooms"].sum())
    names = df.drop_duplicates("station_id")
    st.caption("乡镇级站点：" + "；".join(f"{r.station_name}（{r.station_type}，{int(r.established_year)}年建成"
                                        + (f"，面积{r.area_m2:g}㎡" if pd.notna(r.area_m2) else "") + "）"
                                        for r in names.itertuples())
               + f"。{f.year}年另有村（社区）级联络室{rooms}个。")
    shown = hist.assign(activity_avg=hist["station_activities"] / hist["n_stations"].where(hist["n_stations"] > 0))
    specs = [{"col": "activity_avg", "title": "站均活动次数", "target": dp.rule(snap, "station_activity_target")},
             {"col": "station_visitors", "title": "接待群众（人次）", "unit": "人次"},
             {"col": "opinions_collected", "title": "收集意见建议（条）", "unit": "条"}]
    fig = _panels_chart(shown, specs, f"{name}乡镇级站点运行（{span}）", height=330)
    frame.chart(fig, key="profile_station_run", caption=frame.kpi_caption(BY_CODE["station_activity_avg"]))
    left, right = st.columns([0.8, 1.6])
    with left:
        main = names.iloc[0]
        rows = df[(df["station_id"] == main["station_id"]) & df["year"].notna()]
        if rows.empty:
            st.info(f"{main['station_name']}历年均未填报运行情况（“七有”按未达标计）。")
            return
        matrix = pd.DataFrame({f"{int(r['year'])}年": [None if fmt.is_missing(r[c]) else float(r[c]) for c, _ in items]
                               for _, r in rows.iterrows()}, index=[zh for _, zh in items])
        fig = _check_matrix_chart(matrix, f"{name}联络站“七有”达标", height=330)
        frame.chart(fig, key="profile_station_items",
                    caption=f"{main['station_name']}：✓达标 ✗未达标。" + frame.kpi_caption(BY_CODE["station_standard_rate"]))
    with right:
        per = df[df["year"].notna()].sort_values(["year", "station_id"], ascending=[False, True])
        cols = [c for c, _ in items]
        types = names.set_index("station_id")["station_type"]
        short = per["station_id"].map(types) if types.is_unique else per["station_name"]
        table = pd.DataFrame({
            "年度": per["year"].astype(int).astype(str) + "年", "站点": short,
            "七有": per[cols].fillna(False).astype(int).sum(axis=1).astype(str) + f"/{len(cols)}项",
            "活动次数": per["activity_count"].astype("Int64"), "接待群众": per["visitors_received"].astype("Int64"),
            "进站代表": per["deputy_visits"].astype("Int64"), "收集意见": per["opinions_collected"].astype("Int64"),
            "办结反馈率": (100 * per["opinions_closed"] / per["opinions_collected"].where(per["opinions_collected"] > 0)
                      ).astype(float),
        })
        if per["station_id"].nunique() == 1:
            table = table.drop(columns=["站点"])
        st.markdown("**各站点逐年运行情况**")
        st.dataframe(table, hide_index=True, width="stretch", placeholder="—", height=min(38 + 35 * len(table), 330),
                     column_config={"年度": st.column_config.TextColumn(width=56),
                                    "站点": st.column_config.TextColumn(width=100),
                                    "七有": st.column_config.TextColumn(width=52),
                                    "活动次数": st.column_config.NumberColumn(format="%d次", width=66),
                                    "接待群众": st.column_config.NumberColumn(format="%d人次", width=74),
                                    "进站代表": st.column_config.NumberColumn(format="%d人次", width=70),
                                    "收集意见": st.column_config.NumberColumn(format="%d条", width=64),
                                    "办结反馈率": st.column_config.NumberColumn(format="%.1f%%", width=80)})
        st.caption("接待群众、进站代表为人次；收集意见为条数；办结反馈率＝办结反馈条数÷收集意见建议条数（K20）。")


CLASSES = (("n_class_a", "A 已解决"), ("n_class_b", "B 正在解决/列入计划"),
           ("n_class_c", "C 列入规划/暂难解决"), ("n_class_d", "D 留作参考"))
CLASS_COLORS = ["#009E73", "#56B4E9", "#E69F00", "#999999"]


def township_suggestions(hist: pd.DataFrame, name: str, street: bool) -> None:
    st.subheader(f"{name} 乡级代表建议（历年）", anchor=False)
    if street:
        st.info(STREET_NOTE + "，没有乡级人大代表，因此没有乡级代表建议。")
        return
    if int(hist["n_suggestions"].sum()) == 0:
        st.info(f"{name}没有乡级代表建议记录。")
        return
    span = f"{hist['year'].min()}–{hist['year'].max()}年"
    left, right = st.columns([1, 1.2])
    with left:
        long = hist.melt(id_vars=["year", "n_replied"], value_vars=[c for c, _ in CLASSES], var_name="cls",
                         value_name="count")
        long["category"] = long["cls"].map(dict(CLASSES))
        long["share"] = long["count"] / long["n_replied"].where(long["n_replied"] > 0)
        fig = charts.share_bar_chart(long.rename(columns={"year": "x"}), f"{name}乡级建议办理结果分类（{span}）", "x",
                                     "category", [zh for _, zh in CLASSES], CLASS_COLORS)
        fig.update_yaxes(title={"text": "占已答复件数的比例"})
        fig.update_layout(legend={"traceorder": "normal"}, margin={"t": 118})  # the four classes take two rows
        frame.chart(fig, key="profile_sugg_classes", caption="按办理结果分类统计已答复的乡级建议，分类与比例口径同县级建议K27。"
                    + frame.kpi_caption(BY_CODE["resolution_rate"]))
    with right:
        def rate(num, den):
            return (100 * hist[num] / hist[den].where(hist[den] > 0)).astype(float)
        table = pd.DataFrame({
            "年度": hist["year"].astype(str) + "年", "建议件数": hist["n_suggestions"].astype(int),
            "按期答复率": rate("n_on_time", "n_suggestions"), "办结率": rate("n_closed", "n_suggestions"),
            "满意率": rate("n_satisfied_broad", "n_evaluated"), "解决率": rate("n_class_a", "n_replied"),
        }).iloc[::-1]
        pct = st.column_config.NumberColumn(format="%.0f%%")
        st.markdown("**办理情况（按交办年度）**")
        st.dataframe(table, hide_index=True, width="stretch", placeholder="—",
                     column_config={c: pct for c in table.columns if "率" in c})
        st.caption("满意率＝（满意+基本满意）÷已测评件数；解决率＝A类÷已答复件数。口径同县级建议（K23、K24、K26、K27），"
                   "范围为本乡镇人大代表提出、交本级办理的乡级建议（不含已撤回）。")


BINARY = ("two_sessions_rate", "presidium_rate", "recess_activity_rate")
COMPARE = ("liuyou_items_avg", "station_activity_avg", "avg_session_days", "attendance_rate", "opinion_closure_rate",
           "two_sessions_rate", "presidium_rate", "recess_activity_rate", "station_standard_rate")


def township_compare(snap, f, name: str, county_name: str) -> None:
    area = data.area(snap)
    st.subheader(f"{name}与{county_name}、{area}比较", anchor=False)
    county = f.township[:6]
    series = data.kpi_series(snap, COMPARE, county, f.township)
    have = set(series.loc[series["level"] == "乡", "kpi_code"])
    options = [c for c in COMPARE if c in have]
    if not options:
        st.info("没有可比较的乡镇级指标。")
        return
    code = st.pills("比较指标", options, default=options[0], format_func=lambda c: BY_CODE[c].name_zh,
                    key="profile_compare") or options[0]
    ind = BY_CODE[code]
    df = series[series["kpi_code"] == code]
    span = f"{df['year'].min()}–{df['year'].max()}年"
    fig = charts.kpi_trend_chart(df, f"{ind.name_zh}：{name}、{county_name}与{area}（{span}）", ind.unit)
    if ind.unit == "%":
        fig.update_yaxes(range=[0, 1.08])
    note = f"单个乡镇的达标率只有0或100%（是否达标），县区和{area}为达标单位占比。" if code in BINARY else ""
    frame.chart(fig, key="profile_compare_chart", caption=note + frame.kpi_caption(ind))
