"""The meeting deck as an editable .pptx: native python-pptx charts (data embedded, editable in PowerPoint/WPS),
native tables, 要点 as text, 口径 in the speaker notes. No pictures anywhere.

Built on the bundled template etl/assets/npc_16x9.pptx (16:9, deep red title band, gold line; regenerate with
`python -m etl.assets.make_template`). Every text run, default and end-of-paragraph property in the slides,
notes and chart parts carries an East Asian font (`<a:ea>`) so Chinese renders with a CJK face everywhere.
"""
from __future__ import annotations

import datetime as dt
import io
import math
import re
from contextlib import contextmanager
from pathlib import Path

from lxml import etree
from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.chart.xlsx import CategoryWorkbookWriter
from pptx.dml.color import RGBColor
from pptx.enum.chart import (
    XL_CHART_TYPE,
    XL_LABEL_POSITION,
    XL_LEGEND_POSITION,
    XL_MARKER_STYLE,
)
from pptx.enum.dml import MSO_LINE_DASH_STYLE
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.util import Emu, Inches, Pt

from etl.deck import ChartSpec, Deck, Slide, Table
from etl.xlsx_safe import WORKBOOK_OPTIONS, display_width

ASSETS = Path(__file__).resolve().parent / "assets"
TEMPLATE = ASSETS / "npc_16x9.pptx"
TITLE_LAYOUT, CONTENT_LAYOUT = "人大·标题页", "人大·标题和内容"
FONT = "Microsoft YaHei"                # East Asian + latin face; viewers without it substitute a CJK font
RED, GOLD, INK, GREY, LIGHT = "B22222", "C9A227", "262626", "595959", "D9D9D9"
SERIES_COLORS = ("8B1A1A", "BFBFBF", "C9A227", "0072B2", "56B4E9", "7F7F7F")
CHART_TYPES = {"bar": XL_CHART_TYPE.BAR_CLUSTERED, "column": XL_CHART_TYPE.COLUMN_CLUSTERED,
               "line": XL_CHART_TYPE.LINE_MARKERS}
TABLE_MAX_ROWS = 12
CELL_MAX_WIDTH = 90                      # display units (a CJK character is 2); longer cells end with …
POINT_SIZES = (22, 20, 18)               # 要点 type, largest that fits; never below 18 pt
LINE_HEIGHT = 1.45                       # CJK faces (Noto Sans CJK, YaHei) need ~1.3–1.45 em a line

SLIDE_W, SLIDE_H = Emu(12192000), Emu(6858000)       # 13.333 x 7.5 in, the standard 16:9
MARGIN = Inches(0.5)
BODY_TOP, BODY_BOTTOM = Inches(1.3), Inches(6.88)
_AFTER_FONTS = {qn(f"a:{t}") for t in ("cs", "sym", "hlinkClick", "hlinkMouseOver", "rtl", "extLst")}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


class _SafeWorkbookWriter(CategoryWorkbookWriter):
    """The workbook embedded in each chart: names like "=SUM(…)" stay text, never formulas."""

    @contextmanager
    def _open_worksheet(self, xlsx_file):
        import xlsxwriter
        workbook = xlsxwriter.Workbook(xlsx_file, {"in_memory": True, **WORKBOOK_OPTIONS})
        worksheet = workbook.add_worksheet()
        yield workbook, worksheet
        workbook.close()


class _SafeChartData(CategoryChartData):
    @property
    def _workbook_writer(self):
        return _SafeWorkbookWriter(self)


def _clean(text) -> str:
    return _CONTROL.sub("", "" if text is None else str(text))


