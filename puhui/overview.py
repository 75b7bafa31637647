"""The overview page (经营总览): cards, progress on the increase basis, 四个5/三个1, ranking.

The queries ``overview`` and ``branch_ranking`` return each metric's actual, target and
changes for the line or a sub-branch; this module turns them into what the page shows — the
cards, the progress table and figure (completion of the year's increase against time
progress), the "四个5"/"三个1" positions and the sub-branch ranking — so that all of it can
be tested without Streamlit.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
import plotly.graph_objects as go

from . import fmt, queries, settings
from .periods import year_days, year_start_month

# Overview metrics shown as cards, in order.
CARD_METRICS = (
    "管户数",
    "线下授信户数",
    "线上授信户数",
    "非授信户数",
    "贷款余额",
    "存款余额",
    "逾期率",
    "客户经理人数",
)


def target_params() -> dict:
    """The per-manager default targets as the queries' ``$default_*`` parameters (the registry's values)."""
    return {name: param.fill({}) for name, param in queries.TARGETS.items()}


def value_text(unit: str, value, signed: bool = False, line: bool = True) -> str:
    """A measure's value as text by its unit: counts with separators, yuan in 亿元 (line) or 万元, ratios in %.

    A signed ratio is a change of a rate: percentage points (``+0.06 个百分点``), never ``%``.
    """
    if value is None or pd.isna(value):
        return "—"
    if hasattr(value, "item"):
        value = value.item()  # numpy scalars: fmt reads repr() of floats, and numpy's repr is np.float64(…)
    if unit in ("户", "人"):
        return fmt.count(value, signed=signed)
    if unit == "元":
        return fmt.yi(value, signed=signed) if line else fmt.wan(value, unit=True, signed=signed)
    if unit == "比率":
        return fmt.pp(value) if signed else fmt.pct(value, digits=2)
    return str(value)


def amount_unit(line: bool) -> str:
    """The unit amounts are shown in: 亿元 for the whole line's totals, 万元 for a sub-branch or a manager."""
    return "亿元" if line else "万元"


def number_text(unit: str, value, signed: bool = False, line: bool = True) -> str:
    """A value without its unit (the unit stands in the label): amounts in 亿元 (line) or 万元."""
    if unit == "元":
        if value is None or pd.isna(value):
            return "—"
        return fmt.yi(value, unit=False, signed=signed) if line else fmt.wan(value, signed=signed)
    return value_text(unit, value, signed=signed, line=line)


def _unit_suffix(unit: str) -> str:
    return {"户": " 户", "人": " 人"}.get(unit, "")


@dataclass(frozen=True)
class Card:
    """One figure at the top of the overview: value, month-on-month, year-start and year-on-year change.

    ``label`` carries the unit of amounts (``贷款余额（亿元）``) so that the value and its
    changes stay short enough to read at 1280 px.
    """

    metric: str
    label: str
    value_text: str
    mom: float | None
    mom_text: str | None
    ytd: float | None
    ytd_text: str
    ytd_colour: str
    yoy: float | None = None
    yoy_text: str | None = None
    yoy_colour: str = fmt.GREY


def _number(value) -> float | None:
    if value is None or pd.isna(value):
        return None
    return float(value)


def points(ratio, digits: int = 1) -> float | None:
    """A ratio or a change of one as a number of percentage points (0.0123 → 1.2), for tables and downloads."""
    value = _number(ratio)
    return None if value is None else round(value * 100, digits)


def _change_text(unit: str, value, line: bool) -> str:
    if unit == "比率":
        return fmt.pp(value)
    return f"{number_text(unit, value, signed=True, line=line)}{_unit_suffix(unit)}"


