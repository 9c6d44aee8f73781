"""The 年度通报 workbook: sheets, numbers equal to the marts (typed, percent formatted), no formula cells even when
names and titles start with = + - @ {= , and `python -m etl export-xlsx`."""
from __future__ import annotations

import io
import shutil
import zipfile

import duckdb
import openpyxl
import pytest
from pptx import Presentation

from etl import cli, publish
from etl.annual import annual_workbook
from etl.deck import build_deck
from etl.indicators import DIMENSIONS, INDICATORS
from etl.pptx_deck import render_pptx

YEAR = 2024
DANGER = ("=", "+", "-", "@", "\t", "\r", "\n", "{=")
HOSTILE = ("=HYPERLINK(\"http://evil\",\"点我\")", "+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)*cmd",
           "{=1+1}", "\t=1+1", " =1+1", "\r\n=2")
FAMILY_SHEETS = [f"{fam} {name}" for fam, (name, _) in DIMENSIONS.items()]
NAME_BY_ZH = {ind.name_zh: ind for ind in INDICATORS}


@pytest.fixture(scope="module")
def demo_book(demo_wh):
    version, con = publish.open_snapshot(demo_wh)
    data = annual_workbook(con, YEAR, version)
    yield openpyxl.load_workbook(io.BytesIO(data)), con, version
    con.close()


@pytest.fixture(scope="module")
def hostile_db(demo_wh, tmp_path_factory):
    """A copy of the demo snapshot whose city, county and township names, warning texts and record keys all
    start with characters a spreadsheet would run."""
    path = tmp_path_factory.mktemp("hostile") / "snapshot.duckdb"
    shutil.copyfile(demo_wh.snapshot(publish.current_version(demo_wh)), path)
    con = duckdb.connect(str(path))
    names = "[" + ", ".join("'" + n.replace("'", "''") + "'" for n in HOSTILE) + "]"
    con.execute(f"UPDATE dim_city SET city_name = {names}[1] || city_name")
    con.execute(f"""UPDATE dim_county SET county_name = {names}[1 + (sort_order % {len(HOSTILE)})] || county_name""")
    con.execute(f"""UPDATE dim_township SET township_name =
        {names}[1 + (hash(township_code) % {len(HOSTILE)})::INTEGER] || township_name""")
    for family in "abcdef":  # mart_kpi is the union of the family tables
        con.execute(f"""UPDATE mart_kpi_{family} k SET unit_name = c.county_name FROM dim_county c
                       WHERE k.level = '县' AND c.county_code = k.unit_code""")
        con.execute(f"""UPDATE mart_kpi_{family} k SET unit_name = t.township_name FROM dim_township t
                       WHERE k.level = '乡' AND t.township_code = k.unit_code""")
    con.execute("UPDATE mart_index_total i SET county_name = c.county_name FROM dim_county c WHERE c.county_code = i.county_code")
    con.execute("UPDATE mart_warning SET message_zh = '=' || message_zh, object_id = '@' || object_id")
    con.execute("""UPDATE mart_policy_warning SET message_zh = '+' || message_zh, table_label = '-' || table_label,
                   header = '{=' || header, record_key = chr(9) || record_key""")
    con.close()
    return path


def _cells(wb):
    return [c for ws in wb for row in ws.iter_rows() for c in row if c.value is not None]


def _rows(ws):
    header = [c.value for c in ws[1]]
    return header, [dict(zip(header, (c for c in row))) for row in ws.iter_rows(min_row=2)]


def test_sheets_and_about(demo_book):
    wb, _, version = demo_book
    assert wb.sheetnames == ["说明", "总体", "综合指数", *FAMILY_SHEETS, "预警清单"]
    about = {r[0].value: r[1].value for r in wb["说明"].iter_rows(min_row=2)}
    assert about["城市"] == "清川市" and about["年度"] == f"{YEAR}年" and about["数据版本"] == f"v{version}"
    assert "口径" in about["口径说明"] or "分子" in about["口径说明"]
    assert about["生成时间"][:2] == "20"


def test_overall_sheet_equals_the_city_marts(demo_book):
    wb, con, _ = demo_book
    mart = {r[0]: r[1:] for r in con.execute(
        """SELECT k.kpi_code, k.value, k.numerator, k.denominator, k.target, p.value FROM mart_kpi k
           LEFT JOIN mart_kpi p ON p.kpi_code = k.kpi_code AND p.level = '市' AND p.year = k.year - 1
           WHERE k.level = '市' AND k.year = ?""", [YEAR]).fetchall()}
    header, rows = _rows(wb["总体"])
    assert header[:9] == ["类别", "编号", "指标", "单位", "值", "分子", "分母", "目标", "状态"]
    assert len(rows) == len(mart)
    for row in rows:
        ind = NAME_BY_ZH[row["指标"].value]
        value, num, den, target, last = mart[ind.code]
        assert row["值"].value == pytest.approx(value) if value is not None else row["值"].value is None
        assert row["分子"].value == pytest.approx(num) if num is not None else row["分子"].value is None
        assert row["分母"].value == pytest.approx(den) if den is not None else row["分母"].value is None
        assert row["目标"].value == pytest.approx(target) if target is not None else row["目标"].value is None
        if value is not None:
            assert row["值"].number_format == ("0.0%" if ind.unit == "%" else "#,##0.0##")
        if value is not None and last is not None:
            scale = 100 if ind.unit == "%" else 1
            assert row["较上年变化"].value == pytest.approx((value - last) * scale)
            assert row["变化单位"].value == ("百分点" if ind.unit == "%" else ind.unit)


