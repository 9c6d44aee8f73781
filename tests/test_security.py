"""Security (reliability.md §6 F, issue 7 "Security"): pages refused by URL, upload endpoint abuse against a real
server (XSRF, oversized bodies), CORS and hidden files, markup in uploaded text shown as text, SQL and file-system
access impossible from the app's read connections, file names never used as paths, and a forced exception shown
as a Chinese message with the traceback only in the server log.

The bad-input corpus (tests/test_corpus.py) covers the rest of §6 F by content: disguised files (zip named .csv,
exe named .xlsx, .xlsm), SQL-injection headers and values, path-traversal / NUL / UNC file names, markup and
invisible characters in names."""
from __future__ import annotations

import http.client
import logging
import re
import shutil
import urllib.error
import urllib.parse
import urllib.request

import duckdb
import pytest

from etl import auth, publish
from pages._common import upload as upload_ui
from pages._common.nav import ALL_ROLES, PAGES
from tests.apptest_utils import open_page
from tests.browser_utils import require_chromium, streamlit_server
from tests.fixtures.make_fixtures import SUGGESTION, csv_text
from tests.test_browser import browser  # noqa: F401 (fixture, uses `server` below)
from tests.test_browser_upload import PASSWORD, _idle, _login
from tests.test_page_upload import upload_file

RESTRICTED = [p for p in PAGES if p.roles != ALL_ROLES]
MARKDOWN_KINDS = ("markdown", "caption", "header", "subheader", "title", "info", "warning", "error", "success",
                  "toast", "exception")
SCRIPT = "<script>alert(1)</script>"
FRAGMENTS = ("**粗**", ":red[", "$x$", "[链接](http://x)")  # markdown that would change how text looks
PAYLOAD = SCRIPT + "**粗**:red[红]$x$[链接](http://x)"


def markdown_texts(at) -> list[str]:
    """The source text of every element Streamlit renders as Markdown."""
    out = []
    for kind in MARKDOWN_KINDS:
        out += [str(e.value) for e in getattr(at, kind)]
    out += [str(m.label) for m in at.metric] + [str(m.value) for m in at.metric]
    return out


def shown_as_text(markdown: str) -> str:
    """What a reader sees of escaped Markdown source: backslash escapes removed."""
    return re.sub(r"\\(.)", r"\1", markdown)


# ---------------------------------------------------------------- 30. pages refused by URL

@pytest.mark.parametrize("page", RESTRICTED, ids=[p.label for p in RESTRICTED])
def test_anonymous_visitors_get_only_the_login_form_on_restricted_pages_even_in_demo_mode(wh, monkeypatch, page):
    """tests/test_access.py covers every role; here: nobody logged in, anonymous viewing on (demo city)."""
    at = open_page(wh.root, monkeypatch, page.path)
    assert not at.exception
    assert any("请登录" in h.value for h in at.subheader)
    assert not at.get("file_uploader") and not at.get("plotly_chart") and not at.dataframe and not at.table


# ---------------------------------------------------------------- 36. the app's read connections are locked down

LOCKED_OUT = ["SELECT * FROM read_csv('/etc/passwd')", "SELECT * FROM read_text('/etc/passwd')",
              "SELECT * FROM glob('/etc/*')", "COPY (SELECT 1) TO '{tmp}/x.csv'", "EXPORT DATABASE '{tmp}/export'",
              "INSTALL httpfs", "LOAD httpfs", "ATTACH '{tmp}/other.duckdb' AS other",
              "SET enable_external_access = true", "SET lock_configuration = false", "CREATE TABLE x AS SELECT 1",
              "DROP TABLE dim_county", "SET temp_directory = '{tmp}/spill'", "PRAGMA enable_profiling = 'json'"]


@pytest.mark.parametrize("sql", LOCKED_OUT)
def test_files_extensions_and_writes_are_impossible_from_the_app_connection(wh, tmp_path, sql):
    from pages._common import data
    target = tmp_path / "target"
    target.mkdir()
    con = data._connection(data.Snapshot(str(wh.root), publish.current_version(wh)))  # what every page queries
    cur = con.cursor()
    try:
        with pytest.raises(duckdb.Error):
            cur.execute(sql.format(tmp=target))
        assert cur.execute("SELECT count(*) FROM dim_county").fetchone()[0] == 2
    finally:
        cur.close()
    assert list(target.iterdir()) == []


