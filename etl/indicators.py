"""The KPI registry (data-model.md §3): every K01–K38 sub-measure, its 口径, target, source and index weight.

Marts, KPI cards, traffic lights, the 口径说明 page and tests all read this registry. Targets and weights are
seeded into `cfg_kpi` (editable data); the marts read them from there, never from this file.
Rates are fractions 0–1; unit "%" means display ×100.
"""
from __future__ import annotations

from dataclasses import dataclass

from etl import schema as _schema  # noqa: F401  (loads the contract registry first: import order)
from etl.contract_cfg import RULE_DEFAULTS

ALL, CC = ("市", "县", "乡"), ("市", "县")
YX = "攸发〔2020〕13号"                      # 中共攸县县委关于进一步加强和改进新时代人大工作的意见
SURVEY = "市调研报告《县乡人大工作和建设的调查与思考》"
DAFANG = "大方县人大常委会工作报告（2024）"
SPEECH = "乡镇人大主席团培训讲话 三、（三要）"
DIMENSIONS = {"A": ("组织建设", 25), "B": ("依法履职", 20), "C": ("代表工作", 20),
              "D": ("建议办理", 20), "E": ("党委领导与保障", 10), "F": ("民生实事票决", 5)}


@dataclass(frozen=True)
class Indicator:
    code: str                  # stable English code = mart_kpi.kpi_code
    ref: str                   # K-number, e.g. "K26"
    name_zh: str
    unit: str                  # % 天 次 万元 分 个 倍 项 件/人
    formula_text: str          # 口径 in Chinese words
    numerator_text: str
    denominator_text: str
    levels: tuple[str, ...]    # where it is defined: 市/县/乡
    target: float | None       # default target (cfg_kpi.target)
    floor: float | None        # statutory floor; set only for [L] floors
    direction: str             # higher | lower | none
    provenance: str            # [L] [P] [E] [A]
    source: str                # document + clause
    family: str                # A–F, groups pages
    weight: float = 0.0        # composite-index points (§3.2); 0 = not in the index
    is_floor_law: bool = False # K10, K15, K23: red whenever broken
    scoring: str = "ratio"     # index scoring: ratio | band (K02) | complement (K12)
    agg: str = "ratio"         # ratio = Σnum/Σden; sum = Σnum (money)
    target_rule: str | None = None  # cfg_rule code that seeds the target
    dimension: str = ""        # composite-index dimension A–F (= family unless set)

    def __post_init__(self):
        if not self.dimension:
            object.__setattr__(self, "dimension", self.family)

    @property
    def default_target(self) -> float | None:
        if self.target_rule:
            return float(RULE_DEFAULTS[self.target_rule][0])
        return self.target


def _k(code, ref, fam, name, unit, formula, num, den, *, levels=ALL, target=1.0, direction="higher",
       prov="[P]", source="", weight=0.0, **kw) -> Indicator:
    return Indicator(code, ref, name, unit, formula, num, den, levels, target, kw.pop("floor", None), direction,
                     prov, source, fam, weight, **kw)


LIUYOU = (("organization", "有机构"), ("venue", "有场地"), ("staff", "有人员"), ("rules", "有制度"),
          ("equipment", "有设备"), ("funding", "有经费"))
U_TEXT = "本年度有效的乡镇街道数（乡、民族乡、镇；“街道参加六有评估”参数为是时含街道）"

