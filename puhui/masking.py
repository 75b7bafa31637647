"""Masking personal data for training mode (培训演示模式).

The rules are data, kept in this module's tables and in settings:

- a person's or business owner's name keeps its surname, every other character becomes
  ``*`` (one star per character: ``张三丰`` → ``张**``; a compound surname is kept whole:
  ``欧阳娜娜`` → ``欧阳**``);
- a business name keeps its region prefix (``公安县``), its industry and legal-form words
  (``商贸有限公司``) and hides the distinctive trade name (字号): ``公安县宏达商贸有限公司``
  → ``公安县**商贸有限公司``; for a 个体工商户 named after its owner the owner's name is
  masked as a person's (``张三个体工商户`` → ``张*个体工商户``); a region part that would
  leave no trade name is taken as the trade name (``公安县王金镇餐馆`` → ``公安县***餐馆``);
  a name without any industry or legal-form word is masked as a person's;
- ID numbers (18- and 15-digit ID cards, 18-character 统一社会信用代码) keep the first 1
  and last 2 characters, phone numbers (mobiles and landlines with area code) the first 3
  and last 4 digits, account and card numbers the first 6 and last 4 (settings
  ``mask_keep_id``, ``mask_keep_phone``, ``mask_keep_account``).

Every rule keeps the value's length and puts ``*`` only where it hides something, and
which characters it keeps depends only on the length and the kept characters, so masking
a masked value changes nothing. ``None``, NaN and blank strings pass through unchanged.
Short values hide more: a rule never shows more than ``len - min_hidden`` characters.

``mask_frame`` masks a DataFrame by column name (canonical names and Chinese headers;
manager names are employees and stay) and scans the other text columns with
``mask_text``, which finds ID, USCC, card and phone numbers inside free text.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

from . import contract, settings

STAR = "*"

# Two-character surnames; a name starting with one keeps both characters (欧阳娜娜 → 欧阳**).
COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 诸葛 上官 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 令狐 端木 独孤 南宫 西门 "
    "百里 呼延 轩辕 太史 万俟 闻人 澹台 公冶 宗政 濮阳 淳于 单于 申屠 公羊 赫连 钟离 拓跋 "
    "东郭 梁丘 左丘 司空 司寇 亓官 仲孙 巫马 微生 羊舌 谷梁 段干 乐正 漆雕 公良 即墨 颛孙 "
    "鲜于 闾丘 第五 南门 东门 西方".split()
)

# Legal-form words a business name ends with, peeled first (longest first).
LEGAL_FORMS = (
    "股份有限公司 有限责任公司 集团有限公司 有限公司 分公司 总公司 公司 集团 有限合伙 普通合伙 "
    "合伙企业 个人独资企业 个体工商户 农民专业合作社 专业合作社 股份经济合作社 合作联社 联合社 "
    "合作社 家庭农场 事务所 工作室 经营部 门市部 营业部 服务部 销售部 经销部 批发部 代理处 "
    "分店 分厂 中心 商行 商店 商城 商场 超市 便利店 便民店 小卖部 大药房 药房 药店 诊所 门诊 "
    "卫生院 医院 学校 幼儿园 养殖场 种植场 农场 林场 牧场 果园 茶园 苗圃 农庄 山庄 加油站 "
    "服务站 维修站 酒店 宾馆 饭店 餐馆 饭庄 酒楼 面馆 茶楼 茶馆 网吧 农家乐 运输队 车队 工程队 "
    "施工队 装修队 "
    "厂 店 馆 行 部 社 坊 铺 场 园 站 所 院 庄 城 楼 处 队 摊 档"
).split()

# Industry words kept in a business name (商贸, 建材, 餐饮...), peeled after the legal form.
INDUSTRY_WORDS = (
    "商贸 贸易 经贸 工贸 实业 科技 技术 信息 网络 电子 电器 电气 机械 机电 设备 五金 建材 建筑 "
    "建设 工程 装饰 装修 家具 木业 石材 钢材 钢构 物流 运输 货运 仓储 冷链 快递 餐饮 饮食 食品 "
    "粮油 米业 面业 油脂 水产 海鲜 果蔬 蔬菜 水果 生鲜 农产品 农业 林业 牧业 畜牧 渔业 养殖 种植 "
    "种养 农资 农机 化肥 种业 苗木 花卉 茶叶 茶业 酒业 烟酒 副食 百货 日用品 服装 服饰 鞋业 纺织 "
    "针织 布艺 印刷 包装 纸业 塑料 塑胶 化工 材料 新材料 能源 新能源 环保 环境 医药 药业 医疗 "
    "器械 汽车 汽修 汽配 汽车维修 摩托车 电动车 通讯 手机 数码 家电 眼镜 钟表 珠宝 文化 传媒 "
    "广告 教育 培训 咨询 管理 服务 劳务 人力资源 物业 置业 房地产 地产 投资 发展 控股 旅游 "
    "旅行社 美容 美发 理发 美甲 养生 足浴 健身 摄影 婚庆 烘焙 蛋糕 小吃 火锅 烧烤 奶茶 棋牌 "
    "批发 零售 销售 经营 加工 制造 制品 生产 维修 修理 租赁 安装 开发 设计 制衣 家纺 陶瓷 灯饰 "
    "照明 水暖 卫浴 门窗 玻璃 铝业 电缆 电线 光电 软件 机床 模具 配件 零部件 饲料 兽药 肉类 "
    "肉食 屠宰 禽业 蛋品 乳业 饮品 饮料 调味品 熟食 卤味 冷饮 商务 电商 电子商务 供应链 市场 "
    "货运代理 代理 生态 生猪 市政 汽车运输"
).split()

# Region names used without an administrative suffix at the start of a business name.
REGION_NAMES = (
    "中国 北京 天津 上海 重庆 河北 山西 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 河南 湖北 "
    "湖南 广东 海南 四川 贵州 云南 陕西 甘肃 青海 内蒙古 广西 西藏 宁夏 新疆 香港 澳门"
).split()

# Forms whose remaining part is the owner's own name, masked as a person's name.
OWNER_NAMED_FORMS = frozenset({"个体工商户"})


def _by_length(words) -> tuple[tuple[int, frozenset[str]], ...]:
    """Words grouped by length, longest first, for fast suffix look-ups."""
    lengths = sorted({len(w) for w in words}, reverse=True)
    return tuple((n, frozenset(w for w in words if len(w) == n)) for n in lengths)


_KEPT_WORDS = frozenset(LEGAL_FORMS) | frozenset(INDUSTRY_WORDS)
_FORMS = _by_length(LEGAL_FORMS)
_INDUSTRIES = _by_length(INDUSTRY_WORDS)

# One part of a region prefix: a region name used bare (湖北), or 2-6 characters ending in
# an administrative suffix. The look-arounds keep words such as 市场/超市/区域 inside a
# trade name.
_REGION_PART = re.compile(
    r"(?:" + "|".join(sorted(REGION_NAMES, key=len, reverse=True)) + r")(?![省市])|"
    r"[\u4e00-\u9fff]{2,6}?"
    r"(?:特别行政区|自治区|自治州|自治县|省|地区|盟|旗|街道|"
    r"(?<![超菜夜门街])市(?!场|政|容|民|级|井|集)|县|(?<![园社景厂小])区(?!域|间|别)|镇(?!店)|"
    r"乡(?!村|土|情)|村(?!镇|委|级))"
)
_BRACKET_TAIL = re.compile(r"[（(][^（）()]*[）)]$")
_SEPARATORS = frozenset(" -—－()（）+/.·")
_SEPARATOR_RE = re.compile("[" + re.escape("".join(sorted(_SEPARATORS))) + "]")

# Column names (canonical and Chinese headers) that hold personal data, with their kind.
_EXTRA_COLUMNS = {
    "person": (
        "owner_name",
        "legal_rep",
        "contact_name",
        "法定代表人",
        "法人代表",
        "法人",
        "经营者",
        "经营者姓名",
        "实际控制人",
        "联系人",
        "业主姓名",
    ),
    "account": (
        "account_no",
        "card_no",
        "账号",
        "帐号",
        "账户",
        "账户号",
        "账户号码",
        "银行账号",
        "结算账号",
        "卡号",
        "银行卡号",
        "银行卡",
    ),
    "name_list": ("candidate_names", "候选客户"),
    # A customer number identifies a customer in the bank's own systems: kept ends only.
    "customer": ("customer_id", "客户号", "客户编号", "客户编码"),
}
_CONTRACT_KINDS = {"customer_name": "name", "phone": "phone", "id_number": "id"}
# Customer kinds whose names are people's names (the rest go through auto-detection).
PERSON_KINDS = frozenset({"个人", "农户", "自然人"})


def _column_kinds() -> dict[str, str]:
    kinds: dict[str, str] = {}
    for table in contract.TABLES.values():
        for col in table.columns:
            if col.personal and col.name in _CONTRACT_KINDS:
                for header in col.headers:
                    kinds.setdefault(header, _CONTRACT_KINDS[col.name])
    for kind, names in _EXTRA_COLUMNS.items():
        for name in names:
            kinds.setdefault(name, kind)
    return kinds


COLUMN_KINDS: dict[str, str] = _column_kinds()


def personal_columns(df: pd.DataFrame) -> list[str]:
    """The columns of ``df`` that hold personal data (names, phones, ID and account numbers)."""
    return [
        column
        for column in df.columns
        if COLUMN_KINDS.get(str(column)) in ("name", "phone", "id", "person", "account", "name_list")
    ]


@dataclass(frozen=True)
class KeepEnds:
    """Keep ``head`` leading and ``tail`` trailing characters, hide at least ``min_hidden``."""

    head: int
    tail: int
    min_hidden: int = 4


def keep_rule(kind: str) -> KeepEnds:
    """The keep-the-ends rule for ``id``, ``phone``, ``account`` or ``customer``, read from settings."""
    return _keep_rule(str(settings.get(f"mask_keep_{kind}")), int(settings.get("mask_min_hidden")))


@lru_cache(maxsize=64)
def _keep_rule(spec: str, min_hidden: int) -> KeepEnds:
    head, tail = (int(part) for part in spec.split(","))
    return KeepEnds(head, tail, min_hidden)


def _missing(value) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    return False


def _as_text(value) -> str:
    # Phone and ID numbers sometimes arrive as numbers (13812345678.0).
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _kept_positions(n: int, rule: KeepEnds) -> tuple[int, int]:
    """How many leading and trailing characters to keep of ``n`` maskable ones."""
    keep = max(0, min(rule.head + rule.tail, n - rule.min_hidden))
    if keep == rule.head + rule.tail:
        return rule.head, rule.tail
    if rule.head + rule.tail == 0:
        return 0, 0
    head = min(rule.head, keep * rule.head // (rule.head + rule.tail))
    return head, min(rule.tail, keep - head)


def mask_keep_ends(value: str, rule: KeepEnds) -> str:
    """Mask ``value`` keeping its ends; separators (spaces, hyphens, brackets, +) stay."""
    if not _SEPARATOR_RE.search(value):
        head, tail = _kept_positions(len(value), rule)
        return value[:head] + STAR * (len(value) - head - tail) + value[len(value) - tail :]
    slots = [i for i, ch in enumerate(value) if ch not in _SEPARATORS]
    head, tail = _kept_positions(len(slots), rule)
    hidden = set(slots[head : len(slots) - tail])
    return "".join(STAR if i in hidden else ch for i, ch in enumerate(value))


def mask_person(value: str) -> str:
    """A person's name: the surname stays (both characters of a compound one), the rest ``*``."""
    keep = 2 if len(value) >= 3 and value[:2] in COMPOUND_SURNAMES else 1
    if len(value) <= 1:
        return STAR * len(value)
    return value[:keep] + "".join(ch if ch in " ·•" else STAR for ch in value[keep:])


