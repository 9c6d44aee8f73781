"""Regenerate etl/assets/npc_16x9.pptx, the bundled slide template (run: python -m etl.assets.make_template).

A neutral 人大 style: deep red title band, gold accent line, white body, Chinese theme fonts, no pictures.
Two layouts only: 人大·标题页 and 人大·标题和内容. The output is byte-for-byte reproducible (fixed core
properties and zip timestamps), so the committed file can be checked against this script.
"""
from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

from lxml import etree
from pptx import Presentation
from pptx.opc.constants import RELATIONSHIP_TYPE as RT
from pptx.oxml.ns import qn
from pptx.util import Emu, Inches

OUT = Path(__file__).resolve().parent / "npc_16x9.pptx"
RED, GOLD, INK, GREY = "B22222", "C9A227", "262626", "595959"
FONT = "Microsoft YaHei"
WIDTH, HEIGHT = Emu(12192000), Emu(6858000)         # 13.333 x 7.5 in
TITLE_LAYOUT, CONTENT_LAYOUT = "人大·标题页", "人大·标题和内容"
A_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"
P_NS = "http://schemas.openxmlformats.org/presentationml/2006/main"
FIXED_TIME = dt.datetime(2025, 1, 1, 0, 0, 0)


def _rect_xml(shape_id: int, name: str, x, y, w, h, color: str) -> str:
    return (f'<p:sp xmlns:p="{P_NS}" xmlns:a="{A_NS}"><p:nvSpPr><p:cNvPr id="{shape_id}" name="{name}"/>'
            f'<p:cNvSpPr/><p:nvPr userDrawn="1"/></p:nvSpPr><p:spPr><a:xfrm><a:off x="{int(x)}" y="{int(y)}"/>'
            f'<a:ext cx="{int(w)}" cy="{int(h)}"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom>'
            f'<a:solidFill><a:srgbClr val="{color}"/></a:solidFill><a:ln><a:noFill/></a:ln></p:spPr></p:sp>')


def _add_rects(layout, rects) -> None:
    """Decorative rectangles drawn behind the placeholders (inserted right after the group properties)."""
    tree = layout.shapes._spTree
    anchor = tree.find(qn("p:grpSpPr"))
    for i, (name, x, y, w, h, color) in enumerate(rects):
        anchor.addnext(etree.fromstring(_rect_xml(100 + i, name, x, y, w, h, color)))
        anchor = anchor.getnext()


def _style_placeholder(ph, x, y, w, h, size: int, color: str, bold: bool, anchor: str, align: str = "l") -> None:
    ph.left, ph.top, ph.width, ph.height = Emu(int(x)), Emu(int(y)), Emu(int(w)), Emu(int(h))
    body = ph._element.get_or_add_txBody()
    body_pr = body.find(qn("a:bodyPr"))
    for k, v in (("anchor", anchor), ("wrap", "square"), ("lIns", "91440"), ("rIns", "91440")):
        body_pr.set(k, v)
    lst = body.find(qn("a:lstStyle"))
    for child in list(lst):
        lst.remove(child)
    lst.append(etree.fromstring(
        f'<a:lvl1pPr xmlns:a="{A_NS}" algn="{align}"><a:buNone/><a:defRPr sz="{size * 100}" b="{int(bold)}">'
        f'<a:solidFill><a:srgbClr val="{color}"/></a:solidFill><a:latin typeface="{FONT}"/>'
        f'<a:ea typeface="{FONT}"/></a:defRPr></a:lvl1pPr>'))


def _drop_footer_placeholders(layout) -> None:
    for ph in list(layout.placeholders):
        if ph.placeholder_format.type is not None and ph.placeholder_format.idx in (10, 11, 12):
            ph._element.getparent().remove(ph._element)


def _scale_master(master, factor: float) -> None:
    """The default master is 4:3: stretch its placeholders to the 16:9 width."""
    for shape in master.shapes:
        shape.left, shape.width = Emu(int(shape.left * factor)), Emu(int(shape.width * factor))


