"""依法履职 — 乡镇人代会召开（法定底线）与一年两会、会期与半天会、出席与法定人数、主席团会议与闭会期间活动（K10–K15）."""

from pages._common import frame, org

with frame.page("依法履职") as snap:
    f = frame.filters(snap)
    scope = org.scope_name(snap, f)
    org.key_points(snap, f, scope, org.OP_POINTS, extra=org.breach_point(snap, f, scope))
    org.kpi_cards(snap, f, org.OP_CARDS)
    org.congress_section(snap, f, scope)
    org.duration_section(snap, f, scope)
    org.attendance_section(snap, f, scope)
    org.recess_section(snap, f, scope)
    org.policy_notes(snap, f, ("fact_meeting",))
