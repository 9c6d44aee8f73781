"""The demo city 清川市: design constants and city-level targets (data-model.md §4)."""
from __future__ import annotations

from dataclasses import dataclass

YEARS = (2021, 2022, 2023, 2024, 2025)
TERM_START, TERM_END = 2021, 2026
CITY_CODE, CITY_NAME = "990100", "清川市"


@dataclass(frozen=True)
class County:
    code: str
    name: str
    type: str
    pop: float          # 万人
    xiang: int
    zhen: int
    jiedao: int
    twp_deputies: int   # ≈ township deputies (§4.2), drives township populations
    sugg: tuple[int, int]  # county suggestions 2021 → 2025
    abbr: str           # doc_no prefix, e.g. 清松发
    level: tuple[float, float]     # latent capacity 2021 → 2025: close together in 2021, apart by 2025
    handling: tuple[float, float]  # quality of suggestion handling 2021 → 2025
    youth: float        # propensity for young (≤38) heads
    halfday: float      # propensity for half-day township sessions

    @property
    def cap(self) -> float:
        return self.level[0]

    @property
    def slope(self) -> float:
        return (self.level[1] - self.level[0]) / (YEARS[-1] - YEARS[0])

    def handling_in(self, year: int) -> float:
        h0, h1 = self.handling
        return h0 + (h1 - h0) * (year - YEARS[0]) / (YEARS[-1] - YEARS[0])


COUNTIES = (
    County("990101", "澜城区", "市辖区", 62, 0, 2, 9, 140, (150, 170), "清澜", (0.56, 1.00), (0.2, 0.8), 0.45, 0.10),
    County("990102", "溪桥区", "市辖区", 48, 0, 4, 6, 260, (120, 140), "清溪", (0.54, 0.90), (0.1, 0.6), 0.25, 0.25),
    County("990103", "松岭县", "县", 78, 6, 10, 2, 1120, (200, 220), "清松", (0.62, 1.15), (0.25, 1.0), 0.55, 0.05),
    County("990104", "杉河县", "县", 55, 8, 8, 1, 960, (110, 120), "清杉", (0.44, 0.34), (0.0, -0.25), -1.50, 0.35),
    County("990105", "云渡县", "县", 41, 9, 6, 1, 825, (80, 95), "清云", (0.45, 0.36), (0.0, -0.45), -0.10, 0.45),
    County("990106", "石湾县", "县", 60, 5, 9, 1, 910, (130, 150), "清石", (0.49, 1.02), (0.0, 0.8), 0.30, 0.30),
    County("990107", "柳塘县", "县", 45, 4, 8, 2, 720, (90, 110), "清柳", (0.54, 0.82), (0.1, 0.5), 0.05, 1.60),
    County("990108", "雁原市", "县级市", 58, 2, 8, 4, 650, (140, 160), "清雁", (0.59, 1.08), (0.3, 1.2), 0.35, 0.10),
)
BY_CODE = {c.code: c for c in COUNTIES}


def county_score(code: str, year: int) -> float:
    c = BY_CODE[code]
    return c.cap + c.slope * (year - YEARS[0])


def by_year(*values) -> dict[int, float]:
    return dict(zip(YEARS, values))


# City-level trajectories (§4.4); rates are shares of the KPI denominator.
TARGETS: dict[str, dict[int, float]] = {
    "K01": by_year(0.35, 0.50, 0.65, 0.78, 0.88),
    "K02": by_year(0.70, 0.62, 0.52, 0.44, 0.36),
    "K04": by_year(0.60, 0.72, 0.85, 0.93, 0.97),
    "K05": by_year(0.40, 0.55, 0.70, 0.82, 0.90),
    "K06": by_year(0.77, 0.85, 0.96, 1.00, 1.00),   # street 工委 专职主任 (no §4.4 target; ≥ K06b)
    "K06b": by_year(0.65, 0.80, 0.92, 1.00, 1.00),
    "K07": by_year(0.09, 0.12, 0.16, 0.20, 0.23),
    "K11": by_year(0.30, 0.55, 0.72, 0.85, 0.92),
    "K12": by_year(0.45, 0.35, 0.25, 0.15, 0.10),
    "K13": by_year(0.50, 0.62, 0.75, 0.85, 0.90),
    "K14": by_year(0.72, 0.82, 0.90, 0.95, 0.97),
    "K16": by_year(0.92, 0.97, 1.00, 1.00, 1.00),
    "K17": by_year(0.45, 0.58, 0.70, 0.82, 0.90),
    "K18": by_year(8, 10, 12, 13, 14),
    "K20": by_year(0.75, 0.80, 0.85, 0.89, 0.92),
    "K21": by_year(0.60, 0.75, 0.90, 0.98, 1.00),
    "K22": by_year(0.75, 0.80, 0.85, 0.89, 0.92),
    "K22_mean": by_year(72, 75, 78, 81, 84),
    "K23": by_year(0.94, 0.96, 0.98, 0.99, 1.00),
    "K25": by_year(0.68, 0.80, 0.90, 0.95, 0.98),
    "K26_strict": by_year(0.85, 0.88, 0.90, 0.92, 0.93),
    "K26_broad": by_year(0.97, 0.98, 0.99, 0.99, 0.995),
    "K27_A": by_year(0.52, 0.55, 0.58, 0.60, 0.62),
    "K27_B": by_year(0.30, 0.30, 0.29, 0.29, 0.28),
    "K27_C": by_year(0.14, 0.12, 0.10, 0.09, 0.08),
    "K27_D": by_year(0.04, 0.03, 0.03, 0.02, 0.02),
    "key_share": by_year(0.06, 0.07, 0.07, 0.08, 0.08),
    "review_back": by_year(0.50, 0.70, 0.85, 1.00, 1.00),
    "K35_township": by_year(0.15, 0.35, 0.60, 0.85, 1.00),
    "K36": by_year(0.85, 0.88, 0.90, 0.92, 0.93),
}

