"""存量客户深挖: lists of existing customers a manager can act on (seed 000), each downloadable."""

from __future__ import annotations

import streamlit as st

from puhui import export, fmt, followup, prospects, settings, ui

ctx = ui.setup("存量客户深挖", "🎯")

st.title("🎯 存量客户深挖")
ui.explain(prospects.explain_text())

manager_list = ctx.only_present(prospects.managers(ctx.run, ctx.month, ctx.branch), "客户经理")
manager_names = prospects.manager_labels(manager_list, ctx.branch)
ALL_MANAGERS = "全部客户经理"

filters = st.columns([2, 1, 1, 1])
with filters[0]:
    manager_id = st.selectbox(
        "客户经理",
        [None, *manager_names],
        format_func=lambda mid: ALL_MANAGERS if mid is None else manager_names.get(mid, mid),
        key="prospect_manager",
    )
with filters[1]:
    min_deposit_wan = st.number_input(
        "无贷转有贷：存款门槛（万元）",
        min_value=0.0,
        value=float(settings.get("prospect_min_deposit")) / 10_000,
        step=10.0,
        key="prospect_min_deposit",
    )
with filters[2]:
    days = st.number_input(
        "到期清单：月末起天数",
        min_value=1,
        max_value=366,
        value=int(settings.get("prospect_maturity_days")),
        step=30,
        key="prospect_days",
    )
with filters[3]:
    dormant_months = st.number_input(
        "睡眠客户：连续月数",
        min_value=1,
        max_value=24,
        value=int(settings.get("prospect_dormant_months")),
        step=1,
        key="prospect_dormant_months",
    )

min_deposit = prospects.yuan_from_wan(min_deposit_wan)
scope = {"支行": ctx.branch, "客户经理": manager_names.get(manager_id) if manager_id else None}
common = {"month": ctx.month, "branch": ctx.branch, "manager_id": manager_id}


def title(name: str) -> str:
    """A list's title with the data month and the filters (also the xlsx title row)."""
    return export.title_line(name, ctx.month, scope)


# A whole bank's lists run to hundreds of thousands of rows: without a chosen manager the
# database sends the first rows of each list (and the counts of all); a manager's lists are full.
limit = None if manager_id else int(settings.get("prospect_list_limit"))
per_manager = None if manager_id else int(settings.get("prospect_per_manager"))
no_loan = prospects.no_loan(ctx.run, **common, min_deposit=min_deposit, limit=limit)
maturing = prospects.maturing(ctx.run, **common, days=int(days), limit=limit)
coverage = ctx.only_present(prospects.coverage(ctx.run, **common), None)
gaps = prospects.gaps(ctx.run, **common, limit=limit)
dormant = prospects.dormant(ctx.run, **common, months=int(dormant_months), limit=limit)
balanced, candidates = prospects.balanced_growth(ctx.run, **common, min_deposit=min_deposit, per_manager=per_manager)
balanced = ctx.only_present(balanced, None)  # a sub-branch without the month's book is not "short"
lists_cut = {"no_loan": no_loan, "maturing": maturing, "gaps": gaps, "dormant": dormant}
totals = {name: prospects.list_total(frame) for name, frame in lists_cut.items()}

counts = st.columns(5)
counts[0].metric("无贷转有贷", f"{totals['no_loan']:,} 户")
counts[1].metric(f"{int(days)} 天内到期", f"{totals['maturing']:,} 户")
counts[2].metric("有产品缺口", f"{totals['gaps']:,} 户")
counts[3].metric("睡眠客户", f"{totals['dormant']:,} 户")
if note := prospects.cut_caption(totals, limit, per_manager):
    st.caption(note)
counts[4].metric("管户结构未达标", f"{len(balanced):,} 人")

tabs = st.tabs(["无贷转有贷", "到期续贷", "产品覆盖与缺口", "睡眠客户", "均衡发展", "名单跟进"])

with tabs[0]:
    st.caption(
        f"非授信客户中，月末存款不少于 {fmt.wan(min_deposit)} 万元、或在我行代发工资、或在我行开立基本户的客户，"
        "按存款从多到少排列。"
    )
    ui.table(no_loan, key="prospect_no_loan", title=title("无贷转有贷"), columns=prospects.COLUMNS["no_loan"])

with tabs[1]:
    st.caption(
        f"贷款到期日在数据月末之后 {int(days)} 天内（含第 {int(days)} 天）且仍有余额的客户，按到期日排列：提前安排续贷，留住存款。"
    )
    ui.table(maturing, key="prospect_maturing", title=title("到期续贷"), columns=prospects.COLUMNS["maturing"])

