"""资产质量 (asset quality, seed 001 §三): overdue and interest-arrears loans (逾期欠息) against a control rate.

The figures come from ``queries/asset_quality*.sql`` (models ``manager_asset_quality`` and
``overdue_customers``): per customer manager and sub-branch, loans, overdue, the overdue rate
(overdue ÷ loans) against the setting ``overdue_control_rate``, the overdue customers and the
new ones (overdue this month, not overdue or not present in the month before), the trend over
months and the list of overdue customers. ``run`` is a page's ``ctx.run`` (masked in training
mode) or any ``run(name, **params)``.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import plotly.graph_objects as go

from . import fmt, settings

Runner = Callable[..., pd.DataFrame]

RATE_COLOUR, CONTROL_COLOUR, NEW_COLOUR = "#c0392b", "#7f8c8d", "#e67e22"

COLUMNS: dict[str, dict[str, tuple[str, str]]] = {
    "managers": {
        "manager_name": ("客户经理", "text"),
        "branch": ("所属支行", "text"),
        "loans": ("贷款余额", "wan"),
        "overdue": ("逾期欠息", "wan"),
        "overdue_rate": ("逾期率", "pct"),
        "control_text": ("对照控制目标", "text"),
        "overdue_customers": ("逾期客户数", "count"),
        "new_overdue_customers": ("本月新增逾期客户", "count"),
    },
    "branches": {
        "branch": ("支行", "text"),
        "loans": ("贷款余额", "wan"),
        "overdue": ("逾期欠息", "wan"),
        "overdue_rate": ("逾期率", "pct"),
        "control_text": ("对照控制目标", "text"),
        "overdue_customers": ("逾期客户数", "count"),
        "new_overdue_customers": ("本月新增逾期客户", "count"),
    },
    "customers": {
        "customer_name": ("客户名称", "text"),
        "customer_id": ("客户号", "text"),
        "branch": ("所属支行", "text"),
        "manager_name": ("客户经理", "text"),
        "segment": ("管户类型", "text"),
        "new_text": ("本月新增", "text"),
        "loans": ("贷款余额", "wan"),
        "overdue": ("逾期欠息", "wan"),
        "overdue_of_loans": ("逾期占贷款", "pct"),
        "prev_overdue": ("上月逾期欠息", "wan"),
        "loan_maturity": ("贷款到期日", "date"),
        "phone": ("联系电话", "text"),
    },
}


def explain_text() -> str:
    """The "如何看本页" text, with the control rate in force."""
    return (
        "逾期欠息取管户明细的“逾期金额”列（逾期本金与欠息），逾期率 = 逾期欠息 ÷ 贷款余额（线下 + 线上），"
        f"对照控制目标 {fmt.pct(control_rate(), 2)}（设置 overdue_control_rate，可用环境变量 "
        "PUHUI_OVERDUE_CONTROL_RATE 调整）；没有贷款的客户经理不计逾期率。\n\n"
        "**本月新增逾期客户**：本月有逾期、上月（日历上的前一个月）没有逾期或上月不在管户明细中的客户；"
        "上月未上传数据的支行无从比较，新增数显示为空。逾期客户清单列出本月全部逾期客户，新增的排在前面，"
        "培训演示模式下客户名称、客户号和电话均脱敏。\n\n"
        "金额以万元显示（两位小数）；每张表可下载 Excel，文件名和标题行注明数据月份和范围。"
    )


def control_rate() -> float:
    """The control rate in force (0–1)."""
    return float(settings.get("overdue_control_rate"))


def control_text(rate, control: float) -> str:
    """``超控 0.35 个百分点`` / ``控制内`` / ``无贷款`` for an overdue rate against the control rate."""
    if rate is None or pd.isna(rate):
        return "无贷款"
    gap = float(rate) - float(control)
    return f"超控 {fmt.pp(gap).lstrip('+')}" if gap > 0 else "控制内"


def with_control_text(frame: pd.DataFrame, control: float) -> pd.DataFrame:
    """``frame`` with a ``control_text`` column for its ``overdue_rate``."""
    return frame.assign(control_text=[control_text(r, control) for r in frame["overdue_rate"]])


def managers(run: Runner, month: str, branch: str | None) -> pd.DataFrame:
    """Per customer manager (asset_quality), with the control text."""
    frame = run("asset_quality", month=month, branch=branch)
    return with_control_text(frame, control_rate())


def trend(run: Runner, month: str, branch: str | None) -> pd.DataFrame:
    """Per month and sub-branch, plus the scope's rows (branch empty): asset_quality_trend."""
    return run("asset_quality_trend", month=month, branch=branch)