# County-level yes/no plans: the set of counties (by short name) meeting the item each year.
L, X, S, H, Y, W, T, Q = "990101", "990102", "990103", "990104", "990105", "990106", "990107", "990108"
PLANS: dict[str, dict[int, tuple[str, ...]]] = {
    # K32: counties whose 县委 heard ≥2 人大工作 reports
    "K32": by_year((S, Q, L, X), (S, Q, L, X, W), (S, Q, L, X, W, T), (S, Q, L, X, W, T, H), (S, Q, L, X, W, T, H, Y)),
    # K33: year of the term's 人大工作会议
    "K34_budget": by_year((L, X, S, W, T, Q), (L, X, S, H, W, T, Q), *([(L, X, S, H, Y, W, T, Q)] * 3)),
    "K34_fund": by_year((S, Q), (S, Q, L, W), (S, Q, L, W, X), (S, Q, L, W, X, T), (S, Q, L, W, X, T, H)),
    "K35_county": by_year((Q, S), (Q, S, L, W), (Q, S, L, W, X, T), *([(Q, S, L, W, X, T, H, Y)] * 2)),
    "K03": by_year((L, X, S, W, Q), (L, X, S, W, Q, T), (L, X, S, W, Q, T), (L, X, S, W, Q, T, H),
                   (L, X, S, H, Y, W, T, Q)),
}
WORK_MEETING_YEAR = {L: 2022, X: 2022, S: 2022, H: 2023, Y: 2023, W: 2022, T: 2022, Q: 2022}

# County bodies (§4.3). POOL order = order in which a county has or adds its bodies.
OFFICE = "办公室"
POOL = ("办公室", "研究室", "法制工作委员会", "代表工作委员会", "预算工作委员会", "选举任免联络工作委员会",
        "其他:教育科学文化卫生工作委员会", "其他:农业农村工作委员会", "其他:社会建设工作委员会",
        "其他:监察和司法工作委员会")
# special committee (专门委员会) -> the 工委 whose staff it shares (攸县 model: 6 special committees)
SPECIAL = (("法制委员会", "法制工作委员会"), ("财政经济委员会", "预算工作委员会"),
           ("教育科学文化卫生委员会", "其他:教育科学文化卫生工作委员会"),
           ("农业与农村委员会", "其他:农业农村工作委员会"), ("社会建设委员会", "其他:社会建设工作委员会"),
           ("监察和司法委员会", "其他:监察和司法工作委员会"))
# bodies (incl. 办公室) per year, and small (≤2 staff) bodies per year: city K02 = 45/64 → 25/70
BODY_PLAN: dict[str, tuple[tuple[int, ...], tuple[int, ...], int | None]] = {
    # code: (bodies by year, small bodies by year, first year with special committees)
    L: ((9, 9, 9, 9, 9), (6, 5, 4, 3, 3), 2024),
    X: ((8, 8, 8, 8, 8), (6, 5, 4, 4, 3), None),
    S: ((6, 7, 8, 9, 10), (4, 4, 3, 2, 2), 2023),
    H: ((8, 8, 8, 8, 8), (6, 6, 6, 5, 5), None),
    Y: ((8, 8, 8, 8, 8), (6, 6, 6, 5, 5), None),
    W: ((8, 8, 9, 9, 9), (6, 5, 4, 3, 2), 2025),
    T: ((8, 8, 8, 8, 8), (6, 5, 4, 4, 3), None),
    Q: ((9, 9, 9, 10, 10), (5, 5, 4, 4, 2), 2023),
}
BONUS = (  # (year, county, points, reason, evidence)
    (2023, S, 2.0, "“一代表一档案”履职档案数字化经验在全省交流", "省人大常委会代表工委简报2023年第12期"),
    (2024, S, 2.5, "联络站“五单制”工作法获全省人大工作创新案例", "省人大常委会办公厅通报〔2024〕7号"),
    (2025, S, 3.0, "县乡人大规范化建设经验被全国人大《中国人大》刊载", "《中国人大》2025年第9期"),
    (2022, Q, 1.5, "民生实事项目代表票决制实现县乡全覆盖", "市委办公室信息专报2022年第31期"),
    (2024, Q, 2.0, "代表建议“2+1”办理法在全市推广", "清川市人大常委会办公室通知〔2024〕15号"),
    (2025, Q, 2.5, "民生实事票决制工作获省级表彰", "省人大常委会表彰决定〔2025〕3号"),
    (2025, W, 1.0, "乡镇人大规范化建设整改成效获市委肯定", "市委督查室通报2025年第4期"),
    (2024, L, 1.0, "街道人大工委“民意直通车”宣传报道", "《清川日报》2024年6月18日第2版"),
)
