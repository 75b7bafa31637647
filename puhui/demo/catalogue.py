"""What the demo bank is made of: its sub-branches, grid cells, names, plans and paces.

Constants only (and the small month helpers they need): the builders in the sibling
modules turn them into tables.
"""

from __future__ import annotations

import math
from datetime import date

from .. import store

DEMO_FILE_NAME = store.DEMO_FILE_NAME
LINE_NAME = "荆州分行普惠金融条线（演示）"
COUNTY = "公安县"

# The seed's monthly activity plan (seed 001, table 2), by calendar month:
# (activity name, kind). Kind "campaign" brings accounts and money; the others do not.
MONTHLY_PLAN: dict[int, list[tuple[str, str]]] = {
    1: [("小企业条线峰会", "meeting"), ("存款、代发业务专项推动会议", "meeting")],
    2: [
        ("存款业务旺季营销活动", "campaign"),
        ("园区新春联谊活动", "campaign"),
        ("“多开户、多开基本户”活动", "campaign"),
    ],
    3: [("员工“双提升”计划", "training"), ("开门红冲刺营销动员会议", "meeting")],
    4: [("“开门红”总结分析会议", "meeting"), ("“园区行”专项推动会议", "meeting")],
    5: [("促提升专项推动会议", "meeting"), ("员工“双提升”计划（客户经理户外拓展训练）", "training")],
    6: [("“园区行”总结会议", "meeting"), ("存款总结表彰会议", "meeting")],
    7: [("上半年条线峰会", "meeting"), ("重点产品总结推动会议", "meeting")],
    8: [
        ("“特色产品”集中宣传月活动", "campaign"),
        ("员工“双提升”计划（清凉一夏，一线员工高温慰问）", "care"),
    ],
    9: [("全年任务冲刺营销活动", "campaign"), ("中秋员工家属答谢活动", "care")],
    10: [
        ("重点产品总结推动会议", "meeting"),
        ("“线上产品”冲刺营销活动", "campaign"),
        ("员工“双提升”计划（外部机构培训）", "training"),
    ],
    11: [("开门红项目储备活动", "campaign"), ("员工“双提升”计划（“营销突击队”强化计划）", "training")],
    12: [
        ("全年条线先进个人及团队评选", "meeting"),
        ("“小小银行家”评选活动", "campaign"),
        ("员工感恩回馈家访活动", "care"),
    ],
}
SALON_PREFIX = "周周有沙龙："
SALON_THEMES = (
    "银税互动政策宣讲",
    "普惠贷款产品推介",
    "代发工资业务推介",
    "企业财务管理交流",
    "线上贷款操作指导",
    "防范电信诈骗宣传",
    "小微企业开户服务",
    "园区企业座谈",
)

# Sub-branches: name, town (for 个体工商户 names), centre lon/lat, number of customer managers.
BRANCHES: list[tuple[str, str, float, float, int]] = [
    ("城关支行", "斗湖堤镇", 112.232, 30.062, 9),
    ("开发区支行", "斗湖堤镇", 112.268, 30.036, 8),
    ("孱陵支行", "斗湖堤镇", 112.198, 30.080, 7),
    ("油江支行", "斗湖堤镇", 112.247, 30.090, 6),
    ("埠河支行", "埠河镇", 112.252, 30.286, 6),
    ("杨家厂支行", "杨家厂镇", 112.126, 30.182, 5),
    ("夹竹园支行", "夹竹园镇", 112.138, 29.984, 5),
    ("麻豪口支行", "麻豪口镇", 112.331, 29.931, 4),
]

