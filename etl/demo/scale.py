"""Scaled demo data (issue 6): a province or the whole nation, built from many synthetic cities.

Every synthetic city is the demo city's generator (same rules, calibration and checks) run with its own seed,
then renamed into its own code range:
  * top unit (the one dim_city row): province 990000 "清江省" (county codes 99CCxx) or nation 000000 "全国"
    (county codes PPCCxx); the contract rule is "a county code starts with the top unit's code without its
    trailing 00 pairs" (990100 → 9901, 990000 → 99, 000000 → any);
  * city i keeps the demo's 8 counties; codes 9901… become the city's 4-digit prefix; county names get the
    city's name in front so they stay unique; the last city is cut to the requested county count;
  * years: the demo covers one 5-year term (2021–2025). More years come from earlier terms: copy k is the same
    city (same geography seed) generated with other draws and moved back 5·k years, with its own deputy and
    station ids (suffix -16 for the 2016 term). Its deputies still in office leave (终止) on the first day of
    the next term, its stations close at the end of its term, and the newer term's stations open at its start,
    so no year counts two networks. The 镇改街道 of 2019 is dropped when earlier terms are generated.
Files are streamed city by city (header once), so memory stays at one city per worker process. The nation
reuses NATION_DISTINCT generated cities (each written out ≈11 times under its own codes and names): generating
all 356 would take hours on 2 cores; write_scale(distinct=…) changes it.
"""
from __future__ import annotations

import datetime as dt
import json
import math
import re
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from etl import schema
from etl.demo import DEFAULT_SEED, STEPS, _frame, names, points, spec, suggestions
from etl.demo.geography import RETIRED_IN
from etl.demo.world import World
from etl.demo.writer import csv_bytes

PER_CITY = len(spec.COUNTIES)                  # 8 counties per synthetic city
TERM = len(spec.YEARS)                         # 5 years per generated term
LAST_YEAR = spec.YEARS[-1]
MAX_YEARS = 10
TOWNSHIP_SUGGESTIONS = (10, 21)                # ≈15 乡级 suggestions per township-year at scale
SHARED_STREAMS = ("geography",)                # the same for every term of a city
GEO_ONLY = ("dim_county", "dim_township", "dim_handling_unit")   # taken from the newest term only
TOP_ONLY = ("dim_city", "cfg_points_rule")                       # one copy per deployment
CODE_COLS = ("city_code", "county_code", "township_code", "predecessor_codes", "deputy_id", "unit_id",
             "station_id", "event_id", "suggestion_id", "lead_deputy_id", "handling_unit_id", "project_id",
             "unit_code")
TERM_IDS = ("deputy_id", "lead_deputy_id", "station_id")          # get a term suffix in earlier terms
YEAR_IDS = ("event_id", "suggestion_id", "project_id")            # carry the year: -2021- → -2016-
CITY_PREFIX = re.compile(r"(?<!\d)9901")
PLACEHOLDER = "@@@@"                           # a city's code prefix inside a worker, before it is written out
PART_BYTES, PART_ROWS = 45 * 1024 * 1024, 1_900_000     # below the upload limits of etl/read.py
INFO_FILE = "scale_info.json"                  # sizes and timings, beside the CSVs (not an upload file)
NATION_DISTINCT = 32                           # the nation's 356 cities reuse 32 generated ones


@dataclass(frozen=True)
class Scale:
    name: str
    top_code: str
    top_name: str
    counties: int
    default_years: int
    township_suggestions: tuple[int, int] | None = TOWNSHIP_SUGGESTIONS   # None: the demo city's own rate


SCALES = {
    "city": Scale("city", spec.CITY_CODE, spec.CITY_NAME, PER_CITY, TERM, None),
    "province": Scale("province", "990000", "清江省", 120, MAX_YEARS),
    "nation": Scale("nation", "000000", "全国", 2844, MAX_YEARS),
}


@dataclass(frozen=True)
class City:
    index: int
    prefix: str        # 4 digits replacing 9901
    name: str          # short name put in front of county names ("" for the demo city itself)
    seed: int
    counties: int      # ≤ PER_CITY (the last city may be cut)
    sort_base: int
    township_suggestions: tuple[int, int] | None = None


def cities(scale: Scale, seed: int = DEFAULT_SEED, counties: int | None = None) -> list[City]:
    """The synthetic cities of a scale; `counties` overrides the scale's county count (tests use tiny ones)."""
    total = scale.counties if counties is None else counties
    n = math.ceil(total / PER_CITY)
    if scale.name == "city" and total == PER_CITY:
        return [City(0, "9901", "", seed, PER_CITY, 0, scale.township_suggestions)]
    heads = _city_names(n)
    out = []
    for i in range(n):
        if scale.name == "nation":
            prefix = f"{11 + i // 12:02d}{i % 12 + 1:02d}"     # province 11.., city 01–12
        else:
            prefix = f"99{i + 1:02d}"
        if len(prefix) != 4 or int(prefix) > 9999:
            raise ValueError(f"城市数 {n} 超出代码范围")
        out.append(City(i, prefix, heads[i], seed + 7919 * i, min(PER_CITY, total - PER_CITY * i), PER_CITY * i,
                        scale.township_suggestions))
    return out