def overview_cards(overview: pd.DataFrame, line: bool = True) -> list[Card]:
    """The overview's cards (管户数, three segments, loans, deposits, overdue rate, managers), in order.

    Amounts are in 亿元 for the whole line and in 万元 for a sub-branch, with the unit in the
    label; rate changes are in percentage points. 同比 only where the month a year earlier is stored.
    """
    rows = overview.set_index("metric")
    cards = []
    for metric in CARD_METRICS:
        if metric not in rows.index:
            continue
        row = rows.loc[metric]
        unit = row["unit"]
        mom, ytd = _number(row["mom_change"]), _number(row["ytd_change"])
        yoy = _number(row["yoy_change"]) if "yoy_change" in row.index else None
        label = f"{metric}（{amount_unit(line)}）" if unit == "元" else metric
        value = number_text(unit, row["actual"], line=line)
        cards.append(
            Card(
                metric=metric,
                label=label,
                value_text=value + (_unit_suffix(unit) if value != "—" else ""),
                mom=mom,
                mom_text=None if mom is None else f"环比 {_change_text(unit, mom, line)}",
                ytd=ytd,
                ytd_text="较年初 —" if ytd is None else f"较年初 {_change_text(unit, ytd, line)}",
                ytd_colour=fmt.change_color(ytd),
                yoy=yoy,
                yoy_text=None if yoy is None else f"同比 {_change_text(unit, yoy, line)}",
                yoy_colour=fmt.change_color(yoy),
            )
        )
    return cards


PROGRESS_DEFINITION = (
    "**进度口径（全行统一，经营总览与阶段营销相同）**：管户数、各类授信户数和贷款、存款余额都是月末时点数，"
    "完成率按**增量口径**计算：完成率 =（本月 − 年初）÷（年度目标 − 年初），与序时进度比较，"
    "高于序时为“超前”、低于为“落后”（相差不到 0.5 个百分点为“持平”），差额以百分点计；"
    "余额达成率 = 本月 ÷ 年度目标，列在旁边供参考。年初指上年12月末；未存储上年12月的，"
    "起点取本年最早存储的月份月末，序时进度相应按该月末至年末的天数计算。"
    "年度目标不高于年初数的（年初即已达标）不计算增量完成率；本月低于年初的记为“负增长”。"
)

PROGRESS_COUNT_COLUMNS: dict[str, tuple[str, str]] = {
    "metric": ("指标", "text"),
    "year_start": ("年初", "count"),
    "actual": ("本月", "count"),
    "target": ("年度目标", "count"),
    "completion_shown": ("完成率（增量）", "pct"),
    "progress_gap_pp": ("较序时（百分点）", "number"),
    "attainment": ("余额达成率", "pct"),
    "status": ("进度", "text"),
}


def progress_columns(kind: str, line: bool = True) -> dict[str, tuple[str, str]]:
    """``ui.table`` columns of :func:`progress_table` for the count measures (``"count"``) or the amounts (``"amount"``)."""
    if kind == "count":
        return PROGRESS_COUNT_COLUMNS
    unit = "yi" if line else "wan"
    return {c: (label, unit if k == "count" else k) for c, (label, k) in PROGRESS_COUNT_COLUMNS.items()}


def progress_status(
    gap, increase=None, needed=None, unit: str = "户", line: bool = True, start_known: bool = True, attainment=None
) -> str:
    """超前 / 落后 / 持平序时 on the increase basis, or why there is no completion.

    Within half a percentage point of time progress counts as 持平序时. Without a start of
    the year: 无年初数据; a target at or below the start of the year: 年初已达标 (or, once
    the balance fell below it, 年初已达标，现低于目标); a balance below the start of the
    year: 负增长 with the change.
    """
    if not start_known:
        return "无年初数据"
    if needed is not None and not pd.isna(needed) and float(needed) <= 0:
        below = attainment is not None and not pd.isna(attainment) and float(attainment) < 1
        return "年初已达标，现低于目标" if below else "年初已达标"
    if increase is not None and not pd.isna(increase) and float(increase) < 0:
        return f"负增长 {value_text(unit, increase, signed=True, line=line)}{_unit_suffix(unit)}"
    if gap is None or pd.isna(gap):
        return "—"
    if abs(float(gap)) < 0.005:
        return "持平序时"
    return "超前序时" if gap > 0 else "落后序时"


def shown_completion(completion, increase):
    """The completion rate as shown: None where the year's increase is negative (the status says why)."""
    # A negative completion (a balance below the start of the year) is not a rate a banker
    # reports: the status says 负增长 with the change instead.
    if completion is None or pd.isna(completion):
        return None
    if increase is not None and not pd.isna(increase) and float(increase) < 0:
        return None
    return float(completion)


