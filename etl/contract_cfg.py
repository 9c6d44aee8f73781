"""Contract: enums, thresholds and the cfg_/meta_ tables (data-model.md §2.4, §5).

Every threshold used by a validation rule or a KPI is a row of cfg_rule, seeded from RULE_DEFAULTS and
editable by an administrator; enums are rows of cfg_enum, seeded from ENUMS.
"""
from __future__ import annotations

from etl.schema import (DATE, REPLACE, Column, Table, code, decimal, enum, integer,
                        text, year)

# domain -> ((value, label_zh), ...); the value is what staff write in the file.
ENUMS: dict[str, tuple[tuple[str, str], ...]] = {k: tuple((v, v) if isinstance(v, str) else v for v in vs) for k, vs in {
    "county_type": ("县", "市辖区", "县级市", "自治县", "旗"),
    "unit_type": ("乡", "民族乡", "镇", "街道"),
    "township_category": ("一类", "二类", "三类"),
    "deputy_level": ("县级", "乡级"),
    "gender": ("男", "女"),
    "occupation_group": ("工人", "农民", "专业技术人员", "党政领导干部", "企业负责人", "其他"),
    "deputy_status": ("在任", "辞职", "罢免", "终止", "去世"),
    "handling_unit_type": ("政府部门", "乡镇政府", "街道办事处", "法院", "检察院", "监委", "人大常委会机关", "其他"),
    "station_level": ("县级", "乡镇级", "村(社区)级"),
    "station_type": ("联络中心站", "联络站", "行业(专业)联络站", "联络室", "代表之家", "基层立法联系点"),
    "body_name": ("办公室", "研究室", "法制委员会", "法制工作委员会", "监察和司法委员会", "财政经济委员会",
                  "预算工作委员会", "教育科学文化卫生委员会", "环境与资源保护委员会", "农业与农村委员会",
                  "社会建设委员会", "代表工作委员会", "选举任免联络工作委员会",
                  # working committees that pair with a special committee of the same field (攸县 model)
                  "教育科学文化卫生工作委员会", "农业与农村工作委员会", "社会建设工作委员会", "监察和司法工作委员会"),
    "body_type": ("专门委员会", "工作委员会", "办事机构"),
    "chair_status": ("专职", "兼任党委书记", "兼任党委副书记", "其他兼职", "空缺"),
    "org_level": ("县级", "乡镇", "街道"),
    "meeting_type": ("人代会", "主席团会议", "闭会期间代表活动", "代表小组活动"),
    "activity_form": ("视察", "专题调研", "执法检查", "听取审议专项工作报告", "询问或质询", "述职评议",
                      "集中接待选民", "学习培训", "建议督办", "其他"),
    "source_period": ("大会期间", "闭会期间"),
    "suggestion_category": ("财政经济", "农业农村", "城建环资", "教科文卫", "社会建设", "监察司法", "民族宗教", "其他"),
    "suggestion_status": ("已交办", "办理中", "已答复", "已办结", "已撤回"),
    "result_class": (("A", "A 已解决或基本解决"), ("B", "B 正在解决或列入计划"),
                     ("C", "C 列入规划逐步解决或暂难解决"), ("D", "D 留作参考并作解释")),
    "satisfaction": ("满意", "基本满意", "不满意", "未反馈"),
    "points_scheme_type": ("基础分+加分(不封顶)", "百分制"),
    "party_level": ("县委", "乡镇党委"),
    "party_event_type": ("人大工作会议", "听取人大常委会党组工作汇报", "听取人大工作专题汇报",
                         "出台加强人大工作文件", "研究解决人大机构编制", "其他"),
    "livelihood_level": ("县级", "乡级"),
    "project_category": ("教育", "医疗卫生", "养老", "交通", "水利供水", "人居环境", "就业", "文化体育", "平安", "其他"),
    "project_stage": ("征集", "初定", "审议", "票决", "实施", "监督", "评估"),
}.items()}

