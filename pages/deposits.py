"""存款结构: the four kinds of deposit by sub-branch, manager and customer; how they move; where
they come from (table 6); deposit-triggered visit alerts and visit cadence (table 8);
settlement compliance (table 7); deposit deviation."""

from __future__ import annotations

import streamlit as st

from puhui import deposits, fmt, settings, ui

ctx = ui.setup("存款结构", "💰")

st.title("💰 存款结构")
threshold_text = "、".join(
    f"超过 {fmt.wan(settings.get(name)).removesuffix('.00')} 万元须{role}"
    for name, role in (
        ("visit_threshold_manager", "客户经理上门"),
        ("visit_threshold_lead", "至少团队负责人上门"),
        ("visit_threshold_vp", "分管行长上门"),
    )
)
ui.explain(
    "条线存款分为四类，各有目标客户（种子001表6）：\n\n"
    + "\n".join(
        f"- **{label}**：{deposits.TABLE6[kind][0]}；配套产品：{deposits.TABLE6[kind][1]}"
        for kind, label in deposits.KINDS
    )
    + "\n\n本页的规则：\n"
    "- 环比 = 本月 − 上月，较年初 = 本月 − 上年12月，同比 = 本月 − 上年同月；红色为增加、绿色为减少。"
    "金额：全条线合计以亿元、支行与客户经理以万元显示。\n"
    f"- 拜访预警（表8）：客户时点存款新增 = 本月四类存款合计 − 上月（新客户从 0 起算），{threshold_text}；"
    "只认同月对该客户的上门拜访，较高岗位的拜访满足较低岗位的要求。\n"
    "- 结算要求（表7）：授信客户贷款占比≥50% 须为主结算行（结算量占比≥50%），其余结算量占比不低于贷款占比。\n"
    "- 存款偏离度 =（月末余额 − 月日均）÷ 月日均：正数表示月末冲高，"
    f"绝对值超过 {fmt.pct(settings.get('deviation_threshold'))} 预警。"
)

scope = ctx.branch or "全条线"
by_branch_all = ctx.run("deposit_by_branch", branch=None)
by_branch = by_branch_all[by_branch_all["branch"] == ctx.branch] if ctx.branch else by_branch_all
summary = deposits.line_summary(by_branch)
no_prev = deposits.no_previous_note(summary)
all_missing = len(summary.missing_prev) == len(by_branch)

st.subheader(f"{fmt.month_label(ctx.month)} · {scope}")
# The house units: the whole line's totals in 亿元, a sub-branch's in 万元 — the unit in the
# label, so that values and their changes stay readable at 1280 px.
line_scope = ctx.branch is None
unit = "亿元" if line_scope else "万元"
metric_columns = st.columns(5)
for column, kind in zip(metric_columns, ["dep_total", *dict(deposits.KINDS)]):
    row = summary.row(kind)
    with column:
        ui.metric_change(
            f"{deposits.KIND_LABELS[kind]}（{unit}）",
            fmt.amount(row["amount"], line_scope, unit=False),
            row["mom"],
            deposits.change_text(row["mom"], "环比", line_scope, unit=False),
        )
        share = "" if kind == "dep_total" else f"占比 {fmt.pct(row['share'])}"
        ytd = "" if row["ytd"] is None else deposits.change_html(row["ytd"], "较年初", line_scope, unit=False)
        yoy = "" if row["yoy"] is None else deposits.change_html(row["yoy"], "同比", line_scope, unit=False)
        st.markdown(f"<small>{'<br>'.join(p for p in (share, ytd, yoy) if p)}</small>", unsafe_allow_html=True)
if no_prev:
    st.info(no_prev, icon="ℹ️")
missing_base = []
if summary.missing_year_start and len(summary.missing_year_start) == len(by_branch):
    missing_base.append(f"上年12月（{summary.year_start_month}），较年初变化无法计算")
if summary.missing_year_ago and len(summary.missing_year_ago) == len(by_branch):
    missing_base.append(f"上年同月（{summary.year_ago_month}），暂无同比")
if missing_base:
    st.caption("未存储" + "；".join(missing_base) + "。")

