"""The 年度通报 workbook: every KPI of a year for the city, each county and each township, the composite index
and the 预警清单, as one .xlsx (CLI `python -m etl export-xlsx`).

Written through etl.xlsx_safe: text is neutralised (no cell a spreadsheet could run), the workbook never turns
strings into formulas, and values stay typed numbers — rates as fractions in "0.0%" cells, so a total or chart
built on them in Excel works.
"""
from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from etl.area import area_word
from etl.fmt import STATUS_ZH
from etl.indicators import BY_CODE, DIMENSIONS, INDICATORS
from etl.xlsx_safe import (
    _plain,
    display_width,
    neutralise,
    new_workbook,
    safe_sheet_name,
)

FLOOR_WARNING_ZH = {"late_reply": "代表建议逾期答复", "inquorate": "人代会出席代表不足法定人数",
                    "no_congress": "乡镇本年度未召开人代会"}
NOTE = ("比率类指标（单位%）在单元格中为小数、以百分比格式显示（0.883 显示为 88.3%），可直接参与计算；其他指标为原单位数值。"
        "状态按各指标目标值判定：达标、接近目标、未达标；没有目标的指标为“无目标”。值为空表示未填报或不适用。"
        "县区行为该县区汇总（比率为Σ分子÷Σ分母），乡镇行为该乡镇街道本身。各指标的口径、分子、分母和依据见看板“指标口径”页。")


@dataclass(frozen=True)
class Col:
    header: str
    key: str
    kind: str = "text"          # text | int | num | pct | kpi (format by the row's unit) | delta
    width: int | None = None


KPI_COLS = (Col("值", "value", "kpi"), Col("分子", "numerator", "num"), Col("分母", "denominator", "num"),
            Col("目标", "target", "kpi"), Col("状态", "status_zh"))


def annual_workbook(con, year: int, version: int | None = None) -> bytes:
    """The full 年度通报 workbook for `year` from a snapshot connection, as .xlsx bytes."""
    years = [r[0] for r in con.execute("SELECT DISTINCT year FROM mart_kpi ORDER BY year").fetchall()]
    if year not in years:
        raise ValueError(f"没有{year}年的数据。可选年度：{'、'.join(map(str, years)) or '无'}")
    if version is None:
        version = con.execute("SELECT max(version) FROM meta_version").fetchone()[0]
    city = (con.execute("SELECT city_name FROM dim_city ORDER BY city_code LIMIT 1").fetchone() or ("",))[0]
    buf = io.BytesIO()
    wb = new_workbook(buf)
    book = _Book(wb)
    sheets = [("总体", f"{area_word(city)}{year}年各项指标的值、目标、状态及较上年变化"),
              ("综合指数", "各县区综合指数总分、等次、排名及六个维度得分"),
              *((f"{fam} {name}", f"{name}类指标：各县区、各乡镇街道的值、分子、分母、目标和状态")
                for fam, (name, _) in DIMENSIONS.items()),
              ("预警清单", "法定底线被突破的对象，以及按政策规则发现的问题")]
    about = [("城市", city), ("年度", f"{year}年"), ("数据版本", f"v{version}" if version else "—"),
             ("生成时间", dt.datetime.now().strftime("%Y-%m-%d %H:%M:%S")), ("口径说明", NOTE),
             *((f"工作表：{name}", text) for name, text in sheets)]
    book.sheet("说明", (Col("项目", "k", width=16), Col("内容", "v", width=100)),
               [{"k": k, "v": v} for k, v in about], freeze=False, wrap=True)
    book.sheet("总体", (Col("类别", "family"), Col("编号", "kpi_ref"), Col("指标", "name"), Col("单位", "unit"),
                      *KPI_COLS, Col("上年值", "last_value", "kpi"), Col("较上年变化", "delta", "delta"),
                      Col("变化单位", "delta_unit")), _overall(con, year))
    book.sheet("综合指数", *_index(con, year))
    for fam, (name, _) in DIMENSIONS.items():
        book.sheet(f"{fam} {name}", (Col("层级", "level"), Col("县区代码", "county_code"), Col("县区", "county_name"),
                                     Col("乡镇街道代码", "township_code"), Col("乡镇街道", "township_name"),
                                     Col("编号", "kpi_ref"), Col("指标", "name"), Col("单位", "unit"), *KPI_COLS),
                   _family(con, year, fam))
    book.sheet("预警清单", (Col("类别", "kind"), Col("编号", "ref"), Col("问题", "problem"), Col("县区", "county_name"),
                        Col("乡镇街道", "township_name"), Col("说明", "message", width=90), Col("对象", "object")),
               _warnings(con, year), wrap=True)
    wb.close()
    return buf.getvalue()