# ---------------------------------------------------------------- 37. file names are never paths

def test_uploaded_file_names_never_become_paths(wh, tmp_path):
    outside = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if wh.root not in (p, *p.parents))
    text = csv_text("fact_suggestion", [dict(SUGGESTION, suggestion_id="S2024-201")]).encode("utf-8-sig")
    refused = publish.validate(wh, [("../../x.csv", text)])
    assert [p.code for p in refused.problems] == ["bad_file_name"]
    refused.close()
    batch = publish.validate(wh, [("建议 (1) 副本..csv", text)])
    assert batch.ok, [p.format() for p in batch.problems]
    publish.publish(wh, batch, "测试")
    digest = batch.files[0].sha256
    batch.close()
    archived = [f.name for f in wh.uploads.iterdir()]
    assert f"{digest}.csv" in archived and all(re.fullmatch(r"[0-9a-f]{64}\.(csv|xlsx)", n) for n in archived)
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if wh.root not in (p, *p.parents)) == outside
    assert not (tmp_path.parent / "x.csv").exists()


# ---------------------------------------------------------------- 35. markup in uploaded text is shown as text

def test_markup_in_an_upload_is_shown_literally_in_the_report(wh, monkeypatch):
    auth.set_setting(wh.store(), "anonymous_view", "on", "测试")
    at = open_page(wh.root, monkeypatch, "pages/12_upload.py", role="city_staff", query={"table": "dim_township"})
    name = "**名单**:red[x]$x$.csv"
    rows = csv_text("dim_township", [dict(township_code="990102009", township_name=PAYLOAD, county_code="990102",
                                          unit_type="乡", category="三类", valid_from_year=2000)])
    upload_file(at, name, rows.encode("utf-8-sig"))
    assert not at.exception
    cells = [str(v) for t in at.table for v in t.value.to_numpy().ravel()]
    cells += [str(v) for d in at.dataframe for v in d.value.astype(str).to_numpy().ravel()]
    assert any(shown_as_text(c) == PAYLOAD for c in cells), "the refused value is shown as typed"
    assert any("名称中不能含有" in c for c in cells), cells
    for text in markdown_texts(at) + [str(v) for t in at.table for v in t.value.to_numpy().ravel()]:
        assert not any(f in text for f in FRAGMENTS), text  # escaped wherever Markdown is rendered
    assert upload_ui.md_escape(PAYLOAD) != PAYLOAD and shown_as_text(upload_ui.md_escape(PAYLOAD)) == PAYLOAD


def test_markup_in_free_text_is_stored_and_shown_literally(wh, monkeypatch):
    late = dict(SUGGESTION, suggestion_id="S2024-301", title="关于" + PAYLOAD, replied_date="2024-07-30")
    batch = publish.validate(wh, [("建议.csv", csv_text("fact_suggestion", [late]).encode("utf-8-sig"))])
    assert batch.ok, [p.format() for p in batch.problems]
    publish.publish(wh, batch, "测试")
    batch.close()
    at = open_page(wh.root, monkeypatch, "pages/5_suggestions.py", role="leader", query={"year": 2024})
    assert not at.exception
    shown = [str(v) for d in at.dataframe for v in d.value.astype(str).to_numpy().ravel()]
    shown += [shown_as_text(str(v)) for t in at.table for v in t.value.to_numpy().ravel()]
    assert "关于" + PAYLOAD in shown, "the late-reply list shows the title exactly as uploaded"
    for text in markdown_texts(at):
        assert not any(f in text for f in FRAGMENTS), text


# ---------------------------------------------------------------- 38. errors: Chinese for viewers, traceback in the log

SECRET = "RuntimeError-秘密-/etc/passwd"


def _boom(*args, **kwargs):
    raise RuntimeError(SECRET)


@pytest.mark.parametrize("target", ["pages._common.data.years", "pages._common.auth_ui.guard"],
                         ids=["in the page body", "in the frame"])
def test_a_forced_exception_shows_chinese_and_logs_the_traceback(wh, monkeypatch, caplog, target):
    monkeypatch.setattr(target, _boom)
    with caplog.at_level(logging.ERROR, logger="npc.dashboard"):
        at = open_page(wh.root, monkeypatch, "pages/2_organization.py", role="leader")
    assert not at.exception, "no raw exception element"
    assert any("页面出现错误" in e.value for e in at.error)
    for text in markdown_texts(at):
        assert SECRET not in text and "Traceback" not in text
    logged = [r for r in caplog.records if r.exc_info and SECRET in str(r.exc_info[1])]
    assert logged, "the traceback goes to the server log"