def render_pptx(deck: Deck, template: Path | None = None) -> bytes:
    """The deck as .pptx bytes: one slide per Deck slide, in order."""
    prs = Presentation(str(template or TEMPLATE))
    prs.slide_width, prs.slide_height = SLIDE_W, SLIDE_H
    layouts = {layout.name: layout for layout in prs.slide_layouts}
    title_layout = layouts.get(TITLE_LAYOUT, prs.slide_layouts[0])
    content_layout = layouts.get(CONTENT_LAYOUT, prs.slide_layouts[min(1, len(prs.slide_layouts) - 1)])
    total = len(deck.slides)
    for number, spec in enumerate(deck.slides, 1):
        if spec.key == "title" or (number == 1 and spec.chart is None and spec.table is None):
            slide = prs.slides.add_slide(title_layout)
            _title_slide(slide, spec)
        else:
            slide = prs.slides.add_slide(content_layout)
            _content_slide(slide, spec)
        _footer(slide, deck, number, total)
        _notes(slide, spec, deck)
        _east_asian(slide._element)
        _east_asian(slide.notes_slide._element)
        for shape in slide.shapes:
            if shape.has_chart:
                _east_asian(shape.chart._chartSpace)
    props = prs.core_properties
    props.title = f"{deck.scope_name}{deck.year}年县乡人大建设监督汇报"
    props.subject = f"数据版本 v{deck.version}"
    props.author = props.last_modified_by = "县乡人大建设监督看板"
    props.created = props.modified = dt.datetime.now().replace(microsecond=0)
    props.revision = 1
    buf = io.BytesIO()
    prs.save(buf)
    return buf.getvalue()


# ---------------------------------------------------------------- slides

def _title_slide(slide, spec: Slide) -> None:
    title, subtitle = slide.placeholders[0], slide.placeholders[1]
    text, size = _fit_title(spec.title, title.width - Inches(0.2), ((40, 2), (36, 2), (32, 3), (28, 3)))
    _set_text(title.text_frame, [text], size=size)
    lines = [_clean(t) for t in (spec.subtitle, *spec.points) if t]
    if lines:
        _set_text(subtitle.text_frame, lines, size=24 if len(lines) <= 2 else 20)
    else:
        subtitle._element.getparent().remove(subtitle._element)


def _content_slide(slide, spec: Slide) -> None:
    title = slide.placeholders[0]
    text, size = _fit_title(spec.title, title.width - Inches(0.2), ((30, 1), (28, 1), (26, 1), (22, 2)))
    _set_text(title.text_frame, [text], size=size)
    for ph in list(slide.placeholders)[1:]:          # the body placeholder: content goes in native shapes
        ph._element.getparent().remove(ph._element)
    top = BODY_TOP
    if spec.subtitle:
        box = slide.shapes.add_textbox(MARGIN, Inches(1.12), SLIDE_W - 2 * MARGIN, Inches(0.45))
        _set_text(box.text_frame, [_clean(spec.subtitle)], size=18, color=GREY)
        top = Inches(1.6)
    chart = spec.chart if spec.chart is not None and spec.chart.categories else None
    table = spec.table
    if spec.chart is not None and chart is None and table is None:       # nothing to plot: say so
        table = Table(("说明",), (("本页没有可绘图的数据。",),))
    visual = chart is not None or table is not None
    width = SLIDE_W - 2 * MARGIN
    if visual and spec.points:
        wide_table = table is not None and chart is None and (
            len(table.header) >= 5 or any(display_width(c) > 40 for r in table.rows for c in r))
        vis_w = int(width * (0.66 if wide_table else 0.6))
        points_x = MARGIN + vis_w + Inches(0.25)
        _points(slide, spec.points, points_x, top, SLIDE_W - MARGIN - points_x, BODY_BOTTOM - top)
    else:
        vis_w = width
        if spec.points:
            _points(slide, spec.points, MARGIN, top, width, BODY_BOTTOM - top)
    if chart is not None:
        chart_h = BODY_BOTTOM - top
        if table is not None:                   # chart above, a short table below
            chart_h = int(chart_h * 0.58)
            _table(slide, table, MARGIN, top + chart_h + Inches(0.1), vis_w, BODY_BOTTOM - top - chart_h - Inches(0.1))
        _chart(slide, chart, MARGIN, top, vis_w, chart_h)
    elif table is not None:
        _table(slide, table, MARGIN, top, vis_w, BODY_BOTTOM - top)


