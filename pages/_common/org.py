"""Sections of the 组织建设 (K01–K09) and 依法履职 (K10–K15) pages.

Each section: a numbered subheader, county comparison (all counties, the chosen one outlined, the city as a
reference line), the trend of the city and the chosen county, and the chosen county's townships in detail.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from etl import story
from etl.fmt import STATUS_COLOR, fmt_value, is_missing
from etl.indicators import BY_CODE
from pages._common import cards, charts, charts_org, data, data_org, frame

ORG_CARDS = ("liuyou_rate", "liuyou_items_avg", "small_body_share", "chair_fulltime_rate",
             "vice_chair_rate", "street_staff_rate", "young_cadre_share", "director_separate_rate")
OP_CARDS = ("congress_held_rate", "two_sessions_rate", "avg_session_days", "half_day_share",
            "presidium_rate", "recess_activity_rate", "attendance_rate", "quorum_rate")
ORG_POINTS = ("liuyou_rate", "small_body_share", "chair_fulltime_rate", "young_cadre_share")
OP_POINTS = ("two_sessions_rate", "half_day_share", "presidium_rate", "recess_activity_rate")
STAFF_KPIS = (("chair_fulltime_rate", "乡镇人大主席专职"), ("vice_chair_rate", "一/二类乡镇专职副主席"),
              ("street_director_rate", "街道工委专职主任"), ("street_staff_rate", "街道工委专职人员"))
YES_NO = {True: "是", False: "否"}


# --- shared ---------------------------------------------------------------------------------------------

def scope_name(snap, f) -> str:
    return data.unit_name(snap, f.county) if f.county else data.city(snap)["city_name"]


def _caption(*codes: str) -> str:
    return "  \n".join(frame.kpi_caption(BY_CODE[c]) for c in codes)


def _span(snap) -> str:
    years = data.years(snap)
    return f"{years[0]}–{years[-1]}年" if years else ""


def _yn(value) -> str:
    return "—" if is_missing(value) else YES_NO[bool(value)]


def key_points(snap, f, scope: str, codes: tuple[str, ...], extra: str = "") -> None:
    """要点: level, change on last year, distance to target; by county (city view) or against the city."""
    kpis = data.kpi_city_year(snap, f.year, f.county).set_index("kpi_code")
    city = data_org.city_kpis(snap, codes, f.year)
    units = None if f.county else data.kpi_units(snap, codes, f.year, "县")
    points = []
    for code in codes:
        if code not in kpis.index or is_missing(kpis.loc[code, "value"]):
            continue
        ind = BY_CODE[code]
        text = story.kpi_point(ind, scope, f.year, kpis.loc[code], None if units is None else units[units["kpi_code"] == code])
        if f.county and code in city:
            text = text.rstrip("。") + f"（{data.area(snap)}{fmt_value(city[code], ind.unit)}）。"
        points.append(text)
    if extra:
        points.append(extra)
    st.subheader(f"{scope} {f.year}年 要点", anchor=False)
    st.markdown("\n".join(f"- {p}" for p in points) or "- 本年度暂无数据。")


def kpi_cards(snap, f, codes: tuple[str, ...]) -> None:
    kpis = data.kpi_city_year(snap, f.year, f.county)
    unit = f.county or data.city(snap)["city_code"]
    trends = data.kpi_series(snap, codes, f.county)
    cards.kpi_grid(kpis, BY_CODE, codes=codes, trends=trends[trends["unit_code"] == unit])


def _figure_cache(fn):
    """Figures depend only on (snapshot, filters, options): build each once per snapshot and share it
    (plotly figure construction is the slow part of a rerun; st.plotly_chart only reads the figure)."""
    return st.cache_resource(**charts.FIGURE_CACHE)(fn)


@_figure_cache
def _county_bar_fig(snap, year: int, county: str | None, code: str, baseline: float | None, y_title: str):
    ind = BY_CODE[code]
    units = data.kpi_units(snap, (code,), year, "县")
    city = data_org.city_kpis(snap, (code,), year).get(code)
    return charts_org.compare_bar_chart(units, f"{year}年 各县区{ind.name_zh}", ind.unit, city=city,
                                        highlight=county, baseline=baseline, y_title=y_title,
                                        higher_better=ind.direction != "lower", city_label=data.area(snap))


def county_bar(snap, f, code: str, key: str, baseline: float | None = None, y_title: str = "") -> None:
    """One KPI for every county (traffic light), the chosen county outlined, the city as a dotted line."""
    fig = _county_bar_fig(snap, f.year, f.county, code, baseline, y_title)
    frame.chart(fig, key=key, drill="county", caption=_caption(code))


@_figure_cache
def _trend_fig(snap, county: str | None, scope: str, code: str, baseline: float | None):
    ind = BY_CODE[code]
    series = data.kpi_series(snap, (code,), county)
    area = data.area(snap)
    title = f"{area if not county else scope + '与' + area} {ind.name_zh}趋势（{_span(snap)}）"
    return charts_org.trend_chart(series, title, ind.unit, baseline=baseline)


def trend(snap, f, scope: str, code: str, key: str, baseline: float | None = None) -> None:
    frame.chart(_trend_fig(snap, f.county, scope, code, baseline), key=key, caption=_caption(code))


@_figure_cache
def _facet_fig(snap, county: str | None, scope: str, codes: tuple[str, ...], labels: tuple, title: str, columns: int):
    series = data.kpi_series(snap, codes, county)
    names = dict(labels)
    area = data.area(snap)
    who = area if not county else scope + "与" + area
    return charts_org.facet_trend_chart(series, [(c, names.get(c, BY_CODE[c].name_zh), BY_CODE[c].unit) for c in codes],
                                        f"{who} {title}趋势（{_span(snap)}）", columns=columns)


def facet_trend(snap, f, scope: str, codes: tuple[str, ...], labels: dict, title: str, key: str, columns: int = 2,
                caption: str | None = None) -> None:
    fig = _facet_fig(snap, f.county, scope, codes, tuple(labels.items()), title, columns)
    frame.chart(fig, key=key, caption=caption if caption is not None else _caption(*codes))


def policy_notes(snap, f, tables: tuple[str, ...]) -> None:
    """Policy warnings on this page's tables (shown, never blocking uploads)."""
    notes = data.policy_warnings(snap, f.year, f.county, tables)
    if notes.empty:
        return
    with st.expander(f"政策性提示 {data.total(notes)} 条（来自上传校验，不阻止上传，供督导参考）"):
        shown = notes.assign(township_name=notes["township_name"].fillna("—"), county_name=notes["county_name"].fillna("—"))
        shown = shown.rename(columns={"table_label": "数据表", "county_name": "县区", "township_name": "乡镇（街道）",
                                      "message_zh": "提示", "provenance": "依据"})
        st.dataframe(shown[["数据表", "县区", "乡镇（街道）", "提示", "依据"]].fillna("—"), hide_index=True,
                     width="stretch", height=min(400, 38 + 35 * len(shown)))
        if data.cap_note(notes):
            st.caption(data.cap_note(notes))


