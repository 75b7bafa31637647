"""存款结构: the four kinds of deposit by sub-branch, manager and customer; how they move; where
they come from (table 6); deposit-triggered visit alerts and visit cadence (table 8);
settlement compliance (table 7); deposit deviation."""

from __future__ import annotations

import streamlit as st

from puhui import deposits, fmt, settings, ui

ctx = ui.setup("存款结构", "💰")

st.title("💰 存款结构")
ui.explain(deposits.explain_text())

scope = ctx.branch or "全条线"
by_branch = deposits.in_scope(ctx.run("deposit_by_branch", branch=None), ctx.branch)
summary = deposits.line_summary(by_branch)
no_prev = deposits.no_previous_note(summary)
all_missing = summary.no_previous_at_all(by_branch)
# The house units: the whole line's totals in 亿元, a sub-branch's in 万元.
line_scope = ctx.branch is None
unit = "yi" if line_scope else "wan"
LIST_TOP_N = settings.get("deposit_list_top_n")

st.subheader(f"{fmt.month_label(ctx.month)} · {fmt.md(scope)}")
for column, card in zip(st.columns(5), deposits.cards(summary, line_scope)):
    with column:
        ui.metric_change(card.label, card.value, card.delta, card.delta_text)
        st.markdown(card.detail_html, unsafe_allow_html=True)
if no_prev:
    st.info(no_prev, icon="ℹ️")
if note := deposits.missing_base_caption(summary, len(by_branch)):
    st.caption(note)


def pick_manager(managers, key: str) -> str | None:
    """A selectbox over the managers of a list's summary rows; None = the whole scope's worst rows."""
    ids, labels = deposits.manager_options(managers)
    return st.selectbox(
        "清单范围",
        [None, *ids],
        format_func=lambda mid: f"{scope}：最严重的 {LIST_TOP_N:,} 户" if mid is None else labels.get(mid, mid),
        key=f"{key}_{ctx.branch or 'all'}",
    )


def worst_list(name: str, managers, key: str, total: int, what: str, order: str, keep=None, **params):
    """A customer list: the chosen manager's whole list, or the scope's worst rows with a caption when cut.

    ``managers`` are the summary rows of the managers who have such customers; ``keep``
    picks the rows the list is about (e.g. the failing ones) from what the query returns.
    """
    manager = pick_manager(managers, key)
    if manager is None:
        rows = ctx.run(name, branch=ctx.branch, top_n=LIST_TOP_N, **params)
    else:
        rows = ctx.run(name, branch=ctx.branch, manager_id=manager, **params)
    rows = keep(rows) if keep else rows
    if manager is None and (note := deposits.list_caption(len(rows), total, what, order)):
        st.caption(note)
    return rows


st.subheader("存款构成：支行 → 客户经理 → 客户")
if not ctx.branch:
    breakdown = deposits.breakdown_frame(by_branch, "branch")
    figure = ctx.derive("deposit_branch_chart", lambda: deposits.breakdown_figure(breakdown, "各支行四类存款（万元）"))
    st.plotly_chart(figure, width="stretch", key="deposit_branch_chart")
    ui.table(by_branch, key="deposit_branch_table", title="各支行存款构成", columns=deposits.BRANCH_COLUMNS)
    drill_branch = st.selectbox("选择支行，查看其客户经理", breakdown["label"].tolist(), key="deposit_drill_branch")
else:
    drill_branch = ctx.branch
    st.caption(f"已在侧栏选择 {fmt.md(ctx.branch)}；选择“全部支行”可比较各支行。")