# Grid cells per sub-branch: (name, type, channel label for non-place cells).
GRID_PLAN: dict[str, list[tuple[str, str, str | None]]] = {
    "城关支行": [
        ("斗湖堤步行街商圈", "商圈", None),
        ("金狮广场商圈", "商圈", None),
        ("公安县农产品批发市场", "专业市场", None),
        ("斗湖堤服装城", "专业市场", None),
        ("荆江社区", "社区", None),
        ("三袁社区", "社区", None),
        ("公安县税务局", "政府渠道", "税务局"),
        ("公安县工商业联合会", "商会协会", "商会"),
    ],
    "开发区支行": [
        ("公安经济开发区汽车零部件产业园", "园区", None),
        ("青吉工业园", "园区", None),
        ("开发区现代物流园", "园区", None),
        ("汽车零部件产业集群", "产业集群", None),
        ("塑料新材料产业集群", "产业集群", None),
        ("公安县科技局", "政府渠道", "科技局"),
        ("公安县发展和改革局", "政府渠道", "发改委"),
        ("公安县浙江商会", "商会协会", "商会"),
    ],
    "孱陵支行": [
        ("公安县建材大市场", "专业市场", None),
        ("荆南冷链物流市场", "专业市场", None),
        ("孱陵大道商圈", "商圈", None),
        ("杨公堤社区", "社区", None),
        ("孱陵社区", "社区", None),
        ("公安县市场监督管理局", "政府渠道", "市场监督管理局"),
        ("公安县个体劳动者协会", "商会协会", "商会"),
    ],
    "油江支行": [
        ("油江路商圈", "商圈", None),
        ("公安县电子商务产业园", "园区", None),
        ("油江社区", "社区", None),
        ("金狮社区", "社区", None),
        ("公安县人力资源和社会保障局", "政府渠道", "人社局"),
        ("公安县餐饮行业协会", "商会协会", "商会"),
    ],
    "埠河支行": [
        ("埠河镇农贸市场", "专业市场", None),
        ("埠河物流园", "园区", None),
        ("埠河镇商业街", "商圈", None),
        ("埠河水产养殖产业集群", "产业集群", None),
        ("雷洲村", "行政村", None),
        ("和平村", "行政村", None),
    ],
    "杨家厂支行": [
        ("杨家厂葡萄产业集群", "产业集群", None),
        ("杨家厂镇农贸市场", "专业市场", None),
        ("荆江门村", "行政村", None),
        ("黄金口村", "行政村", None),
        ("杨家厂社区", "社区", None),
        ("公安县葡萄产业协会", "商会协会", "商会"),
    ],
    "夹竹园支行": [
        ("夹竹园镇商贸街", "商圈", None),
        ("夹竹园水产养殖产业集群", "产业集群", None),
        ("新华村", "行政村", None),
        ("毛家湾村", "行政村", None),
        ("夹竹园社区", "社区", None),
        ("公安县农业农村局", "政府渠道", "农业农村局"),
    ],
    "麻豪口支行": [
        ("麻豪口镇农贸市场", "专业市场", None),
        ("麻豪口社区", "社区", None),
        ("沙场村", "行政村", None),
        ("新口村", "行政村", None),
        ("麻豪口家具制造产业集群", "产业集群", None),
        ("公安县乡村振兴局", "政府渠道", "乡村振兴局"),
    ],
}
# Cell radius range (km) and weight for drawing customers, by type. Channels are no place.
GRID_SHAPE = {
    "园区": ((0.7, 1.1), 1.3),
    "商圈": ((0.35, 0.6), 1.3),
    "专业市场": ((0.25, 0.45), 1.1),
    "产业集群": ((0.9, 1.6), 1.0),
    "社区": ((0.35, 0.55), 0.9),
    "行政村": ((0.9, 1.5), 0.6),
    "政府渠道": (None, 0.7),
    "商会协会": (None, 0.45),
}
KM_PER_DEG_LAT = 111.0
KM_PER_DEG_LON = 111.0 * math.cos(math.radians(30.06))