KIND_COLUMNS = {kind: (label, "wan") for kind, label in deposits.KINDS} | {"dep_total": ("存款合计", "wan")}
TOTAL_COLUMNS = {"dep_total": ("存款合计", "wan")}
CHANGE_COLUMNS = {"dep_total_mom": ("环比变化", "wan"), "dep_total_ytd": ("较年初变化", "wan")}
FOUR_KINDS = {kind: (label, "wan") for kind, label in deposits.KINDS}
SHARE_COLUMNS = {f"{kind}_share": (f"{label}占比", "pct") for kind, label in deposits.KINDS}

LIST_TOP_N = settings.get("deposit_list_top_n")


def pick_manager(managers, key: str) -> str | None:
    """A selectbox over the managers of a list's summary rows; None = the whole scope's worst rows."""
    # A manager listed under two sub-branches is one option (the lists filter by manager id).
    ids = list(dict.fromkeys(m for m in managers["manager_id"].tolist() if m is not None))
    labels = {
        mid: f"{name or mid}（{mid}，{branch}）"
        for mid, name, branch in zip(managers["manager_id"], managers["manager_name"], managers["branch"])
    }
    return st.selectbox(
        "清单范围",
        [None, *ids],
        format_func=lambda mid: f"{scope}：最严重的 {LIST_TOP_N:,} 户" if mid is None else labels.get(mid, mid),
        key=f"{key}_{ctx.branch or 'all'}",
    )


st.subheader("存款构成：支行 → 客户经理 → 客户")
if not ctx.branch:
    st.plotly_chart(
        deposits.breakdown_figure(deposits.breakdown_frame(by_branch, "branch"), "各支行四类存款（万元）"),
        width="stretch",
        key="deposit_branch_chart",
    )
    # The total and its changes first: on a laptop the later columns scroll out of view.
    ui.table(
        by_branch,
        key="deposit_branch_table",
        title="各支行存款构成",
        columns={
            "branch": ("支行", "text"),
            **TOTAL_COLUMNS,
            **CHANGE_COLUMNS,
            "dep_total_yoy": ("同比变化", "wan"),
            **FOUR_KINDS,
            **SHARE_COLUMNS,
        },
    )
    ranked = deposits.breakdown_frame(by_branch, "branch")["label"].tolist()
    drill_branch = st.selectbox("选择支行，查看其客户经理", ranked, key="deposit_drill_branch")
else:
    drill_branch = ctx.branch
    st.caption(f"已在侧栏选择 {ctx.branch}；选择“全部支行”可比较各支行。")

if drill_branch:
    mix = ctx.run("deposit_mix", branch=drill_branch).sort_values(["dep_total", "manager_id"], ascending=[False, True])
    managers = deposits.breakdown_frame(mix, "manager_name", "manager_id")
    st.plotly_chart(
        deposits.breakdown_figure(managers, f"{drill_branch} 各客户经理四类存款（万元）", horizontal=True),
        width="stretch",
        key="deposit_manager_chart",
    )
    # The total and its changes first, then the kinds with their changes beside them.
    manager_columns = {
        "manager_name": ("客户经理", "text"),
        **TOTAL_COLUMNS,
        **CHANGE_COLUMNS,
        **{
            col: spec
            for kind, label in deposits.KINDS
            for col, spec in ((kind, (label, "wan")), (f"{kind}_mom", (f"{label}环比", "wan")))
        },
        "manager_id": ("客户经理编号", "text"),
    }
    with st.container(key="deposit_manager_box"):
        ui.table(mix, key="deposit_manager_table", title=f"{drill_branch} 客户经理存款构成", columns=manager_columns)

    options = mix["manager_id"].tolist()
    names = dict(zip(mix["manager_id"], mix["manager_name"].fillna("")))
    manager_id = st.selectbox(
        "选择客户经理，查看其管户客户",
        options,
        format_func=lambda mid: f"{names.get(mid) or mid}（{mid}）",
        key=f"deposit_drill_manager_{drill_branch}",
    )
    if manager_id:
        book = ctx.run("deposit_customers", branch=drill_branch, manager_id=manager_id)
        if book.empty:
            st.info("该客户经理本月没有管户客户。")
        else:
            top = deposits.breakdown_frame(book.head(15), "customer_name", "customer_id")
            st.plotly_chart(
                deposits.breakdown_figure(
                    top, f"{names.get(manager_id) or manager_id} 存款最多的 {len(top)} 户（万元）", horizontal=True
                ),
                width="stretch",
                key="deposit_customer_chart",
            )
            ui.table(
                book,
                key="deposit_customer_table",
                title=f"{names.get(manager_id) or manager_id} 管户客户存款",
                columns={
                    "customer_id": ("客户号", "text"),
                    "customer_name": ("客户名称", "text"),
                    "segment": ("管户类型", "text"),
                    **TOTAL_COLUMNS,
                    "dep_total_mom": ("环比变化", "wan"),
                    "dep_total_ytd": ("较年初变化", "wan"),
                    **FOUR_KINDS,
                },
            )

