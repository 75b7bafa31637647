"""The monthly manager evaluation (考核评价): frames and figures of the page, built from ``manager_evaluation``.

The query scores every customer manager of the scope on result indicators (结果指标: accounts, the 25/30/50
mix, loan and deposit growth against time progress, activity results, 三小一卡, the overdue rate) and
behaviour indicators (行为指标: phone and on-site visits of non-credit customers, deposit-jump visits by
the right role, activities held, grid cells worked, prospect lists followed up). Each indicator gives
points up to its weight; an indicator that does not apply to a manager (no loans, no grid cell, nothing
listed) is left out and the others are rescaled to 100. This module turns the rows into the ranking table,
the "why this score" breakdown, the trend over months and the texts of the page, without Streamlit.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from . import contract, fmt, queries, settings


@dataclass(frozen=True)
class Indicator:
    """One indicator of the evaluation: its label (as in a 考核方案 sheet), group and columns."""

    label: str
    group: str  # 结果指标 | 行为指标
    key: str  # the query's p_<key> / max_<key>
    rule: str  # how it is scored, for the page and the breakdown


INDICATORS: tuple[Indicator, ...] = (
    Indicator("管户数", "结果指标", "accounts", "管户数 ÷ 目标（100 户或上传目标），满额即满分"),
    Indicator("管户结构", "结果指标", "mix", "线下 25、线上 30、非授信 50 三类各自达成率（封顶 100%）的平均"),
    Indicator(
        "贷款增长", "结果指标", "loans", "贷款较基期增量 ÷（目标 − 基期余额）× 序时进度；基期已达标的，保持达标即满分"
    ),
    Indicator(
        "存款增长",
        "结果指标",
        "deposits",
        "存款较基期增量 ÷（目标 − 基期余额）× 序时进度；基期已达标的，保持达标即满分",
    ),
    Indicator("活动成效", "结果指标", "results", "本月营销活动带来的新开户、新开基本户、新增代发户数之和 ÷ 每月目标"),
    Indicator(
        "三小一卡", "结果指标", "products", "名下客户中用票据贴现、国际结算、现金管理、信用卡任一产品的占比 ÷ 目标占比"
    ),
    Indicator(
        "逾期率",
        "结果指标",
        "overdue",
        "逾期欠息 ÷ 贷款；不高于控制目标满分，高出部分按比例扣减，达控制目标两倍为 0；无贷款不适用",
    ),
    Indicator(
        "电话走访", "行为指标", "phone", "名下非授信客户本月有电话拜访的占比（表 8：每月电话拜访）；无非授信客户不适用"
    ),
    Indicator(
        "上门走访", "行为指标", "onsite", "名下非授信客户本月有上门拜访的占比（表 8：每月上门拜访）；无非授信客户不适用"
    ),
    Indicator(
        "异动上门", "行为指标", "alerts", "存款时点新增触发的上门要求中，由相应岗位完成上门的占比；本月无异动不适用"
    ),
    Indicator("活动举办", "行为指标", "activities", "本月举办的营销活动场数 ÷ 每月应举办场数（月月有活动）"),
    Indicator("网格深耕", "行为指标", "grids", "本人负责的网格中，本月本人有拜访或活动的网格占比；不负责网格不适用"),
    Indicator(
        "名单跟进", "行为指标", "lists", "上月各张潜客名单（无贷转有贷、到期续贷等）本月转化的占比；上月无名单不适用"
    ),
)
GROUPS = ("结果指标", "行为指标")
assert tuple(i.label for i in INDICATORS) == contract.EVALUATION_INDICATORS

# The ranking table: column → (header, kind) for ui.table.
RANKING_COLUMNS: dict[str, tuple[str, str]] = {
    "rank": ("排名", "count"),
    "manager_name": ("客户经理", "text"),
    "branch": ("支行", "text"),
    "score": ("得分", "number"),
    "result_points": ("结果指标得分", "number"),
    "behaviour_points": ("行为指标得分", "number"),
    "branch_rank": ("支行内排名", "count"),
    "change": ("较上月（分）", "number"),
    "flags": ("标记", "text"),
    "why": ("主要失分", "text"),
}
# The full evaluation sheet for the monthly meeting: every indicator's value and points.
SHEET_COLUMNS: dict[str, tuple[str, str]] = {
    "rank": ("排名", "count"),
    "manager_id": ("客户经理编号", "text"),
    "manager_name": ("客户经理", "text"),
    "branch": ("支行", "text"),
    "team": ("团队", "text"),
    "score": ("得分", "number"),
    "branch_rank": ("支行内排名", "count"),
    "flags": ("标记", "text"),
    "accounts": ("管户数", "count"),
    "mix_fit": ("管户结构达成率", "pct"),
    "loans": ("贷款余额", "wan"),
    "loan_increase": ("贷款较基期增量", "wan"),
    "deposits": ("存款余额", "wan"),
    "deposit_increase": ("存款较基期增量", "wan"),
    "time_progress": ("序时进度", "pct"),
    "activity_results": ("活动新开户、基本户、代发户数", "count"),
    "product_coverage": ("三小一卡覆盖率", "pct"),
    "overdue_rate": ("逾期率", "pct"),
    "phone_rate": ("非授信电话走访率", "pct"),
    "onsite_rate": ("非授信上门走访率", "pct"),
    "alerts": ("存款异动上门要求", "count"),
    "alerts_visited": ("已按要求上门", "count"),
    "activities": ("举办活动", "count"),
    "grids_owned": ("负责网格", "count"),
    "grids_worked": ("本月经营的网格", "count"),
    "listed": ("上月名单客户", "count"),
    "converted": ("本月已转化", "count"),
    "visits": ("本月拜访次数", "count"),
    **{f"p_{i.key}": (f"{i.label}得分", "number") for i in INDICATORS},
}
BREAKDOWN_COLUMNS: dict[str, tuple[str, str]] = {
    "indicator": ("指标", "text"),
    "group": ("类别", "text"),
    "actual": ("实际", "text"),
    "points": ("得分", "number"),
    "max": ("满分", "number"),
    "lost": ("失分", "number"),
    "rule": ("计分规则", "text"),
}


def rule_text() -> str:
    """The page's "如何看本页": what is scored, how, and where the weights come from."""
    weights = queries.evaluation_weights(settings.get("evaluation_weights"))
    lines = [
        f"- **{i.label}**（{i.group}，权重 {weights[i.label]:g}）：{i.rule}" for i in INDICATORS if weights[i.label] > 0
    ]
    return (
        "每月按结果指标与行为指标给每名客户经理（岗位为客户经理或未填岗位）打分，满分 100。"
        "某项指标对某人不适用（如无贷款、不负责网格、上月无名单）时不计入，其余指标按权重折算为 100 分。"
        "排名：1 为所选范围内最高分，并列同名次；支行内排名只在本支行比较。\n\n"
        + "\n".join(lines)
        + "\n\n权重取自设置 evaluation_weights；上传了本年度“考核方案”（考核指标、权重、可选支行）时按方案："
        "支行的方案优先，其次全条线的方案。集训营按得分从低到高、与管户结构相同的规则（后 "
        f"{float(settings.get('bottom_group_share')):.0%}，并列一同进入，不足 4 人不分组）。"
    )


