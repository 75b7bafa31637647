"""管户结构: each customer manager's offline-credit / online-credit / non-credit accounts against
25/30/50 (100 in all), the gaps, the flags (unbalanced, 集训营, overloaded), roll-ups, a
manager's customer list and the mix over time."""

from __future__ import annotations

import streamlit as st

from puhui import fmt, mix, ui

ctx = ui.setup("管户结构", "👥")

st.title("👥 管户结构")
rules = mix.flag_rules()
ui.explain(
    mix.rule_text()
    + "\n\n"
    + "\n".join(f"- {rule}" for rule in rules.values())
    + "\n\n环比为本月减上月，跟随客户经理本人（调动支行后仍与其上月户数相比）；红色为增加、绿色为减少。"
)

scope = ctx.branch or "全条线"
st.subheader(f"{fmt.month_label(ctx.month)} · {fmt.md(scope)}")
rows = ctx.only_present(ctx.run("manager_mix"), "客户经理")
if rows.empty:
    st.info("所选月份和支行没有客户经理名单，也没有管户明细。", icon="ℹ️")
    st.stop()

head = mix.headline(rows)
head_columns = st.columns(6)
head_columns[0].metric(
    "客户经理人数", fmt.count(head["managers"]), help="岗位为客户经理（或未填岗位）的人员；团队负责人、分管行长不计。"
)
head_columns[1].metric("人均管户", head["average"])
head_columns[2].metric("管户数达标", f"{fmt.count(head['on_target'])} 人")
for column, flag in zip(head_columns[3:], mix.FLAG_COLUMNS):
    column.metric(mix.FLAG_LABELS[flag], f"{fmt.count(head['flags'][flag])} 人", help=rules[flag])

st.subheader("各客户经理管户结构对照目标")
sort_column, flag_column = st.columns([1, 1])
sort_label = sort_column.selectbox("排序方式", list(mix.SORT_OPTIONS), key="mix_sort")
only_flags = flag_column.multiselect(
    "只看带标记的客户经理",
    [mix.FLAG_LABELS[f] for f in mix.FLAG_COLUMNS],
    key="mix_only_flags",
    placeholder="全部客户经理",
)
shown = mix.only_flagged(mix.page_rows(rows), only_flags)
if shown.empty:
    st.info("没有符合条件的客户经理。", icon="ℹ️")
else:
    figure = ctx.derive("mix_chart", lambda: mix.mix_figure(shown, sort_label), sort_label, tuple(only_flags))
    st.plotly_chart(figure, width="stretch", key="mix_chart")
    st.caption(
        "条形为本月实际户数，红色竖线为目标（已上传个人目标的按上传目标，否则 25/30/50、总数 100）；"
        "团队负责人、分管行长只在本人有管户时列出，未上传目标时不画目标线。"
    )

    with st.container(key="mix_gaps_box"):
        ui.table(
            mix.gap_table(shown, sort_label),
            key="mix_gaps",
            title="目标缺口（缺口 = 目标 − 实际，已达标为 0；贷款、存款对照人均 1 亿元）",
            columns=mix.GAP_COLUMNS,
        )

st.subheader("标记与规则")
flag_summary = mix.flag_summary(rows)
for column, (_, flag_row) in zip(st.columns(3), flag_summary.iterrows()):
    with column:
        st.markdown(f"**{flag_row['label']}：{flag_row['count']} 人**")
        st.caption(flag_row["rule"])
        st.write(flag_row["managers"] or "无")
measure_label = st.selectbox(
    "集训营也可按其他指标排名",
    list(mix.BOTTOM_MEASURES),
    key="mix_bottom_measure",
    help="按所选指标从少到多排名，规则同上（后 25%，并列一同进入）。",
)
if mix.BOTTOM_MEASURES[measure_label] != "total":
    st.markdown(f"按{measure_label}排名的集训营：{fmt.md(mix.bottom_names(rows, measure_label))}")

st.subheader("按团队、按支行汇总")
team_tab, branch_tab = st.tabs(["按团队", "按支行"])
with team_tab:
    ui.table(
        mix.rollup(mix.page_rows(rows), "team"),
        key="mix_by_team",
        name="管户结构·按团队汇总",
        columns=mix.ROLLUP_COLUMNS,
    )
with branch_tab:
    ui.table(
        mix.rollup(mix.page_rows(rows), "branch"),
        key="mix_by_branch",
        name="管户结构·按支行汇总",
        columns=mix.ROLLUP_COLUMNS,
    )
st.caption("缺口合计为各人缺口相加（一人超额不抵另一人缺口）；支行上传的支行级目标见“经营总览”的支行排名。")

st.subheader("客户经理的客户清单")
options = mix.manager_options(mix.page_rows(rows))
choice = st.selectbox("选择客户经理", list(options), index=None, key="mix_manager", placeholder="请选择客户经理")
chosen_row = None
if choice:
    manager_id, manager_branch = options[choice]
    chosen_row = mix.manager_row(rows, manager_id, manager_branch)
    customers = ctx.run("manager_customers", manager_id=manager_id, branch=manager_branch)
    st.markdown(f"**{fmt.md(choice)}**：{fmt.md(mix.manager_summary(chosen_row))}")
    if customers.empty:
        st.info("该客户经理本月没有管户。", icon="ℹ️")
    else:
        with st.container(key="mix_customers_box"):
            ui.table(
                mix.customer_frame(customers),
                key="mix_customers",
                title=f"{choice} 的客户（{len(customers)} 户）",
                columns=mix.CUSTOMER_COLUMNS,
            )

st.subheader("管户结构变化")
trend_columns = st.columns(2)
with trend_columns[0]:
    line_trend = ctx.run("mix_trend", month=ctx.month)
    line_chart = ctx.derive("mix_trend_line", lambda: mix.trend_figure(line_trend, f"{scope}管户结构（户）"))
    st.plotly_chart(line_chart, width="stretch", key="mix_trend_line")
with trend_columns[1]:
    if chosen_row is None:
        st.info("在上方选择一名客户经理，可看其逐月管户结构。", icon="👆")
    else:
        # The manager is followed across sub-branches (branch=None).
        manager_trend = ctx.run("mix_trend", month=ctx.month, branch=None, manager_id=chosen_row["manager_id"])
        st.plotly_chart(
            mix.trend_figure(manager_trend, f"{choice}管户结构（户）", mix.total_target(chosen_row)),
            width="stretch",
            key="mix_trend_manager",
        )