# rule_code -> (value, unit, provenance, note)
RULE_DEFAULTS: dict[str, tuple[str, str, str, str]] = {
    "young_cadre_max_age": ("38", "岁", "[A]", "“35岁左右”按12月31日年龄≤38岁计（data-model §5.3）"),
    "township_congress_min": ("1", "次/年", "[L]", "地方组织法第14条：每年至少举行一次"),
    "township_congress_target": ("2", "次/年", "[L]", "乡镇人代会“一般每年举行两次”"),
    "min_session_days": ("1.0", "天", "[P]", "乡镇人代会会期1至2天；少于1天为半天会"),
    "quorum_ratio": ("0.6667", "比例", "[L]", "出席代表须达到应出席（实有）代表的三分之二"),
    "attendance_deviation": ("0.10", "比例", "[A]", "应出席代表数与在任代表数偏差超过10%时提示"),
    "presidium_meeting_target": ("4", "次/年", "[E]", "四川省乡镇人大主席团工作条例第5条：每季度至少一次"),
    "recess_activity_target": ("2", "次/年", "[P]", "闭会期间代表活动每年不少于2次"),
    "small_body_max_staff": ("2", "人", "[P]", "“1人委/2人委”：实有人员（含负责人）≤2人"),
    "small_body_baseline": ("0.70", "比例", "[P]", "市调研报告：约70%为1人委/2人委"),
    "small_body_target": ("0.30", "比例", "[A]", "届末目标≤30%"),
    "liuyou_min_rules": ("5", "项", "[A]", "“有制度”至少5项书面制度"),
    "include_streets_in_liuyou": ("1", "是/否", "[A]", "街道按同样六项评估，人大工委代替主席团"),
    "station_activity_target": ("12", "次/年", "[A]", "联络站每月至少一次活动"),
    "min_station_area_m2": ("20", "㎡", "[E]", "站点面积低于20㎡提示；参考标准为≥100㎡"),
    "reply_months": ("3", "月", "[L]", "交办之日起3个月内答复"),
    "reply_months_extended": ("6", "月", "[L]", "情况复杂经同意可延长至6个月"),
    "points_scheme": ("CITY2022", "方案", "[A]", "当前履职积分方案"),
    "points_pass_line": ("60", "分", "[E]", "百分制：<60为差（银川办法）"),
    "points_good_line": ("80", "分", "[E]", "百分制：≥80为履职好"),
    "suggestion_fund_tolerance": ("0.20", "比例", "[A]", "建议办理专项资金与落实资金合计偏差超过20%时提示"),
    "vote_pass_ratio": ("0.5", "比例", "[A]", "民生实事项目赞成票须超过代表总数的一半"),
    "term_start_year": ("2021", "年", "[A]", "本届县乡人大任期起始年"),
    "term_meeting_deadline_years": ("2", "年", "[A]", "人大工作会议须在本届第2年年底前召开"),
    "party_report_target": ("2", "次/年", "[P]", "县委每年至少听取2次人大工作汇报（攸发〔2020〕13号）"),
    "vice_chair_categories": ("一类;二类", "类别", "[P]", "一、二类乡镇配备专职副主席（攸发〔2020〕13号）"),
    "deputy_min_age": ("18", "岁", "[L]", "代表须年满18周岁"),
    "head_age_warn_max": ("60", "岁", "[A]", "负责人年龄超过60岁提示"),
    "head_age_warn_min": ("25", "岁", "[A]", "负责人年龄低于25岁提示"),
    "max_upload_mb": ("50", "MB", "[A]", "单个上传文件大小上限"),
}

# The liaison-station checklist: item_code is the fact_station_year column (源城“七有” [E S25]).
STATION_STANDARD = (
    ("std_venue", "有场地"), ("std_equipment", "有设备"), ("std_rules", "有制度"), ("std_staff", "有人员"),
    ("std_activity", "有活动"), ("std_funding", "有经费"), ("std_records", "有档案"),
)

