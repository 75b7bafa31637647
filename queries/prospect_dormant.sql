-- Dormant customers: customers still in the book who had no balances (loans, deposits, daily
-- average, credit limit) and no products (payroll, basic account, 三小一卡) in each of the
-- last $window_months months up to the data month.
-- Grain: one row per customer of the month stored, and dormant, in every month of the window
-- (a customer missing from a month of the window, or a window reaching before the stored
-- months, is not listed: the data cannot show the customer dormant for that long).
-- Params: $month (YYYY-MM), $branch (optional, NULL = all sub-branches),
--   $manager_id (optional, NULL = all managers), $window_months (number of months, >= 1),
--   $limit (optional, NULL = every row; else the first rows in the list's order).
-- list_total: how many rows the whole list holds (also when $limit cuts it short).
-- last_active_month: the latest stored month up to $month in which the customer had a balance
-- or a product (NULL = none stored).
-- customer_name and phone are personal data (masked in training mode).
-- Order: last active month (never active first), then customer id.
-- Registry (puhui/queries.py): $window_months, $limit come from the settings unless given.
with calendar as (
    select strftime(
        cast($month || '-01' as date) - to_months(greatest(cast($window_months as integer), 1) - 1),
        '%Y-%m'
    ) as first_month,
    greatest(cast($window_months as integer), 1) as window_months
),

book as (
    select *
    from customers
    where
        month = $month
        and ($branch is null or branch = $branch)
        and ($manager_id is null or manager_id = $manager_id)
),

-- Only customers idle this month can be dormant: the window's history is read for them alone.
idle as (
    select customer_id
    from book
    where not (
        coalesce(loan_offline, 0) > 0 or coalesce(loan_online, 0) > 0
        or coalesce(credit_limit, 0) > 0
        or coalesce(dep_settlement, 0) > 0 or coalesce(dep_pure, 0) > 0
        or coalesce(dep_margin, 0) > 0 or coalesce(dep_savings, 0) > 0
        or coalesce(dep_avg, 0) > 0
        or coalesce(has_payroll, false) or coalesce(has_basic_account, false)
        or coalesce(has_bill_discount, false) or coalesce(has_intl_settlement, false)
        or coalesce(has_cash_mgmt, false) or coalesce(has_credit_card, false)
    )
),

-- The window's months only, bounded by a value computed from the parameters alone (not a
-- join), so that DuckDB skips the older months' row groups of a long history.
window_rows as (
    select
        customer_id,
        month,
        (
            coalesce(loan_offline, 0) > 0 or coalesce(loan_online, 0) > 0
            or coalesce(credit_limit, 0) > 0
            or coalesce(dep_settlement, 0) > 0 or coalesce(dep_pure, 0) > 0
            or coalesce(dep_margin, 0) > 0 or coalesce(dep_savings, 0) > 0
            or coalesce(dep_avg, 0) > 0
            or coalesce(has_payroll, false) or coalesce(has_basic_account, false)
            or coalesce(has_bill_discount, false) or coalesce(has_intl_settlement, false)
            or coalesce(has_cash_mgmt, false) or coalesce(has_credit_card, false)
        ) as active
    from customers
    where
        month <= $month
        and month >= strftime(
            cast($month || '-01' as date) - to_months(greatest(cast($window_months as integer), 1) - 1),
            '%Y-%m'
        )
        and customer_id in (select customer_id from idle)
),

window_summary as (
    select
        customer_id,
        count(distinct month) as months_stored,
        count(*) filter (where active) as active_rows
    from window_rows
    group by customer_id
),

dormant as (
    select w.customer_id
    from window_summary as w
    cross join calendar as c
    where w.active_rows = 0 and w.months_stored = c.window_months
),

-- Dormant through the window, so the last active month lies before it: look there, and
-- only for the (few) dormant customers.
last_active as (
    select customer_id, max(month) as last_active_month
    from customers
    where
        month < strftime(
            cast($month || '-01' as date) - to_months(greatest(cast($window_months as integer), 1) - 1),
            '%Y-%m'
        )
        and customer_id in (select customer_id from dormant)
        and (
            coalesce(loan_offline, 0) > 0 or coalesce(loan_online, 0) > 0
            or coalesce(credit_limit, 0) > 0
            or coalesce(dep_settlement, 0) > 0 or coalesce(dep_pure, 0) > 0
            or coalesce(dep_margin, 0) > 0 or coalesce(dep_savings, 0) > 0
            or coalesce(dep_avg, 0) > 0
            or coalesce(has_payroll, false) or coalesce(has_basic_account, false)
            or coalesce(has_bill_discount, false) or coalesce(has_intl_settlement, false)
            or coalesce(has_cash_mgmt, false) or coalesce(has_credit_card, false)
        )
    group by customer_id
),

roster as (
    select manager_id, any_value(manager_name) as manager_name
    from managers
    where month = $month
    group by manager_id
)

select
    b.customer_id,
    b.customer_name,
    b.branch,
    b.manager_id,
    r.manager_name,
    coalesce(
        b.segment,
        case
            when b.loan_offline > 0 then '线下授信'
            when b.loan_online > 0 then '线上授信'
            else '非授信'
        end
    ) as segment,
    b.customer_kind,
    b.industry,
    b.open_date,
    la.last_active_month,
    b.phone,
    count(*) over () as list_total
from book as b
inner join dormant as d on d.customer_id = b.customer_id
left join last_active as la on la.customer_id = b.customer_id
left join roster as r on r.manager_id = b.manager_id
order by la.last_active_month nulls first, b.customer_id
limit $limit
