"""Contract: meetings, stations, suggestions, 履职积分 and 民生实事票决 (data-model §2.3.5–§2.3.11)."""
from __future__ import annotations

from etl.contract_cfg import STATION_STANDARD
from etl.schema import (REPLACE, UPSERT, Rule, Table, boolean, code, county, date, decimal, enum, integer,
                        prefix_rule, text, township_type_rule, year)

W = "warning"
ID = dict(regex=r"^[A-Za-z0-9_-]{2,40}$", hint="2–40位字母、数字、下划线或短横线")
REPLIED = "t.replied_date IS NOT NULL"
# in_office(...) is a SQL macro created by the validator and the marts (see etl/sqlfuncs.py).
DEPUTY_OK = ("in_office(d.elected_date, d.term_start_year, d.term_end_year, d.status, d.status_date, {on})")
# Lookup aliases are unusual on purpose: {t} may be any row alias of the caller (t, s, x).
STATION_COUNTY = "(SELECT lk_st.county_code FROM {db}dim_liaison_station lk_st WHERE lk_st.station_id = {t}.station_id)"
DEPUTY_COUNTY = "(SELECT lk_dp.county_code FROM {db}dim_deputy lk_dp WHERE lk_dp.deputy_id = {t}.deputy_id)"
ROUND_KEY = "r.year = t.year AND r.level = t.level AND r.unit_code = t.unit_code"

MEETING = Table("fact_meeting", "会议与闭会期间活动", "fact", (
    code("event_id", "记录编号", required=True, **ID),
    enum("org_level", "组织层级", "org_level", required=True),
    county(),
    code("township_code", "乡镇街道代码", 9, fk="dim_township.township_code", note="组织层级不是县级时必填"),
    enum("event_type", "类型", "meeting_type", required=True, note="街道没有人代会和主席团会议"),
    enum("activity_form", "活动形式", "activity_form", note="闭会期间代表活动、代表小组活动必填"),
    text("session_label", "届次会次", 60, note="人代会必填，如 第十八届人民代表大会第三次会议"),
    boolean("is_election_session", "是否换届会议", note="仅人代会"),
    date("start_date", "开始日期", required=True),
    decimal("duration_days", "会期(天)", "DECIMAL(3,1)", 0.5, 7.0, step=0.5, unit="天", provenance="[S2]"),
    integer("deputies_expected", "应出席代表数", 1, 500),
    integer("deputies_present", "实出席代表数", 0, 500, provenance="[L S1]"),
    integer("participants", "参加人次", 0, 2000),
    text("topic", "主题", 200),
    year(required=False, derived_from="start_date"),
), key=("event_id",), mode=REPLACE, year_column="year", county_sql="{t}.county_code", order=40, rules=(
    prefix_rule(),
    Rule("missing_township", "township_code", "t.org_level <> '县级' AND t.township_code IS NULL",
         "组织层级为乡镇或街道时必须填写乡镇街道代码。"),
    Rule("street_congress", "event_type", "t.event_type IN ('人代会','主席团会议') AND t.org_level = '街道'",
         "街道没有乡级人民代表大会，不能填写人代会或主席团会议；街道人大工委的活动请填“闭会期间代表活动”。", provenance="[L]"),
    Rule("level_type_mismatch", "org_level",
         "t.org_level IN ('乡镇','街道') AND EXISTS (SELECT 1 FROM cur_dim_township d WHERE d.township_code = t.township_code "
         "AND (d.unit_type = '街道') <> (t.org_level = '街道'))",
         "组织层级与该单位类型不一致：乡、镇、民族乡填“乡镇”，街道填“街道”。"),
    Rule("missing_activity_form", "activity_form",
         "t.event_type IN ('闭会期间代表活动','代表小组活动') AND t.activity_form IS NULL", "代表活动必须填写活动形式。"),
    Rule("missing_session_label", "session_label", "t.event_type = '人代会' AND t.session_label IS NULL",
         "人代会必须填写届次会次，如“第十八届人民代表大会第三次会议”。"),
    Rule("short_session", "duration_days",
         "t.event_type = '人代会' AND NOT coalesce(t.is_election_session, FALSE) AND t.duration_days < cfg('min_session_days')",
         "人代会会期不足1天（半天会）；会期一般为1–2天。", W, "[S2]"),
    Rule("present_above_expected", "deputies_present", "t.deputies_present > t.deputies_expected",
         "实出席代表数不能大于应出席代表数。"),
    Rule("inquorate", "deputies_present",
         "t.event_type = '人代会' AND t.deputies_present < cfg('quorum_ratio') * t.deputies_expected",
         "出席代表不足应出席代表的三分之二，会议不足法定人数。", W, "[L S1]"),
    Rule("expected_vs_deputies", "deputies_expected",
         # equalities only (join keys): a county 人代会 matches the county's 县级 deputies, a township one its own
         # township's 乡级 deputies (an OR here joined every township meeting to the whole county)
         "t.event_type = '人代会' AND t.deputies_expected IS NOT NULL AND (SELECT count(*) FROM cur_dim_deputy d WHERE "
         "d.level = CASE WHEN t.org_level = '县级' THEN '县级' ELSE '乡级' END AND d.county_code = t.county_code AND "
         "CASE WHEN d.level = '县级' THEN '' ELSE d.township_code END = "
         "CASE WHEN t.org_level = '县级' THEN '' ELSE t.township_code END AND " + DEPUTY_OK.format(on="t.start_date") + ") "
         "NOT BETWEEN t.deputies_expected * (1 - cfg('attendance_deviation')) AND t.deputies_expected * (1 + cfg('attendance_deviation'))",
         "应出席代表数与代表名册中在任代表人数相差超过10%，请核对。", W, "[S4]"),
), description="人代会、主席团会议和闭会期间代表活动，一次一行。", mode_note="按“年度+县区”整体替换该年度该县区的全部记录。")