SURNAMES = (
    "王" * 7
    + "李" * 7
    + "张" * 7
    + "刘" * 6
    + "陈" * 5
    + "杨" * 4
    + "黄" * 3
    + "赵" * 3
    + "吴" * 3
    + "周" * 3
    + "徐" * 2
    + "孙" * 2
    + "马" * 2
    + "朱" * 2
    + "胡" * 2
    + "郭" * 2
    + "何" * 2
    + "罗" * 2
    + "邓" * 2
    + "彭" * 2
    + "余" * 2
    + "熊" * 2
    + "林高郑梁谢宋唐许冯韩曹曾肖蔡潘田董袁程向龚万雷严"
)
COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "司徒")
GIVEN_CHARS = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红建国志文斌波辉鹏俊峰宇浩凯婷雪琴云飞"
    "春梅林海亮成龙东晓丹萍燕莉慧鑫佳欣蕾思雨子涵博晨阳帆瑶婉卫兵德荣庆祥福金宝永兴家汉江楚新振良"
    "坤彬琳倩"
)
BRANDS = (
    "宏达",
    "鑫源",
    "恒通",
    "华盛",
    "金鼎",
    "瑞丰",
    "荆楚",
    "楚天",
    "长江",
    "荆江",
    "顺发",
    "兴旺",
    "永盛",
    "佳和",
    "德润",
    "富民",
    "天成",
    "广源",
    "汇通",
    "隆昌",
    "众诚",
    "益丰",
    "东升",
    "万家",
    "丰泽",
    "博远",
    "锦程",
    "嘉禾",
    "聚鑫",
    "协和",
    "信达",
    "恒昌",
    "福源",
    "金穗",
    "绿野",
    "春晖",
    "弘毅",
    "润泽",
    "昌盛",
    "金泰",
    "安达",
    "祥和",
    "腾飞",
    "康泰",
    "三袁",
    "孱陵",
    "油江",
    "斗湖",
    "南平",
    "新洲",
    "江南",
    "楚源",
    "湘鄂",
    "惠民",
    "亿达",
    "通达",
    "明珠",
    "银河",
    "盛世",
    "君安",
)
INDUSTRY_WORDS = {
    "批发零售": ("商贸", "贸易", "百货", "农资", "建材", "医药", "五金机电"),
    "制造业": ("机械制造", "汽车零部件", "塑业", "纺织", "食品", "电子科技", "新材料", "家具制造"),
    "农林牧渔": ("农业发展", "生态农业", "水产", "种养殖", "农业科技"),
    "餐饮住宿": ("餐饮管理", "酒店管理", "餐饮服务"),
    "建筑业": ("建筑工程", "建设工程", "装饰工程", "市政工程"),
    "交通运输": ("物流", "运输", "货运代理"),
    "居民服务": ("家政服务", "物业管理", "汽车服务"),
    "信息技术": ("网络科技", "信息技术", "软件开发"),
    "租赁和商务服务": ("商务咨询", "广告传媒", "设备租赁", "人力资源"),
    "文化体育娱乐": ("文化传媒", "文化旅游", "体育发展"),
}
SHOP_WORDS = {
    "批发零售": ("五金店", "便利店", "副食批发部", "建材经营部", "农资店", "服装店", "超市", "家电城"),
    "制造业": ("加工厂", "食品加工坊", "木器加工厂", "机械修理厂"),
    "农林牧渔": ("养殖场", "种植园", "葡萄园", "渔场"),
    "餐饮住宿": ("餐馆", "小吃店", "宾馆", "农家乐"),
    "建筑业": ("装修队", "建材加工部"),
    "交通运输": ("货运部", "汽车运输队"),
    "居民服务": ("理发店", "家电维修部", "洗车行", "干洗店"),
    "信息技术": ("电脑店", "手机店"),
    "租赁和商务服务": ("广告部", "租赁部"),
    "文化体育娱乐": ("文具店", "书店", "茶楼"),
}
COOP_WORDS = ("葡萄种植", "水产养殖", "生猪养殖", "蔬菜种植", "优质稻种植", "油菜种植")


def _weighted(pairs: list[tuple[str, int]]) -> list[str]:
    """A list with each value repeated by its weight, for picking by ``hash % len``."""
    return [value for value, weight in pairs for _ in range(weight)]


