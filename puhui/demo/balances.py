"""The monthly customer snapshots: who is present, in which segment, with what money.

Each month's rows are drawn from the pool (``demo_cust``) by hashes of the customer and the
month: deposits follow a level, a growth and a season with month-to-month noise and a few
large jumps; loans follow their terms; product flags follow a slowly rising take-up.
"""

from __future__ import annotations

from .catalogue import JUMP_MIN_PER_MONTH, JUMP_RATES, PACE_MONTHS
from .context import Builder


def jump_sql(builder: Builder, idx: int) -> tuple[str, str]:
    """SQL for (jump band 0–3, jump amount in yuan) of a customer row ``i`` in month ``idx``."""
    n_at = max(1.0, builder.customers)
    p1, p2, p3 = (max(rate, JUMP_MIN_PER_MONTH / n_at) for rate in JUMP_RATES)
    draw = builder.row_uniform("hm", "jump")
    band = (
        f"case when not jump_ok or {idx} <= join_idx then 0 when {draw} < {p3} then 3 "
        f"when {draw} < {p3 + p2} then 2 when {draw} < {p3 + p2 + p1} then 1 else 0 end"
    )
    size = builder.row_uniform("hm", "jamt")
    amount = (
        f"case band when 3 then 5.6e6 + 9.4e6 * {size} when 2 then 2.3e6 + 2.3e6 * {size} "
        f"when 1 then 1.15e6 + 0.75e6 * {size} else 0 end"
    )
    return band, amount


def take_up_terms(builder: Builder) -> tuple[int, int]:
    """``(offset, span)`` of month ``idx``'s product take-up ``0.85 + 0.15 * (idx + offset) / span``.

    Take-up rises 15 points over a year to 1.0 in the latest month; a shorter window sees
    only its months' share of that rise.
    """
    span = max(builder.n_months, PACE_MONTHS)
    return 1 + span - builder.n_months, span


def month_sql(builder: Builder, idx: int) -> tuple[str, str]:
    """SQL pieces shared by the month's customers and visits: present rows with segment and jump."""
    month = builder.month_names[idx]
    quarter = int(month[:4]) * 4 + (int(month[5:7]) - 1) // 3
    band, _ = jump_sql(builder, idx)
    present = f"""
        select c.*, bm.manager_id, bk.lead_id, bk.vp_id,
            hash(c.hp, {idx}) as hm, hash(c.hp, {quarter}) as hq,
            case when {idx} >= switch_idx then seg1 else seg0 end as seg,
            {band} as band
        from demo_cust c
        join demo_book_month bm on bm.book = c.book and bm.idx = {idx}
        join demo_books bk on bk.book = c.book
        where c.join_idx <= {idx} and c.leave_idx > {idx}
    """
    return month, present


def snapshot_columns(month: str, idx: int, ingest_id: int) -> dict[str, str]:
    """The customers table's columns for month ``idx``: SQL over the drawn levels of the month."""
    month_end = f"(date '{month}-01' + interval 1 month - interval 1 day)::date"
    days = f"extract(day from {month_end})"
    return {
        "month": f"'{month}'",
        "customer_id": "customer_id",
        "customer_name": "customer_name",
        "manager_id": "manager_id",
        "branch": "branch",
        "segment": "seg",
        "customer_kind": "kind",
        "industry": "industry",
        "channel": "channel",
        "grid_id": "grid_id",
        "lon": "lon",
        "lat": "lat",
        "loan_offline": "round(loan_off, 2)",
        "loan_online": "round(loan_on, 2)",
        "credit_limit": """case seg when '线下授信' then
                ceil(off0 * limit_factor / 10000) * 10000 + case when both_loans then on_limit else 0 end
            when '线上授信' then on_limit end""",
        "dep_settlement": "round(t * w_s / w_sum + jamt * js, 2)",
        "dep_pure": "round(t * w_p / w_sum + jamt * (1 - js), 2)",
        "dep_margin": "round(t * w_m / w_sum, 2)",
        "dep_savings": "round(t * w_v / w_sum, 2)",
        "dep_avg": f"""round(case when join_idx = {idx} and {idx} > 0
                then t * (1 + dev) * ({days} - extract(day from open_date) + 1) / {days}
                else t * (1 + dev) + jamt * jfrac end, 2)""",
        "overdue": f"""case when seg <> '非授信' and {idx} >= overdue_idx
            then round((loan_off + loan_on) * overdue_rate, 2) else 0 end""",
        "has_payroll": "f_payroll < take_up",
        "has_bill_discount": "f_discount < take_up",
        "has_intl_settlement": "f_intl < take_up",
        "has_cash_mgmt": "f_cash < take_up",
        "has_credit_card": "f_card < take_up",
        "has_basic_account": "f_basic < take_up",
        "loan_share": "case when seg <> '非授信' then loan_share end",
        "settle_share": """case when seg = '非授信' then null
            when settle_low then round(loan_share * (0.1 + 0.8 * u_settle), 4)
            else round(loan_share + (1 - loan_share) * u_settle, 4) end""",
        "loan_maturity": "maturity",
        "open_date": "open_date",
        "phone": "phone",
        "id_number": "id_number",
        "ingest_id": str(int(ingest_id)),
    }


def insert_customers(builder: Builder, idx: int, ingest_id: int) -> None:
    """One month's customer snapshot."""
    month, present = month_sql(builder, idx)
    uniform, normal = builder.row_uniform, builder.row_normal
    _, jump_amount = jump_sql(builder, idx)
    mon = int(month[5:7])
    offset, span = take_up_terms(builder)
    season = {3: 1.04, 6: 1.04, 9: 1.04, 12: 1.05, 1: 1.02}.get(mon, 1.0)
    month_end = f"(date '{month}-01' + interval 1 month - interval 1 day)::date"
    step = str(idx)
    exprs = snapshot_columns(month, idx, ingest_id)
    sql = f"""
    with p as ({present}),
    q as (
        select p.*,
            dep0 * pow(1 + growth, {step} - {builder.last}) * {season}
                * (1 + 0.045 * {normal("hm", "dm")}) as t,
            {jump_amount} as jamt,
            case when {uniform("hm", "js")} < 0.6 then 1 else 0 end as js,
            0.05 + 0.55 * {uniform("hm", "jf")} as jfrac,
            case when {uniform("hm", "dv")} < 0.05 then -(0.04 + 0.12 * {uniform("hm", "dvx")})
                 when {uniform("hm", "dv")} < 0.065 then 0.04 + 0.08 * {uniform("hm", "dvx")}
                 else least(0.028, greatest(-0.028, 0.01 * {normal("hm", "dvz")})) end as dev,
            greatest(w_s + w_p + w_m + w_v, 1e-9) as w_sum,
            0.85 + 0.15 * ({idx} + {offset}) / {span} as take_up,
            case when seg = '线上授信' and not (seg0 = '线下授信') then 365 else term_off end as term,
            {month_end} as month_end
        from p
    ),
    m as (
        select q.*,
            case when seg = '非授信' then null
                 else anchor + (ceil((month_end - anchor + 1) / term) * term)::int end as maturity
        from q
    ),
    l as (
        select m.*,
            case when seg = '线下授信'
                 then off0 * (1 - amort * (1 - (maturity - month_end) / term)) else 0 end as loan_off,
            case when seg = '线上授信' or (seg = '线下授信' and both_loans)
                 then on_limit * (0.25 + 0.75 * {uniform("hm", "lu")}) else 0 end as loan_on
        from m
    )
    select {", ".join(f"{v} as {k}" for k, v in exprs.items())} from l
    """
    builder.insert("customers", exprs, sql)