STATION_YEAR = Table("fact_station_year", "联络站年度运行", "fact", (
    year(), code("station_id", "站点编号", fk="dim_liaison_station.station_id", required=True, **ID),
    *(boolean(c, h, provenance="[E S25]") for c, h in STATION_STANDARD),
    integer("activity_count", "活动次数", 0, 400), integer("reception_sessions", "接待场次", 0, 400),
    integer("visitors_received", "接待群众人次", 0, 100000, "INTEGER"), integer("deputies_assigned", "入站代表人数", 0, 500),
    integer("deputy_visits", "进站履职代表人次", 0, 5000), integer("opinions_collected", "收集意见建议(条)", 0, None, "INTEGER"),
    integer("opinions_closed", "办结反馈(条)", 0, None, "INTEGER"), integer("legislative_opinions", "立法意见(条)", 0, None, "INTEGER"),
    text("method_tags", "工作法标签", 200, note="多个标签用;分隔，如 五单制;2+1", provenance="[P]"),
), key=("year", "station_id"), mode=REPLACE, year_column="year", county_sql=STATION_COUNTY, order=41, rules=(
    Rule("station_not_active", "station_id",
         "EXISTS (SELECT 1 FROM cur_dim_liaison_station s WHERE s.station_id = t.station_id AND "
         "(s.established_year > t.year OR s.closed_year < t.year))",
         "该站点在本年度尚未建成或已撤销，请核对站点的建成/撤销年份。"),
    Rule("activity_zero", "activity_count", "t.std_activity AND t.activity_count = 0", "“有活动”为“是”但活动次数为0。", W),
    Rule("closed_above_collected", "opinions_closed", "t.opinions_closed > t.opinions_collected",
         "办结反馈条数不能大于收集意见建议条数。"),
    Rule("legislative_not_contact_point", "legislative_opinions",
         "t.legislative_opinions > 0 AND EXISTS (SELECT 1 FROM cur_dim_liaison_station s WHERE s.station_id = t.station_id "
         "AND s.station_type <> '基层立法联系点')", "只有基层立法联系点填写立法意见条数，请核对站点类型。", W),
), description="每个站点每年的“七有”达标和运行情况。", mode_note="按“年度+县区”整体替换。")

