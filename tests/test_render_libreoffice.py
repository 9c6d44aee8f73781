"""The PPTX decks rendered by LibreOffice (soffice → PDF → pdftoppm PNG): one page per slide, a CJK font embedded
(no tofu), the red title band drawn, no text across the title band or the footer line. PNGs are kept in
tests/artifacts/deck/ for a human to look at (CI uploads them)."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from lxml import etree
from PIL import Image

from etl import publish
from etl.deck import build_deck
from etl.pptx_deck import render_pptx

YEAR = 2024
ARTIFACTS = Path(__file__).parent / "artifacts" / "deck"
PT_PER_IN = 72
pytestmark = pytest.mark.slow


def _require(*tools: str) -> None:
    missing = [t for t in tools if shutil.which(t) is None]
    if not missing:
        return
    reason = f"缺少 {'、'.join(missing)}（Debian 软件包 libreoffice-impress / poppler-utils），无法渲染 PPT"
    if os.environ.get("CI"):
        pytest.fail(reason + "：CI 必须安装（见 .ci/setup）")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def rendered(demo_wh, tmp_path_factory):
    _require("soffice", "pdftoppm", "pdftotext", "pdffonts")
    work = tmp_path_factory.mktemp("lo")
    version, con = publish.open_snapshot(demo_wh)
    county = con.execute("SELECT county_code FROM mart_index_total WHERE year = ? ORDER BY rank DESC LIMIT 1",
                         [YEAR]).fetchone()[0]
    decks = {"city": build_deck(con, YEAR, None, version), "county": build_deck(con, YEAR, county, version)}
    con.close()
    for name, deck in decks.items():
        (work / f"{name}.pptx").write_bytes(render_pptx(deck))
    profile = (work / "profile").as_uri()            # a private LibreOffice profile: no clash with a running one
    subprocess.run(["soffice", f"-env:UserInstallation={profile}", "--headless", "--norestore", "--convert-to", "pdf",
                    "--outdir", str(work), *(str(work / f"{n}.pptx") for n in decks)],
                   check=True, capture_output=True, timeout=240)
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    out = {}
    for name, deck in decks.items():
        pdf = work / f"{name}.pdf"
        assert pdf.exists(), f"LibreOffice 没有生成 {pdf.name}"
        subprocess.run(["pdftoppm", "-png", "-r", "50", str(pdf), str(ARTIFACTS / name)], check=True, timeout=120)
        out[name] = (deck, pdf, sorted(ARTIFACTS.glob(f"{name}-*.png")))
    return out


def _words(pdf: Path):
    xml = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True, timeout=60).stdout
    root = etree.fromstring(xml, etree.XMLParser(recover=True))
    for page in root.iter("{*}page"):
        yield float(page.get("width")), float(page.get("height")), [
            (w.text or "", *(float(w.get(k)) for k in ("xMin", "yMin", "xMax", "yMax"))) for w in page.iter("{*}word")]


def test_one_png_page_per_slide(rendered):
    for deck, _, pngs in rendered.values():
        assert len(pngs) == len(deck.slides)
        with Image.open(pngs[0]) as im:
            assert abs(im.width / im.height - 16 / 9) < 0.01


def test_a_cjk_font_is_embedded_and_titles_are_text(rendered):
    for deck, pdf, _ in rendered.values():
        fonts = subprocess.run(["pdffonts", str(pdf)], check=True, capture_output=True, text=True, timeout=60).stdout
        assert any(k in fonts for k in ("CJK", "WenQuanYi", "DroidSansFallback", "YaHei")), fonts
        text = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True, timeout=60).stdout
        flat = "".join(text.split())
        for slide in deck.slides:
            assert "".join(slide.title.split()) in flat, slide.title


def test_title_band_is_red_and_pages_are_not_blank(rendered):
    for _, _, pngs in rendered.values():
        for png in pngs:
            with Image.open(png) as im:
                rgb = im.convert("RGB")
                r, g, b = rgb.getpixel((im.width // 2, 3))
                assert r > 140 and g < 80 and b < 80, (png.name, (r, g, b))
                body = rgb.crop((0, int(im.height * 0.2), im.width, int(im.height * 0.9)))
                colours = body.getcolors(maxcolors=1 << 16)
                assert colours is None or len(colours) > 20, png.name


def test_no_text_crosses_the_title_band_or_the_footer(rendered):
    band, footer = 1.0 * PT_PER_IN, 6.98 * PT_PER_IN
    for deck, pdf, _ in rendered.values():
        for number, (width, height, words) in enumerate(_words(pdf), 1):
            if number == 1:                            # the title slide has its own layout
                continue
            for text, x0, y0, x1, y1 in words:
                assert x0 >= -1 and x1 <= width + 1 and y1 <= height + 1, (number, text)
                assert not (y0 < band - 2 < y1 - 2), (number, text, "标题溢出红色标题带")
                assert not (y0 < footer - 2 < y1 - 2), (number, text, "正文压到页脚线")
