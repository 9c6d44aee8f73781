"""A large, valid fact_suggestion upload for the benchmark, generated vectorised (numpy + pyarrow).

Rows are valid against a warehouse built from data/demo: real county codes, 县级 lead deputies in office
in their own county on the submitted date, handling units of the same county, consistent dates and a
status / reply / satisfaction combination that passes every error rule (and every warning rule).
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from etl import publish, schema
from etl.demo import catalog

SEED = 20261121
TABLE = "fact_suggestion"
FIRST_SUBMIT = dt.date(2021, 1, 1)
LAST_SUBMIT = dt.date(2026, 6, 30)   # assigned (+42 d), replied (+90 d), second reply (+40 d) stay in the past
BOM = b"\xef\xbb\xbf"
STATUS = (("已交办", 0.05), ("办理中", 0.05), ("已答复", 0.20), ("已办结", 0.69), ("已撤回", 0.01))
SATISFACTION = (("满意", 0.60), ("基本满意", 0.25), ("不满意", 0.10), ("未反馈", 0.05))
EPOCH = dt.date(1970, 1, 1)


def build_warehouse(root: Path) -> publish.Paths:
    """A warehouse of the demo city in `root` (dims, facts, marts) — the benchmark's starting point."""
    p = publish.data_paths(root)
    publish.build(p, publish.DEMO_DIR, user="性能测试")
    return p


def _days(d: dt.date) -> int:
    return (d - EPOCH).days


def _lookups(p: publish.Paths) -> dict:
    """Deputy in-office windows, handling units and township names from the current snapshot."""
    _, con = publish.open_snapshot(p)
    try:
        # Same definition as the in_office() macro: last day in office is status_date - 1 when not 在任.
        dep = con.sql(f"""
            SELECT * FROM (SELECT deputy_id, county_code,
              greatest(coalesce(elected_date, make_date(CAST(term_start_year AS INTEGER), 1, 1)), DATE '{FIRST_SUBMIT}') AS lo,
              least(make_date(CAST(coalesce(term_end_year, term_start_year + 5) AS INTEGER), 12, 31),
                    CASE WHEN status = '在任' THEN DATE '9999-12-31' ELSE status_date - 1 END, DATE '{LAST_SUBMIT}') AS hi
            FROM dim_deputy WHERE level = '县级' AND (status = '在任' OR status_date IS NOT NULL))
            WHERE hi >= lo ORDER BY deputy_id""").to_arrow_table()
        counties = [r[0] for r in con.execute(
            "SELECT county_code, county_name FROM dim_county ORDER BY county_code").fetchall()]
        names = dict(con.execute("SELECT county_code, county_name FROM dim_county").fetchall())
        units = con.execute("SELECT unit_id, county_code FROM dim_handling_unit ORDER BY county_code, unit_id").fetchall()
        towns = con.execute("SELECT county_code, list(township_name ORDER BY township_code)[1:3] "
                            "FROM dim_township GROUP BY county_code").fetchall()
    finally:
        con.close()
    return dict(dep=dep, counties=counties, names=names, units=units, towns=dict(towns))


def _group_pick(rng, group: np.ndarray, start: np.ndarray, size: np.ndarray) -> np.ndarray:
    """For each row, a uniform index into the slice [start[g], start[g] + size[g]) of its group g."""
    return start[group] + (rng.random(len(group)) * size[group]).astype(np.int64)


def _choice(rng, options, n: int) -> np.ndarray:
    values, probs = zip(*options)
    return rng.choice(len(values), n, p=np.array(probs) / sum(probs))