SUGGESTION = Table("fact_suggestion", "代表建议", "fact", (
    code("suggestion_id", "建议编号", required=True, **ID),
    year(note="交办年度"), enum("level", "层级", "deputy_level", required=True), county(),
    code("township_code", "乡镇代码", 9, fk="dim_township.township_code", note="乡级建议必填"),
    enum("source_period", "提出时段", "source_period"),
    code("lead_deputy_id", "领衔代表", fk="dim_deputy.deputy_id", regex=r"^[A-Z0-9-]{4,20}$", hint="代表编号"),
    integer("cosigner_count", "附议代表数", 0, 100),
    text("title", "标题", 200, min_len=4, required=True),
    enum("category", "类别", "suggestion_category", required=True),
    code("handling_unit_id", "主办单位", fk="dim_handling_unit.unit_id", **ID),
    integer("co_unit_count", "协办单位数", 0, 20),
    date("submitted_date", "提出日期"), date("assigned_date", "交办日期"),
    boolean("extension_approved", "同意延期", note="答复期限：交办后3个月，同意延期为6个月", provenance="[L S12]"),
    enum("status", "办理状态", "suggestion_status", required=True),
    date("replied_date", "答复日期"), enum("result_class", "办理结果分类", "result_class", provenance="[S40 S41]"),
    boolean("face_to_face", "面商(见面)", provenance="[E S45]"), integer("contact_count", "沟通次数", 0, 20),
    enum("satisfaction", "满意度", "satisfaction"), boolean("re_handled", "再次办理"),
    date("second_replied_date", "再次答复日期"), enum("second_satisfaction", "再次满意度", "satisfaction"),
    boolean("key_supervised", "重点督办"), text("supervising_leader", "督办领导", 40, note="只填职务，如 常委会副主任"),
    boolean("review_back", "回头看", provenance="[P]"),
    decimal("quality_score", "建议质量评分", "DECIMAL(4,1)", 0, 100, provenance="[P] 双评价"),
    decimal("handling_score", "办理成效评分", "DECIMAL(4,1)", 0, 100, provenance="[P] 双评价"),
    decimal("funds_10k", "落实资金(万元)", "DECIMAL(12,2)", 0, unit="万元", provenance="[P]"),
), key=("suggestion_id",), mode=UPSERT, year_column="year", county_sql="{t}.county_code", order=42, rules=(
    prefix_rule(),
    Rule("missing_township", "township_code", "t.level = '乡级' AND t.township_code IS NULL", "乡级建议必须填写乡镇代码。"),
    township_type_rule(when="t.level = '乡级'", what="乡级建议"),
    Rule("year_mismatch", "year", "t.assigned_date IS NOT NULL AND year(t.assigned_date) <> t.year",
         "年度应为交办日期所在年份，请核对年度或交办日期。"),
    Rule("assigned_before_submitted", "assigned_date", "t.assigned_date < t.submitted_date", "交办日期不能早于提出日期。"),
    Rule("replied_before_assigned", "replied_date", "t.replied_date < t.assigned_date", "答复日期不能早于交办日期。"),
    Rule("missing_replied_date", "replied_date", "t.status IN ('已答复','已办结') AND t.replied_date IS NULL",
         "办理状态为已答复或已办结时必须填写答复日期。"),
    Rule("missing_result_class", "result_class", f"{REPLIED} AND t.result_class IS NULL",
         "已答复的建议必须填写办理结果分类（A/B/C/D）。"),
    Rule("satisfaction_before_reply", "satisfaction",
         "t.replied_date IS NULL AND t.satisfaction IS NOT NULL AND t.satisfaction <> '未反馈'",
         "建议尚未答复，满意度只能填“未反馈”或留空。"),
    Rule("second_before_first", "second_replied_date", "t.second_replied_date < t.replied_date", "再次答复日期不能早于答复日期。"),
    Rule("second_without_rehandling", "second_satisfaction",
         "t.second_satisfaction IS NOT NULL AND t.re_handled IS DISTINCT FROM TRUE", "只有“再次办理”为“是”时才能填写再次满意度。"),
    Rule("rehandling_missing", "re_handled", "t.satisfaction = '不满意' AND t.re_handled IS NULL",
         "首次答复不满意，应填写是否再次办理。", W, "[L S12]"),
    Rule("no_contact", "contact_count", "t.face_to_face AND t.contact_count = 0", "“面商(见面)”为“是”但沟通次数为0。", W),
    Rule("missing_leader", "supervising_leader", "t.key_supervised AND t.supervising_leader IS NULL",
         "重点督办建议必须填写督办领导（职务）。"),
    Rule("unit_other_county", "handling_unit_id", "EXISTS (SELECT 1 FROM cur_dim_handling_unit u WHERE "
         "u.unit_id = t.handling_unit_id AND u.county_code <> t.county_code)", "主办单位不属于本县区，请核对承办单位编号。"),
    Rule("deputy_level_mismatch", "lead_deputy_id", "EXISTS (SELECT 1 FROM cur_dim_deputy d WHERE "
         "d.deputy_id = t.lead_deputy_id AND d.level <> t.level)", "领衔代表的层级与建议层级不一致。"),
    Rule("deputy_other_county", "lead_deputy_id", "EXISTS (SELECT 1 FROM cur_dim_deputy d WHERE "
         "d.deputy_id = t.lead_deputy_id AND d.county_code <> t.county_code)", "领衔代表不属于本县区。"),
    Rule("deputy_not_in_office", "lead_deputy_id", "t.submitted_date IS NOT NULL AND EXISTS (SELECT 1 FROM cur_dim_deputy d "
         "WHERE d.deputy_id = t.lead_deputy_id AND NOT " + DEPUTY_OK.format(on="t.submitted_date") + ")",
         "提出日期时该代表不在任（尚未当选或已离任），请核对代表编号或提出日期。"),
), description="县乡两级人大代表建议，一件一行。", provenance="[L S12] [P]",
    mode_note="按建议编号更新或新增（只改动文件中出现的建议）。")