st.subheader(f"四类存款走势 · {scope}")
trend = deposits.trend_frame(ctx.run("deposit_trend", branch=ctx.branch))
if len(trend) < 2:
    st.caption("只存储了一个月的数据，导入更多月份后可看走势。")
st.plotly_chart(deposits.trend_figure(trend, line=line_scope), width="stretch", key="deposit_trend_chart")
trend_unit = "yi" if line_scope else "wan"
ui.table(
    trend,
    key="deposit_trend_table",
    title="各月四类存款",
    columns={
        "month": ("数据月份", "text"),
        "dep_total": ("存款合计", trend_unit),
        **{kind: (label, trend_unit) for kind, label in deposits.KINDS},
    },
)
partial = [s.month for s in ctx.statuses if not s.complete]
if line_scope and partial:
    st.caption(f"{'、'.join(sorted(partial))} 缺少部分支行的管户明细，这些月份的全条线合计偏小。")

st.subheader("存款来源与表6对照")
segments = ctx.run("deposit_by_segment", branch=ctx.branch)
mix_by_segment = deposits.segment_mix(segments)
check = deposits.source_check(segments)
min_share = settings.get("deposit_source_main_share")
st.caption(
    f"规则：某类存款来自其目标客户的余额占该类存款不足 {fmt.pct(min_share, 0)}（“以……为主”），即列为偏离表6。"
    "储蓄存款的目标客户为线上授信客户及各类代发工资客户。"
)
ui.table(
    check,
    key="deposit_source_check",
    title=f"四类存款的来源 · {scope}",
    columns={
        "label": ("存款类别", "text"),
        "status": ("对照", "text"),
        "target_share": ("来自目标客户的占比", "pct"),
        "target_group": ("目标客户（按此计入）", "text"),
        # The scope's balance of each kind: the cards' figure, in the cards' unit.
        "amount": ("余额", trend_unit),
        "target_amount": ("来自目标客户", trend_unit),
        "table6": ("表6原文", "text"),
    },
)
st.plotly_chart(deposits.segment_figure(mix_by_segment), width="stretch", key="deposit_segment_chart")
ui.table(
    mix_by_segment,
    key="deposit_segment_table",
    title="按管户类型的四类存款",
    columns={
        "segment": ("管户类型", "text"),
        "customers": ("客户数", "count"),
        **KIND_COLUMNS,
        **{f"{kind}_share": (f"占全部{label}", "pct") for kind, label in deposits.KINDS},
        "payroll_customers": ("代发工资客户数", "count"),
    },
)
if not ctx.branch:
    against = deposits.source_check_by_branch(segments)
    if against.empty:
        st.success("各支行四类存款的来源均符合表6。", icon="✅")
    else:
        ui.table(
            against,
            key="deposit_source_by_branch",
            title="来源偏离表6的支行",
            columns={
                "branch": ("支行", "text"),
                "label": ("存款类别", "text"),
                "target_group": ("目标客户", "text"),
                "amount": ("余额", "wan"),
                "target_share": ("目标客户占比", "pct"),
            },
        )

