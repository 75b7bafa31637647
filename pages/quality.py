"""资产质量: overdue and interest-arrears loans (逾期欠息) per customer manager and sub-branch against the
control rate, the new overdue customers of the month, the trend and the overdue customers to follow up."""

from __future__ import annotations

import streamlit as st

from puhui import fmt, quality, ui

ctx = ui.setup("资产质量", "🩺")

st.title("🩺 资产质量")
ui.explain(quality.explain_text())

scope = ctx.branch or "全条线"
control = quality.control_rate()
st.subheader(f"{fmt.month_label(ctx.month)} · {fmt.md(scope)}")

trend = quality.trend(ctx.run, ctx.month, ctx.branch)
scope_trend = quality.scope_rows(trend)
now = scope_trend[scope_trend["month"] == ctx.month]
cards = quality.headline(now.iloc[0] if len(now) else None, control)
if not cards:
    st.info("所选月份和支行没有管户明细。", icon="ℹ️")
    st.stop()

columns = st.columns(5)
columns[0].metric("逾期率", cards["逾期率"], help="逾期欠息 ÷ 贷款余额")
columns[1].metric("控制目标", cards["控制目标"], help="设置 overdue_control_rate")
columns[2].metric("逾期欠息", cards["逾期欠息"])
columns[3].metric("逾期客户", cards["逾期客户"])
columns[4].metric("本月新增逾期", cards["本月新增逾期"], help="本月逾期、上月无逾期或上月不在管户明细的客户")
verdict = cards["对照"]
if verdict.startswith("超控"):
    st.error(f"{fmt.md(scope)}逾期率高于控制目标（{verdict}）。", icon="⚠️")
elif verdict == "控制内":
    st.success(f"{fmt.md(scope)}逾期率在控制目标之内。", icon="✅")
if now["new_overdue_customers"].isna().all():
    st.caption("上月没有存储数据，无从区分新增与延续的逾期客户。")

st.plotly_chart(
    quality.trend_figure(scope_trend, control, f"{fmt.md(scope)}逾期率与新增逾期客户（按月）"),
    width="stretch",
    key="quality_trend_chart",
)

if ctx.branch is None:
    ui.table(
        quality.branch_rows(trend, ctx.month),
        key="quality_branches",
        title="各支行资产质量",
        columns=quality.COLUMNS["branches"],
    )

managers = ctx.only_present(quality.managers(ctx.run, ctx.month, ctx.branch), "客户经理")
st.caption("逾期率从高到低；没有贷款的客户经理不计逾期率（显示“无贷款”）。")
ui.table(managers, key="quality_managers", title="各客户经理资产质量", columns=quality.COLUMNS["managers"])

st.subheader("逾期客户清单")
labels = {
    row.manager_id: f"{row.manager_name or row.manager_id}（{row.manager_id}"
    + ("" if ctx.branch else f" · {row.branch}")
    + "）"
    for row in managers.itertuples()
    if row.overdue_customers
}
manager_id = st.selectbox(
    "客户经理",
    [None, *labels],
    format_func=lambda mid: "全部客户经理" if mid is None else labels.get(mid, mid),
    key="quality_manager",
)
overdue = quality.customers(ctx.run, ctx.month, ctx.branch, manager_id)
if overdue.empty:
    st.success("所选范围本月没有逾期客户。", icon="✅")
else:
    st.caption("本月新增逾期的客户排在前面，其后按逾期欠息从多到少：安排催收、了解经营变化。")
    ui.table(
        overdue,
        key="quality_customers",
        title="逾期客户",
        columns=quality.COLUMNS["customers"],
        filters={"客户经理": labels.get(manager_id)} if manager_id else None,
    )