A = (
    _k("liuyou_rate", "K01", "A", "六有达标率", "%", "六项（有机构、有场地、有人员、有制度、有设备、有经费）全部达标的乡镇街道占比；"
       "未填报视为未达标", "六项全部为“是”的乡镇街道数", U_TEXT, prov="[P]清单 目标[A]",
       source=f"{SURVEY}“六有”标准", weight=8),
    _k("liuyou_items_avg", "K01", "A", "六有平均达标项数", "项", "各乡镇街道达标项数（0–6）的平均值；未填报按0项计",
       "各单位达标项数之和", U_TEXT, target=6, prov="[P]", source=f"{SURVEY}“六有”标准"),
    *(_k(f"liuyou_{c}_rate", "K01", "A", f"六有·{zh}达标率", "%", f"“{zh}”为“是”的乡镇街道占比；未填报视为未达标",
         f"“{zh}”为“是”的单位数", U_TEXT, levels=CC, prov="[P]清单 定义[A]", source=f"{SURVEY}；各项定义见本页“六有”认定标准")
      for c, zh in LIUYOU),
    _k("small_body_share", "K02", "A", "“1人委/2人委”占比", "%", "实有人员（含负责人）不超过2人（阈值可调）的机构占比；"
       "填写了“合署/共用人员对象”的机构不计入", "实有人员≤2人的机构数", "县人大常委会机构数（不含合署/共用人员的机构）",
       levels=CC, direction="lower", target_rule="small_body_target", prov="[P]基线70% 目标[A]≤30%",
       source=f"{SURVEY}：“1人委”“2人委”比例高达70%", weight=5, scoring="band"),
    _k("director_separate_rate", "K03", "A", "县人大常委会主任单列率", "%", "主任不由县委书记兼任的县区占比；未填报视为未单列",
       "主任单列的县区数", "县区数", levels=CC, source=f"{SURVEY}：县级人大常委会主任和乡镇人大主席实现单列设置", weight=1),
    _k("chair_fulltime_rate", "K04", "A", "乡镇人大主席专职率", "%", "人大主席为专职（单列）的乡镇占比；未填报视为未达标",
       "主席专职的乡镇数", "本年度有效的乡、民族乡、镇数", source=f"{YX} 第10条：乡镇人大配备专职主席1人", weight=3),
    _k("vice_chair_rate", "K05", "A", "一/二类乡镇专职副主席配备率", "%", "一、二类乡镇中"
       "配备≥1名专职副主席的占比", "配备专职副主席的一/二类乡镇数", "本年度有效的一/二类乡镇数",
       source=f"{YX} 第10条：一、二类乡镇配备专职副主席1人", weight=2),
    _k("street_director_rate", "K06", "A", "街道人大工委专职主任配备率", "%", "工委主任为专职的街道占比",
       "工委主任专职的街道数", "本年度有效的街道数", source=f"{YX} 第10条：街道人大工作委员会配备专职主任1人"),
    _k("street_staff_rate", "K06b", "A", "街道人大工委专职工作人员配备率", "%", "配备≥1名专职工作人员的街道占比",
       "有专职工作人员的街道数", "本年度有效的街道数", source=f"{DAFANG}：各街道人大工委均配备1名专职人员负责人大工作",
       weight=2),
    _k("young_cadre_share", "K07", "A", "35岁左右干部占比", "%", "委办正职及乡镇人大主席、街道工委主任中，12月31日年龄"
       "≤38岁（“35岁左右”的默认口径，可调）的占比；空缺不计，乡镇未填报按不达标计",
       "年龄≤38岁的负责人数", "县人大常委会机构负责人（不含合署机构）+未空缺的乡镇人大主席和街道工委主任",
       target=0.20, prov="[P]比例 年龄口径[A]",
       source=f"{YX} 第11条：委办正职、乡镇（街道）人大正职中35岁左右的干部比例不得低于20%", weight=4),
    _k("fulltime_member_share", "K08", "A", "常委会专职组成人员比例", "%", "专职组成人员数之和÷常委会组成人员数之和",
       "专职组成人员数之和", "常委会组成人员数之和", levels=CC, target=2 / 3, prov="[E]",
       source="四川省专职委员比例约三分之二 [S21]"),
    _k("special_committee_count", "K09", "A", "专门委员会设置数", "个", "机构类型为专门委员会的机构个数；市级为各县区平均数",
       "专门委员会个数", "县区数（县级为1）", levels=CC, target=6,
       source=f"{YX} 第10条：设立监察和司法等6个专门委员会和2个工作机构"),
)