def _city_names(n: int) -> list[str]:
    """Unique 2–3 character city names: 清川 first, then town heads, then the heads with a direction in front."""
    pool = ["清川"] + [h for h in names.TOWN_HEAD if h != "清川"]
    out = list(pool)
    for lead in "东西南北中新上下":
        out += [lead + h for h in pool]
    if n > len(out):
        raise ValueError(f"城市数 {n} 超过可用名称数 {len(out)}")
    return out[:n]


def expected_counts(scale: Scale, years: int | None = None, counties: int | None = None) -> dict[str, int]:
    """Planned size from the demo city's structure (without generating it): counties, townships, deputies
    in office per term, suggestions (approximate: the generator draws the counts)."""
    years = years or scale.default_years
    total = scale.counties if counties is None else counties
    units = _county_units()
    n_units = sum(units[i % PER_CITY][0] for i in range(total))
    n_towns = sum(units[i % PER_CITY][1] for i in range(total))
    county_sugg = sum(sum(spec.COUNTIES[i % PER_CITY].sugg) / 2 for i in range(total))
    lo, hi = scale.township_suggestions or suggestions.TOWNSHIP_PER_YEAR
    return {"counties": total, "townships": n_units, "townships_with_congress": n_towns,
            "suggestions": round(years * (county_sugg + n_towns * (lo + hi - 1) / 2))}


def _county_units() -> list[tuple[int, int]]:
    """(active 乡镇街道, of which 乡/镇) per demo county."""
    return [(c.xiang + c.zhen + c.jiedao, c.xiang + c.zhen) for c in spec.COUNTIES]


class _TermWorld(World):
    """A World whose geography stream is shared by all terms of one city."""

    def __init__(self, seed: int, geo_seed: int):
        super().__init__(seed)
        self.geo_seed = geo_seed

    def rng(self, stream: str):
        if stream in SHARED_STREAMS:
            return World(self.geo_seed).rng(stream)
        return super().rng(stream)


def _term_frames(city: City, k: int, terms: int) -> dict[str, pd.DataFrame]:
    world = _TermWorld(city.seed + 104729 * k, city.seed)
    if city.township_suggestions:
        world.cache["township_per_year"] = city.township_suggestions
    for step in STEPS:
        step.build(world)
    frames = {t.name: _frame(t, world.rows[t.name]) for t in schema.UPLOADABLE}
    if terms > 1:
        _drop_retirement(frames)
    if k:
        _move_back(frames, k)
    _stations_in_term(frames, k, terms)
    return frames


def _drop_retirement(frames) -> None:
    """Earlier terms would reference the 2019 street before it existed: keep it as always a street."""
    t = frames["dim_township"]
    retired = t.valid_to_year.notna()
    assert set(t.loc[retired, "county_code"]) <= {RETIRED_IN}
    succ = t.predecessor_codes.notna()
    t.loc[succ, "valid_from_year"] = 2005
    t.loc[succ, "predecessor_codes"] = None
    frames["dim_township"] = t[~retired].reset_index(drop=True)


def _shift_date(d, years: int):
    if d is None or (isinstance(d, float) and math.isnan(d)):
        return d
    try:
        return d.replace(year=d.year + years)
    except ValueError:          # 29 Feb
        return d.replace(year=d.year + years, day=28)


def _move_back(frames, k: int) -> None:
    """Term k (k ≥ 1): every year and date 5·k years earlier, term ids suffixed, deputies leave at term end."""
    dy = -TERM * k
    start = spec.TERM_START + dy
    suffix = f"-{start % 100:02d}"
    for table in schema.UPLOADABLE:
        f = frames[table.name]
        for col in table.columns:
            c = col.name
            if c not in f.columns:
                continue
            if col.kind == schema.DATE:
                f[c] = pd.Series([_shift_date(v, dy) for v in f[c]], dtype=object, index=f.index)
            elif col.kind == schema.INT and (c == "year" or c.endswith("_year")) and table.name != "dim_township":
                f[c] = pd.Series([None if v is None or v != v else int(v) + dy for v in f[c]], dtype=object,
                                 index=f.index)
            elif c in TERM_IDS:
                f[c] = pd.Series([None if v is None else v + suffix for v in f[c]], dtype=object, index=f.index)
            elif c in YEAR_IDS:
                f[c] = pd.Series([None if v is None else re.sub(r"-(20\d\d)-", lambda m: f"-{int(m[1]) + dy}-", v, 1)
                                  for v in f[c]], dtype=object, index=f.index)
    d = frames["dim_deputy"]
    still = d.status == "在任"
    d.loc[still, "status"] = "终止"
    d.loc[still, "status_date"] = dt.date(start + TERM, 1, 1)


