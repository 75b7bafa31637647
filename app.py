"""经营总览 (the landing page): the line's figures for the data month against the annual
targets, time progress, "四个5" / "三个1", and the sub-branches ranked."""

from __future__ import annotations

import streamlit as st

from puhui import fmt, quality, settings, ui
from puhui import overview as ov

ctx = ui.setup("经营总览", "🏠")

st.title("🏠 经营总览")
ui.explain(
    ov.PROGRESS_DEFINITION
    + "\n\n年度目标取上传的目标；未上传时，按每名客户经理管户 100 户（线下授信 25、线上授信 30、非授信 50）、"
    "贷款 1 亿元、存款 1 亿元乘以客户经理人数；只上传了支行目标的，全条线目标为各支行之和。"
    "规模目标“四个5”：50 名客户经理、50 亿元资产、50 亿元负债、5000 户；“三个1”：每名客户经理 1 亿元资产、"
    "1 亿元负债、100 户以上；本年过渡目标为全条线 40 亿元、4000 户，人均 8000 万元、80 户。\n\n"
    "金额：全条线合计以亿元、支行与客户经理以万元显示（两位小数）。环比为本月比上月，较年初为本月比上年 12 月，"
    "同比为本月比上年同月；比率的变化以百分点计；红色为增加、绿色为减少。"
)

scope = ctx.branch or "全条线"
line_scope = ctx.branch is None
overview = ctx.run("overview")
line_overview = overview if line_scope else ctx.run("overview", branch=None)

st.subheader(f"{fmt.month_label(ctx.month)} · {fmt.md(scope)}")
cards = ov.overview_cards(overview, line=line_scope)
# Four to a row, the unit of amounts in the label: values and changes stay readable at 1280 px.
for start in range(0, len(cards), 4):
    for column, card in zip(st.columns(4), cards[start : start + 4]):
        with column:
            ui.metric_change(card.label, card.value_text, card.mom, card.mom_text)
            changes = [f"<span style='color:{card.ytd_colour}'>{card.ytd_text}</span>"]
            if card.yoy_text:
                changes.append(f"<span style='color:{card.yoy_colour}'>{card.yoy_text}</span>")
            st.markdown(f"<small>{' · '.join(changes)}</small>", unsafe_allow_html=True)
missing_bases = [
    f"{what}（{overview[month_column].iloc[0]}）的数据，暂无{change}"
    for what, month_column, change_column, change in (
        ("上月", "previous_month", "mom_change", "环比"),
        ("上年12月", "year_start_month", "ytd_change", "较年初变化"),
        ("上年同月", "year_ago_month", "yoy_change", "同比"),
    )
    if len(overview) and overview[change_column].isna().all()
]
st.caption(
    "管户数为本月管户明细中的客户数；客户经理人数只计岗位为客户经理（或未填岗位）的人员，"
    "不含团队负责人、分管行长。" + ("未存储" + "；".join(missing_bases) + "。" if missing_bases else "")
)
if quality_line := quality.overview_line(overview, scope):
    with st.container(key="overview_quality"):
        st.markdown(quality_line)

st.subheader("序时进度")
st.caption(ov.progress_basis_text(ctx.month, *ov.progress_basis(overview[overview["target"].notna()])))
st.markdown(
    "<small>完成率按**增量口径**：（本月 − 年初）÷（年度目标 − 年初），与序时进度比较；"
    "余额达成率 = 本月 ÷ 年度目标。阶段营销页的全年进度用同一口径。</small>",
    unsafe_allow_html=True,
)
if line_scope and not ctx.line_complete:
    st.info(
        f"{ctx.month} 的管户明细不完整（缺 {ui.missing_text(ctx.status)}），全条线年度完成率不予计算；"
        "请看各支行，或改看最近的完整月份。",
        icon="🧩",
    )
elif overview["target"].notna().any():
    st.plotly_chart(ov.progress_figure(overview), width="stretch", key="overview_progress_chart")
    unit = ov.amount_unit(line_scope)
    for kind, title in (("count", "户数指标（户）"), ("amount", f"金额指标（{unit}）")):
        frame = ov.progress_table(overview, line=line_scope, kind=kind)
        if len(frame):
            ui.table(
                frame,
                key=f"overview_progress_{kind}",
                title=title,
                name=f"年度目标完成情况·{title}",
                columns=ov.progress_columns(kind, line=line_scope),
            )
else:
    st.info("所选范围没有年度目标：既未上传目标，也没有可按默认目标计算的客户经理。", icon="ℹ️")

st.subheader("“四个5”与“三个1”")
goals = ov.scale_goals(line_overview, overview, scope)
st.caption(
    f"“四个5”是全条线的两年目标（{settings.get('goal_line_managers')} 名客户经理、"
    f"{fmt.yi(settings.get('goal_line_loans'))}资产、{fmt.yi(settings.get('goal_line_deposits'))}负债、"
    f"{fmt.count(settings.get('goal_line_accounts'))} 户），始终按全条线计算（亿元）；"
    f"“三个1”按{fmt.md(scope)}的客户经理人均计算（万元）。"
    + ("" if ctx.line_complete else "本月全条线数据不完整，“四个5”只含已上传的支行。")
)
st.plotly_chart(ov.scale_figure(goals), width="stretch", key="overview_scale_chart")
ui.table(goals, key="overview_scale", name="四个5与三个1", columns=ov.SCALE_COLUMNS)

st.subheader("支行排名")
ranking = ctx.run("branch_ranking")
missing = ctx.status.missing if ctx.status else ()
if missing:
    st.caption(f"本月没有数据、不参加排名的支行：{'、'.join(fmt.md(m) for m in missing)}。")
if ranking.empty:
    st.info("本月没有支行数据。", icon="ℹ️")
else:
    metrics = list(dict.fromkeys(ranking["metric"]))
    metric = st.selectbox(
        "排名指标",
        metrics,
        key="overview_rank_metric",
        help="有年度目标的指标按增量完成率较序时进度的差额排名；逾期金额、逾期率越低越靠前。",
    )
    ranked = ov.ranking_table(ranking, metric)
    if ctx.branch and ctx.branch in set(ranked["branch"]):
        place = int(ranked.loc[ranked["branch"] == ctx.branch, "rank"].iloc[0])
        st.markdown(f"**{fmt.md(ctx.branch)}** 在本月有数据的 {len(ranked)} 个支行中排第 **{place}** 名。")
    unit = ranked["unit"].iloc[0]
    st.plotly_chart(ov.ranking_figure(ranking, metric), width="stretch", key="overview_rank_chart")
    ui.table(
        ranked,
        key="overview_ranking",
        title=f"各支行{metric}",
        columns=ov.ranking_columns(unit, has_target=ranked["target"].notna().any()),
    )