B = (
    _k("congress_held_rate", "K10", "B", "乡镇人代会召开率（法定底线）", "%", "本年度至少召开1次人代会的乡镇"
       "占比；任一乡镇为0即红色", "召开≥1次人代会的乡镇数", "本年度有效的乡、民族乡、镇数", floor=1.0, is_floor_law=True,
       prov="[L][P]", source=f"地方组织法 第14条 [S1]；{SPEECH}一是：乡镇人代会每年至少举行1次", weight=3),
    _k("two_sessions_rate", "K11", "B", "乡镇人代会“一年两会”率", "%", "本年度召开≥2次人代会的乡镇占比",
       "召开≥2次人代会的乡镇数", "本年度有效的乡、民族乡、镇数", prov="[L][E]",
       source="地方组织法 第14条：乡镇人代会一般每年举行两次 [S1]；浮梁县 [S24]", weight=5),
    _k("avg_session_days", "K12", "B", "乡镇人代会平均会期", "天", "乡镇人代会会期的平均值（换届会议单列，不计入）",
       "会期天数之和", "乡镇人代会次数（不含换届会议）", target_rule="min_session_days", prov="[S2][P]",
       source=f"乡镇人代会会期为1到2天 [S2]；{SPEECH}一是：保证会议时间"),
    _k("half_day_share", "K12", "B", "半天会占比", "%", "会期不足1天的乡镇人代会占比（不含换届会议）",
       "会期不足1天的人代会次数", "乡镇人代会次数（不含换届会议）", target=0.0, direction="lower", prov="[S2][P]",
       source=f"{SPEECH}一是：会期严重缩水“一顿午饭算审议”", weight=4, scoring="complement"),
    _k("election_session_days", "K12", "B", "换届会议平均会期", "天", "乡镇换届人代会会期的平均值（单列）",
       "换届会议会期之和", "换届会议次数", target=None, direction="none", prov="[S3]", source="换届会议一般约两天 [S3]"),
    _k("presidium_rate", "K13", "B", "主席团会议达标率", "%", "本年度召开≥4次主席团会议的乡镇占比",
       "主席团会议≥4次的乡镇数", "本年度有效的乡、民族乡、镇数", prov="[E]",
       source="四川省乡镇人民代表大会主席团工作条例 第5条 [S6]", weight=3),
    _k("recess_activity_rate", "K14", "B", "闭会期间代表活动达标率", "%", "本单位组织的闭会期间代表活动与代表小组活动合计"
       "≥2次的乡镇街道占比", "活动≥2次的乡镇街道数", "本年度有效的乡镇街道数（含街道）",
       source=f"{SPEECH}二是：每年开展2次以上闭会期间的代表活动", weight=5),
    _k("attendance_rate", "K15", "B", "人代会出席率", "%", "县乡人代会实出席代表数之和÷应出席代表数之和；任一次会议"
       "出席不足三分之二即红色", "实出席代表数之和", "应出席代表数之和", target=2 / 3, floor=2 / 3,
       is_floor_law=True, prov="[L]", source="地方组织法 第14条：须有三分之二以上代表出席始得举行 [S1][S4]"),
    _k("quorum_rate", "K15", "B", "人代会法定人数达标率", "%", "出席代表达到应出席（实有）代表三分之二的"
       "人代会占比", "达到法定人数的会次", "县乡人代会会次", floor=1.0, is_floor_law=True, prov="[L]",
       source="地方组织法 第14条 [S1]；按实有代表数计算 [S4]"),
)