with tabs[2]:
    if rates := prospects.coverage_rates(coverage):
        for column, (label, rate) in zip(st.columns(3), rates.items()):
            column.metric(label, fmt.pct(rate))
    ui.table(
        coverage,
        key="prospect_coverage",
        title=title("产品覆盖（按客户经理）"),
        columns=prospects.COLUMNS["coverage"],
    )
    st.markdown("**缺口规则**")
    st.markdown("\n".join(f"- **{product}**：{rule}" for product, rule in prospects.GAP_RULES.items()))
    st.caption(
        f"代发门槛：月末存款 {fmt.wan(settings.get('prospect_payroll_deposit'))} 万元；"
        f"现金管理门槛：结算存款 {fmt.wan(settings.get('prospect_cash_mgmt_deposit'))} 万元。"
    )
    ui.table(gaps, key="prospect_gaps", title=title("产品缺口客户"), columns=prospects.COLUMNS["gaps"])

with tabs[3]:
    if note := prospects.dormant_history_note(ctx.months, ctx.month, int(dormant_months)):
        st.info(note, icon="ℹ️")
    st.caption(
        f"连续 {int(dormant_months)} 个月（含本月）没有贷款、存款、授信额度，也没有任何产品的客户：安排上门或电话激活。"
    )
    ui.table(dormant, key="prospect_dormant", title=title("睡眠客户"), columns=prospects.COLUMNS["dormant"])

with tabs[4]:
    st.caption(
        "管户数未达到线下、线上、非授信目标的客户经理；“优先补足”为缺口占目标比例最大的一类。"
        "线下、线上授信缺口从无贷转有贷清单选客户（两类都缺时，企业客户补线下、其余补线上）；"
        "非授信缺口从未代发工资的企业入手，以代发带动员工开户。"
    )
    if balanced.empty:
        st.success("范围内的客户经理管户结构均已达标。", icon="✅")
    ui.table(balanced, key="prospect_balanced", title=title("均衡发展"), columns=prospects.COLUMNS["balanced"])
    ui.table(
        candidates,
        key="prospect_candidates",
        title=title("均衡发展候选客户"),
        columns=prospects.COLUMNS["candidates"],
    )

with tabs[5], st.container(key="prospect_followup_box"):
    st.caption("上月列出的名单，本月的数据说明跟进的结果：不必手工填报。")
    limits = followup.thresholds(min_deposit, dormant_months)
    st.markdown(followup.rules_text(limits))
    conversion = followup.by_manager(ctx.run, ctx.month, ctx.branch, manager_id, limits)
    if note := followup.nothing_to_report(ctx.months, ctx.month, ctx.branch):
        st.info(note, icon="ℹ️")
    elif conversion.empty:
        st.info("上月各名单上没有所选范围的客户，或所选支行上月、本月的数据未都上传：本月没有可回看的名单。", icon="ℹ️")
    else:
        for column, (name, pair) in zip(st.columns(4), followup.totals(conversion).items()):
            column.metric(f"{name}：已转化 / 上月名单", followup.total_text(*pair))
        trend = followup.trend(ctx.run, ctx.month, ctx.branch, manager_id, limits)
        st.plotly_chart(
            followup.trend_figure(trend, "各名单转化率（按月，近 12 个月）"),
            width="stretch",
            key="prospect_followup_chart",
        )
        ui.table(
            conversion,
            key="prospect_conversion",
            title=title("名单跟进（按客户经理）"),
            columns=followup.COLUMNS["managers"],
        )
        ui.table(
            followup.followup(ctx.run, ctx.month, ctx.branch, manager_id, limits),
            key="prospect_followup",
            title=title("待跟进客户（上月名单本月未转化）"),
            columns=followup.COLUMNS["followup"],
        )

# Every list comes from ctx.run, masked there in training mode: the workbook needs no masking of its own.
frames = {"no_loan": no_loan, "maturing": maturing, "coverage": coverage, "gaps": gaps, "dormant": dormant}
frames |= {"balanced": balanced, "candidates": candidates}
lists = {key: (prospects.LIST_TITLES[key], frame) for key, frame in frames.items()}
ui.download(
    "下载全部清单（Excel，每张清单一个工作表）",
    lambda: prospects.workbook(lists, ctx.month, scope),
    f"存量客户深挖_{ctx.month}_{ctx.branch or '全条线'}.xlsx",
    "prospect_workbook",
)