@lru_cache(maxsize=65_536)
def split_business_name(value: str) -> tuple[str, str, tuple[str, ...]]:
    """Split a business name into (region prefix, distinctive part, kept words from the end).

    ``公安县宏达商贸有限公司`` → ``("公安县", "宏达", ["有限公司", "商贸"])``; the words are
    listed as peeled, outermost first.
    """
    parts, pos = [], 0
    while match := _REGION_PART.match(value, pos):
        parts.append(match.group(0))
        pos = match.end()
    # A region that leaves no trade name, or no industry or legal-form word, behind took
    # in the trade name (张记超市 read as a place ending in 市, 王金镇有限公司): give back
    # parts until both are left.
    while parts:
        rest, tails = _peel(value[len("".join(parts)) :])
        if rest and tails:
            return "".join(parts), rest, tails
        parts.pop()
    rest, tails = _peel(value)
    return "", rest, tails


def _peel(rest: str) -> tuple[str, tuple[str, ...]]:
    """Peel the legal form(s), bracketed parts and industry words off the end of ``rest``."""
    tails: list[str] = []
    # The name reads region + trade name + industry words + legal form: peel the legal
    # forms (and bracketed parts) first, then the industry words, so that a form word
    # such as 场 or 行 is never taken from inside the trade name.
    for words in (_FORMS, _INDUSTRIES):
        while rest:
            bracket = _BRACKET_TAIL.search(rest)
            if bracket:
                tails.append(bracket.group(0))
                rest = rest[: bracket.start()]
                continue
            word = next((rest[-n:] for n, group in words if len(rest) >= n and rest[-n:] in group), None)
            if word is None:
                break
            tails.append(word)
            rest = rest[: -len(word)]
    return rest, tuple(tails)


