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
    Page("dashboard.py", "总览", ":material/dashboard:"),
    Page("pages/2_organization.py", "组织建设", ":material/account_tree:"),
    Page("pages/3_operation.py", "依法履职", ":material/gavel:"),
    Page("pages/4_deputies.py", "代表工作", ":material/groups:"),
    Page("pages/5_suggestions.py", "建议办理", ":material/mark_chat_read:"),
    Page("pages/6_party.py", "党委领导与保障", ":material/flag:"),
    Page("pages/7_livelihood.py", "民生实事票决", ":material/how_to_vote:"),
    Page("pages/8_county.py", "县区画像", ":material/location_city:"),
    Page("pages/9_township.py", "乡镇画像", ":material/holiday_village:"),
    Page("pages/10_definitions.py", "口径说明", ":material/menu_book:"),
    Page("pages/11_dictionary.py", "数据字典", ":material/table_view:"),
    Page("pages/12_upload.py", "数据上传", ":material/upload_file:", ("city_staff", "county_staff", "admin")),
    Page("pages/13_tracker.py", "报送进度", ":material/fact_check:"),
    Page("pages/14_versions.py", "版本与审计", ":material/history:", ("city_staff", "admin")),
    Page("pages/15_admin.py", "账号与设置", ":material/manage_accounts:", ("admin",)),
    Page("pages/16_present.py", "汇报模式", ":material/slideshow:"),
    Page("pages/17_report.py", "年度通报", ":material/print:"),
)
BY_PATH = {p.path: p for p in PAGES}
COUNTY_PAGE = "pages/8_county.py"
TOWNSHIP_PAGE = "pages/9_township.py"
