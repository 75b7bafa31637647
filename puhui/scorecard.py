"""Frames, flags and figures of the account-mix page (管户结构) and the overview (经营总览).

The queries ``manager_mix``, ``mix_trend``, ``manager_customers``, ``overview`` and
``branch_ranking`` return the figures; this module turns them into what the two pages
show (sorted frames, gap tables, roll-ups, the "四个5"/"三个1" positions, plotly
figures) so that all of it can be tested without Streamlit.
"""

from __future__ import annotations

import calendar
import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from . import fmt, queries, settings

# (count column, label, target column, gap column, month-on-month column, colour)
SEGMENT_COLUMNS = (
    ("offline_credit", "线下授信", "target_offline", "gap_offline", "offline_credit_mom", "#1f77b4"),
    ("online_credit", "线上授信", "target_online", "gap_online", "online_credit_mom", "#ff7f0e"),
    ("non_credit", "非授信", "target_non_credit", "gap_non_credit", "non_credit_mom", "#2ca02c"),
)
TOTAL_COLOUR = "#7f7f7f"
TARGET_COLOUR = "#d62728"

FLAG_COLUMNS = ("unbalanced", "bottom_group", "overloaded")
FLAG_LABELS = {"unbalanced": "结构失衡", "bottom_group": "集训营", "overloaded": "超负荷"}

# Label → (column, ascending) for sorting the managers on the mix page.
SORT_OPTIONS: dict[str, tuple[str, bool]] = {
    "管户总数（从多到少）": ("total", False),
    "管户总数（从少到多）": ("total", True),
    "总缺口（从大到小）": ("gap_sum", False),
    "距100户缺口（从大到小）": ("gap_total", False),
    "线下授信户数（从多到少）": ("offline_credit", False),
    "线上授信户数（从多到少）": ("online_credit", False),
    "非授信户数（从多到少）": ("non_credit", False),
    "线下授信缺口（从大到小）": ("gap_offline", False),
    "线上授信缺口（从大到小）": ("gap_online", False),
    "非授信缺口（从大到小）": ("gap_non_credit", False),
    "贷款余额（从多到少）": ("loans", False),
    "存款余额（从多到少）": ("deposits", False),
}

# Measures the 集训营 (bottom group) may be ranked by: label → column.
BOTTOM_MEASURES = {"管户总数": "total", "贷款余额": "loans", "存款余额": "deposits"}

# Overview metrics shown as cards, in order.
CARD_METRICS = ("管户数", "线下授信户数", "线上授信户数", "非授信户数", "贷款余额", "存款余额", "逾期率", "客户经理人数")


def year_days(month: str) -> tuple[int, int]:
    """(days of the year elapsed at the month's last day, days in the year) for ``YYYY-MM``."""
    year, mon = (int(part) for part in month.split("-"))
    elapsed = sum(calendar.monthrange(year, m)[1] for m in range(1, mon + 1))
    return elapsed, 366 if calendar.isleap(year) else 365


def time_progress(month: str) -> float:
    """序时进度 at a data month: days elapsed at its last day ÷ days in the year (2026-10 → 304/365)."""
    elapsed, days = year_days(month)
    return elapsed / days


def target_params() -> dict:
    """The per-manager default targets as the queries' ``$default_*`` parameters (the registry's values)."""
    return {name: param.fill({}) for name, param in queries.TARGETS.items()}


def mix_params() -> dict:
    """Every settings-driven parameter of ``manager_mix`` (targets and flag thresholds), as the registry fills them."""
    spec = queries.REGISTRY["manager_mix"]
    return {name: param.fill({}) for name, param in spec.items() if param.kind == queries.SETTING}


def rule_text() -> str:
    """The management rule behind the mix page, for the "如何看本页" panel."""
    off, on, non = (settings.get(n) for n in ("target_offline", "target_online", "target_non_credit"))
    total = settings.get("target_total")
    return (
        f"分行要求每名客户经理管户 **{total} 户**，其中线下授信客户 **{off} 户以上**、线上授信客户 "
        f"**{on} 户以上**、非授信客户 **{non} 户以上**（三项相加为 {off + on + non} 户，种子原文如此，"
        f"本页两者都保留：分项对照 {off}/{on}/{non}，总数对照 {total}）。已上传客户经理个人目标的，按上传目标对照；"
        "支行级目标是支行合计，不分摊到个人。条形是实际户数，竖线标记是目标。"
        f"资产、负债各对照人均 {fmt.yi(settings.get('target_loans_per_manager'))}（“三个1”）。"
        "目标缺口 = 目标 − 实际，已达标记为 0。"
    )


