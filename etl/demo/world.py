"""Shared state of one generation run: seeded random streams, units, latent scores and in-office counts."""
from __future__ import annotations

import datetime as dt
import zlib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from etl.demo import spec


@dataclass
class World:
    seed: int
    counties: list[spec.County] = field(default_factory=lambda: list(spec.COUNTIES))
    units: pd.DataFrame | None = None        # dim_township rows (incl. a retired one) + helper columns
    deputies: pd.DataFrame | None = None     # dim_deputy rows + _start/_end
    rows: dict[str, list[dict]] = field(default_factory=dict)
    cache: dict = field(default_factory=dict)

    def rng(self, stream: str) -> np.random.Generator:
        """An independent generator per stream, so one module's draws never shift another's."""
        return np.random.default_rng([self.seed, zlib.crc32(stream.encode("utf-8"))])

    # --- units ---------------------------------------------------------------------------------
    def active(self, year: int, kinds=("乡", "民族乡", "镇", "街道")) -> list[str]:
        key = ("active", year, tuple(kinds))
        if key not in self.cache:     # units are fixed once geography has run; callers get their own list
            u = self.units
            m = (u.valid_from_year <= year) & (u.valid_to_year.isna() | (u.valid_to_year >= year)) & u.unit_type.isin(kinds)
            self.cache[key] = sorted(u.loc[m, "township_code"])
        return list(self.cache[key])

    def townships(self, year: int) -> list[str]:
        return self.active(year, ("乡", "民族乡", "镇"))

    def streets(self, year: int) -> list[str]:
        return self.active(year, ("街道",))

    def unit(self, code: str) -> dict:
        if "by_code" not in self.cache:
            self.cache["by_code"] = {r["township_code"]: r for r in self.units.to_dict("records")}
        return self.cache["by_code"][code]

    def scores(self, family: str, sd: float = 0.06, weight: float = 1.0) -> dict[int, dict[str, float]]:
        """Latent unit score per year: county capacity + improvement + fixed unit noise + family noise."""
        key = ("scores", family, sd, weight)
        if key not in self.cache:
            rng = self.rng("scores:" + family)
            u = self.units.sort_values("township_code")
            extra = dict(zip(u.township_code, rng.normal(0, sd, len(u))))
            out = {}
            for y in spec.YEARS:
                out[y] = {c: spec.county_score(cc, y) * weight + n + extra[c]
                          for c, cc, n in zip(u.township_code, u.county_code, u._noise)}
            self.cache[key] = out
        return self.cache[key]

    # --- deputies ------------------------------------------------------------------------------
    def roster(self, level: str, county: str, township: str | None = None):
        """(ids, start ordinals, end ordinals) of one body of deputies; in office on d: start <= d < end."""
        key = ("roster", level, county, township)
        if key not in self.cache:
            if "rosters" not in self.cache:
                self._index_rosters()
            ids = self.cache["rosters"].get(key[1:], [])
            start, end = self.cache["roster_dates"]
            self.cache[key] = (ids, np.array([start[i] for i in ids], dtype=int), np.array([end[i] for i in ids], dtype=int))
        return self.cache[key]

    def _index_rosters(self) -> None:
        """Sorted deputy ids per (level, county) and per (level, county, township), built in one pass."""
        d = self.deputies.sort_values("deputy_id")
        groups: dict[tuple, list[str]] = {}
        for i, lv, c, t in zip(d.deputy_id, d.level, d.county_code, d.township_code):
            groups.setdefault((lv, c, None), []).append(i)
            if t is not None and t == t:
                groups.setdefault((lv, c, t), []).append(i)
        self.cache["rosters"] = groups
        self.cache["roster_dates"] = (dict(zip(d.deputy_id, (x.toordinal() for x in d._start))),
                                      dict(zip(d.deputy_id, (x.toordinal() for x in d._end))))

    def office_ids(self, on: dt.date, level: str, county: str, township: str | None = None) -> list[str]:
        ids, start, end = self.roster(level, county, township)
        o = on.toordinal()
        return [ids[i] for i in np.flatnonzero((start <= o) & (end > o))]

    def office_count(self, on: dt.date, level: str, county: str, township: str | None = None) -> int:
        _, start, end = self.roster(level, county, township)
        o = on.toordinal()
        return int(((start <= o) & (end > o)).sum())
