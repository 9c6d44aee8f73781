"""Server memory benchmark: a real `streamlit run` on a data directory, N browser sessions, the server's RSS.

python -m bench memory [--data-dir D] [--scale city|province|nation] [--sessions 20] [--out FILE]

The server serves a private view of D (its current snapshot symlinked, the app store copied, one benchmark
administrator added there — D itself is never written). Debian Chromium (Playwright) opens N sessions, each its
own browser context (a new Streamlit session, as a new tab or viewer would be), spread over the data pages and
filters (city view, a county, another year, a township profile …), waits until each page has rendered, and keeps
every session open. The RSS of the server process and its children (psutil) is read after start-up, after each
session and once more after all sessions are open; the target is ≤ 1.5 GB at nation scale (issue 6, benchmark 5),
with `st.cache_data` bounded (max_entries per function, server.maxCacheDataSize) and figure caches bounded.
"""
from __future__ import annotations

import json
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "results"
TARGET_MB = 1536
USER = "bench_memory"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
# (page path, extra query) visited round-robin; "{county}" / "{township}" filled from the snapshot
VISITS = (("/", ""), ("/organization", ""), ("/operation", "&county={county}"), ("/deputies", ""),
          ("/suggestions", "&county={county}"), ("/party", ""), ("/livelihood", "&county={county}"),
          ("/county", "&county={county}"), ("/township", "&county={town_county}&township={township}"),
          ("/tracker", ""))


def _rss_mb(pid: int) -> float:
    import psutil
    proc = psutil.Process(pid)
    total = proc.memory_info().rss
    for child in proc.children(recursive=True):
        try:
            total += child.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return round(total / 2**20, 1)


def _server_pid(port: int) -> int:
    """The `streamlit run` child of this process listening on `port` (tests.browser_utils does not return it)."""
    import psutil
    for child in psutil.Process().children(recursive=True):
        try:
            cmd = " ".join(child.cmdline())
        except psutil.NoSuchProcess:
            continue
        if "streamlit" in cmd and f"--server.port {port}" in cmd:
            return child.pid
    raise RuntimeError("找不到 Streamlit 服务进程")


def _view(data_dir: Path, target: Path, password: str) -> tuple[Path, dict]:
    """A private data directory serving D's current snapshot, with a benchmark administrator; sample units."""
    from bench.concurrency import reference_dir
    from etl import auth, publish
    p = publish.data_paths(data_dir)
    version = publish.current_version(p)
    if version is None:
        raise SystemExit(f"{data_dir} 没有已发布的数据版本")
    root = reference_dir(p, version, target)
    auth.create_account(publish.data_paths(root).store(), USER, password, "admin", "内存基准")
    _, con = publish.open_snapshot(p, version)
    try:
        year = con.execute("SELECT max(year) FROM mart_kpi WHERE level = '市'").fetchone()[0]
        units = con.execute("""SELECT t.county_code, t.township_code FROM dim_township t JOIN dim_county c USING (county_code)
            ORDER BY c.sort_order DESC, t.township_code LIMIT 1""").fetchone()
        first = con.execute("SELECT county_code FROM dim_county ORDER BY sort_order LIMIT 1").fetchone()[0]
    finally:
        con.close()
    return root, {"year": int(year), "counties": (first, units[0]), "township": units[1]}


def _wait_ready(pg, timeout_ms: int) -> None:
    pg.wait_for_selector('[data-testid="stMain"] h1, [data-testid="stMain"] h2', timeout=timeout_ms)
    pg.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout_ms)


def _open(context, url: str, password: str, shots: Path, timeout: float) -> dict:
    """Open one session on `url` (logging in when asked) and wait until it has rendered; a page that does not
    finish within `timeout` seconds is recorded (with a screenshot) and the run goes on."""
    from playwright.sync_api import Error as PlaywrightError
    pg = context.new_page()
    ms = int(timeout * 1000)
    t = time.perf_counter()
    try:
        pg.goto(url, timeout=ms)
        _wait_ready(pg, ms)
        if pg.get_by_text("请登录").count():
            pg.get_by_label("用户名").fill(USER)
            pg.get_by_label("密码").fill(password)
            pg.get_by_role("button", name="登录").click()
            pg.wait_for_function("() => !document.body.innerText.includes('请登录')", timeout=ms)
            _wait_ready(pg, ms)
        if pg.locator('[data-testid="stPlotlyChart"]').count():
            pg.wait_for_selector('[data-testid="stPlotlyChart"] .main-svg', timeout=ms)
    except PlaywrightError as exc:
        shot = shots / f"timeout_{len(list(shots.glob('timeout_*.png'))) + 1}.png"
        pg.screenshot(path=str(shot), full_page=True)
        return {"seconds": round(time.perf_counter() - t, 2), "errors": 1, "failed": str(exc).splitlines()[0][:200],
                "screenshot": str(shot)}
    errors = pg.locator('[data-testid="stAlertContentError"], [data-testid="stException"]').count()
    return {"seconds": round(time.perf_counter() - t, 2), "errors": errors}