def _red_list(title: str, df: pd.DataFrame, key: str, drill: str | None = None, code_column: str | None = None) -> None:
    """A statutory-floor list: red heading, red text."""
    st.markdown(f":red[**{title}**]")
    styled = df.style.set_properties(**{"color": STATUS_COLOR["red"], "font-weight": "bold"})
    if drill:
        frame.table(df, key=key, drill=drill, code_column=code_column,
                    column_config={c: st.column_config.TextColumn(c) for c in df.columns if c != code_column})
    else:
        st.dataframe(styled, hide_index=True, width="stretch", key=key)


# --- 组织建设 --------------------------------------------------------------------------------------------

LIUYOU_CODES = tuple(f"liuyou_{c.split('_', 1)[1]}_rate" for c, _ in data_org.ITEMS)


@_figure_cache
def _items_fig(snap, year: int, county: str | None, scope: str):
    labels = dict(zip(LIUYOU_CODES, (zh for _, zh in data_org.ITEMS)))
    city = data.kpi_series(snap, LIUYOU_CODES)
    rows = city[city["year"] == year]
    if county:
        rows = pd.concat([rows, data.kpi_units(snap, LIUYOU_CODES, year, "县", county)])
    title = f"{year}年 {scope if not county else scope + '与' + data.area(snap)} “六有”分项达标率"
    return charts_org.item_bar_chart(rows, title, labels)


