"""Phase-by-phase campaigns (阶段营销): the calendar, progress, rankings, activities, summary.

The year runs in phases ("季季有主题、月月有活动、周周有沙龙"), by default 开门红 (1–3月),
促提升 (4–6月), 调结构 (7–9月) and 抓储备 (10–12月), and an annual target is split over them
by the weights 4:3:3:2. Calendar, weights, names, themes, the measures each phase ranks on,
the activity types and the seed's monthly activity plan are settings (``phase_months``,
``phase_weights``, ``phase_names``, ``phase_themes``, ``phase_rank_measures``,
``activity_types``, ``activity_plan``); this module reads them, hands the calendar to the
queries as bound lists, and builds the frames, the plotly timeline and the phase-summary
workbook the page shows. Nothing here needs Streamlit.
"""

from __future__ import annotations

import calendar as _calendar
import re
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import duckdb
import pandas as pd
import plotly.graph_objects as go

from . import contract, fmt, queries, settings

# The campaign measures in display order: five from the activities table, four counts
# from the customer snapshots (whose phase actual is the increase over the phase).
ACTIVITY_MEASURES = ("新开户数", "新开基本户数", "新增代发户数", "新增存款", "新增贷款")
COUNT_MEASURES = ("线下授信户数", "线上授信户数", "非授信户数", "管户数")
MEASURES = ACTIVITY_MEASURES + COUNT_MEASURES
AMOUNT_MEASURES = frozenset(m for m in MEASURES if m in contract.AMOUNT_METRICS)
# Count measures whose target defaults to a per-manager setting when none is uploaded.
DEFAULT_TARGET_SETTINGS = {
    "线下授信户数": "target_offline",
    "线上授信户数": "target_online",
    "非授信户数": "target_non_credit",
    "管户数": "target_total",
}
ACTIVITY_RESULT_COLUMNS = {
    "new_accounts": "新开户数",
    "new_basic_accounts": "新开基本户数",
    "new_payroll": "新增代发户数",
    "new_deposits": "新增存款",
    "new_loans": "新增贷款",
}
OTHER_TYPE = "其他"
HELD, MISSED, UPCOMING, NO_DATA = "已举办", "未举办", "待举办", "无活动数据"
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
        return ":".join(_plain(p.weight) for p in self.phases)

    def query_params(self) -> dict:
        """The calendar as lists for the ``campaign_progress`` query's bound parameters."""
        return {
            "phase_names": [p.name for p in self.phases],
            "phase_starts": [p.start_month for p in self.phases],
            "phase_ends": [p.end_month for p in self.phases],
            "phase_weights": [p.weight for p in self.phases],
        }


