"""Phase-by-phase campaigns (阶段营销): progress, rankings, activities and the timeline.

The year runs in the phases of :mod:`puhui.periods` ("季季有主题、月月有活动、周周有沙龙"), by
default 开门红 (1–3月), 促提升 (4–6月), 调结构 (7–9月) and 抓储备 (10–12月), and an annual
target is split over them by the weights 4:3:3:2; the activity types and the seed's monthly
activity plan are the data of :mod:`puhui.plans`. This module hands the calendar to the
queries as bound lists and builds the frames and the plotly timeline the page shows; the
phase-summary workbook is :mod:`puhui.campaign_summary`. Nothing here needs Streamlit.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import duckdb
import pandas as pd
import plotly.graph_objects as go

from . import contract, fmt, overview, queries
from .periods import Calendar, Phase, load_calendar, month_end, plain
from .plans import ACTIVITY_MEASURES, MEASURES, PlannedActivity, activity_plan, activity_type, activity_types

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
HELD, MISSED, UPCOMING, NO_DATA = "已举办", "未举办", "待举办", "无活动数据"


def progress_params(month: str, branch: str | None = None, cal: Calendar | None = None) -> dict:
    """The bound parameters of ``campaign_progress`` for a calendar (the default targets come from the registry)."""
    cal = cal or load_calendar()
    return {"month": month, "branch": branch, **cal.query_params()}


def _frame(con: duckdb.DuckDBPyConnection, name: str, params: dict) -> pd.DataFrame:
    # run_rows keeps DECIMAL money as exact Decimals (a DataFrame from DuckDB would hold floats).
    columns, rows = queries.run_rows(con, name, params)
    return pd.DataFrame.from_records(rows, columns=columns)


def progress(
    con: duckdb.DuckDBPyConnection, month: str, branch: str | None = None, cal: Calendar | None = None
) -> pd.DataFrame:
    """One row per phase and measure: targets, actuals (amounts in yuan, Decimal), completion, time progress."""
    cal = cal or load_calendar()
    frame = _frame(con, "campaign_progress", progress_params(month, branch, cal))
    labels = {p.number: p.label for p in cal.phases}
    frame.insert(2, "phase_label", frame["phase"].map(labels))
    return frame


def measure_kind(measure: str) -> str:
    """``wan`` for an amount measure (yuan shown in 万元), else ``count``."""
    return "wan" if measure in AMOUNT_MEASURES else "count"


def whole_count(value):
    """A count rounded half up to whole accounts (None stays None)."""
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
        for col in (
            "annual_target",
            "target",
            "actual",
            "cumulative_target",
            "cumulative_actual",
            "target_level",
            "baseline_count",
        ):
            rows[col] = pd.array([whole_count(v) for v in rows[col]], dtype="Int64")
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


YEAR_COLUMNS = {
    "count": {
        "measure": ("指标", "text"),
        "year_start": ("年初", "count"),
        "year_actual": ("本月", "count"),
        "target_level": ("年度目标", "count"),
        "completion_shown": ("完成率（增量）", "pct"),
        "progress_gap_pp": ("较序时（百分点）", "number"),
        "attainment": ("余额达成率", "pct"),
        "status": ("进度", "text"),
    },
    "wan": {
        "measure": ("指标", "text"),
        "year_actual": ("本年累计", "wan"),
        "target_level": ("年度目标", "wan"),
        "completion_shown": ("完成率", "pct"),
        "progress_gap_pp": ("较序时（百分点）", "number"),
        "status": ("进度", "text"),
    },
    "activity_count": {
        "measure": ("指标", "text"),
        "year_actual": ("本年累计", "count"),
        "target_level": ("年度目标", "count"),
        "completion_shown": ("完成率", "pct"),
        "progress_gap_pp": ("较序时（百分点）", "number"),
        "status": ("进度", "text"),
    },
}


def year_table(progress_frame: pd.DataFrame, kind: str) -> pd.DataFrame:
    """The year's progress per measure on the overview's definition (one row per measure).

    ``kind``: ``"count"`` the balance-like counts (管户数 and the segments: increase over the
    start of the year against time progress, attainment beside it, the very figures of the
    overview), ``"activity_count"`` the activity counts and ``"wan"`` the activity amounts
    (this year's sum against the annual target). Counts are whole accounts; amounts Decimal yuan.
    """
    if progress_frame.empty:
        return pd.DataFrame(columns=[*YEAR_COLUMNS[kind], "increase"])
    rows = progress_frame.drop_duplicates("measure").copy()
    if kind == "count":
        rows = rows[rows["measure_kind"] == "count"]
    else:
        rows = rows[
            (rows["measure_kind"] != "count")
            & (rows["measure"].map(measure_kind) == ("wan" if kind == "wan" else "count"))
        ]
    rows["increase"] = [
        None if a is None or s is None or pd.isna(a) or pd.isna(s) else a - s
        for a, s in zip(rows["year_actual"], rows["year_start"])
    ]
    rows["needed"] = [
        None if t is None or s is None or pd.isna(t) or pd.isna(s) else t - s
        for t, s in zip(rows["target_level"], rows["year_start"])
    ]
    rows["completion_shown"] = [
        overview.shown_completion(c, i) for c, i in zip(rows["year_completion"], rows["increase"])
    ]
    rows["progress_gap_shown"] = [
        None if s is None or pd.isna(s) else g for s, g in zip(rows["completion_shown"], rows["year_progress_gap"])
    ]
    rows["progress_gap_pp"] = rows["progress_gap_shown"].map(overview.points)
    rows["status"] = [
        "无目标"
        if t is None or pd.isna(t)
        else (
            "无活动数据"
            if kind != "count" and (a is None or pd.isna(a))
            else overview.progress_status(
                g,
                i,
                n,
                "户" if kind != "wan" else "元",
                False,
                start_known=s is not None and not pd.isna(s),
                attainment=att,
            )
        )
        for t, a, g, i, n, s, att in zip(
            rows["target_level"],
            rows["year_actual"],
            rows["year_progress_gap"],
            rows["increase"],
            rows["needed"],
            rows["year_start"],
            rows["attainment"],
        )
    ]
    if kind != "wan":
        for col in ("year_start", "year_actual", "target_level"):
            rows[col] = pd.array([whole_count(v) for v in rows[col]], dtype="Int64")
    return rows.reset_index(drop=True)


def completion_matrix(progress_frame: pd.DataFrame, cal: Calendar) -> tuple[pd.DataFrame, dict[str, tuple[str, str]]]:
    """Completion per measure (rows) and phase (columns ``phase_1``…), with the ``ui.table`` columns."""
    columns: dict[str, tuple[str, str]] = {"measure": ("指标", "text")}
    frame = pd.DataFrame({"measure": list(MEASURES)})
    for phase in cal.phases:
        rows = progress_frame[progress_frame["phase"] == phase.number].set_index("measure")
        key = f"phase_{phase.number}"
        frame[key] = [as_ratio(rows["completion"].get(m)) if m in rows.index else None for m in MEASURES]
        columns[key] = (f"{phase.label}完成率", "pct")
    return frame, columns


def phase_results(con: duckdb.DuckDBPyConnection, month: str, phase: Phase, branch: str | None = None) -> pd.DataFrame:
    """Each (sub-branch, manager) and measure with what it delivered in ``phase`` up to ``month`` (long)."""
    return _frame(
        con,
        "campaign_phase_by_manager",
        {"month": month, "branch": branch, "phase_start": phase.start_month, "phase_end": phase.end_month},
    )


def ranking(results: pd.DataFrame, measures: tuple[str, ...] | list[str], level: str = "branch") -> pd.DataFrame:
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
            wide[m] = wide[m].map(whole_count).astype("Int64")
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


def activities(
    con: duckdb.DuckDBPyConnection, month: str, branch: str | None = None, cal: Calendar | None = None
) -> pd.DataFrame:
    """The activities held in ``month``'s year up to its end, with phase and type."""
    cal = cal or load_calendar()
    frame = _frame(con, "campaign_activities", {"month": month, "branch": branch})
    rules = activity_types()
    if frame.empty:
        return frame.assign(
            phase=pd.Series(dtype="Int64"), phase_label=pd.Series(dtype=object), activity_type=pd.Series(dtype=object)
        )
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


def activity_months(con: duckdb.DuckDBPyConnection, month: str) -> set[str]:
    """Months of ``month``'s year up to it for which any sub-branch has activities stored."""
    return set(_frame(con, "campaign_activity_months", {"month": month})["month"]) if month else set()


def plan_status(
    acts: pd.DataFrame,
    month: str,
    cal: Calendar | None = None,
    plan: tuple[PlannedActivity, ...] | None = None,
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


def timeline_figure(cal: Calendar, month: str, acts: pd.DataFrame, status: pd.DataFrame | None = None) -> go.Figure:
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
                hovertext=[f"{phase.label} {phase.months_text}<br>{phase.theme}<br>权重 {plain(phase.weight)}"],
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


def as_ratio(value):
    """A ratio as a float for tables and workbooks (None stays None)."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    return float(value)