@_figure_cache
def _matrix_fig(snap, year: int, county: str | None, scope: str):
    note = ""
    if county is None and data.township_count(snap) > charts.MAX_ROWS:  # a province / the nation: weakest only
        m = data_org.liuyou_weakest(snap, year, charts.TOP_N)
        total = int(m["n_total"].iloc[0]) if len(m) else 0
        note = f"共{total}个乡镇（街道），显示达标项最少的{len(m)}个；选择县区查看其全部乡镇"
    else:
        m = data_org.liuyou_matrix(snap, year, county)
    names = m["township_name"] if county else m["county_name"] + "·" + m["township_name"]
    matrix = m[[c for c, _ in data_org.ITEMS]].astype("Float64").set_axis([zh for _, zh in data_org.ITEMS], axis=1)
    matrix.index = list(names)
    title = f"{year}年 {scope}乡镇（街道）“六有”达标矩阵" + ("" if note else f"（{len(m)}个）")
    fig = charts.add_note(charts.heatmap_chart(matrix, title, m["township_code"].tolist(), limit=charts.MAX_ROWS), note)
    return fig, len(m)


def liuyou_section(snap, f, scope: str) -> None:
    st.subheader("一、乡镇人大“六有”达标（K01）", anchor=False)
    left, right = st.columns(2)
    with left:
        county_bar(snap, f, "liuyou_rate", "org_liuyou_bar")
    with right:
        item = BY_CODE["liuyou_organization_rate"]
        frame.chart(_items_fig(snap, f.year, f.county, scope), key="org_liuyou_items",
                    caption="口径（K01分项）：该项为“是”的乡镇街道占比；未填报视为未达标；分母："
                    + item.denominator_text + "。依据：" + item.provenance + " " + item.source)
    left, right = st.columns([1.15, 1])
    with left:
        fig, n = _matrix_fig(snap, f.year, f.county, scope)
        box = st.container(height=720) if n > 22 else st.container()
        with box:
            frame.chart(fig, key="org_liuyou_matrix", drill="township",
                        caption="✓ 达标，✗ 未达标，“未填报”按未达标计；每个县区内达标项少的排在前面。")
    with right:
        facet_trend(snap, f, scope, ("liuyou_rate", "liuyou_items_avg"), {}, "“六有”达标", "org_liuyou_trend",
                    columns=1)


def small_body_section(snap, f, scope: str) -> None:
    st.subheader("二、县人大常委会“1人委/2人委”（K02）", anchor=False)
    base = data_org.rule(snap, "small_body_baseline")
    left, right = st.columns(2)
    with left:
        county_bar(snap, f, "small_body_share", "org_small_bar", baseline=base)
    with right:
        trend(snap, f, scope, "small_body_share", "org_small_trend", baseline=base)
    if f.county:
        bodies = data_org.county_bodies(snap, f.year, f.county)
        st.markdown(f"**{scope} {f.year}年 县人大常委会机构与人员（{len(bodies)}个机构）**")
        if bodies.empty:
            st.info(f"{scope}{f.year}年未填报“县人大常委会机构与人员”。")
            return
        limit = data_org.rule(snap, "small_body_max_staff", 2)
        small = bodies.apply(lambda r: "不计入（合署）" if isinstance(r["shares_staff_with"], str) else
                             ("是" if r["staff_count"] <= limit else "否"), axis=1)
        shown = pd.DataFrame({"机构名称": bodies["body_name"].str.replace(r"^其他[:：]", "", regex=True),
                              "类型": bodies["body_type"].fillna("—"),
                              "实有人员": bodies["staff_count"].astype("Int64"),
                              "核定编制": bodies["authorized_posts"].astype("Int64"),
                              "负责人专职": bodies["head_fulltime"].map(_yn),
                              "是否1人委/2人委": small,
                              "合署对象": bodies["shares_staff_with"].str.replace(r"^其他[:：]", "", regex=True).fillna("—")})
        styled = shown.style.map(lambda v: f"color: {STATUS_COLOR['red']}; font-weight: bold" if v == "是" else "",
                                 subset=["是否1人委/2人委"])
        st.dataframe(styled, hide_index=True, width="stretch", key="org_bodies",
                     height=min(460, 38 + 35 * len(shown)),
                     column_config={c: st.column_config.Column(c, width="small") for c in ("实有人员", "核定编制", "负责人专职")})
        st.caption("实有人员含负责人；填写了合署/共用人员对象的机构不计入“1人委/2人委”分母（数据模型说明§5.2）。")
    else:
        b = data_org.body_summary(snap, f.year)
        shown = pd.DataFrame({"county_code": b["county_code"], "县区": b["county_name"], "机构数（不含合署）": b["n_bodies"],
                              "1人委": b["n_one"], "2人委": b["n_two"],
                              "“1人委/2人委”占比": 100 * (b["n_small"] / b["n_bodies"].where(b["n_bodies"] > 0)),
                              "合署机构": b["n_shared"], "实有人员合计": b["staff_total"], "核定编制合计": b["posts_total"]})
        st.markdown(f"**{f.year}年 各县区人大常委会机构构成**")
        frame.table(shown, key="org_body_table", drill="county", code_column="county_code",
                    column_config={"“1人委/2人委”占比": st.column_config.ProgressColumn(
                        "“1人委/2人委”占比", format="%.1f%%", min_value=0.0, max_value=100.0, color="#D55E00")})