def _footer(slide, deck: Deck, number: int, total: int) -> None:
    top, height = Inches(7.02), Inches(0.38)
    left = slide.shapes.add_textbox(MARGIN, top, Inches(9), height)
    scope = deck.scope_name if deck.scope_name == deck.city_name else f"{deck.city_name}·{deck.scope_name}"
    _set_text(left.text_frame, [f"{_clean(scope)}　{deck.year}年度　数据版本 v{deck.version}"], size=12, color=GREY)
    right = slide.shapes.add_textbox(SLIDE_W - MARGIN - Inches(2), top, Inches(2), height)
    _set_text(right.text_frame, [f"{number} / {total}"], size=12, color=GREY, align=PP_ALIGN.RIGHT)


def _notes(slide, spec: Slide, deck: Deck) -> None:
    lines = [_clean(spec.notes)] if spec.notes else []
    lines.append(f"数据来源：{_clean(deck.city_name)}县乡人大建设监督看板，{deck.year}年度，数据版本 v{deck.version}。")
    slide.notes_slide.notes_text_frame.text = "\n".join(lines)


# ---------------------------------------------------------------- text

def _ems(text: str) -> float:
    """Width in em: CJK and full-width characters 1, latin, digits and punctuation about 0.6."""
    wide = display_width(text) - len(text)
    return wide + (len(text) - wide) * 0.6


def _text_lines(text: str, width_emu: int, size_pt: float) -> int:
    """Estimated wrapped line count, on the safe side (line breaks at word ends waste some width)."""
    width_pt = (width_emu / 12700 - 15) * 0.92       # minus the text box insets
    per_line = max(width_pt / size_pt, 1.0)
    return max(1, math.ceil(_ems(text) / per_line))


def _fit_title(title: str, width_emu: int, steps) -> tuple[str, int]:
    """The largest (size, max lines) step the title fits; past the last step it is cut and ends with …"""
    text = _clean(title)
    for size, lines in steps:
        if _text_lines(text, width_emu, size) <= lines:
            return text, size
    size, lines = steps[-1]
    while len(text) > 1 and _text_lines(text + "…", width_emu, size) > lines:
        text = text[:-1]
    return text + "…", size


def _set_text(frame, lines, *, size: float, color: str | None = None, bold: bool | None = None,
              align=None) -> None:
    frame.word_wrap = True
    frame.clear()
    for i, line in enumerate(lines):
        para = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        if align is not None:
            para.alignment = align
        run = para.add_run()
        run.text = line
        run.font.size = Pt(size)
        if color:
            run.font.color.rgb = RGBColor.from_string(color)
        if bold is not None:
            run.font.bold = bold


def _points(slide, points, x, y, w, h) -> None:
    """The 要点 as bullets, in the largest type (≥ 18 pt) whose estimated height fits the box."""
    texts = [_clean(p) for p in points]
    size = POINT_SIZES[-1]
    for candidate in POINT_SIZES:
        lines = sum(_text_lines(t, w - Inches(0.3), candidate) for t in texts)
        if lines * candidate * LINE_HEIGHT + len(texts) * candidate * 0.6 <= h / 12700:
            size = candidate
            break
    box = slide.shapes.add_textbox(x, y, w, h)
    frame = box.text_frame
    frame.vertical_anchor = MSO_ANCHOR.TOP
    _set_text(frame, texts, size=size, color=INK)
    for para in frame.paragraphs:
        para.space_after = Pt(size * 0.6)
        p_pr = para._p.get_or_add_pPr()
        p_pr.set("marL", str(int(Inches(0.3))))
        p_pr.set("indent", str(-int(Inches(0.3))))
        for tag in ("a:buClr", "a:buFont", "a:buChar"):
            old = p_pr.find(qn(tag))
            if old is not None:
                p_pr.remove(old)
        bu_clr = etree.SubElement(p_pr, qn("a:buClr"))
        etree.SubElement(bu_clr, qn("a:srgbClr")).set("val", RED)
        etree.SubElement(p_pr, qn("a:buFont")).set("typeface", "Arial")
        etree.SubElement(p_pr, qn("a:buChar")).set("char", "■")
        _order_ppr(p_pr)


