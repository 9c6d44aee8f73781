"""Contract: dimension tables (data-model.md §2.2)."""
from __future__ import annotations

from etl.schema import (UPSERT, Rule, Table, boolean, code, county, date, decimal, enum, integer,
                        prefix_rule, text, township, township_type_rule)

ID_RE, ID_HINT = r"^[A-Za-z0-9_-]{2,30}$", "2–30位字母、数字、下划线或短横线"

TABLES = (
    Table("dim_city", "市", "dim", (
        code("city_code", "市代码", 6, required=True),
        text("city_name", "市名称", 20, min_len=2, required=True),
    ), key=("city_code",), order=10, rules=(
        Rule("more_than_one_city", "city_code", "(SELECT count(*) FROM cur_dim_city) > 1",
             "一个部署只能有一个市：请只保留本市一行，或联系管理员。"),
    ), description="本部署所属的市，只有一行。", mode_note="按市代码更新。"),

    Table("dim_county", "县/区", "dim", (
        code("county_code", "县区代码", 6, required=True, note="同行政区划代码"),
        text("county_name", "县区名称", 20, min_len=2, required=True),
        enum("county_type", "县区类型", "county_type", required=True),
        code("city_code", "所属市", 6, fk="dim_city.city_code", required=True),
        decimal("population_10k", "常住人口(万人)", "DECIMAL(8,2)", 1, 300, required=True, unit="万人"),
        integer("sort_order", "显示顺序", 1, 9999, required=True, note="省级、全国部署的县区多于99个"),
        boolean("is_demo", "演示数据", note="演示数据在界面上显示“演示数据”水印"),
    ), key=("county_code",), order=11, rules=(
        # The top unit may be a city (990100 → 9901), a province (990000 → 99) or the nation (000000).
        Rule("code_prefix_mismatch", "county_code",
             "t.city_code IS NOT NULL AND NOT starts_with(t.county_code, regexp_replace(t.city_code, '(00)+$', ''))",
             "县区代码必须以所属市代码去掉末尾“00”后的数字开头（市代码990100→县区9901xx），请核对代码。"),
        Rule("duplicate_name", "county_name", "EXISTS (SELECT 1 FROM cur_dim_county c WHERE "
             "c.county_name = t.county_name AND c.county_code <> t.county_code)",
             "县区名称与另一个县区重复，名称必须唯一。"),
        Rule("duplicate_sort_order", "sort_order", "EXISTS (SELECT 1 FROM cur_dim_county c WHERE "
             "c.sort_order = t.sort_order AND c.county_code <> t.county_code)",
             "显示顺序与另一个县区重复，请为每个县区填写不同的序号。"),
    ), description="市辖的县、区、县级市。", mode_note="按县区代码更新或新增，不删除其他县区。"),

    Table("dim_township", "乡/镇/街道", "dim", (
        township(),
        text("township_name", "名称", 20, min_len=2, required=True),
        county("所属县区"),
        enum("unit_type", "类型", "unit_type", required=True,
             note="只有乡/民族乡/镇设乡级人大（人代会、主席团）；街道设人大工委"),
        enum("category", "类别", "township_category", note="乡/镇/民族乡必填（一/二类须配专职副主席）", provenance="[P]"),
        decimal("population_10k", "常住人口(万人)", "DECIMAL(6,2)", 0, 999, warn_min=0.05, warn_max=30, unit="万人"),
        integer("village_count", "村(社区)数", 0, 200),
        integer("valid_from_year", "生效年份", 1949, 2035, required=True),
        integer("valid_to_year", "失效年份", 1949, 2035, note="撤乡并镇、乡改镇、镇改街道时填写"),
        text("predecessor_codes", "前身代码", 500, note="多个代码用英文分号;分隔，每个都须存在"),
    ), key=("township_code",), order=12, rules=(
        prefix_rule(),
        Rule("duplicate_name", "township_name", "EXISTS (SELECT 1 FROM cur_dim_township d WHERE "
             "d.township_name = t.township_name AND d.county_code = t.county_code AND d.township_code <> t.township_code "
             "AND (d.valid_to_year IS NULL OR t.valid_to_year IS NULL OR (d.valid_to_year >= t.valid_from_year "
             "AND t.valid_to_year >= d.valid_from_year)))",
             "同一县区内乡镇街道名称重复，名称在县区内必须唯一。"),
        Rule("missing_category", "category", "t.category IS NULL AND t.unit_type IN ('乡','民族乡','镇')",
             "乡、民族乡、镇必须填写类别（一类/二类/三类）。", provenance="[P]"),
        Rule("end_before_start", "valid_to_year", "t.valid_to_year < t.valid_from_year",
             "失效年份不能早于生效年份。"),
        Rule("unknown_predecessor", "predecessor_codes",
             "t.predecessor_codes IS NOT NULL AND EXISTS (SELECT 1 FROM unnest(string_split(t.predecessor_codes, ';')) "
             "AS p(c) WHERE trim(p.c) <> '' AND trim(p.c) NOT IN (SELECT township_code FROM cur_dim_township))",
             "前身代码中有不存在的乡镇街道代码，请先上传前身单位或更正代码（多个代码用;分隔）。"),
    ), description="乡、民族乡、镇和街道；按年份生效/失效处理撤并和改设。", mode_note="按乡镇街道代码更新或新增。"),

    Table("dim_deputy", "人大代表", "dim", (
        code("deputy_id", "代表编号", regex=r"^[A-Z0-9-]{4,20}$", hint="4–20位大写字母、数字或短横线", required=True),
        text("name", "姓名", 20, note="可为化名；不要上传身份证号、电话、住址"),
        enum("level", "层级", "deputy_level", required=True),
        text("term_label", "届次", 20, required=True, note="如 第十八届"),
        integer("term_start_year", "任期起年", 2016, 2035, required=True),
        integer("term_end_year", "任期止年", 2016, 2040),
        county("所属县区"),
        code("township_code", "选区所在乡镇街道", 9, fk="dim_township.township_code", note="乡级代表必填"),
        enum("gender", "性别", "gender"),
        integer("birth_year", "出生年份", 1935, 2017),
        boolean("is_reelected", "是否连任"),
        enum("occupation_group", "职业构成", "occupation_group"),
        boolean("has_duty_archive", "已建履职档案", provenance="[P]", note="一代表一档案"),
        date("archive_date", "建档日期", note="已建档时填写，用于按年度统计建档率"),
        date("elected_date", "当选日期", note="补选代表填写；空则按任期起年1月1日计"),
        enum("status", "状态", "deputy_status", required=True),
        date("status_date", "状态变更日期", note="状态不是“在任”时必填"),
    ), key=("deputy_id",), order=13, rules=(
        prefix_rule(),
        Rule("missing_township", "township_code", "t.level = '乡级' AND t.township_code IS NULL",
             "乡级代表必须填写选区所在乡镇代码。"),
        township_type_rule(when="t.level = '乡级'", what="乡级代表"),
        Rule("too_young", "birth_year", "t.birth_year > t.term_start_year - cfg('deputy_min_age')",
             "按出生年份，该代表在任期开始时未满18周岁，请核对出生年份。", provenance="[L]"),
        Rule("term_length", "term_end_year", "t.term_end_year IS NOT NULL AND t.term_end_year <> t.term_start_year + 5",
             "任期一般为5年（任期止年=起年+5），请核对。", severity="warning"),
        Rule("missing_status_date", "status_date", "t.status <> '在任' AND t.status_date IS NULL",
             "代表状态不是“在任”时，必须填写状态变更日期。"),
        Rule("archive_date_without_archive", "archive_date",
             "t.archive_date IS NOT NULL AND t.has_duty_archive IS DISTINCT FROM TRUE",
             "填写了建档日期，但“已建履职档案”不是“是”，请核对。"),
    ), description="县乡两级人大代表；代表编号可为化名编号，任何KPI都不需要真实姓名。",
        provenance="[L S7]", mode_note="按代表编号更新或新增。"),

    Table("dim_handling_unit", "承办单位", "dim", (
        code("unit_id", "承办单位编号", regex=ID_RE, hint=ID_HINT, required=True),
        text("unit_name", "单位名称", 60, required=True),
        county("所属县区"),
        enum("unit_type", "单位类型", "handling_unit_type", required=True),
    ), key=("unit_id",), order=14, rules=(
        Rule("duplicate_name", "unit_name", "EXISTS (SELECT 1 FROM cur_dim_handling_unit u WHERE "
             "u.unit_name = t.unit_name AND u.county_code = t.county_code AND u.unit_id <> t.unit_id)",
             "同一县区内承办单位名称重复，名称在县区内必须唯一。"),
    ), description="代表建议的承办单位。", mode_note="按承办单位编号更新或新增。"),

    Table("dim_liaison_station", "代表联络站点", "dim", (
        code("station_id", "站点编号", regex=ID_RE, hint=ID_HINT, required=True),
        text("station_name", "站点名称", 60, required=True),
        enum("station_level", "站点层级", "station_level", required=True),
        enum("station_type", "站点类型", "station_type", required=True, provenance="[P]"),
        county("所属县区"),
        code("township_code", "所属乡镇街道", 9, fk="dim_township.township_code", note="县级站点以外必填"),
        integer("established_year", "建成年份", 2000, 2035, required=True),
        integer("closed_year", "撤销年份", 2000, 2035),
        decimal("area_m2", "面积(㎡)", "DECIMAL(7,1)", 0, 5000, unit="㎡", note="低于20㎡提示；参考标准≥100㎡ [S28]"),
    ), key=("station_id",), order=15, rules=(
        prefix_rule(),
        Rule("missing_township", "township_code", "t.station_level <> '县级' AND t.township_code IS NULL",
             "乡镇级和村(社区)级站点必须填写所属乡镇街道代码。"),
        Rule("end_before_start", "closed_year", "t.closed_year < t.established_year", "撤销年份不能早于建成年份。"),
        Rule("small_station", "area_m2", "t.area_m2 < cfg('min_station_area_m2')",
             "站点面积低于20㎡，低于联络站建设参考标准（≥100㎡）。", severity="warning", provenance="[E S28]"),
    ), description="代表联络中心站、联络站、联络室、代表之家和基层立法联系点。", mode_note="按站点编号更新或新增。"),
)

assert all(t.mode == UPSERT for t in TABLES)
