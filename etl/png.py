"""PNG pictures of plotly charts (kaleido 1.5 + Debian Chromium), and the PDF of an HTML page (Chromium headless).

kaleido's own `start_sync_server` waits forever when Chromium is missing or dies (its worker thread crashes and the
caller blocks on a queue), so this module runs one Kaleido browser in a private event-loop thread and waits for
every picture with a timeout. One lock: one picture at a time per process. Where Chromium is not installed the
functions say so in Chinese (`png_available()`), never hang, and the rest of the product works unchanged.
"""
from __future__ import annotations

import asyncio
import atexit
import functools
import importlib.util
import logging
import os
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

log = logging.getLogger("npc.png")

NO_CHROMIUM = "本机未安装 Chromium，暂不能导出图片；可用浏览器截图或下载数据"
NO_CHROMIUM_PDF = "本机未安装 Chromium，暂不能生成 PDF；请用浏览器的“打印”功能（选择 A4、纵向）另存为 PDF"
FAILED = "图片生成失败（Chromium 未能在限定时间内完成），请稍后重试，或下载数据"
START_TIMEOUT = 60.0     # first picture starts Chromium (about 2 s on an idle machine)
RENDER_TIMEOUT = 30.0    # each later picture (about 0.15 s)
PDF_TIMEOUT = 60.0
PAD = 36                 # px of white around an exported chart (the page layout uses tight margins)
CANDIDATES = ("/usr/lib/chromium/chromium", "/usr/bin/chromium", "/usr/bin/chromium-browser",
              "/usr/bin/google-chrome", "/usr/bin/google-chrome-stable")


class PngUnavailable(RuntimeError):
    """The picture cannot be made here; str(exc) is the Chinese reason to show."""


_FOUND: dict[str | None, tuple[float, str | None]] = {}   # BROWSER_PATH -> (when looked, binary)
RECHECK = 60.0           # seconds: pages ask on every render, the disk is looked at once a minute


def browser_path() -> str | None:
    """The Chromium binary to use: BROWSER_PATH if set (and executable), else the usual Debian places."""
    forced = os.environ.get("BROWSER_PATH") or None
    now = time.monotonic()
    hit = _FOUND.get(forced)
    if hit and now - hit[0] < RECHECK:
        return hit[1]
    if forced:
        found = forced if os.path.isfile(forced) and os.access(forced, os.X_OK) else None
    else:
        found = next((c for c in (*CANDIDATES, shutil.which("chromium"), shutil.which("chromium-browser"))
                      if c and os.path.isfile(c) and os.access(c, os.X_OK)), None)
    _FOUND[forced] = (now, found)
    return found


class _Renderer:
    """One Kaleido browser in a daemon thread with its own event loop; started on first use."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.kaleido = None
        self.path: str | None = None
        self.error: str | None = None   # set when the browser failed to start: later calls fail fast
        self.atexit = False

    def _start(self, path: str) -> None:
        import kaleido
        loop = asyncio.new_event_loop()
        threading.Thread(target=loop.run_forever, name="npc-kaleido", daemon=True).start()

        async def open_browser():
            k = kaleido.Kaleido(n=1, timeout=RENDER_TIMEOUT, mathjax=False, path=path)
            await k.__aenter__()
            return k

        try:
            k = asyncio.run_coroutine_threadsafe(open_browser(), loop).result(START_TIMEOUT)
        except BaseException:
            loop.call_soon_threadsafe(loop.stop)
            raise
        self.loop, self.kaleido, self.path = loop, k, path
        if not self.atexit:
            atexit.register(self.close)
            self.atexit = True

    def render(self, fig_dict: dict, opts: dict) -> bytes:
        with self.lock:
            path = browser_path()
            if path is None:
                raise PngUnavailable(NO_CHROMIUM)
            if self.error and self.path == path:
                raise PngUnavailable(self.error)
            if self.kaleido is None or self.path != path:
                self._stop()
                try:
                    self._start(path)
                    self.error = None
                except Exception as exc:  # missing libraries, sandbox refusal, timeout …
                    log.warning("Chromium for PNG export did not start (%s): %s", path, exc)
                    self.path, self.error = path, f"图片导出所需的 Chromium 未能启动（{type(exc).__name__}），暂不能导出图片；可下载数据"
                    raise PngUnavailable(self.error) from exc
            spec = {"fig": fig_dict, "opts": opts, "topojson": None}
            job = asyncio.run_coroutine_threadsafe(
                self.kaleido.write_fig_from_object(fig_dicts=spec, cancel_on_error=True, _write=False), self.loop)
            try:
                out = job.result(RENDER_TIMEOUT + 5)
            except Exception as exc:
                job.cancel()
                log.warning("PNG export failed: %r", exc)
                self._stop()  # a stuck browser is replaced on the next call
                raise PngUnavailable(FAILED) from exc
            if not isinstance(out, (bytes, bytearray)) or not out:
                raise PngUnavailable(FAILED)
            return bytes(out)

    def close(self) -> None:
        """At exit: the browser's pipe may end mid-message while closing; that is not an error worth a traceback."""
        pipe_log = logging.getLogger("choreographer.channels.pipe")
        level = pipe_log.level
        pipe_log.setLevel(logging.CRITICAL)
        try:
            with self.lock:
                self._stop()
        finally:
            pipe_log.setLevel(level)

    def _stop(self) -> None:
        k, loop = self.kaleido, self.loop
        self.kaleido = self.loop = None
        if k is not None and loop is not None:
            try:
                asyncio.run_coroutine_threadsafe(k.__aexit__(None, None, None), loop).result(10)
            except Exception as exc:  # already dead: nothing to close
                log.info("closing kaleido: %r", exc)
            loop.call_soon_threadsafe(loop.stop)