def _staff_gaps(r) -> str:
    """What a township/street lacks against K04–K06b (攸县/大方 standards)."""
    if not r["reported"]:
        return "未填报"
    gaps = []
    street = r["unit_type"] == "街道"
    if r["chair_status"] != "专职":
        gaps.append("工委主任非专职" if street else "主席非专职")
    if street and (is_missing(r["fulltime_staff"]) or r["fulltime_staff"] < 1):
        gaps.append("无专职工作人员")
    if not street and r["category"] in ("一类", "二类") and (is_missing(r["fulltime_vice_chairs"]) or r["fulltime_vice_chairs"] < 1):
        gaps.append("未配专职副主席")
    return "；".join(gaps) or "—"


@_figure_cache
def _staff_fig(snap, year: int, county: str | None):
    units = data.kpi_units(snap, tuple(c for c, _ in STAFF_KPIS), year, "县")
    units, note = charts.bounded(units.drop(columns="status"), keep=county, what="个县区")
    fig = charts_org.grouped_bar_chart(units, list(STAFF_KPIS), f"{year}年 各县区乡镇（街道）人员配备率", highlight=county)
    return charts.add_note(fig, note)


def staffing_section(snap, f, scope: str) -> None:
    st.subheader("三、乡镇人大和街道人大工委人员配备（K04–K06b）", anchor=False)
    codes = tuple(c for c, _ in STAFF_KPIS)
    frame.chart(_staff_fig(snap, f.year, f.county), key="org_staff_bar", drill="county", caption=_caption(*codes))
    facet_trend(snap, f, scope, codes, dict(STAFF_KPIS), "人员配备率", "org_staff_trend", columns=4,
                caption="口径同上图；无街道或无一/二类乡镇的县区该项无分母，不显示。")
    if f.county:
        s = data_org.township_staffing(snap, f.year, f.county)
        shown = pd.DataFrame({
            "township_code": s["township_code"], "乡镇（街道）": s["township_name"], "类型": s["unit_type"],
            "类别": s["category"].fillna("—"), "待改进": s.apply(_staff_gaps, axis=1),
            "主席（工委主任）": s["chair_status"].where(s["reported"], "未填报").fillna("—"),
            "主席年龄": (f.year - s["chair_birth_year"]).astype("Int64").astype(str).replace("<NA>", "—"),
            "专职副主席": s["fulltime_vice_chairs"].astype("Int64").astype(str).replace("<NA>", "—"),
            "专职工作人员": s["fulltime_staff"].astype("Int64").astype(str).replace("<NA>", "—"),
            "兼职工作人员": s["parttime_staff"].astype("Int64").astype(str).replace("<NA>", "—"),
            "单设人大办公室": s["has_office"].map(_yn)})
        st.markdown(f"**{scope} {f.year}年 乡镇（街道）人员配备明细**")
        small = {c: st.column_config.TextColumn(c, width="small") for c in
                 ("类型", "类别", "主席年龄", "专职副主席", "专职工作人员", "兼职工作人员", "单设人大办公室")}
        frame.table(shown, key="org_staff_table", drill="township", code_column="township_code",
                    height=min(600, 38 + 35 * len(shown)),
                    column_config={**small, "待改进": st.column_config.TextColumn("待改进", width="medium")})


def young_section(snap, f, scope: str) -> None:
    st.subheader("四、35岁左右干部占比（K07）", anchor=False)
    left, right = st.columns(2)
    with left:
        county_bar(snap, f, "young_cadre_share", "org_young_bar")
    with right:
        trend(snap, f, scope, "young_cadre_share", "org_young_trend")