def _group_points(rows: pd.DataFrame, group: str) -> pd.Series:
    columns = [f"p_{i.key}" for i in INDICATORS if i.group == group]
    return rows[columns].apply(pd.to_numeric, errors="coerce").sum(axis=1, min_count=1)


def _flags(row: pd.Series) -> str:
    flags = []
    if row.get("eval_bottom_group"):
        flags.append("集训营（按得分）")
    if row.get("mix_bottom_group"):
        flags.append("集训营（按管户）")
    return "、".join(flags)


def breakdown(row: pd.Series) -> pd.DataFrame:
    """One manager's score, indicator by indicator: actual, points, maximum, points lost, the rule.

    Indicators that do not apply are listed last with 不适用; the others are ordered by points lost.
    """
    items = []
    for indicator in INDICATORS:
        maximum = _number(row.get(f"max_{indicator.key}"))
        points = _number(row.get(f"p_{indicator.key}"))
        applies = maximum is not None
        items.append(
            {
                "indicator": indicator.label,
                "group": indicator.group,
                "actual": actual_text(indicator.key, row) if applies else "不适用",
                "points": round(points, 2) if applies else None,
                "max": round(maximum, 2) if applies else None,
                "lost": round(maximum - points, 2) if applies else None,
                "rule": indicator.rule,
            }
        )
    frame = pd.DataFrame(items)
    frame["_na"] = frame["max"].isna()
    return frame.sort_values(["_na", "lost"], ascending=[True, False], kind="stable").drop(columns="_na")


def _number(value) -> float | None:
    if value is None or pd.isna(value):
        return None
    return float(value)


def _pct(value) -> str:
    number = _number(value)
    return "—" if number is None else f"{number:.1%}"


