"""存量客户深挖: lists of existing customers a manager can act on (seed 000), each downloadable."""

from __future__ import annotations

from decimal import Decimal

import streamlit as st

from puhui import export, fmt, masking, prospects, settings, ui

ctx = ui.setup("存量客户深挖", "🎯")

st.title("🎯 存量客户深挖")
ui.explain(
    "先从已有客户里找机会：非授信客户中存款多、代发工资或开了基本户的，是贷款潜客（**无贷转有贷**）；"
    "即将到期的贷款是续贷和留住存款的时机；“**三小一卡**”（票据贴现、国际结算、现金管理、信用卡）"
    "加代发工资、基本户衡量产品覆盖，客户画像显示需要而未开通的列为缺口；连续多月无余额、无产品的客户要激活。"
    f"客户经理管户按 **{settings.get('target_offline')} 线下授信 + {settings.get('target_online')} 线上授信 + "
    f"{settings.get('target_non_credit')} 非授信** 均衡发展，缺哪类就从这些名单里补（拾遗补缺）。"
)

manager_list = ctx.only_present(prospects.managers(ctx.run, ctx.month, ctx.branch), "客户经理")
manager_names = {
    row.manager_id: f"{row.manager_name or row.manager_id}（{row.manager_id}"
    + ("" if ctx.branch else f" · {row.branch}")
    + "）"
    for row in manager_list.itertuples()
}
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

min_deposit = int((Decimal(str(min_deposit_wan)) * fmt.WAN).to_integral_value())
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
if ctx.training:
    # Built from ctx.run's masked lists already; masking again changes nothing.
    balanced, candidates = masking.mask_frame(balanced), masking.mask_frame(candidates)

counts = st.columns(5)
counts[0].metric("无贷转有贷", f"{totals['no_loan']:,} 户")
counts[1].metric(f"{int(days)} 天内到期", f"{totals['maturing']:,} 户")
counts[2].metric("有产品缺口", f"{totals['gaps']:,} 户")
counts[3].metric("睡眠客户", f"{totals['dormant']:,} 户")
if limit is not None and any(total > limit for total in totals.values()):
    st.caption(
        f"未选客户经理时，每张清单列出前 {limit:,} 户（户数为全部）；均衡发展每位客户经理每类列出前 "
        f"{per_manager:,} 户候选客户。选择客户经理可查看并下载其完整清单。"
    )
counts[4].metric("管户结构未达标", f"{len(balanced):,} 人")

tabs = st.tabs(["无贷转有贷", "到期续贷", "产品覆盖与缺口", "睡眠客户", "均衡发展"])

with tabs[0]:
    st.caption(
        f"非授信客户中，月末存款不少于 {fmt.wan(min_deposit)} 万元、或在我行代发工资、或在我行开立基本户的客户，"
        "按存款从多到少排列。"
    )
    ui.table(no_loan, key="prospect_no_loan", title=title("无贷转有贷"), columns=prospects.COLUMNS["no_loan"])

with tabs[1]:
    st.caption(f"贷款到期日在数据月末之后 {int(days)} 天内（含第 {int(days)} 天）且仍有余额的客户，按到期日排列：提前安排续贷，留住存款。")
    ui.table(maturing, key="prospect_maturing", title=title("到期续贷"), columns=prospects.COLUMNS["maturing"])

with tabs[2]:
    total = coverage["customers"].sum()
    if total:
        rates = st.columns(3)
        rates[0].metric("三小一卡覆盖率", fmt.pct(coverage["sanxiao_yika"].sum() / total))
        rates[1].metric("代发工资覆盖率", fmt.pct(coverage["payroll"].sum() / total))
        rates[2].metric("基本户覆盖率", fmt.pct(coverage["basic_account"].sum() / total))
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
    stored = [m for m in ctx.months if m <= ctx.month]
    if len(stored) < int(dormant_months):
        st.info(
            f"截至 {ctx.month} 只存储了 {len(stored)} 个月的管户明细，"
            f"要判断连续 {int(dormant_months)} 个月无余额、无产品，需先导入更早月份的数据。",
            icon="ℹ️",
        )
    st.caption(f"连续 {int(dormant_months)} 个月（含本月）没有贷款、存款、授信额度，也没有任何产品的客户：安排上门或电话激活。")
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

lists = {
    "no_loan": ("无贷转有贷", no_loan),
    "maturing": ("到期续贷", maturing),
    "coverage": ("产品覆盖", coverage),
    "gaps": ("产品缺口", gaps),
    "dormant": ("睡眠客户", dormant),
    "balanced": ("均衡发展", balanced),
    "candidates": ("候选客户", candidates),
}
if ctx.training:
    lists = {key: (name, masking.mask_frame(frame)) for key, (name, frame) in lists.items()}
st.download_button(
    "下载全部清单（Excel，每张清单一个工作表）",
    data=lambda: prospects.workbook(lists, ctx.month, scope),
    file_name=f"存量客户深挖_{ctx.month}_{ctx.branch or '全条线'}.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    key="prospect_workbook",
    on_click="ignore",
    icon="⬇️",
)
