"""Security settings of .streamlit/config.toml are pinned (reliability.md §1.2)."""
import tomllib
from pathlib import Path

CONFIG = tomllib.loads((Path(__file__).resolve().parents[1] / ".streamlit" / "config.toml").read_text())


def test_cors_and_xsrf_stay_on_and_error_details_are_hidden():
    assert CONFIG["server"]["enableCORS"] is True
    assert CONFIG["server"]["enableXsrfProtection"] is True
    assert CONFIG["client"]["showErrorDetails"] == "none"  # in 1.67 `false` still shows tracebacks


def test_uploads_caches_and_telemetry_are_bounded():
    assert CONFIG["server"]["maxUploadSize"] <= 50
    assert CONFIG["server"]["maxCacheDataSize"]
    assert CONFIG["server"]["enableStaticServing"] is False
    assert CONFIG["browser"]["gatherUsageStats"] is False
    assert CONFIG["client"]["toolbarMode"] == "viewer"
    assert CONFIG["client"]["showSidebarNavigation"] is False


def test_no_unsafe_html_and_no_secrets_in_the_repository():
    root = Path(__file__).resolve().parents[1]
    for path in list(root.glob("pages/**/*.py")) + [root / "dashboard.py"]:
        assert "unsafe_allow_html" not in path.read_text(encoding="utf-8"), path
    assert not (root / ".streamlit" / "secrets.toml").exists()