def leadership_section(snap, f) -> None:
    st.subheader("五、县人大常委会组成与专门委员会（K03、K08、K09）", anchor=False)
    codes = ("director_separate_rate", "fulltime_member_share", "special_committee_count")
    u = data.kpi_units(snap, codes, f.year, "县").pivot(index=["unit_code", "unit_name"], columns="kpi_code")
    u = u.reset_index()
    order = data.counties(snap)["county_code"].tolist()
    have = set(u[("unit_code", "")])  # once: 2,844 counties at nation scale (inside the loop it was O(n²), 28 s)
    u = u.set_index(("unit_code", "")).reindex([c for c in order if c in have]).reset_index()

    def col(field, code):
        return u[(field, code)]

    separate = col("numerator", "director_separate_rate").where(col("unreported", "director_separate_rate").fillna(0) == 0)
    shown = pd.DataFrame({
        "county_code": u[("unit_code", "")], "县区": u[("unit_name", "")],
        "主任单列": separate.map(lambda v: "未填报" if is_missing(v) else ("是" if v >= 1 else "否")),
        "常委会组成人员": col("denominator", "fulltime_member_share").astype("Int64"),
        "专职组成人员": col("numerator", "fulltime_member_share").astype("Int64"),
        "专职比例": 100 * col("value", "fulltime_member_share"),
        "专门委员会数": col("numerator", "special_committee_count").astype("Int64")})
    if f.county:
        shown = shown.sort_values("county_code", key=lambda s: s != f.county, kind="stable")
    frame.table(shown, key="org_leader_table", drill="county", code_column="county_code",
                column_config={"主任单列": st.column_config.TextColumn("主任单列", help="主任不由县委书记兼任为“是”"),
                               "专职比例": st.column_config.ProgressColumn(
                    "专职比例（参考约2/3）", format="%.1f%%", min_value=0.0, max_value=100.0, color="#0072B2")})
    city = data.kpi_city_year(snap, f.year).set_index("kpi_code")
    parts = [f"{BY_CODE[c].name_zh}{'（各县区平均）' if BY_CODE[c].unit == '个' else ''}"
             f"{fmt_value(city.loc[c, 'value'], BY_CODE[c].unit)}" for c in codes if c in city.index]
    st.caption(f"{data.area(snap)}：{'；'.join(parts)}。" + "  \n" + _caption(*codes))


# --- 依法履职 --------------------------------------------------------------------------------------------

CONGRESS_BANDS = [(0, "0次（低于法定底线）", STATUS_COLOR["red"]), (1, "1次（未达一年两会）", STATUS_COLOR["amber"]),
                  (2, "≥2次（一年两会）", STATUS_COLOR["green"])]
CONGRESS_BINS = [(0, 0, "0次（低于法定底线）", STATUS_COLOR["red"]), (1, 1, "1次", STATUS_COLOR["amber"]),
                 (2, 2, "2次", STATUS_COLOR["green"]), (3, None, "3次及以上", "#0072B2")]


NAMES_MAX = 20  # units named in one 要点 sentence


def breach_point(snap, f, scope: str) -> str:
    """要点 line on the statutory floors of this page (K10 no 人代会, K15 inquorate), naming the units."""
    listed = data.floor_breaches(snap, f.year, f.county)
    b = listed[listed["kpi_ref"].isin(["K10", "K15"])]
    if b.empty:
        return f"{f.year}年{scope}未发现乡镇全年未开人代会或人代会出席不足三分之二的情况（法定底线）。"
    n = len(b)
    if data.total(listed) > len(listed):  # a list cut at data.LIST_MAX: count in SQL
        counts = data.breach_counts(snap, f.year, f.county)
        n = int(counts.loc[counts["kpi_ref"].isin(["K10", "K15"]), "n"].sum())
    town = b["township_name"]
    names = town.fillna(b["county_name"] + "（县级）") if f.county else b["county_name"] + town.fillna("（县级）")
    parts = []
    for ref, text in (("K10", "全年未召开人代会"), ("K15", "的人代会出席不足三分之二")):
        units = list(dict.fromkeys(names[b["kpi_ref"] == ref]))
        more = ""
        if len(units) > NAMES_MAX:  # a province / the nation: name the first few
            more = f"等{len(units)}{'个以上' if n > len(b) else '个'}单位"
            units = units[:NAMES_MAX]
        if units:
            parts.append("、".join(units) + more + text)
    return f"{f.year}年{scope}触及法定底线{n}起：{'；'.join(parts)}（见下方红色清单）。"