def test_family_sheets_hold_every_county_and_township_kpi(demo_book):
    wb, con, _ = demo_book
    for fam, sheet in zip(DIMENSIONS, FAMILY_SHEETS):
        codes = [i.code for i in INDICATORS if i.family == fam]
        mart = {(lvl, unit, code): (value, target) for lvl, unit, code, value, target in con.execute(
            f"""SELECT level, unit_code, kpi_code, value, target FROM mart_kpi WHERE year = ? AND level IN ('县', '乡')
                AND kpi_code IN ({','.join('?' * len(codes))})""", [YEAR, *codes]).fetchall()}
        header, rows = _rows(wb[sheet])
        assert header == ["层级", "县区代码", "县区", "乡镇街道代码", "乡镇街道", "编号", "指标", "单位", "值", "分子",
                          "分母", "目标", "状态"]
        assert len(rows) == len(mart) > 0, sheet
        levels = set()
        for row in rows:
            level = row["层级"].value
            levels.add(level)
            unit = row["县区代码"].value if level == "县" else row["乡镇街道代码"].value
            ind = NAME_BY_ZH[row["指标"].value]
            value, target = mart[(level, unit, ind.code)]
            assert row["值"].value == pytest.approx(value) if value is not None else row["值"].value is None
            assert row["目标"].value == pytest.approx(target) if target is not None else row["目标"].value is None
            if value is not None and ind.unit == "%":
                assert row["值"].number_format == "0.0%" and row["值"].data_type == "n"
        assert levels == {lvl for lvl, _, _ in mart}, sheet


def test_index_and_warning_sheets_equal_the_marts(demo_book):
    wb, con, _ = demo_book
    ranking = con.execute("SELECT county_name, total, grade, rank FROM mart_index_total WHERE year = ? ORDER BY rank",
                          [YEAR]).fetchall()
    _, rows = _rows(wb["综合指数"])
    assert [(r["县区"].value, r["等次"].value, r["排名"].value) for r in rows] == [(n, g, k) for n, _, g, k in ranking]
    assert [r["总分"].value for r in rows] == pytest.approx([t for _, t, _, _ in ranking])
    dims = {(c, d): s for c, d, s in con.execute(
        "SELECT county_code, dimension, score FROM mart_index WHERE year = ?", [YEAR]).fetchall()}
    for r in rows:
        for fam, (name, pts) in DIMENSIONS.items():
            want = dims.get((r["县区代码"].value, fam))
            got = r[f"{name}（{pts}分）"].value
            assert got == pytest.approx(want) if want is not None else got is None
    floors, rules = (con.execute(f"SELECT count(*) FROM {t} WHERE year = ?", [YEAR]).fetchone()[0]
                     for t in ("mart_warning", "mart_policy_warning"))
    _, rows = _rows(wb["预警清单"])
    kinds = [r["类别"].value for r in rows]
    assert kinds.count("法定底线") == floors > 0 and kinds.count("政策规则") == rules > 0


def test_no_formula_cells_and_no_unneutralised_text_with_hostile_names(hostile_db):
    con = duckdb.connect(str(hostile_db), read_only=True)
    try:
        wb = openpyxl.load_workbook(io.BytesIO(annual_workbook(con, YEAR, 9)))
        county_names = [r[0] for r in con.execute("SELECT county_name FROM dim_county").fetchall()]
    finally:
        con.close()
    cells = _cells(wb)
    assert cells and all(c.data_type != "f" for c in cells)
    texts = [c.value for c in cells if isinstance(c.value, str)]
    bad = [t for t in texts if t.startswith(DANGER) or t.lstrip().startswith(DANGER)]
    assert bad == []
    flat = {t.replace("_x000D_", "").replace("\r", "") for t in texts}    # a CR is stored as _x000D_
    for name in county_names:                        # the names are kept, behind an apostrophe
        assert "'" + name.replace("\r", "") in flat, name
    assert any(t.startswith("'=") for t in texts) and any(t.startswith("'{=") for t in texts)
    assert any(t.startswith("'\t") for t in texts) and any(t.startswith("'@") for t in texts)


def test_deck_from_hostile_names_embeds_no_formula(hostile_db):
    con = duckdb.connect(str(hostile_db), read_only=True)
    try:
        deck = build_deck(con, YEAR, None, 9)
    finally:
        con.close()
    data = render_pptx(deck)
    assert len(Presentation(io.BytesIO(data)).slides) == len(deck.slides)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        books = [n for n in z.namelist() if n.startswith("ppt/embeddings/")]
        assert books
        for n in books:
            cells = _cells(openpyxl.load_workbook(io.BytesIO(z.read(n))))
            assert all(c.data_type != "f" for c in cells)


def test_cli_export_xlsx(demo_wh, tmp_path, capsys):
    out = tmp_path / "年度通报.xlsx"
    assert cli.main(["--data-dir", str(demo_wh.root), "export-xlsx", "--year", str(YEAR), "--out", str(out)]) == 0
    assert f"v{publish.current_version(demo_wh)}" in capsys.readouterr().out
    assert "总体" in openpyxl.load_workbook(out).sheetnames
    bad = tmp_path / "bad.xlsx"
    assert cli.main(["--data-dir", str(demo_wh.root), "export-xlsx", "--year", "1990", "--out", str(bad)]) == 2
    assert "可选年度" in capsys.readouterr().err and not bad.exists()
    assert cli.main(["--data-dir", str(tmp_path / "空"), "export-xlsx", "--year", "2024", "--out", str(bad)]) == 1
    assert "还没有数据仓库" in capsys.readouterr().err and not bad.exists()


def test_unknown_year_is_a_chinese_error(demo_book):
    _, con, _ = demo_book
    with pytest.raises(ValueError, match="没有1990年的数据"):
        annual_workbook(con, 1990)