def progress_table(overview: pd.DataFrame, line: bool = True, kind: str | None = None) -> pd.DataFrame:
    """Each measure with an annual target: start of year, actual, target, completion on the increase basis
    against time progress, balance attainment beside it, and the status in words.

    ``kind`` keeps only the count measures (``"count"``) or the amounts (``"amount"``).
    """
    frame = overview[overview["target"].notna()].copy()
    if kind == "count":
        frame = frame[frame["unit"].isin(["户", "人"])]
    elif kind == "amount":
        frame = frame[frame["unit"] == "元"]
    frame["actual_text"] = [value_text(u, v, line=line) for u, v in zip(frame["unit"], frame["actual"])]
    frame["target_text"] = [value_text(u, v, line=line) for u, v in zip(frame["unit"], frame["target"])]
    frame["completion_shown"] = [shown_completion(c, i) for c, i in zip(frame["completion"], frame["increase"])]
    frame["progress_gap_shown"] = [
        None if s is None or pd.isna(s) else g for s, g in zip(frame["completion_shown"], frame["progress_gap"])
    ]
    frame["progress_gap_pp"] = frame["progress_gap_shown"].map(points)
    frame["status"] = [
        progress_status(g, i, n, u, line, start_known=pd.notna(s), attainment=a)
        for g, i, n, u, s, a in zip(
            frame["progress_gap"],
            frame["increase"],
            frame["increase_needed"],
            frame["unit"],
            frame["year_start"],
            frame["attainment"],
        )
    ]
    return frame.reset_index(drop=True)


def progress_basis(frame: pd.DataFrame, time_column: str = "time_progress") -> tuple[str | None, float | None]:
    """(baseline month, time progress) of a scope's progress rows (the first row with a target)."""
    rows = frame[frame["baseline_month"].notna()] if "baseline_month" in frame else frame.iloc[0:0]
    if rows.empty:
        return None, None
    tp = rows[time_column].iloc[0]
    return rows["baseline_month"].iloc[0], None if pd.isna(tp) else float(tp)


def progress_basis_text(month: str, baseline_month: str | None, time_progress: float | None) -> str:
    """The time-progress basis of a scope in words: December of last year, or the month the data starts."""
    elapsed, days = year_days(month)
    standard = f"{month} 月末为全年第 {elapsed} 天（全年 {days} 天），全年序时进度 {fmt.pct(elapsed / days)}"
    start_month = year_start_month(month)
    if baseline_month is None or baseline_month >= month:
        return standard + f"；所选范围没有上年12月，也没有 {month} 以前的本年数据，无法按增量口径计算完成率。"
    if baseline_month == start_month:
        return standard + "。"
    return (
        standard + f"；未存储上年12月（{start_month}）的管户明细，年初数取 {baseline_month} 月末，"
        f"序时进度按 {baseline_month} 月末至年末的天数计为 {fmt.pct(time_progress)}。"
    )


def _vline(fig: go.Figure, x: float, text: str | None = None) -> None:
    """A dashed vertical line across the plot (with a label on top): ``add_vline`` without its cost.

    ``fig.add_vline`` re-validates the whole layout, several times the cost of the chart itself.
    """
    shape = dict(
        type="line", x0=x, x1=x, xref="x", y0=0, y1=1, yref="paper", line=dict(dash="dash", color="#333", width=1.5)
    )
    layout = {"shapes": [*fig.layout.shapes, shape]}
    if text:
        layout["annotations"] = [
            *fig.layout.annotations,
            dict(x=x, xref="x", y=1, yref="paper", text=text, showarrow=False, yanchor="bottom"),
        ]
    fig.update_layout(layout)


def _explain_missing_bars(fig: go.Figure, labels: list, values, reasons) -> None:
    # A row without a bar (负增长, 年初已达标, 无年初数据) says why where the bar would start.
    missing = [
        (label, reason)
        for label, value, reason in zip(labels, values, reasons)
        if (value is None or pd.isna(value)) and reason
    ]
    if missing:
        fig.add_trace(
            go.Scatter(
                x=[0] * len(missing),
                y=[m[0] for m in missing],
                text=[m[1] for m in missing],
                mode="text",
                textposition="middle right",
                textfont=dict(color="#7f7f7f"),
                hoverinfo="skip",
                showlegend=False,
            )
        )


