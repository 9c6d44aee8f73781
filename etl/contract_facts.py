"""Contract: yearly snapshot facts — county bodies, 六有, staffing, budget, party support (data-model §2.3)."""
from __future__ import annotations

from etl.schema import (REPLACE, Rule, Table, active_township_rule, boolean, code, county, date, decimal,
                        enum, integer, prefix_rule, text, township, township_county_sql, year)

W = "warning"
BY_COUNTY = "{t}.county_code"
BIRTH_HI = "按年度推算年龄不足{age}岁，请核对出生年份。"


def _birth_ceiling(col: str, age: int) -> Rule:
    return Rule("birth_year_too_late", col, f"t.{col} > t.year - {age}", BIRTH_HI.format(age=age))


LIUYOU_ITEMS = (("has_organization", "有机构"), ("has_venue", "有场地"), ("has_staff", "有人员"),
                ("has_rules", "有制度"), ("has_equipment", "有设备"), ("has_funding", "有经费"))
ALL_SIX = " AND ".join(f"t.{c}" for c, _ in LIUYOU_ITEMS)

TABLES = (
    Table("fact_county_leadership", "县级人大常委会组成", "fact", (
        year(), county(),
        integer("members_total", "常委会组成人员数", 10, 40, required=True, provenance="[S8]"),
        integer("fulltime_members", "专职组成人员数", 0, 40, provenance="[E S21]"),
        boolean("director_separate", "主任单列", provenance="[P]", note="主任不由县委书记兼任时填“是”"),
        integer("director_birth_year", "主任出生年份", 1950, 2005),
        integer("special_committee_count", "专门委员会数", 0, 10),
    ), key=("year", "county_code"), mode=REPLACE, year_column="year", county_sql=BY_COUNTY, order=30, rules=(
        Rule("above_total", "fulltime_members", "t.fulltime_members > t.members_total",
             "专职组成人员数不能大于常委会组成人员数。"),
        Rule("unusual_size", "members_total",
             "t.members_total < 15 OR (t.members_total > 27 AND NOT (t.members_total <= 35 AND EXISTS ("
             "SELECT 1 FROM cur_dim_county c WHERE c.county_code = t.county_code AND c.population_10k > 100)))",
             "常委会组成人员数不在15–27人（人口超过100万的县可至35人）的常见范围内，请核对。", W, "[S8]"),
        _birth_ceiling("director_birth_year", 30),
        Rule("committee_count_mismatch", "special_committee_count",
             "EXISTS (SELECT 1 FROM cur_fact_county_body b WHERE b.year = t.year AND b.county_code = t.county_code) AND "
             "t.special_committee_count <> (SELECT count(*) FROM cur_fact_county_body b WHERE b.year = t.year "
             "AND b.county_code = t.county_code AND b.body_type = '专门委员会')",
             "专门委员会数与“县人大常委会机构与人员”表中本年度的专门委员会个数不一致，请核对。", W),
    ), description="每年12月31日县级人大常委会组成情况。", mode_note="按“年度+县区”整体替换。"),

    Table("fact_county_body", "县人大常委会机构与人员", "fact", (
        year(), county(),
        text("body_name", "机构名称", 40, required=True, note="从机构名称清单中选择，或写“其他:名称”"),
        enum("body_type", "机构类型", "body_type", required=True, provenance="[S10]"),
        integer("authorized_posts", "核定编制数", 0, 50),
        integer("staff_count", "实有工作人员数", 0, 50, required=True, provenance="[P]",
                note="12月31日在岗人数，含负责人，不含兼职委员；一人在两个机构只计入主要机构"),
        boolean("head_fulltime", "负责人是否专职"),
        integer("head_birth_year", "负责人出生年份", 1955, 2013, note="负责人空缺时不填"),
        text("shares_staff_with", "合署/共用人员对象", 40, note="填写后本行不计入“1人委/2人委”分母"),
        integer("established_year", "设立年份", 1979, 2035),
    ), key=("year", "county_code", "body_name"), mode=REPLACE, year_column="year", county_sql=BY_COUNTY, order=31, rules=(
        Rule("not_in_enum", "body_name",
             "t.body_name NOT IN (SELECT value FROM cur_cfg_enum WHERE domain = 'body_name') "
             "AND NOT regexp_matches(t.body_name, '^其他[:：].+')",
             "机构名称不在清单中：请从清单选择（如 代表工作委员会），或写成“其他:机构名称”。"),
        Rule("type_name_mismatch", "body_type",
             "(t.body_name LIKE '%室' AND t.body_type <> '办事机构') OR "
             "(t.body_name LIKE '%工作委员会' AND t.body_type <> '工作委员会')",
             "机构名称与机构类型不一致（如“…室”应为办事机构、“…工作委员会”应为工作委员会），请核对。", W, "[S10]"),
        _birth_ceiling("head_birth_year", 22),
        Rule("head_age", "head_birth_year",
             "t.year - t.head_birth_year > cfg('head_age_warn_max') OR t.year - t.head_birth_year < cfg('head_age_warn_min')",
             "负责人年龄超过60岁或低于25岁，请核对出生年份。", W),
        Rule("unknown_shared_body", "shares_staff_with",
             "t.shares_staff_with IS NOT NULL AND (t.shares_staff_with = t.body_name OR NOT EXISTS (SELECT 1 FROM "
             "cur_fact_county_body b WHERE b.year = t.year AND b.county_code = t.county_code AND b.body_name = t.shares_staff_with))",
             "“合署/共用人员对象”必须是本县区本年度的另一个机构名称，请核对。"),
        Rule("head_without_staff", "staff_count", "t.staff_count = 0 AND t.head_birth_year IS NOT NULL",
             "填写了负责人出生年份但实有工作人员数为0：负责人应计入实有人员，请更正。"),
        Rule("small_body", "staff_count",
             "t.shares_staff_with IS NULL AND t.staff_count <= cfg('small_body_max_staff')",
             "该机构实有工作人员不超过2人，属于“1人委/2人委”。", W, "[P]"),
    ), description="每年12月31日县人大常委会各机构及人员，一个机构一行。", mode_note="按“年度+县区”整体替换。"),

    Table("fact_township_liuyou", "乡镇人大“六有”达标", "fact", (
        year(), township(),
        *(boolean(c, h, required=True, provenance="[P]") for c, h in LIUYOU_ITEMS),
        decimal("venue_area_m2", "场地面积(㎡)", "DECIMAL(7,1)", 0, 2000, unit="㎡"),
        integer("rules_count", "制度数量", 0, 50),
        decimal("funding_10k", "年度人大工作经费(万元)", "DECIMAL(10,2)", 0, 500, unit="万元"),
        text("equipment_note", "主要设备", 200),
        text("evidence", "佐证材料", 500, note="文件名、链接或台账编号"),
        text("assessed_by", "认定单位", 60),
        date("assessed_date", "认定日期", note="本年度内或次年3月31日前"),
    ), key=("year", "township_code"), mode=REPLACE, year_column="year", county_sql=township_county_sql(), order=32,
        provenance="[P]", rules=(
        active_township_rule(),
        Rule("funding_zero", "funding_10k", "t.has_funding AND coalesce(t.funding_10k, 0) = 0",
             "“有经费”为“是”时，年度人大工作经费必须大于0，请填写金额或把“有经费”改为“否”。"),
        Rule("venue_area_missing", "venue_area_m2", "t.has_venue AND t.venue_area_m2 IS NULL",
             "“有场地”为“是”但未填写场地面积。", W),
        Rule("few_rules", "rules_count", "t.has_rules AND t.rules_count < cfg('liuyou_min_rules')",
             "“有制度”为“是”但制度数量少于5项。", W, "[A]"),
        Rule("evidence_missing", "evidence", f"{ALL_SIX} AND t.evidence IS NULL",
             "六项全部达标但未填写佐证材料。", W),
        Rule("assessed_out_of_window", "assessed_date",
             "t.assessed_date < make_date(t.year, 1, 1) OR t.assessed_date > make_date(t.year + 1, 3, 31)",
             "认定日期应在本年度内或次年3月31日前。"),
        Rule("staff_mismatch", "has_staff",
             "t.has_staff AND EXISTS (SELECT 1 FROM cur_fact_township_staffing s WHERE s.year = t.year AND "
             "s.township_code = t.township_code AND NOT (s.chair_status = '专职' AND s.fulltime_staff >= 1))",
             "“有人员”为“是”，但人员表显示没有专职主席（工委主任）或没有专职工作人员。", W),
    ), description="每年12月31日各乡镇街道“六有”六项达标情况（定义见口径说明）。", mode_note="按“年度+县区”整体替换。"),

    Table("fact_township_staffing", "乡镇人大/街道人大工委人员", "fact", (
        year(), township(),
        enum("chair_status", "主席(工委主任)配备情况", "chair_status", required=True, provenance="[P]",
             note="专职即“单列”"),
        integer("chair_birth_year", "主席出生年份", 1955, 2013, note="空缺时不填"),
        integer("fulltime_vice_chairs", "专职副主席(副主任)数", 0, 3),
        integer("fulltime_staff", "专职工作人员数", 0, 10, note="不含主席、副主席"),
        integer("parttime_staff", "兼职工作人员数", 0, 10),
        boolean("has_office", "单设人大办公室", provenance="[S18]"),
    ), key=("year", "township_code"), mode=REPLACE, year_column="year", county_sql=township_county_sql(), order=33, rules=(
        active_township_rule(),
        Rule("vacant_with_birth_year", "chair_birth_year", "t.chair_status = '空缺' AND t.chair_birth_year IS NOT NULL",
             "主席（工委主任）空缺时不应填写出生年份。"),
        _birth_ceiling("chair_birth_year", 22),
        Rule("no_vice_chair", "fulltime_vice_chairs",
             "coalesce(t.fulltime_vice_chairs, 0) = 0 AND EXISTS (SELECT 1 FROM cur_dim_township d WHERE "
             "d.township_code = t.township_code AND d.unit_type <> '街道' AND list_contains(string_split(cfg_text('vice_chair_categories'), ';'), d.category))",
             "一、二类乡镇未配备专职副主席。", W, "[P 攸县]"),
        Rule("street_chair_not_fulltime", "chair_status",
             "t.chair_status <> '专职' AND EXISTS (SELECT 1 FROM cur_dim_township d WHERE d.township_code = t.township_code AND d.unit_type = '街道')",
             "街道人大工委主任不是专职。", W, "[P 攸县]"),
        Rule("street_no_staff", "fulltime_staff",
             "coalesce(t.fulltime_staff, 0) < 1 AND EXISTS (SELECT 1 FROM cur_dim_township d WHERE d.township_code = t.township_code AND d.unit_type = '街道')",
             "街道人大工委没有专职工作人员。", W, "[P 大方]"),
    ), description="每年12月31日乡镇人大主席团、街道人大工委人员配备。", mode_note="按“年度+县区”整体替换。"),

    Table("fact_budget", "经费保障", "fact", (
        year(), county(),
        boolean("deputy_funds_in_budget", "代表活动经费列入预算", provenance="[L S14]"),
        decimal("deputy_funds_10k", "代表活动经费(万元)", "DECIMAL(10,2)", 0, unit="万元"),
        decimal("per_deputy_yuan", "人均代表活动经费(元/人·年)", "DECIMAL(8,0)", 0, 20000, unit="元"),
        boolean("suggestion_fund_set", "设立建议办理专项资金", provenance="[P]"),
        decimal("suggestion_fund_10k", "建议办理专项资金(万元)", "DECIMAL(10,2)", 0, unit="万元"),
        decimal("township_npc_funds_10k", "乡镇人大工作经费合计(万元)", "DECIMAL(10,2)", 0, unit="万元"),
    ), key=("year", "county_code"), mode=REPLACE, year_column="year", county_sql=BY_COUNTY, order=34, rules=(
        Rule("funds_zero", "deputy_funds_10k", "t.deputy_funds_in_budget AND coalesce(t.deputy_funds_10k, 0) = 0",
             "“代表活动经费列入预算”为“是”时，代表活动经费必须大于0。"),
        Rule("fund_mismatch", "suggestion_fund_10k",
             "t.suggestion_fund_10k > 0 AND abs(t.suggestion_fund_10k - coalesce((SELECT sum(s.funds_10k) FROM cur_fact_suggestion s "
             "WHERE s.year = t.year AND s.county_code = t.county_code AND s.level = '县级'), 0)) > cfg('suggestion_fund_tolerance') * t.suggestion_fund_10k",
             "建议办理专项资金与本年度县级建议“落实资金”合计相差超过20%，请核对。", W, "[P]"),
    ), description="每个县区每年的代表活动经费与建议办理专项资金。", mode_note="按“年度+县区”整体替换。"),

    Table("fact_party_support", "党委领导与支持", "fact", (
        code("event_id", "记录编号", regex=r"^[A-Za-z0-9_-]{2,30}$", hint="2–30位字母、数字、下划线或短横线", required=True),
        enum("level", "层级", "party_level", required=True),
        county(),
        code("township_code", "乡镇代码", 9, fk="dim_township.township_code", note="乡镇党委必填"),
        enum("event_type", "事项类型", "party_event_type", required=True, provenance="[P]"),
        date("event_date", "日期", required=True),
        text("title", "题目", 200, required=True),
        text("doc_no", "文号", 60, note="出台文件时必填"),
        year(required=False, derived_from="event_date"),
    ), key=("event_id",), mode=REPLACE, year_column="year", county_sql=BY_COUNTY, order=35, rules=(
        prefix_rule(),
        Rule("missing_township", "township_code", "t.level = '乡镇党委' AND t.township_code IS NULL",
             "层级为乡镇党委时必须填写乡镇代码。"),
        Rule("missing_doc_no", "doc_no", "t.event_type = '出台加强人大工作文件' AND t.doc_no IS NULL",
             "出台加强人大工作文件时必须填写文号。"),
    ), description="县委、乡镇党委听取汇报、召开人大工作会议、出台文件等，一事一行。",
        mode_note="按“年度+县区”整体替换该年度该县区的全部记录。"),
)