st.subheader("存款增减最多的客户")
if all_missing:
    st.info(no_prev or "没有上月数据，无法计算存款增减。", icon="ℹ️")
else:
    movers = ctx.run("deposit_top_movers", branch=ctx.branch, top_n=settings.get("deposit_top_movers"))
    increases, decreases = deposits.split_movers(movers)
    mover_columns = {
        "rank": ("排名", "count"),
        "customer_name": ("客户名称", "text"),
        "change": ("变化", "wan"),
        "prev_total": ("上月存款", "wan"),
        "dep_total": ("本月存款", "wan"),
        "manager_name": ("客户经理", "text"),
        "branch": ("支行", "text"),
        "status": ("说明", "text"),
    }
    up_col, down_col = st.columns(2)
    with up_col:
        ui.table(increases, key="deposit_movers_up", title="增加最多", columns=mover_columns)
    with down_col:
        ui.table(decreases, key="deposit_movers_down", title="减少最多", columns=mover_columns)

st.subheader("存款新增拜访预警（表8）")
st.caption(threshold_text + "；只认本月对该客户的上门拜访，未记录拜访人岗位的按客户经理计。")
if all_missing:
    st.info(no_prev or "没有上月数据，无法计算存款新增。", icon="ℹ️")
else:
    if no_prev:
        st.caption(no_prev)
    alerts = ctx.run("visit_alerts", branch=ctx.branch, **deposits.alert_params())
    counts = deposits.alert_counts(alerts)
    count_columns = st.columns(len(counts))
    for column, (role, (total, visited)) in zip(count_columns, counts.items()):
        column.metric(f"须{role}上门", f"{total} 户", f"已上门 {visited} 户", delta_color="off", delta_arrow="off")
    if alerts.empty:
        st.success("本月没有客户的时点存款新增超过预警线。", icon="✅")
    else:
        with st.container(key="deposit_alerts_box"):
            ui.table(
                deposits.alert_view(alerts),
                key="deposit_visit_alerts",
                title="拜访预警清单",
                columns={
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
                },
            )

st.subheader("非授信客户拜访频次（表8）")
st.caption("表8要求客户经理对非授信客户每月至少电话拜访一次、上门拜访一次；团队负责人、分管行长的拜访同样计入。")
cadence = ctx.run("deposit_visit_cadence", branch=ctx.branch)
if cadence.empty:
    st.info("本月没有非授信客户。")