def _order_ppr(p_pr) -> None:
    """a:pPr children in schema order (lnSpc, spcBef, spcAft, bu*, tabLst, defRPr, extLst)."""
    order = ["lnSpc", "spcBef", "spcAft", "buClrTx", "buClr", "buSzTx", "buSzPct", "buSzPts", "buFontTx", "buFont",
             "buNone", "buAutoNum", "buChar", "buBlip", "tabLst", "defRPr", "extLst"]
    rank = {qn(f"a:{t}"): i for i, t in enumerate(order)}
    children = sorted(p_pr, key=lambda el: rank.get(el.tag, len(order)))
    for child in children:
        p_pr.append(child)


# ---------------------------------------------------------------- charts

def _number_format(spec: ChartSpec) -> str:
    if spec.unit == "%":
        return "0.0%"
    values = [v for s in spec.series for v in s.values if v is not None]
    if spec.target is not None:
        values.append(spec.target)
    return "0" if all(float(v).is_integer() for v in values) else "0.0"


def _chart(slide, spec: ChartSpec, x, y, w, h):
    if spec.kind not in CHART_TYPES:
        raise ValueError(f"不支持的图表类型“{spec.kind}”（可选 bar、column、line）")
    fmt = _number_format(spec)
    data = _SafeChartData(number_format=fmt)
    data.categories = [_clean(c) for c in spec.categories]
    for s in spec.series:
        data.add_series(_clean(s.name), [None if v is None or (isinstance(v, float) and math.isnan(v)) else v
                                         for v in s.values])
    has_target = spec.target is not None and len(spec.categories) > 0
    if has_target:
        data.add_series(_clean(spec.target_label) or "目标", [spec.target] * len(spec.categories))
    frame = slide.shapes.add_chart(CHART_TYPES[spec.kind], x, y, w, h, data)
    chart = frame.chart
    n = len(spec.categories)
    bars = n * len(spec.series) if spec.kind != "line" else n
    tick = 14 if n <= 12 else 12 if n <= 20 else 10
    label_size = tick if bars <= 16 else min(tick, 11)
    chart.font.size = Pt(tick)
    chart.font.name = FONT
    chart.has_title = False
    chart.has_legend = len(spec.series) > 1 or has_target
    if chart.has_legend:
        chart.legend.position = XL_LEGEND_POSITION.BOTTOM
        chart.legend.include_in_layout = False
        chart.legend.font.size = Pt(14)
    values = [v for s in spec.series for v in s.values if v is not None]
    value_axis, category_axis = chart.value_axis, chart.category_axis
    value_axis.has_major_gridlines = True
    value_axis.major_gridlines.format.line.color.rgb = RGBColor.from_string(LIGHT)
    value_axis.tick_labels.number_format = "0%" if spec.unit == "%" else "General"
    value_axis.tick_labels.number_format_is_linked = False
    value_axis.tick_labels.font.size = Pt(tick)
    if values and min(values + ([spec.target] if has_target else [])) >= 0:
        value_axis.minimum_scale = 0
    if spec.unit == "%" and values and max(values + ([spec.target] if has_target else [])) <= 1:
        value_axis.maximum_scale = 1
        value_axis.major_unit = 0.2 if spec.kind == "bar" else 0.1
    if spec.axis_title:
        value_axis.has_title = True
        _set_text(value_axis.axis_title.text_frame, [_clean(spec.axis_title)], size=14, color=GREY)
    category_axis.tick_labels.font.size = Pt(tick)
    category_axis.format.line.color.rgb = RGBColor.from_string("A6A6A6")
    value_axis.format.line.fill.background()
    plot = chart.plots[0]
    value_series = list(plot.series)[: len(spec.series)]
    if spec.kind in ("bar", "column"):
        plot.gap_width = 60 if bars <= 12 else 40
        plot.overlap = 100 if len(spec.series) == 1 else -10
        plot.vary_by_categories = False
        if spec.kind == "bar":
            category_axis.reverse_order = True       # first category (rank 1) on top, value axis kept below
            value_axis._element.find(qn("c:crosses")).set("val", "max")
    for i, series in enumerate(value_series):
        color = SERIES_COLORS[i % len(SERIES_COLORS)]
        if i == 0 and any(spec.colors):
            color = "7F7F7F"                         # points carry the status colours; the legend stays neutral
        if spec.kind == "line":
            series.smooth = False
            series.format.line.width = Pt(2.75)
            series.format.line.color.rgb = RGBColor.from_string(color)
            series.marker.style = XL_MARKER_STYLE.CIRCLE
            series.marker.size = 8
            series.marker.format.fill.solid()
            series.marker.format.fill.fore_color.rgb = RGBColor.from_string(color)
            series.marker.format.line.color.rgb = RGBColor.from_string(color)
        else:
            series.format.fill.solid()
            series.format.fill.fore_color.rgb = RGBColor.from_string(color)
        if i == 0 and spec.colors:
            for j, hexcolor in enumerate(spec.colors[:n]):
                if not hexcolor:
                    continue
                point = series.points[j]
                rgb = RGBColor.from_string(hexcolor.lstrip("#").upper())
                if spec.kind == "line":
                    point.marker.format.fill.solid()
                    point.marker.format.fill.fore_color.rgb = rgb
                    point.marker.format.line.color.rgb = rgb
                else:
                    point.format.fill.solid()
                    point.format.fill.fore_color.rgb = rgb
        if n <= 30:
            labels = series.data_labels
            labels.show_value = True
            labels.number_format = fmt
            labels.number_format_is_linked = False
            labels.font.size = Pt(label_size)
            labels.font.color.rgb = RGBColor.from_string(INK)
            labels.position = XL_LABEL_POSITION.ABOVE if spec.kind == "line" else XL_LABEL_POSITION.OUTSIDE_END
    if has_target:
        target = list(plot.series)[-1]
        line = target.format.line
        line.color.rgb = RGBColor.from_string(INK if n <= 12 else GREY)
        line.width = Pt(1.5 if n <= 12 else 1.0)
        line.dash_style = MSO_LINE_DASH_STYLE.DASH if n <= 12 else MSO_LINE_DASH_STYLE.SQUARE_DOT
        if spec.kind == "line":
            target.smooth = False
            target.marker.style = XL_MARKER_STYLE.DASH   # not NONE: keeps the chart a LINE_MARKERS chart
            target.marker.size = 5
            target.marker.format.fill.solid()
            target.marker.format.fill.fore_color.rgb = RGBColor.from_string(INK)
            target.marker.format.line.color.rgb = RGBColor.from_string(INK)
        else:
            target.format.fill.background()          # an outlined box ending at the target
    return chart