# ---------------------------------------------------------------- data

def _rows(con, sql: str, params=()) -> list[dict]:
    cur = con.execute(sql, list(params))
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def _kpi_fields(row: dict) -> dict:
    ind = BY_CODE.get(row["kpi_code"])
    row["name"] = ind.name_zh if ind else row["kpi_code"]
    row["unit"] = ind.unit if ind else ""
    row["family"] = DIMENSIONS[ind.family][0] if ind and ind.family in DIMENSIONS else ""
    row["status_zh"] = STATUS_ZH.get(row.get("status"), STATUS_ZH[None])
    return row


def _order(code: str) -> int:
    return next((i for i, ind in enumerate(INDICATORS) if ind.code == code), len(INDICATORS))


def _overall(con, year: int) -> list[dict]:
    rows = _rows(con, """SELECT k.kpi_code, k.kpi_ref, k.value, k.numerator, k.denominator, k.target, k.status,
            p.value AS last_value
        FROM mart_kpi k LEFT JOIN mart_kpi p ON p.kpi_code = k.kpi_code AND p.level = k.level
             AND p.unit_code = k.unit_code AND p.year = k.year - 1
        WHERE k.level = '市' AND k.year = ?""", (year,))
    for r in rows:
        _kpi_fields(r)
        has = r["value"] is not None and r["last_value"] is not None
        if r["unit"] == "%":
            r["delta"] = (r["value"] - r["last_value"]) * 100 if has else None
            r["delta_unit"] = "百分点" if has else ""
        else:
            r["delta"] = r["value"] - r["last_value"] if has else None
            r["delta_unit"] = r["unit"] if has else ""
    return sorted(rows, key=lambda r: _order(r["kpi_code"]))


def _index(con, year: int):
    dims = _rows(con, "SELECT county_code, dimension, score FROM mart_index WHERE year = ?", (year,))
    rows = _rows(con, """SELECT rank, county_code, county_name, total, base_score, bonus, grade, rank_change, dagger,
            total_equal, rank_equal FROM mart_index_total WHERE year = ? ORDER BY rank, county_code""", (year,))
    scores = {(d["county_code"], d["dimension"]): d["score"] for d in dims}
    for r in rows:
        r["dagger"] = "†：部分指标不适用，维度权重已按比例重新分配" if r["dagger"] else ""
        for fam in DIMENSIONS:
            r[f"dim_{fam}"] = scores.get((r["county_code"], fam))
    cols = (Col("排名", "rank", "int"), Col("县区代码", "county_code"), Col("县区", "county_name"),
            Col("总分", "total", "num"), Col("基础分", "base_score", "num"), Col("加分", "bonus", "num"),
            Col("等次", "grade"), Col("名次变化", "rank_change", "int"),
            *(Col(f"{name}（{pts}分）", f"dim_{fam}", "num") for fam, (name, pts) in DIMENSIONS.items()),
            Col("等权总分", "total_equal", "num"), Col("等权排名", "rank_equal", "int"), Col("备注", "dagger"))
    return cols, rows