else:
    ui.table(
        cadence,
        key="deposit_cadence",
        title="各客户经理非授信客户拜访情况",
        columns={
            "manager_name": ("客户经理", "text"),
            "branch": ("支行", "text"),
            "non_credit_customers": ("非授信客户数", "count"),
            "not_visited": ("电话、上门均无", "count"),
            "missing_phone": ("缺电话拜访", "count"),
            "missing_onsite": ("缺上门拜访", "count"),
            "both_visited": ("均已拜访", "count"),
        },
    )
    with st.expander("未按月拜访的非授信客户清单"):
        short_total = int((cadence["non_credit_customers"] - cadence["both_visited"]).sum())
        lagging = cadence[cadence["non_credit_customers"] > cadence["both_visited"]]
        cadence_manager = pick_manager(lagging, "deposit_cadence_scope")
        if cadence_manager is None:
            short = ctx.run("deposit_cadence_customers", branch=ctx.branch, top_n=LIST_TOP_N)
            note = deposits.list_caption(len(short), short_total, "未按月拜访", "电话、上门均无者优先、存款较多")
            if note:
                st.caption(note)
        else:
            short = ctx.run("deposit_cadence_customers", branch=ctx.branch, manager_id=cadence_manager)
        short = short.assign(
            phone_mark=short["phone_visited"].map(lambda v: "✅" if v else "❌"),
            onsite_mark=short["onsite_visited"].map(lambda v: "✅" if v else "❌"),
        )
        ui.table(
            short,
            key="deposit_cadence_customers",
            title="未按月拜访的非授信客户",
            columns={
                "customer_name": ("客户名称", "text"),
                "manager_name": ("客户经理", "text"),
                "branch": ("支行", "text"),
                "dep_total": ("存款", "wan"),
                "phone_mark": ("电话拜访", "text"),
                "onsite_mark": ("上门拜访", "text"),
                "last_visit_date": ("最近拜访日期", "date"),
            },
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
        compliance_manager = pick_manager(
            compliance_counts[compliance_counts["not_compliant"] > 0], "deposit_compliance_scope"
        )
        if compliance_manager is None:
            compliance = ctx.run("deposit_settlement_compliance", branch=ctx.branch, top_n=LIST_TOP_N)
            failing = compliance[~compliance["compliant"].astype(bool)]
            note = deposits.list_caption(len(failing), counts["not_compliant"], "结算量未达要求", "差距最大")
            if note:
                st.caption(note)
        else:
            compliance = ctx.run("deposit_settlement_compliance", branch=ctx.branch, manager_id=compliance_manager)
            failing = compliance[~compliance["compliant"].astype(bool)]
        ui.table(
            failing,
            key="deposit_compliance",
            title="结算量未达要求的授信客户",
            columns={
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
            },
        )

st.subheader("存款偏离度")
deviation = ctx.run("deposit_deviation_summary", branch=ctx.branch, **deposits.deviation_params())
if deviation.empty:
    st.info("本月管户明细没有“月日均存款”列，无法计算存款偏离度。", icon="ℹ️")
else:
    limit = settings.get("deviation_threshold")
    st.caption(
        f"偏离度 =（月末四类存款合计 − 月日均存款）÷ 月日均存款；绝对值超过 {fmt.pct(limit)} 标为“⚠️ 超线”。只统计提供了月日均存款的客户。"
    )
    deviation_columns = {
        "customers": ("客户数", "count"),
        "dep_total": ("月末存款", "wan"),
        "dep_avg": ("月日均存款", "wan"),
        "deviation": ("偏离度", "pct"),
        "flag_mark": ("预警", "text"),
        "flagged_customers": ("超线客户数", "count"),
    }
    by_branch_dev = deposits.deviation_summary(deviation, "branch")
    by_branch_dev["flag_mark"] = by_branch_dev["flagged"].map(lambda v: "⚠️ 超线" if v else "")
    ui.table(
        by_branch_dev,
        key="deposit_deviation_branch",
        title="各支行存款偏离度",
        columns={"branch": ("支行", "text"), **deviation_columns},
    )
    by_manager_dev = deposits.deviation_summary(deviation, "manager_id")
    by_manager_dev["flag_mark"] = by_manager_dev["flagged"].map(lambda v: "⚠️ 超线" if v else "")
    ui.table(
        by_manager_dev,
        key="deposit_deviation_manager",
        title="各客户经理存款偏离度",
        columns={"manager_name": ("客户经理", "text"), "branch": ("支行", "text"), **deviation_columns},
    )
    flagged_total = int(deviation["flagged_customers"].sum())
    if flagged_total:
        deviation_manager = pick_manager(deviation[deviation["flagged_customers"] > 0], "deposit_deviation_scope")
        params = {"branch": ctx.branch, **deposits.deviation_params()}
        if deviation_manager is None:
            listed = ctx.run("deposit_deviation", top_n=LIST_TOP_N, **params)
            flagged = listed[listed["flagged"].astype(bool)]
            note = deposits.list_caption(len(flagged), flagged_total, "偏离度超线", "偏离额最大")
            if note:
                st.caption(note)
        else:
            listed = ctx.run("deposit_deviation", manager_id=deviation_manager, **params)
            flagged = listed[listed["flagged"].astype(bool)]
        ui.table(
            flagged,
            key="deposit_deviation_customers",
            title="偏离度超线的客户",
            columns={
                "customer_name": ("客户名称", "text"),
                "manager_name": ("客户经理", "text"),
                "branch": ("支行", "text"),
                "dep_total": ("月末存款", "wan"),
                "dep_avg": ("月日均存款", "wan"),
                "deviation_amount": ("偏离额", "wan"),
                "deviation": ("偏离度", "pct"),
            },
        )