def _stations_in_term(frames, k: int, terms: int) -> None:
    """Each term's station network covers only its own years (the oldest one keeps its earlier stations)."""
    s = frames["dim_liaison_station"]
    first, last = spec.TERM_START - TERM * k, LAST_YEAR - TERM * k
    if k < terms - 1:
        s["established_year"] = [max(int(v), first) for v in s.established_year]
    if k > 0:
        s["closed_year"] = [last if v is None or v != v or v > last else int(v) for v in s.closed_year]


def city_frames(city: City, years: int) -> dict[str, pd.DataFrame]:
    """All tables of one synthetic city for the last `years` years (renamed into the city's codes)."""
    frames = _recode(_generate(city, years), city.prefix)
    frames = _cut(frames, city.prefix, city.counties)
    frames["dim_county"] = _counties(frames["dim_county"], city)
    return frames


def _generate(city: City, years: int) -> dict[str, pd.DataFrame]:
    """The city's terms joined, cut to the last `years` years; codes still 9901…"""
    if not 1 <= years <= MAX_YEARS:
        raise ValueError(f"年数须在1–{MAX_YEARS}之间")
    terms = math.ceil(years / TERM)
    first_year = LAST_YEAR - years + 1
    parts = [_term_frames(city, k, terms) for k in range(terms)]
    out = {}
    for table in schema.UPLOADABLE:
        name = table.name
        if name in GEO_ONLY or name in TOP_ONLY:
            f = parts[0][name]
        else:
            f = pd.concat([p[name] for p in parts], ignore_index=True)
        if "year" in f.columns and table.kind == "fact":
            f = f[f.year >= first_year]
        out[name] = f.reset_index(drop=True)
    return out


def _recode(frames, prefix: str) -> dict[str, pd.DataFrame]:
    out = {}
    for name, f in frames.items():
        f = f.copy()
        for c in CODE_COLS:
            if c in f.columns and prefix != "9901":
                f[c] = pd.Series([v if v is None else CITY_PREFIX.sub(prefix, v) for v in f[c]], dtype=object,
                                 index=f.index)
        out[name] = f
    return out


def _cut(frames, prefix: str, counties: int) -> dict[str, pd.DataFrame]:
    """Only the first `counties` counties of the city (the last city of a scale may be short)."""
    if counties >= PER_CITY:
        return frames
    keep = {prefix + c.code[4:] for c in spec.COUNTIES[:counties]}
    out = {}
    for name, f in frames.items():
        county = _county_of(f)
        out[name] = f if county is None else f[county.isin(keep)].reset_index(drop=True)
    return out


def _counties(c: pd.DataFrame, city: City) -> pd.DataFrame:
    c = c.copy()
    if city.name:
        c["county_name"] = [city.name + v for v in c.county_name]
    c["sort_order"] = [city.sort_base + int(v) for v in c.sort_order]
    return c


def _county_of(f: pd.DataFrame) -> pd.Series | None:
    for col in ("county_code", "unit_code", "township_code"):
        if col in f.columns:
            return f[col].str.slice(0, 6)
    for col in ("deputy_id", "station_id"):
        if col in f.columns:
            return f[col].str.slice(1, 7)
    return None


def top_frames(scale: Scale) -> dict[str, pd.DataFrame]:
    """dim_city (the deployment's one top unit) and the shared points rules (as points.build writes them)."""
    rows = {"cfg_points_rule": points.rule_rows(),
            "dim_city": [{"city_code": scale.top_code, "city_name": scale.top_name}]}
    return {t.name: _frame(t, rows[t.name]) for t in schema.UPLOADABLE if t.name in TOP_ONLY}


def _bodies(frames) -> dict[str, bytes]:
    """CSV bytes without the header line, per city-level table."""
    out = {}
    for table in schema.UPLOADABLE:
        if table.name not in TOP_ONLY and table.name != "dim_county":
            out[table.name] = csv_bytes(table, frames[table.name]).split(b"\r\n", 1)[1]
    return out