def _word(tail: str) -> str:
    """A peeled word without its brackets: ``（个体工商户）`` → ``个体工商户``."""
    return tail.strip("（）()")


def _is_person_like(value: str, tails) -> bool:
    words = [_word(t) for t in tails if _word(t) in _KEPT_WORDS]
    if not words:
        return True
    only_single = all(len(t) == 1 for t in words)
    if only_single and len(value) <= 3:
        return True
    return only_single and len(value) <= 4 and value[:2] in COMPOUND_SURNAMES


def mask_business(value: str) -> str:
    """A business name: region, industry and legal-form words stay; the trade name is hidden."""
    region, core, tails = split_business_name(value)
    if not tails:
        return mask_person(value)
    kept = list(reversed(tails))  # innermost first, in reading order
    if core:
        owner_named = any(_word(t) in OWNER_NAMED_FORMS for t in tails)
        masked_core = mask_person(core) if owner_named else STAR * len(core)
        return region + masked_core + "".join(kept)
    # Nothing but industry and form words (商贸有限公司): hide the innermost word instead,
    # unless what is left then reads as a person's name (商贸店 → **店): mask it as one.
    masked = region + STAR * len(kept[0]) + "".join(kept[1:])
    if _is_person_like(masked, split_business_name(masked)[2]):
        return mask_person(value)
    return masked


