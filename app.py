"""经营总览 (the landing page): the line's figures for the data month against the annual
targets, time progress, "四个5" / "三个1", and the sub-branches ranked."""

from __future__ import annotations

import streamlit as st

from puhui import fmt, scorecard, settings, ui

ctx = ui.setup("经营总览", "🏠")

st.title("🏠 经营总览")
elapsed, days = scorecard.year_days(ctx.month)
progress = scorecard.time_progress(ctx.month)
ui.explain(
    "本页先看**序时进度**：年度目标按时间应完成的比例（数据月份月末已过天数 ÷ 全年天数，"
    f"{ctx.month} 为 {elapsed}/{days} = {fmt.pct(progress)}）。完成率高于序时进度为“超前”，低于为“落后”。"
    "年度目标取上传的目标；未上传时，按每名客户经理管户 100 户（线下授信 25、线上授信 30、非授信 50）、"
    "贷款 1 亿元、存款 1 亿元乘以客户经理人数；只上传了支行目标的，全条线目标为各支行之和。"
    "规模目标“四个5”：50 名客户经理、50 亿元资产、50 亿元负债、5000 户；“三个1”：每名客户经理 1 亿元资产、"
    "1 亿元负债、100 户以上；本年过渡目标为全条线 40 亿元、4000 户，人均 8000 万元、80 户。"
    "环比为本月比上月，较年初为本月比上年 12 月；红色为增加、绿色为减少。"
)

params = scorecard.target_params()
scope = ctx.branch or "全条线"
line_scope = ctx.branch is None
overview = ctx.run("overview", **params)
line_overview = overview if line_scope else ctx.run("overview", branch=None, **params)

st.subheader(f"{fmt.month_label(ctx.month)} · {scope}")
cards = scorecard.overview_cards(overview, line=line_scope)
# Four to a row: amounts in 亿元 with their change need the width.
for start in range(0, len(cards), 4):
    for column, card in zip(st.columns(4), cards[start : start + 4]):
        with column:
            ui.metric_change(card.metric, card.value_text, card.mom, card.mom_text)
            st.markdown(f"<small style='color:{card.ytd_colour}'>{card.ytd_text}</small>", unsafe_allow_html=True)
st.caption(
    "管户数为本月管户明细中的客户数；客户经理人数只计岗位为客户经理（或未填岗位）的人员，"
    "不含团队负责人、分管行长。"
)

st.subheader("序时进度")
st.caption(f"{ctx.month} 月末为全年第 {elapsed} 天（全年 {days} 天），序时进度 {fmt.pct(progress)}。")
progress_frame = scorecard.progress_table(overview, line=line_scope)
if progress_frame.empty:
    st.info("所选范围没有年度目标。", icon="ℹ️")
else:
    chart_column, table_column = st.columns([2, 3])
    with chart_column:
        st.plotly_chart(scorecard.progress_figure(overview), width="stretch", key="overview_progress_chart")
    with table_column:
        ui.table(progress_frame, key="overview_progress", columns=scorecard.PROGRESS_COLUMNS)

st.subheader("“四个5”与“三个1”")
goals = scorecard.scale_goals(line_overview, overview, scope)
st.caption(
    f"“四个5”是全条线的两年目标（{settings.get('goal_line_managers')} 名客户经理、"
    f"{fmt.yi(settings.get('goal_line_loans'))}资产、{fmt.yi(settings.get('goal_line_deposits'))}负债、"
    f"{fmt.count(settings.get('goal_line_accounts'))} 户），始终按全条线计算；“三个1”按{scope}的客户经理人均计算。"
)
st.plotly_chart(scorecard.scale_figure(goals), width="stretch", key="overview_scale_chart")
ui.table(goals, key="overview_scale", columns=scorecard.SCALE_COLUMNS)

st.subheader("支行排名")
ranking = ctx.run("branch_ranking", **params)
if ranking.empty:
    st.info("本月没有支行数据。", icon="ℹ️")
else:
    metrics = list(dict.fromkeys(ranking["metric"]))
    metric = st.selectbox("排名指标", metrics, key="overview_rank_metric",
                          help="有年度目标的指标按完成率排名；逾期金额、逾期率越低越靠前。")
    ranked = scorecard.ranking_table(ranking, metric)
    if ctx.branch and ctx.branch in set(ranked["branch"]):
        place = int(ranked.loc[ranked["branch"] == ctx.branch, "rank"].iloc[0])
        st.markdown(f"**{ctx.branch}** 在 {len(ranked)} 个支行中排第 **{place}** 名。")
    rank_chart, rank_table = st.columns([1, 1])
    with rank_chart:
        st.plotly_chart(scorecard.ranking_figure(ranking, metric), width="stretch", key="overview_rank_chart")
    with rank_table:
        ui.table(ranked, key="overview_ranking", title=f"各支行{metric}", columns=scorecard.RANKING_COLUMNS)