TABLES = (
    Table("cfg_enum", "枚举取值", "cfg", (
        text("domain", "取值域", 40, required=True), text("value", "取值", 60, required=True),
        text("label_zh", "中文说明", 60), integer("sort", "排序", 0, 999),
    ), key=("domain", "value"), order=1, uploadable=False,
        description="所有枚举列的允许取值，可由管理员增改中文取值，不需改代码。"),
    Table("cfg_rule", "阈值与口径参数", "cfg", (
        text("rule_code", "参数代码", 60, required=True), text("value", "取值", 60, required=True),
        text("unit", "单位", 20), text("provenance", "依据标签", 10), text("note", "说明", 200),
    ), key=("rule_code",), order=1, uploadable=False,
        description="KPI 与校验规则使用的全部阈值（如 35岁左右=38岁、1人委/2人委≤2人）。"),
    Table("cfg_station_standard", "联络站达标清单", "cfg", (
        text("item_code", "事项代码", 40, required=True), text("label_zh", "事项名称", 40, required=True),
        integer("sort", "排序", 0, 99), text("source", "来源", 100),
    ), key=("item_code",), order=1, uploadable=False,
        description="站点标准清单，默认为源城“七有” [E S25]，可切换为云南“七有”或本市清单。"),
    Table("cfg_kpi", "指标口径", "cfg", (
        text("kpi_code", "指标代码", 60, required=True), text("kpi_ref", "指标编号", 8, required=True),
        text("name_zh", "指标名称", 60, required=True), text("formula_text", "计算口径", 500),
        text("numerator_text", "分子", 200), text("denominator_text", "分母", 200),
        text("unit", "单位", 20), text("direction", "方向", 10), decimal("target", "目标值", "DOUBLE", None),
        decimal("floor", "底线值", "DOUBLE", None), text("provenance", "依据标签", 20),
        text("source", "来源文件与条款", 300), text("dimension", "维度", 4), decimal("weight", "综合指数权重", "DOUBLE", 0, 100),
        text("levels", "适用层级", 20),
    ), key=("kpi_code",), order=1, uploadable=False,
        description="每项 KPI 的名称、口径、目标、底线、依据和综合指数权重，驱动指标卡、口径说明和综合指数。"),
    Table("cfg_points_rule", "履职积分规则", "cfg", (
        code("scheme_id", "方案", regex=r"^[A-Za-z0-9_-]{2,30}$", hint="字母数字组合，如 CITY2022", required=True),
        code("item_code", "事项代码", regex=r"^[A-Za-z0-9_-]{1,30}$", hint="字母数字组合", required=True),
        text("item_name", "事项名称", 60, required=True),
        decimal("points_per_unit", "每单位分值", "DECIMAL(5,2)", -20, 20, required=True, note="扣分项为负数"),
        decimal("max_points", "上限", "DECIMAL(5,1)", 0, 100),
        enum("scheme_type", "计分方式", "points_scheme_type", required=True),
        decimal("base_points", "基础分", "DECIMAL(5,1)", 0, 100),
    ), key=("scheme_id", "item_code"), order=5, provenance="[E S59 S61 S62]",
        description="履职积分管理办法以数据保存：每个事项的分值、上限、计分方式和基础分。",
        mode_note="按“方案+事项代码”更新或新增。"),
    Table("fact_index_bonus", "综合指数加分", "fact", (
        year(), code("county_code", "县区代码", 6, fk="dim_county.county_code", required=True),
        decimal("bonus_points", "加分", "DECIMAL(3,1)", 0, 5, required=True, step=0.5),
        text("reason", "加分事由", 200, required=True), text("evidence", "佐证材料", 500, required=True),
    ), key=("year", "county_code"), mode=REPLACE, year_column="year", county_sql="{t}.county_code", order=60,
        provenance="[E S19]", description="创新、宣传加分（≤5分），须附佐证材料（参照宣汉考评细则）。",
        mode_note="按“年度+县区”替换。"),
    # --- meta: the snapshot records its own lineage; the app store keeps every attempt --------------
    Table("meta_version", "数据版本", "meta", (
        integer("version", "版本号", 1, None, "INTEGER", required=True),
        Column("created_at", "创建时间", DATE, "TIMESTAMP"), text("created_by", "操作人", 60),
        text("kind", "类型", 20), text("reason", "说明", 500), integer("base_version", "基于版本", 0, None, "INTEGER"),
    ), key=("version",), order=90, uploadable=False, description="每个快照版本：谁、何时、发布或回滚、说明。"),
    Table("meta_batch", "上传批次", "meta", (
        integer("batch_id", "批次号", 1, None, "INTEGER", required=True),
        integer("version", "版本号", 1, None, "INTEGER"), text("table_name", "数据表", 60),
        text("file_name", "文件名", 260), text("sha256", "文件SHA256", 64), text("encoding", "编码", 20),
        text("uploaded_by", "上传人", 60), Column("uploaded_at", "上传时间", DATE, "TIMESTAMP"),
        text("mode", "方式", 20), integer("rows", "行数", 0, None, "INTEGER"),
        integer("warnings", "警告数", 0, None, "INTEGER"), text("scope", "范围", 2000),
    ), key=("batch_id",), order=90, uploadable=False,
        description="本快照包含的全部上传批次（可据此用存档文件重建任一版本）。"),
    Table("meta_upload_log", "上传日志", "meta", (
        integer("upload_id", "上传号", 1, None, "INTEGER", required=True), text("table_name", "数据表", 60),
        text("file_name", "文件名", 260), text("encoding", "编码", 20), text("uploaded_by", "上传人", 60),
        Column("uploaded_at", "上传时间", DATE, "TIMESTAMP"), text("mode", "方式", 20),
        integer("rows_in", "读入行数", 0, None, "INTEGER"), integer("rows_ok", "通过行数", 0, None, "INTEGER"),
        integer("rows_rejected", "问题行数", 0, None, "INTEGER"), text("sha256", "文件SHA256", 64),
        text("status", "结果", 20), integer("version", "生成版本", 0, None, "INTEGER"),
        integer("errors", "错误数", 0, None, "INTEGER"), integer("warnings", "警告数", 0, None, "INTEGER"),
    ), key=("upload_id",), store="app", order=95, uploadable=False,
        description="每次上传尝试（通过、拒绝、试运行）的审计记录，存于应用库，不随数据回滚。"),
    Table("meta_validation_issue", "校验问题", "meta", (
        integer("upload_id", "上传号", 1, None, "INTEGER", required=True), integer("row_no", "行号", 0, None, "INTEGER"),
        text("column", "列", 60), text("severity", "级别", 10), text("rule_code", "规则代码", 60),
        text("message_zh", "说明", 500), text("value", "当前值", 500),
    ), store="app", order=95, uploadable=False, description="每次上传的每个问题（错误与警告）。"),
)