C = (
    _k("station_coverage", "K16", "C", "乡镇（街道）联络站覆盖率", "%", "本年度有≥1个有效乡镇级联络站点的乡镇街道占比",
       "有乡镇级站点的乡镇街道数", "本年度有效的乡镇街道数（含街道）", prov="[E]",
       source="全国代表之家、联络站基本实现乡镇街道全覆盖 [S33]", weight=4),
    _k("station_standard_rate", "K17", "C", "站点标准达标率（七有）", "%", "有效乡镇级站点中，站点标准清单（默认源城“七有”，"
       "可由管理员更换）各项全部为“是”的占比；未填报视为未达标", "全部达标的站点数", "有效乡镇级站点数",
       prov="[E]", source="源城区“七有”标准 [S25]；云南“七有” [S26]", weight=4),
    _k("station_activity_avg", "K18", "C", "站均活动次数", "次", "有效乡镇级站点活动次数之和÷站点数；未填报按0次计",
       "活动次数之和", "有效乡镇级站点数", target_rule="station_activity_target", prov="[A][E]",
       source="每月一次接待日 [S35][S36]", weight=4),
    _k("deputy_station_rate", "K19", "C", "代表进站率", "%", "12月31日在任县级代表中，履职积分有“进站”类事项（事项名称含"
       "“进站”，数量>0）的占比", "有进站记录的在任县级代表数", "12月31日在任县级代表数", levels=CC, prov="[E]",
       source="每名代表每年至少进站一次 [S28]；每年至少2次 [S29]"),
    _k("opinion_closure_rate", "K20", "C", "群众意见办结反馈率", "%", "各站点办结反馈条数之和÷收集意见建议条数之和",
       "办结反馈条数之和", "收集意见建议条数之和", target=None, prov="[A]", source="目标：逐年提高 [A]"),
    _k("archive_rate", "K21", "C", "一代表一档案建档率", "%", "12月31日在任县乡两级代表中已建履职档案（建档日期不晚于当年"
       "12月31日）的占比；乡镇级按乡级代表计", "已建档的在任代表数", "12月31日在任代表数",
       source=f"{DAFANG}：实行“一代表一档案”；中央《意见》 [S15]", weight=4),
    _k("points_pass_rate", "K22", "C", "履职积分合格率", "%", "有积分记录的代表中，年度总分≥60分（及格线可调）的占比；"
       "总分按当前履职积分方案计算", "总分≥60分的代表数", "有积分记录的代表数", target=None, prov="[E]",
       source="银川市人大代表履职评价办法 [S62]；目标：逐年提高", weight=4),
    _k("points_avg", "K22", "C", "履职积分平均分", "分", "有积分记录的代表年度总分的平均值", "总分之和", "有积分记录的代表数",
       target=None, prov="[E]", source="银川市人大代表履职评价办法 [S62]"),
)

