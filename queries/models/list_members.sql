-- The lists that report back (名单跟进, seed 002 客户名单制营销 … 闭环): the customers each prospect
-- list of 存量客户深挖 held at a month (the listing month), and whether the next month's extract
-- shows the list worked (converted), without anyone typing a result.
-- Grain: one row per outcome month, list and customer listed in the month before it.
-- Params: m_first, m_last (YYYY-MM: the outcome months; each is compared with the calendar month
--   before it), b (sub-branch at the listing month; NULL = all), min_deposit (yuan),
--   payroll_deposit (yuan), cash_mgmt_deposit (yuan), dormant_months (months); a table macro:
--   list_members($month, $month, $branch, $min_deposit, $payroll_deposit, $cash_mgmt_deposit, $window_months).
-- The lists at the listing month and what converts them by the outcome month:
--   无贷转有贷  non-credit customers without loans and month-end deposits >= min_deposit;
--              converted: a loan (offline or online balance > 0);
--   到期续贷    customers with a loan whose maturity falls within the outcome month (after the
--              listing month's end, up to the outcome month's end); converted: still a borrower
--              (loan balance > 0); the others are business lost;
--   产品缺口    customers with at least one gap of customer_gaps; converted: uses at least one
--              of the products it lacked (a gap closed);
--   睡眠客户    customers stored and without balances or products (customer_facts.is_active) in
--              each of the dormant_months months up to the listing month (prospect_dormant);
--              converted: active again (a balance or a product).
-- A customer absent from the outcome month's book is not converted (present_now false).
-- Only listing months whose sub-branch has customers stored in the outcome month count: a
--   sub-branch not yet uploaded for the outcome month has nothing to report yet.
-- manager_id, branch, the amounts and gaps are as stored at the listing month.
create or replace macro list_members(m_first, m_last, b, min_deposit, payroll_deposit, cash_mgmt_deposit, dormant_months)
as table
    with listing as materialized (
        select
            * replace (
                cast(loans as decimal(18, 2)) as loans,
                cast(deposits as decimal(18, 2)) as deposits
            )
        from customer_facts
        where
            month >= previous_month(m_first)
            and month <= previous_month(m_last)
            and (b is null or branch = b)
    ),

    -- The sub-branches stored in each outcome month.
    reported as (
        select distinct
            month,
            branch
        from customers
        where
            month >= m_first
            and month <= m_last
    ),

    idle as (
        select
            month,
            customer_id
        from listing
        where not is_active
    ),

    history as (
        select
            month,
            customer_id,
            bool_or(is_active) as is_active
        from customer_facts
        where
            month >= window_first_month(previous_month(m_first), dormant_months)
            and month <= previous_month(m_last)
            and customer_id in (select customer_id from idle)
        group by month, customer_id
    ),

    dormant as (
        select
            i.month,
            i.customer_id
        from idle as i
        inner join history as h
            on
                i.customer_id = h.customer_id
                and i.month >= h.month
                and h.month >= window_first_month(i.month, dormant_months)
        group by i.month, i.customer_id
        having
            count(*) = greatest(cast(dormant_months as integer), 1)
            and not bool_or(h.is_active)
    ),

    gaps as (
        select
            month,
            customer_id,
            branch,
            gaps,
            gap_payroll,
            gap_basic_account,
            gap_cash_mgmt,
            gap_bill_discount,
            gap_intl_settlement,
            gap_credit_card
        from
            customer_gaps(
                previous_month(m_first), previous_month(m_last), b, payroll_deposit, cash_mgmt_deposit
            )
        where gap_count > 0
    ),

    listed as (
        select
            '无贷转有贷' as list,
            1 as list_order,
            l.*,
            null as gaps
        from listing as l
        where
            l.segment = '非授信'
            and l.loans = 0
            and l.deposits >= min_deposit
        union all
        select
            '到期续贷',
            2,
            l.*,
            null
        from listing as l
        where
            l.loans > 0
            and l.loan_maturity > month_end(l.month)
            and l.loan_maturity <= month_end(next_month(l.month))
        union all
        select
            '产品缺口',
            3,
            l.*,
            g.gaps
        from listing as l
        inner join gaps as g on l.month = g.month and l.customer_id = g.customer_id and l.branch = g.branch
        union all
        select
            '睡眠客户',
            4,
            l.*,
            null
        from listing as l
        semi join dormant as d on l.month = d.month and l.customer_id = d.customer_id
    ),

    -- The outcome month's book of the listed customers (a customer in two sub-branches once).
    outcome as (
        select
            month,
            customer_id,
            any_value(manager_id) as manager_id_now,
            sum(loans) as loans_now,
            bool_or(is_active) as active_now,
            bool_or(coalesce(has_payroll, false)) as payroll_now,
            bool_or(coalesce(has_basic_account, false)) as basic_account_now,
            bool_or(coalesce(has_cash_mgmt, false)) as cash_mgmt_now,
            bool_or(coalesce(has_bill_discount, false)) as bill_discount_now,
            bool_or(coalesce(has_intl_settlement, false)) as intl_settlement_now,
            bool_or(coalesce(has_credit_card, false)) as credit_card_now
        from customer_facts
        where
            month >= m_first
            and month <= m_last
            and customer_id in (select customer_id from listing)
        group by month, customer_id
    ),

    judged as (
        select
            next_month(l.month) as month,
            l.month as listing_month,
            l.list,
            l.list_order,
            l.customer_id,
            l.customer_name,
            l.branch,
            l.manager_id,
            l.segment,
            l.customer_kind,
            l.loans,
            l.deposits,
            l.loan_maturity,
            l.gaps,
            l.phone,
            o.customer_id is not null as present_now,
            o.manager_id_now,
            cast(coalesce(o.loans_now, 0) as decimal(18, 2)) as loans_now,
            case l.list
                when '无贷转有贷' then coalesce(o.loans_now > 0, false)
                when '到期续贷' then coalesce(o.loans_now > 0, false)
                when '产品缺口'
                    then
                        coalesce(
                            (g.gap_payroll and o.payroll_now)
                            or (g.gap_basic_account and o.basic_account_now)
                            or (g.gap_cash_mgmt and o.cash_mgmt_now)
                            or (g.gap_bill_discount and o.bill_discount_now)
                            or (g.gap_intl_settlement and o.intl_settlement_now)
                            or (g.gap_credit_card and o.credit_card_now),
                            false
                        )
                else coalesce(o.active_now, false)
            end as converted
        from listed as l
        semi join reported as r on r.month = next_month(l.month) and l.branch = r.branch
        left join outcome as o on o.month = next_month(l.month) and l.customer_id = o.customer_id
        left join gaps as g
            on l.list = '产品缺口' and l.month = g.month and l.customer_id = g.customer_id and l.branch = g.branch
    )

    select *
    from judged