def flag_rules() -> dict[str, str]:
    """Each flag's rule as shown on the page (thresholds from settings)."""
    share = float(settings.get("bottom_group_share"))
    return {
        "unbalanced": "结构失衡：某一类管户已达到目标，而另一类不足其目标的一半（例如线下 30 户、线上 10 户）。",
        "bottom_group": (
            f"集训营：在所选范围内的客户经理中按管户总数从少到多排名，排在后 {share:.0%}"
            f"（人数 × {share:g} 向下取整）之内的进入集训营，与边界并列者一同进入；不足 4 人时不分组。"
            "团队负责人、分管行长不参加排名。"
        ),
        "overloaded": f"超负荷：管户数超过 {settings.get('overloaded_accounts')} 户，贷前贷后工作难以兼顾。",
    }


def manager_labels(mix: pd.DataFrame) -> pd.Series:
    """A unique display label per row: the manager's name, with the id when names repeat or are missing."""
    named = mix["manager_name"].notna()
    names = mix["manager_name"].where(named, mix["manager_id"]).astype(str)
    repeated = names.duplicated(keep=False) & named
    labels = names.where(~repeated, names + "（" + mix["manager_id"].astype(str) + "）")
    # The same manager in two sub-branches in one month keeps one label per row.
    again = labels.duplicated(keep=False)
    return labels.where(~again, labels + "·" + mix["branch"].astype(str))


def page_rows(mix: pd.DataFrame) -> pd.DataFrame:
    """The rows the mix page draws: customer managers, and others (team leads, VPs) only when they hold customers."""
    keep = mix["is_manager"].fillna(True).astype(bool) | (mix["total"] > 0)
    return mix[keep]


def with_gap_sum(mix: pd.DataFrame) -> pd.DataFrame:
    """The mix with ``gap_sum``: the three segments' shortfalls added up."""
    out = mix.copy()
    out["gap_sum"] = out[[c[3] for c in SEGMENT_COLUMNS]].sum(axis=1, min_count=1)
    return out


def sort_mix(mix: pd.DataFrame, sort_label: str) -> pd.DataFrame:
    """The managers in the order a sort option asks for (ties by sub-branch and manager id)."""
    column, ascending = SORT_OPTIONS[sort_label]
    frame = with_gap_sum(mix)
    frame["label"] = manager_labels(frame)
    return frame.sort_values(
        [column, "branch", "manager_id"], ascending=[ascending, True, True], na_position="last", kind="mergesort"
    ).reset_index(drop=True)


def bottom_group(mix: pd.DataFrame, measure: str = "total", share: float | None = None) -> pd.Series:
    """集训营 membership ranked by ``measure`` (the query's rule, for any measure).

    Customer managers only, ranked ascending; rank = 1 + number with less; in the group
    when rank ≤ floor(n × share); nobody when fewer than 4 managers.
    """
    share = float(settings.get("bottom_group_share")) if share is None else share
    managers = mix["is_manager"].fillna(True).astype(bool)
    values = mix.loc[managers, measure].astype(float)
    n = int(managers.sum())
    result = pd.Series(False, index=mix.index)
    if n < 4:
        return result
    cutoff = math.floor(n * share)
    ranks = values.rank(method="min", ascending=True)
    result.loc[ranks.index] = ranks <= cutoff
    return result


def flags_text(row: pd.Series) -> str:
    """The row's flags in Chinese, separated by ``、`` (empty when none)."""
    return "、".join(FLAG_LABELS[f] for f in FLAG_COLUMNS if bool(row.get(f)))


def flag_summary(mix: pd.DataFrame) -> pd.DataFrame:
    """One row per flag: label, rule, how many managers carry it and who."""
    rules = flag_rules()
    labels = manager_labels(mix)
    rows = []
    for flag in FLAG_COLUMNS:
        hit = mix[flag].fillna(False).astype(bool)
        rows.append(
            {
                "flag": flag,
                "label": FLAG_LABELS[flag],
                "rule": rules[flag],
                "count": int(hit.sum()),
                "managers": "、".join(labels[hit]),
            }
        )
    return pd.DataFrame(rows)