@_figure_cache
def _count_fig(snap, year: int, county: str, count: str, title: str, label: str, bands: tuple, target, floor,
               towns_only: bool):
    units = data_org.meeting_units(snap, year, county)
    if towns_only:
        units = units[~units["is_street"]]
    return charts_org.count_bar_chart(units, count, title, label, list(bands), target=target, floor=floor,
                                      )


@_figure_cache
def _dist_fig(snap, year: int):
    shown, note = charts.bounded(data_org.congress_by_county(snap, year), "county_code", "two", name_col="county_name",
                                 what="个县区")  # a province / the nation: the fewest 一年两会 first
    units = data_org.meeting_units_of(snap, year, tuple(shown["county_code"])) if note else \
        data_org.meeting_units(snap, year)
    fig = charts_org.distribution_chart(units[~units["is_street"]], "n_congress", f"{year}年 各县区乡镇人代会召开次数分布",
                                        CONGRESS_BINS)
    return charts.add_note(fig, note)


@_figure_cache
def _strip_fig(snap, year: int, county: str | None, scope: str, quorum: float):
    s = data_org.sessions(snap, year, county)
    towns = s[s["org_level"] != "县级"]
    by = "unit_name" if county else "county_name"
    towns, note = charts.bounded(towns, "county_code" if by == "county_name" else "township_code", "attendance",
                                 name_col=by, what="个县区" if by == "county_name" else "个乡镇")  # lowest attendance first
    fig = charts_org.session_strip_chart(towns, f"{year}年 {scope}乡镇人代会出席率（每点为一次会议）", by, quorum)
    return charts.add_note(fig, note)


def congress_section(snap, f, scope: str) -> None:
    st.subheader("一、乡镇人代会召开（K10 法定底线、K11 一年两会）", anchor=False)
    units = data_org.meeting_units(snap, f.year, f.county)
    towns = units[~units["is_street"]]
    left, right = st.columns(2)
    with left:
        if f.county:
            fig = _count_fig(snap, f.year, f.county, "n_congress", f"{f.year}年 {scope}各乡镇人代会召开次数", "人代会",
                             tuple(CONGRESS_BANDS), 2, 1, True)
            frame.chart(fig, key="op_congress_count", drill="township", caption=_caption("congress_held_rate"))
        else:
            frame.chart(_dist_fig(snap, f.year), key="op_congress_dist", drill="county",
                        caption="每段为召开该次数的乡镇个数（街道不开人代会，不计）。" + _caption("congress_held_rate"))
    with right:
        county_bar(snap, f, "two_sessions_rate", "op_two_bar")
    facet_trend(snap, f, scope, ("congress_held_rate", "two_sessions_rate"),
                {"congress_held_rate": "召开≥1次（法定底线）", "two_sessions_rate": "召开≥2次（一年两会）"},
                "乡镇人代会召开率", "op_congress_trend", caption="口径同上图。")
    zero = towns[towns["n_congress"] < 1]
    if data.cap_note(units):
        st.caption(data.cap_note(units, "个乡镇（街道）"))
    if zero.empty:
        st.success(f"{f.year}年{scope}所有乡镇均至少召开1次人代会，未触及法定底线（地方组织法第十四条）。")
    else:
        shown = pd.DataFrame({"township_code": zero["township_code"], "县区": zero["county_name"],
                              "乡镇": zero["township_name"], "类型": zero["unit_type"], "人代会次数": zero["n_congress"],
                              "主席团会议次数": zero["n_presidium"], "情况": "全年未召开人代会，违反地方组织法第十四条（每年至少举行一次）"})
        _red_list(f"法定底线预警：{f.year}年{scope}有{len(zero)}个乡镇全年未召开人代会", shown, "op_zero_table",
                  drill="township", code_column="township_code")


