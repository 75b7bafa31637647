"""名单跟进 (seed 002 客户名单制营销 … 跟进, 闭环经营): the prospect lists of 存量客户深挖 reporting back.

Each list a month draws is a promise; the next month's extract shows whether it was kept, without
anyone typing a result. The rules live in ``queries/models/list_members.sql``; the datasets are
``list_conversion`` (per list and manager), ``list_conversion_trend`` (per month and list) and
``list_followup`` (the customers not converted). ``run`` is a page's ``ctx.run`` (masked in
training mode) or any ``run(name, **params)``.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import plotly.graph_objects as go

from . import fmt, periods, settings

Runner = Callable[..., pd.DataFrame]

LISTS = ("无贷转有贷", "到期续贷", "产品缺口", "睡眠客户")
LIST_COLOURS = {"无贷转有贷": "#c0392b", "到期续贷": "#2471a3", "产品缺口": "#d68910", "睡眠客户": "#7d3c98"}

COLUMNS: dict[str, dict[str, tuple[str, str]]] = {
    "managers": {
        "list": ("名单", "text"),
        "manager_name": ("客户经理（上月）", "text"),
        "branch": ("所属支行", "text"),
        "listed": ("上月名单户数", "count"),
        "converted": ("本月已转化", "count"),
        "not_converted": ("待跟进", "count"),
        "rate": ("转化率", "pct"),
    },
    "followup": {
        "list": ("名单", "text"),
        "customer_name": ("客户名称", "text"),
        "customer_id": ("客户号", "text"),
        "branch": ("所属支行", "text"),
        "manager_name": ("客户经理（上月）", "text"),
        "segment": ("管户类型（上月）", "text"),
        "deposits": ("上月末存款", "wan"),
        "loans": ("上月贷款余额", "wan"),
        "loan_maturity": ("贷款到期日", "date"),
        "gaps": ("上月产品缺口", "text"),
        "loans_now": ("本月贷款余额", "wan"),
        "status": ("本月情况", "text"),
        "phone": ("联系电话", "text"),
    },
}


def thresholds(min_deposit=None, window_months=None) -> dict:
    """The lists' thresholds: the page's choices where given, else the settings."""
    return {
        "min_deposit": int(settings.get("prospect_min_deposit")) if min_deposit is None else int(min_deposit),
        "payroll_deposit": int(settings.get("prospect_payroll_deposit")),
        "cash_mgmt_deposit": int(settings.get("prospect_cash_mgmt_deposit")),
        "window_months": int(settings.get("prospect_dormant_months")) if window_months is None else int(window_months),
    }


def rules_text(limits: dict) -> str:
    """What puts a customer on each list at the month before and what counts as converted by this month."""
    return "\n".join(
        [
            f"- **无贷转有贷**：上月末为非授信、无贷款、月末存款不少于 {fmt.wan(limits['min_deposit'])} 万元的客户"
            "（存款门槛与“无贷转有贷”页签相同；只因代发或基本户入选的不计）；本月有贷款（线下或线上余额大于 0）即为转化。",
            "- **到期续贷**：上月末有贷款、到期日在本月内的客户；本月仍有贷款余额即为续贷，其余为流失的业务。",
            f"- **产品缺口**：上月有任一产品缺口的客户（规则见“产品覆盖与缺口”页签，代发门槛 "
            f"{fmt.wan(limits['payroll_deposit'])} 万元、现金管理门槛 {fmt.wan(limits['cash_mgmt_deposit'])} 万元）；"
            "本月开通了上月所缺产品中的任意一项即为补上缺口。",
            f"- **睡眠客户**：截至上月连续 {limits['window_months']} 个月没有余额和产品的客户；本月有任何余额或产品即为激活。",
            "- 上月名单上的客户本月不在管户明细中的，计为未转化（“不在本月管户明细”）。客户经理为上月名单所属的客户经理。",
        ]
    )


def nothing_to_report(months: list[str], month: str, branch: str | None) -> str | None:
    """Why there is nothing to report back this month (no month before stored), else None."""
    before = periods.previous_month(month)
    if before in months:
        return None
    where = fmt.md(branch) if branch else "本行"
    return (
        f"{where}没有 {before}（上月）的管户明细：名单是按上月数据列出的，本月无从回看转化情况。"
        "上传上月数据后，这里显示各名单的跟进结果。"
    )


def by_manager(run: Runner, month: str, branch: str | None, manager_id: str | None, limits: dict) -> pd.DataFrame:
    """Per list and manager (list_conversion), only ``manager_id`` when one is chosen."""
    frame = run("list_conversion", month=month, branch=branch, **limits)
    if manager_id is not None:
        frame = frame[frame["manager_id"] == manager_id].reset_index(drop=True)
    return frame


def totals(frame: pd.DataFrame) -> dict[str, tuple[int, int]]:
    """Per list: (listed, converted) summed over the managers of ``frame``, in the lists' order."""
    out = {}
    for name in LISTS:
        rows = frame[frame["list"] == name]
        if len(rows):
            out[name] = (int(rows["listed"].sum()), int(rows["converted"].sum()))
    return out


def total_text(listed: int, converted: int) -> str:
    """``12 / 40 户（30.0%）``."""
    return f"{fmt.count(converted)} / {fmt.count(listed)} 户（{fmt.pct(converted / listed) if listed else '—'}）"


def trend(run: Runner, month: str, branch: str | None, manager_id: str | None, limits: dict) -> pd.DataFrame:
    """Per month and list, the 12 months up to ``month`` (list_conversion_trend)."""
    return run("list_conversion_trend", month=month, branch=branch, manager_id=manager_id, **limits)


def followup(run: Runner, month: str, branch: str | None, manager_id: str | None, limits: dict) -> pd.DataFrame:
    """The customers listed last month and not converted (list_followup)."""
    return run("list_followup", month=month, branch=branch, manager_id=manager_id, **limits)


def trend_figure(trend_frame: pd.DataFrame, title: str) -> go.Figure:
    """Each list's conversion rate by month (hover: converted / listed)."""
    fig = go.Figure()
    for name in LISTS:
        rows = trend_frame[trend_frame["list"] == name]
        if rows.empty:
            continue
        fig.add_trace(
            go.Scatter(
                x=list(rows["month"]),
                y=[float(v) * 100 for v in rows["rate"]],
                customdata=list(zip(rows["converted"].astype(int), rows["listed"].astype(int))),
                name=name,
                mode="lines+markers",
                line=dict(color=LIST_COLOURS[name]),
                hovertemplate=f"%{{x}}<br>{name}：%{{y:.1f}}%（%{{customdata[0]:,}} / %{{customdata[1]:,}} 户）<extra></extra>",
            )
        )
    fig.update_layout(
        title=dict(text=title, y=0.98, yanchor="top", yref="container"),
        height=360,
        margin=dict(l=10, r=10, t=80, b=30),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0),
        xaxis=dict(type="category"),
        yaxis=dict(title="转化率（%）", rangemode="tozero"),
    )
    return fig
