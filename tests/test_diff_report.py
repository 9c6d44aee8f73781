"""Preview before publishing: added / changed (old → new) / removed rows in the file's scope; the downloadable
report carries each problem beside its row and contains no formula."""
from __future__ import annotations

import io
import zipfile

from etl import diff, publish, report

BODIES = "年度,县区代码,机构名称,机构类型,实有工作人员数\r\n2024,990102,办公室,办事机构,6\r\n2024,990102,研究室,办事机构,2\r\n"


def _publish(wh, text):
    batch = publish.validate(wh, [("机构.csv", text.encode())])
    publish.publish(wh, batch, "测试")
    batch.close()


def test_batch_diff_shows_added_changed_and_removed_rows_in_scope(wh):
    _publish(wh, BODIES)
    new = "年度,县区代码,机构名称,机构类型,实有工作人员数\r\n2024,990102,办公室,办事机构,7\r\n2024,990102,代表工作委员会,工作委员会,3\r\n"
    batch = publish.validate(wh, [("机构.csv", new.encode())])
    (d,) = diff.batch_diff(batch)
    batch.close()
    assert (d.added, d.removed, d.changed_rows, d.unchanged) == (1, 1, 1, 0)
    assert d.cells.to_dict("records") == [{"记录": "2024 / 990102 / 办公室", "列": "实有工作人员数", "原值": "6", "新值": "7"}]
    assert d.added_keys == ["2024 / 990102 / 代表工作委员会"] and d.removed_keys == ["2024 / 990102 / 研究室"]


def test_version_diff_between_two_published_versions(wh):
    v1 = publish.current_version(wh)
    _publish(wh, BODIES)
    v2 = publish.current_version(wh)
    changes = diff.version_diff(wh.snapshot(v1), wh.snapshot(v2))
    assert [(c.table, c.added, c.removed, c.changed_rows) for c in changes] == [("fact_county_body", 2, 0, 0)]


def test_report_xlsx_puts_problems_beside_rows_and_has_no_formula(wh):
    bad = "年度,县区代码,机构名称,机构类型,实有工作人员数\r\n2024,990102,=HYPERLINK(\"http://x\"),办事机构,-1\r\n"
    batch = publish.validate(wh, [("机构.csv", bad.encode())])
    data = report.report_xlsx([("机构.csv", bad.encode())], batch.problems)
    batch.close()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/")]
        assert len(sheets) == 2
        assert not any(b"<f>" in z.read(n) for n in sheets)
    import pandas as pd
    rows = pd.read_excel(io.BytesIO(data), sheet_name=1, engine="calamine")
    assert rows.loc[0, "行号"] == 2 and "不能小于0" in rows.loc[0, "错误"]
