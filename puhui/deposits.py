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

    def no_previous_at_all(self, by_branch: pd.DataFrame) -> bool:
        """Whether no sub-branch in scope has the previous month (no changes, increases or alerts at all)."""
        return len(self.missing_prev) == len(by_branch)


def line_summary(by_branch: pd.DataFrame) -> LineSummary:
    """Sum ``deposit_by_branch`` rows to one row per kind with share and 环比 / 较年初 / 同比 changes."""
    has_prev = by_branch["prev_month_stored"].astype(bool) if len(by_branch) else pd.Series(dtype=bool)
    has_dec = by_branch["year_start_stored"].astype(bool) if len(by_branch) else pd.Series(dtype=bool)
    has_year_ago = (
        by_branch["year_ago_stored"].astype(bool)
        if len(by_branch) and "year_ago_stored" in by_branch
        else pd.Series(False, index=by_branch.index, dtype=bool)
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
            {
                "kind": kind,
                "label": KIND_LABELS[kind],
                "amount": amount,
                "share": share,
                "mom": mom,
                "ytd": ytd,
                "yoy": yoy,
            }
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
    names = "、".join(fmt.md(name) for name in summary.missing_prev)  # shown as Markdown
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


# ---- What the deposit page shows: its texts, column specs and list views ----------------------

_THRESHOLDS = (
    ("visit_threshold_manager", "客户经理上门"),
    ("visit_threshold_lead", "至少团队负责人上门"),
    ("visit_threshold_vp", "分管行长上门"),
)


def in_scope(by_branch: pd.DataFrame, branch: str | None) -> pd.DataFrame:
    """``deposit_by_branch`` rows of the sidebar's sub-branch (all rows for the whole line)."""
    return by_branch[by_branch["branch"] == branch] if branch else by_branch


def book_view(book: pd.DataFrame, who: str) -> tuple[pd.DataFrame, int, go.Figure | None]:
    """A manager's ``deposit_customers`` book as the page shows it: its first rows (setting
    ``table_max_rows``), how many customers it holds, and the chart of the 15 largest (None
    for an empty book).
    """
    rows = int(settings.get("table_max_rows"))
    if book.empty:
        return book, 0, None
    top = breakdown_frame(book.head(15), "customer_name", "customer_id")
    figure = breakdown_figure(top, f"{who} 存款最多的 {len(top)} 户（万元）", horizontal=True)
    return book.head(rows).copy(), len(book), figure


def largest_first(mix: pd.DataFrame) -> pd.DataFrame:
    """``deposit_mix`` managers by total deposits, largest first (ties by manager id)."""
    return mix.sort_values(["dep_total", "manager_id"], ascending=[False, True])


def manager_names(mix: pd.DataFrame) -> dict[str, str]:
    """Manager id → name ('' when the roster has none) for a picker's labels."""
    return dict(zip(mix["manager_id"], mix["manager_name"].fillna("")))


def lagging_managers(cadence: pd.DataFrame) -> pd.DataFrame:
    """``deposit_visit_cadence`` managers with a non-credit customer not visited both ways."""
    return cadence[cadence["non_credit_customers"] > cadence["both_visited"]]


def failing_managers(summary: pd.DataFrame) -> pd.DataFrame:
    """``deposit_settlement_summary`` managers with a customer short of the settlement rule."""
    return summary[summary["not_compliant"] > 0]


def flagged_managers(deviation: pd.DataFrame) -> pd.DataFrame:
    """``deposit_deviation_summary`` managers with a customer over the deviation threshold."""
    return deviation[deviation["flagged_customers"] > 0]


def threshold_text() -> str:
    """The visit rule of table 8 as the settings have it: ``超过 50 万元须客户经理上门、…``."""
    return "、".join(
        f"超过 {fmt.wan(settings.get(name)).removesuffix('.00')} 万元须{role}" for name, role in _THRESHOLDS
    )


def explain_text() -> str:
    """The page's "如何看本页" panel: the four kinds and their target customers, and the page's rules."""
    return (
        "条线存款分为四类，各有目标客户（种子001表6）：\n\n"
        + "\n".join(f"- **{label}**：{TABLE6[kind][0]}；配套产品：{TABLE6[kind][1]}" for kind, label in KINDS)
        + "\n\n本页的规则：\n"
        "- 环比 = 本月 − 上月，较年初 = 本月 − 上年12月，同比 = 本月 − 上年同月；红色为增加、绿色为减少。"
        "金额：全条线合计以亿元、支行与客户经理以万元显示。\n"
        f"- 拜访预警（表8）：客户时点存款新增 = 本月四类存款合计 − 上月（新客户从 0 起算），{threshold_text()}；"
        "只认同月对该客户的上门拜访，较高岗位的拜访满足较低岗位的要求。\n"
        "- 结算要求（表7）：授信客户贷款占比≥50% 须为主结算行（结算量占比≥50%），其余结算量占比不低于贷款占比。\n"
        "- 存款偏离度 =（月末余额 − 月日均）÷ 月日均：正数表示月末冲高，"
        f"绝对值超过 {fmt.pct(settings.get('deviation_threshold'))} 预警。"
    )


@dataclass(frozen=True)
class Card:
    """One metric card of the summary row: label, value, the 环比 change and a small HTML line (share, 较年初, 同比)."""

    label: str
    value: str
    delta: object
    delta_text: str
    detail_html: str


def cards(summary: LineSummary, line: bool) -> list[Card]:
    """The five cards (total, then the four kinds): 亿元 for the whole line, 万元 for a sub-branch, the unit in the label."""
    unit = "亿元" if line else "万元"
    out = []
    for kind in ["dep_total", *dict(KINDS)]:
        row = summary.row(kind)
        share = "" if kind == "dep_total" else f"占比 {fmt.pct(row['share'])}"
        ytd = "" if row["ytd"] is None else change_html(row["ytd"], "较年初", line, unit=False)
        yoy = "" if row["yoy"] is None else change_html(row["yoy"], "同比", line, unit=False)
        out.append(
            Card(
                label=f"{KIND_LABELS[kind]}（{unit}）",
                value=fmt.amount(row["amount"], line, unit=False),
                delta=row["mom"],
                delta_text=change_text(row["mom"], "环比", line, unit=False),
                detail_html=f"<small>{'<br>'.join(p for p in (share, ytd, yoy) if p)}</small>",
            )
        )
    return out


def missing_base_caption(summary: LineSummary, branches: int) -> str | None:
    """Which comparison bases no sub-branch in scope has stored (上年12月, 上年同月), or None."""
    missing = []
    if summary.missing_year_start and len(summary.missing_year_start) == branches:
        missing.append(f"上年12月（{summary.year_start_month}），较年初变化无法计算")
    if summary.missing_year_ago and len(summary.missing_year_ago) == branches:
        missing.append(f"上年同月（{summary.year_ago_month}），暂无同比")
    return "未存储" + "；".join(missing) + "。" if missing else None


def partial_months_caption(statuses, line: bool) -> str | None:
    """For the line's trend: the months that lack some sub-branches' books, whose totals are too small."""
    partial = sorted(s.month for s in statuses if not s.complete)
    if not line or not partial:
        return None
    return f"{'、'.join(partial)} 缺少部分支行的管户明细，这些月份的全条线合计偏小。"


def source_rule_caption() -> str:
    """The table 6 source rule as the settings have it."""
    return (
        f"规则：某类存款来自其目标客户的余额占该类存款不足 {fmt.pct(settings.get('deposit_source_main_share'), 0)}"
        "（“以……为主”），即列为偏离表6。储蓄存款的目标客户为线上授信客户及各类代发工资客户。"
    )


def deviation_caption() -> str:
    """How the deviation is computed and when it is flagged."""
    return (
        f"偏离度 =（月末四类存款合计 − 月日均存款）÷ 月日均存款；绝对值超过 {fmt.pct(settings.get('deviation_threshold'))} "
        "标为“⚠️ 超线”。只统计提供了月日均存款的客户。"
    )


def manager_options(managers: pd.DataFrame) -> tuple[list[str], dict[str, str]]:
    """A list's managers (ids, each once though listed under two sub-branches) and their labels ``name（id，支行）``."""
    ids = list(dict.fromkeys(m for m in managers["manager_id"].tolist() if m is not None))
    labels = {
        mid: f"{name or mid}（{mid}，{branch}）"
        for mid, name, branch in zip(managers["manager_id"], managers["manager_name"], managers["branch"])
    }
    return ids, labels


def cadence_view(short: pd.DataFrame) -> pd.DataFrame:
    """``deposit_cadence_customers`` with ✅/❌ marks for the phone and on-site visits."""
    return short.assign(
        phone_mark=short["phone_visited"].map(lambda v: "✅" if v else "❌"),
        onsite_mark=short["onsite_visited"].map(lambda v: "✅" if v else "❌"),
    )


def cadence_short_total(cadence: pd.DataFrame) -> int:
    """Non-credit customers in scope not visited both ways this month."""
    return int((cadence["non_credit_customers"] - cadence["both_visited"]).sum())


def failing(compliance: pd.DataFrame) -> pd.DataFrame:
    """The customers of ``deposit_settlement_compliance`` whose settlement falls short."""
    return compliance[~compliance["compliant"].astype(bool)]


def flagged(deviation: pd.DataFrame) -> pd.DataFrame:
    """The customers of ``deposit_deviation`` over the deviation threshold."""
    return deviation[deviation["flagged"].astype(bool)]


def deviation_view(deviation: pd.DataFrame, by: str) -> pd.DataFrame:
    """:func:`deviation_summary` with the ``⚠️ 超线`` mark a table shows."""
    summary = deviation_summary(deviation, by)
    summary["flag_mark"] = summary["flagged"].map(lambda v: "⚠️ 超线" if v else "")
    return summary


def kind_columns(kind: str = "wan") -> dict[str, tuple[str, str]]:
    """The four kinds as table columns in ``kind`` (``wan`` or ``yi``)."""
    return {k: (label, kind) for k, label in KINDS}


TOTAL_COLUMNS = {"dep_total": ("存款合计", "wan")}
CHANGE_COLUMNS = {"dep_total_mom": ("环比变化", "wan"), "dep_total_ytd": ("较年初变化", "wan")}
SHARE_COLUMNS = {f"{kind}_share": (f"{label}占比", "pct") for kind, label in KINDS}
BRANCH_COLUMNS = {
    "branch": ("支行", "text"),
    **TOTAL_COLUMNS,
    **CHANGE_COLUMNS,
    "dep_total_yoy": ("同比变化", "wan"),
    **kind_columns(),
    **SHARE_COLUMNS,
}
# The total and its changes first (on a laptop the later columns scroll out of view), then
# the kinds with their changes beside them.
MANAGER_COLUMNS = {
    "manager_name": ("客户经理", "text"),
    **TOTAL_COLUMNS,
    **CHANGE_COLUMNS,
    **{
        col: spec
        for kind, label in KINDS
        for col, spec in ((kind, (label, "wan")), (f"{kind}_mom", (f"{label}环比", "wan")))
    },
    "manager_id": ("客户经理编号", "text"),
}
CUSTOMER_COLUMNS = {
    "customer_id": ("客户号", "text"),
    "customer_name": ("客户名称", "text"),
    "segment": ("管户类型", "text"),
    **TOTAL_COLUMNS,
    "dep_total_mom": ("环比变化", "wan"),
    "dep_total_ytd": ("较年初变化", "wan"),
    **kind_columns(),
}


def trend_columns(unit: str) -> dict[str, tuple[str, str]]:
    """The trend table's columns, amounts in ``unit`` (``yi`` for the line, ``wan`` for a sub-branch)."""
    return {"month": ("数据月份", "text"), "dep_total": ("存款合计", unit), **kind_columns(unit)}


def source_check_columns(unit: str) -> dict[str, tuple[str, str]]:
    """The table 6 check's columns; the scope's balance of each kind in the cards' unit."""
    return {
        "label": ("存款类别", "text"),
        "status": ("对照", "text"),
        "target_share": ("来自目标客户的占比", "pct"),
        "target_group": ("目标客户（按此计入）", "text"),
        "amount": ("余额", unit),
        "target_amount": ("来自目标客户", unit),
        "table6": ("表6原文", "text"),
    }


SEGMENT_COLUMNS = {
    "segment": ("管户类型", "text"),
    "customers": ("客户数", "count"),
    **kind_columns(),
    **TOTAL_COLUMNS,
    **{f"{kind}_share": (f"占全部{label}", "pct") for kind, label in KINDS},
    "payroll_customers": ("代发工资客户数", "count"),
}
SOURCE_BY_BRANCH_COLUMNS = {
    "branch": ("支行", "text"),
    "label": ("存款类别", "text"),
    "target_group": ("目标客户", "text"),
    "amount": ("余额", "wan"),
    "target_share": ("目标客户占比", "pct"),
}
MOVER_COLUMNS = {
    "rank": ("排名", "count"),
    "customer_name": ("客户名称", "text"),
    "change": ("变化", "wan"),
    "prev_total": ("上月存款", "wan"),
    "dep_total": ("本月存款", "wan"),
    "manager_name": ("客户经理", "text"),
    "branch": ("支行", "text"),
    "status": ("说明", "text"),
}
ALERT_COLUMNS = {
    "visited_mark": ("是否已上门", "text"),
    "required_role": ("须上门岗位", "text"),
    "customer_name": ("客户名称", "text"),
    "deposit_increase": ("时点存款新增", "wan"),
    "manager_name": ("客户经理", "text"),
    "branch": ("支行", "text"),
    "best_visit_role": ("本月上门最高岗位", "text"),
    "last_onsite_date": ("最近上门日期", "date"),
    "prev_total": ("上月存款", "wan"),
    "dep_total": ("本月存款", "wan"),
    "customer_id": ("客户号", "text"),
}
CADENCE_COLUMNS = {
    "manager_name": ("客户经理", "text"),
    "branch": ("支行", "text"),
    "non_credit_customers": ("非授信客户数", "count"),
    "not_visited": ("电话、上门均无", "count"),
    "missing_phone": ("缺电话拜访", "count"),
    "missing_onsite": ("缺上门拜访", "count"),
    "both_visited": ("均已拜访", "count"),
}
CADENCE_CUSTOMER_COLUMNS = {
    "customer_name": ("客户名称", "text"),
    "manager_name": ("客户经理", "text"),
    "branch": ("支行", "text"),
    "dep_total": ("存款", "wan"),
    "phone_mark": ("电话拜访", "text"),
    "onsite_mark": ("上门拜访", "text"),
    "last_visit_date": ("最近拜访日期", "date"),
}
COMPLIANCE_COLUMNS = {
    "customer_name": ("客户名称", "text"),
    "manager_name": ("客户经理", "text"),
    "branch": ("支行", "text"),
    "segment": ("管户类型", "text"),
    "loans": ("贷款余额", "wan"),
    "loan_share": ("贷款占比", "pct"),
    "settle_share": ("结算量占比", "pct"),
    "required_share": ("应达结算量占比", "pct"),
    "shortfall": ("差距", "pct"),
    "rule": ("适用要求", "text"),
}
DEVIATION_COLUMNS = {
    "customers": ("客户数", "count"),
    "dep_total": ("月末存款", "wan"),
    "dep_avg": ("月日均存款", "wan"),
    "deviation": ("偏离度", "pct"),
    "flag_mark": ("预警", "text"),
    "flagged_customers": ("超线客户数", "count"),
}
DEVIATION_CUSTOMER_COLUMNS = {
    "customer_name": ("客户名称", "text"),
    "manager_name": ("客户经理", "text"),
    "branch": ("支行", "text"),
    "dep_total": ("月末存款", "wan"),
    "dep_avg": ("月日均存款", "wan"),
    "deviation_amount": ("偏离额", "wan"),
    "deviation": ("偏离度", "pct"),
}
