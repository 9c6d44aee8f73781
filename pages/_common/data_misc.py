"""Queries of the 党委领导与保障, 民生实事票决, 口径说明 and 数据字典 pages (marts, dims, cfg; small filtered reads)."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from etl import dictionary, schema, templates
from pages._common import data
from pages._common.data import CACHE

# --- 党委领导与保障 ---------------------------------------------------------------------------------

PARTY_COLUMNS = """year, county_code, county_name, n_report, n_county_events, n_documents, n_township_reports,
    n_townships_reported, n_townships, term_year, deadline_year, meeting_date, meeting_title, meeting_doc_no,
    meeting_held, meeting_state, budget_reported, deputy_funds_in_budget, deputy_funds_10k, per_deputy_yuan,
    suggestion_fund_set, suggestion_fund_10k, township_npc_funds_10k, deputies_implied"""


@st.cache_data(**CACHE)
def party_counties(snap, year: int) -> pd.DataFrame:
    """mart_party: one row per county for a year (reports, 人大工作会议, budget)."""
    return data.query(snap, f"SELECT {PARTY_COLUMNS} FROM mart_party WHERE year = ? ORDER BY sort_order", (year,))


@st.cache_data(**CACHE)
def funds_series(snap, county: str | None = None) -> pd.DataFrame:
    """Budget amounts by year for the city (sum of counties) and, if chosen, one county."""
    return data.query(snap, """
        SELECT year, '市' AS level, (SELECT min(city_name) FROM dim_city) AS unit_name,
          sum(deputy_funds_10k) AS deputy_funds_10k, sum(suggestion_fund_10k) AS suggestion_fund_10k,
          sum(township_npc_funds_10k) AS township_npc_funds_10k,
          sum(deputy_funds_10k) FILTER (WHERE deputies_implied > 0) * 10000
            / nullif(sum(deputies_implied) FILTER (WHERE deputies_implied > 0), 0) AS per_deputy_yuan,
          count(*) FILTER (WHERE budget_reported) AS n_reported, count(*) AS n_units
        FROM mart_party GROUP BY year
        UNION ALL
        SELECT year, '县', county_name, deputy_funds_10k, suggestion_fund_10k, township_npc_funds_10k, per_deputy_yuan,
          budget_reported::INT, 1
        FROM mart_party WHERE county_code = ?
        ORDER BY level DESC, year""", (county,))


@st.cache_data(**CACHE)
def party_events(snap, year: int, county: str | None = None) -> pd.DataFrame:
    """Party-support events of a year: the county's (both levels) or, for the city, every 县委 event."""
    return data.query(snap, """
        SELECT e.event_date, c.county_name, e.level, t.township_name, e.event_type, e.title, e.doc_no
        FROM fact_party_support e JOIN dim_county c USING (county_code)
        LEFT JOIN dim_township t ON t.township_code = e.township_code
        WHERE coalesce(e.year, year(e.event_date)) = ?
          AND (CASE WHEN ? IS NULL THEN e.level = '县委' ELSE e.county_code = ? END)
        ORDER BY e.event_date, c.sort_order, e.event_id""", (year, county, county))


@st.cache_data(**CACHE)
def township_reports(snap, year: int, county: str) -> pd.DataFrame:
    """Reports heard by each township party committee of one county in a year (0 where none)."""
    return data.query(snap, """
        SELECT t.township_code, t.township_name, count(e.event_id) AS n_report
        FROM dim_township t
        LEFT JOIN fact_party_support e ON e.township_code = t.township_code AND e.level = '乡镇党委'
          AND e.event_type IN ('听取人大常委会党组工作汇报', '听取人大工作专题汇报')
          AND coalesce(e.year, year(e.event_date)) = ?
        WHERE t.county_code = ? AND t.unit_type <> '街道' AND t.valid_from_year <= ?
          AND (t.valid_to_year IS NULL OR t.valid_to_year >= ?)
        GROUP BY ALL ORDER BY t.township_code""", (year, county, year, year))


# --- 民生实事票决 -----------------------------------------------------------------------------------------

