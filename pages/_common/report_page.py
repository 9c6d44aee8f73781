"""年度通报: the yearly report as data (sections of text and tables), built once from the marts and shown three
ways from the same object — the page (printable to A4 from the browser), a PDF (Chromium headless) and an
Excel workbook of its tables.

Sentences reuse etl.story (kpi_point, index_point, breach_point); figures are formatted by etl.fmt.
"""
from __future__ import annotations

import html
from dataclasses import dataclass, field

import pandas as pd
import streamlit as st

from etl import fmt, png, story
from etl.area import area_word
from etl.deck import Table
from etl.indicators import BY_CODE
from etl.xlsx_safe import write_xlsx
from pages._common import cards, data, data_report
from pages._common.downloads import XLSX

POINT_KPIS = ("liuyou_rate", "two_sessions_rate", "on_time_reply_rate", "satisfaction_strict")
FLOOR_LABELS = {"K10": "乡镇未召开人代会", "K15": "人代会出席不足三分之二", "K23": "代表建议逾期答复"}
LINE = 80.0          # 通报线 of the composite index (same as the 总览 page)
MAX_POLICY_ROWS = 40


@dataclass(frozen=True)
class Section:
    heading: str
    paragraphs: tuple[str, ...] = ()
    tables: tuple[tuple[str, Table], ...] = ()     # (caption, table)
    entries: tuple[tuple[str, str], ...] = ()      # (label, paragraph): one per county
    note: str = ""


@dataclass(frozen=True)
class Report:
    issuer: str                   # 清川市人大常委会
    title: str                    # 2025年度县乡人大建设情况通报
    meta: str                     # 数据版本 v3 · 数据截至 2026-01-15 · 范围
    year: int
    county_code: str | None
    scope_name: str
    is_demo: bool = False
    sections: tuple[Section, ...] = field(default_factory=tuple)
    full_ranking: Table | None = None     # every county, for the Excel download when the document lists a part
    snap: tuple | None = None             # the Snapshot it was built from: the full ranking is read on download


# --- building the content ---------------------------------------------------------------------------------

def _yes_no(row, ind) -> bool:
    return ind.unit == "%" and not fmt.is_missing(row.get("denominator")) and row.get("denominator") == 1


def shown_value(row, ind) -> str:
    if _yes_no(row, ind) and not fmt.is_missing(row["value"]):
        return "是" if row["value"] >= 1 else "否"
    return fmt.fmt_value(row["value"], ind.unit)


def _target(row, ind) -> str:
    if fmt.is_missing(row.get("target")):
        return "—"
    text = "是" if _yes_no(row, ind) else fmt.fmt_value(row["target"], ind.unit, 0)
    return ("≤" if ind.direction == "lower" else "≥" if not _yes_no(row, ind) else "") + text


def _change(row, ind) -> str:
    if _yes_no(row, ind):
        return "—"
    if fmt.is_flat(row["value"], row.get("last_value"), ind.unit):
        return "持平"
    return fmt.fmt_delta(row["value"], row.get("last_value"), ind.unit) or "—"


def headline_table(kpis: pd.DataFrame) -> Table:
    rows = {r["kpi_code"]: r for _, r in kpis.iterrows()}
    out = []
    for code in cards.HEADLINE:
        if code not in rows or code not in BY_CODE:
            continue
        r, ind = rows[code], BY_CODE[code]
        status = r["status"] if isinstance(r["status"], str) else None
        out.append((ind.name_zh, ind.ref, shown_value(r, ind), _target(r, ind), fmt.STATUS_ZH[status], _change(r, ind)))
    return Table(("指标", "编号", "数值", "目标", "状态", "较上年"), tuple(out))


def _rank_change(c) -> str:
    if fmt.is_missing(c):
        return "—"
    return "持平" if c == 0 else (f"上升{int(c)}位" if c > 0 else f"下降{int(-c)}位")


def ranking_table(ranking: pd.DataFrame, county: str | None = None) -> Table:
    """The whole ranking; with a county scope that county is marked （本县）."""
    rows = tuple((str(int(r["rank"])), r["county_name"] + ("" if fmt.is_missing(r["dagger"]) else str(r["dagger"]))
                  + ("（本县）" if r["county_code"] == county else ""), f"{r['total']:.1f}",
                  f"{r['base_score']:.1f}", f"{r['bonus']:.1f}", str(r["grade"]), _rank_change(r["rank_change"]))
                 for _, r in ranking.sort_values("rank").iterrows())
    return Table(("名次", "县区", "综合得分", "基础分", "加分", "等级", "名次变化"), rows)


