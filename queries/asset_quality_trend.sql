-- Asset quality over the months: loans, overdue, the overdue rate, the overdue customers and
-- the new ones, per sub-branch and for the scope as a whole, in the 24 months up to $month.
-- Grain: one row per stored month and sub-branch, plus one per month with branch NULL (the
--   scope: every sub-branch stored that month).
-- Params: $month (YYYY-MM, the last month), $branch (optional, NULL = all sub-branches),
--   $control_rate (0-1).
-- overdue_rate = overdue / loans (DOUBLE), NULL without loans. new_overdue_customers: overdue now,
--   not overdue or not present in the calendar month before (overdue_customers); NULL for a
--   sub-branch without the month before stored, and for the scope when no sub-branch has it
--   (else the count over the sub-branches that have it).
-- Order: month, then the scope's row first, then sub-branch.
-- Registry (puhui/queries.py): $control_rate comes from the setting overdue_control_rate unless given.
with books as (
    select
        month,
        branch,
        sum(loans) as loans,
        sum(coalesce(overdue, 0)) as overdue,
        count(*) filter (where overdue > 0) as overdue_customers
    from customer_facts
    where
        month >= window_first_month($month, 24)
        and month <= $month
        and ($branch is null or branch = $branch)
    group by month, branch
),

fresh as (
    select
        month,
        branch,
        count(*) filter (where is_new) as new_overdue_customers
    from overdue_customers(window_first_month($month, 24), $month, $branch)
    group by month, branch
),

previous_stored as (
    select distinct
        month,
        branch
    from customers
    where
        month >= previous_month(window_first_month($month, 24))
        and month < $month
),

per_branch as (
    select
        k.month,
        k.branch,
        k.loans,
        k.overdue,
        k.overdue_customers,
        case when p.branch is not null then coalesce(f.new_overdue_customers, 0) end as new_overdue_customers
    from books as k
    left join fresh as f on k.month = f.month and k.branch = f.branch
    left join previous_stored as p on k.branch = p.branch and p.month = previous_month(k.month)
),

both_levels as (
    select
        month,
        branch,
        loans,
        overdue,
        overdue_customers,
        new_overdue_customers
    from per_branch
    union all
    select
        month,
        null,
        sum(loans),
        sum(overdue),
        sum(overdue_customers),
        sum(new_overdue_customers)
    from per_branch
    group by month
)

select
    month,
    branch,
    cast(loans as decimal(18, 2)) as loans,
    cast(overdue as decimal(18, 2)) as overdue,
    cast(overdue as double) / nullif(cast(loans as double), 0) as overdue_rate,
    cast($control_rate as double) as control_rate,
    cast(overdue_customers as bigint) as overdue_customers,
    cast(new_overdue_customers as bigint) as new_overdue_customers
from both_levels
order by month, branch nulls first
