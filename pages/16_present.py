"""汇报模式: step through the meeting deck — title, headline KPIs, families A–F, ranking, 预警清单, 督导 —
one large slide at a time; ?slide=N in the URL, ← → keys, no sidebar, full screen with ?embed=true."""
from pages._common import frame, present

with frame.page("汇报模式", heading=False) as snap:
    present.render(snap)