LOWER = tuple(sorted(code for code, ind in BY_CODE.items() if ind.direction == "lower"))  # lower is better


def _gap(row, ind) -> float:
    """Distance to target relative to the target (positive = short of it)."""
    gap = (row["target"] - row["value"]) if ind.direction != "lower" else (row["value"] - row["target"])
    return gap / abs(row["target"]) if row["target"] else gap


def strengths_weaknesses(code: str, counties: pd.DataFrame, limit: int = 3,
                         area: str = "全市") -> tuple[list[str], list[str], str | None]:
    """A county's best places among the counties (top two, not shared by many), its indicators furthest below
    target (index KPIs only), and the worst of those that is a rate or count (for a full story sentence).
    `area` names the top unit in "全市第2": 全市 / 全省 / 全国.
    `counties`: data_report.county_kpis rows (place, ties, median and n_counties computed over all counties)."""
    good, bad = [], []
    own = counties[(counties["county_code"] == code)].dropna(subset=["value"]).sort_values("kpi_code", kind="stable")
    for _, row in own.iterrows():
        ind = BY_CODE.get(row["kpi_code"])
        if ind is None or ind.weight <= 0 or ind.direction == "none":
            continue
        kpi, n, place, ties = row["kpi_code"], int(row["n_counties"]), int(row["place"]), int(row["ties"])
        if place <= 2 and ties <= max(1, n // 3) and row["status"] != "red":
            spread = -abs(row["value"] - row["median"])
            good.append((place, spread, f"{ind.name_zh}{shown_value(row, ind)}（{area}第{place}）"))
        if row["status"] == "red" and not fmt.is_missing(row["target"]):
            text = (f"{ind.name_zh}：{shown_value(row, ind)}" if _yes_no(row, ind) else
                    f"{ind.name_zh}{shown_value(row, ind)}（目标{_target(row, ind)}，{area}第{place}）")
            bad.append((-_gap(row, ind), -ind.weight, text, None if _yes_no(row, ind) else kpi))
    good.sort(key=lambda t: t[:2])
    bad.sort(key=lambda t: t[:2])
    worst = next((t[3] for t in bad if t[3]), None)
    return [t[2] for t in good[:limit]], [t[2] for t in bad[:limit]], worst


def county_paragraph(year: int, rank_row, dims: pd.DataFrame, counties: pd.DataFrame, counts: pd.DataFrame,
                     total_counties: int, area: str = "全市") -> str:
    code, name = rank_row["county_code"], rank_row["county_name"]
    text = (f"{year}年综合指数{rank_row['total']:.1f}分，在{total_counties}个县区中排第{int(rank_row['rank'])}名"
            + ("" if fmt.is_missing(rank_row["rank_change"]) else f"（较上年{_rank_change(rank_row['rank_change'])}）")
            + f"，等级“{rank_row['grade']}”")
    text += "，低于80分通报线，需重点督导。" if rank_row["total"] < LINE else "。"
    own = dims[dims["county_code"] == code].dropna(subset=["score"])
    if len(own) >= 2:
        share = (own["score"] / own["max_score"]).tolist()
        best, worst = own.iloc[share.index(max(share))], own.iloc[share.index(min(share))]
        if max(share) - min(share) > 1e-9:
            text += (f"{'六' if len(own) == 6 else len(own)}个维度中“{best['dimension_name']}”得分率最高（{max(share):.0%}），"
                     f"“{worst['dimension_name']}”最低（{min(share):.0%}）。")
    good, bad, worst_code = strengths_weaknesses(code, counties, area=area)
    if good:
        text += "优势：" + "、".join(good) + "。"
    if bad:
        text += "短板：" + "；".join(bad) + "。"
        if worst_code:
            row = counties[(counties["kpi_code"] == worst_code) & (counties["county_code"] == code)].iloc[0]
            text += story.kpi_point(BY_CODE[worst_code], name, year, row)
    else:
        text += "各项计分指标均没有“未达标”。"
    own_counts = counts[counts["county_code"] == code]
    nb, npol = (int(own_counts["nb"].sum()), int(own_counts["npol"].sum()))
    text += (f"法定底线预警{nb}条" if nb else "无法定底线预警") + (f"，政策性提示{npol}条。" if npol else "，无政策性提示。")
    return text


def warnings_section(year: int, breaches: pd.DataFrame, policy: pd.DataFrame, counted: dict | None = None,
                     area: str = "全市") -> Section:
    """`counted`: the breaches counted in SQL (etl.deck._breach_summary) when `breaches` is a cut list."""
    counts = breaches["kpi_ref"].value_counts() if counted is None else counted["refs"]
    total = data.total(breaches) if counted is None else counted["total"]
    head = (f"法定底线预警共{total}条（" + "，".join(f"{label}{int(counts.get(ref, 0))}起"
                                                  for ref, label in FLOOR_LABELS.items())
            + f"）；政策性提示共{data.total(policy)}条（不阻止上传，供督导参考）。")
    tables = []
    if len(breaches):
        cut = f"（共{total}条，列出最先的{len(breaches)}条；选择县区可查看该县区的全部）" if total > len(breaches) else ""
        tables.append(("法定底线预警清单" + cut, Table(("指标", "县区", "乡镇", "情况"), tuple(
            (r["kpi_ref"], r["county_name"], "—" if fmt.is_missing(r["township_name"]) else r["township_name"],
             r["message_zh"]) for _, r in breaches.iterrows()))))
    if len(policy):
        summary = (policy.assign(county_name=policy["county_name"].fillna(area))
                   .groupby(["county_name", "table_label", "message_zh"], sort=False).size().reset_index(name="n")
                   .sort_values(["county_name", "n"], ascending=[True, False]))
        shown = summary.head(MAX_POLICY_ROWS)
        caption = "政策性提示（按县区、数据表汇总）" + (f"，列出前{MAX_POLICY_ROWS}项" if len(summary) > MAX_POLICY_ROWS else "")
        tables.append((caption, Table(("县区", "数据表", "提示", "条数"), tuple(
            (r["county_name"], r["table_label"], r["message_zh"], str(int(r["n"]))) for _, r in shown.iterrows()))))
    return Section("三、预警清单", (story.breach_point(breaches, year, counted), head), tuple(tables),
                   note="依据地方组织法，乡镇人代会每年至少举行一次、出席须达三分之二；代表建议交办后3个月内答复。")


def keep() -> int:
    """Ranking rows needed from each end: the table's halves and the paragraphs' leaders and last."""
    return max(TABLE_MAX // 2, PARAGRAPH_TOP, PARAGRAPH_MAX - PARAGRAPH_TOP)


def build_report(*, city: dict, year: int, county: str | None, scope_name: str, version: int, date: str,
                 kpis: pd.DataFrame, ranking: pd.DataFrame, dims: pd.DataFrame, counties: pd.DataFrame,
                 extremes: pd.DataFrame, counts: pd.DataFrame, breaches: pd.DataFrame, policy: pd.DataFrame,
                 snap: tuple | None = None, breach_summary: dict | None = None) -> Report:
    """The report from mart rows (pure: tested without Streamlit). `kpis`: kpi_city_year rows of the scope;
    `ranking`: data_report.ranking rows (pos, n_total, n_low); `dims`/`counties`/`counts`: the dimension
    scores, county_kpis and warning_counts of the counties given a paragraph; `extremes`: kpi_extremes of
    POINT_KPIS; `breaches`/`policy`: warnings of the scope (lists cut at data.LIST_MAX; `breach_summary`
    counts every breach)."""
    rows = {r["kpi_code"]: r for _, r in kpis.iterrows()}
    area = area_word(city.get("city_name"))
    points = []
    for code in POINT_KPIS:
        if code in rows and not fmt.is_missing(rows[code]["value"]):
            units = None if county else extremes[extremes["kpi_code"] == code]
            points.append(story.kpi_point(BY_CODE[code], scope_name, year, rows[code], units))
    points.append(story.breach_point(breaches, year, breach_summary))
    overview = Section("一、总体情况", tuple(p for p in points if p), (("主要指标", headline_table(kpis)),),
                       note="数值为当年口径；较上年为与上一年度同口径相比（比例为百分点）；状态按目标判定。")
    n = int(ranking["n_total"].iloc[0]) if len(ranking) else 0
    ordered = ranking.sort_values("pos")
    pos = ordered["pos"]
    listed = ordered if n <= TABLE_MAX else ordered[(pos <= TABLE_MAX // 2) | (pos > n - TABLE_MAX // 2)]
    index_note = "综合指数满分100分，另加创新宣传加分（不超过5分）；“†”表示该县有指标缺少分母，按维度内其余指标折算。"
    if n > TABLE_MAX:
        index_note = f"共{n}个县区，表中列出前{TABLE_MAX // 2}名和后{TABLE_MAX // 2}名；完整排名见“下载表格 Excel”（综合指数（全部））。" + index_note
    index = Section("二、综合指数排名", (story.index_point(ordered, year, LINE, NAMES_MAX),) if n else ("本年度尚无综合指数。",),
                    (("各县区综合指数与等级", ranking_table(listed, county)),) if n else (), note=index_note)
    if county:
        shown, per_note = ranking[ranking["county_code"] == county], ""
    elif n <= PARAGRAPH_MAX:
        shown, per_note = ordered, ""
    else:  # a province or the nation: the leaders and those needing 督导, not thousands of paragraphs
        shown = ordered[(pos <= PARAGRAPH_TOP) | (pos > n - (PARAGRAPH_MAX - PARAGRAPH_TOP))]
        per_note = (f"共{n}个县区，此处评述综合指数前{PARAGRAPH_TOP}名和排名最后的{PARAGRAPH_MAX - PARAGRAPH_TOP}个；"
                    "选择县区可查看该县区的段落。")
    entries = tuple((r["county_name"], county_paragraph(year, r, dims, counties, counts, n, area))
                    for _, r in shown.iterrows())
    per_county = Section("四、各县区情况", entries=entries, note=per_note) if entries else \
        Section("四、各县区情况", ("本年度尚无县区综合指数，暂不能逐县评述。",))
    scope = area if not county else scope_name
    return Report(
        issuer=f"{city.get('city_name', '')}人大常委会",
        title=f"{year}年度县乡人大建设情况通报" + (f"（{scope_name}）" if county else ""),
        meta=f"范围：{scope} · 数据版本 v{version}" + (f" · 数据截至 {date}" if date else ""),
        year=year, county_code=county, scope_name=scope_name, is_demo=bool(city.get("is_demo")),
        sections=(overview, index, warnings_section(year, breaches, policy, breach_summary, area), per_county),
        snap=snap if n > TABLE_MAX else None)


def build(snap, year: int, county: str | None) -> Report:
    return _build(snap, year, county)


@st.cache_data(**data.CACHE)
def _build(snap, year: int, county: str | None) -> Report:
    """Built once per (snapshot, year, county): the report is the same for every viewer of that version.
    Only the counties the document shows are read (bounded at any scale); the full ranking on download."""
    city = data.city(snap)
    scope = data.unit_name(snap, county) if county else city["city_name"]
    ranking = data_report.ranking(snap, year, keep(), county, LINE)
    n = int(ranking["n_total"].iloc[0]) if len(ranking) else 0
    pos = ranking["pos"]
    if county:
        shown = ranking[ranking["county_code"] == county]
    elif n <= PARAGRAPH_MAX:
        shown = ranking
    else:
        shown = ranking[(pos <= PARAGRAPH_TOP) | (pos > n - (PARAGRAPH_MAX - PARAGRAPH_TOP))]
    codes = tuple(sorted(shown["county_code"]))
    return build_report(city=city, year=year, county=county, scope_name=scope, version=snap.version,
                        date=data_report.snapshot_date(snap), kpis=data.kpi_city_year(snap, year, county),
                        ranking=ranking, dims=data_report.dimensions(snap, year, codes),
                        counties=data_report.county_kpis(snap, year, codes, LOWER),
                        extremes=data_report.kpi_extremes(snap, year, POINT_KPIS, LOWER),
                        counts=data_report.warning_counts(snap, year, codes),
                        breaches=data.floor_breaches(snap, year, county), policy=data.policy_warnings(snap, year, county),
                        snap=snap, breach_summary=data_report.breach_summary(snap, year, county))


# --- HTML (one rendering for the page and the PDF) ----------------------------------------------------------

REPORT_CSS = """
.npc-report { font-family: "Noto Serif CJK SC", "Source Han Serif SC", "SimSun", serif; color: #111;
  font-size: 15px; line-height: 1.75; max-width: 180mm; margin: 0 auto; }
.npc-report h1, .npc-report h2, .npc-report h3, .npc-report .issuer, .npc-report table {
  font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", sans-serif; }
.npc-report .issuer { text-align: center; font-size: 17px; letter-spacing: .2em; margin: 0; }
.npc-report h1 { text-align: center; font-size: 24px; margin: 4px 0 6px; padding: 0; line-height: 1.4; }
.npc-report .meta { text-align: center; color: #444; font-size: 13px; margin: 0 0 4px; }
.npc-report .demo { text-align: center; color: #444; font-size: 12px; border: 1px solid #999; padding: 2px 6px;
  margin: 4px auto 10px; width: fit-content; }
.npc-report hr { border: 0; border-top: 2px solid #B22222; margin: 8px 0 14px; }
.npc-report h2 { font-size: 18px; margin: 18px 0 6px; padding: 0; break-after: avoid; page-break-after: avoid; }
.npc-report h3 { font-size: 15px; margin: 12px 0 4px; padding: 0; break-after: avoid; page-break-after: avoid; }
.npc-report p { margin: 0 0 6px; text-indent: 2em; text-align: justify; }
.npc-report p.entry { break-inside: avoid; page-break-inside: avoid; }
.npc-report p.entry b { font-family: "Noto Sans CJK SC", sans-serif; }
.npc-report p.note { text-indent: 0; font-size: 12px; color: #444; }
.npc-report .caption { font-size: 13px; font-weight: 700; margin: 8px 0 2px; break-after: avoid; page-break-after: avoid; }
.npc-report table { border-collapse: collapse; width: 100%; font-size: 12.5px; line-height: 1.45; margin: 0 0 8px; }
.npc-report th, .npc-report td { border: 1px solid #555; padding: 3px 6px; text-align: left; vertical-align: top; }
.npc-report th { background: #eee; font-weight: 700; }
.npc-report td.num { text-align: right; white-space: nowrap; }
.npc-report td.nw, .npc-report th { white-space: nowrap; }
.npc-report tr { break-inside: avoid; page-break-inside: avoid; }
.npc-report thead { display: table-header-group; }
.npc-report .st-red { font-weight: 700; }
"""

PRINT_CSS = """
@page { size: A4 portrait; margin: 16mm 15mm 16mm 15mm; }
@media print {
  html, body, .stApp, [data-testid="stAppViewContainer"], [data-testid="stMain"], section.main,
  [data-testid="stMainBlockContainer"] { height: auto !important; overflow: visible !important;
    position: static !important; background: #fff !important; }
  [data-testid="stMainBlockContainer"] { padding: 0 !important; max-width: none !important; }
  [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stHeader"], header,
  [data-testid="stToolbar"], [data-testid="stDecoration"], [data-testid="stStatusWidget"],
  [data-testid="stBottom"], .st-key-report_controls, .stDownloadButton, .stButton { display: none !important; }
  .npc-report { max-width: none; color: #000; font-size: 11.5pt; }
  .npc-report th { background: #eee !important; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""

TABLE_MAX = 40          # ranking rows shown in the document above this many counties: the top and bottom halves
PARAGRAPH_MAX, PARAGRAPH_TOP = 30, 5   # per-county paragraphs above this many counties: top 5 + the last 25
NAMES_MAX = 10          # counties named in one sentence (below the 通报 line); beyond it the lowest, with the count

NUMERIC_HEADERS = {"数值", "目标", "较上年", "名次", "综合得分", "基础分", "加分", "条数"}


def _cell_class(numeric: bool, value) -> str:
    if numeric:
        return ' class="num"'
    if value == "未达标":
        return ' class="st-red nw"'
    return ' class="nw"' if len(str(value)) <= 8 else ""


def _table_html(caption: str, table: Table) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in table.header)
    num = [h in NUMERIC_HEADERS for h in table.header]
    body = "".join("<tr>" + "".join(f"<td{_cell_class(num[i], v)}>{html.escape(str(v))}</td>"
                                    for i, v in enumerate(row)) + "</tr>" for row in table.rows)
    return (f'<div class="caption">{html.escape(caption)}</div>'
            f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")


def report_html(rep: Report) -> str:
    """The report body (a <div class="npc-report">) — the page shows it, the PDF prints it."""
    parts = [f'<div class="npc-report"><p class="issuer">{html.escape(rep.issuer)}</p>',
             f"<h1>{html.escape(rep.title)}</h1>", f'<p class="meta">{html.escape(rep.meta)}</p>']
    if rep.is_demo:
        parts.append('<div class="demo">演示数据 · 虚构地区，不代表任何真实地区</div>')
    parts.append("<hr>")
    for sec in rep.sections:
        parts.append(f"<h2>{html.escape(sec.heading)}</h2>")
        parts += [f"<p>{html.escape(p)}</p>" for p in sec.paragraphs]
        parts += [_table_html(c, t) for c, t in sec.tables]
        parts += [f'<p class="entry"><b>{html.escape(label)}</b>　{html.escape(text)}</p>' for label, text in sec.entries]
        if sec.note:
            parts.append(f'<p class="note">注：{html.escape(sec.note)}</p>')
    parts.append("</div>")
    return "".join(parts)


def document_html(rep: Report) -> str:
    """A complete HTML document for Chromium's print-to-PDF (A4 portrait, same content and styles)."""
    return (f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>{html.escape(rep.title)}</title>'
            f"<style>{REPORT_CSS}{PRINT_CSS}body{{margin:0;background:#fff}}</style></head>"
            f"<body>{report_html(rep)}</body></html>")


def report_pdf(rep: Report) -> bytes:
    return png.html_pdf(document_html(rep))


def full_ranking(rep: Report) -> Table | None:
    """Every county's ranking (when the document lists only the top and bottom), read on download."""
    if rep.full_ranking is not None or rep.snap is None:
        return rep.full_ranking
    return ranking_table(data.index_ranking(data.Snapshot(*rep.snap), rep.year), rep.county_code)


def report_xlsx(rep: Report) -> bytes:
    """Every table of the report, one sheet each, plus the paragraphs (formula-safe)."""
    sheets = []
    for sec in rep.sections:
        for caption, t in sec.tables:
            sheets.append((caption[:31], pd.DataFrame(list(t.rows), columns=list(t.header)), {}))
    full = full_ranking(rep)
    if full is not None:
        sheets.append(("综合指数（全部）", pd.DataFrame(list(full.rows), columns=list(full.header)), {}))
    text = [(sec.heading, p) for sec in rep.sections for p in sec.paragraphs]
    text += [(label, p) for sec in rep.sections for label, p in sec.entries]
    sheets.append(("通报正文", pd.DataFrame(text, columns=["部分", "内容"]), {"widths": {"内容": 100}}))
    return write_xlsx(sheets)


# --- the page ---------------------------------------------------------------------------------------------

def actions(rep: Report) -> None:
    """下载 PDF / 下载 Excel (made on click) and how to print from the browser."""
    ok, why = png.pdf_available()
    stem = f"{rep.scope_name}{rep.year}年度通报"
    with st.container(horizontal=True, gap="small"):
        st.download_button("下载 PDF" if ok else "PDF 不可用", (lambda: report_pdf(rep)) if ok else b"",
                           file_name=f"{stem}.pdf", mime="application/pdf", key="report_pdf", on_click="ignore",
                           icon=":material/picture_as_pdf:", disabled=not ok, help=why or "A4 纵向，与本页内容相同")
        st.download_button("下载表格 Excel", lambda: report_xlsx(rep), file_name=f"{stem}.xlsx", mime=XLSX,
                           key="report_xlsx", on_click="ignore", icon=":material/table:")
    st.caption("打印：按 Ctrl+P（Mac 为 ⌘+P），纸张选 A4、纵向，即可打印或另存为 PDF；筛选框、按钮和侧栏不会打印。"
               + ("" if ok else why))


def show(rep: Report) -> None:
    st.html(f"<style>{REPORT_CSS}{PRINT_CSS}</style>{report_html(rep)}")