def duration_section(snap, f, scope: str) -> None:
    st.subheader("二、人代会会期与半天会（K12）", anchor=False)
    left, right = st.columns(2)
    with left:
        county_bar(snap, f, "avg_session_days", "op_days_bar", y_title="平均会期（天）")
    with right:
        county_bar(snap, f, "half_day_share", "op_half_bar")
    facet_trend(snap, f, scope, ("avg_session_days", "half_day_share"), {}, "会期", "op_days_trend",
                caption="口径同上图；换届会议单列，不计入平均会期和半天会占比。")
    if f.county:
        s = data_org.sessions(snap, f.year, f.county)
        st.markdown(f"**{scope} {f.year}年 人代会会议清单（{len(s)}次）**")
        shown = pd.DataFrame({
            "单位": s["unit_name"], "开幕日期": s["start_date"].astype(str), "届次会次": s["session_label"].fillna("—"),
            "会期（天）": s["duration_days"], "换届会议": s["is_election"].map(_yn),
            "半天会": s["is_half_day"].map(_yn), "应出席": s["expected"].astype("Int64"),
            "实出席": s["present"].astype("Int64"), "出席率": 100 * s["attendance"],
            "达到法定人数": (~s["inquorate"]).map(_yn)})
        styled = shown.style.map(lambda v: f"color: {STATUS_COLOR['red']}; font-weight: bold" if v == "是" else "",
                                 subset=["半天会"]).map(
            lambda v: f"color: {STATUS_COLOR['red']}; font-weight: bold" if v == "否" else "", subset=["达到法定人数"])
        st.dataframe(styled, hide_index=True, width="stretch", key="op_sessions", height=min(520, 38 + 35 * len(shown)),
                     column_config={"出席率": st.column_config.NumberColumn(format="%.1f%%"),
                                    "会期（天）": st.column_config.NumberColumn(format="%.1f")})


def attendance_section(snap, f, scope: str) -> None:
    st.subheader("三、人代会出席与法定人数（K15）", anchor=False)
    s = data_org.sessions(snap, f.year, f.county)
    q = data_org.rule(snap, "quorum_ratio", 2 / 3)
    left, right = st.columns(2)
    with left:
        frame.chart(_strip_fig(snap, f.year, f.county, scope, q), key="op_strip", drill="township", caption=_caption("quorum_rate"))
    with right:
        county_bar(snap, f, "attendance_rate", "op_attend_bar")
    facet_trend(snap, f, scope, ("attendance_rate", "quorum_rate"), {}, "人代会出席", "op_attend_trend",
                caption="口径同上图；含县级人代会。")
    bad = s[s["inquorate"]]
    if data.cap_note(s):
        st.caption(data.cap_note(s, "次会议"))
    if bad.empty:
        st.success(f"{f.year}年{scope}各次县乡人代会出席代表均达到应出席代表的三分之二。")
    else:
        shown = pd.DataFrame({"县区": bad["county_name"], "单位": bad["unit_name"], "开幕日期": bad["start_date"].astype(str),
                              "届次会次": bad["session_label"].fillna("—"), "应出席": bad["expected"].astype("Int64"),
                              "实出席": bad["present"].astype("Int64"),
                              "出席率": bad["attendance"].map(lambda v: fmt_value(v, "%"))})
        _red_list(f"法定底线预警：{f.year}年{scope}有{len(bad)}次人代会出席不足三分之二", shown, "op_inquorate")


def recess_section(snap, f, scope: str) -> None:
    st.subheader("四、主席团会议与闭会期间代表活动（K13、K14）", anchor=False)
    left, right = st.columns(2)
    if f.county:
        with left:
            fig = _count_fig(snap, f.year, f.county, "n_presidium", f"{f.year}年 {scope}各乡镇主席团会议次数", "主席团会议",
                             ((0, "不足4次", STATUS_COLOR["red"]), (4, "≥4次（达标）", STATUS_COLOR["green"])), 4, None, True)
            frame.chart(fig, key="op_presidium_count", drill="township", caption=_caption("presidium_rate"))
        with right:
            fig = _count_fig(snap, f.year, f.county, "n_recess", f"{f.year}年 {scope}各乡镇（街道）闭会期间代表活动次数",
                             "闭会期间活动", ((0, "不足2次", STATUS_COLOR["red"]), (2, "≥2次（达标）", STATUS_COLOR["green"])),
                             2, None, False)
            frame.chart(fig, key="op_recess_count", drill="township", caption=_caption("recess_activity_rate"))
    else:
        with left:
            county_bar(snap, f, "presidium_rate", "op_presidium_bar")
        with right:
            county_bar(snap, f, "recess_activity_rate", "op_recess_bar")
    facet_trend(snap, f, scope, ("presidium_rate", "recess_activity_rate"), {}, "主席团会议与闭会活动达标率",
                "op_recess_trend", caption="口径同上图。")