def scope_rows(trend_frame: pd.DataFrame) -> pd.DataFrame:
    """The scope's rows of the trend (one per month)."""
    return trend_frame[trend_frame["branch"].isna()].reset_index(drop=True)


def branch_rows(trend_frame: pd.DataFrame, month: str) -> pd.DataFrame:
    """The sub-branches' rows of ``month``, overdue rate highest first, with the control text."""
    rows = trend_frame[trend_frame["branch"].notna() & (trend_frame["month"] == month)]
    rows = rows.sort_values(["overdue_rate", "branch"], ascending=[False, True], na_position="last")
    return with_control_text(rows.reset_index(drop=True), control_rate())


def customers(run: Runner, month: str, branch: str | None, manager_id: str | None = None) -> pd.DataFrame:
    """The overdue customers of the month (asset_quality_customers), new ones marked in ``new_text``."""
    frame = run("asset_quality_customers", month=month, branch=branch, manager_id=manager_id)
    labels = {True: "新增", False: "延续"}
    return frame.assign(new_text=[labels.get(v, "—") if pd.notna(v) else "—" for v in frame["is_new"]])


def headline(scope_now: pd.Series | None, control: float) -> dict[str, str]:
    """The cards of the page (and the overview's line): rate, control, overdue, customers, new ones."""
    if scope_now is None:
        return {}
    rate = scope_now["overdue_rate"]
    new = scope_now["new_overdue_customers"]
    return {
        "逾期率": "—" if pd.isna(rate) else fmt.pct(rate, 2),
        "控制目标": fmt.pct(control, 2),
        "对照": control_text(rate, control),
        "逾期欠息": fmt.wan(scope_now["overdue"], unit=True),
        "逾期客户": f"{fmt.count(scope_now['overdue_customers'])} 户",
        "本月新增逾期": "—" if pd.isna(new) else f"{fmt.count(new)} 户",
    }


def overview_line(overview: pd.DataFrame, scope: str) -> str | None:
    """One sentence for 经营总览: the scope's overdue rate (the overview's 逾期率) against the control rate."""
    rows = overview[overview["metric"] == "逾期率"]
    if rows.empty:
        return None
    rate, control = rows["actual"].iloc[0], control_rate()
    if rate is None or pd.isna(rate):
        return f"资产质量：{fmt.md(scope)}本月没有贷款，不计逾期率（控制目标 {fmt.pct(control, 2)}）。"
    verdict = control_text(rate, control)
    where = "高于" if verdict.startswith("超控") else "不高于"
    return (
        f"资产质量：{fmt.md(scope)}逾期率 **{fmt.pct(rate, 2)}**，{where}控制目标 {fmt.pct(control, 2)}"
        f"（{verdict}）；明细见“资产质量”页。"
    )


def trend_figure(scope_trend: pd.DataFrame, control: float, title: str) -> go.Figure:
    """The scope's overdue rate by month against the control rate, with the new overdue customers as bars."""
    months = list(scope_trend["month"])
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            x=months,
            y=[None if pd.isna(v) else int(v) for v in scope_trend["new_overdue_customers"]],
            name="新增逾期客户（户，右轴）",
            marker_color=NEW_COLOUR,
            opacity=0.55,
            yaxis="y2",
            hovertemplate="%{x}<br>新增逾期客户：%{y:,} 户<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=months,
            y=[None if pd.isna(v) else float(v) * 100 for v in scope_trend["overdue_rate"]],
            name="逾期率（%）",
            mode="lines+markers",
            line=dict(color=RATE_COLOUR),
            hovertemplate="%{x}<br>逾期率：%{y:.2f}%<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=months,
            y=[control * 100] * len(months),
            name="控制目标（%）",
            mode="lines",
            line=dict(color=CONTROL_COLOUR, dash="dash"),
            hovertemplate="控制目标：%{y:.2f}%<extra></extra>",
        )
    )
    fig.update_layout(
        title=dict(text=title, y=0.98, yanchor="top", yref="container"),
        height=360,
        margin=dict(l=10, r=10, t=80, b=30),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0),
        xaxis=dict(type="category"),
        yaxis=dict(title="逾期率（%）", rangemode="tozero"),
        yaxis2=dict(title="新增逾期客户（户）", overlaying="y", side="right", rangemode="tozero", showgrid=False),
    )
    return fig