def _pool_job(args) -> list[tuple[int, dict[str, bytes], dict[str, int], float]]:
    """Worker: generate one city once (codes as a placeholder), then write it out as each target city:
    the placeholder is replaced in the CSV bytes, so a reused city costs a byte copy, not a generation."""
    source, targets, years, top_code = args
    t0 = time.perf_counter()
    base = _recode(_generate(source, years), PLACEHOLDER)
    full = None
    out = []
    for city in targets:
        frames = _cut(base, PLACEHOLDER, city.counties)
        if frames is base:
            full = full or _bodies(base)
            bodies = full
        else:
            bodies = _bodies(frames)
        pre = city.prefix.encode()
        body = {name: data.replace(PLACEHOLDER.encode(), pre) for name, data in bodies.items()}
        county = _counties(frames["dim_county"], city)
        county["county_code"] = [v.replace(PLACEHOLDER, city.prefix) for v in county.county_code]
        county["city_code"] = top_code
        body["dim_county"] = csv_bytes(schema.BY_NAME["dim_county"], county).split(b"\r\n", 1)[1]
        rows = {name: len(frames[name]) for name in body}
        out.append((city.index, body, rows, time.perf_counter() - t0))
        t0 = time.perf_counter()
    return out


def write_scale(scale: Scale, out_dir, *, years: int | None = None, seed: int = DEFAULT_SEED,
                counties: int | None = None, distinct: int | None = None, workers: int = 2, progress=None) -> dict:
    """Write one CSV per uploadable table for the scale; returns rows per table and timings.
    `distinct`: how many different cities are generated; the others reuse them under their own codes and
    names (None = every city its own, as for the province; the nation default is NATION_DISTINCT)."""
    years = years or scale.default_years
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    plan = cities(scale, seed, counties)
    if distinct is None:
        distinct = NATION_DISTINCT if scale.name == "nation" else len(plan)
    distinct = max(1, min(distinct, len(plan)))
    for old in out.glob("*.csv"):
        old.unlink()
    top = top_frames(scale)
    parts = {t.name: _Parts(out, t.name, csv_bytes(t, top.get(t.name, _empty(t)))) for t in schema.UPLOADABLE}
    for name, frame in top.items():
        parts[name].write(csv_bytes(schema.BY_NAME[name], frame).split(b"\r\n", 1)[1], len(frame))
    jobs = [(plan[j], plan[j::distinct], years, scale.top_code) for j in range(distinct)]
    cpu, done = 0.0, 0
    try:
        for result in _run(jobs, workers):
            for _, body, n, sec in result:
                cpu += sec
                done += 1
                for name, data in body.items():
                    parts[name].write(data, n[name])
                if progress:
                    progress(done, len(plan))
    finally:
        for w in parts.values():
            w.close()
    info = {"scale": scale.name, "years": years, "cities": len(plan), "distinct_cities": distinct,
            "counties": parts["dim_county"].total_rows, "rows": {k: w.total_rows for k, w in parts.items()},
            "files": sum(len(w.paths) for w in parts.values()), "seconds": round(time.perf_counter() - t0, 2),
            "worker_seconds": round(cpu, 2), "workers": workers,
            "bytes": sum(p.stat().st_size for w in parts.values() for p in w.paths)}
    (out / INFO_FILE).write_text(json.dumps(info, ensure_ascii=False, indent=1), encoding="utf-8")
    return info


class _Parts:
    """One table's CSV, split into <table>.csv, <table>.002.csv … so that each file stays under the upload
    limits (etl/read.py Limits: 50 MB, 2,000,000 rows); every part starts with the header."""

    def __init__(self, out: Path, name: str, header_csv: bytes):
        self.out, self.name = out, name
        self.header = header_csv.split(b"\r\n", 1)[0] + b"\r\n"
        self.paths: list[Path] = []
        self.total_rows = 0
        self._f = None
        self._open()

    def _open(self) -> None:
        if self._f:
            self._f.close()
        n = len(self.paths) + 1
        path = self.out / (f"{self.name}.csv" if n == 1 else f"{self.name}.{n:03d}.csv")
        self._f = open(path, "wb")
        self._f.write(self.header)
        self.paths.append(path)
        self.size, self.rows = len(self.header), 0

    def write(self, body: bytes, rows: int) -> None:
        if self.rows and (self.size + len(body) > PART_BYTES or self.rows + rows > PART_ROWS):
            self._open()
        self._f.write(body)
        self.size += len(body)
        self.rows += rows
        self.total_rows += rows

    def close(self) -> None:
        self._f.close()


def _empty(table: schema.Table) -> pd.DataFrame:
    return pd.DataFrame({c.name: pd.Series([], dtype=object) for c in table.columns})


def _run(jobs, workers: int):
    if workers <= 1 or len(jobs) <= 1:
        yield from map(_pool_job, jobs)
        return
    import multiprocessing as mp
    with mp.get_context("forkserver").Pool(workers, maxtasksperchild=4) as pool:
        yield from pool.imap(_pool_job, jobs)
