"""The year's plans as data: the campaign phases (阶段营销) and the monthly activity plan.

Seed 001 gives the year four phases — 开门红 (1–3月), 促提升 (4–6月), 调结构 (7–9月),
抓储备 (10–12月) — an annual target split over them 4:3:3:2, a theme and the measures each
phase ranks on, keyword rules that sort held activities into types, and a plan of named
activities month by month (table 2). They stand here as tuples of dataclasses.

A bank that runs another calendar overrides any part with a setting (``PUHUI_PHASE_MONTHS``,
``PUHUI_PHASE_WEIGHTS``, ``PUHUI_PHASE_NAMES``, ``PUHUI_PHASE_THEMES``,
``PUHUI_PHASE_RANK_MEASURES``, ``PUHUI_ACTIVITY_TYPES``, ``PUHUI_ACTIVITY_PLAN``); only such an
override is text, and the parsers below turn it into the same data, with a Chinese message
for what cannot be read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from . import settings

# The campaign measures in display order: five from the activities table, four counts
# from the customer snapshots (whose phase actual is the increase over the phase).
ACTIVITY_MEASURES = ("新开户数", "新开基本户数", "新增代发户数", "新增存款", "新增贷款")
COUNT_MEASURES = ("线下授信户数", "线上授信户数", "非授信户数", "管户数")
MEASURES = ACTIVITY_MEASURES + COUNT_MEASURES
# A phase whose rank measures are left empty ranks on these.
DEFAULT_RANK_MEASURES = ("新开户数", "新增存款")
OTHER_TYPE = "其他"


@dataclass(frozen=True)
class PhasePlan:
    """One phase as planned: its months, share weight, name, theme and rank measures."""

    start_month: int
    end_month: int
    weight: Decimal
    name: str
    theme: str
    rank_measures: tuple[str, ...]


@dataclass(frozen=True)
class ActivityType:
    """A type of activity and the keywords of its name (沙龙, 会议, 宣传 …)."""

    name: str
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class PlannedActivity:
    """One line of the monthly activity plan (seed 001, table 2)."""

    month_no: int
    name: str
    keywords: tuple[str, ...]

    def matches(self, held_name: str) -> bool:
        """Whether a held activity's name is this planned one (contains its name or a keyword)."""
        held = _bare(held_name)
        return _bare(self.name) in held or any(_bare(k) in held for k in self.keywords)


def _bare(text: str) -> str:
    # Quotes and brackets vary between the plan and what branches type.
    return re.sub(r"[\s“”\"'‘’《》()（）]", "", str(text))


PHASES: tuple[PhasePlan, ...] = (
    PhasePlan(
        1, 3, Decimal(4), "开门红", "完成开门红指标，抓存款、多开户、代发工资", ("新增存款", "新开户数", "新增代发户数")
    ),
    PhasePlan(4, 6, Decimal(3), "促提升", "推进KPI指标，抓渠道建设、重点产品运用", ("新开基本户数", "新增贷款")),
    PhasePlan(
        7, 9, Decimal(3), "调结构", "基本完成全年KPI指标，推进新产品运用、交叉营销", ("线上授信户数", "新增贷款")
    ),
    PhasePlan(10, 12, Decimal(2), "抓储备", "年底收关，业务储备，布局来年工作", ("新开户数", "新增存款")),
)

ACTIVITY_TYPES: tuple[ActivityType, ...] = (
    ActivityType("沙龙", ("沙龙",)),
    ActivityType("会议", ("会议", "峰会", "推动会", "总结会", "分析会", "动员会")),
    ActivityType("宣传", ("宣传", "宣讲", "园区行", "进园区", "联谊")),
    ActivityType("营销", ("营销", "开户", "代发", "冲刺", "储备", "存款", "贷款")),
    ActivityType("员工", ("双提升", "培训", "拓展", "慰问", "答谢", "评选", "家访", "银行家")),
)

