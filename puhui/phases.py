"""The campaign calendar (阶段营销): phases, their months, names, themes and target weights.

The year runs in phases, by default 开门红 (1–3月), 促提升 (4–6月), 调结构 (7–9月) and 抓储备
(10–12月), and an annual target is split over them by the weights 4:3:3:2. All of it comes
from settings (``phase_months``, ``phase_weights``, ``phase_names``, ``phase_themes``,
``phase_rank_measures``). This module sits just above ``settings`` so that the query
registry, the campaign page and the grid map read one calendar.
"""

from __future__ import annotations

import calendar as _calendar
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from . import settings

# The campaign measures in display order: five from the activities table, four counts
# from the customer snapshots (whose phase actual is the increase over the phase).
ACTIVITY_MEASURES = ("新开户数", "新开基本户数", "新增代发户数", "新增存款", "新增贷款")
COUNT_MEASURES = ("线下授信户数", "线上授信户数", "非授信户数", "管户数")
MEASURES = ACTIVITY_MEASURES + COUNT_MEASURES
_ORDINALS = "一二三四五六七八九十"
_SPLIT = re.compile(r"[,，、\s]+")


@dataclass(frozen=True)
class Phase:
    """One phase of the campaign year."""

    number: int
    name: str
    theme: str
    start_month: int
    end_month: int
    weight: Decimal
    rank_measures: tuple[str, ...]

    @property
    def label(self) -> str:
        """``一阶段 开门红``."""
        ordinal = _ORDINALS[self.number - 1] if self.number <= len(_ORDINALS) else str(self.number)
        return f"{ordinal}阶段 {self.name}"

    @property
    def months_text(self) -> str:
        """``1–3月`` (or ``4月`` for a one-month phase)."""
        if self.start_month == self.end_month:
            return f"{self.start_month}月"
        return f"{self.start_month}–{self.end_month}月"

    def start_date(self, year: int) -> date:
        """The phase's first day in ``year``."""
        return date(year, self.start_month, 1)

    def end_date(self, year: int) -> date:
        """The phase's last day in ``year``."""
        return date(year, self.end_month, _calendar.monthrange(year, self.end_month)[1])

    def contains(self, month_no: int) -> bool:
        """Whether calendar month ``month_no`` (1–12) falls in this phase."""
        return self.start_month <= month_no <= self.end_month


@dataclass(frozen=True)
class Calendar:
    """The phases of a year, in order, covering January to December without gaps."""

    phases: tuple[Phase, ...]

    @property
    def total_weight(self) -> Decimal:
        """The sum of the phase weights."""
        return sum((p.weight for p in self.phases), Decimal(0))

    def share(self, number: int) -> Decimal:
        """Phase ``number``'s share of the annual target (4/12 for phase 1 by default)."""
        return self.phases[number - 1].weight / self.total_weight

    def cumulative_share(self, number: int) -> Decimal:
        """The share of the annual target due by the end of phase ``number`` (7/12 after phase 2)."""
        return sum((p.weight for p in self.phases[:number]), Decimal(0)) / self.total_weight

    def phase_of(self, month: str) -> Phase:
        """The phase a data month ``YYYY-MM`` falls in."""
        month_no = int(month[5:7])
        for phase in self.phases:
            if phase.contains(month_no):
                return phase
        raise ValueError(f"月份 {month} 不在任何阶段内")

    def weights_text(self) -> str:
        """The weights as users write them: ``4:3:3:2``."""
        return ":".join(plain(p.weight) for p in self.phases)

    def query_params(self) -> dict:
        """The calendar as lists for the ``campaign_progress`` query's bound parameters."""
        return {
            "phase_names": [p.name for p in self.phases],
            "phase_starts": [p.start_month for p in self.phases],
            "phase_ends": [p.end_month for p in self.phases],
            "phase_weights": [p.weight for p in self.phases],
        }


def plain(value: Decimal) -> str:
    """A weight without trailing zeros: ``Decimal('4.0')`` → ``4``."""
    return format(value.normalize(), "f")


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


def _parse_rank_measures(text: str) -> list[tuple[str, ...]]:
    groups = []
    for group in str(text).split(";"):
        names = tuple(n for n in _SPLIT.split(group.strip()) if n)
        unknown = [n for n in names if n not in MEASURES]
        if unknown:
            raise ValueError(f"排名指标“{'、'.join(unknown)}”不是阶段营销指标（可用：{'、'.join(MEASURES)}）")
        groups.append(names)
    return groups


def load_calendar(
    phase_months: str | None = None,
    weights: str | None = None,
    names: str | None = None,
    themes: str | None = None,
    rank_measures: str | None = None,
) -> Calendar:
    """The campaign calendar from the settings, any part overridable (e.g. ``"1-2,3-6,7-9,10-12"``, ``"3,3,3,3"``)."""
    spans = parse_months(phase_months if phase_months is not None else settings.get("phase_months"))
    weight_list = parse_weights(weights if weights is not None else settings.get("phase_weights"))
    if len(weight_list) != len(spans):
        raise ValueError(f"阶段权重有 {len(weight_list)} 个，阶段却有 {len(spans)} 个，两者应一一对应")
    name_list = [n for n in _SPLIT.split(names if names is not None else settings.get("phase_names")) if n]
    theme_list = [t.strip() for t in (themes if themes is not None else settings.get("phase_themes")).split(";")]
    rank_list = _parse_rank_measures(
        rank_measures if rank_measures is not None else settings.get("phase_rank_measures")
    )
    phases = []
    for i, ((start, end), weight) in enumerate(zip(spans, weight_list), start=1):
        name = name_list[i - 1] if i <= len(name_list) else f"第{i}阶段"
        theme = theme_list[i - 1] if i <= len(theme_list) else ""
        ranks = rank_list[i - 1] if i <= len(rank_list) and rank_list[i - 1] else ("新开户数", "新增存款")
        phases.append(Phase(i, name, theme, start, end, weight, ranks))
    return Calendar(tuple(phases))


def month_end(month: str) -> date:
    """The last day of data month ``YYYY-MM``."""
    year, mon = int(month[:4]), int(month[5:7])
    return date(year, mon, _calendar.monthrange(year, mon)[1])


def time_progress(month: str, phase: Phase) -> float:
    """Days of ``phase`` elapsed at the data month's last day ÷ days in the phase (0 before it, 1 after)."""
    year = int(month[:4])
    start, end = phase.start_date(year), phase.end_date(year)
    elapsed = (min(end, month_end(month)) - start).days + 1
    return max(0, elapsed) / ((end - start).days + 1)