POINTS = Table("fact_deputy_points", "代表履职积分", "fact", (
    year(), code("deputy_id", "代表编号", fk="dim_deputy.deputy_id", regex=r"^[A-Z0-9-]{4,20}$", hint="代表编号", required=True),
    code("item_code", "事项代码", regex=r"^[A-Za-z0-9_-]{1,30}$", hint="积分规则中的事项代码", required=True),
    decimal("quantity", "数量", "DECIMAL(6,1)", 0, 999, step=0.5, required=True),
    decimal("points", "得分", "DECIMAL(6,1)", -999, 999), text("evidence", "来源", 200, note="签到表、履职档案编号"),
), key=("year", "deputy_id", "item_code"), mode=REPLACE, year_column="year", county_sql=DEPUTY_COUNTY, order=43,
    provenance="[E S59 S61 S62]", rules=(
    Rule("unknown_item", "item_code", "NOT EXISTS (SELECT 1 FROM cur_cfg_points_rule r WHERE r.item_code = t.item_code "
         "AND r.scheme_id = cfg_text('points_scheme'))", "事项代码不在当前履职积分方案中，请对照积分规则表填写。"),
    Rule("deputy_not_in_office", "deputy_id", "EXISTS (SELECT 1 FROM cur_dim_deputy d WHERE d.deputy_id = t.deputy_id AND NOT ("
         + DEPUTY_OK.format(on="make_date(t.year, 12, 31)") + " OR " + DEPUTY_OK.format(on="make_date(t.year, 1, 1)") + "))",
         "该代表在本年度不在任，不能记履职积分。"),
    # the rule's two values looked up by item only (least() skips a NULL 上限): a lookup that also read the row's
    # 数量/得分 made DuckDB group all 43 M national rows by them first
    Rule("points_mismatch", "points", "t.points IS NOT NULL AND abs(t.points - least(t.quantity * "
         "(SELECT r.points_per_unit FROM cur_cfg_points_rule r WHERE r.item_code = t.item_code AND r.scheme_id = "
         "cfg_text('points_scheme')), (SELECT r.max_points FROM cur_cfg_points_rule r WHERE r.item_code = t.item_code "
         "AND r.scheme_id = cfg_text('points_scheme')))) > 0.05",
         "得分与“数量×每单位分值”（封顶后）不一致，请核对。", W),
), description="每名代表每年每个积分事项的数量与得分。", mode_note="按“年度+县区”整体替换。")

ROUND = Table("fact_livelihood_round", "民生实事票决", "fact", (
    year(), enum("level", "层级", "livelihood_level", required=True),
    code("unit_code", "单位代码", regex=r"^\d{6}(\d{3})?$", hint="县级填6位县区代码，乡级填9位乡镇代码", required=True),
    integer("proposals_collected", "征集建议数", 0, None, "INTEGER"), integer("candidates", "候选项目数", 1, 50, required=True),
    integer("to_select", "应选项目数", 1, 50, required=True), integer("deputies_total", "代表总数", 1, 500, required=True),
    integer("deputies_present", "出席代表数", 0, 500, required=True), date("vote_date", "票决日期"),
), key=("year", "level", "unit_code"), mode=REPLACE, year_column="year", county_sql="left({t}.unit_code, 6)", order=44,
    provenance="[P] [E S69]", rules=(
    Rule("unknown_unit", "unit_code", "(t.level = '县级' AND t.unit_code NOT IN (SELECT county_code FROM cur_dim_county)) OR "
         "(t.level = '乡级' AND t.unit_code NOT IN (SELECT township_code FROM cur_dim_township))",
         "单位代码不存在：县级填6位县区代码，乡级填9位乡镇代码。"),
    township_type_rule("unit_code", when="t.level = '乡级'", what="乡级票决"),
    Rule("to_select_above_candidates", "to_select", "t.to_select > t.candidates", "应选项目数不能大于候选项目数。"),
    Rule("no_competition", "candidates", "t.candidates = t.to_select", "候选项目数等于应选项目数，未实行差额票决。", W, "[E S72]"),
    Rule("present_above_total", "deputies_present", "t.deputies_present > t.deputies_total", "出席代表数不能大于代表总数。"),
    Rule("inquorate", "deputies_present", "t.deputies_present < cfg('quorum_ratio') * t.deputies_total",
         "出席代表不足代表总数的三分之二。", W, "[L]"),
    Rule("year_mismatch", "year", "t.vote_date IS NOT NULL AND year(t.vote_date) <> t.year", "年度应为票决日期所在年份。"),
    Rule("no_congress", "vote_date", "t.vote_date IS NOT NULL AND NOT EXISTS (SELECT 1 FROM cur_fact_meeting m WHERE "
         "m.event_type = '人代会' AND m.county_code = left(t.unit_code, 6) AND (t.level = '县级' AND m.org_level = '县级' OR "
         "m.township_code = t.unit_code) AND t.vote_date BETWEEN m.start_date AND m.start_date + CAST(ceil(coalesce(m.duration_days, 1)) AS INTEGER))",
         "票决日期没有对应的人代会记录，请核对日期或先上传会议记录。", W),
), description="县乡两级民生实事项目代表票决，一次票决一行。", mode_note="按“年度+县区”整体替换。")

