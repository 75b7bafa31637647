"""阶段营销: the campaign year in phases — calendar, targets split by weight against time
progress, rankings on each phase's theme measures, activities held and missed, and the
phase summary for the 总结分析会."""

from __future__ import annotations

import streamlit as st

from puhui import campaign, campaign_summary, fmt, overview, periods, ui

ctx = ui.setup("阶段营销", "📅")

st.title("📅 阶段营销")
try:
    cal = periods.load_calendar()
except ValueError as problem:
    st.error(f"阶段设置有误：{problem}。请检查设置 phase_months、phase_weights、phase_names。", icon="⚠️")
    st.stop()

current = cal.phase_of(ctx.month)
year = ctx.month[:4]
ui.explain(
    "全年按阶段推进，“季季有主题、月月有活动、周周有沙龙”（种子001）：\n\n"
    + "\n".join(f"- **{p.label}**（{p.months_text}）：{p.theme}" for p in cal.phases)
    + f"\n\n年度目标按 **{cal.weights_text()}** 分配到各阶段"
    + f"（累计 {'、'.join(fmt.pct(cal.cumulative_share(p.number), 0) for p in cal.phases)}）。"
    "阶段完成率 = 阶段完成 ÷ 阶段目标；阶段序时进度 = 数据月末已过的阶段天数 ÷ 阶段总天数，"
    "完成率高于序时进度即“超序时”。新开户、新开基本户、代发、新增存款、新增贷款取自营销活动表；"
    "管户数及三类授信户数取月末管户明细，完成数为户数的增加（阶段末减阶段初，全年起点为上年末），"
    "其年度目标为目标户数减上年末户数；未上传目标时，户数目标按每名客户经理的默认目标乘客户经理人数。"
    "排名按当前阶段的主题指标，各指标分别排名后取平均名次；本月没有上传管户明细的支行不参加排名。\n\n"
    + overview.PROGRESS_DEFINITION
)


# Cached per database file, data version (ctx.version changes with every ingest or undo) and
# the viewer's scope (a result from one user's scoped cursor never serves another scope);
# the frames keep exact Decimals, so they come from the package rather than ctx.run.
@st.cache_data(show_spinner=False, max_entries=64)
def year_frames(db: str, version, scope: tuple, month: str, branch: str | None, calendar: periods.Calendar, _con):
    """Progress, activities and the plan's status for one month and scope."""
    acts = campaign.activities(_con, month, branch, calendar)
    status = campaign.plan_status(acts, month, calendar, months_with_data=campaign.activity_months(_con, month))
    return campaign.progress(_con, month, branch, calendar), acts, status


@st.cache_data(show_spinner=False, max_entries=64)
def phase_frames(db: str, version, scope: tuple, month: str, branch: str | None, phase: periods.Phase, _con):
    """What each sub-branch and manager delivered in one phase."""
    return campaign.phase_results(_con, month, phase, branch)


scope = ctx.branch or "全部支行"
progress, acts, status = year_frames(
    str(ctx.db_path), ctx.version, ctx.access.cache_key(), ctx.month, ctx.branch, cal, ctx.con
)

st.subheader(f"{year}年阶段日历 · {fmt.md(scope)}")
cols = st.columns(4)
# The phase's number in the label, its name as the value: the whole label is cut off at 1280 px.
cols[0].metric(f"当前阶段 · {current.label.split(' ')[0]}", current.name, help=current.theme)
cols[1].metric(
    "阶段序时进度", fmt.pct(periods.phase_progress(ctx.month, current)), help=f"截至 {periods.month_end(ctx.month)}"
)
cols[2].metric("本阶段已举办活动", f"{int((acts['phase'] == current.number).sum()) if not acts.empty else 0} 场")
missed_so_far = int((status["status"] == campaign.MISSED).sum())
cols[3].metric(
    "计划活动未举办", f"{missed_so_far} 项", help="截至数据月份，种子月度活动计划中同月未见同名（或含关键词）活动的条目"
)
timeline = ctx.derive("campaign_timeline", lambda: campaign.timeline_figure(cal, ctx.month, acts, status))
st.plotly_chart(timeline, width="stretch", key="campaign_timeline")

st.subheader(f"{year}年全年进度 · {fmt.md(scope)}")
st.markdown(
    "<small>与经营总览同一口径：户数类指标完成率 =（本月 − 年初）÷（年度目标 − 年初），与序时进度比较，"
    "余额达成率列在旁边；营销活动类指标完成率 = 本年累计 ÷ 年度目标。</small>",
    unsafe_allow_html=True,
)
if ctx.branch is None and not ctx.line_complete:
    st.info(
        f"{ctx.month} 的管户明细不完整（缺 {ui.missing_text(ctx.status)}），全条线户数类指标的全年完成率不予计算。",
        icon="🧩",
    )
else:
    year_counts = campaign.year_table(progress, "count")
    st.caption(overview.progress_basis_text(ctx.month, *overview.progress_basis(year_counts, "year_time_progress")))
    with st.container(key="campaign_year_count_box"):
        ui.table(
            year_counts, key="campaign_year_count", title="户数类指标（户）", columns=campaign.YEAR_COLUMNS["count"]
        )
ui.table(
    campaign.year_table(progress, "activity_count"),
    key="campaign_year_activity_count",
    title="营销活动 · 户数（户）",
    columns=campaign.YEAR_COLUMNS["activity_count"],
)
ui.table(
    campaign.year_table(progress, "wan"),
    key="campaign_year_amount",
    title="营销活动 · 金额",
    columns=campaign.YEAR_COLUMNS["wan"],
)