ACTIVITY_PLAN: tuple[PlannedActivity, ...] = (
    PlannedActivity(1, "小企业条线峰会", ("条线峰会",)),
    PlannedActivity(1, "存款、代发业务专项推动会议", ("代发业务", "存款业务专项")),
    PlannedActivity(2, "存款业务旺季营销活动", ("旺季营销",)),
    PlannedActivity(2, "园区新春联谊活动", ("联谊",)),
    PlannedActivity(2, "“多开户、多开基本户”活动", ("多开户", "多开基本户")),
    PlannedActivity(3, "员工“双提升”计划", ("双提升",)),
    PlannedActivity(3, "开门红冲刺营销动员会议", ("冲刺", "动员")),
    PlannedActivity(4, "“开门红”总结分析会议", ("总结分析",)),
    PlannedActivity(4, "“园区行”专项推动会议", ("园区行",)),
    PlannedActivity(5, "促提升专项推动会议", ("促提升",)),
    PlannedActivity(5, "员工“双提升”计划(客户经理户外拓展训练)", ("双提升", "拓展训练")),
    PlannedActivity(6, "“园区行”总结会议", ("园区行",)),
    PlannedActivity(6, "存款总结表彰会议", ("表彰",)),
    PlannedActivity(7, "上半年条线峰会", ("条线峰会",)),
    PlannedActivity(7, "重点产品总结推动会议", ("重点产品",)),
    PlannedActivity(8, "“特色产品”集中宣传月活动", ("特色产品", "宣传月")),
    PlannedActivity(8, "员工“双提升”计划(清凉一夏,一线员工高温慰问)", ("双提升", "清凉一夏", "高温慰问")),
    PlannedActivity(9, "全年任务冲刺营销活动", ("冲刺",)),
    PlannedActivity(9, "中秋员工家属答谢活动", ("中秋", "答谢")),
    PlannedActivity(10, "重点产品总结推动会议", ("重点产品",)),
    PlannedActivity(10, "“线上产品”冲刺营销活动", ("线上产品",)),
    PlannedActivity(10, "员工“双提升”计划(外部机构培训)", ("双提升", "外部机构培训")),
    PlannedActivity(11, "开门红项目储备活动", ("项目储备",)),
    PlannedActivity(11, "员工“双提升”计划(“营销突击队”强化计划)", ("双提升", "营销突击队")),
    PlannedActivity(12, "全年条线先进个人及团队评选", ("先进个人", "先进团队")),
    PlannedActivity(12, "“小小银行家”评选活动", ("小小银行家",)),
    PlannedActivity(12, "员工感恩回馈家访活动", ("家访", "感恩回馈")),
)

_SPLIT = re.compile(r"[,，、\s]+")


def parse_months(text: str) -> list[tuple[int, int]]:
    """``"1-3,4-6,7-9,10-12"`` → ``[(1, 3), (4, 6), (7, 9), (10, 12)]``; checks the phases cover the year in order."""
    spans = []
    for part in re.split(r"[,，;；]+", str(text).strip()):
        part = part.strip()
        if not part:
            continue
        match = re.fullmatch(r"(\d{1,2})\s*(?:[-–~～至到]\s*(\d{1,2}))?\s*月?", part)
        if not match:
            raise ValueError(f"阶段月份“{part}”无法识别，应写作“1-3”")
        start = int(match.group(1))
        end = int(match.group(2) or start)
        spans.append((start, end))
    if not spans:
        raise ValueError("阶段月份为空，应写作“1-3,4-6,7-9,10-12”")
    expected = 1
    for start, end in spans:
        if start != expected or end < start or end > 12:
            raise ValueError(f"阶段月份“{text}”应从1月起依次相接、到12月止，不重叠、不留空档")
        expected = end + 1
    if expected != 13:
        raise ValueError(f"阶段月份“{text}”没有覆盖到12月")
    return spans


def parse_weights(text: str) -> list[Decimal]:
    """``"4,3,3,2"`` or ``"4:3:3:2"`` → ``[Decimal(4), Decimal(3), Decimal(3), Decimal(2)]``."""
    parts = [p for p in re.split(r"[,，:：;；\s]+", str(text).strip()) if p]
    weights = []
    for part in parts:
        try:
            weight = Decimal(part)
        except ArithmeticError:
            raise ValueError(f"阶段权重“{part}”不是数字") from None
        if not weight.is_finite() or weight <= 0:
            raise ValueError(f"阶段权重“{part}”应为正数")
        weights.append(weight)
    if not weights:
        raise ValueError("阶段权重为空，应写作“4,3,3,2”")
    return weights


def parse_names(text: str) -> list[str]:
    """``"开门红,促提升,…"`` → the phase names in order."""
    return [n for n in _SPLIT.split(str(text)) if n]


def parse_themes(text: str) -> list[str]:
    """Phase themes separated by ``;`` (a theme may hold commas)."""
    return [t.strip() for t in str(text).split(";")]


def parse_rank_measures(text: str) -> list[tuple[str, ...]]:
    """``"新增存款,新开户数;新增贷款;…"`` → one tuple of campaign measures per phase."""
    groups = []
    for group in str(text).split(";"):
        names = tuple(n for n in _SPLIT.split(group.strip()) if n)
        unknown = [n for n in names if n not in MEASURES]
        if unknown:
            raise ValueError(f"排名指标“{'、'.join(unknown)}”不是阶段营销指标（可用：{'、'.join(MEASURES)}）")
        groups.append(names)
    return groups


