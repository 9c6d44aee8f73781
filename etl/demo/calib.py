"""Calibration helpers: exact pass counts chosen by latent score, nested over years.

Sets are returned as sorted lists (never iterate a Python set: string hashing differs between runs).
"""
from __future__ import annotations

import datetime as dt
import math

import numpy as np


def exact(rate: float, n: int) -> int:
    """round(rate × n), halves up, so the city rate is as close to the target as n allows."""
    return int(math.floor(rate * n + 0.5 + 1e-9))


def top(candidates, score: dict, k: int) -> list:
    """The k candidates with the highest score (ties by key)."""
    ranked = sorted(candidates, key=lambda c: (-score[c], c))
    return sorted(ranked[:max(k, 0)])


def grow(prev, candidates, score: dict, k: int) -> list:
    """k passing candidates: keep last year's passers (if still candidates), add the best of the rest."""
    cand = sorted(candidates)
    cand_set = set(cand)
    keep = [c for c in sorted(prev) if c in cand_set]
    if len(keep) >= k:
        return top(keep, score, k)
    kept = set(keep)
    rest = [c for c in cand if c not in kept]
    return sorted(keep + top(rest, score, k - len(keep)))


def nested_chain(items, rates_by_item: dict, years, candidates_by_year: dict, score_by_year: dict,
                 restrict: dict | None = None) -> dict:
    """Pass sets for a checklist whose items are nested (easiest first), growing over the years.

    Returns {(item, year): sorted list}. Item i+1 passers are drawn from item i passers, so "all items"
    equals the last item's set. `restrict[(item, year)]` optionally limits an item's candidates.
    """
    out, prev = {}, {it: [] for it in items}
    for y in years:
        pool = candidates_by_year[y]
        for it in items:
            cand = pool
            if restrict and (it, y) in restrict:
                allowed = set(restrict[(it, y)])
                cand = [c for c in pool if c in allowed]
            k = exact(rates_by_item[it][y], len(candidates_by_year[y]))
            out[(it, y)] = grow(prev[it], cand, score_by_year[y], min(k, len(cand)))
            prev[it] = out[(it, y)]
            pool = out[(it, y)]
    return out


def rand_date(rng: np.random.Generator, start: dt.date, end: dt.date) -> dt.date:
    """A uniform date in [start, end]."""
    days = (end - start).days
    return start + dt.timedelta(days=int(rng.integers(0, days + 1)) if days > 0 else 0)


def add_months(d: dt.date, months: int) -> dt.date:
    """Calendar months, clipped to month end (as DuckDB date + INTERVAL n MONTH)."""
    m = d.month - 1 + months
    y, m = d.year + m // 12, m % 12 + 1
    last = (dt.date(y + (m == 12), m % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(y, m, min(d.day, last))


def split_total(rng: np.random.Generator, total: float, n: int, decimals: int = 2) -> list[float]:
    """n positive amounts summing exactly to total (Dirichlet shares, rounded, remainder on the largest)."""
    if n == 0:
        return []
    w = rng.dirichlet(np.full(n, 1.5))
    unit = 10 ** decimals
    cents = np.floor(w * total * unit).astype(int)
    cents[int(np.argmax(cents))] += int(round(total * unit)) - int(cents.sum())
    return [float(c) / unit for c in cents]