GAP_COLUMNS: dict[str, tuple[str, str]] = {
    "label": ("客户经理", "text"),
    "branch": ("支行", "text"),
    "team": ("团队", "text"),
    "offline_credit": ("线下授信", "count"),
    "gap_offline": ("线下缺口", "count"),
    "offline_credit_mom": ("线下环比", "count"),
    "online_credit": ("线上授信", "count"),
    "gap_online": ("线上缺口", "count"),
    "online_credit_mom": ("线上环比", "count"),
    "non_credit": ("非授信", "count"),
    "gap_non_credit": ("非授信缺口", "count"),
    "non_credit_mom": ("非授信环比", "count"),
    "total": ("管户总数", "count"),
    "gap_total": ("距目标缺口", "count"),
    "total_mom": ("总数环比", "count"),
    "loans": ("贷款余额", "wan"),
    "gap_loans": ("贷款距目标", "wan"),
    "deposits": ("存款余额", "wan"),
    "gap_deposits": ("存款距目标", "wan"),
    "overdue": ("逾期金额", "wan"),
    "flags": ("标记", "text"),
}


def gap_table(mix: pd.DataFrame, sort_label: str | None = None) -> pd.DataFrame:
    """The gap table: each segment's count, shortfall and month-on-month change, totals, balances, flags."""
    frame = sort_mix(mix, sort_label) if sort_label else with_gap_sum(mix).assign(label=manager_labels(mix))
    frame["flags"] = frame.apply(flags_text, axis=1) if len(frame) else pd.Series(dtype=str)
    return frame[list(GAP_COLUMNS)]


ROLLUP_COLUMNS: dict[str, tuple[str, str]] = {
    "group": ("分组", "text"),
    "managers": ("客户经理人数", "count"),
    "offline_credit": ("线下授信", "count"),
    "online_credit": ("线上授信", "count"),
    "non_credit": ("非授信", "count"),
    "total": ("管户总数", "count"),
    "avg_total": ("人均管户", "count"),
    "target_total": ("管户目标合计", "count"),
    "gap_offline": ("线下缺口合计", "count"),
    "gap_online": ("线上缺口合计", "count"),
    "gap_non_credit": ("非授信缺口合计", "count"),
    "loans": ("贷款余额", "wan"),
    "deposits": ("存款余额", "wan"),
    "overdue": ("逾期金额", "wan"),
    "unbalanced": ("结构失衡人数", "count"),
    "bottom_group": ("集训营人数", "count"),
    "overloaded": ("超负荷人数", "count"),
}


def rollup(mix: pd.DataFrame, by: str) -> pd.DataFrame:
    """Roll the managers up by ``team`` or ``branch``: counts, targets and shortfalls added, flags counted.

    A shortfall total adds each manager's own shortfall (one manager's surplus does not
    cover another's gap). ``managers`` counts customer managers (not team leads or VPs).
    """
    frame = mix.copy()
    frame["group"] = frame[by].fillna("未分团队" if by == "team" else "未知支行")
    frame["is_manager"] = frame["is_manager"].fillna(True).astype(bool)
    sums = ["offline_credit", "online_credit", "non_credit", "total", "target_total",
            "gap_offline", "gap_online", "gap_non_credit", "loans", "deposits", "overdue"]
    for flag in FLAG_COLUMNS:
        frame[flag] = frame[flag].fillna(False).astype(int)
    grouped = frame.groupby("group", sort=True)
    out = grouped[sums + list(FLAG_COLUMNS)].sum(min_count=0)
    out["managers"] = grouped["is_manager"].sum().astype(int)
    out = out.reset_index()
    out["avg_total"] = (out["total"] / out["managers"].where(out["managers"] > 0)).round(0)
    return out[list(ROLLUP_COLUMNS)]


def manager_options(mix: pd.DataFrame) -> dict[str, tuple[str, str]]:
    """Label → (manager_id, branch) for the manager picker, in sub-branch then id order."""
    frame = mix.sort_values(["branch", "manager_id"])
    labels = manager_labels(frame)
    return {f"{label}（{branch}）": (mid, branch) for label, mid, branch in zip(labels, frame["manager_id"], frame["branch"])}