def parse_activity_types(text: str) -> tuple[ActivityType, ...]:
    """``"沙龙:沙龙;会议:会议/峰会;…"`` → the activity-type rules, first match first."""
    rules = []
    for part in str(text).split(";"):
        if ":" not in part and "：" not in part:
            continue
        kind, words = re.split(r"[:：]", part, maxsplit=1)
        keywords = tuple(w.strip() for w in words.split("/") if w.strip())
        if kind.strip() and keywords:
            rules.append(ActivityType(kind.strip(), keywords))
    return tuple(rules)


def parse_activity_plan(text: str) -> tuple[PlannedActivity, ...]:
    """``"月份|名称|关键词/关键词;…"`` → the planned activities."""
    plan = []
    for entry in str(text).split(";"):
        if not entry.strip():
            continue
        fields = entry.split("|")
        if len(fields) < 2:
            raise ValueError(f"活动计划条目“{entry}”应写作“月份|活动名称|关键词”")
        month_no = int(fields[0].strip())
        if not 1 <= month_no <= 12:
            raise ValueError(f"活动计划条目“{entry}”的月份应为1–12")
        keywords = tuple(k.strip() for k in (fields[2] if len(fields) > 2 else "").split("/") if k.strip())
        plan.append(PlannedActivity(month_no, fields[1].strip(), keywords))
    return tuple(plan)


def _override(name: str, given: str | None) -> str | None:
    """An explicit text, else the setting's override, else None (the plan's own data)."""
    return given if given is not None else settings.get(name)


def phase_plans(
    phase_months: str | None = None,
    weights: str | None = None,
    names: str | None = None,
    themes: str | None = None,
    rank_measures: str | None = None,
) -> tuple[PhasePlan, ...]:
    """The phases as planned: :data:`PHASES`, with any part overridden by text or its setting."""
    texts = [
        _override(n, v)
        for n, v in (
            ("phase_months", phase_months),
            ("phase_weights", weights),
            ("phase_names", names),
            ("phase_themes", themes),
            ("phase_rank_measures", rank_measures),
        )
    ]
    if all(t is None for t in texts):
        return PHASES
    months_text, weights_text, names_text, themes_text, ranks_text = texts
    spans = parse_months(months_text) if months_text is not None else [(p.start_month, p.end_month) for p in PHASES]
    weight_list = parse_weights(weights_text) if weights_text is not None else [p.weight for p in PHASES]
    if len(weight_list) != len(spans):
        raise ValueError(f"阶段权重有 {len(weight_list)} 个，阶段却有 {len(spans)} 个，两者应一一对应")
    name_list = parse_names(names_text) if names_text is not None else [p.name for p in PHASES]
    theme_list = parse_themes(themes_text) if themes_text is not None else [p.theme for p in PHASES]
    rank_list = parse_rank_measures(ranks_text) if ranks_text is not None else [p.rank_measures for p in PHASES]
    plans = []
    for i, ((start, end), weight) in enumerate(zip(spans, weight_list), start=1):
        name = name_list[i - 1] if i <= len(name_list) else f"第{i}阶段"
        theme = theme_list[i - 1] if i <= len(theme_list) else ""
        ranks = rank_list[i - 1] if i <= len(rank_list) and rank_list[i - 1] else DEFAULT_RANK_MEASURES
        plans.append(PhasePlan(start, end, weight, name, theme, ranks))
    return tuple(plans)


def activity_types(text: str | None = None) -> tuple[ActivityType, ...]:
    """The activity-type rules: :data:`ACTIVITY_TYPES`, or the text given or set in ``activity_types``."""
    text = _override("activity_types", text)
    return ACTIVITY_TYPES if text is None else parse_activity_types(text)


def activity_type(name: str, rules: tuple[ActivityType, ...] | None = None) -> str:
    """The type of an activity by keywords in its name (first rule that matches), else ``其他``."""
    rules = activity_types() if rules is None else rules
    for rule in rules:
        if any(k in str(name) for k in rule.keywords):
            return rule.name
    return OTHER_TYPE


def activity_plan(text: str | None = None) -> tuple[PlannedActivity, ...]:
    """The monthly activity plan: :data:`ACTIVITY_PLAN`, or the text given or set in ``activity_plan``."""
    text = _override("activity_plan", text)
    return ACTIVITY_PLAN if text is None else parse_activity_plan(text)