@st.cache_data(**CACHE)
def kpi_years(snap, code: str, level: str, county: str | None = None) -> pd.DataFrame:
    """One KPI for every unit of a level over all years (e.g. each township's 乡级票决, for a unit × year grid)."""
    return data.query(snap, f"SELECT {data.KPI_COLUMNS} FROM mart_kpi WHERE kpi_code = ? AND level = ? "
                            "AND (? IS NULL OR county_code = ?) ORDER BY unit_code, year", (code, level, county, county))


@st.cache_data(**CACHE)
def project_stages(snap, year: int, county: str | None = None) -> pd.DataFrame:
    """Projects by stage (selected / not selected) for the city or one county."""
    return data.query(snap, """SELECT stage, sum(n_projects)::INT AS n_projects, sum(n_selected)::INT AS n_selected,
          sum(budget_10k) AS budget_10k
        FROM mart_livelihood WHERE year = ? AND (? IS NULL OR county_code = ?) GROUP BY stage""", (year, county, county))


@st.cache_data(**CACHE)
def project_categories(snap, year: int, county: str | None = None) -> pd.DataFrame:
    """Selected projects by category: count and budget."""
    return data.query(snap, """SELECT category, sum(n_selected)::INT AS n_selected, sum(budget_selected_10k) AS budget_10k
        FROM mart_livelihood WHERE year = ? AND (? IS NULL OR county_code = ?) GROUP BY category
        HAVING sum(n_selected) > 0 ORDER BY budget_10k DESC""", (year, county, county))


@st.cache_data(**CACHE)
def rounds(snap, year: int, county: str | None = None) -> pd.DataFrame:
    """Votes of a year: the county's (county round + its townships') or, for the city, every 县级 round."""
    return data.query(snap, """
        SELECT r.unit_code, coalesce(t.township_name, c.county_name) AS unit_name, c.county_name, r.level,
          r.proposals_collected, r.candidates, r.to_select, r.deputies_present, r.deputies_total, r.vote_date
        FROM fact_livelihood_round r JOIN dim_county c ON c.county_code = left(r.unit_code, 6)
        LEFT JOIN dim_township t ON t.township_code = r.unit_code
        WHERE r.year = ? AND (CASE WHEN ? IS NULL THEN r.level = '县级' ELSE left(r.unit_code, 6) = ? END)
        ORDER BY r.level DESC, r.unit_code""", (year, county, county))


@st.cache_data(**CACHE)
def selected_projects(snap, year: int, county: str) -> pd.DataFrame:
    """Selected projects of one county and year (its county round and its townships' rounds)."""
    return data.query(snap, """
        SELECT p.unit_code, coalesce(t.township_name, c.county_name) AS unit_name, p.level, p.project_name, p.category,
          p.budget_10k, p.stage, p.completion_pct, p.satisfaction_pct, p.votes_for
        FROM fact_livelihood_project p JOIN dim_county c ON c.county_code = left(p.unit_code, 6)
        LEFT JOIN dim_township t ON t.township_code = p.unit_code
        WHERE p.year = ? AND left(p.unit_code, 6) = ? AND p.is_selected
        ORDER BY p.level DESC, p.unit_code, p.project_id""", (year, county))


# --- 口径说明 -------------------------------------------------------------------------------------------

@st.cache_data(**CACHE)
def cfg_kpi(snap) -> pd.DataFrame:
    """Current targets, floors and weights (administrators may have edited them)."""
    return data.query(snap, "SELECT kpi_code, target, floor, weight, dimension, provenance, source FROM cfg_kpi")


@st.cache_data(**CACHE)
def cfg_rule(snap) -> pd.DataFrame:
    return data.query(snap, "SELECT rule_code, value, unit, provenance, note FROM cfg_rule ORDER BY rule_code")


# --- 数据字典 (from the contract registry; no snapshot needed) ---------------------------------------------

@st.cache_data(max_entries=64, show_spinner=False)
def dictionary_frame() -> pd.DataFrame:
    return dictionary.dictionary_frame()


@st.cache_data(max_entries=64, show_spinner=False)
def rules_frame() -> pd.DataFrame:
    return dictionary.rules_frame()


@st.cache_data(max_entries=64, show_spinner=False)
def template_csv(table_name: str) -> bytes:
    return templates.template_csv(schema.BY_NAME[table_name])


@st.cache_data(max_entries=64, show_spinner=False)
def template_xlsx(table_name: str) -> bytes:
    return templates.template_xlsx(schema.BY_NAME[table_name])