def progress_figure(overview: pd.DataFrame) -> go.Figure:
    """Completion on the increase basis of each annual target as bars, with time progress as a dashed line.

    A negative increase draws no bar and reads 负增长; no completion reads its reason.
    """
    frame = progress_table(overview)
    tp = float(frame["time_progress"].iloc[0]) if len(frame) and pd.notna(frame["time_progress"].iloc[0]) else None
    shown = frame["completion_shown"]
    colours = [
        fmt.RED if (g is not None and not pd.isna(g) and g < 0) else "#1f77b4" for g in frame["progress_gap_shown"]
    ]
    text = [fmt.pct(c) if c is not None and not pd.isna(c) else s for c, s in zip(shown, frame["status"])]
    fig = go.Figure(
        go.Bar(
            x=[None if c is None or pd.isna(c) else float(c) * 100 for c in shown],
            y=list(frame["metric"]),
            orientation="h",
            name="完成率（增量）",
            marker_color=colours,
            text=text,
            textposition="auto",
            hovertemplate="%{y}：%{text}<extra></extra>",
        )
    )
    _explain_missing_bars(fig, list(frame["metric"]), shown, frame["status"])
    if tp is not None:
        _vline(fig, tp * 100, f"序时进度 {fmt.pct(tp)}")
    fig.update_layout(
        height=60 + 42 * max(len(frame), 1),
        margin=dict(l=10, r=10, t=40, b=30),
        xaxis=dict(title="完成率（增量口径，%）", rangemode="tozero"),
        yaxis=dict(autorange="reversed"),
        showlegend=False,
    )
    return fig


SCALE_COLUMNS: dict[str, tuple[str, str]] = {
    "scope": ("口径", "text"),
    "measure": ("指标", "text"),
    "shown_unit": ("单位", "text"),
    "actual_shown": ("当前", "number"),
    "goal_shown": ("远期目标", "number"),
    "goal_share": ("远期达成", "pct"),
    "interim_shown": ("本年目标", "number"),
    "interim_share": ("本年达成", "pct"),
}


def shown_number(unit: str, value, line: bool = True, digits: int = 2) -> Decimal | None:
    """A measure's value as the number the page shows, in :func:`shown_unit` (亿元 or 万元 rounded to the cent, counts whole)."""
    if value is None or pd.isna(value):
        return None
    number = fmt._dec(value.item() if hasattr(value, "item") else value)
    if unit == "元":
        number = number / (fmt.YI if line else fmt.WAN)
    elif unit in ("户", "人") and digits == 2:
        digits = 0
    return number.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def shown_unit(unit: str, line: bool = True) -> str:
    """The unit :func:`shown_number` is in: ``亿元``/``万元`` for yuan, else the measure's own."""
    return amount_unit(line) if unit == "元" else unit


def _share(actual, goal):
    if actual is None or goal in (None, 0) or pd.isna(actual):
        return None
    return float(actual) / float(goal)


