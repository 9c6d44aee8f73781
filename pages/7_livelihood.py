"""民生实事票决: coverage by level (K35), 差额 (K38), project stages, completion (K36) and satisfaction (K37),
and the chosen county's rounds and selected projects."""

from pages._common import frame, misc

with frame.page("民生实事票决") as snap:
    f = frame.filters(snap)
    scope = misc.scope_name(snap, f)

    misc.kpi_cards(snap, f, scope, misc.VOTE_KPIS)
    misc.coverage_section(snap, f, scope)
    misc.competition_section(snap, f, scope)
    misc.projects_section(snap, f, scope)
    misc.outcomes_section(snap, f, scope)
    misc.rounds_section(snap, f, scope)
