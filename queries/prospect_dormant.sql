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
with book as materialized (
    select *
    from prospect_book($month, $branch, $manager_id)
),

-- Only customers idle this month can be dormant: the window's history is read for them alone.
idle as (
    select customer_id
    from book
    where not is_active
),

-- The window's months only, bounded by a value computed from the parameters alone (not a
-- join), so that DuckDB skips the older months' row groups of a long history.
window_summary as (
    select
        customer_id,
        count(distinct month) as months_stored,
        count(*) filter (where is_active) as active_rows
    from customer_facts
    where
        month <= $month
        and month >= window_first_month($month, $window_months)
        and customer_id in (select customer_id from idle)
    group by customer_id
),

dormant as (
    select customer_id
    from window_summary
    where active_rows = 0 and months_stored = greatest(cast($window_months as integer), 1)
),

-- Dormant through the window, so the last active month lies before it: look there, and
-- only for the (few) dormant customers.
last_active as (
    select
        customer_id,
        max(month) as last_active_month
    from customer_facts
    where
        month < window_first_month($month, $window_months)
        and customer_id in (select customer_id from dormant)
        and is_active
    group by customer_id
)

select
    b.customer_id,
    b.customer_name,
    b.branch,
    b.manager_id,
    r.manager_name,
    b.segment,
    b.customer_kind,
    b.industry,
    b.open_date,
    la.last_active_month,
    b.phone,
    count(*) over () as list_total
from book as b
inner join dormant as d on b.customer_id = d.customer_id
left join last_active as la on b.customer_id = la.customer_id
left join manager_names($month) as r on b.manager_id = r.manager_id
order by la.last_active_month nulls first, b.customer_id
limit $limit
