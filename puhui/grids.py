"""The grid plan (网格化营销) as frames: cells and owners, penetration, coverage gaps, the weekly plan, channels.

The map page asks the queries ``grid_cells``, ``grid_customers``, ``grid_events`` and
``grid_channel_customers`` for the month's rows and hands them to the functions here; none
of them needs Streamlit. At a provincial bank's scale (a million customers) the page keeps
the bulk in the database: a fixed sample of map points (``grid_customers`` with
``$max_points``), only the customers not in a place cell for the outside check
(``$outside``), counts (``grid_customer_counts``, ``grid_channel_totals``), the weekly plan
summed per cell, manager and week (``grid_plan``), and one cell's or one department's rows
only when it is chosen (``$grid_id``, ``$dept_id``). Definitions the page relies on:

- A **place cell** is a grid whose type is a place (园区, 商圈, 专业市场, 产业集群, 社区,
  行政村); a **channel** is a government department or an association (政府渠道, 商会协会),
  the vertical axis of the plan, which is listed beside the map rather than drawn on it.
- A cell's **shape** is its boundary when that parses, else a circle around its centre
  (:mod:`puhui.geo`, which also places points in shapes).
- A customer is **outside every cell** when its ``grid_id`` names no place cell (empty,
  unknown, or a channel) and its coordinates, if any, fall inside no cell's shape. One
  whose coordinates do fall inside a shape is listed with that cell as a suggestion.
- **Stale** (久未经营): no activity held in the cell and no visit to one of its customers in
  the ``stale_weeks`` weeks ending on the data month's last day.
- The **weekly plan** covers the data month's campaign phase (:mod:`puhui.periods`); a
  cell's panel lists its activities and visits since the phase began, and at least the
  last ``RECENT_DAYS`` days.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import numpy as np
import pandas as pd

from . import fmt, settings
from .geo import as_float, is_blank, locate
from .periods import PhaseWindow, days_before_end, month_end, phase_window, week_monday

PLACE_TYPES = ("园区", "商圈", "专业市场", "产业集群", "社区", "行政村")
CHANNEL_TYPES = ("政府渠道", "商会协会")
SEGMENTS = ("线下授信", "线上授信", "非授信")
DEPOSIT_KINDS = (
    ("dep_settlement", "结算存款"),
    ("dep_pure", "纯存款"),
    ("dep_margin", "保证金存款"),
    ("dep_savings", "储蓄存款"),
)
GAP_KINDS = ("无负责人", "负责人不在本月花名册", "渗透率偏低", "久未经营")
# Recent activities and visits on a cell's panel: the current phase, and at least this many days.
RECENT_DAYS = 90


def _is_false(value) -> bool:
    """True only for a real False (not None, NaN or pd.NA: unknown is not a gap)."""
    return value is not None and not pd.isna(value) and not bool(value)


def outside_customers(customers: pd.DataFrame, shapes: pd.DataFrame) -> pd.DataFrame:
    """Customers not assigned to a place cell, with why and the cell their coordinates fall in.

    ``reason``: 未填网格编号 / 网格编号不在网格表 / 归属政府渠道或商会协会. ``located_grid``
    and ``located_name``: the cell whose shape contains the customer's point (None when
    none does or there are no coordinates). Customers with ``located_grid`` empty are the
    ones outside every cell.
    """
    out = customers[~customers["in_cell"].astype(bool)].copy()
    reason = np.where(
        out["grid_id"].isna(),
        "未填网格编号",
        np.where(out["grid_type"].isin(CHANNEL_TYPES), "归属政府渠道或商会协会", "网格编号不在网格表"),
    )
    out["reason"] = reason
    out["located_grid"] = locate(out["lon"], out["lat"], shapes) if len(out) else []
    names = dict(zip(shapes["grid_id"], shapes["grid_name"]))
    out["located_name"] = out["located_grid"].map(names)
    # Fixable first: a missing or wrong grid id, then customers recorded under a channel.
    order = {"未填网格编号": 0, "网格编号不在网格表": 1}
    out["_order"] = out["reason"].map(order).fillna(2)
    out = out.sort_values(["_order", "branch", "customer_id"], kind="stable").drop(columns="_order")
    return out.reset_index(drop=True)


def _as_date(value) -> date | None:
    """A date from a frame's cell, or None when it is missing (None, NaN, NaT, pd.NA).

    ``pd.NaT`` is an instance of ``datetime`` (hence of ``date``): the type alone does not
    say a value is there, and NaT compared with a date raises.
    """
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    stamp = pd.Timestamp(value)
    return None if pd.isna(stamp) else stamp.date()


def cell_gaps(
    cells: pd.DataFrame,
    month: str,
    penetration_low: float | None = None,
    stale_weeks: int | None = None,
) -> pd.DataFrame:
    """Coverage gaps of the month, one row per (cell, gap).

    Gaps: 无负责人 (no owner id; channels included), 负责人不在本月花名册 (owner id not in
    the month's roster, when a roster is stored), 渗透率偏低 (a place cell whose penetration
    is below ``penetration_low``; cells without a business count are not judged), 久未经营
    (a place cell with no activity or visit in the ``stale_weeks`` weeks to the month's end).
    Columns: gap, grid_id, grid_name, grid_type, branch, manager_name, detail.
    """
    low = float(settings.get("penetration_low") if penetration_low is None else penetration_low)
    weeks = int(settings.get("stale_weeks") if stale_weeks is None else stale_weeks)
    end = month_end(month)
    cutoff = days_before_end(month, 7 * weeks)
    rows = []
    for cell in cells.itertuples(index=False):
        base = {
            "grid_id": cell.grid_id,
            "grid_name": cell.grid_name,
            "grid_type": cell.grid_type,
            "branch": cell.branch,
            "manager_name": cell.manager_name if isinstance(cell.manager_name, str) else None,
        }
        if is_blank(cell.manager_id):
            rows.append({"gap": "无负责人", **base, "detail": "未指定网格负责人"})
        elif _is_false(cell.owner_listed):
            rows.append(
                {
                    "gap": "负责人不在本月花名册",
                    **base,
                    "detail": f"负责人编号 {cell.manager_id} 不在本月客户经理名单中",
                }
            )
        if bool(cell.is_channel):
            continue
        penetration = as_float(cell.penetration)
        if penetration is not None and penetration < low:
            detail = (
                f"渗透率 {fmt.pct(penetration)}（{fmt.count(cell.customers)} 户 / "
                f"{fmt.count(cell.merchants)} 家经营主体），低于 {fmt.pct(low)}"
            )
            rows.append({"gap": "渗透率偏低", **base, "detail": detail})
        last = _as_date(cell.last_activity)
        if last is None or last <= cutoff:
            if last is None:
                detail = "没有任何营销活动或拜访记录"
            else:
                detail = f"最近一次活动或拜访 {last:%Y-%m-%d}（距月末 {(end - last).days} 天），近 {weeks} 周无记录"
            rows.append({"gap": "久未经营", **base, "detail": detail})
    columns = ["gap", "grid_id", "grid_name", "grid_type", "branch", "manager_name", "detail"]
    gaps = pd.DataFrame(rows, columns=columns)
    order = {g: i for i, g in enumerate(GAP_KINDS)}
    gaps["_order"] = gaps["gap"].map(order)
    return (
        gaps.sort_values(["_order", "branch", "grid_id"], kind="stable").drop(columns="_order").reset_index(drop=True)
    )


def plan_weeks(month: str) -> list[tuple[date, str]]:
    """The weeks of the current phase up to the data month's end: (Monday, column label).

    The label is the ISO week with the week's first day inside the phase, e.g.
    ``第40周（10-01起）`` for the week of Monday 2026-09-28 in a phase starting 10-01.
    """
    phase = phase_window(month)
    stop = phase.until(month)
    weeks = []
    monday = week_monday(phase.start)
    while monday <= stop:
        first = max(monday, phase.start)
        weeks.append((monday, f"第{monday.isocalendar()[1]}周（{first:%m-%d}起）"))
        monday += timedelta(days=7)
    return weeks


def weekly_plan(events: pd.DataFrame, cells: pd.DataFrame, month: str) -> tuple[pd.DataFrame, list[str]]:
    """Which cells each manager worked each week of the current phase (a grid × week table).

    ``events`` is either the ``grid_events`` query (one row per event) or the ``grid_plan``
    query (counts per cell, manager and week, summed in the database: the page's choice).

    One row per (cell, manager) with at least one activity or visit in the phase up to the
    month's end, plus one row per cell nobody worked (the owner, all weeks 0). Week columns
    hold the number of activities and visits. Also: ``is_owner``, ``weeks_worked`` (weeks
    with at least one) and ``events`` (total). Returns the frame and the week column labels.
    """
    phase = phase_window(month)
    stop = phase.until(month)
    weeks = plan_weeks(month)
    labels = [label for _, label in weeks]
    label_of = dict(weeks)
    frame = events[events["grid_id"].notna()].copy()
    if "week" in frame.columns:
        # grid_plan rows: already counted per cell, manager and week in the database.
        frame["day"] = pd.to_datetime(frame["week"]).dt.date
        frame["_n"] = frame["events"].astype(int)
    else:
        frame["day"] = pd.to_datetime(frame["event_date"]).dt.date
        frame["_n"] = 1
    frame = frame[(frame["day"] >= phase.start) & (frame["day"] <= stop)]
    frame["week"] = frame["day"].map(lambda d: label_of[week_monday(d)])
    frame["manager_id"] = frame["manager_id"].fillna("")
    counts = frame.groupby(["grid_id", "manager_id", "week"])["_n"].sum().unstack("week", fill_value=0)
    counts = counts.reindex(columns=labels, fill_value=0).reset_index()
    worker_names = (
        frame.dropna(subset=["manager_name"]).drop_duplicates("manager_id").set_index("manager_id")["manager_name"]
    )

    info = cells.set_index("grid_id")
    worked = set(counts["grid_id"])
    idle = [
        {"grid_id": g, "manager_id": "" if is_blank(info.at[g, "manager_id"]) else info.at[g, "manager_id"]}
        for g in info.index
        if g not in worked
    ]
    idle_frame = pd.DataFrame(idle, columns=["grid_id", "manager_id"])
    for label in labels:
        idle_frame[label] = 0
    plan = pd.concat([counts, idle_frame], ignore_index=True) if len(idle_frame) else counts

    event_names = frame.dropna(subset=["grid_name"]).drop_duplicates("grid_id").set_index("grid_id")
    plan["grid_name"] = plan["grid_id"].map(info["grid_name"]).fillna(plan["grid_id"].map(event_names["grid_name"]))
    plan["grid_name"] = plan["grid_name"].fillna(plan["grid_id"])
    plan["grid_type"] = plan["grid_id"].map(info["grid_type"]).fillna(plan["grid_id"].map(event_names["grid_type"]))
    plan["owner_name"] = plan["grid_id"].map(info["manager_name"])
    cell_owner = plan["grid_id"].map(info["manager_id"])
    plan["is_owner"] = (plan["manager_id"] != "") & (plan["manager_id"] == cell_owner)
    names = pd.concat([worker_names, info.dropna(subset=["manager_id"]).set_index("manager_id")["manager_name"]])
    names = names[~names.index.duplicated()]
    plan["manager_name"] = plan["manager_id"].map(names)
    plan["manager_id"] = plan["manager_id"].replace("", None)
    plan[labels] = plan[labels].astype(int)
    plan["weeks_worked"] = (plan[labels] > 0).sum(axis=1).astype(int)
    plan["events"] = plan[labels].sum(axis=1).astype(int)
    plan["_channel"] = plan["grid_type"].isin(CHANNEL_TYPES)
    plan = plan.sort_values(
        ["_channel", "grid_id", "is_owner", "manager_id"], ascending=[True, True, False, True], kind="stable"
    )
    columns = [
        "grid_id",
        "grid_name",
        "grid_type",
        "owner_name",
        "manager_id",
        "manager_name",
        "is_owner",
        *labels,
        "weeks_worked",
        "events",
    ]
    return plan[columns].reset_index(drop=True), labels


def plan_by_cell(plan: pd.DataFrame, labels: list[str]) -> pd.DataFrame:
    """The weekly plan summed per cell: one row per cell, week columns with all managers' counts.

    Also ``managers`` (who worked it, owner first, joined by 、), ``owner_weeks`` (weeks the
    owner worked it), ``weeks_worked`` and ``events``. Summed per cell in one pass (a loop
    over a bank's cells is slow).
    """
    columns = [
        "grid_id",
        "grid_name",
        "grid_type",
        "owner_name",
        "managers",
        *labels,
        "owner_weeks",
        "weeks_worked",
        "events",
    ]
    if plan.empty:
        return pd.DataFrame(columns=columns)
    weeks = plan.groupby("grid_id", sort=False)[labels].sum().astype(int)
    cells = plan.drop_duplicates("grid_id").set_index("grid_id")[["grid_name", "grid_type", "owner_name"]]
    workers = plan[plan["events"] > 0]
    workers = workers.assign(_later=~workers["is_owner"].astype(bool)).sort_values("_later", kind="stable")
    worker_names = workers["manager_name"].where(workers["manager_name"].notna(), workers["manager_id"])
    managers = (
        pd.DataFrame({"grid_id": workers["grid_id"], "name": worker_names})
        .groupby("grid_id", sort=False)["name"]
        .agg(lambda names: "、".join(dict.fromkeys(n for n in names if isinstance(n, str))))
    )
    owners = plan[plan["is_owner"].astype(bool)].groupby("grid_id", sort=False)[labels].sum()
    out = cells.loc[weeks.index].copy()
    out["managers"] = managers.reindex(weeks.index).fillna("")
    out[labels] = weeks
    out["owner_weeks"] = (owners > 0).sum(axis=1).reindex(weeks.index).fillna(0).astype(int)
    out["weeks_worked"] = (weeks > 0).sum(axis=1).astype(int)
    out["events"] = weeks.sum(axis=1).astype(int)
    out = out.reset_index()[columns]
    out.columns.name = None
    return out


def plan_display(plan: pd.DataFrame, labels: list[str]) -> pd.DataFrame:
    """The weekly plan for reading: ``✓`` with the count where worked, blank where not."""
    shown = plan.copy()
    for label in labels:
        shown[label] = shown[label].map(lambda n: f"✓ {n}" if n else "")
    if "is_owner" in shown:
        shown["role"] = np.where(shown["is_owner"], "负责人", np.where(shown["manager_id"].isna(), "—", "协同"))
    return shown


def channel_list(cells: pd.DataFrame, attributed: pd.DataFrame) -> pd.DataFrame:
    """Government departments and associations with their owner and the customers they brought.

    ``attributed`` is the ``grid_channel_customers`` query (one row per attributed
    customer) or the ``grid_channel_totals`` query (already one row per department). One row per department, busiest first: grid_id, grid_name, grid_type,
    branch, manager_id, manager_name, customers, offline_credit, online_credit, non_credit,
    deposits, loans.
    """
    departments = cells[cells["is_channel"].astype(bool)][
        ["grid_id", "grid_name", "grid_type", "branch", "manager_id", "manager_name"]
    ].copy()
    if "customers" in attributed.columns:
        # grid_channel_totals: already summed per department in the database.
        totals = attributed[
            ["grid_id", "customers", "offline_credit", "online_credit", "non_credit", "deposits", "loans"]
        ]
    elif len(attributed):
        grouped = attributed.groupby("grid_id")
        totals = pd.DataFrame(
            {
                "customers": grouped.size(),
                "offline_credit": grouped["segment"].apply(lambda s: int((s == "线下授信").sum())),
                "online_credit": grouped["segment"].apply(lambda s: int((s == "线上授信").sum())),
                "non_credit": grouped["segment"].apply(lambda s: int((s == "非授信").sum())),
                "deposits": grouped["deposits"].sum(),
                "loans": grouped["loans"].sum(),
            }
        ).reset_index()
    else:
        totals = pd.DataFrame(
            columns=["grid_id", "customers", "offline_credit", "online_credit", "non_credit", "deposits", "loans"]
        )
    out = departments.merge(totals, on="grid_id", how="left")
    for col in ("customers", "offline_credit", "online_credit", "non_credit"):
        out[col] = out[col].fillna(0).astype(int)
    for col in ("deposits", "loans"):
        out[col] = out[col].fillna(0).astype(float)
    return out.sort_values(["customers", "grid_id"], ascending=[False, True], kind="stable").reset_index(drop=True)


def segment_counts(cell: pd.Series) -> pd.DataFrame:
    """A cell's customers by segment (管户类型) with its share of the cell's customers."""
    counts = [int(cell.get(col, 0) or 0) for col in ("offline_credit", "online_credit", "non_credit")]
    total = int(cell.get("customers", 0) or 0)
    unknown = total - sum(counts)
    rows = [{"segment": s, "customers": n} for s, n in zip(SEGMENTS, counts)]
    if unknown > 0:
        rows.append({"segment": "未分类", "customers": unknown})
    frame = pd.DataFrame(rows)
    frame["share"] = frame["customers"] / total if total else None
    return frame


def deposit_kinds(cell: pd.Series) -> pd.DataFrame:
    """A cell's deposits by kind (结算/纯/保证金/储蓄) in yuan, with each kind's share."""
    amounts = [float(cell.get(col, 0) or 0) for col, _ in DEPOSIT_KINDS]
    total = sum(amounts)
    frame = pd.DataFrame({"kind": [label for _, label in DEPOSIT_KINDS], "amount": amounts})
    frame["share"] = frame["amount"] / total if total else None
    return frame


def summary(
    cells: pd.DataFrame, customers: pd.DataFrame, outside: pd.DataFrame | None, counts: tuple[int, int] | None = None
) -> dict:
    """Headline figures for the page: cells, owned cells, customers in cells, penetration, outside.

    ``customers`` is the ``grid_customers`` query, or the one-row ``grid_customer_counts``
    query (columns customers and in_cells: the page's choice, counted in the database).
    ``outside`` is :func:`outside_customers`; or pass ``counts`` instead, (customers whose
    point lies in no cell, customers whose point lies in a cell), already counted.
    """
    if len(customers) == 1 and {"customers", "in_cells"} <= set(customers.columns):
        totals = customers.iloc[0]
        in_cells, total = int(totals["in_cells"]), int(totals["customers"])
    else:
        in_cells = int(customers["in_cell"].astype(bool).sum()) if len(customers) else 0
        total = int(len(customers))
    places = cells[~cells["is_channel"].astype(bool)]
    with_merchants = places[pd.to_numeric(places["merchants"], errors="coerce").fillna(0) > 0]
    merchants = float(with_merchants["merchants"].sum())
    return {
        "cells": int(len(places)),
        "owned": int(places["manager_id"].map(lambda v: not is_blank(v)).sum()),
        "channels": int(cells["is_channel"].astype(bool).sum()),
        "in_cells": in_cells,
        "customers": total,
        "penetration": (float(with_merchants["customers"].sum()) / merchants) if merchants else None,
        "outside": counts[0] if counts else int(outside["located_grid"].isna().sum()) if len(outside) else 0,
        "unassigned_inside": counts[1] if counts else int(outside["located_grid"].notna().sum()) if len(outside) else 0,
    }


def md_escape(text) -> str:
    """Text safe inside Streamlit markdown (names from uploads may hold ``*``, ``_``, ``[`` …)."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|>~<$])", r"\\\1", str(text))


def recent_since(month: str, phase: PhaseWindow) -> date:
    """The first day of a cell's "recent activities": the phase's start, or ``RECENT_DAYS`` before the month's end if earlier."""
    return min(phase.start, days_before_end(month, RECENT_DAYS))


def owner_text(cell: pd.Series) -> str:
    """A cell's owner as the panel names them: the name, else the id, else 未指定."""
    if isinstance(cell["manager_name"], str):
        return cell["manager_name"]
    # The same rule as the 无负责人 gap: a blank id is no owner.
    return "未指定" if is_blank(cell["manager_id"]) else str(cell["manager_id"])


def cell_labels(shapes: pd.DataFrame) -> dict[str, str]:
    """grid_id → ``名称（类型）`` for the cell picker."""
    return dict(zip(shapes["grid_id"], shapes["grid_name"] + "（" + shapes["grid_type"] + "）"))


def channel_names(channels: pd.DataFrame) -> dict[str, str]:
    """grid_id → department name for the channel pickers."""
    return dict(zip(channels["grid_id"], channels["grid_name"]))


def channel_markdown(channels: pd.DataFrame) -> str:
    """The channel list beside the map: one markdown item per department, its owner and what it brought."""
    lines = []
    for dept in channels.itertuples(index=False):
        owner = dept.manager_name if isinstance(dept.manager_name, str) else "⚠️ 未指定负责人"
        lines.append(
            f"- **{md_escape(dept.grid_name)}**（{dept.grid_type}）  \n"
            f"  负责人：{md_escape(owner)} · 带来客户 **{fmt.count(dept.customers)}** 户"
            f" · 存款 {fmt.wan(float(dept.deposits))} 万元"
        )
    return "\n".join(lines)


def far_outside(outside: pd.DataFrame) -> pd.DataFrame:
    """The customers of :func:`outside_customers` whose coordinates fall in no cell (the density layer)."""
    return outside[outside["located_grid"].isna()]


def cell_row(cells: pd.DataFrame, grid_id: str) -> pd.Series:
    """One cell of the ``grid_cells`` query, for its panel."""
    return cells.set_index("grid_id").loc[grid_id]


def cells_with_gaps(gaps: pd.DataFrame) -> int:
    """How many cells carry at least one gap."""
    return int(gaps["grid_id"].nunique())


def gap_counts(gaps: pd.DataFrame) -> dict[str, int]:
    """How many cells carry each gap kind, in :data:`GAP_KINDS` order."""
    return {kind: int((gaps["gap"] == kind).sum()) for kind in GAP_KINDS}


def plan_managers(shown: pd.DataFrame) -> list[str]:
    """The managers named in a weekly plan, sorted, for its picker."""
    return sorted({n for n in shown["manager_name"].dropna()})


# ui.table columns of the map page's tables: column → (Chinese header, display kind).
CELL_CUSTOMER_COLUMNS = {
    "customer_name": ("客户名称", "text"),
    "segment": ("管户类型", "text"),
    "manager_name": ("客户经理", "text"),
    "industry": ("行业", "text"),
    "deposits": ("存款", "wan"),
    "loans": ("贷款", "wan"),
}
CELL_SEGMENT_COLUMNS = {"segment": ("管户类型", "text"), "customers": ("户数", "count"), "share": ("占比", "pct")}
CELL_DEPOSIT_COLUMNS = {"kind": ("存款类别", "text"), "amount": ("余额", "wan"), "share": ("占比", "pct")}
EVENT_COLUMNS = {
    "event_date": ("日期", "date"),
    "kind": ("类别", "text"),
    "detail": ("内容", "text"),
    "manager_name": ("客户经理", "text"),
    "customer_name": ("拜访客户", "text"),
}
GAP_COLUMNS = {
    "gap": ("缺口类型", "text"),
    "grid_name": ("网格", "text"),
    "grid_type": ("类型", "text"),
    "branch": ("支行", "text"),
    "manager_name": ("负责人", "text"),
    "detail": ("说明", "text"),
}
OUTSIDE_COLUMNS = {
    "customer_name": ("客户名称", "text"),
    "branch": ("支行", "text"),
    "manager_name": ("客户经理", "text"),
    "segment": ("管户类型", "text"),
    "grid_id": ("填报的网格编号", "text"),
    "reason": ("原因", "text"),
    "located_name": ("坐标所在网格", "text"),
    "deposits": ("存款", "wan"),
}
CELL_COLUMNS = {
    "grid_name": ("网格", "text"),
    "grid_type": ("类型", "text"),
    "branch": ("支行", "text"),
    "manager_name": ("负责人", "text"),
    "customers": ("我行客户", "count"),
    "merchants": ("经营主体", "count"),
    "penetration": ("渗透率", "pct"),
    "deposits": ("存款", "wan"),
    "loans": ("贷款", "wan"),
    "new_accounts": ("本阶段新开户", "count"),
    "last_activity": ("最近活动或拜访", "date"),
    "days_since": ("距今天数", "count"),
}
CHANNEL_COLUMNS = {
    "grid_name": ("部门", "text"),
    "grid_type": ("类型", "text"),
    "branch": ("支行", "text"),
    "manager_name": ("负责人", "text"),
    "customers": ("带来客户", "count"),
    "offline_credit": ("线下授信", "count"),
    "online_credit": ("线上授信", "count"),
    "non_credit": ("非授信", "count"),
    "deposits": ("存款", "wan"),
    "loans": ("贷款", "wan"),
}
CHANNEL_PICK_COLUMNS = {
    "customer_name": ("客户名称", "text"),
    "segment": ("管户类型", "text"),
    "deposits": ("存款", "wan"),
}
CHANNEL_CUSTOMER_COLUMNS = {
    "grid_name": ("部门", "text"),
    "customer_name": ("客户名称", "text"),
    "branch": ("支行", "text"),
    "segment": ("管户类型", "text"),
    "channel": ("获客渠道", "text"),
    "match_rule": ("归属依据", "text"),
    "deposits": ("存款", "wan"),
    "loans": ("贷款", "wan"),
}


def plan_columns(labels: list[str], by_cell: bool) -> dict[str, tuple[str, str]]:
    """ui.table columns of the weekly plan, summed per cell (``by_cell``) or per cell and manager."""
    weeks = {label: (label, "text") for label in labels}
    if by_cell:
        return {
            "grid_name": ("网格", "text"),
            "grid_type": ("类型", "text"),
            "owner_name": ("负责人", "text"),
            **weeks,
            "owner_weeks": ("负责人经营周数", "count"),
            "weeks_worked": ("经营周数", "count"),
            "events": ("合计次数", "count"),
            "managers": ("经营客户经理", "text"),
        }
    return {
        "grid_name": ("网格", "text"),
        "grid_type": ("类型", "text"),
        "owner_name": ("负责人", "text"),
        "manager_name": ("经营客户经理", "text"),
        "role": ("身份", "text"),
        **weeks,
        "weeks_worked": ("经营周数", "count"),
        "events": ("合计次数", "count"),
    }


def page_explanation() -> str:
    """The 网格地图 page's "如何看本页" text: the management rule behind the map, with the settings in force."""
    return (
        "“画地图、挂图作战”：各支行把园区、商圈、专业市场、产业集群、社区、行政村划成网格（横轴），"
        "每个网格指定一名负责人，按周持续深耕；税务、市场监管等政府部门和商会协会是纵轴渠道，列在地图右侧。\n\n"
        "- **渗透率** = 网格内我行客户数 ÷ 网格内经营主体数（网格表未填经营主体数的网格不计算）。\n"
        f"- **覆盖缺口**：无负责人；负责人不在本月客户经理名单；渗透率低于 {fmt.pct(settings.get('penetration_low'))}；"
        f"数据月末前 {settings.get('stale_weeks')} 周内既无营销活动也无拜访（拜访按被拜访客户所属网格计）；"
        "客户不在任何网格内（未填或填错网格编号，且坐标不落在任何网格范围内）。\n"
        "- **周计划**：本阶段每周各客户经理在各网格开展的营销活动和拜访次数。\n\n"
        "点击地图上的网格（或在下方下拉框中选择）查看网格详情。地图不加载任何互联网底图，内网可直接使用。"
    )


def headline(figures: dict, gaps: pd.DataFrame) -> list[tuple[str, str, str | None]]:
    """The five figures above the map: (label, value, help)."""
    return [
        (
            "网格数",
            fmt.count(figures["cells"]),
            "园区、商圈、专业市场、产业集群、社区、行政村（不含政府渠道与商会协会）",
        ),
        ("已有负责人", f"{fmt.count(figures['owned'])} / {fmt.count(figures['cells'])}", None),
        ("网格内客户", f"{fmt.count(figures['in_cells'])} / {fmt.count(figures['customers'])}", None),
        ("整体渗透率", fmt.pct(figures["penetration"]), "有经营主体数的网格：网格内我行客户合计 ÷ 经营主体合计"),
        ("有缺口的网格", fmt.count(cells_with_gaps(gaps)), "见下方“覆盖缺口”"),
    ]
