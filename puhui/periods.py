"""Periods: data months, the campaign calendar, phases, and time progress (序时进度) — one copy.

A data month is ``YYYY-MM``; its figures stand at its last day. Changes are read against the
previous month (环比) and against December of the previous year (较年初). The year runs in
the phases of :mod:`puhui.plans` (by default 开门红 1–3月, 促提升 4–6月, 调结构 7–9月,
抓储备 10–12月, weighted 4:3:3:2); the query registry, the overview, the campaign page and
the grid map all read the calendar and the progress of time from here.
"""

from __future__ import annotations

import calendar as _calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from . import plans

_ORDINALS = "一二三四五六七八九十"


def month_end(month: str) -> date:
    """The last day of data month ``YYYY-MM``."""
    year, mon = int(month[:4]), int(month[5:7])
    return date(year, mon, _calendar.monthrange(year, mon)[1])


def previous_month(month: str) -> str:
    """The calendar month before ``month``: ``2026-01`` → ``2025-12``."""
    year, mon = (int(part) for part in month.split("-"))
    return f"{year - 1}-12" if mon == 1 else f"{year}-{mon - 1:02d}"


def year_start_month(month: str) -> str:
    """The base of year-start changes (较年初): December of the previous year."""
    return f"{int(month[:4]) - 1}-12"


def add_months(month: str, count: int) -> str:
    """The month ``count`` months after ``month`` (before it when negative): ``2026-12`` + 1 → ``2027-01``."""
    year, mon0 = divmod(int(month[:4]) * 12 + int(month[5:7]) - 1 + count, 12)
    return f"{year:04d}-{mon0 + 1:02d}"


def month_choices(today: date, stored: list[str]) -> list[str]:
    """Months an upload picker offers: next month back three years, plus any stored month, newest first."""
    this_month = f"{today.year:04d}-{today.month:02d}"
    return sorted(set(stored) | {add_months(this_month, 1 - back) for back in range(37)}, reverse=True)


def year_months(month: str, first: int = 1, last: int | None = None) -> list[str]:
    """The months ``first``..``last`` (default: up to ``month``'s own) of ``month``'s year, as ``YYYY-MM``."""
    year = int(month[:4])
    last = int(month[5:7]) if last is None else last
    return [f"{year:04d}-{m:02d}" for m in range(first, last + 1)]


def year_days(month: str) -> tuple[int, int]:
    """(days of the year elapsed at the month's last day, days in the year) for ``YYYY-MM``."""
    year, mon = (int(part) for part in month.split("-"))
    elapsed = sum(_calendar.monthrange(year, m)[1] for m in range(1, mon + 1))
    return elapsed, 366 if _calendar.isleap(year) else 365


def year_progress(month: str) -> float:
    """序时进度 of the year at a data month: days elapsed at its last day ÷ days in the year (2026-10 → 304/365)."""
    elapsed, days = year_days(month)
    return elapsed / days


def days_before_end(month: str, days: int) -> date:
    """The day ``days`` days before the data month's last day (look-back windows)."""
    return month_end(month) - timedelta(days=days)


def week_monday(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())


def plain(value: Decimal) -> str:
    """A weight without trailing zeros: ``Decimal('4.0')`` → ``4``."""
    return format(value.normalize(), "f")


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

    def months(self, month: str) -> list[str]:
        """The phase's months in ``month``'s year, as ``YYYY-MM``."""
        return year_months(month, self.start_month, self.end_month)


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
        return self.phase_of_month_no(int(month[5:7]), month)

    def phase_of_month_no(self, month_no: int, month: str | None = None) -> Phase:
        """The phase calendar month ``month_no`` (1–12) falls in."""
        for phase in self.phases:
            if phase.contains(month_no):
                return phase
        raise ValueError(f"月份 {month or month_no} 不在任何阶段内")

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


def load_calendar(
    phase_months: str | None = None,
    weights: str | None = None,
    names: str | None = None,
    themes: str | None = None,
    rank_measures: str | None = None,
) -> Calendar:
    """The campaign calendar from :func:`puhui.plans.phase_plans`, any part overridable (``"1-2,3-6,7-9,10-12"``, ``"3,3,3,3"``)."""
    planned = plans.phase_plans(phase_months, weights, names, themes, rank_measures)
    return Calendar(
        tuple(
            Phase(i, p.name, p.theme, p.start_month, p.end_month, p.weight, p.rank_measures)
            for i, p in enumerate(planned, start=1)
        )
    )


def phase_progress(month: str, phase: Phase) -> float:
    """Days of ``phase`` elapsed at the data month's last day ÷ days in the phase (0 before it, 1 after)."""
    year = int(month[:4])
    start, end = phase.start_date(year), phase.end_date(year)
    elapsed = (min(end, month_end(month)) - start).days + 1
    return max(0, elapsed) / ((end - start).days + 1)


@dataclass(frozen=True)
class PhaseWindow:
    """The phase a data month falls in, dated: its number, label (``二阶段 促提升``), first and last day."""

    number: int
    name: str
    start: date
    end: date

    def until(self, month: str) -> date:
        """The phase's last day counted at ``month``: its end, or the data month's end if earlier."""
        return min(self.end, month_end(month))


def phase_window(month: str) -> PhaseWindow:
    """The dated phase containing ``YYYY-MM`` from the calendar; a ``ValueError`` in Chinese when the settings are wrong."""
    try:
        phase = load_calendar().phase_of(month)
    except ValueError as problem:
        raise ValueError(f"阶段设置有误：{problem}") from None
    year = int(month[:4])
    return PhaseWindow(phase.number, phase.label, phase.start_date(year), phase.end_date(year))