def run(data_dir: Path | None, sessions: int = 20, scale: str = "city", out: Path | None = None,
        timeout: float = 300) -> dict:
    from playwright.sync_api import sync_playwright

    from bench.pages import _fresh_marts
    from etl import publish
    from tests.browser_utils import CHROMIUM, streamlit_server
    tmp = Path(tempfile.mkdtemp(prefix="bench_memory_"))
    if data_dir is None:
        data_dir = tmp / "demo"
        publish.build(publish.data_paths(data_dir), publish.DEMO_DIR, user="内存基准")
    password = secrets.token_urlsafe(12) + "Aa1"
    root, units = _view(data_dir, tmp / "view", password)
    refreshed = _fresh_marts(root)  # marts built by older code: rebuilt in the private view, before the clock starts
    samples, opened = [], []
    with streamlit_server(root, tmp) as url:
        pid = _server_pid(int(url.rsplit(":", 1)[1]))
        time.sleep(2)
        start = _rss_mb(pid)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            contexts = []
            for i in range(sessions):
                path, query = VISITS[i % len(VISITS)]
                county = units["counties"][(i // len(VISITS)) % 2]
                year = units["year"] - (i // len(VISITS)) % 2  # second round: the year before
                link = f"{url}{path}?year={year}" + query.format(county=county, town_county=units["township"][:6],
                                                                   township=units["township"])
                contexts.append(browser.new_context(viewport={"width": 1366, "height": 900}))
                opened.append({"url": link.replace(url, ""), **_open(contexts[-1], link, password, tmp, timeout)})
                samples.append(_rss_mb(pid))
                print(f"会话 {i + 1}/{sessions} {opened[-1]['url']}：{opened[-1]['seconds']}秒，服务 RSS {samples[-1]} MB",
                      flush=True)
            time.sleep(3)
            after = _rss_mb(pid)
            for c in contexts:
                c.close()
            browser.close()
    report = {"scale": scale, "sessions": sessions, "data_dir": str(data_dir), "marts_refreshed_s": refreshed,
              "rss_start_mb": start, "rss_after_sessions_mb": after, "rss_peak_mb": max([start, after, *samples]),
              "rss_per_session_mb": samples, "target_mb": TARGET_MB, "ok": max([after, *samples]) <= TARGET_MB,
              "errors": sum(o["errors"] for o in opened), "opened": opened,
              "machine": {"nproc": os.cpu_count(), "loadavg": os.getloadavg(), "python": sys.version.split()[0]},
              "measured_at": time.strftime("%Y-%m-%d %H:%M:%S")}
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    return report


def main(argv: list[str]) -> int:
    import argparse
    ap = argparse.ArgumentParser(prog="python -m bench memory", description="真实服务下多个浏览器会话后的服务器内存（RSS）")
    ap.add_argument("--data-dir", default=None, help="数据目录（默认临时建立演示仓库）；不会被修改")
    ap.add_argument("--scale", choices=("city", "province", "nation"), default="city", help="规模，决定结果文件名")
    ap.add_argument("--sessions", type=int, default=20, help="浏览器会话数（默认 20）")
    ap.add_argument("--timeout", type=float, default=300, help="每个会话等待页面完成的上限秒数（默认 300）")
    ap.add_argument("--out", default=None, help="结果 JSON（默认 bench/results/memory_<规模>.json）")
    args = ap.parse_args(argv)
    out = Path(args.out) if args.out else RESULTS / f"memory_{args.scale}.json"
    r = run(Path(args.data_dir) if args.data_dir else None, args.sessions, args.scale, out, args.timeout)
    print(f"\n启动后 {r['rss_start_mb']} MB；{r['sessions']} 个会话后 {r['rss_after_sessions_mb']} MB；峰值 {r['rss_peak_mb']} MB"
          f"（目标 ≤ {TARGET_MB} MB：{'达标' if r['ok'] else '未达标'}）；页面错误 {r['errors']} 个")
    print(f"结果已写入 {out}")
    return 0 if r["errors"] == 0 else 1