def _family(con, year: int, family: str) -> list[dict]:
    codes = [i.code for i in INDICATORS if i.family == family]
    marks = ",".join("?" * len(codes))
    rows = _rows(con, f"""SELECT k.level, c.county_code, c.county_name,
            CASE WHEN k.level = '乡' THEN k.unit_code END AS township_code,
            CASE WHEN k.level = '乡' THEN k.unit_name END AS township_name,
            k.kpi_code, k.kpi_ref, k.value, k.numerator, k.denominator, k.target, k.status, c.sort_order
        FROM mart_kpi k JOIN dim_county c
          ON c.county_code = CASE WHEN k.level = '县' THEN k.unit_code ELSE k.county_code END
        WHERE k.year = ? AND k.level IN ('县', '乡') AND k.kpi_code IN ({marks})""", (year, *codes))
    rows = [_kpi_fields(r) for r in rows]
    rows.sort(key=lambda r: (_order(r["kpi_code"]), r["level"] != "县", r["sort_order"] or 0, r["county_code"],
                             r["township_code"] or ""))
    return rows


def _warnings(con, year: int) -> list[dict]:
    refs = {}
    for ind in INDICATORS:
        refs.setdefault(ind.ref, ind.name_zh)
    floors = _rows(con, """SELECT w.kpi_ref AS ref, w.code, c.county_name, t.township_name, w.message_zh AS message,
            w.object_id AS object
        FROM mart_warning w LEFT JOIN dim_county c USING (county_code)
        LEFT JOIN dim_township t ON t.township_code = w.township_code
        WHERE w.year = ? ORDER BY w.kpi_ref, c.sort_order, w.township_code, w.object_id""", (year,))
    for r in floors:
        r["kind"] = "法定底线"
        r["problem"] = FLOOR_WARNING_ZH.get(r["code"]) or refs.get(r["ref"], r["code"])
    rules = _rows(con, """SELECT w.rule_code AS ref, w.table_label, w.header, c.county_name, t.township_name,
            w.message_zh AS message, w.record_key AS object
        FROM mart_policy_warning w LEFT JOIN dim_county c USING (county_code)
        LEFT JOIN dim_township t ON t.township_code = w.township_code
        WHERE w.year = ? ORDER BY c.sort_order, w.township_code, w.table_name, w.rule_code, w.record_key""", (year,))
    for r in rules:
        r["kind"] = "政策规则"
        r["problem"] = f"{r['table_label']}：{r['header']}" if r["header"] else r["table_label"]
    return floors + rules


# ---------------------------------------------------------------- writing

class _Book:
    """Sheets written cell by cell: a rate's number format follows its row's unit, text is neutralised."""

    def __init__(self, wb):
        self.wb, self.used = wb, []
        self.head = wb.add_format({"bold": True, "bg_color": "#F2DCDB", "border": 1, "text_wrap": True,
                                   "valign": "top"})
        self.fmt = {"pct": wb.add_format({"num_format": "0.0%"}), "num": wb.add_format({"num_format": "#,##0.0##"}),
                    "int": wb.add_format({"num_format": "0"}), "delta": wb.add_format({"num_format": "+0.0;-0.0;0.0"})}
        self.wrap = wb.add_format({"text_wrap": True, "valign": "top"})

    def sheet(self, name: str, cols, rows: list[dict], *, freeze: bool = True, wrap: bool = False) -> None:
        title = safe_sheet_name(name, self.used)
        self.used.append(title)
        ws = self.wb.add_worksheet(title)
        widths = [display_width(c.header) for c in cols]
        for j, col in enumerate(cols):
            ws.write_string(0, j, neutralise(col.header), self.head)
        for i, row in enumerate(rows, start=1):
            for j, col in enumerate(cols):
                value = _plain(row.get(col.key))
                if value is None or value == "":
                    continue
                if col.kind == "text" or isinstance(value, str):
                    text = neutralise(str(value))
                    ws.write_string(i, j, text, self.wrap if wrap else None)
                    widths[j] = max(widths[j], display_width(text))
                    continue
                kind = col.kind
                if kind == "kpi":
                    kind = "pct" if row.get("unit") == "%" else "num"
                ws.write_number(i, j, float(value), self.fmt[kind])
                widths[j] = max(widths[j], 10)
        for j, col in enumerate(cols):
            ws.set_column(j, j, col.width or min(max(widths[j] + 2, 8), 60))
        if freeze:
            ws.freeze_panes(1, 0)
        if rows:
            ws.autofilter(0, 0, len(rows), len(cols) - 1)