@lru_cache(maxsize=65_536)
def mask_name(value: str) -> str:
    """A customer name of either kind: a business name when it reads like one, else a person's."""
    region, core, tails = split_business_name(value)
    if _is_person_like(value, tails):
        return mask_person(value)
    return mask_business(value)


def mask_name_list(value: str) -> str:
    """Names joined by ``、`` (or commas), each masked as a customer name."""
    parts = re.split(r"([、,，;；])", value)
    return "".join(p if i % 2 else (mask_name(p.strip()) if p.strip() else p) for i, p in enumerate(parts))


_KIND_ALIASES = {"customer_name": "name", "id_number": "id", "card": "account", "card_no": "account"}
_TEXT_MASKERS: dict[str, Callable[[str], str]] = {
    "name": lambda text: mask_name(text.strip()),
    "person": lambda text: mask_person(text.strip()),
    "business": lambda text: mask_business(text.strip()),
    "name_list": lambda text: mask_name_list(text),
    "text": lambda text: mask_text(text),
}


def masker(kind: str) -> Callable[[object], object]:
    """A function masking one value of ``kind`` (rules read from settings once, here)."""
    kind = _KIND_ALIASES.get(kind, kind)
    if kind in ("id", "phone", "account", "customer"):
        rule = keep_rule(kind)
        apply = lambda text: mask_keep_ends(text.strip(), rule)  # noqa: E731
    elif kind in _TEXT_MASKERS:
        apply = _TEXT_MASKERS[kind]
    else:
        raise ValueError(f"未知的脱敏类型：{kind}")

    def mask(value):
        if _missing(value):
            return value
        text = _as_text(value)
        if not text.strip():
            return text
        return apply(text)

    return mask


