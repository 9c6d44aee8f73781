"""Real-browser test of 数据上传 (Playwright + Debian Chromium): county staff log in, upload a GB18030 CSV with
errors, read the Chinese report, upload the corrected file, confirm, and see the new figure on the overview;
a leader who opens the upload page by URL is refused. Reuses the harness of tests/test_browser.py."""
from __future__ import annotations

import shutil
import time

import pytest

from etl import auth, fmt, publish
from tests.browser_utils import require_chromium, streamlit_server
from tests.test_browser import ARTIFACTS, browser  # noqa: F401 (fixture)
from tests.test_page_upload import COUNTY, OTHER, TOWN, YEAR, liuyou, scope_csv

pytestmark = pytest.mark.browser
PASSWORD = "Upload2024test"
STAFF, LEADER = "yundu_staff", "leader_li"


@pytest.fixture(scope="module")
def upload_root(demo_wh, tmp_path_factory) -> publish.Paths:
    """A private demo city with a county staff account (云渡县) and a leader account."""
    p = publish.data_paths(tmp_path_factory.mktemp("browser_upload") / "data")
    shutil.copytree(demo_wh.root, p.root, ignore=shutil.ignore_patterns("uploads"))
    store = p.store()
    auth.create_account(store, STAFF, PASSWORD, "county_staff", "test", "云渡县填报员", COUNTY)
    auth.create_account(store, LEADER, PASSWORD, "leader", "test", "李主任")
    store.close()
    return p


@pytest.fixture(scope="module")
def server(upload_root, tmp_path_factory):
    """`streamlit run` on the private city (overrides tests/test_browser.py's `server` for the imported `browser`)."""
    require_chromium()
    with streamlit_server(upload_root.root, tmp_path_factory.mktemp("log")) as url:
        yield url


def _idle(pg) -> None:
    """Wait until the script run has finished (login form and refusal have no h1/h2: _wait_ready does not fit)."""
    pg.wait_for_selector('[data-testid="stMain"] [data-testid="stVerticalBlock"]', timeout=120_000)
    time.sleep(0.5)
    pg.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=120_000)
    time.sleep(0.5)


def _login(pg, username: str) -> None:
    pg.get_by_label("用户名").fill(username)
    pg.get_by_label("密码").fill(PASSWORD)
    pg.get_by_role("button", name="登录").click()
    _idle(pg)


def test_county_staff_fix_a_rejected_gb18030_file_and_publish_it(browser, server, upload_root, tmp_path):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    old = liuyou(upload_root)
    bad, good = tmp_path / "六有_云渡县_有错误.csv", tmp_path / "六有_云渡县_已改正.csv"
    bad.write_bytes(scope_csv(upload_root, edit={TOWN: {"有机构": "也许"}}, extra_county=OTHER, encoding="gb18030"))
    good.write_bytes(scope_csv(upload_root, edit={TOWN: {"有机构": "否"}}, encoding="gb18030"))
    pg = browser.new_page(viewport={"width": 1366, "height": 900})
    try:
        pg.goto(server + "/upload?table=fact_township_liuyou")
        _idle(pg)
        _login(pg, STAFF)
        main = pg.locator('[data-testid="stMain"]')
        assert "第一步" in main.inner_text() and "云渡县的县区填报员" in main.inner_text()
        files = pg.locator('[data-testid="stFileUploader"] input[type="file"]')
        files.set_input_files(str(bad))
        pg.wait_for_selector("text=第三步", timeout=120_000)
        _idle(pg)
        text = main.inner_text()
        assert "发现2个错误" in text and "整批文件均未导入" in text and "GBK/GB18030" in text, text
        assert "这一行属于其他县区" in text and "请填“是”或“否”" in text
        assert pg.locator('[data-testid="stException"]').count() == 0
        main.screenshot(path=str(ARTIFACTS / "upload_rejected.png"))
        assert publish.current_version(upload_root) == 2

        pg.locator('[data-testid="stFileChipDeleteBtn"] button').first.click()
        _idle(pg)
        files.set_input_files(str(good))
        pg.wait_for_selector("text=第四步", timeout=120_000)
        _idle(pg)
        text = main.inner_text()
        assert "校验通过" in text and "云渡县伏虎镇" in text and "有机构" in text
        main.screenshot(path=str(ARTIFACTS / "upload_diff.png"))
        pg.get_by_role("button", name="确认发布").click()
        pg.wait_for_selector("text=已发布新版本 v3", timeout=180_000)
        _idle(pg)
        assert publish.current_version(upload_root) == 3

        new = liuyou(upload_root)
        assert new < old
        pg.goto(server + f"/?year={YEAR}&county={COUNTY}")
        pg.wait_for_selector('[data-testid="stMetricValue"]', timeout=120_000)
        _idle(pg)
        pg.screenshot(path=str(ARTIFACTS / "upload_overview_after.png"))
        first = pg.locator('[data-testid="stMetricValue"]').first.inner_text()  # 六有达标率 is the first card
        assert first == fmt.fmt_value(new, "%") != fmt.fmt_value(old, "%")
        assert "数据版本 v3" in pg.locator('[data-testid="stSidebar"]').inner_text(timeout=5000)
    finally:
        pg.close()


def test_a_leader_opening_the_upload_page_by_url_is_refused(browser, server):
    pg = browser.new_page(viewport={"width": 1366, "height": 768})
    try:
        pg.goto(server + "/upload")
        _idle(pg)
        _login(pg, LEADER)
        errors = [e.inner_text() for e in pg.locator('[data-testid="stAlertContentError"]').all()]
        assert any("无权访问“数据上传”" in e for e in errors), errors
        assert pg.locator('[data-testid="stFileUploader"]').count() == 0
        pg.screenshot(path=str(ARTIFACTS / "upload_refused_leader.png"))
    finally:
        pg.close()