def _text(labels, idx: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    arr = pa.array(list(labels), pa.string()).take(pa.array(idx))
    return arr if valid is None else pc.if_else(pa.array(valid), arr, pa.nulls(len(arr), pa.string()))


def _yes_no(flag: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    return _text(("否", "是"), flag.astype(np.int8), valid)


def _num(values: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    return pa.array(values, mask=None if valid is None else ~valid).cast(pa.string())


def _date(days: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    return pa.array(days.astype(np.int32), pa.date32(), mask=None if valid is None else ~valid).cast(pa.string())


def _fixed(units: np.ndarray, scale: int, valid: np.ndarray | None = None) -> pa.Array:
    """Integer counts of 10^-scale as decimal text (e.g. 805 -> "80.5")."""
    whole = pa.array(units // 10 ** scale).cast(pa.string())
    frac = pc.utf8_lpad(pa.array(units % 10 ** scale).cast(pa.string()), scale, "0")
    out = pc.binary_join_element_wise(whole, frac, ".")
    return out if valid is None else pc.if_else(pa.array(valid), out, pa.nulls(len(out), pa.string()))


def generate_table(p: publish.Paths, n: int, seed: int = SEED) -> pa.Table:
    """n rows of fact_suggestion as an Arrow table of text cells under the registry's Chinese headers."""
    rng = np.random.default_rng(seed)
    lk = _lookups(p)
    counties = lk["counties"]
    cidx = {c: i for i, c in enumerate(counties)}
    dep = lk["dep"]
    dep_county = np.array([cidx[c] for c in dep.column("county_code").to_pylist()])
    lo = dep.column("lo").cast(pa.int32()).to_numpy()
    hi = dep.column("hi").cast(pa.int32()).to_numpy()

    # lead deputy -> county, submitted date inside the deputy's window
    d = rng.integers(0, len(dep), n)
    county = dep_county[d]
    submitted = lo[d] + (rng.random(n) * (hi[d] - lo[d] + 1)).astype(np.int64)
    recess = rng.random(n) < 0.15
    assigned = submitted + rng.integers(7, 43, n)
    year = assigned.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970

    # handling unit of the same county
    unit_ids = [u for u, _ in lk["units"]]
    unit_cty = np.array([cidx[c] for _, c in lk["units"]])
    u_start = np.searchsorted(unit_cty, np.arange(len(counties)))
    u_size = np.bincount(unit_cty, minlength=len(counties))
    unit = _group_pick(rng, county, u_start, u_size)

    # category and a title naming the county or one of its townships
    cats = list(catalog.TITLES)
    cat = rng.integers(0, len(cats), n)
    titles, t_start, t_size = [], [], []
    for c in counties:
        name = lk["names"][c]
        for k in cats:
            t_start.append(len(titles))
            for tpl in catalog.TITLES[k]:
                for town in lk["towns"].get(c, [name])[:2]:
                    titles.append(tpl.format(t=town, c=name, cc=name[:-1]))
            t_size.append(len(titles) - t_start[-1])
    title = _group_pick(rng, county * len(cats) + cat, np.array(t_start), np.array(t_size))

    # outcome: status -> reply -> class, satisfaction, second round
    status = _choice(rng, STATUS, n)
    replied = (status == 2) | (status == 3)
    replied_d = assigned + rng.integers(20, 91, n)
    sat = _choice(rng, SATISFACTION, n)
    sat_valid = replied | (rng.random(n) < 0.3)
    sat = np.where(replied, sat, 3)                          # not replied: 未反馈 or empty
    re_handled = replied & (sat == 2) & (rng.random(n) < 0.6)
    second_d = replied_d + rng.integers(10, 41, n)
    face = rng.random(n) < 0.7
    contact = np.where(face, rng.integers(1, 6, n), rng.integers(0, 3, n))
    key = rng.random(n) < 0.08
    funds_valid = replied & (rng.random(n) < 0.15)

    seq = pc.utf8_lpad(pa.array(np.arange(1, n + 1)).cast(pa.string()), 7, "0")
    sid = pc.binary_join_element_wise("BM", _text(counties, county), "-", pa.array(year).cast(pa.string()), "-", seq, "")
    none = pa.nulls(n, pa.string())
    cols = {
        "suggestion_id": sid,
        "year": pa.array(year).cast(pa.string()),
        "level": pa.array(np.full(n, "县级", dtype=object), pa.string()),
        "county_code": _text(counties, county),
        "township_code": none,
        "source_period": _text(("大会期间", "闭会期间"), recess.astype(np.int8)),
        "lead_deputy_id": dep.column("deputy_id").combine_chunks().take(pa.array(d)),
        "cosigner_count": _num(np.minimum(30, rng.geometric(0.3, n) - 1)),
        "title": _text(titles, title),
        "category": _text(cats, cat),
        "handling_unit_id": _text(unit_ids, unit),
        "co_unit_count": _num(rng.integers(0, 4, n)),
        "submitted_date": _date(submitted),
        "assigned_date": _date(assigned),
        "extension_approved": _yes_no(replied & (rng.random(n) < 0.05)),
        "status": _text([s for s, _ in STATUS], status),
        "replied_date": _date(replied_d, replied),
        "result_class": _text("ABCD", rng.integers(0, 4, n), replied),
        "face_to_face": _yes_no(face),
        "contact_count": _num(contact),
        "satisfaction": _text([s for s, _ in SATISFACTION], sat, sat_valid),
        "re_handled": _yes_no(re_handled, replied),
        "second_replied_date": _date(second_d, re_handled),
        "second_satisfaction": _text(("满意", "基本满意", "不满意"), rng.integers(0, 3, n), re_handled),
        "key_supervised": _yes_no(key),
        "supervising_leader": _text(catalog.LEADERS, rng.integers(0, len(catalog.LEADERS), n), key),
        "review_back": _yes_no(rng.random(n) < 0.05),
        "quality_score": _fixed(rng.integers(500, 991, n), 1, replied),
        "handling_score": _fixed(rng.integers(400, 991, n), 1, replied),
        "funds_10k": _fixed(rng.integers(1_000, 500_001, n), 2, funds_valid),
    }
    t = schema.BY_NAME[TABLE]
    return pa.table({c.header: cols[c.name] for c in t.columns if not c.derived_from})


def write_csv(table: pa.Table, path: Path) -> int:
    """UTF-8 with BOM, CRLF, quotes nowhere (no cell contains a comma, quote or newline). Returns bytes."""
    opts = pacsv.WriteOptions(eol="\r\n", quoting_style="none", quoting_header="none", batch_size=64 * 1024)
    with open(path, "wb") as f:
        f.write(BOM)
        pacsv.write_csv(table, f, opts)
    return path.stat().st_size


def generate(p: publish.Paths, n: int, path: Path, seed: int = SEED) -> int:
    """Generate n rows into `path`; returns the file size in bytes."""
    return write_csv(generate_table(p, n, seed), path)