def scale_goals(
    line_overview: pd.DataFrame, scope_overview: pd.DataFrame | None = None, scope_label: str = "全条线"
) -> pd.DataFrame:
    """ "四个5" (line) and "三个1" (average manager) positions, against the goal and this year's interim.

    The line rows come from ``line_overview`` (the whole line); the per-manager rows from
    ``scope_overview`` (default: the same), averaged over its customer managers.
    """
    scope_overview = line_overview if scope_overview is None else scope_overview

    def actual(frame, metric):
        values = frame.loc[frame["metric"] == metric, "actual"]
        return _number(values.iloc[0]) if len(values) else None

    g = settings.get
    line = {m: actual(line_overview, m) for m in ("客户经理人数", "贷款余额", "存款余额", "管户数")}
    scope = {m: actual(scope_overview, m) for m in ("客户经理人数", "贷款余额", "存款余额", "管户数")}
    heads = scope["客户经理人数"]

    def per_manager(value):
        return None if value is None or not heads else value / heads

    rows = [
        ("四个5 · 全条线", "客户经理人数", "人", line["客户经理人数"], g("goal_line_managers"), None),
        ("四个5 · 全条线", "资产规模（贷款）", "元", line["贷款余额"], g("goal_line_loans"), g("interim_line_loans")),
        (
            "四个5 · 全条线",
            "负债规模（存款）",
            "元",
            line["存款余额"],
            g("goal_line_deposits"),
            g("interim_line_deposits"),
        ),
        ("四个5 · 全条线", "管户数", "户", line["管户数"], g("goal_line_accounts"), g("interim_line_accounts")),
        (
            f"三个1 · 人均（{scope_label}）",
            "人均资产（贷款）",
            "元",
            per_manager(scope["贷款余额"]),
            g("target_loans_per_manager"),
            g("interim_manager_loans"),
        ),
        (
            f"三个1 · 人均（{scope_label}）",
            "人均负债（存款）",
            "元",
            per_manager(scope["存款余额"]),
            g("target_deposits_per_manager"),
            g("interim_manager_deposits"),
        ),
        (
            f"三个1 · 人均（{scope_label}）",
            "人均管户数",
            "户",
            per_manager(scope["管户数"]),
            g("target_total"),
            g("interim_manager_accounts"),
        ),
    ]
    out = pd.DataFrame(rows, columns=["scope", "measure", "unit", "actual", "goal", "interim"])
    per_head = out["scope"].str.startswith("三个1")
    out["actual_text"] = [
        # An average manager's accounts keep one decimal (79.3 户), other counts none.
        (f"{v:,.1f}" if v is not None and not pd.isna(v) else "—")
        if ph and u == "户"
        else value_text(u, v, line=not ph)
        for u, v, ph in zip(out["unit"], out["actual"], per_head)
    ]
    out["goal_text"] = [value_text(u, v, line=not ph) for u, v, ph in zip(out["unit"], out["goal"], per_head)]
    out["interim_text"] = [value_text(u, v, line=not ph) for u, v, ph in zip(out["unit"], out["interim"], per_head)]
    # Numbers as numbers (an Excel download can be summed): the same figures as the texts.
    out["shown_unit"] = [shown_unit(u, line=not ph) for u, ph in zip(out["unit"], per_head)]
    out["actual_shown"] = [
        shown_number(u, v, line=not ph, digits=1 if ph and u == "户" else 2)
        for u, v, ph in zip(out["unit"], out["actual"], per_head)
    ]
    for column in ("goal", "interim"):
        out[f"{column}_shown"] = [
            shown_number(u, v, line=not ph) for u, v, ph in zip(out["unit"], out[column], per_head)
        ]
    out["goal_share"] = [_share(a, b) for a, b in zip(out["actual"], out["goal"])]
    out["interim_share"] = [_share(a, b) for a, b in zip(out["actual"], out["interim"])]
    return out


def ranking_columns(unit: str, has_target: bool = True) -> dict[str, tuple[str, str]]:
    """``ui.table`` columns of :func:`ranking_table` for a measure's unit: numbers, sub-branch amounts in 万元."""
    if unit == "比率":  # a rate in %, its changes in percentage points
        columns: dict[str, tuple[str, str]] = {
            "rank": ("排名", "count"),
            "branch": ("支行", "text"),
            "actual_pct": ("本月（%）", "number"),
        }
        return columns | {
            "mom_pp": ("环比（百分点）", "number"),
            "ytd_pp": ("较年初（百分点）", "number"),
            "yoy_pp": ("同比（百分点）", "number"),
        }
    kind = "wan" if unit == "元" else "count"
    columns = {"rank": ("排名", "count"), "branch": ("支行", "text"), "actual": ("本月", kind)}
    if has_target:
        columns |= {
            "target": ("年度目标", kind),
            "completion_shown": ("完成率（增量）", "pct"),
            "progress_gap_pp": ("较序时（百分点）", "number"),
            "attainment": ("余额达成率", "pct"),
        }
    return columns | {"mom_change": ("环比", kind), "ytd_change": ("较年初", kind), "yoy_change": ("同比", kind)}


def ranking_table(ranking: pd.DataFrame, metric: str) -> pd.DataFrame:
    """The sub-branches ranked on one measure (only those with data for the month), numbers and texts.

    Amounts are the sub-branches' own, in 万元 when shown; a negative increase shows no
    completion (``completion_shown`` is None) and reads 负增长 in ``status``.
    """
    frame = ranking[ranking["metric"] == metric].sort_values(["rank", "branch"]).copy()
    unit = frame["unit"].iloc[0] if len(frame) else "户"
    frame["actual_text"] = [value_text(unit, v, line=False) for v in frame["actual"]]
    frame["target_text"] = [value_text(unit, v, line=False) for v in frame["target"]]
    frame["mom_text"] = [value_text(unit, v, signed=True, line=False) for v in frame["mom_change"]]
    frame["ytd_text"] = [value_text(unit, v, signed=True, line=False) for v in frame["ytd_change"]]
    frame["completion_shown"] = [shown_completion(c, i) for c, i in zip(frame["completion"], frame["increase"])]
    frame["progress_gap_shown"] = [
        None if s is None or pd.isna(s) else g for s, g in zip(frame["completion_shown"], frame["progress_gap"])
    ]
    frame["progress_gap_pp"] = frame["progress_gap_shown"].map(points)
    frame["actual_pct"] = frame["actual"].map(lambda v: points(v, 2))
    for change in ("mom", "ytd", "yoy"):
        frame[f"{change}_pp"] = frame[f"{change}_change"].map(lambda v: points(v, 2))
    frame["status"] = [
        progress_status(g, i, n, unit, False, start_known=pd.notna(s), attainment=a) if pd.notna(t) else ""
        for g, i, n, s, a, t in zip(
            frame["progress_gap"],
            frame["increase"],
            frame["increase_needed"],
            frame["year_start"],
            frame["attainment"],
            frame["target"],
        )
    ]
    return frame.reset_index(drop=True)