_RENDERER = _Renderer()


@functools.cache
def _has_kaleido() -> bool:
    return importlib.util.find_spec("kaleido") is not None


def png_available() -> tuple[bool, str]:
    """(True, "") if PNG export can run here, else (False, Chinese reason). Cheap: does not start Chromium."""
    path = browser_path()
    if path is None:
        return False, NO_CHROMIUM
    if _RENDERER.error and _RENDERER.path == path:
        return False, _RENDERER.error
    if not _has_kaleido():
        return False, "本机未安装 kaleido 组件，暂不能导出图片；可用浏览器截图或下载数据"
    return True, ""


def chart_png(fig, width: int = 1200, height: int = 675, scale: float = 2) -> bytes:
    """The figure as PNG bytes (white background, the chart's own fonts: Noto Sans CJK renders Chinese).
    Raises PngUnavailable with a Chinese reason when Chromium is missing, fails to start or takes too long."""
    ok, why = png_available()
    if not ok:
        raise PngUnavailable(why)
    fig_dict = fig.to_plotly_json() if hasattr(fig, "to_plotly_json") else dict(fig)
    layout = dict(fig_dict.get("layout") or {})      # a new dict: the (cached) figure is never changed
    margin = dict(layout.get("margin") or {})
    layout["margin"] = {**margin, **{k: max(int(margin.get(k) or 0), PAD) for k in ("l", "r", "b")}}
    layout.setdefault("paper_bgcolor", "white")
    title = layout.get("title")
    if isinstance(title, dict) and title.get("xanchor") == "left":   # titles flush left on the page get air too
        layout["title"] = {**title, "pad": {**(title.get("pad") or {}), "l": PAD}}
    fig_dict = {**fig_dict, "layout": layout}
    return _RENDERER.render(fig_dict, {"format": "png", "width": int(width), "height": int(height),
                                       "scale": float(scale)})


def pdf_available() -> tuple[bool, str]:
    return (True, "") if browser_path() else (False, NO_CHROMIUM_PDF)


def html_pdf(html: str, timeout: float = PDF_TIMEOUT) -> bytes:
    """Print a complete HTML document to PDF with Chromium headless (page size and margins from its @page CSS)."""
    path = browser_path()
    if path is None:
        raise PngUnavailable(NO_CHROMIUM_PDF)
    with tempfile.TemporaryDirectory(prefix="npc-pdf-") as tmp:
        src, out = Path(tmp) / "report.html", Path(tmp) / "report.pdf"
        src.write_text(html, encoding="utf-8")
        cmd = [path, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               f"--user-data-dir={Path(tmp) / 'profile'}", "--no-pdf-header-footer",
               f"--print-to-pdf={out}", src.as_uri()]
        try:
            subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired as exc:
            raise PngUnavailable("PDF 生成超时，请稍后重试，或用浏览器的“打印”功能另存为 PDF") from exc
        data = out.read_bytes() if out.exists() else b""
    if not data.startswith(b"%PDF"):
        raise PngUnavailable("PDF 生成失败，请用浏览器的“打印”功能（选择 A4、纵向）另存为 PDF")
    return data
