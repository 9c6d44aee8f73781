"""党委领导与保障: 县委听取汇报 (K32), 本届人大工作会议 (K33), 经费保障 (K34) and the list of party-support events."""

from pages._common import frame, misc

with frame.page("党委领导与保障") as snap:
    f = frame.filters(snap)
    scope = misc.scope_name(snap, f)

    misc.kpi_cards(snap, f, scope, misc.PARTY_COUNTY_KPIS if f.county else misc.PARTY_KPIS)
    misc.reports_section(snap, f, scope)
    misc.meeting_section(snap, f)
    misc.funds_section(snap, f, scope)
    misc.events_section(snap, f, scope)
