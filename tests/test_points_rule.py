"""履职积分 “得分与数量×每单位分值（封顶后）不一致” (points_mismatch): the warning fires exactly on the rows whose
得分 differs from the scheme, at validation and in the published policy warnings."""
from __future__ import annotations

import io
import shutil

import pandas as pd
import pytest

from etl import publish


@pytest.fixture
def demo(demo_wh, tmp_path) -> publish.Paths:
    root = tmp_path / "data"
    shutil.copytree(demo_wh.root, root)
    return publish.data_paths(root)


def _items(p: publish.Paths) -> dict:
    _, con = publish.open_snapshot(p)
    try:
        rows = con.execute("""SELECT r.item_code, r.points_per_unit, r.max_points FROM cfg_points_rule r
            WHERE r.scheme_id = (SELECT value FROM cfg_rule WHERE rule_code = 'points_scheme')""").fetchall()
        year = con.execute("SELECT max(year) FROM fact_deputy_points").fetchone()[0]
    finally:
        con.close()
    capped = next((c, float(u), float(m)) for c, u, m in rows if m is not None and u > 0)
    uncapped = next(((c, float(u)) for c, u, m in rows if m is None), None)
    return {"capped": capped, "uncapped": uncapped, "year": year}


def test_the_warning_marks_exactly_the_rows_that_differ(demo):
    it = _items(demo)
    code, per, cap = it["capped"]
    over = cap / per + 3  # enough to pass the cap
    cases = [  # (item, 数量, 得分, warned)
        (code, 1, per, False),                 # 1 × per
        (code, 1, per + 1, True),              # one point too many
        (code, over, cap, False),              # capped
        (code, over, over * per, True),        # the cap ignored
        (code, 2, "", False),                  # no 得分: computed, nothing to compare
    ]
    if it["uncapped"]:
        ucode, uper = it["uncapped"]
        cases += [(ucode, 50, 50 * uper, False), (ucode, 50, 50 * uper + 0.5, True)]
    # one row per item and deputy (the key is year + deputy + item): a deputy per case
    _, con = publish.open_snapshot(demo)
    try:
        deputies = [r[0] for r in con.execute("SELECT DISTINCT deputy_id FROM fact_deputy_points WHERE year = ? "
                                              "ORDER BY deputy_id LIMIT ?", (it["year"], len(cases))).fetchall()]
    finally:
        con.close()
    rows = [{"年度": it["year"], "代表编号": d, "事项代码": c, "数量": q, "得分": s, "来源": "测试"}
            for d, (c, q, s, _) in zip(deputies, cases)]
    buf = io.StringIO()
    pd.DataFrame(rows).to_csv(buf, index=False)
    batch = publish.validate(demo, [("积分.csv", buf.getvalue().encode("utf-8-sig"))], "fact_deputy_points",
                             {"fact_deputy_points": "upsert"})
    try:
        assert batch.ok, [x.format() for x in batch.problems[:5]]
        flagged = {p.row for p in batch.problems if p.code == "points_mismatch"}
        assert flagged == {i + 2 for i, case in enumerate(cases) if case[3]}  # data rows start at line 2
        publish.publish(demo, batch, "测试", "积分规则测试")
    finally:
        batch.close()
    _, con = publish.open_snapshot(demo)
    try:
        keys = {r[0] for r in con.execute("SELECT record_key FROM mart_policy_warning WHERE rule_code = "
                                          "'points_mismatch'").fetchall()}
    finally:
        con.close()
    for d, (c, _, _, warned) in zip(deputies, cases):
        assert (f"{it['year']}|{d}|{c}" in keys) == warned, (d, c)
