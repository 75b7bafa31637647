"""Frames, flags and figures of the account-mix page (管户结构).

The queries ``manager_mix``, ``mix_trend`` and ``manager_customers`` return each manager's
customers by segment against the targets (25 线下授信 + 30 线上授信 + 50 非授信, 100 in all),
the flags and the customer lists; this module turns them into what the page shows — sorted
frames, the gap table, team and sub-branch roll-ups, the 集训营, the picker's labels and the
plotly figures — so that all of it can be tested without Streamlit.
"""

from __future__ import annotations

import math

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
    sums = [
        "offline_credit",
        "online_credit",
        "non_credit",
        "total",
        "target_total",
        "gap_offline",
        "gap_online",
        "gap_non_credit",
        "loans",
        "deposits",
        "overdue",
    ]
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
    return {
        f"{label}（{branch}）": (mid, branch)
        for label, mid, branch in zip(labels, frame["manager_id"], frame["branch"])
    }


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
        fig.add_trace(
            go.Bar(
                x=list(trend["month"]),
                y=_float(trend[col]),
                name=name,
                marker_color=colour,
                hovertemplate=f"%{{x}}<br>{name}：%{{y:,}} 户<extra></extra>",
            )
        )
    fig.add_trace(
        go.Scatter(
            x=list(trend["month"]),
            y=_float(trend["total"]),
            name="管户总数",
            mode="lines+markers",
            line=dict(color=TOTAL_COLOUR),
            hovertemplate="%{x}<br>管户总数：%{y:,} 户<extra></extra>",
        )
    )
    if target_total is not None and len(trend):
        fig.add_trace(
            go.Scatter(
                x=list(trend["month"]),
                y=[float(target_total)] * len(trend),
                name="管户目标",
                mode="lines",
                line=dict(color=TARGET_COLOUR, dash="dash"),
                hovertemplate="管户目标：%{y:,} 户<extra></extra>",
            )
        )
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


def _shown(value, money: bool = False) -> str:
    """A count with separators, or yuan in 万元 with the unit; ``—`` when missing."""
    if value is None or pd.isna(value):
        return "—"
    if hasattr(value, "item"):
        value = value.item()  # numpy scalars: fmt reads repr() of floats
    return fmt.wan(value, unit=True) if money else fmt.count(value)


def manager_summary(row: pd.Series) -> str:
    """One line on a manager: the three segments, the total against its target, loans and deposits."""
    counts = "、".join(f"{label} {_shown(row[col])} 户" for col, label, *_ in SEGMENT_COLUMNS)
    target = row.get("target_total")
    against = "" if target is None or pd.isna(target) else f"（目标 {_shown(target)} 户）"
    return (
        f"{counts}，合计 {_shown(row['total'])} 户{against}；"
        f"贷款 {_shown(row['loans'], money=True)}、存款 {_shown(row['deposits'], money=True)}、"
        f"逾期 {_shown(row['overdue'], money=True)}。"
    )


def headline(mix: pd.DataFrame) -> dict:
    """The page's head figures: customer managers, average accounts (text), on target, and each flag's count."""
    managers = mix[mix["is_manager"].fillna(True).astype(bool)]
    return {
        "managers": len(managers),
        "average": "—" if managers.empty else f"{managers['total'].mean():,.1f}",
        "on_target": int((managers["total"] >= managers["target_total"]).sum()),
        "flags": {flag: int(mix[flag].fillna(False).sum()) for flag in FLAG_COLUMNS},
    }


def only_flagged(mix: pd.DataFrame, labels: list[str]) -> pd.DataFrame:
    """The rows carrying any of the flags named by ``labels`` (all rows when none is named)."""
    wanted = [f for f in FLAG_COLUMNS if FLAG_LABELS[f] in labels]
    if not wanted:
        return mix
    return mix[mix[wanted].fillna(False).astype(bool).any(axis=1)]


def bottom_names(mix: pd.DataFrame, measure_label: str) -> str:
    """The 集训营 ranked by another measure (a :data:`BOTTOM_MEASURES` label), names joined by 、."""
    chosen = bottom_group(mix, BOTTOM_MEASURES[measure_label])
    return "、".join(manager_labels(mix)[chosen]) or "无"


def manager_row(mix: pd.DataFrame, manager_id: str, branch: str) -> pd.Series:
    """One manager's row in one sub-branch."""
    return mix[(mix["manager_id"] == manager_id) & (mix["branch"] == branch)].iloc[0]


def total_target(row: pd.Series) -> float | None:
    """A manager's total target for the trend figure, None when there is none."""
    target = row["target_total"]
    return None if target is None or pd.isna(target) else target