def mask_value(kind: str, value):
    """Mask one value by kind: ``name`` (auto), ``person``, ``business``, ``id``, ``phone``,
    ``account``, ``name_list`` or ``text``. Missing and blank values come back unchanged."""
    return masker(kind)(value)


_B = r"(?<![0-9A-Za-z])"
_E = r"(?![0-9A-Za-z])"
_TEXT_PATTERNS = [
    ("id", _B + r"\d{17}[0-9Xx]" + _E),
    ("id", _B + r"[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}" + _E),
    ("account", _B + r"\d{16,19}" + _E),
    ("account", _B + r"\d{4}(?: \d{4}){3}(?: \d{1,3})?" + _E),
    ("id", _B + r"\d{15}" + _E),
    ("phone", _B + r"(?:\+?86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}" + _E),
    ("phone", _B + r"(?:0\d{2,3}[ -]?|[(（]0\d{2,3}[)）])\d{7,8}" + _E),
]
_TEXT_RE = re.compile("|".join(f"(?P<k{i}>{p})" for i, (_, p) in enumerate(_TEXT_PATTERNS)))


def mask_text(text, names=()):
    """Mask ID, USCC, card and phone numbers inside free text (error messages, logs).

    ``names``: customer names known to occur in the text, masked as names too.
    """
    if _missing(text) or not isinstance(text, str):
        return text

    def repl(match: re.Match) -> str:
        kind = _TEXT_PATTERNS[int(match.lastgroup[1:])][0]
        return mask_keep_ends(match.group(0), keep_rule(kind))

    masked = _TEXT_RE.sub(repl, text)
    for name in sorted({n for n in names if isinstance(n, str) and n.strip()}, key=len, reverse=True):
        masked = masked.replace(name, mask_name(name.strip()))
    return masked


def _person_rows(df: pd.DataFrame) -> pd.Series | None:
    for col in ("customer_kind", "客户类型"):
        if col in df.columns:
            return df[col].isin(PERSON_KINDS)
    return None


def mask_frame(df: pd.DataFrame | None, columns: dict[str, str] | None = None, scan_text: bool = True):
    """A copy of ``df`` with personal columns masked, found by column name.

    ``columns`` adds or overrides ``{column: kind}``. Manager names are employees and stay,
    unless the setting ``mask_employee_names`` asks to mask them too.
    With ``scan_text`` every other text column goes through :func:`mask_text`, so an ID
    or phone number in a remark column is masked as well.
    """
    if df is None:
        return None
    employees = {"manager_name": "person"} if settings.get("mask_employee_names") else {}
    kinds = {**COLUMN_KINDS, **employees, **(columns or {})}
    out = df.copy()
    persons = _person_rows(out)
    for col in out.columns:
        if not isinstance(col, str):
            continue
        kind = kinds.get(col.strip())
        values = out[col].tolist()
        if kind is not None:
            mask = masker(kind)
            if kind == "name" and persons is not None:
                as_person = masker("person")
                masked = [as_person(v) if p else mask(v) for v, p in zip(values, persons.tolist())]
            else:
                masked = [mask(v) for v in values]
        elif scan_text and (out[col].dtype == object or pd.api.types.is_string_dtype(out[col].dtype)):
            masked = [mask_text(v) for v in values]
        else:
            continue
        out[col] = pd.Series(masked, index=out.index, dtype=object)
    return out


def is_training() -> bool:
    """Whether training mode is on by default (setting ``training_mode``; ``PUHUI_TRAINING_MODE=1``)."""
    return bool(settings.get("training_mode"))


def training_forced() -> bool:
    """Whether the environment forces training mode, so the page must not offer to turn it off."""
    raw = os.environ.get("PUHUI_TRAINING_MODE", "")
    return raw.strip().lower() in {"1", "true", "yes", "on", "是"}