KINDS_BY_SEGMENT = {
    "线下授信": _weighted([("小微企业", 60), ("个体工商户", 30), ("农户", 10)]),
    "线上授信": _weighted([("小微企业", 35), ("个体工商户", 40), ("农户", 20), ("个人", 5)]),
    "非授信": _weighted([("小微企业", 30), ("个体工商户", 35), ("农户", 10), ("个人", 25)]),
}
INDUSTRIES_BY_KIND = {
    "小微企业": _weighted(
        [
            ("批发零售", 26),
            ("制造业", 20),
            ("农林牧渔", 8),
            ("餐饮住宿", 8),
            ("建筑业", 10),
            ("交通运输", 8),
            ("居民服务", 5),
            ("信息技术", 4),
            ("租赁和商务服务", 7),
            ("文化体育娱乐", 4),
        ]
    ),
    "个体工商户": _weighted(
        [
            ("批发零售", 38),
            ("制造业", 8),
            ("农林牧渔", 8),
            ("餐饮住宿", 20),
            ("建筑业", 4),
            ("交通运输", 7),
            ("居民服务", 10),
            ("信息技术", 1),
            ("租赁和商务服务", 2),
            ("文化体育娱乐", 2),
        ]
    ),
    "农户": _weighted([("农林牧渔", 85), ("批发零售", 8), ("交通运输", 7)]),
}
CHANNELS = _weighted(
    [
        ("自主营销", 25),
        ("存量客户转介", 15),
        ("行长室介绍", 6),
        ("熟人介绍", 12),
        ("担保公司推荐", 4),
        ("大公司派生关联企业", 4),
        ("线上渠道", 8),
        ("税务局", 8),
        ("市场监督管理局", 6),
        ("科技局", 2),
        ("发改委", 2),
        ("人社局", 2),
        ("商会", 6),
    ]
)
PERSON_REGIONS = _weighted([("421022", 90), ("421002", 4), ("421003", 3), ("421087", 3)])
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]
ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
# 统一社会信用代码 prefixes (registration authority + kind + 公安县): firms, 个体工商户, 合作社.
USCC_PREFIXES = ("91421022", "92421022", "93421022")
# The organisation code's body starts with 'MA4': its weighted sum (M=22, A=10, 4).
ORG_FIXED_SUM = 22 * 3 + 10 * 7 + 4 * 9

# Book profiles: (profile, number of books, latest-month accounts range at 4,000 customers
# (None = share of what is left), offline share, online share).
PROFILES = [
    ("overloaded", 3, (345, 390), 0.10, 0.26),
    ("bottom", 12, (22, 48), 0.30, 0.30),
    ("offline", 10, None, 0.46, 0.08),
    ("online", 10, None, 0.08, 0.50),
    ("balanced", 15, None, 0.24, 0.30),
]
# Share of a month's customers whose deposits jump by 1–2 m, 2–5 m, over 5 m yuan.
JUMP_RATES = (0.0015, 0.0010, 0.0006)
JUMP_MIN_PER_MONTH = 4.0
# New customers arrive more in the 开门红 months: a calendar month's weight in the year's
# arrivals (1.0 when not listed); the year's arrivals weigh 13.5 in all.
JOIN_MONTH_WEIGHT = {1: 1.6, 2: 1.5, 3: 1.4}
# Product take-up and segment switches run at a yearly pace: windows shorter than this many
# months see only their share of it (a three-month demo must not switch a whole year's worth).
PACE_MONTHS = 13


def month_weight(month: str) -> float:
    """The weight of data month ``YYYY-MM`` in the year's new customers (开门红 months weigh more)."""
    return JOIN_MONTH_WEIGHT.get(int(month[5:7]), 1.0)


YEAR_WEIGHT = sum(month_weight(f"2000-{m:02d}") for m in range(1, 13))


def default_end_month(today: date | None = None) -> str:
    """The month before ``today`` as 'YYYY-MM' (the latest complete data month)."""
    today = today or date.today()
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return f"{year:04d}-{month:02d}"


def month_list(end_month: str, months: int) -> list[str]:
    """The ``months`` data months ending at ``end_month``, oldest first."""
    year, month = int(end_month[:4]), int(end_month[5:7])
    index = year * 12 + month - 1
    return [f"{(k // 12):04d}-{(k % 12) + 1:02d}" for k in range(index - months + 1, index + 1)]


def sql_literal(text: str) -> str:
    """A SQL string literal of one of our own salts or constants."""
    return "'" + text.replace("'", "''") + "'"


def sql_list(values) -> str:
    """A DuckDB list literal of strings (our own constants, never user input)."""
    return "[" + ", ".join("'" + str(v).replace("'", "''") + "'" for v in values) + "]"