# ---------------------------------------------------------------- 31–32, 38. a real server

STAFF, ADMIN = "sec_staff", "sec_admin"


@pytest.fixture(scope="module")
def real(mini_city_template, tmp_path_factory):
    require_chromium()
    root = tmp_path_factory.mktemp("security") / "data"
    shutil.copytree(mini_city_template, root)
    p = publish.data_paths(root)
    store = p.store()
    auth.create_account(store, STAFF, PASSWORD, "city_staff", "测试")
    auth.create_account(store, ADMIN, PASSWORD, "admin", "测试")
    store.close()
    logs = tmp_path_factory.mktemp("security_log")
    with streamlit_server(root, logs) as url:
        yield dict(url=url, paths=p, log=logs / "streamlit.log")


@pytest.fixture(scope="module")
def server(real):
    """The URL for tests/test_browser.py's `browser` fixture."""
    return real["url"]


@pytest.fixture(scope="module")
def upload_request(real, browser, tmp_path_factory):
    """A genuine upload by logged-in staff, captured: its URL (live session id), XSRF header, cookie and body."""
    csv_file = tmp_path_factory.mktemp("up") / "建议.csv"
    csv_file.write_bytes(csv_text("fact_suggestion", [dict(SUGGESTION, suggestion_id="S2024-401")]).encode("utf-8-sig"))
    ctx = browser.new_context()
    pg = ctx.new_page()
    pg.goto(real["url"] + "/upload?table=fact_suggestion")
    _idle(pg)
    _login(pg, STAFF)
    with pg.expect_response(lambda r: "/_stcore/upload_file/" in r.url and r.request.method == "PUT") as caught:
        pg.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(csv_file))
    response = caught.value
    request = response.request
    cookies = {c["name"]: c["value"] for c in ctx.cookies()}
    boundary = "h6-security-boundary"
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="x.csv"\r\n'
            f"Content-Type: text/csv\r\n\r\n").encode() + csv_file.read_bytes() + f"\r\n--{boundary}--\r\n".encode()
    yield dict(status=response.status, path=urllib.parse.urlsplit(request.url).path,
               token=request.all_headers()["x-xsrftoken"], cookie=f"_streamlit_xsrf={cookies['_streamlit_xsrf']}",
               body=body, content_type=f"multipart/form-data; boundary={boundary}", page=pg)
    ctx.close()


def _put(real, path: str, body: bytes, headers: dict) -> int:
    host = urllib.parse.urlsplit(real["url"]).netloc
    con = http.client.HTTPConnection(host, timeout=60)
    try:
        con.request("PUT", path, body=body, headers=headers)
        return con.getresponse().status
    finally:
        con.close()


