-- Loans maturing soon: customers whose loan matures within $days days after the last day of
-- the data month, for renewal and for keeping their deposits.
-- Grain: one row per customer of the month with a loan balance and a maturity date in
-- (month end, month end + $days].
-- Params: $month (YYYY-MM), $branch (optional, NULL = all sub-branches),
--   $manager_id (optional, NULL = all managers), $days (number of days after the month end),
--   $limit (optional, NULL = every row; else the first rows in the list's order).
-- list_total: how many rows the whole list holds (also when $limit cuts it short).
-- customer_name and phone are personal data (masked in training mode).
-- Order: maturity date, then loans largest first.
-- Registry (puhui/queries.py): $days, $limit come from the settings unless given.
with book as (
    select *
    from prospect_book($month, $branch, $manager_id)
)

select
    b.customer_id,
    b.customer_name,
    b.branch,
    b.manager_id,
    r.manager_name,
    b.segment,
    b.customer_kind,
    b.loans,
    b.loan_offline,
    b.loan_online,
    b.credit_limit,
    b.loan_maturity,
    cast(date_diff('day', month_end($month), b.loan_maturity) as integer) as days_left,
    b.deposits,
    b.settle_share,
    cast(coalesce(b.overdue, 0) as decimal(18, 2)) as overdue,
    b.phone,
    count(*) over () as list_total
from book as b
left join manager_names($month) as r on b.manager_id = r.manager_id
where
    b.loans > 0
    and b.loan_maturity > month_end($month)
    and b.loan_maturity <= month_end($month) + cast($days as integer)
order by b.loan_maturity asc, b.loans desc, b.customer_id asc
limit $limit