S_TEXT = "本年度交办的县级代表建议数（不含已撤回）"
R_TEXT = "已答复的县级代表建议数"
D = (
    _k("on_time_reply_rate", "K23", "D", "按期答复率（法定底线）", "%", "答复日期不晚于答复期限（交办日+3个月，同意延期的为6个月）"
       "的建议占比；任一件逾期即红色", "按期答复件数", S_TEXT, levels=CC,
       floor=1.0, is_floor_law=True, prov="[L]", source="代表建议办理办法：交办之日起3个月内答复，延期不超过6个月 [S12]",
       weight=4),
    _k("closure_rate", "K24", "D", "办结率", "%", "办理状态为“已办结”的建议占比", "已办结件数", S_TEXT, levels=CC,
       source=f"{DAFANG}：办结率和满意率双提高；{YX} 第9条：提高办结率和解决率"),
    _k("face_to_face_rate", "K25", "D", "面商率（见面率）", "%", "承办单位与代表面商（见面）的建议占比", "面商件数", S_TEXT,
       levels=CC, prov="[E]", source="见面率 [S45]；重点建议“三见面” [S46]", weight=3),
    _k("satisfaction_broad", "K26", "D", "满意率（满意+基本满意）", "%", "最终满意度（再次办理的取再次满意度）为满意或基本满意的"
       "占已测评件数的比例", "满意+基本满意件数", "已测评件数（满意/基本满意/不满意）", levels=CC, prov="[P][E]",
       source=f"{DAFANG}：满意率；公开报告 [S40][S41]"),
    _k("satisfaction_strict", "K26", "D", "满意率（仅满意）", "%", "最终满意度为“满意”的占已测评件数的比例；综合指数对标95%"
       "（公开首轮满意92.47% [S41]）", "满意件数", "已测评件数（满意/基本满意/不满意）", levels=CC, target=0.95,
       prov="[E]基准 目标[A]", source="市级报告首轮满意率92.47% [S41]；综合指数目标95% [A]", weight=4),
    _k("satisfaction_coverage", "K26", "D", "满意度测评覆盖率", "%", "已测评件数÷已答复件数", "已测评件数", R_TEXT,
       levels=CC, prov="[A]", source="本系统口径（数据契约 K26）"),
    _k("resolution_rate", "K27", "D", "解决率（A类占比）", "%", "办理结果为A（已解决或基本解决）的件数÷已答复件数", "A类件数",
       R_TEXT, levels=CC, target=0.70, prov="[E]区间 目标[A]",
       source=f"公开A类占比50–75% [S40][S41][S42]；{YX} 第9条：提高解决率；综合指数目标70% [A]", weight=5),
    _k("implementation_rate", "K27", "D", "落实率（A+B类占比）", "%", "办理结果为A或B的件数÷已答复件数", "A+B类件数", R_TEXT,
       levels=CC, target=None, prov="[E]", source="[S40][S41]；目标：逐年提高 [A]"),
    _k("key_closure_rate", "K28", "D", "重点督办建议办结率", "%", "重点督办建议中已办结的占比", "已办结的重点督办件数",
       "重点督办件数", levels=CC, source=f"{SURVEY}：重点建议“回头看”", weight=2),
    _k("key_review_rate", "K28", "D", "重点督办建议回头看覆盖率", "%", "重点督办建议中开展“回头看”的占比",
       "开展回头看的重点督办件数", "重点督办件数", levels=CC, source=f"{SURVEY}：重点建议“回头看”", weight=2),
    _k("quality_score_avg", "K29", "D", "双评价·建议质量均分", "分", "承办单位对建议质量评分（0–100）的平均值", "评分之和",
       "有评分的件数", levels=CC, target=None, prov="[P][E]", source=f"{SURVEY}：建议质量和办理实效“双评价”；[S50]"),
    _k("handling_score_avg", "K29", "D", "双评价·办理成效均分", "分", "代表对办理成效评分（0–100）的平均值", "评分之和",
       "有评分的件数", levels=CC, target=None, prov="[P][E]", source=f"{SURVEY}：建议质量和办理实效“双评价”；[S50]"),
    _k("suggestion_fund", "K30", "D", "建议办理专项资金", "万元", "经费保障表中建议办理专项资金之和", "专项资金（万元）", "—",
       levels=CC, target=None, direction="none", agg="sum", source=f"{DAFANG}：县级建议办理资金55.86万元"),
    _k("implemented_funds", "K30", "D", "建议落实资金", "万元", "县级建议落实资金之和", "落实资金（万元）", "—", levels=CC,
       target=None, direction="none", agg="sum", source=f"{DAFANG}：县级建议办理资金55.86万元"),
    _k("suggestions_per_deputy", "K31", "D", "代表人均建议数", "件/人", "县级建议件数÷12月31日在任县级代表数（仅作背景，不设目标）",
       S_TEXT, "12月31日在任县级代表数", levels=CC, target=None, direction="none", prov="—", source="本系统口径（数据契约 K31）"),
)

E = (
    _k("party_report_count", "K32", "E", "县委听取人大工作汇报次数", "次", "县委听取人大常委会党组工作汇报、人大工作专题汇报的"
       "次数；市级为各县区平均数", "听取汇报次数", "县区数（县级为1）", levels=CC, target_rule="party_report_target",
       source=f"{YX} 第2条：每年至少听取2次人大工作专题汇报", weight=4),
    _k("party_report_rate", "K32", "E", "县委听取汇报达标率", "%", "听取汇报≥2次的县区占比",
       "达标县区数", "县区数", levels=CC, source=f"{YX} 第2条：每年至少听取2次人大工作专题汇报"),
    _k("work_meeting_held", "K33", "E", "本届人大工作会议召开", "%", "本届（自任期起始年起）截至当年已召开县委人大工作会议；"
       "县级为是/否，市级为已召开县区占比；届内第2年底前未召开为黄色，之后为红色",
       "已召开的县区数", "县区数", levels=CC, prov="[P] 期限[A]",
       source=f"{YX} 第2条：每届任期内至少召开1次党委人大工作会议", weight=2),
    _k("deputy_funds_in_budget", "K34", "E", "代表活动经费列入预算", "%", "代表活动经费列入本级预算的县区占比（县级为是/否）；"
       "未填报视为未列入", "列入预算的县区数", "县区数", levels=CC, prov="[L][P]",
       source=f"代表法：代表活动经费列入本级财政预算 [S14]；{YX} 第8条", weight=2),
    _k("suggestion_fund_set", "K34", "E", "设立建议办理专项资金", "%", "设立建议办理专项资金的县区占比（县级为是/否）；"
       "未填报视为未设立", "设立专项资金的县区数", "县区数", levels=CC,
       source=f"{YX} 第9条：县财政将代表建议办理专项资金列入年度预算", weight=2),
)

