"""Real-browser tests: the suite starts `streamlit run` on a free loopback port and drives Debian Chromium
through Playwright. Screenshots of every page are saved in tests/artifacts/ (CI keeps them)."""
from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import pytest

from pages._common.nav import PAGES
from tests.browser_utils import CHROMIUM, ROOT, require_chromium, streamlit_server

ARTIFACTS = ROOT / "tests" / "artifacts"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
ENGLISH_LEFTOVERS = ("Deploy", "Traceback", "Error", "Exception", "Browse files", "None")
ADMIN = ("browser_admin", "Browser-test-2026")

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(demo_wh, tmp_path_factory):
    require_chromium()
    root = tmp_path_factory.mktemp("browser") / "data"
    shutil.copytree(demo_wh.root, root)
    from etl import auth, publish
    auth.create_account(publish.data_paths(root).store(), ADMIN[0], ADMIN[1], "admin", "测试")
    with streamlit_server(root, tmp_path_factory.mktemp("log")) as url:
        yield url


@pytest.fixture(scope="module")
def browser(server):
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def _path(page) -> str:
    if page.path == "dashboard.py":
        return "/"
    return "/" + re.sub(r"^\d+_", "", Path(page.path).stem)


def _wait_ready(pg) -> None:
    pg.wait_for_selector('[data-testid="stMain"] h1, [data-testid="stMain"] h2, [data-testid="stMain"] h3',
                         timeout=120_000)
    pg.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=120_000)
    time.sleep(0.5)


def _open(pg, url: str) -> None:
    """Open a URL; where the page asks for a login (each page load is a new session), log in as admin."""
    pg.goto(url)
    _wait_ready(pg)
    if pg.get_by_text("请登录").count():
        pg.get_by_label("用户名").fill(ADMIN[0])
        pg.get_by_label("密码").fill(ADMIN[1])
        pg.get_by_role("button", name="登录").click()
        pg.wait_for_function("() => !document.body.innerText.includes('请登录')", timeout=60_000)
        _wait_ready(pg)


@pytest.mark.parametrize("page", PAGES, ids=[p.label for p in PAGES])
def test_every_page_opens_in_chromium_in_chinese_without_errors(browser, server, page):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pg = browser.new_page(viewport={"width": 1366, "height": 768})
    try:
        _open(pg, server + _path(page) + "?year=2024")
        if pg.locator('[data-testid="stPlotlyChart"]').count():
            pg.wait_for_selector('[data-testid="stPlotlyChart"] .main-svg', timeout=60_000)
        main = pg.locator('[data-testid="stMain"]')
        heading = main.locator("h1, h2").first.inner_text()
        assert re.search(r"[\u4e00-\u9fff]", heading), heading
        assert page.label in main.inner_text() or page.path == "dashboard.py"
        assert pg.locator('[data-testid="stException"]').count() == 0
        errors = [e.inner_text() for e in pg.locator('[data-testid="stAlertContentError"]').all()]
        assert not errors, errors
        text = main.inner_text()
        leftovers = [w for w in ENGLISH_LEFTOVERS if re.search(rf"\b{w}\b", text)]
        assert not leftovers, leftovers
        pg.set_viewport_size({"width": 1366, "height": 768})
        pg.screenshot(path=str(ARTIFACTS / f"{Path(page.path).stem}.png"))
        main.screenshot(path=str(ARTIFACTS / f"{Path(page.path).stem}_full.png"))
    finally:
        pg.close()


def test_clicking_a_county_in_the_ranking_opens_its_profile(browser, server):
    pg = browser.new_page(viewport={"width": 1366, "height": 1400})
    try:
        pg.goto(server + "/?year=2024")
        _wait_ready(pg)
        bars = pg.locator('[data-testid="stPlotlyChart"] .bars .point path')
        bars.first.wait_for(timeout=60_000)
        target = bars.nth(0)
        target.scroll_into_view_if_needed()
        box = target.bounding_box()
        pg.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        pg.wait_for_function("() => location.pathname.endsWith('/county')", timeout=60_000)
        _wait_ready(pg)
        href = pg.evaluate("location.href")
        assert "county=9901" in href and "year=2024" in href
        assert "县区画像" in pg.locator('[data-testid="stMain"]').inner_text()
    finally:
        pg.close()


def test_a_shared_link_survives_a_reload(browser, server):
    pg = browser.new_page(viewport={"width": 1366, "height": 900})
    try:
        pg.goto(server + "/?year=2022&county=990105")
        _wait_ready(pg)
        assert "云渡县 2022年" in pg.locator('[data-testid="stMain"]').inner_text()
        pg.reload()
        _wait_ready(pg)
        assert "云渡县 2022年" in pg.locator('[data-testid="stMain"]').inner_text()
    finally:
        pg.close()
