"""口径说明: every KPI of the registry (current targets and weights), provenance tags, the traffic-light rule,
the composite index and the cfg_rule thresholds."""
from pages._common import frame, misc

with frame.page("口径说明") as snap:
    misc.definitions_intro(snap)
    misc.catalogue_section(snap)
    misc.index_explainer(snap)
    misc.rules_section(snap)
