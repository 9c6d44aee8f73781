"""Fictional Chinese names: people, townships, villages. Includes a few rare characters on purpose."""
from __future__ import annotations

import numpy as np

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕"
            "丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
MALE = "伟强磊军勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆帅旭宁龙林阳建国志文斌海峰亮成新春松德清永"
FEMALE = "芳娟敏静丽艳娜霞秀玲燕桂英红梅兰琴云莉萍慧雪颖婷倩洁琳蓉晶欣怡悦佳丹凤萍瑶璐"
# Rare characters (CJK Ext B, Ext A and uncommon basic ideographs) to exercise encodings end to end.
RARE_PEOPLE = ("𠮷志强", "刘䶮", "王喆", "陈镕", "𠮷秀兰", "张喆宇")

TOWN_HEAD = ("青石", "白马", "龙潭", "桃源", "金鸡", "凤凰", "双河", "三溪", "石门", "清泉", "黄土", "高桥",
             "杨柳", "梅林", "竹园", "松坪", "长乐", "永安", "太平", "和平", "新华", "兴隆", "丰乐", "安宁",
             "马鞍", "牛角", "鹿鸣", "虎跳", "云台", "雾峰", "大坪", "小河", "中和", "上坝", "下寨", "东岳",
             "西岭", "南岗", "北源", "柏树", "枫林", "荷塘", "莲花", "观音", "玉屏", "金竹", "银杏", "铜鼓",
             "铁炉", "盘石", "卧龙", "伏虎", "望江", "临溪", "沙坪", "红岩", "碧水", "翠屏", "宝塔", "文峰",
             "平安", "福田", "寿山", "明月", "星光", "朝阳", "秀山", "天池", "仙女", "灵泉", "古城", "新店",
             "官庄", "李家", "何场", "罗圩", "赵集", "周口", "吴店", "钱塘", "孙岗", "方山", "柳林", "杉木",
             "石桥", "河口", "洪山", "花桥", "茶园", "梨树", "樟树", "马坪", "龙凤", "鸣凤", "大河", "仁和",
             "德胜", "保和", "永兴", "长岭", "黄龙", "青龙", "白沙", "石狮", "安乐", "兴仁", "太和", "双龙",
             "九龙", "五里", "七星", "八角", "十里", "茅坪", "竹溪", "桐木", "苦竹", "皂角")
TOWN_RARE = ("镕溪", "喆山")           # basic-plane rare characters that GBK can still encode
STREET_HEAD = ("城关", "东城", "西城", "南城", "北城", "滨江", "文昌", "新华", "朝阳", "解放", "人民路",
               "中山", "建设", "凤鸣", "江北", "城南", "城北", "河西", "金山", "白云", "站前", "湖滨",
               "龙泉", "锦江", "清河", "学府", "花园", "翠湖", "东湖", "西湖", "北门", "南门")
VILLAGE_A = "东西南北上下前后大小新老中"
VILLAGE_B = ("坪", "坝", "湾", "岭", "沟", "庄", "寨", "冲", "塘", "桥", "店", "铺", "垭", "岗", "源", "溪", "河",
             "林", "山", "台", "堡", "口", "田", "园")
COMMUNITY = ("幸福", "和谐", "锦绣", "阳光", "春晖", "滨河", "桂花", "翠竹", "金桥", "兴华", "民主", "团结",
             "友谊", "光明", "繁荣", "安康", "书香", "紫荆", "丽景", "长青")


def person(rng: np.random.Generator, female: bool) -> str:
    s = SURNAMES[int(rng.integers(len(SURNAMES)))]
    pool = FEMALE if female else MALE
    n = 1 if rng.random() < 0.3 else 2
    return s + "".join(pool[int(rng.integers(len(pool)))] for _ in range(n))


def township_names(rng: np.random.Generator, kinds: list[str], used: set[str], rare: str | None = None) -> list[str]:
    """One name per unit kind (乡/镇/街道), unique across the city."""
    out = []
    for i, kind in enumerate(kinds):
        pool = STREET_HEAD if kind == "街道" else TOWN_HEAD
        if rare and kind != "街道" and i == len(kinds) - 1:
            head = rare
        else:
            head = pool[int(rng.integers(len(pool)))]
            while head in used:
                head = pool[int(rng.integers(len(pool)))]
        used.add(head)
        out.append(head + kind)
    return out


def village_names(rng: np.random.Generator, n: int, street: bool) -> list[str]:
    """n village (村) or community (社区) names unique within one township."""
    out: list[str] = []
    seen: set[str] = set()
    while len(out) < n:
        if street:
            name = COMMUNITY[int(rng.integers(len(COMMUNITY)))] + "社区"
            if name in seen:
                name = VILLAGE_A[int(rng.integers(len(VILLAGE_A)))] + name
        else:
            name = (VILLAGE_A[int(rng.integers(len(VILLAGE_A)))] + VILLAGE_B[int(rng.integers(len(VILLAGE_B)))]
                    if rng.random() < 0.5 else TOWN_HEAD[int(rng.integers(len(TOWN_HEAD)))]) + "村"
        if name not in seen:
            seen.add(name)
            out.append(name)
    return out