if drill_branch:
    mix = deposits.largest_first(ctx.run("deposit_mix", branch=drill_branch))
    managers = deposits.breakdown_frame(mix, "manager_name", "manager_id")
    title = f"{drill_branch} 各客户经理四类存款（万元）"
    figure = ctx.derive("deposit_manager_chart", lambda: deposits.breakdown_figure(managers, title, True), title)
    st.plotly_chart(figure, width="stretch", key="deposit_manager_chart")
    with st.container(key="deposit_manager_box"):
        title = f"{drill_branch} 客户经理存款构成"
        ui.table(mix, key="deposit_manager_table", title=title, columns=deposits.MANAGER_COLUMNS)

    names = deposits.manager_names(mix)
    manager_id = st.selectbox(
        "选择客户经理，查看其管户客户",
        mix["manager_id"].tolist(),
        format_func=lambda mid: f"{names.get(mid) or mid}（{mid}）",
        key=f"deposit_drill_manager_{drill_branch}",
    )
    if manager_id:
        who, query = names.get(manager_id) or manager_id, {"branch": drill_branch, "manager_id": manager_id}
        full = ctx.run_later("deposit_customers", **query)  # a whole book stays out of the query cache
        book, total, figure = ctx.derive("deposit_book", lambda: deposits.book_view(full(), who), who, *query.values())
        if not total:
            st.info("该客户经理本月没有管户客户。")
        else:
            st.plotly_chart(figure, width="stretch", key="deposit_customer_chart")
            title, columns = f"{who} 管户客户存款", deposits.CUSTOMER_COLUMNS
            ui.table(book, key="deposit_customer_table", title=title, columns=columns, full=full, total=total)

st.subheader(f"四类存款走势 · {fmt.md(scope)}")
trend = deposits.trend_frame(ctx.run("deposit_trend", branch=ctx.branch))
if len(trend) < 2:
    st.caption("只存储了一个月的数据，导入更多月份后可看走势。")
trend_chart = ctx.derive("deposit_trend_chart", lambda: deposits.trend_figure(trend, line=line_scope))
st.plotly_chart(trend_chart, width="stretch", key="deposit_trend_chart")
ui.table(trend, key="deposit_trend_table", title="各月四类存款", columns=deposits.trend_columns(unit))
if note := deposits.partial_months_caption(ctx.statuses, line_scope):
    st.caption(note)

st.subheader("存款来源与表6对照")
segments = ctx.run("deposit_by_segment", branch=ctx.branch)
mix_by_segment = deposits.segment_mix(segments)
st.caption(deposits.source_rule_caption())
check_title = f"四类存款的来源 · {scope}"
check_columns = deposits.source_check_columns(unit)
ui.table(deposits.source_check(segments), key="deposit_source_check", title=check_title, columns=check_columns)
segment_chart = ctx.derive("deposit_segment_chart", lambda: deposits.segment_figure(mix_by_segment))
st.plotly_chart(segment_chart, width="stretch", key="deposit_segment_chart")
segment_title = "按管户类型的四类存款"
ui.table(mix_by_segment, key="deposit_segment_table", title=segment_title, columns=deposits.SEGMENT_COLUMNS)
if not ctx.branch:
    against = ctx.derive("deposit_source_by_branch", lambda: deposits.source_check_by_branch(segments))
    if against.empty:
        st.success("各支行四类存款的来源均符合表6。", icon="✅")
    else:
        columns = deposits.SOURCE_BY_BRANCH_COLUMNS
        ui.table(against, key="deposit_source_by_branch", title="来源偏离表6的支行", columns=columns)

st.subheader("存款增减最多的客户")
if all_missing:
    st.info(no_prev or "没有上月数据，无法计算存款增减。", icon="ℹ️")
else:
    movers = ctx.run("deposit_top_movers", branch=ctx.branch, top_n=settings.get("deposit_top_movers"))
    increases, decreases = deposits.split_movers(movers)
    up_col, down_col = st.columns(2)
    with up_col:
        ui.table(increases, key="deposit_movers_up", title="增加最多", columns=deposits.MOVER_COLUMNS)
    with down_col:
        ui.table(decreases, key="deposit_movers_down", title="减少最多", columns=deposits.MOVER_COLUMNS)

st.subheader("存款新增拜访预警（表8）")
st.caption(deposits.threshold_text() + "；只认本月对该客户的上门拜访，未记录拜访人岗位的按客户经理计。")
if all_missing:
    st.info(no_prev or "没有上月数据，无法计算存款新增。", icon="ℹ️")
