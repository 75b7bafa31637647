-- The overdue customers (逾期欠息) of a month, for follow-up: each with its overdue, the share of
-- its loans overdue, and whether it is new this month (not overdue, or not present, in the
-- calendar month before) or continuing.
-- Grain: one row per customer of the month (and sub-branch) with overdue > 0.
-- Params: $month (YYYY-MM), $branch (optional, NULL = all sub-branches),
--   $manager_id (optional, NULL = all managers).
-- is_new: NULL when the month before is not stored for the sub-branch; prev_overdue: the
--   customer's overdue in the month before (0 when stored without overdue or not present).
-- customer_name and phone are personal data (masked in training mode).
-- Order: new first, then overdue largest first, then customer id.
select
    o.customer_id,
    o.customer_name,
    o.branch,
    o.manager_id,
    r.manager_name,
    o.segment,
    o.customer_kind,
    o.loans,
    o.overdue,
    cast(o.overdue as double) / nullif(cast(o.loans as double), 0) as overdue_of_loans,
    o.prev_overdue,
    o.is_new,
    o.loan_maturity,
    o.phone
from overdue_customers($month, $month, $branch) as o
left join manager_names($month) as r on o.manager_id = r.manager_id
where $manager_id is null or o.manager_id = $manager_id
order by o.is_new desc nulls last, o.overdue desc, o.customer_id asc