def _put_streamed(real, path: str, headers: dict, total: int, chunked: bool) -> int | str:
    """Send a multipart body of `total` bytes: one file part that never ends (so only the size cap can stop it);
    the server may answer (and close) before the body is complete."""
    host = urllib.parse.urlsplit(real["url"]).netloc
    con = http.client.HTTPConnection(host, timeout=60)
    boundary = headers["Content-Type"].split("boundary=")[1]
    block = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n'
             "Content-Type: text/csv\r\n\r\n").encode()
    block += b"0" * ((1 << 20) - len(block))
    try:
        con.putrequest("PUT", path)
        for k, v in headers.items():
            con.putheader(k, v)
        con.putheader("Transfer-Encoding" if chunked else "Content-Length", "chunked" if chunked else str(total))
        con.endheaders()
        try:
            for i in range(total // len(block)):
                part = block if i == 0 else b"0" * len(block)
                con.send(b"%x\r\n%s\r\n" % (len(part), part) if chunked else part)
            if chunked:
                con.send(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused mid-body: the response (if any) says why
        try:
            return con.getresponse().status
        except (ConnectionResetError, http.client.RemoteDisconnected):
            return "connection closed"
    finally:
        con.close()


@pytest.mark.browser
def test_a_genuine_upload_works(upload_request):
    assert upload_request["status"] in (200, 204)
    pg = upload_request["page"]
    pg.wait_for_selector("text=校验通过", timeout=120_000)


@pytest.mark.browser
def test_upload_without_the_xsrf_token_or_cookie_is_refused(real, upload_request):
    u = upload_request
    body, ctype = u["body"], {"Content-Type": u["content_type"]}
    assert _put(real, u["path"], body, ctype) == 403                                   # neither
    assert _put(real, u["path"], body, {**ctype, "Cookie": u["cookie"]}) == 403        # cookie, no header
    assert _put(real, u["path"], body, {**ctype, "X-Xsrftoken": u["token"]}) == 403    # header, no cookie
    forged = {**ctype, "Cookie": u["cookie"], "X-Xsrftoken": "2|00000000|" + "0" * 64 + "|1700000000"}
    assert _put(real, u["path"], body, forged) == 403                                   # forged token
    other = re.sub(r"/upload_file/[^/]+/", "/upload_file/00000000-0000-0000-0000-000000000000/", u["path"])
    assert _put(real, other, body, {**ctype, "Cookie": u["cookie"], "X-Xsrftoken": u["token"]}) == 400  # no session
    assert _put(real, u["path"], body, {**ctype, "Cookie": u["cookie"], "X-Xsrftoken": u["token"]}) in (200, 204)


@pytest.mark.browser
@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_bodies_beyond_max_upload_size_are_refused(real, upload_request, chunked):
    import psutil
    u = upload_request
    headers = {"Content-Type": u["content_type"], "Cookie": u["cookie"], "X-Xsrftoken": u["token"]}
    server = next(p for p in psutil.process_iter(["cmdline"]) if real["url"].rsplit(":", 1)[1] in " ".join(
        p.info["cmdline"] or []) and "streamlit" in " ".join(p.info["cmdline"] or []))
    rss = server.memory_info().rss
    status = _put_streamed(real, u["path"], headers, 60 * 1024 * 1024, chunked)   # maxUploadSize = 50 MB
    assert status in (413, "connection closed"), status
    assert server.memory_info().rss - rss < 150 * 1024 * 1024


@pytest.mark.browser
def test_cors_stays_closed_and_no_file_of_the_server_is_served(real):
    req = urllib.request.Request(real["url"] + "/_stcore/health", headers={"Origin": "http://attacker.example"})
    with urllib.request.urlopen(req, timeout=10) as r:
        assert r.headers.get("Access-Control-Allow-Origin") in (None, real["url"])
    for path in ("/.streamlit/config.toml", "/.streamlit/secrets.toml", "/app/static/config.toml",
                 "/etl/publish.py", "/data/app.sqlite", "/app/static/../../etl/auth.py", "/%2e%2e/etl/auth.py"):
        try:
            with urllib.request.urlopen(real["url"] + path, timeout=10) as r:
                body = r.read()
        except urllib.error.HTTPError as exc:
            body = exc.read()
        for leak in (b"enableCORS", b"import ", b"SQLite format", b"Traceback", b"bcrypt"):
            assert leak not in body, (path, leak)


@pytest.mark.browser
def test_identity_headers_from_the_client_are_ignored(real, browser):
    """Proxy-header login is off by default: a client cannot claim to be the administrator."""
    ctx = browser.new_context(extra_http_headers={"X-Remote-User": ADMIN})
    pg = ctx.new_page()
    try:
        pg.goto(real["url"] + "/admin")
        _idle(pg)
        text = pg.locator('[data-testid="stMain"]').inner_text()
        assert "请登录" in text and "账号与设置" not in text.split("请登录")[0]
    finally:
        ctx.close()


@pytest.mark.browser
def test_a_failing_page_in_the_real_server_shows_chinese_and_logs_the_traceback(real, browser):
    """Last in this module: the app store is made unreadable, so the frame's login check raises."""
    real["paths"].app_db.write_bytes(b"this is not a database " * 100)
    pg = browser.new_page()
    try:
        pg.goto(real["url"] + "/organization?year=abc&county=%3Cscript%3E")
        _idle(pg)
        text = pg.locator("body").inner_text()
        html = pg.content()
    finally:
        pg.close()
    assert "页面出现错误" in text or "数据暂不可用" in text, text
    for leak in ("Traceback", "DatabaseError", "File \"", "not a database"):
        assert leak not in text and leak not in html, leak
    assert "Traceback" in real["log"].read_text(encoding="utf-8", errors="backslashreplace")