else:
    if no_prev:
        st.caption(no_prev)
    alerts = ctx.run("visit_alerts", branch=ctx.branch, **deposits.alert_params())
    counts = deposits.alert_counts(alerts)
    for column, (role, (total, visited)) in zip(st.columns(len(counts)), counts.items()):
        column.metric(f"须{role}上门", f"{total} 户", f"已上门 {visited} 户", delta_color="off", delta_arrow="off")
    if alerts.empty:
        st.success("本月没有客户的时点存款新增超过预警线。", icon="✅")
    else:
        with st.container(key="deposit_alerts_box"):
            alert_rows = deposits.alert_view(alerts)
            ui.table(alert_rows, key="deposit_visit_alerts", title="拜访预警清单", columns=deposits.ALERT_COLUMNS)

st.subheader("非授信客户拜访频次（表8）")
st.caption("表8要求客户经理对非授信客户每月至少电话拜访一次、上门拜访一次；团队负责人、分管行长的拜访同样计入。")
cadence = ctx.run("deposit_visit_cadence", branch=ctx.branch)
if cadence.empty:
    st.info("本月没有非授信客户。")
else:
    title = "各客户经理非授信客户拜访情况"
    ui.table(cadence, key="deposit_cadence", title=title, columns=deposits.CADENCE_COLUMNS)
    with st.expander("未按月拜访的非授信客户清单"):
        short = worst_list(
            "deposit_cadence_customers",
            deposits.lagging_managers(cadence),
            "deposit_cadence_scope",
            deposits.cadence_short_total(cadence),
            "未按月拜访",
            "电话、上门均无者优先、存款较多",
        )
        columns = deposits.CADENCE_CUSTOMER_COLUMNS
        ui.table(
            deposits.cadence_view(short),
            key="deposit_cadence_customers",
            title="未按月拜访的非授信客户",
            columns=columns,
        )

st.subheader("授信客户结算要求（表7）")
compliance_counts = ctx.run("deposit_settlement_summary", branch=ctx.branch)
if compliance_counts.empty:
    st.info("本月管户明细没有授信客户的“贷款占比”“结算量占比”，无法检查结算要求。", icon="ℹ️")
else:
    counts = deposits.compliance_summary(compliance_counts)
    a, b, c = st.columns(3)
    a.metric("已检查授信客户", f"{counts['checked']:,} 户")
    b.metric("达标", f"{counts['compliant']:,} 户")
    c.metric("未达标", f"{counts['not_compliant']:,} 户")
    if not counts["not_compliant"]:
        st.success("所有已检查的授信客户结算量均达到要求。", icon="✅")
    else:
        failing = worst_list(
            "deposit_settlement_compliance",
            deposits.failing_managers(compliance_counts),
            "deposit_compliance_scope",
            counts["not_compliant"],
            "结算量未达要求",
            "差距最大",
            keep=deposits.failing,
        )
        title = "结算量未达要求的授信客户"
        ui.table(failing, key="deposit_compliance", title=title, columns=deposits.COMPLIANCE_COLUMNS)

st.subheader("存款偏离度")
deviation = ctx.run("deposit_deviation_summary", branch=ctx.branch, **deposits.deviation_params())
if deviation.empty:
    st.info("本月管户明细没有“月日均存款”列，无法计算存款偏离度。", icon="ℹ️")
else:
    st.caption(deposits.deviation_caption())
    ui.table(
        deposits.deviation_view(deviation, "branch"),
        key="deposit_deviation_branch",
        title="各支行存款偏离度",
        columns={"branch": ("支行", "text"), **deposits.DEVIATION_COLUMNS},
    )
    ui.table(
        deposits.deviation_view(deviation, "manager_id"),
        key="deposit_deviation_manager",
        title="各客户经理存款偏离度",
        columns={"manager_name": ("客户经理", "text"), "branch": ("支行", "text"), **deposits.DEVIATION_COLUMNS},
    )
    flagged_total = int(deviation["flagged_customers"].sum())
    if flagged_total:
        flagged = worst_list(
            "deposit_deviation",
            deposits.flagged_managers(deviation),
            "deposit_deviation_scope",
            flagged_total,
            "偏离度超线",
            "偏离额最大",
            keep=deposits.flagged,
            **deposits.deviation_params(),
        )
        title = "偏离度超线的客户"
        ui.table(flagged, key="deposit_deviation_customers", title=title, columns=deposits.DEVIATION_CUSTOMER_COLUMNS)