CUSTOMER_COLUMNS: dict[str, tuple[str, str]] = {
    "customer_id": ("客户号", "text"),
    "customer_name": ("客户名称", "text"),
    "segment": ("管户类型", "text"),
    "customer_kind": ("客户类型", "text"),
    "industry": ("行业", "text"),
    "grid_name": ("网格", "text"),
    "loans": ("贷款余额", "wan"),
    "credit_limit": ("授信额度", "wan"),
    "deposits": ("存款余额", "wan"),
    "dep_avg": ("月日均存款", "wan"),
    "overdue": ("逾期金额", "wan"),
}


def customer_frame(customers: pd.DataFrame) -> pd.DataFrame:
    """A manager's customer list as shown: the grid's name, else its id."""
    out = customers.copy()
    out["grid_name"] = out["grid_name"].where(out["grid_name"].notna(), out["grid_id"])
    return out


def _float(values) -> list:
    return [None if v is None or pd.isna(v) else float(v) for v in values]


def mix_figure(mix: pd.DataFrame, sort_label: str = "管户总数（从多到少）") -> go.Figure:
    """Per manager: bars of the three segments and the total, each with its target marked.

    Four panels side by side sharing the managers' axis (sorted by ``sort_label``, first
    at the top); a bar trace per segment and a marker trace (``…目标``) for its target.
    """
    frame = sort_mix(mix, sort_label)
    labels = list(frame["label"])
    panels = [*SEGMENT_COLUMNS, ("total", "管户总数", "target_total", "gap_total", "total_mom", TOTAL_COLOUR)]
    fig = make_subplots(
        rows=1,
        cols=len(panels),
        shared_yaxes=True,
        horizontal_spacing=0.015,
        subplot_titles=[p[1] for p in panels],
    )
    for i, (col, name, target_col, gap_col, _mom, colour) in enumerate(panels, start=1):
        fig.add_trace(
            go.Bar(
                x=_float(frame[col]),
                y=labels,
                orientation="h",
                name=name,
                marker_color=colour,
                customdata=list(zip(_float(frame[target_col]), _float(frame[gap_col]), frame["branch"])),
                hovertemplate=f"%{{y}}（%{{customdata[2]}}）<br>{name}：%{{x:,}} 户<br>"
                "目标：%{customdata[0]:,} 户<br>缺口：%{customdata[1]:,} 户<extra></extra>",
                legendgroup=name,
            ),
            row=1,
            col=i,
        )
        fig.add_trace(
            go.Scatter(
                x=_float(frame[target_col]),
                y=labels,
                mode="markers",
                name=f"{name}目标",
                marker=dict(symbol="line-ns", size=16, line=dict(width=3, color=TARGET_COLOUR), color=TARGET_COLOUR),
                hovertemplate=f"%{{y}}<br>{name}目标：%{{x:,}} 户<extra></extra>",
                legendgroup=name,
            ),
            row=1,
            col=i,
        )
    # A fixed range, first manager at the top: autorange would pad for the target markers' size.
    fig.update_yaxes(categoryorder="array", categoryarray=labels, range=[len(labels) - 0.5, -0.5], automargin=True)
    fig.update_xaxes(rangemode="tozero", tickformat=",d")
    fig.update_layout(
        barmode="overlay",
        height=max(320, 22 * len(labels) + 150),
        # The legend sits in the top margin, placed in pixels of the whole figure (not of the
        # plot area), so it clears the panel titles whatever the number of managers.
        margin=dict(l=10, r=10, t=100, b=30),
        legend=dict(orientation="h", yref="container", y=1, yanchor="top", xanchor="left", x=0),
        bargap=0.25,
    )
    return fig


def trend_figure(trend: pd.DataFrame, title: str, target_total: float | None = None) -> go.Figure:
    """The segments month by month as stacked bars, with the total and (optionally) its target."""
    fig = go.Figure()
    for col, name, *_rest, colour in SEGMENT_COLUMNS:
        fig.add_trace(go.Bar(x=list(trend["month"]), y=_float(trend[col]), name=name, marker_color=colour,
                             hovertemplate=f"%{{x}}<br>{name}：%{{y:,}} 户<extra></extra>"))
    fig.add_trace(go.Scatter(x=list(trend["month"]), y=_float(trend["total"]), name="管户总数", mode="lines+markers",
                             line=dict(color=TOTAL_COLOUR), hovertemplate="%{x}<br>管户总数：%{y:,} 户<extra></extra>"))
    if target_total is not None and len(trend):
        fig.add_trace(go.Scatter(x=list(trend["month"]), y=[float(target_total)] * len(trend), name="管户目标",
                                 mode="lines", line=dict(color=TARGET_COLOUR, dash="dash"),
                                 hovertemplate="管户目标：%{y:,} 户<extra></extra>"))
    fig.update_layout(
        title=dict(text=title, y=0.98, yanchor="top", yref="container"),
        barmode="stack",
        height=380,
        margin=dict(l=10, r=10, t=80, b=30),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0, traceorder="normal"),
        xaxis=dict(type="category"),
        yaxis=dict(tickformat=",d", rangemode="tozero"),
    )
    return fig


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