PROJECT = Table("fact_livelihood_project", "民生实事项目", "fact", (
    code("project_id", "项目编号", required=True, **ID), year(), enum("level", "层级", "livelihood_level", required=True),
    code("unit_code", "单位代码", regex=r"^\d{6}(\d{3})?$", hint="6位县区代码或9位乡镇代码", required=True),
    text("project_name", "项目名称", 100, required=True), enum("category", "类别", "project_category"),
    integer("votes_for", "赞成票", 0, 500), boolean("is_selected", "是否当选"),
    decimal("budget_10k", "预算(万元)", "DECIMAL(12,2)", 0, unit="万元"), enum("stage", "当前阶段", "project_stage", provenance="[S68]"),
    decimal("completion_pct", "完成进度(%)", "DECIMAL(5,1)", 0, 100, percent=True, unit="%"),
    decimal("satisfaction_pct", "满意度测评(%)", "DECIMAL(5,1)", 0, 100, percent=True, unit="%", provenance="[S77]"),
), key=("project_id",), mode=REPLACE, year_column="year", county_sql="left({t}.unit_code, 6)", order=45, rules=(
    Rule("unknown_round", "unit_code", f"NOT EXISTS (SELECT 1 FROM cur_fact_livelihood_round r WHERE {ROUND_KEY})",
         "找不到对应的票决记录（年度+层级+单位代码），请先上传“民生实事票决”。"),
    Rule("votes_above_present", "votes_for", f"t.votes_for > (SELECT r.deputies_present FROM cur_fact_livelihood_round r WHERE {ROUND_KEY})",
         "赞成票不能多于出席代表数。"),
    Rule("selected_count", "is_selected", "t.project_id = (SELECT min(p.project_id) FROM cur_fact_livelihood_project p WHERE "
         "p.year = t.year AND p.level = t.level AND p.unit_code = t.unit_code) AND (SELECT count(*) FILTER (WHERE p.is_selected) "
         "FROM cur_fact_livelihood_project p WHERE p.year = t.year AND p.level = t.level AND p.unit_code = t.unit_code) <> "
         f"(SELECT r.to_select FROM cur_fact_livelihood_round r WHERE {ROUND_KEY})", "当选项目个数与应选项目数不一致。", W),
    Rule("below_pass_line", "votes_for", f"t.is_selected AND t.votes_for <= cfg('vote_pass_ratio') * (SELECT r.deputies_total "
         f"FROM cur_fact_livelihood_round r WHERE {ROUND_KEY})", "当选项目的赞成票未超过代表总数的一半。", W, "[A]"),
    Rule("unselected_beyond_vote", "stage", "t.stage IN ('实施','监督','评估') AND t.is_selected IS DISTINCT FROM TRUE",
         "未当选的项目不能进入实施、监督或评估阶段。"),
    Rule("completion_unselected", "completion_pct", "t.completion_pct IS NOT NULL AND t.is_selected IS DISTINCT FROM TRUE",
         "只有当选项目填写完成进度。"),
    Rule("satisfaction_before_evaluation", "satisfaction_pct", "t.satisfaction_pct IS NOT NULL AND t.stage IS DISTINCT FROM '评估'",
         "只有进入“评估”阶段的项目填写满意度测评。"),
), description="票决的候选与当选项目，一项一行。", mode_note="按“年度+县区”整体替换。")

TABLES = (MEETING, STATION_YEAR, SUGGESTION, POINTS, ROUND, PROJECT)
