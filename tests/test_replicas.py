"""Beyond one machine: nginx + two Streamlit replicas on one shared data directory (python -m deploy).

Both replicas answer through nginx; a browser keeps to its replica (sticky cookie) over the WebSocket; a publish
from another process is seen by each replica on its next rerun; two writers at once are serialised by the flock
on the shared directory (each waits or is told in Chinese, never a raw exception) and no update is lost."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import urllib.request

import pytest

from bench import concurrency as bc
from deploy import replicas
from etl import publish
from etl.problems import WriterBusy
from tests.browser_utils import CHROMIUM, ROOT, require_chromium

pytestmark = [pytest.mark.browser, pytest.mark.slow]
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
VERSION = re.compile(r"数据版本 v(\d+)")


def require_nginx() -> None:
    if replicas.find_nginx() is None:
        if os.environ.get("CI"):
            pytest.fail("CI must have the Debian nginx package (installed by .ci/setup)")
        pytest.skip("nginx is not installed")


@pytest.fixture(scope="module")
def shared(demo_wh, tmp_path_factory) -> publish.Paths:
    root = tmp_path_factory.mktemp("replicas") / "data"
    shutil.copytree(demo_wh.root, root, ignore=shutil.ignore_patterns("uploads"))
    return publish.data_paths(root)


@pytest.fixture(scope="module")
def stack(shared, tmp_path_factory):
    require_nginx()
    with replicas.stack(shared.root, replicas=2, run_dir=tmp_path_factory.mktemp("run"), show_upstream=True) as st:
        yield st


def get(url: str, cookie: str | None = None) -> tuple[bytes, dict]:
    """Body and headers (Set-Cookie: every cookie set, joined)."""
    req = urllib.request.Request(url, headers={"Cookie": f"npc_route={cookie}"} if cookie else {})
    with urllib.request.urlopen(req, timeout=10) as resp:
        headers = dict(resp.headers)
        headers["Set-Cookie"] = " | ".join(resp.headers.get_all("Set-Cookie") or [])
        return resp.read(), headers


def upstream_port(headers: dict) -> int:
    return int(headers["X-Upstream"].rsplit(":", 1)[1])


def load(p, name: str, payload: bytes, user: str, tmp) -> subprocess.Popen:
    path = tmp / name
    path.write_bytes(payload)
    return subprocess.Popen([sys.executable, "-m", "etl", "--data-dir", str(p.root), "--user", user, "load", str(path),
                             "--table", bc.LIUYOU, "--mode", "upsert"], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})


def shown_version(pg) -> int:
    pg.wait_for_function("() => /数据版本 v\\d+/.test(document.body.innerText)", timeout=60_000)
    return int(VERSION.search(pg.locator('[data-testid="stSidebar"]').inner_text()).group(1))


def wait_version(pg, version: int) -> None:
    pg.wait_for_function(f"() => document.body.innerText.includes('数据版本 v{version}')", timeout=60_000)


def test_the_config_template_renders_with_sticky_websocket_proxying(tmp_path):
    conf = replicas.render_config(tmp_path, "127.0.0.1:8080", [9001, 9002])
    assert "hash $npc_route consistent;" in conf and "server 127.0.0.1:9001" in conf and "server 127.0.0.1:9002" in conf
    assert "proxy_set_header Upgrade $http_upgrade;" in conf and "proxy_read_timeout 86400s;" in conf
    assert 'proxy_set_header X-Remote-User "";' in conf  # a client can never claim an identity
    assert "X-Upstream" not in conf and "${" not in conf


def test_both_replicas_answer_through_nginx_and_a_cookie_keeps_to_one(stack):
    ports = {int(u.rsplit(":", 1)[1]) for u in stack.replica_urls}
    seen = set()
    for _ in range(40):  # new visitors (no cookie) are spread over the replicas
        body, headers = get(f"{stack.url}/_stcore/health")
        assert body == b"ok" and "npc_route=" in headers.get("Set-Cookie", "")
        seen.add(upstream_port(headers))
        if seen == ports:
            break
    assert seen == ports
    for cookie in ("甲".encode().hex(), "b7"):  # a returning browser keeps to its replica and gets no new cookie
        answers = [get(f"{stack.url}/_stcore/health", cookie)[1] for _ in range(8)]
        assert len({upstream_port(h) for h in answers}) == 1
        assert not any("npc_route=" in h["Set-Cookie"] for h in answers)


def test_a_publish_from_any_process_is_seen_by_every_replica_and_writers_are_serialised(stack, shared, tmp_path):
    require_chromium()
    from playwright.sync_api import sync_playwright
    base = publish.current_version(shared)
    ports = [int(u.rsplit(":", 1)[1]) for u in stack.replica_urls]
    cookies = {}
    for i in range(200):  # a cookie value that routes to each replica
        port = upstream_port(get(f"{stack.url}/_stcore/health", f"route{i}")[1])
        cookies.setdefault(port, f"route{i}")
        if len(cookies) == len(ports):
            break
    assert set(cookies) == set(ports)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        pages = []
        for port in ports:
            ctx = browser.new_context(viewport={"width": 1366, "height": 768})
            ctx.add_cookies([{"name": "npc_route", "value": cookies[port], "url": stack.url}])
            pg = ctx.new_page()
            with pg.expect_response(lambda r: r.url.rstrip("/") == stack.url) as first:
                pg.goto(stack.url)
            assert int(first.value.headers["x-upstream"].rsplit(":", 1)[1]) == port  # the cookie chose it
            assert shown_version(pg) == base
            pages.append(pg)

        plan = bc.make_plan(shared, 3)
        one = load(shared, "一.csv", bc.liuyou_upload(shared, plan.year, plan.townships[:1])[1], "副本测试", tmp_path)
        out, err = one.communicate(timeout=120)
        assert one.returncode == 0 and "Traceback" not in err, (out, err)
        assert publish.current_version(shared) == base + 1
        for pg in pages:  # the next rerun of the same session (a click in the sidebar) shows the new version
            pg.locator('[data-testid="stSidebar"]').get_by_text("组织建设", exact=True).click()
            wait_version(pg, base + 1)
            assert pg.locator('[data-testid="stMain"]').get_by_text("组织建设").count()

        # two writers at once from two processes: serialised by the flock, no update lost
        two = [load(shared, f"{k}.csv", bc.liuyou_upload(shared, plan.year, [t])[1], f"写入者{k}", tmp_path)
               for k, t in ((2, plan.townships[1]), (3, plan.townships[2]))]
        results = [w.communicate(timeout=180) + (w.returncode,) for w in two]
        for out, err, rc in results:
            assert "Traceback" not in err and rc in (0, 1), (out, err)
            assert rc == 0 or str(WriterBusy()) in out
        accepted = [t for (_, _, rc), t in zip(results, plan.townships[1:]) if rc == 0]
        final = publish.current_version(shared)
        assert final == base + 1 + len(accepted)
        changed = [plan.townships[0], *accepted]
        _, con = publish.open_snapshot(shared)
        lost = con.execute(f"SELECT township_code FROM {bc.LIUYOU} WHERE year = ? AND has_organization AND "
                           f"township_code IN ({','.join('?' * len(changed))})", (plan.year, *changed)).fetchall()
        con.close()
        assert lost == []  # every accepted upload is in the final version
        for pg in pages:
            pg.locator('[data-testid="stSidebar"]').get_by_text("总览", exact=True).click()
            wait_version(pg, final)
        browser.close()
    assert stack.dead() == []
