"""The phase summary workbook (阶段总结分析) for the 总结分析会.

One xlsx per phase and scope: a notes sheet (data month, scope, the calendar, the count
definition), every phase's targets and completion in one unit-aware sheet, the sub-branch
and manager rankings on the phase's theme measures, the activities held, summed by type and
by month, and how the monthly activity plan was carried out. The frames come from
:mod:`puhui.campaign`; this module only arranges them into sheets.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from . import fmt
from .campaign import (
    ACTIVITY_COLUMNS,
    AMOUNT_MEASURES,
    PLAN_COLUMNS,
    activities,
    activity_months,
    activity_summary,
    activity_summary_columns,
    as_ratio,
    phase_results,
    plan_status,
    progress,
    ranking,
    ranking_columns,
    whole_count,
)
from .periods import Calendar, Phase, load_calendar, phase_progress

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
        value = fmt.to_wan if money else whole_count
        rows.append(
            {
                "phase_label": row.phase_label,
                "months": f"{row.start_month}至{row.end_month}",
                "measure": row.measure,
                "unit": "万元" if money else "户",
                "annual_target": value(row.annual_target),
                "target": value(row.target),
                "actual": value(row.actual),
                "completion": as_ratio(row.completion),
                "time_progress": as_ratio(row.time_progress),
                "progress_gap": as_ratio(row.progress_gap),
                "cumulative_target": value(row.cumulative_target),
                "cumulative_actual": value(row.cumulative_actual),
                "cumulative_completion": as_ratio(row.cumulative_completion),
                "target_source": row.target_source if isinstance(row.target_source, str) else "无目标",
            }
        )
    return pd.DataFrame(rows, columns=list(PROGRESS_SHEET_COLUMNS))


NOTE_COLUMNS = {"item": ("项目", "text"), "content": ("内容", "text"), "value": ("数值", "pct")}


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
            ("数据月份", month, None),
            ("范围", branch or "全条线", None),
            ("阶段", f"{phase.label}（{phase.months_text}）", None),
            ("阶段主题", phase.theme, None),
            (
                "阶段序时进度",
                "截至数据月末，阶段已过天数占阶段总天数的比例（见“数值”列）",
                phase_progress(month, phase),
            ),
            ("阶段划分", "，".join(f"{p.label} {p.months_text}" for p in cal.phases), None),
            ("目标分配权重", cal.weights_text(), None),
            ("排名指标", "、".join(phase.rank_measures), None),
            (
                "户数口径",
                "户数类指标的完成数为户数增加（阶段末户数减阶段初户数），全年起点为"
                + (f" {baseline.iloc[0]} 月末" if not baseline.empty else "上年末（尚无数据）")
                + "；其年度目标为目标户数减起点户数。",
                None,
            ),
            ("金额单位", "万元", None),
        ],
        columns=["item", "content", "value"],
    )
    in_phase = acts[acts["phase"] == phase.number] if not acts.empty else acts
    plan_rows = status[status["month"].isin(phase.months(month))] if not status.empty else status
    summary_columns = {by: activity_summary_columns(by) for by in ("activity_type", "month")}
    return [
        ("说明", title("总结分析"), notes, NOTE_COLUMNS),
        ("阶段进度", title("各阶段目标与完成"), progress_sheet(progress_frame), PROGRESS_SHEET_COLUMNS),
        ("支行排名", title("支行排名"), branch_ranking, ranking_columns(phase.rank_measures, "branch")),
        ("客户经理排名", title("客户经理排名"), manager_ranking, ranking_columns(phase.rank_measures, "manager")),
        ("活动明细", title("活动明细"), in_phase, ACTIVITY_COLUMNS),
        (
            "活动按类型",
            title("活动按类型"),
            activity_summary(in_phase, "activity_type"),
            summary_columns["activity_type"],
        ),
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
