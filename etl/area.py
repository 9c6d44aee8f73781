"""The word for "the whole top unit" (dim_city's one row): 全市 for a city, 全省 for a province, 全国 for the nation.

Pages, slides, reports and generated sentences say "全市平均", "与全市", "全市第3名" about the top unit; the same
software runs at city, province and nation scale, so that word comes from the unit's name, here and only here.
"""
from __future__ import annotations

DEFAULT = "全市"  # the product is built for a city; an unknown or empty name keeps its wording

_NATION = frozenset({"全国", "中国", "中华人民共和国", "国家"})

# Suffix -> word, longest suffixes first (自治区 before 区, 地区 before 区, 自治州 before 州).
_SUFFIXES = (
    ("特别行政区", "全区"),
    ("自治区", "全区"),
    ("自治州", "全州"),
    ("地区", "全地区"),
    ("省", "全省"),
    ("市", "全市"),
    ("州", "全州"),
    ("盟", "全盟"),
    ("区", "全区"),
    ("县", "全县"),
)


def area_word(city_name: str | None) -> str:
    """'清川市' -> '全市', '清江省' -> '全省', '全国' / '中国' -> '全国', '内蒙古自治区' -> '全区',
    '延边朝鲜族自治州' -> '全州', '阿拉善盟' -> '全盟', '大兴安岭地区' -> '全地区'; unknown or empty -> '全市'."""
    name = str(city_name or "").strip()
    if not name:
        return DEFAULT
    if name in _NATION or name.endswith("全国"):
        return "全国"
    for suffix, word in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return word
    return DEFAULT