def _plain(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


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


def progress_params(month: str, branch: str | None = None, cal: Calendar | None = None) -> dict:
    """The bound parameters of ``campaign_progress`` (calendar, weights and default targets as lists)."""
    cal = cal or load_calendar()
    return {
        "month": month,
        "branch": branch,
        **cal.query_params(),
        "default_metrics": list(DEFAULT_TARGET_SETTINGS),
        "default_per_manager": [int(settings.get(s)) for s in DEFAULT_TARGET_SETTINGS.values()],
    }


def _frame(con: duckdb.DuckDBPyConnection, name: str, params: dict) -> pd.DataFrame:
    # run_rows keeps DECIMAL money as exact Decimals (a DataFrame from DuckDB would hold floats).
    columns, rows = queries.run_rows(con, name, params)
    return pd.DataFrame.from_records(rows, columns=columns)


def progress(con: duckdb.DuckDBPyConnection, month: str, branch: str | None = None, cal: Calendar | None = None) -> pd.DataFrame:
    """One row per phase and measure: targets, actuals (amounts in yuan, Decimal), completion, time progress."""
    cal = cal or load_calendar()
    frame = _frame(con, "campaign_progress", progress_params(month, branch, cal))
    labels = {p.number: p.label for p in cal.phases}
    frame.insert(2, "phase_label", frame["phase"].map(labels))
    return frame


def measure_kind(measure: str) -> str:
    """``wan`` for an amount measure (yuan shown in 万元), else ``count``."""
    return "wan" if measure in AMOUNT_MEASURES else "count"


def _round_count(value):
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    return int(Decimal(str(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def phase_table(progress_frame: pd.DataFrame, phase: int, kind: str) -> pd.DataFrame:
    """The rows of one phase for the amount measures (``kind="wan"``) or the count measures (``"count"``).

    Count values are rounded to whole accounts; amounts stay Decimal yuan.
    """
    rows = progress_frame[progress_frame["phase"] == phase]
    rows = rows[rows["measure"].map(measure_kind) == kind].copy()
    if kind == "count":
        for col in ("annual_target", "target", "actual", "cumulative_target", "cumulative_actual", "target_level", "baseline_count"):
            rows[col] = pd.array([_round_count(v) for v in rows[col]], dtype="Int64")
    rows["target_source"] = rows["target_source"].fillna("无目标")
    return rows.reset_index(drop=True)


def phase_table_columns(kind: str) -> dict[str, tuple[str, str]]:
    """``ui.table`` columns for :func:`phase_table` (Chinese headers and display kinds)."""
    unit = "wan" if kind == "wan" else "count"
    return {
        "measure": ("指标", "text"),
        "annual_target": ("年度目标" if kind == "wan" else "年度目标（新增）", unit),
        "target": ("阶段目标", unit),
        "actual": ("阶段完成", unit),
        "completion": ("阶段完成率", "pct"),
        "time_progress": ("阶段序时进度", "pct"),
        "progress_gap": ("较序时进度", "pct"),
        "cumulative_target": ("累计目标", unit),
        "cumulative_actual": ("累计完成", unit),
        "cumulative_completion": ("累计完成率", "pct"),
        "target_source": ("目标来源", "text"),
    }


def completion_matrix(progress_frame: pd.DataFrame, cal: Calendar) -> tuple[pd.DataFrame, dict[str, tuple[str, str]]]:
    """Completion per measure (rows) and phase (columns ``phase_1``…), with the ``ui.table`` columns."""
    columns: dict[str, tuple[str, str]] = {"measure": ("指标", "text")}
    frame = pd.DataFrame({"measure": list(MEASURES)})
    for phase in cal.phases:
        rows = progress_frame[progress_frame["phase"] == phase.number].set_index("measure")
        key = f"phase_{phase.number}"
        frame[key] = [_ratio(rows["completion"].get(m)) if m in rows.index else None for m in MEASURES]
        columns[key] = (f"{phase.label}完成率", "pct")
    return frame, columns


def phase_results(
    con: duckdb.DuckDBPyConnection, month: str, phase: Phase, branch: str | None = None
) -> pd.DataFrame:
    """Each (sub-branch, manager) and measure with what it delivered in ``phase`` up to ``month`` (long)."""
    return _frame(
        con,
        "campaign_phase_by_manager",
        {"month": month, "branch": branch, "phase_start": phase.start_month, "phase_end": phase.end_month},
    )


def ranking(
    results: pd.DataFrame, measures: tuple[str, ...] | list[str], level: str = "branch"
) -> pd.DataFrame:
    """Rank sub-branches (``level="branch"``) or managers (``"manager"``) on ``measures``.

    Each measure ranks on its own (highest first, ties share the better place); the overall
    place goes by the average of those places (lower is better), ties broken by the first
    measure. Activities that name no manager count for their sub-branch only.
    """
    measures = list(measures)
    keys = ["branch"] if level == "branch" else ["branch", "manager_id", "manager_name"]
    rows = results[results["measure"].isin(measures)]
    if level == "manager":
        rows = rows[rows["manager_id"].notna()]
    columns = keys + measures + ["average_place", "place"]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    rows = rows.assign(manager_name=rows["manager_name"].fillna(""))
    wide = rows.pivot_table(index=keys, columns="measure", values="value", aggfunc="sum", fill_value=0)
    wide = wide.reindex(columns=measures, fill_value=0).reset_index()
    wide.columns.name = None
    places = pd.DataFrame(
        {m: wide[m].map(float).rank(ascending=False, method="min") for m in measures}, index=wide.index
    )
    wide["average_place"] = places.mean(axis=1).round(2)
    first = wide[measures[0]].map(float)
    order = sorted(wide.index, key=lambda i: (wide.at[i, "average_place"], -first[i], str(wide.at[i, keys[-1]])))
    wide = wide.loc[order].reset_index(drop=True)
    wide["place"] = wide["average_place"].rank(method="min").astype(int)
    for m in measures:
        if m not in AMOUNT_MEASURES:
            wide[m] = wide[m].map(_round_count).astype("Int64")
    return wide[columns]


def ranking_columns(measures: tuple[str, ...] | list[str], level: str = "branch") -> dict[str, tuple[str, str]]:
    """``ui.table`` columns for a :func:`ranking` frame."""
    columns: dict[str, tuple[str, str]] = {"place": ("名次", "count"), "branch": ("支行", "text")}
    if level == "manager":
        columns["manager_id"] = ("客户经理编号", "text")
        columns["manager_name"] = ("客户经理", "text")
    for m in measures:
        label = m if m in ACTIVITY_MEASURES else f"{m}增加"
        columns[m] = (label, measure_kind(m))
    columns["average_place"] = ("平均名次", "number")
    return columns


def activity_types(text: str | None = None) -> list[tuple[str, tuple[str, ...]]]:
    """The activity-type rules ``[(type, keywords)]`` from the setting ``activity_types``."""
    rules = []
    for part in str(text if text is not None else settings.get("activity_types")).split(";"):
        if ":" not in part and "：" not in part:
            continue
        kind, words = re.split(r"[:：]", part, maxsplit=1)
        keywords = tuple(w.strip() for w in words.split("/") if w.strip())
        if kind.strip() and keywords:
            rules.append((kind.strip(), keywords))
    return rules


def activity_type(name: str, rules: list[tuple[str, tuple[str, ...]]] | None = None) -> str:
    """The type of an activity by keywords in its name (first rule that matches), else ``其他``."""
    rules = activity_types() if rules is None else rules
    for kind, keywords in rules:
        if any(k in str(name) for k in keywords):
            return kind
    return OTHER_TYPE


def activities(
    con: duckdb.DuckDBPyConnection, month: str, branch: str | None = None, cal: Calendar | None = None
) -> pd.DataFrame:
    """The activities held in ``month``'s year up to its end, with phase and type."""
    cal = cal or load_calendar()
    frame = _frame(con, "campaign_activities", {"month": month, "branch": branch})
    rules = activity_types()
    if frame.empty:
        return frame.assign(phase=pd.Series(dtype="Int64"), phase_label=pd.Series(dtype=object), activity_type=pd.Series(dtype=object))
    frame["phase"] = frame["month"].map(lambda m: cal.phase_of(m).number)
    frame["phase_label"] = frame["month"].map(lambda m: cal.phase_of(m).label)
    frame["activity_type"] = frame["activity_name"].map(lambda n: activity_type(n, rules))
    return frame


ACTIVITY_COLUMNS = {
    "activity_date": ("活动日期", "date"),
    "activity_name": ("活动名称", "text"),
    "activity_type": ("活动类型", "text"),
    "branch": ("支行", "text"),
    "manager_name": ("客户经理", "text"),
    "new_accounts": ("新开户数", "count"),
    "new_basic_accounts": ("新开基本户数", "count"),
    "new_payroll": ("新增代发户数", "count"),
    "new_deposits": ("新增存款", "wan"),
    "new_loans": ("新增贷款", "wan"),
}


def activity_summary(acts: pd.DataFrame, by: str) -> pd.DataFrame:
    """Activities counted and their results summed by ``activity_type`` or ``month``."""
    results = list(ACTIVITY_RESULT_COLUMNS)
    if acts.empty:
        return pd.DataFrame(columns=[by, "activities", *results])
    grouped = acts.groupby(by, sort=True)
    frame = grouped[results].sum()
    frame.insert(0, "activities", grouped.size())
    frame = frame.reset_index()
    for col in ("new_deposits", "new_loans"):
        frame[col] = frame[col].map(lambda v: Decimal(str(v)) if not isinstance(v, Decimal) else v)
    if by == "activity_type":
        frame = frame.sort_values(["activities", by], ascending=[False, True]).reset_index(drop=True)
    return frame


def activity_summary_columns(by: str) -> dict[str, tuple[str, str]]:
    """``ui.table`` columns for :func:`activity_summary`."""
    first = {"activity_type": ("活动类型", "text"), "month": ("月份", "text")}[by]
    return {
        by: first,
        "activities": ("活动场次", "count"),
        **{k: v for k, v in ACTIVITY_COLUMNS.items() if k in ACTIVITY_RESULT_COLUMNS},
    }


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


def activity_plan(text: str | None = None) -> list[PlannedActivity]:
    """The monthly activity plan from the setting ``activity_plan`` (``月份|名称|关键词/关键词;…``)."""
    plan = []
    for entry in str(text if text is not None else settings.get("activity_plan")).split(";"):
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
    return plan


def activity_months(con: duckdb.DuckDBPyConnection, month: str) -> set[str]:
    """Months of ``month``'s year up to it for which any sub-branch has activities stored."""
    return set(_frame(con, "campaign_activity_months", {"month": month})["month"]) if month else set()


def plan_status(
    acts: pd.DataFrame,
    month: str,
    cal: Calendar | None = None,
    plan: list[PlannedActivity] | None = None,
    months_with_data: set[str] | None = None,
) -> pd.DataFrame:
    """Each planned activity of ``month``'s year: held (a same-month activity matches it), missed, or upcoming.

    Months up to the data month are past: a planned activity with no match there is 未举办,
    unless no sub-branch has any activity stored for that month (``months_with_data``; by
    default the months of ``acts``), which reads 无活动数据. Later months are 待举办.
    """
    cal = cal or load_calendar()
    plan = activity_plan() if plan is None else plan
    if months_with_data is None:
        months_with_data = set(acts["month"]) if not acts.empty else set()
    year, data_no = int(month[:4]), int(month[5:7])
    rows = []
    for item in plan:
        ym = f"{year:04d}-{item.month_no:02d}"
        held = acts[acts["month"] == ym] if not acts.empty else acts
        names = [n for n in (held["activity_name"] if not held.empty else []) if item.matches(n)]
        if names:
            status = HELD
        elif item.month_no > data_no:
            status = UPCOMING
        elif ym in months_with_data:
            status = MISSED
        else:
            status = NO_DATA
        phase = next(p for p in cal.phases if p.contains(item.month_no))
        rows.append(
            {
                "month": ym,
                "phase_label": phase.label,
                "planned_name": item.name,
                "status": status,
                "held_count": len(names),
                "held_names": "、".join(dict.fromkeys(names)),
            }
        )
    return pd.DataFrame(rows, columns=["month", "phase_label", "planned_name", "status", "held_count", "held_names"])


PLAN_COLUMNS = {
    "month": ("月份", "text"),
    "phase_label": ("阶段", "text"),
    "planned_name": ("计划活动", "text"),
    "status": ("状态", "text"),
    "held_count": ("匹配的活动场次", "count"),
    "held_names": ("匹配的活动", "text"),
}

_PHASE_COLOURS = ("#c0392b", "#e67e22", "#2e86c1", "#7d3c98", "#17a589", "#839192")
_TYPE_COLOURS = ("#1f77b4", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f")
_STATUS_STYLE = {
    HELD: dict(symbol="diamond", color="#1f4e79", line=dict(color="#1f4e79", width=1)),
    MISSED: dict(symbol="diamond-open", color="#e67e22", line=dict(color="#e67e22", width=2)),
    UPCOMING: dict(symbol="diamond-open", color="#95a5a6", line=dict(color="#95a5a6", width=1)),
    NO_DATA: dict(symbol="diamond-open-dot", color="#d5d8dc", line=dict(color="#bfc5ca", width=1)),
}


def timeline_figure(
    cal: Calendar, month: str, acts: pd.DataFrame, status: pd.DataFrame | None = None
) -> go.Figure:
    """The year's campaign calendar: one bar per phase, planned and held activities, the data month's end.

    Rows from the top: 阶段 (bars over January–December with the phase names and weights),
    计划活动 (the monthly plan, filled when held, open otherwise), then one row per activity
    type with a marker per held activity; a vertical line marks the data month's last day.
    """
    year = int(month[:4])
    fig = go.Figure()
    phase_row, plan_row = "阶段", "计划活动"
    for phase in cal.phases:
        start = phase.start_date(year)
        end = phase.end_date(year)
        duration_ms = ((end - start).days + 1) * 86_400_000
        share = cal.share(phase.number)
        fig.add_trace(
            go.Bar(
                y=[phase_row],
                x=[duration_ms],
                base=[start.isoformat()],
                orientation="h",
                name=phase.label,
                marker=dict(color=_PHASE_COLOURS[(phase.number - 1) % len(_PHASE_COLOURS)]),
                text=[f"{phase.label}（{phase.months_text}，目标占 {fmt.pct(share, 1)}）"],
                textposition="inside",
                insidetextanchor="middle",
                textfont=dict(color="white"),
                hovertext=[f"{phase.label} {phase.months_text}<br>{phase.theme}<br>权重 {_plain(phase.weight)}"],
                hoverinfo="text",
                showlegend=False,
            )
        )
    if status is not None and not status.empty:
        placed: dict[str, int] = {}
        for state, style in _STATUS_STYLE.items():
            subset = status[status["status"] == state]
            if subset.empty:
                continue
            xs = []
            for ym in subset["month"]:
                slot = placed.get(ym, 0)
                placed[ym] = slot + 1
                xs.append(date(year, int(ym[5:7]), min(4 + 8 * slot, 28)).isoformat())
            fig.add_trace(
                go.Scatter(
                    x=xs,
                    y=[plan_row] * len(subset),
                    mode="markers",
                    name=f"计划活动·{state}",
                    marker=dict(size=13, symbol=style["symbol"], color=style["color"], line=style["line"]),
                    hovertext=[f"{m} {n}（{state}）" for m, n in zip(subset["month"], subset["planned_name"])],
                    hoverinfo="text",
                )
            )
    type_rows: list[str] = []
    if not acts.empty:
        for i, (kind, group) in enumerate(acts.groupby("activity_type", sort=False)):
            type_rows.append(kind)
            hover = [
                f"{d:%Y-%m-%d} {n}<br>{b}{'·' + m if isinstance(m, str) and m else ''}<br>"
                f"新开户 {fmt.count(a)} 户，新增存款 {fmt.wan(dep, unit=True)}，新增贷款 {fmt.wan(loan, unit=True)}"
                for d, n, b, m, a, dep, loan in zip(
                    group["activity_date"],
                    group["activity_name"],
                    group["branch"],
                    group["manager_name"],
                    group["new_accounts"],
                    group["new_deposits"],
                    group["new_loans"],
                )
            ]
            fig.add_trace(
                go.Scatter(
                    x=[pd.Timestamp(d).date().isoformat() for d in group["activity_date"]],
                    y=[kind] * len(group),
                    mode="markers",
                    name=f"已举办·{kind}",
                    marker=dict(size=8, color=_TYPE_COLOURS[i % len(_TYPE_COLOURS)], opacity=0.75),
                    hovertext=hover,
                    hoverinfo="text",
                )
            )
    end = month_end(month)
    fig.add_shape(
        type="line",
        x0=end.isoformat(),
        x1=end.isoformat(),
        y0=0,
        y1=1,
        yref="paper",
        line=dict(color="#d62728", width=2, dash="dash"),
    )
    fig.add_annotation(
        x=end.isoformat(),
        y=1,
        yref="paper",
        yanchor="bottom",
        text=f"数据截至 {end.isoformat()}",
        showarrow=False,
        font=dict(color="#d62728"),
    )
    rows = [phase_row, plan_row, *type_rows]
    fig.update_layout(
        barmode="overlay",
        height=max(260, 90 + 45 * len(rows)),
        margin=dict(l=10, r=10, t=40, b=10),
        legend=dict(orientation="h", yanchor="top", y=-0.12, x=0),
        xaxis=dict(
            type="date",
            range=[date(year, 1, 1).isoformat(), date(year, 12, 31).isoformat()],
            dtick="M1",
            tickformat="%-m月",
            ticklabelmode="period",
            showgrid=True,
        ),
        yaxis=dict(categoryorder="array", categoryarray=rows, autorange="reversed", title=None),
        hovermode="closest",
    )
    return fig


def _ratio(value):
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    return float(value)


PROGRESS_SHEET_COLUMNS = {
    "phase_label": ("阶段", "text"),
    "months": ("起止月份", "text"),
    "measure": ("指标", "text"),
    "unit": ("单位", "text"),
    "annual_target": ("年度目标", "number"),
    "target": ("阶段目标", "number"),
    "actual": ("阶段完成", "number"),
    "completion": ("阶段完成率", "pct"),
    "time_progress": ("阶段序时进度", "pct"),
    "progress_gap": ("较序时进度", "pct"),
    "cumulative_target": ("累计目标", "number"),
    "cumulative_actual": ("累计完成", "number"),
    "cumulative_completion": ("累计完成率", "pct"),
    "target_source": ("目标来源", "text"),
}


def progress_sheet(progress_frame: pd.DataFrame) -> pd.DataFrame:
    """All phases and measures in one unit-aware frame: amounts in 万元, counts in whole accounts."""
    rows = []
    for row in progress_frame.itertuples(index=False):
        money = row.measure in AMOUNT_MEASURES
        value = fmt.to_wan if money else _round_count
        rows.append(
            {
                "phase_label": row.phase_label,
                "months": f"{row.start_month}至{row.end_month}",
                "measure": row.measure,
                "unit": "万元" if money else "户",
                "annual_target": value(row.annual_target),
                "target": value(row.target),
                "actual": value(row.actual),
                "completion": _ratio(row.completion),
                "time_progress": _ratio(row.time_progress),
                "progress_gap": _ratio(row.progress_gap),
                "cumulative_target": value(row.cumulative_target),
                "cumulative_actual": value(row.cumulative_actual),
                "cumulative_completion": _ratio(row.cumulative_completion),
                "target_source": row.target_source if isinstance(row.target_source, str) else "无目标",
            }
        )
    return pd.DataFrame(rows, columns=list(PROGRESS_SHEET_COLUMNS))


def summary_sheets(
    progress_frame: pd.DataFrame,
    phase: Phase,
    month: str,
    branch: str | None,
    cal: Calendar,
    branch_ranking: pd.DataFrame,
    manager_ranking: pd.DataFrame,
    acts: pd.DataFrame,
    status: pd.DataFrame,
) -> list[tuple[str, str, pd.DataFrame, dict]]:
    """The phase summary for the 总结分析会: ``(sheet, title, frame, columns)`` for ``export.sheets_to_xlsx``."""
    from . import export

    filters = {"支行": branch}

    def title(what: str) -> str:
        return export.title_line(f"{phase.label} {what}", month, filters)

    baseline = progress_frame["baseline_month"].dropna() if "baseline_month" in progress_frame else pd.Series()
    notes = pd.DataFrame(
        [
            ("数据月份", month),
            ("范围", branch or "全部支行"),
            ("阶段", f"{phase.label}（{phase.months_text}）"),
            ("阶段主题", phase.theme),
            ("阶段序时进度", fmt.pct(time_progress(month, phase))),
            ("阶段划分", "，".join(f"{p.label} {p.months_text}" for p in cal.phases)),
            ("目标分配权重", cal.weights_text()),
            ("排名指标", "、".join(phase.rank_measures)),
            (
                "户数口径",
                "户数类指标的完成数为户数增加（阶段末户数减阶段初户数），全年起点为"
                + (f" {baseline.iloc[0]} 月末" if not baseline.empty else "上年末（尚无数据）")
                + "；其年度目标为目标户数减起点户数。",
            ),
            ("金额单位", "万元"),
        ],
        columns=["item", "content"],
    )
    in_phase = acts[acts["phase"] == phase.number] if not acts.empty else acts
    phase_months = [f"{int(month[:4]):04d}-{m:02d}" for m in range(phase.start_month, phase.end_month + 1)]
    plan_rows = status[status["month"].isin(phase_months)] if not status.empty else status
    summary_columns = {by: activity_summary_columns(by) for by in ("activity_type", "month")}
    return [
        ("说明", title("总结分析"), notes, {"item": ("项目", "text"), "content": ("内容", "text")}),
        ("阶段进度", title("各阶段目标与完成"), progress_sheet(progress_frame), PROGRESS_SHEET_COLUMNS),
        ("支行排名", title("支行排名"), branch_ranking, ranking_columns(phase.rank_measures, "branch")),
        ("客户经理排名", title("客户经理排名"), manager_ranking, ranking_columns(phase.rank_measures, "manager")),
        ("活动明细", title("活动明细"), in_phase, ACTIVITY_COLUMNS),
        ("活动按类型", title("活动按类型"), activity_summary(in_phase, "activity_type"), summary_columns["activity_type"]),
        ("活动按月份", title("活动按月份"), activity_summary(in_phase, "month"), summary_columns["month"]),
        ("活动计划执行", title("月度活动计划执行"), plan_rows, PLAN_COLUMNS),
    ]


def summary_xlsx(
    con: duckdb.DuckDBPyConnection,
    month: str,
    branch: str | None = None,
    phase: Phase | None = None,
    cal: Calendar | None = None,
    training: bool = False,
) -> bytes:
    """The phase summary workbook (default: the data month's phase) for the phase review meeting.

    Each sheet has a title row (phase, data month, sub-branch) above its Chinese header row.
    """
    from . import export

    cal = cal or load_calendar()
    phase = phase or cal.phase_of(month)
    progress_frame = progress(con, month, branch, cal)
    results = phase_results(con, month, phase, branch)
    acts = activities(con, month, branch, cal)
    status = plan_status(acts, month, cal, months_with_data=activity_months(con, month))
    sheets = summary_sheets(
        progress_frame,
        phase,
        month,
        branch,
        cal,
        ranking(results, phase.rank_measures, "branch"),
        ranking(results, phase.rank_measures, "manager"),
        acts,
        status,
    )
    if training:
        from . import masking

        sheets = [(name, title, masking.mask_frame(frame), columns) for name, title, frame, columns in sheets]
    return export.sheets_to_xlsx(sheets)
