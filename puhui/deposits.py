"""The deposit page's logic (存款结构): frames and plotly figures, testable without Streamlit.

Inputs are the DataFrames of the ``deposit_*`` queries and ``visit_alerts`` (money in yuan;
DuckDB hands DECIMAL to pandas as float, so sums here go back through Decimal to stay
exact). Outputs are frames for ``ui.table`` and figures for ``st.plotly_chart``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import pandas as pd
import plotly.graph_objects as go

from . import contract, fmt, settings

KINDS: tuple[tuple[str, str], ...] = (
    ("dep_settlement", "结算存款"),
    ("dep_pure", "纯存款"),
    ("dep_margin", "保证金存款"),
    ("dep_savings", "储蓄存款"),
)
KIND_LABELS: dict[str, str] = {**dict(KINDS), "dep_total": "存款合计"}
KIND_COLORS: dict[str, str] = {
    "dep_settlement": "#1f77b4",
    "dep_pure": "#ff7f0e",
    "dep_margin": "#9467bd",
    "dep_savings": "#17becf",
    "dep_total": "#444444",
}

# Seed 001, table 6: each kind's target customers and the products that bring it.
TABLE6: dict[str, tuple[str, str]] = {
    "dep_settlement": ("以非授信户为主、以授信户为辅", "对公网银、代缴税、代扣水电费、票据贴现"),
    "dep_pure": ("以非授信户为主", "“多开户、多开基本户”、对公理财、政策性产品延伸营销"),
    "dep_margin": ("以授信户为主、非授信户为辅", "银票、存单质押、保函"),
    "dep_savings": ("以线上产品、代发工资户为主", "线上产品、信用卡、直销银行、手机银行、个人理财"),
}


@dataclass(frozen=True)
class SourceRule:
    """Where a kind of deposit should chiefly come from (table 6), as a checkable rule."""

    group: str  # the target group's name as shown
    segments: tuple[str, ...]  # segments whose whole balance counts toward the group
    payroll: bool = False  # payroll customers of any other segment count too


SOURCE_RULES: dict[str, SourceRule] = {
    "dep_settlement": SourceRule("非授信客户", ("非授信",)),
    "dep_pure": SourceRule("非授信客户", ("非授信",)),
    "dep_margin": SourceRule("授信客户（线下+线上）", ("线下授信", "线上授信")),
    "dep_savings": SourceRule("线上授信客户及代发工资客户", ("线上授信",), payroll=True),
}

ROLE_RANK: dict[str, int] = {role: rank for rank, role in enumerate(contract.ROLES, start=1)}
CENT = Decimal("0.01")


def to_decimal(value) -> Decimal | None:
    """A yuan amount from a frame (float, int, Decimal, None/NaN) as an exact Decimal to the cent."""
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA:
        return None
    if isinstance(value, Decimal):
        return value.quantize(CENT)
    if isinstance(value, float):
        return Decimal(repr(value)).quantize(CENT)
    return Decimal(str(value)).quantize(CENT)


def dec_sum(values) -> Decimal:
    """The exact sum of yuan amounts (missing values count as 0)."""
    return sum((to_decimal(v) or Decimal(0) for v in values), Decimal(0))


def previous_month(month: str) -> str:
    """The calendar month before ``month``: ``2026-01`` → ``2025-12`` (one copy: :mod:`puhui.periods`)."""
    from . import periods

    return periods.previous_month(month)


def year_start_month(month: str) -> str:
    """The base of year-start changes (较年初): December of the previous year (one copy: :mod:`puhui.periods`)."""
    from . import periods

    return periods.year_start_month(month)


def alert_params() -> dict:
    """The visit-alert thresholds from settings, as ``visit_alerts`` parameters (yuan)."""
    return {
        "threshold_manager": settings.get("visit_threshold_manager"),
        "threshold_lead": settings.get("visit_threshold_lead"),
        "threshold_vp": settings.get("visit_threshold_vp"),
    }


def deviation_params() -> dict:
    """The deviation threshold from settings, as the ``deposit_deviation`` parameter."""
    return {"threshold": settings.get("deviation_threshold")}


def required_role(increase, thresholds: dict | None = None) -> str | None:
    """The visitor role a deposit increase calls for (strictly above each threshold), else None."""
    limits = thresholds or alert_params()
    amount = to_decimal(increase)
    if amount is None:
        return None
    if amount > Decimal(str(limits["threshold_vp"])):
        return "分管行长"
    if amount > Decimal(str(limits["threshold_lead"])):
        return "团队负责人"
    if amount > Decimal(str(limits["threshold_manager"])):
        return "客户经理"
    return None


def role_satisfies(visitor_role: str | None, required: str) -> bool:
    """Whether a visit by ``visitor_role`` (None = 客户经理) meets a rule asking for ``required``."""
    return ROLE_RANK.get(visitor_role or "客户经理", 1) >= ROLE_RANK[required]


@dataclass
class LineSummary:
    """The four kinds for the line (or the filtered sub-branch) with shares and changes.

    ``rows`` has one row per kind plus ``dep_total``: kind, label, amount, share, mom, ytd,
    yoy (Decimal yuan; a change is None when no sub-branch in scope has its base month
    stored). Changes sum the sub-branches that have the base month; the others are listed.
    """

    rows: pd.DataFrame
    prev_month: str | None
    year_start_month: str | None
    missing_prev: list[str] = field(default_factory=list)
    missing_year_start: list[str] = field(default_factory=list)
    year_ago_month: str | None = None
    missing_year_ago: list[str] = field(default_factory=list)

    def row(self, kind: str) -> dict:
        """The summary row of one kind as a dict."""
        return self.rows.set_index("kind").loc[kind].to_dict()


def line_summary(by_branch: pd.DataFrame) -> LineSummary:
    """Sum ``deposit_by_branch`` rows to one row per kind with share and 环比 / 较年初 / 同比 changes."""
    has_prev = by_branch["prev_month_stored"].astype(bool) if len(by_branch) else pd.Series(dtype=bool)
    has_dec = by_branch["year_start_stored"].astype(bool) if len(by_branch) else pd.Series(dtype=bool)
    has_year_ago = (
        by_branch["year_ago_stored"].astype(bool) if len(by_branch) and "year_ago_stored" in by_branch else
        pd.Series(False, index=by_branch.index, dtype=bool)
    )
    total = dec_sum(by_branch["dep_total"]) if len(by_branch) else Decimal(0)
    rows = []
    for kind in [*dict(KINDS), "dep_total"]:
        amount = dec_sum(by_branch[kind]) if len(by_branch) else Decimal(0)
        mom = dec_sum(by_branch.loc[has_prev, f"{kind}_mom"]) if has_prev.any() else None
        ytd = dec_sum(by_branch.loc[has_dec, f"{kind}_ytd"]) if has_dec.any() else None
        yoy = dec_sum(by_branch.loc[has_year_ago, f"{kind}_yoy"]) if has_year_ago.any() else None
        share = float(amount / total) if total else None
        rows.append(
            {"kind": kind, "label": KIND_LABELS[kind], "amount": amount, "share": share, "mom": mom, "ytd": ytd, "yoy": yoy}
        )
    first = by_branch.iloc[0] if len(by_branch) else None
    return LineSummary(
        rows=pd.DataFrame(rows),
        prev_month=None if first is None else first["prev_month"],
        year_start_month=None if first is None else first["year_start_month"],
        missing_prev=sorted(by_branch.loc[~has_prev, "branch"].tolist()) if len(by_branch) else [],
        missing_year_start=sorted(by_branch.loc[~has_dec, "branch"].tolist()) if len(by_branch) else [],
        year_ago_month=None if first is None or "year_ago_month" not in by_branch else first["year_ago_month"],
        missing_year_ago=sorted(by_branch.loc[~has_year_ago, "branch"].tolist()) if len(by_branch) else [],
    )


def no_previous_note(summary: LineSummary) -> str | None:
    """Why some or all sub-branches have no month-on-month change, increases or alerts (Chinese)."""
    if not summary.missing_prev:
        return None
    names = "、".join(summary.missing_prev)
    return (
        f"{names} 未存储上月（{summary.prev_month}）的管户明细，无法计算环比与存款新增："
        "这些支行不产生时点存款新增、增减排名和拜访预警。导入上月数据后即可计算。"
    )


def change_text(value, prefix: str, line: bool = False, unit: bool = True) -> str:
    """A signed change with its prefix: ``环比 +12.34 万元`` (a sub-branch) or ``环比 +0.12 亿元`` (the line).

    ``unit=False`` leaves the unit out where the label carries it; ``—`` when unknown.
    """
    if value is None:
        return f"{prefix} —（无基期数据）"
    return f"{prefix} {fmt.amount(value, line, unit=unit, signed=True)}"


def change_html(value, prefix: str, line: bool = False, unit: bool = True) -> str:
    """A signed change coloured red-up / green-down, as a small HTML span for st.markdown."""
    return f'<span style="color:{fmt.change_color(value)}">{change_text(value, prefix, line, unit)}</span>'


def breakdown_frame(frame: pd.DataFrame, label_column: str, id_column: str | None = None) -> pd.DataFrame:
    """Rows for a breakdown chart: ``label`` plus the four kinds and total, largest total first.

    Labels repeat rarely (two managers with one name); the id is appended then so bars don't merge.
    """
    if frame.empty:
        return pd.DataFrame(columns=["label", *dict(KINDS), "dep_total"])
    out = frame.copy()
    label = out[label_column].fillna(out[id_column] if id_column else "—").astype(str)
    if id_column is not None and label.duplicated(keep=False).any():
        dup = label.duplicated(keep=False)
        label = label.where(~dup, label + "（" + out[id_column].astype(str) + "）")
    out["label"] = label
    if "dep_total" not in out:
        out["dep_total"] = out[list(dict(KINDS))].sum(axis=1)
    return out.sort_values("dep_total", ascending=False)[["label", *dict(KINDS), "dep_total"]].reset_index(drop=True)


def breakdown_figure(frame: pd.DataFrame, title: str = "", horizontal: bool = False) -> go.Figure:
    """Stacked bars of the four kinds (万元) per row of a :func:`breakdown_frame`."""
    fig = go.Figure()
    total = frame["dep_total"].astype(float).where(frame["dep_total"].astype(float) != 0)
    for kind, label in KINDS:
        wan = frame[kind].astype(float) / 10_000
        share = (frame[kind].astype(float) / total).fillna(0)
        hover = f"%{{{'y' if horizontal else 'x'}}}<br>{label}：%{{customdata[0]:,.2f}} 万元（占 %{{customdata[1]:.1%}}）<extra></extra>"
        common = dict(name=label, marker_color=KIND_COLORS[kind], customdata=list(zip(wan, share)), hovertemplate=hover)
        if horizontal:
            fig.add_bar(y=frame["label"], x=wan, orientation="h", **common)
        else:
            fig.add_bar(x=frame["label"], y=wan, **common)
    fig.update_layout(
        barmode="stack",
        title=title or None,
        legend={"orientation": "h", "x": 1, "xanchor": "right", "y": 1.0, "yanchor": "bottom", "traceorder": "normal"},
        margin={"l": 10, "r": 10, "t": 70, "b": 10},
        height=max(320, 28 * len(frame) + 140) if horizontal else 440,
    )
    axis = {"title": "万元", "tickformat": ",.0f"}
    if horizontal:
        fig.update_xaxes(**axis)
        fig.update_yaxes(autorange="reversed", type="category")
    else:
        fig.update_yaxes(**axis)
        fig.update_xaxes(type="category")
    return fig


def trend_frame(trend: pd.DataFrame) -> pd.DataFrame:
    """``deposit_trend`` rows summed over sub-branches: one row per month, the four kinds and total."""
    cols = [*dict(KINDS), "dep_total"]
    if trend.empty:
        return pd.DataFrame(columns=["month", *cols])
    rows = []
    for month, group in trend.groupby("month", sort=True):
        rows.append({"month": month, **{c: dec_sum(group[c]) for c in cols}})
    return pd.DataFrame(rows)


def trend_figure(frame: pd.DataFrame, title: str = "", line: bool = False) -> go.Figure:
    """Lines of the four kinds and the total over the stored months of a :func:`trend_frame`.

    In 亿元 for the whole line (``line=True``), in 万元 for a sub-branch: the units of the cards.
    """
    unit, scale = ("亿元", 100_000_000) if line else ("万元", 10_000)
    fig = go.Figure()
    for kind in [*dict(KINDS), "dep_total"]:
        values = [float(v) / scale for v in frame[kind]]
        fig.add_scatter(
            x=frame["month"],
            y=values,
            name=KIND_LABELS[kind],
            mode="lines+markers",
            line={"color": KIND_COLORS[kind], "dash": "dash" if kind == "dep_total" else "solid"},
            hovertemplate=f"%{{x}}<br>{KIND_LABELS[kind]}：%{{y:,.2f}} {unit}<extra></extra>",
        )
    fig.update_layout(
        title=title or None,
        legend={"orientation": "h", "y": -0.2},
        margin={"l": 10, "r": 10, "t": 40 if title else 10, "b": 10},
        height=380,
    )
    fig.update_xaxes(type="category", title="数据月份")
    fig.update_yaxes(title=unit, tickformat=",.2f" if line else ",.0f")
    return fig


def segment_mix(by_segment: pd.DataFrame) -> pd.DataFrame:
    """One row per segment (all three, in contract order): customers, the four kinds, total, and
    each kind's share of the kind's balance in scope (``<kind>_share``, 0–1)."""
    cols = [*dict(KINDS), "dep_total", "dep_savings_payroll"]
    rows = []
    for segment in contract.SEGMENTS:
        part = by_segment[by_segment["segment"] == segment]
        row = {
            "segment": segment,
            "customers": int(part["customers"].sum()),
            "payroll_customers": int(part["payroll_customers"].sum()),
        }
        row.update({c: dec_sum(part[c]) for c in cols})
        rows.append(row)
    out = pd.DataFrame(rows)
    for kind in [*dict(KINDS), "dep_total"]:
        whole = sum(out[kind], Decimal(0))
        out[f"{kind}_share"] = [float(v / whole) if whole else None for v in out[kind]]
    return out


def source_check(by_segment: pd.DataFrame, min_share: float | None = None) -> pd.DataFrame:
    """Table 6 held against the month: per kind, how much comes from its target customers.

    Rule: a kind runs against table 6 (``flagged``) when its balance is positive and the share
    coming from its target group is below ``min_share`` (setting ``deposit_source_main_share``,
    0.5: "以……为主" read as "more than half"). Savings count 线上授信 customers plus payroll
    customers of the other segments.
    """
    limit = settings.get("deposit_source_main_share") if min_share is None else min_share
    rows = []
    for kind, label in KINDS:
        rule = SOURCE_RULES[kind]
        amount = dec_sum(by_segment[kind])
        in_group = by_segment["segment"].isin(rule.segments)
        target = dec_sum(by_segment.loc[in_group, kind])
        if rule.payroll:
            target += dec_sum(by_segment.loc[~in_group, "dep_savings_payroll"])
        share = float(target / amount) if amount else None
        flagged = share is not None and share < limit
        rows.append(
            {
                "kind": kind,
                "label": label,
                "table6": TABLE6[kind][0],
                "target_group": rule.group,
                "amount": amount,
                "target_amount": target,
                "target_share": share,
                "flagged": flagged,
                "status": "⚠️ 偏离表6" if flagged else ("—" if share is None else "✅ 符合"),
            }
        )
    return pd.DataFrame(rows)


def source_check_by_branch(by_segment: pd.DataFrame, min_share: float | None = None) -> pd.DataFrame:
    """:func:`source_check` per sub-branch, keeping only the kinds that run against table 6."""
    parts = []
    for branch, group in by_segment.groupby("branch", sort=True):
        check = source_check(group, min_share)
        check.insert(0, "branch", branch)
        parts.append(check[check["flagged"]])
    if not parts:
        return pd.DataFrame(columns=["branch", *source_check(by_segment, min_share).columns])
    return pd.concat(parts, ignore_index=True)


def segment_figure(mix: pd.DataFrame) -> go.Figure:
    """For each kind, the share coming from each segment (100% stacked horizontal bars)."""
    colors = {"线下授信": "#d62728", "线上授信": "#ff9896", "非授信": "#1f77b4"}
    fig = go.Figure()
    labels = [label for _, label in KINDS]
    for _, row in mix.iterrows():
        shares = [row[f"{kind}_share"] or 0 for kind, _ in KINDS]
        wan = [float(row[kind]) / 10_000 for kind, _ in KINDS]
        fig.add_bar(
            y=labels,
            x=shares,
            orientation="h",
            name=row["segment"],
            marker_color=colors.get(row["segment"]),
            customdata=wan,
            hovertemplate=f"%{{y}} 来自{row['segment']}：%{{x:.1%}}（%{{customdata:,.2f}} 万元）<extra></extra>",
        )
    fig.update_layout(
        barmode="stack",
        title="四类存款各来自哪类客户",
        legend={"orientation": "h", "x": 1, "xanchor": "right", "y": 1.0, "yanchor": "bottom", "traceorder": "normal"},
        margin={"l": 10, "r": 10, "t": 70, "b": 10},
        height=300,
    )
    fig.update_xaxes(tickformat=".0%", range=[0, 1])
    fig.update_yaxes(autorange="reversed")
    return fig


def split_movers(movers: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``deposit_top_movers`` split into (increases, decreases), each ranked."""
    ups = movers[movers["direction"] == "增加"].sort_values("rank").reset_index(drop=True)
    downs = movers[movers["direction"] == "减少"].sort_values("rank").reset_index(drop=True)
    return ups, downs