st.subheader("阶段目标与完成")
chosen = st.segmented_control(
    "查看阶段",
    [p.number for p in cal.phases],
    format_func=lambda n: cal.phases[n - 1].label,
    default=current.number,
    key="campaign_phase",
)
phase = cal.phases[(chosen or current.number) - 1]
st.caption(
    f"{phase.label}（{phase.months_text}）：{phase.theme}。阶段目标占全年 {fmt.pct(cal.share(phase.number))}，"
    f"累计 {fmt.pct(cal.cumulative_share(phase.number))}；阶段序时进度 {fmt.pct(periods.phase_progress(ctx.month, phase))}。"
)
# Keyed containers give the tables a CSS class (st-key-…) the browser tests find them by.
with st.container(key="campaign_progress_count_box"):
    ui.table(
        campaign.phase_table(progress, phase.number, "count"),
        key="campaign_progress_count",
        title=f"{phase.label} · 户数类指标（户）",
        columns=campaign.phase_table_columns("count"),
    )
with st.container(key="campaign_progress_amount_box"):
    ui.table(
        campaign.phase_table(progress, phase.number, "wan"),
        key="campaign_progress_amount",
        title=f"{phase.label} · 金额类指标",
        columns=campaign.phase_table_columns("wan"),
    )
baseline = progress["baseline_month"].dropna()
if baseline.empty:
    st.caption("尚无本年及上年末的管户明细，户数类指标无法计算增加数。")
elif baseline.iloc[0] != periods.year_start_month(ctx.month):
    st.caption(
        f"未存储上年末（{periods.year_start_month(ctx.month)}）的管户明细，户数增加从最早的 {baseline.iloc[0]} 月末算起。"
    )
matrix, matrix_columns = campaign.completion_matrix(progress, cal)
ui.table(matrix, key="campaign_completion_matrix", title="各阶段完成率一览", columns=matrix_columns)

st.subheader(f"{phase.label} 排名")
st.caption(f"主题指标：{'、'.join(phase.rank_measures)}（户数类为阶段内增加数）；各指标分别排名，按平均名次排序。")
results = phase_frames(str(ctx.db_path), ctx.version, ctx.access.cache_key(), ctx.month, ctx.branch, phase, ctx.con)
branch_ranking, manager_ranking = ctx.derive(
    "campaign_ranking",
    lambda: tuple(campaign.ranking(results, phase.rank_measures, level) for level in ("branch", "manager")),
    phase.number,
)
if phase.start_month > int(ctx.month[5:7]):
    st.info(f"{phase.label} 尚未开始（{phase.months_text}），暂无排名。", icon="ℹ️")
else:
    left, right = st.columns([2, 3])
    with left:
        ui.table(
            branch_ranking,
            key="campaign_rank_branch",
            title="支行排名",
            columns=campaign.ranking_columns(phase.rank_measures, "branch"),
        )
    with right:
        ui.table(
            manager_ranking,
            key="campaign_rank_manager",
            title="客户经理排名",
            columns=campaign.ranking_columns(phase.rank_measures, "manager"),
            height=400,
        )

st.subheader(f"{year}年营销活动（截至 {ctx.month}）")
held_tab, type_tab, month_tab, plan_tab = st.tabs(["活动明细", "按类型", "按月份", "月度计划执行"])
with held_tab:
    if acts.empty:
        st.info("本年截至数据月份尚无营销活动记录。可在“数据导入”页上传营销活动表。", icon="ℹ️")
    ui.table(acts, key="campaign_activities", title="已举办活动及成效", columns=campaign.ACTIVITY_COLUMNS, height=400)
with type_tab:
    ui.table(
        campaign.activity_summary(acts, "activity_type"),
        key="campaign_activities_by_type",
        title="按活动类型",
        columns=campaign.activity_summary_columns("activity_type"),
    )
with month_tab:
    ui.table(
        campaign.activity_summary(acts, "month"),
        key="campaign_activities_by_month",
        title="按月份",
        columns=campaign.activity_summary_columns("month"),
    )
with plan_tab:
    missed = status[status["status"] == campaign.MISSED]
    no_data = sorted(set(status.loc[status["status"] == campaign.NO_DATA, "month"]))
    if no_data:
        st.caption(f"{'、'.join(no_data)} 没有任何支行的营销活动数据（可能尚未导入），这些月份的计划活动不计为未举办。")
    if missed.empty:
        st.success("截至数据月份，月度活动计划均已举办。", icon="✅")
    else:
        ui.table(missed, key="campaign_plan_missed", title="计划中未举办的活动", columns=campaign.PLAN_COLUMNS)
    ui.table(
        status, key="campaign_plan_all", title="全年月度活动计划执行情况", columns=campaign.PLAN_COLUMNS, height=400
    )

st.subheader("阶段总结")
st.caption(
    f"供{phase.label}总结分析会使用：说明、各阶段进度、支行与客户经理排名、本阶段活动明细及汇总、月度计划执行，共八个工作表。"
)
summary_month, summary_branch, training = ctx.month, ctx.branch, ctx.training
ui.download(
    f"下载{phase.name}阶段总结（Excel）",
    lambda: campaign_summary.summary_xlsx(
        ctx.fresh_cursor(), summary_month, summary_branch, phase, cal, training=training
    ),
    f"阶段总结_{phase.label.replace(' ', '')}_{ctx.month}_{ctx.branch or '全条线'}.xlsx",
    "campaign_summary_xlsx",
)
