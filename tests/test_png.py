"""PNG export of charts (kaleido + Debian Chromium) and the Chinese message where it cannot run."""
from __future__ import annotations

import io
import os
import threading
import time

import plotly.graph_objects as go
import pytest
from PIL import Image

from etl import png


def _need_chromium() -> None:
    if png.browser_path() is None:
        if os.environ.get("CI"):
            pytest.fail("CI must have Debian chromium (installed by .ci/setup)")
        pytest.skip("chromium is not installed")


def _figure(title: str = "2025年 各县区六有达标率") -> go.Figure:
    fig = go.Figure(go.Bar(x=["澜城区", "云渡县", "杉河县"], y=[1.0, 0.556, 0.31], name="达标率",
                           marker_color=["#009E73", "#E69F00", "#D55E00"]))
    fig.update_layout(title={"text": title}, font={"family": "Noto Sans CJK SC, sans-serif"}, height=420,
                      margin={"l": 10, "r": 10, "t": 60, "b": 10})
    return fig


def test_a_chinese_titled_chart_becomes_a_real_png_without_changing_the_figure():
    _need_chromium()
    fig = _figure()
    before = fig.to_plotly_json()
    data = png.chart_png(fig)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    img = Image.open(io.BytesIO(data)).convert("RGB")
    assert img.size == (2400, 1350)                      # 1200×675 at scale 2
    colours = img.getcolors(maxcolors=1 << 20)
    assert len(colours) > 50                              # antialiased text and bars, not a blank page
    bars = {c for _, c in colours}
    assert (0, 158, 115) in bars and (213, 94, 0) in bars  # the status colours are drawn
    assert fig.to_plotly_json() == before                 # cached figures are shared: never mutated
    small = png.chart_png(fig, width=600, height=400, scale=1)
    assert Image.open(io.BytesIO(small)).size == (600, 400)


def test_pictures_from_several_threads_are_made_one_at_a_time():
    _need_chromium()
    results, errors = [], []

    def work(i):
        try:
            results.append(png.chart_png(_figure(f"线程{i} 图表"), width=400, height=300, scale=1))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors and len(results) == 3
    assert all(r.startswith(b"\x89PNG") for r in results)


def test_without_chromium_it_says_so_in_chinese_and_does_not_hang(monkeypatch, tmp_path):
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "no-chromium-here"))
    ok, why = png.png_available()
    assert not ok and why == png.NO_CHROMIUM and "Chromium" in why and "下载数据" in why
    start = time.perf_counter()
    with pytest.raises(png.PngUnavailable) as err:
        png.chart_png(_figure())
    assert str(err.value) == png.NO_CHROMIUM
    assert time.perf_counter() - start < 2
    assert png.pdf_available() == (False, png.NO_CHROMIUM_PDF)
    with pytest.raises(png.PngUnavailable, match="打印"):
        png.html_pdf("<p>测试</p>")


@pytest.fixture
def renderer(monkeypatch, tmp_path):
    """A private renderer whose BROWSER_PATH is an executable that is not a browser."""
    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setenv("BROWSER_PATH", str(fake))
    r = png._Renderer()
    monkeypatch.setattr(png, "_RENDERER", r)
    return r


def test_when_kaleido_fails_to_start_the_reason_is_chinese_and_later_calls_fail_fast(monkeypatch, renderer):
    renderer_path = png.browser_path()
    calls = []

    def broken(path):
        calls.append(path)
        raise RuntimeError("Kaleido requires Google Chrome to be installed")

    monkeypatch.setattr(renderer, "_start", broken)
    assert png.png_available() == (True, "")
    with pytest.raises(png.PngUnavailable) as err:
        png.chart_png(_figure())
    assert "未能启动" in str(err.value) and "RuntimeError" in str(err.value)
    ok, why = png.png_available()
    assert not ok and why == str(err.value)
    with pytest.raises(png.PngUnavailable):
        png.chart_png(_figure())
    assert calls == [renderer_path]                 # no second start attempt for the same browser


def test_a_render_that_fails_is_reported_in_chinese(monkeypatch, renderer):

    class Broken:
        async def write_fig_from_object(self, **kwargs):
            raise ValueError("render crashed")

        async def __aexit__(self, *exc):
            return None

    def fake_start(path):
        import asyncio
        loop = asyncio.new_event_loop()
        threading.Thread(target=loop.run_forever, daemon=True).start()
        renderer.loop, renderer.kaleido, renderer.path = loop, Broken(), path

    monkeypatch.setattr(renderer, "_start", fake_start)
    with pytest.raises(png.PngUnavailable) as err:
        png.chart_png(_figure())
    assert str(err.value) == png.FAILED
    assert renderer.kaleido is None                 # the broken browser is dropped, the next call starts anew