def actual_text(key: str, row: pd.Series) -> str:
    """The indicator's actual figure as the breakdown shows it (``80 户 / 目标 100``)."""
    if key == "accounts":
        return f"{fmt.count(row['accounts'])} 户 / 目标 {fmt.count(row['target_total'])}"
    if key == "mix":
        return f"三类平均达成 {_pct(row['mix_fit'])}"
    if key in ("loans", "deposits"):
        increase = row["loan_increase" if key == "loans" else "deposit_increase"]
        return f"较基期 {fmt.wan(increase, unit=True, signed=True)}，序时进度 {_pct(row['time_progress'])}"
    if key == "results":
        return f"{fmt.count(row['activity_results'])} 户"
    if key == "products":
        return f"覆盖 {_pct(row['product_coverage'])}"
    if key == "overdue":
        return f"{_pct(row['overdue_rate'])}（控制目标 {float(settings.get('overdue_control_rate')):.1%}）"
    if key == "phone":
        return f"{_pct(row['phone_rate'])}（非授信 {fmt.count(row['non_credit'])} 户）"
    if key == "onsite":
        return f"{_pct(row['onsite_rate'])}（非授信 {fmt.count(row['non_credit'])} 户）"
    if key == "alerts":
        return f"{fmt.count(row['alerts_visited'])} / {fmt.count(row['alerts'])} 户已按要求上门"
    if key == "activities":
        return f"{fmt.count(row['activities'])} 场"
    if key == "grids":
        return f"{fmt.count(row['grids_worked'])} / {fmt.count(row['grids_owned'])} 个网格"
    return f"{fmt.count(row['converted'])} / {fmt.count(row['listed'])} 户已转化"


def why(row: pd.Series, top: int = 3) -> str:
    """The indicators that cost the most points, e.g. ``贷款增长 −9.6、电话走访 −3.2``."""
    lost = breakdown(row).dropna(subset=["lost"])
    lost = lost[lost["lost"] >= 0.05].head(top)
    return "、".join(f"{r.indicator} −{r.lost:.1f}" for r in lost.itertuples()) or "无失分"


def ranking(rows: pd.DataFrame, previous: pd.DataFrame | None = None) -> pd.DataFrame:
    """The ranking table: score, the result and behaviour points, change on last month, flags, main losses."""
    frame = rows.copy()
    frame["score"] = pd.to_numeric(frame["score"], errors="coerce")
    frame["result_points"] = _group_points(frame, "结果指标").round(2)
    frame["behaviour_points"] = _group_points(frame, "行为指标").round(2)
    frame["flags"] = frame.apply(_flags, axis=1)
    frame["why"] = frame.apply(why, axis=1) if len(frame) else pd.Series(dtype=object)
    change = None
    if previous is not None and not previous.empty:
        before = previous.set_index(["manager_id", "branch"])["score"].astype(float)
        change = [before.get((m, b)) for m, b in zip(frame["manager_id"], frame["branch"])]
    if change is None:
        frame["change"] = float("nan")
    else:
        frame["change"] = (frame["score"] - pd.to_numeric(pd.Series(change, index=frame.index), errors="coerce")).round(
            2
        )
    return frame.sort_values(["rank", "branch", "manager_id"], kind="stable").reset_index(drop=True)


def sheet(rows: pd.DataFrame) -> pd.DataFrame:
    """The evaluation sheet for the monthly meeting (every indicator's value and points)."""
    frame = ranking(rows)
    return frame[[c for c in SHEET_COLUMNS if c in frame.columns]]


def headline(rows: pd.DataFrame) -> dict:
    """The page's figures: managers scored, average and median score, the bottom group's size."""
    scores = pd.to_numeric(rows["score"], errors="coerce").dropna()
    return {
        "managers": int(len(rows)),
        "average": float(scores.mean()) if len(scores) else None,
        "median": float(scores.median()) if len(scores) else None,
        "bottom": int(rows["eval_bottom_group"].fillna(False).astype(bool).sum()),
        "both": int((rows["eval_bottom_group"].fillna(False) & rows["mix_bottom_group"].fillna(False)).sum()),
    }


def indicator_summary(rows: pd.DataFrame) -> pd.DataFrame:
    """Per indicator over the scope: average points against the average maximum, and the share lost."""
    items = []
    for indicator in INDICATORS:
        points = pd.to_numeric(rows[f"p_{indicator.key}"], errors="coerce")
        maximum = pd.to_numeric(rows[f"max_{indicator.key}"], errors="coerce")
        applies = maximum.notna()
        items.append(
            {
                "indicator": indicator.label,
                "group": indicator.group,
                "managers": int(applies.sum()),
                "points": float(points[applies].mean()) if applies.any() else None,
                "max": float(maximum[applies].mean()) if applies.any() else None,
            }
        )
    frame = pd.DataFrame(items)
    frame["attainment"] = frame["points"] / frame["max"]
    return frame


