"""考核评价: each customer manager's monthly score from result and behaviour indicators, the ranking,
why each score is what it is, the 集训营 by score, the trend, and the sheet for the evaluation meeting."""

from __future__ import annotations

import streamlit as st

from puhui import evaluation, fmt, ui

ctx = ui.setup("考核评价", "🏅")

st.title("🏅 考核评价")
ui.explain(evaluation.rule_text())

scope = ctx.branch or "全条线"
st.subheader(f"{fmt.month_label(ctx.month)} · {fmt.md(scope)}")
rows = ctx.only_present(ctx.run("manager_evaluation"), "客户经理")
if rows.empty:
    st.info("所选月份和支行没有可参评的客户经理（岗位为客户经理或未填岗位、且有管户或在花名册中）。", icon="ℹ️")
    st.stop()

earlier = [m for m in ctx.months if m < ctx.month]
previous = ctx.run("manager_evaluation", month=max(earlier)) if earlier else None
head = evaluation.headline(rows)
head_columns = st.columns(4)
head_columns[0].metric("参评客户经理", f"{fmt.count(head['managers'])} 人")
head_columns[1].metric("平均分", "—" if head["average"] is None else f"{head['average']:.1f}")
head_columns[2].metric("中位数", "—" if head["median"] is None else f"{head['median']:.1f}")
head_columns[3].metric(
    "集训营（按得分）",
    f"{fmt.count(head['bottom'])} 人",
    help=f"其中 {head['both']} 人也在管户结构按管户总数划定的集训营中。",
)

st.plotly_chart(evaluation.summary_figure(rows), width="stretch", key="evaluation_summary")
st.caption("平均达成率 = 各人该项得分 ÷ 该项满分的平均（只计该项适用的客户经理）；最低的几项是本范围最该补的短板。")

ranking = evaluation.ranking(rows, previous)
with st.container(key="evaluation_ranking_box"):
    ui.table(
        ranking,
        key="evaluation_ranking",
        title="考核排名（较上月为本月得分减上月得分；主要失分为失分最多的三项）",
        columns=evaluation.RANKING_COLUMNS,
        download=False,
    )
month_text, scope_text = ui.download_scope()
sheet_heading = ui.download_heading("考核评价表")  # now: the scope is the page's while it is drawn
ui.download(
    "下载考核评价表（全部指标，供月度考核会）",
    data=lambda: ui.xlsx_bytes(evaluation.sheet(rows), "考核评价表", sheet_heading, evaluation.SHEET_COLUMNS),
    file_name=f"考核评价表_{month_text}_{scope_text}.xlsx",
    key="evaluation_sheet__xlsx",
)

st.subheader("集训营")
for column, (heading, names) in zip(st.columns(2), evaluation.camps(ranking)):
    column.markdown(f"**{heading}**")
    column.write(names)
st.caption(evaluation.camp_rule())

st.subheader("为什么是这个分数")
options = evaluation.manager_options(rows)
choice = st.selectbox("选择客户经理", list(options), index=None, key="evaluation_manager", placeholder="请选择客户经理")
chosen = None
if choice:
    manager_id, manager_branch = options[choice]
    chosen = evaluation.manager_row(rows, manager_id, manager_branch)
    st.markdown(
        f"**{fmt.md(choice)}**：{float(chosen['score']):.1f} 分，支行内第 {int(chosen['branch_rank'])} 名。"
        f"主要失分：{fmt.md(evaluation.why(chosen))}。"
    )
    ui.table(
        evaluation.breakdown(chosen),
        key="evaluation_breakdown",
        name="考核得分明细",
        columns=evaluation.BREAKDOWN_COLUMNS,
        filters={"客户经理": choice},
    )

st.subheader("得分走势")
if chosen is None:
    # Each month of the trend is a whole evaluation of the scope: computed only when someone asks for it.
    st.caption("在上方选择一名客户经理，可看其近 6 个月的得分与排名，以及所选范围的平均分和中位数。")
else:
    months = evaluation.trend_months(ctx.months, ctx.month)
    by_month = {m: ctx.run("manager_evaluation", month=m) for m in months}
    trend = evaluation.trend_frame(by_month, chosen["manager_id"])
    st.plotly_chart(evaluation.trend_figure(trend, choice), width="stretch", key="evaluation_trend")
