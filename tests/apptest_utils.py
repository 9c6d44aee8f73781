"""Helpers for AppTest page tests: open a page of the app on a given warehouse, read plotly charts."""
from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[1] / "dashboard.py")


def open_page(root, monkeypatch, page: str | None = None, query: dict | None = None, timeout: int = 60,
              role: str | None = None, county: str | None = None) -> AppTest:
    """Run the entrypoint, then switch to `page` (e.g. "pages/2_organization.py") with optional URL params;
    `role` logs in as an account of that role (and `county` for county_staff) before the first run."""
    monkeypatch.setenv("NPC_DATA_DIR", str(root))
    at = AppTest.from_file(APP, default_timeout=timeout)
    for k, v in (query or {}).items():
        at.query_params[k] = str(v)
    if role:
        login(at, role, county)
    at.run()
    if page:
        at.switch_page(page)
        at.run()
    return at


def _decode(value):
    """Plotly 7 sends numeric arrays as {"dtype": ..., "bdata": base64}."""
    if isinstance(value, dict) and "bdata" in value:
        arr = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        if "shape" in value:
            arr = arr.reshape([int(n) for n in str(value["shape"]).split(",")])
        return arr.tolist()
    return value


def charts(at: AppTest) -> list[dict]:
    """Every plotly chart on the page as a dict {title, traces: [{name, x, y, z, text, customdata, type}]}."""
    out = []
    for el in at.get("plotly_chart"):
        spec = json.loads(el.proto.spec)
        title = spec.get("layout", {}).get("title", {})
        traces = [{k: _decode(t.get(k)) for k in ("name", "x", "y", "z", "text", "customdata", "type", "r", "theta")}
                  for t in spec.get("data", [])]
        out.append({"title": title.get("text", "") if isinstance(title, dict) else title, "traces": traces,
                    "layout": spec.get("layout", {})})
    return out


def chart(at: AppTest, title_part: str) -> dict:
    found = [c for c in charts(at) if title_part in c["title"]]
    assert found, f"no chart titled …{title_part}… among {[c['title'] for c in charts(at)]}"
    return found[0]


def login(at: AppTest, role: str, county: str | None = None, username: str | None = None) -> None:
    """Act as a logged-in account (what the login form stores in the session)."""
    import time

    from etl.auth import Account
    at.session_state["account"] = Account(username or f"test_{role}", f"测试{role}", role, county)
    at.session_state["last_seen"] = time.time()