def list_caption(shown: int, total: int, what: str, order: str) -> str | None:
    """Why a customer list is cut to its worst rows (Chinese), or None when it holds them all."""
    if shown >= total:
        return None
    return (
        f"共 {total:,} 户{what}，此处（及下载的 Excel）只列{order}的前 {shown:,} 户；"
        "选择客户经理可查看并下载其完整清单。"
    )


def alert_view(alerts: pd.DataFrame) -> pd.DataFrame:
    """``visit_alerts`` with a ✅/❌ column for the visited flag, unvisited first."""
    out = alerts.copy()
    out["visited_mark"] = out["visited"].map(lambda v: "✅ 已上门" if bool(v) else "❌ 未上门")
    order = out["visited"].astype(bool).astype(int)
    return (
        out.assign(_o=order)
        .sort_values(["_o", "required_rank", "deposit_increase"], ascending=[True, False, False])
        .drop(columns="_o")
        .reset_index(drop=True)
    )


def alert_counts(alerts: pd.DataFrame) -> dict:
    """Alerts per required role with how many were visited: {role: (alerts, visited)}."""
    counts = {}
    for role in reversed(contract.ROLES):
        part = alerts[alerts["required_role"] == role]
        counts[role] = (len(part), int(part["visited"].astype(bool).sum()))
    return counts


