"""要点 text is generated from the data: level, change, distance to target, best and worst."""
import pandas as pd

from etl import story
from etl.indicators import BY_CODE


def test_kpi_point_reads_like_the_issue_example():
    row = pd.Series({"value": 0.88, "last_value": 0.778, "target": 1.0})
    units = pd.DataFrame({"unit_name": ["松岭县", "云渡县"], "value": [1.0, 0.556]})
    text = story.kpi_point(BY_CODE["liuyou_rate"], "全市", 2025, row, units)
    assert text == ("2025年全市六有达标率88.0%，较上年提高10.2个百分点，距目标100%还差12.0个百分点；"
                    "最好：松岭县（100.0%），最差：云渡县（55.6%）。")


def test_lower_is_better_kpi_ranks_the_lowest_as_best():
    row = pd.Series({"value": 0.36, "last_value": 0.44, "target": 0.30})
    units = pd.DataFrame({"unit_name": ["松岭县", "杉河县"], "value": [0.20, 0.62]})
    text = story.kpi_point(BY_CODE["small_body_share"], "全市", 2025, row, units)
    assert "下降8.0个百分点" in text and "最好：松岭县" in text and "最差：杉河县" in text


def test_index_and_breach_points():
    ranking = pd.DataFrame({"county_name": ["甲县", "乙县", "丙县"], "total": [92.0, 85.0, 70.0], "grade": ["优秀", "良好", "一般"],
                            "rank": [1, 2, 3], "rank_change": [0, 2, -1]})
    assert story.index_point(ranking, 2025) == "2025年综合指数甲县居首（92.0分，优秀），乙县进步最快（上升2位）；丙县低于80分通报线，需重点督导。"
    breaches = pd.DataFrame({"kpi_ref": ["K10", "K10", "K23"], "county_name": ["云渡县", "云渡县", "杉河县"]})
    assert story.breach_point(breaches, 2022) == ("2022年法定底线预警共3条：乡镇未召开人代会2起，代表建议逾期答复1起；"
                                                  "涉及2个县区，最多的是云渡县（2条）。")
    assert "未发现" in story.breach_point(breaches.iloc[0:0], 2023)


def test_a_best_or_worst_shared_by_several_units_says_how_many():
    """At scale many counties sit at 100% or 0%: naming one of them alone would single it out unfairly."""
    row = pd.Series({"value": 0.7, "last_value": None, "target": 1.0})
    units = pd.DataFrame({"unit_name": ["甲县", "乙县", "丙县", "丁县"], "value": [1.0, 1.0, 1.0, 0.2],
                          "level": ["县"] * 4})
    text = story.kpi_point(BY_CODE["liuyou_rate"], "全市", 2025, row, units)
    assert "最好：甲县等3个县区（100.0%），最差：丁县（20.0%）" in text
    towns = pd.DataFrame({"unit_name": ["东镇", "西镇", "南镇"], "value": [0.0, 0.0, 0.5], "level": ["乡"] * 3})
    assert story.spread_point(BY_CODE["liuyou_rate"], towns) == "西镇等2个乡镇（街道）最低（0.0%），南镇最高（50.0%）。"
    # rows counted in SQL over every county (deck / 年度通报 at scale) carry the count themselves
    extremes = pd.DataFrame({"unit_name": ["甲县", "戊县"], "value": [1.0, 0.0], "n_tied": [812, 97]})
    text = story.kpi_point(BY_CODE["liuyou_rate"], "全市", 2025, row, extremes)
    assert "最好：甲县等812个县区（100.0%），最差：戊县等97个县区（0.0%）" in text
