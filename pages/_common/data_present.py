"""Cached queries of the 汇报模式 page (pattern of data.py: keyed by the pinned Snapshot)."""
from __future__ import annotations

import streamlit as st

from etl.deck import Deck, build_deck
from pages._common.data import CACHE, Snapshot, _connection


@st.cache_data(**CACHE)
def deck(snap: Snapshot, year: int, county: str | None = None) -> Deck:
    """The meeting deck for a year and scope, built once per snapshot (Deck is plain frozen data)."""
    cur = _connection(snap).cursor()
    try:
        return build_deck(cur, year, county, snap.version)
    finally:
        cur.close()
