"""Every page of the dashboard, declared once: file, Chinese label, icon, roles that may see it.

Streamlit's own sidebar navigation is switched off (client.showSidebarNavigation = false); the sidebar is
drawn from PAGES with st.page_link so labels are Chinese while file names stay English.
"""
from __future__ import annotations

from dataclasses import dataclass

ALL_ROLES = ("leader", "city_staff", "county_staff", "admin")


@dataclass(frozen=True)
class Page:
    path: str           # relative to the repository root
    label: str          # Chinese sidebar label and page title
    icon: str           # Material icon shortcode (bundled with Streamlit, no emoji font needed)
    roles: tuple[str, ...] = ALL_ROLES


PAGES: tuple[Page, ...] = (
    Page("dashboard.py", "首页", ":material/home:"),
)
BY_PATH = {p.path: p for p in PAGES}