def _shown_completion(completion, increase):
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
    frame["completion_shown"] = [_shown_completion(c, i) for c, i in zip(frame["completion"], frame["increase"])]
    frame["progress_gap_shown"] = [
        None if s is None or pd.isna(s) else g for s, g in zip(frame["completion_shown"], frame["progress_gap"])
    ]
    frame["progress_gap_pp"] = frame["progress_gap_shown"].map(points)
    frame["status"] = [
        progress_status(g, i, n, u, line, start_known=pd.notna(s), attainment=a)
        for g, i, n, u, s, a in zip(
            frame["progress_gap"], frame["increase"], frame["increase_needed"], frame["unit"],
            frame["year_start"], frame["attainment"],
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
    start_month = f"{int(month[:4]) - 1}-12"
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
    shape = dict(type="line", x0=x, x1=x, xref="x", y0=0, y1=1, yref="paper",
                 line=dict(dash="dash", color="#333", width=1.5))
    layout = {"shapes": [*fig.layout.shapes, shape]}
    if text:
        layout["annotations"] = [*fig.layout.annotations, dict(x=x, xref="x", y=1, yref="paper", text=text,
                                                               showarrow=False, yanchor="bottom")]
    fig.update_layout(layout)


def _explain_missing_bars(fig: go.Figure, labels: list, values, reasons) -> None:
    # A row without a bar (负增长, 年初已达标, 无年初数据) says why where the bar would start.
    missing = [(label, reason) for label, value, reason in zip(labels, values, reasons)
               if (value is None or pd.isna(value)) and reason]
    if missing:
        fig.add_trace(go.Scatter(x=[0] * len(missing), y=[m[0] for m in missing], text=[m[1] for m in missing],
                                 mode="text", textposition="middle right", textfont=dict(color="#7f7f7f"),
                                 hoverinfo="skip", showlegend=False))


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


def scale_goals(line_overview: pd.DataFrame, scope_overview: pd.DataFrame | None = None, scope_label: str = "全条线") -> pd.DataFrame:
    """"四个5" (line) and "三个1" (average manager) positions, against the goal and this year's interim.

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
        ("四个5 · 全条线", "负债规模（存款）", "元", line["存款余额"], g("goal_line_deposits"), g("interim_line_deposits")),
        ("四个5 · 全条线", "管户数", "户", line["管户数"], g("goal_line_accounts"), g("interim_line_accounts")),
        (f"三个1 · 人均（{scope_label}）", "人均资产（贷款）", "元", per_manager(scope["贷款余额"]),
         g("target_loans_per_manager"), g("interim_manager_loans")),
        (f"三个1 · 人均（{scope_label}）", "人均负债（存款）", "元", per_manager(scope["存款余额"]),
         g("target_deposits_per_manager"), g("interim_manager_deposits")),
        (f"三个1 · 人均（{scope_label}）", "人均管户数", "户", per_manager(scope["管户数"]),
         g("target_total"), g("interim_manager_accounts")),
    ]
    out = pd.DataFrame(rows, columns=["scope", "measure", "unit", "actual", "goal", "interim"])
    per_head = out["scope"].str.startswith("三个1")
    out["actual_text"] = [
        # An average manager's accounts keep one decimal (79.3 户), other counts none.
        (f"{v:,.1f}" if v is not None and not pd.isna(v) else "—") if ph and u == "户" else value_text(u, v, line=not ph)
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
        out[f"{column}_shown"] = [shown_number(u, v, line=not ph) for u, v, ph in zip(out["unit"], out[column], per_head)]
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
    frame["completion_shown"] = [_shown_completion(c, i) for c, i in zip(frame["completion"], frame["increase"])]
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
            frame["progress_gap"], frame["increase"], frame["increase_needed"], frame["year_start"],
            frame["attainment"], frame["target"],
        )
    ]
    return frame.reset_index(drop=True)


def ranking_figure(ranking: pd.DataFrame, metric: str) -> go.Figure:
    """The sub-branches on one measure: completion (increase basis) against time progress, or the actual without a target."""
    frame = ranking_table(ranking, metric)
    has_target = frame["target"].notna().any()
    if has_target:
        x = [None if c is None or pd.isna(c) else float(c) * 100 for c in frame["completion_shown"]]
        text = [fmt.pct(c) if c is not None and not pd.isna(c) else s for c, s in zip(frame["completion_shown"], frame["status"])]
        axis = "完成率（增量口径，%）"
    else:
        unit = frame["unit"].iloc[0] if len(frame) else "户"
        scale = 10_000 if unit == "元" else (100 if unit == "比率" else 1)
        x = [None if pd.isna(v) else float(v) / scale for v in frame["actual"]]
        text = list(frame["actual_text"])
        axis = {"元": "万元", "比率": "%"}.get(unit, unit)
    fig = go.Figure(go.Bar(x=x, y=list(frame["branch"]), orientation="h", text=text, textposition="auto",
                           marker_color="#1f77b4", name=metric, hovertemplate="%{y}：%{text}<extra></extra>"))
    if has_target:
        _explain_missing_bars(fig, list(frame["branch"]), x, frame["status"])
    if has_target and len(frame):
        progress = frame["time_progress"].dropna().map(float)
        if progress.nunique() == 1:
            tp = progress.iloc[0]
            _vline(fig, tp * 100, f"序时进度 {fmt.pct(tp)}")
        else:  # sub-branches whose year starts in different months each have their own basis
            fig.add_trace(go.Scatter(x=[float(v) * 100 for v in frame["time_progress"]], y=list(frame["branch"]),
                                     mode="markers", name="序时进度", marker=dict(symbol="line-ns", size=18,
                                     line=dict(width=3, color="#333")), hovertemplate="%{y} 序时进度 %{x:.1f}%<extra></extra>"))
    fig.update_layout(height=80 + 36 * max(len(frame), 1), margin=dict(l=10, r=10, t=40, b=30),
                      xaxis=dict(title=axis), yaxis=dict(autorange="reversed"), showlegend=False)
    return fig


def scale_figure(goals: pd.DataFrame) -> go.Figure:
    """"四个5" and "三个1": each measure's share of the long-term goal and of this year's interim figure."""
    labels = [f"{scope.split(' · ')[0]} · {measure}" for scope, measure in zip(goals["scope"], goals["measure"])]
    fig = go.Figure()
    for column, name, colour in (("interim_share", "本年目标达成", "#ff7f0e"), ("goal_share", "远期目标达成", "#1f77b4")):
        values = [None if v is None or pd.isna(v) else float(v) * 100 for v in goals[column]]
        fig.add_trace(go.Bar(x=values, y=labels, orientation="h", name=name, marker_color=colour,
                             text=[fmt.pct(v / 100) if v is not None else "" for v in values], textposition="auto",
                             hovertemplate=f"%{{y}}<br>{name}：%{{x:.1f}}%<extra></extra>"))
    _vline(fig, 100)
    fig.update_layout(barmode="group", height=120 + 48 * len(goals), margin=dict(l=10, r=10, t=30, b=30),
                      xaxis=dict(title="达成（%）", rangemode="tozero"), yaxis=dict(autorange="reversed"),
                      legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1))
    return fig


def manager_summary(row: pd.Series) -> str:
    """One line on a manager: the three segments, the total against its target, loans and deposits."""
    counts = "、".join(f"{label} {value_text('户', row[col])} 户" for col, label, *_ in SEGMENT_COLUMNS)
    target = row.get("target_total")
    against = "" if target is None or pd.isna(target) else f"（目标 {value_text('户', target)} 户）"
    return (
        f"{counts}，合计 {value_text('户', row['total'])} 户{against}；"
        f"贷款 {value_text('元', row['loans'], line=False)}、存款 {value_text('元', row['deposits'], line=False)}、"
        f"逾期 {value_text('元', row['overdue'], line=False)}。"
    )