# ---------------------------------------------------------------- tables

def _cell(text) -> str:
    s = _clean(text).replace("\n", " ")
    if display_width(s) <= CELL_MAX_WIDTH:
        return s
    out, width = [], 0
    for ch in s:
        width += display_width(ch)
        if width > CELL_MAX_WIDTH - 2:
            break
        out.append(ch)
    return "".join(out) + "…"


def _column_widths(header, rows, ncols: int, total: int, size: float) -> list[int]:
    """Short columns get their natural width; the rest of the width goes to the long ones, shared by length."""
    pad = Pt(16)
    natural = []
    for j in range(ncols):
        cells = [header[j] if j < len(header) else ""] + [r[j] if j < len(r) else "" for r in rows]
        natural.append(int(max(_ems(c) for c in cells) * Pt(size) * 1.1) + pad)
    if sum(natural) <= total:
        return [int(n * total / sum(natural)) for n in natural]
    widths, left, open_cols = [0] * ncols, total, sorted(range(ncols), key=lambda j: natural[j])
    while open_cols:
        share = left / len(open_cols)
        j = open_cols[0]
        if natural[j] > share:                       # every remaining column is long: share by length
            weight = sum(natural[k] for k in open_cols)
            for k in open_cols:
                widths[k] = int(left * natural[k] / weight)
            break
        widths[j], left = natural[j], left - natural[j]
        open_cols.pop(0)
    return widths