def summary_figure(rows: pd.DataFrame) -> go.Figure:
    """Average attainment per indicator (bars, 0–100 %): where the scope loses its points."""
    summary = indicator_summary(rows).dropna(subset=["attainment"])
    colours = ["#1f77b4" if g == "结果指标" else "#ff7f0e" for g in summary["group"]]
    figure = go.Figure(
        go.Bar(
            x=summary["indicator"],
            y=summary["attainment"] * 100,
            marker_color=colours,
            text=[f"{v:.0%}" for v in summary["attainment"]],
            textposition="outside",
            customdata=summary[["managers"]],
            hovertemplate="%{x}：平均达成 %{y:.1f}%（%{customdata[0]} 人适用）<extra></extra>",
        )
    )
    figure.update_layout(
        title="各指标平均达成率（蓝：结果指标；橙：行为指标）",
        yaxis={"title": "平均达成率（%）", "range": [0, 110]},
        margin={"t": 50, "b": 40, "l": 50, "r": 20},
        height=360,
    )
    return figure


def trend_months(months: list[str], month: str, count: int = 6) -> list[str]:
    """The stored months of the trend: up to ``count`` months ending with ``month``, oldest first."""
    earlier = sorted(m for m in months if m <= month)
    return earlier[-count:]


def trend_frame(by_month: dict[str, pd.DataFrame], manager_id: str | None = None) -> pd.DataFrame:
    """Score over months: the scope's average and median, and ``manager_id``'s score and rank when given."""
    items = []
    for month, rows in sorted(by_month.items()):
        scores = pd.to_numeric(rows["score"], errors="coerce") if not rows.empty else pd.Series(dtype=float)
        item = {"month": month, "average": scores.mean(), "median": scores.median(), "score": None, "rank": None}
        if manager_id is not None and not rows.empty:
            mine = rows[rows["manager_id"] == manager_id]
            if not mine.empty:
                item["score"] = float(mine["score"].iloc[0])
                item["rank"] = int(mine["rank"].iloc[0])
        items.append(item)
    return pd.DataFrame(items, columns=["month", "average", "median", "score", "rank"])


def trend_figure(trend: pd.DataFrame, name: str | None = None) -> go.Figure:
    """The trend as lines: the scope's average and median, and one manager's score (rank in the hover)."""
    figure = go.Figure()
    labels = [fmt.month_label(m) for m in trend["month"]]  # 2026年6月, not plotly's own "Jun 2026"
    figure.add_scatter(x=labels, y=trend["average"], name="范围平均分", mode="lines+markers", line={"color": "#7f7f7f"})
    figure.add_scatter(
        x=labels, y=trend["median"], name="中位数", mode="lines", line={"color": "#bbbbbb", "dash": "dot"}
    )
    if name is not None and trend["score"].notna().any():
        figure.add_scatter(
            x=labels,
            y=trend["score"],
            name=name,
            mode="lines+markers",
            line={"color": "#d62728", "width": 3},
            customdata=trend[["rank"]],
            hovertemplate="%{x}：%{y:.1f} 分，第 %{customdata[0]} 名",
        )
    figure.update_layout(
        title="得分走势",
        yaxis={"title": "得分", "range": [0, 100]},
        margin={"t": 50, "b": 40, "l": 50, "r": 20},
        height=340,
    )
    return figure


def camps(ranking: pd.DataFrame) -> list[tuple[str, str]]:
    """The 集训营 two ways, as (heading, names as Markdown): by score (with it) and by accounts (管户结构's flag)."""
    by_score = ranking[ranking["eval_bottom_group"].fillna(False).astype(bool)]
    by_accounts = ranking[ranking["mix_bottom_group"].fillna(False).astype(bool)]
    score_names = "、".join(
        f"{fmt.md(n)}（{float(v):.1f} 分）" for n, v in zip(by_score["manager_name"], by_score["score"])
    )
    return [
        (f"按考核得分（{len(by_score)} 人）", score_names or "无"),
        (
            f"按管户总数（管户结构页，{len(by_accounts)} 人）",
            "、".join(fmt.md(n) for n in by_accounts["manager_name"]) or "无",
        ),
    ]


def camp_rule() -> str:
    """The 集训营 rule both rankings share, with the setting's share."""
    share = float(settings.get("bottom_group_share"))
    return f"两种排名用同一规则：从低到高排在后 {share:.0%}（人数 × 比例向下取整）之内的进入，并列一同进入；不足 4 人时不分组。"


def manager_row(rows: pd.DataFrame, manager_id: str, branch: str) -> pd.Series:
    """One manager's evaluation row (a manager is scored per sub-branch)."""
    return rows[(rows["manager_id"] == manager_id) & (rows["branch"] == branch)].iloc[0]


def manager_options(rows: pd.DataFrame) -> dict[str, tuple[str, str]]:
    """Picker label ``第 1 名 · 张三（城关支行）`` → (manager_id, branch), in rank order."""
    ordered = rows.sort_values(["rank", "branch", "manager_id"], kind="stable")
    return {
        f"第 {int(r.rank)} 名 · {r.manager_name or r.manager_id}（{r.branch}）": (r.manager_id, r.branch)
        for r in ordered.itertuples()
    }