def ranking_figure(ranking: pd.DataFrame, metric: str) -> go.Figure:
    """The sub-branches on one measure: completion (increase basis) against time progress, or the actual without a target."""
    frame = ranking_table(ranking, metric)
    has_target = frame["target"].notna().any()
    if has_target:
        x = [None if c is None or pd.isna(c) else float(c) * 100 for c in frame["completion_shown"]]
        text = [
            fmt.pct(c) if c is not None and not pd.isna(c) else s
            for c, s in zip(frame["completion_shown"], frame["status"])
        ]
        axis = "完成率（增量口径，%）"
    else:
        unit = frame["unit"].iloc[0] if len(frame) else "户"
        scale = 10_000 if unit == "元" else (100 if unit == "比率" else 1)
        x = [None if pd.isna(v) else float(v) / scale for v in frame["actual"]]
        text = list(frame["actual_text"])
        axis = {"元": "万元", "比率": "%"}.get(unit, unit)
    fig = go.Figure(
        go.Bar(
            x=x,
            y=list(frame["branch"]),
            orientation="h",
            text=text,
            textposition="auto",
            marker_color="#1f77b4",
            name=metric,
            hovertemplate="%{y}：%{text}<extra></extra>",
        )
    )
    if has_target:
        _explain_missing_bars(fig, list(frame["branch"]), x, frame["status"])
    if has_target and len(frame):
        progress = frame["time_progress"].dropna().map(float)
        if progress.nunique() == 1:
            tp = progress.iloc[0]
            _vline(fig, tp * 100, f"序时进度 {fmt.pct(tp)}")
        else:  # sub-branches whose year starts in different months each have their own basis
            fig.add_trace(
                go.Scatter(
                    x=[float(v) * 100 for v in frame["time_progress"]],
                    y=list(frame["branch"]),
                    mode="markers",
                    name="序时进度",
                    marker=dict(symbol="line-ns", size=18, line=dict(width=3, color="#333")),
                    hovertemplate="%{y} 序时进度 %{x:.1f}%<extra></extra>",
                )
            )
    fig.update_layout(
        height=80 + 36 * max(len(frame), 1),
        margin=dict(l=10, r=10, t=40, b=30),
        xaxis=dict(title=axis),
        yaxis=dict(autorange="reversed"),
        showlegend=False,
    )
    return fig


def scale_figure(goals: pd.DataFrame) -> go.Figure:
    """ "四个5" and "三个1": each measure's share of the long-term goal and of this year's interim figure."""
    labels = [f"{scope.split(' · ')[0]} · {measure}" for scope, measure in zip(goals["scope"], goals["measure"])]
    fig = go.Figure()
    for column, name, colour in (
        ("interim_share", "本年目标达成", "#ff7f0e"),
        ("goal_share", "远期目标达成", "#1f77b4"),
    ):
        values = [None if v is None or pd.isna(v) else float(v) * 100 for v in goals[column]]
        fig.add_trace(
            go.Bar(
                x=values,
                y=labels,
                orientation="h",
                name=name,
                marker_color=colour,
                text=[fmt.pct(v / 100) if v is not None else "" for v in values],
                textposition="auto",
                hovertemplate=f"%{{y}}<br>{name}：%{{x:.1f}}%<extra></extra>",
            )
        )
    _vline(fig, 100)
    fig.update_layout(
        barmode="group",
        height=120 + 48 * len(goals),
        margin=dict(l=10, r=10, t=30, b=30),
        xaxis=dict(title="达成（%）", rangemode="tozero"),
        yaxis=dict(autorange="reversed"),
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1),
    )
    return fig