def _theme(master) -> None:
    """Theme fonts (latin + East Asian) and a restrained palette: deep red, gold, greys, Okabe–Ito blue."""
    part = master.part.part_related_by(RT.THEME)
    xml = part.blob.decode("utf-8")
    xml = re.sub(r'<a:latin typeface="[^"]*"', f'<a:latin typeface="{FONT}"', xml)
    xml = re.sub(r'<a:ea typeface="[^"]*"', f'<a:ea typeface="{FONT}"', xml)
    palette = {"accent1": RED, "accent2": GOLD, "accent3": GREY, "accent4": "0072B2", "accent5": "009E73",
               "accent6": "E69F00", "dk2": "7A1414", "lt2": "F7F3E8"}
    for name, color in palette.items():
        xml = re.sub(rf'<a:{name}>.*?</a:{name}>', f'<a:{name}><a:srgbClr val="{color}"/></a:{name}>', xml,
                     flags=re.DOTALL)
    xml = xml.replace('name="Office Theme"', 'name="人大汇报"', 1)
    part._blob = xml.encode("utf-8")


def build() -> bytes:
    prs = Presentation()
    factor = WIDTH / prs.slide_width
    prs.slide_width, prs.slide_height = WIDTH, HEIGHT
    master = prs.slide_master
    _scale_master(master, factor)
    _theme(master)
    layouts = list(prs.slide_layouts)
    for layout in layouts[2:]:
        prs.slide_layouts.remove(layout)
    title, content = layouts[0], layouts[1]
    title.name, content.name = TITLE_LAYOUT, CONTENT_LAYOUT
    for layout in (title, content):
        _drop_footer_placeholders(layout)

    band = Inches(4.5)
    _add_rects(title, [("红色标题带", 0, 0, WIDTH, band, RED), ("金色装饰线", 0, band, WIDTH, Inches(0.08), GOLD),
                       ("底部金线", Inches(0.9), Inches(6.95), WIDTH - Inches(1.8), Inches(0.02), GOLD)])
    t_title, t_sub = title.placeholders[0], title.placeholders[1]
    _style_placeholder(t_title, Inches(0.9), Inches(1.2), WIDTH - Inches(1.8), Inches(3.0), 40, "FFFFFF", True, "b")
    _style_placeholder(t_sub, Inches(0.9), Inches(4.85), WIDTH - Inches(1.8), Inches(1.8), 24, INK, False, "t")

    head = Inches(1.0)
    _add_rects(content, [("红色标题带", 0, 0, WIDTH, head, RED), ("金色装饰线", 0, head, WIDTH, Inches(0.06), GOLD),
                         ("页脚金线", Inches(0.5), Inches(6.98), WIDTH - Inches(1.0), Inches(0.02), GOLD)])
    c_title, c_body = content.placeholders[0], content.placeholders[1]
    _style_placeholder(c_title, Inches(0.5), Inches(0.06), WIDTH - Inches(1.0), Inches(0.88), 30, "FFFFFF", True,
                       "ctr")
    _style_placeholder(c_body, Inches(0.5), Inches(1.3), WIDTH - Inches(1.0), Inches(5.55), 20, INK, False, "t")

    cp = prs.core_properties
    cp.title, cp.author, cp.last_modified_by = "人大汇报模板", "县乡人大建设监督看板", "县乡人大建设监督看板"
    cp.created = cp.modified = FIXED_TIME
    cp.revision = 1
    cp.subject = cp.keywords = cp.comments = cp.category = ""
    buf = io.BytesIO()
    prs.save(buf)
    return _normalise_zip(buf.getvalue())


def _normalise_zip(data: bytes) -> bytes:
    """Same bytes on every run: fixed member timestamps and permissions."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type, fixed.external_attr = zipfile.ZIP_DEFLATED, 0o600 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def main() -> None:
    OUT.write_bytes(build())
    print(f"已生成模板 {OUT}（{OUT.stat().st_size} 字节）")


if __name__ == "__main__":
    main()
