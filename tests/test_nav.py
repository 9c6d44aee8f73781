"""PAGES is the single registry of pages: every pages/*.py is in it and vice versa, each page uses the frame
with its registered Chinese label, and pages stay thin (no SQL, no plotly calls)."""
import re
from pathlib import Path

from pages._common.nav import PAGES

ROOT = Path(__file__).resolve().parents[1]


def test_every_page_file_is_registered_and_every_registered_page_exists():
    files = {f"pages/{p.name}" for p in (ROOT / "pages").glob("*.py")}
    registered = {p.path for p in PAGES if p.path.startswith("pages/")}
    assert files == registered
    assert all((ROOT / p.path).exists() for p in PAGES)
    assert PAGES[0].path == "dashboard.py"


def test_labels_are_chinese_and_unique():
    labels = [p.label for p in PAGES]
    assert len(set(labels)) == len(labels)
    assert all(re.search(r"[\u4e00-\u9fff]", label) for label in labels)


def test_each_page_uses_the_frame_with_its_label_and_stays_thin():
    for page in PAGES:
        text = (ROOT / page.path).read_text(encoding="utf-8")
        assert f'frame.page("{page.label}"' in text, page.path
        assert not re.search(r"\bSELECT\b|duckdb|px\.|go\.Figure|unsafe_allow_html", text), page.path
        assert len(text.splitlines()) <= 120, f"{page.path} is not thin"