def compliance_summary(checked: pd.DataFrame) -> dict:
    """Counts checked, compliant, not compliant: from ``deposit_settlement_compliance`` rows (one
    per customer) or from ``deposit_settlement_summary`` rows (counts per manager, summed)."""
    if "checked" in checked.columns:
        total, compliant = int(checked["checked"].sum()), int(checked["compliant"].sum())
        return {"checked": total, "compliant": compliant, "not_compliant": total - compliant}
    compliant = int(checked["compliant"].astype(bool).sum()) if len(checked) else 0
    return {"checked": len(checked), "compliant": compliant, "not_compliant": len(checked) - compliant}


def deviation_summary(deviation: pd.DataFrame, by: str = "branch", threshold: float | None = None) -> pd.DataFrame:
    """``deposit_deviation`` rows summed per ``by`` (branch or manager_id): month-end total, daily
    average, deviation = (total − average) / average and the flag |deviation| > threshold.

    Also takes ``deposit_deviation_summary`` rows (already summed per manager, with
    ``customers`` and ``flagged_customers`` counts), so a provincial book is summed in SQL.
    """
    pre_summed = "customers" in deviation.columns
    limit = Decimal(str(settings.get("deviation_threshold") if threshold is None else threshold))
    keys = [by] if by == "branch" else [by, "manager_name", "branch"]
    rows = []
    if deviation.empty:
        return pd.DataFrame(
            columns=[*keys, "customers", "flagged_customers", "dep_total", "dep_avg", "deviation", "flagged"]
        )
    for key, group in deviation.groupby(keys, sort=True, dropna=False):
        key = key if isinstance(key, tuple) else (key,)
        total, avg = dec_sum(group["dep_total"]), dec_sum(group["dep_avg"])
        rows.append(
            {
                **dict(zip(keys, key)),
                "customers": int(group["customers"].sum()) if pre_summed else len(group),
                "flagged_customers": int(
                    group["flagged_customers"].sum() if pre_summed else group["flagged"].astype(bool).sum()
                ),
                "dep_total": total,
                "dep_avg": avg,
                "deviation": float((total - avg) / avg) if avg else None,
                "flagged": bool(avg) and abs(total - avg) > limit * avg,
            }
        )
    return pd.DataFrame(rows)
