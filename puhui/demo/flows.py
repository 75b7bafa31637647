"""What came in per sub-branch and month (``demo_flows``): the book's levels, the newcomers
with their money and the products taken up, which the activities share out and the targets
are set from."""

from __future__ import annotations

from datetime import date

import pandas as pd

from .balances import take_up_terms
from .catalogue import month_weight
from .context import Builder


def build_months(builder: Builder) -> None:
    """``demo_months``: each month's index, weight (in tenths) and first day."""
    builder.frame(
        "demo_months",
        pd.DataFrame(
            [
                {
                    "idx": idx,
                    "month": m,
                    "w10": round(10 * month_weight(m)),
                    "first_day": date(int(m[:4]), int(m[5:7]), 1),
                }
                for idx, m in enumerate(builder.month_names)
            ]
        ),
    )


def first_month_flows(builder: Builder) -> dict[str, str]:
    """SQL for the first month's flows, which have no earlier snapshot to come from."""
    # The later months' pace per unit of month weight, or for a one-month demo a nominal
    # 1.5 % of the book a month whose newcomers look like the book's average customer.
    if builder.n_months > 1:
        return {
            "accounts": "r.accounts * fl.w",
            "basic": "r.basic * fl.w",
            "payroll": "r.payroll * fl.w",
            "deposits": "r.deposits * fl.w",
            "loans": "r.loans * fl.w",
        }
    return {
        "accounts": "fl.n * 0.015 * fl.w",
        "basic": "fl.n * 0.015 * fl.w * 0.4",
        "payroll": "fl.n * 0.015 * fl.w * 0.15",
        "deposits": "fl.dep * 0.015 * fl.w",
        "loans": "fl.loans * 0.015 * fl.w * 0.8",
    }


def taken_up(builder: Builder, flag: str) -> str:
    """SQL for the month a customer takes up a product.

    Its draw f is below the take-up from month floor((f - a) / b) + 1 on (a + b * idx is the
    take-up), or from joining if later.
    """
    offset, span = take_up_terms(builder)
    intercept, slope = 0.85 + 0.15 * offset / span, 0.15 / span
    return f"greatest(join_idx, greatest(0, floor(({flag} - {intercept!r}) / {slope!r}) + 1)::int)"


def build_flows(builder: Builder) -> None:
    """Per sub-branch and month: the book's levels and what came in that month (``demo_flows``).

    Activities hand out these flows and the targets are set from them, so that the campaign
    page's 新开户数 and 新增存款 match the customers who actually joined. What came in: the
    customers who opened their account that month with their deposits and loans (up to
    5 m yuan each), and the customers who took up a basic account or payroll that month.
    The first month has no earlier snapshot; its flows follow the later months' pace (or a
    nominal 1.5 % of the book for a one-month demo).
    """
    build_months(builder)
    first = first_month_flows(builder)
    total = "c.dep_settlement + c.dep_pure + c.dep_margin + c.dep_savings"
    builder.temp(
        "demo_flows",
        f"""
        with taken as (
            select branch, idx, count(*) filter (where product = 'basic') as new_basic,
                count(*) filter (where product = 'payroll') as new_payroll
            from (
                select branch, 'basic' as product, {taken_up(builder, "f_basic")} as idx, leave_idx from demo_cust
                union all
                select branch, 'payroll', {taken_up(builder, "f_payroll")}, leave_idx from demo_cust
            ) t
            where idx >= 1 and idx < leave_idx and idx <= {builder.last}
            group by branch, idx
        ),
        lv as (
            select c.branch, m.idx, any_value(m.w10) as w10, any_value(m.w10) / 10 as w,
                count(*) as n,
                count(*) filter (where c.segment = '线下授信') as n_off,
                count(*) filter (where c.segment = '线上授信') as n_on,
                count(*) filter (where c.segment = '非授信') as n_non,
                sum(c.dep_settlement) as dep_s, sum(c.dep_pure) as dep_p,
                sum(c.dep_margin) as dep_m, sum(c.dep_savings) as dep_v,
                sum({total}) as dep,
                sum(c.loan_offline + c.loan_online) as loans,
                -- newcomers: their account opened in the month of the snapshot; money beyond
                -- 5 m yuan a customer comes by the head office rather than by a salon
                count(*) filter (where c.open_date >= m.first_day) as joined,
                coalesce(sum(least({total}, 5000000)) filter (where c.open_date >= m.first_day), 0)
                    as joined_dep,
                coalesce(sum(least(c.loan_offline + c.loan_online, 5000000))
                    filter (where c.open_date >= m.first_day), 0) as joined_loans
            from customers c join demo_months m on m.month = c.month
            group by c.branch, m.idx
        ),
        d as (
            select lv.*, coalesce(tk.new_basic, 0) as new_basic, coalesce(tk.new_payroll, 0) as new_payroll
            from lv left join taken tk on tk.branch = lv.branch and tk.idx = lv.idx
        ),
        r as (
            -- month weights are summed in whole tenths, exactly, whatever the order
            select branch, sum(joined) / (sum(w10) / 10) as accounts,
                sum(new_basic) / (sum(w10) / 10) as basic, sum(new_payroll) / (sum(w10) / 10) as payroll,
                sum(joined_dep) / (sum(w10) / 10) as deposits, sum(joined_loans) / (sum(w10) / 10) as loans
            from d where idx >= 1 group by branch
        )
        select fl.*,
            case when fl.idx = 0 then {first["accounts"]} else fl.joined end::double as f_accounts,
            case when fl.idx = 0 then {first["basic"]} else fl.new_basic end::double as f_basic,
            case when fl.idx = 0 then {first["payroll"]} else fl.new_payroll end::double as f_payroll,
            case when fl.idx = 0 then {first["deposits"]} else fl.joined_dep end::double as f_deposits,
            case when fl.idx = 0 then {first["loans"]} else fl.joined_loans end::double as f_loans
        from d fl left join r on r.branch = fl.branch
        """,
    )