def _table(slide, table: Table, x, y, w, h) -> None:
    """A native table; rows that do not fit (at most TABLE_MAX_ROWS) are summarised as "另有N条"."""
    header = [_cell(c) for c in table.header]
    rows = [[_cell(c) for c in r] for r in table.rows] or [["本年度无相关记录。"]]
    ncols = max(len(header), 1)
    size = 14 if ncols <= 5 else 12
    col_w = _column_widths(header, rows, ncols, w, size)
    line_pt, pad_pt = size * LINE_HEIGHT, 10

    def height(cells) -> float:
        lines = max(_text_lines(c, col_w[j], size) for j, c in enumerate(cells[:ncols])) if cells else 1
        return lines * line_pt + pad_pt

    budget = h / 12700 - height(header) - 30         # room for the "另有N条" line
    shown, used = [], 0.0
    for r in rows[:TABLE_MAX_ROWS]:
        need = height(r)
        if used + need > budget and shown:
            break
        shown.append(r)
        used += need
    frame = slide.shapes.add_table(len(shown) + 1, ncols, x, y, w, Emu(int((height(header) + used) * 12700)))
    tbl = frame.table
    for j, cw in enumerate(col_w):
        tbl.columns[j].width = Emu(cw)
    for i, cells in enumerate([header] + shown):
        tbl.rows[i].height = Emu(int(height(cells) * 12700))
        for j in range(ncols):
            cell = tbl.cell(i, j)
            cell.margin_top = cell.margin_bottom = Pt(3)
            cell.vertical_anchor = MSO_ANCHOR.MIDDLE
            _set_text(cell.text_frame, [cells[j] if j < len(cells) else ""], size=size, bold=i == 0 or None,
                      color="FFFFFF" if i == 0 else INK)
    rest = len(rows) - len(shown)
    if rest:
        note = slide.shapes.add_textbox(x, y + Emu(int((height(header) + used + 4) * 12700)), w, Inches(0.4))
        _set_text(note.text_frame, [f"另有{rest}条，详见年度通报 Excel（python -m etl export-xlsx）。"], size=14,
                  color=GREY)


# ---------------------------------------------------------------- fonts

def _east_asian(root) -> None:
    """Every run gets rPr; every rPr/defRPr/endParaRPr gets <a:latin> and <a:ea> (in schema order)."""
    for run in list(root.iter(qn("a:r"), qn("a:fld"))):
        if run.find(qn("a:rPr")) is None:
            run.insert(0, etree.Element(qn("a:rPr")))
    for tag in ("a:rPr", "a:defRPr", "a:endParaRPr"):
        for props in root.iter(qn(tag)):
            if tag == "a:rPr" and props.get("lang") is None:
                props.set("lang", "zh-CN")
                props.set("altLang", "en-US")
            for face in ("a:latin", "a:ea"):
                if props.find(qn(face)) is None:
                    _insert_font(props, etree.Element(qn(face), typeface=FONT))


def _insert_font(props, element) -> None:
    if element.tag == qn("a:ea"):
        latin = props.find(qn("a:latin"))
        if latin is not None:
            latin.addnext(element)
            return
    for i, child in enumerate(props):
        if child.tag in _AFTER_FONTS or (element.tag == qn("a:latin") and child.tag == qn("a:ea")):
            props.insert(i, element)
            return
    props.append(element)