F = (
    _k("voting_coverage", "K35", "F", "票决制覆盖率", "%", "（举行县级票决的县区数+举行乡级票决的乡镇数）÷（县区数+乡镇数）",
       "举行票决的县区数+乡镇数", "县区数+本年度有效的乡、民族乡、镇数", prov="[P][E]",
       source=f"{YX} 第13条：深入推进民生实事项目人大代表票决制，有序全面铺开；海南全覆盖 [S69]"),
    _k("voting_coverage_county", "K35", "F", "票决制覆盖率（县级）", "%", "举行县级票决的县区占比", "举行县级票决的县区数",
       "县区数", levels=CC, prov="[P][E]", source=f"{YX} 第13条", weight=1),
    _k("voting_coverage_township", "K35", "F", "票决制覆盖率（乡级）", "%", "举行乡级票决的乡镇占比", "举行乡级票决的乡镇数",
       "本年度有效的乡、民族乡、镇数", prov="[P][E]", source=f"{YX} 第13条", weight=1),
    _k("project_completion_rate", "K36", "F", "票决项目完成率", "%", "当选项目中完成进度达100%的占比（按12月31日填报）",
       "已完成的当选项目数", "当选项目数", target=0.90, prov="[E]", source="来安县张山镇：九成以上完成 [S73]", weight=2),
    _k("project_satisfaction_avg", "K37", "F", "票决项目满意度", "%", "已测评当选项目满意度测评结果的平均值",
       "满意度之和", "已测评项目数", target=None, prov="[E]", source="华泾镇年终满意度测评 [S77]"),
    _k("project_evaluation_coverage", "K37", "F", "票决项目测评覆盖率", "%", "当选项目中已开展满意度测评的占比",
       "已测评的当选项目数", "当选项目数", prov="[E]", source="华泾镇年终满意度测评 [S77]", weight=1),
    _k("competition_ratio", "K38", "F", "差额比例", "倍", "候选项目数之和÷应选项目数之和（>1为差额票决）", "候选项目数之和",
       "应选项目数之和", target=None, direction="none", prov="[E]", source="力洋镇20选10 [S72]；张山镇12选10 [S73]"),
    _k("competitive_round_rate", "K38", "F", "差额票决率", "%", "候选项目数多于应选项目数的票决占比", "差额票决次数",
       "票决次数", prov="[E]", source="[S72][S73]"),
)

INDICATORS: tuple[Indicator, ...] = A + B + C + D + E + F
BY_CODE: dict[str, Indicator] = {i.code: i for i in INDICATORS}
REFS = tuple(f"K{n:02d}" for n in range(1, 39)) + ("K06b",)


def cfg_kpi_rows() -> list[dict]:
    """Rows for cfg_kpi, exactly its columns (etl/contract_cfg.py)."""
    return [dict(kpi_code=i.code, kpi_ref=i.ref, name_zh=i.name_zh, formula_text=i.formula_text,
                 numerator_text=i.numerator_text, denominator_text=i.denominator_text, unit=i.unit,
                 direction=i.direction, target=i.default_target, floor=i.floor, provenance=i.provenance,
                 source=i.source, dimension=i.dimension, weight=float(i.weight), levels="/".join(i.levels))
            for i in INDICATORS]


def _check() -> None:
    assert len(BY_CODE) == len(INDICATORS), "duplicate kpi code"
    for i in INDICATORS:
        assert i.is_floor_law == (i.floor is not None), i.code
        assert i.direction in ("higher", "lower", "none") and i.family in DIMENSIONS, i.code
        assert i.scoring in ("ratio", "band", "complement") and i.agg in ("ratio", "sum"), i.code
    for dim, (_, total) in DIMENSIONS.items():
        assert abs(sum(i.weight for i in INDICATORS if i.dimension == dim) - total) < 1e-9, dim


_check()
