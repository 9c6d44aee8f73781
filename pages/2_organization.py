"""组织建设 — 乡镇“六有”、县人大常委会“1人委/2人委”、乡镇（街道）人员配备、35岁左右干部、常委会组成（K01–K09）."""

from pages._common import frame, org

TABLES = ("fact_township_liuyou", "fact_county_body", "fact_township_staffing", "fact_county_leadership")

with frame.page("组织建设") as snap:
    f = frame.filters(snap)
    scope = org.scope_name(snap, f)
    org.key_points(snap, f, scope, org.ORG_POINTS)
    org.kpi_cards(snap, f, org.ORG_CARDS)
    org.liuyou_section(snap, f, scope)
    org.small_body_section(snap, f, scope)
    org.staffing_section(snap, f, scope)
    org.young_section(snap, f, scope)
    org.leadership_section(snap, f)
    org.policy_notes(snap, f, TABLES)
