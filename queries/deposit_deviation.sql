-- Deposit deviation (存款偏离度) per customer for one month: how far the month-end balance
-- stands from the month's daily average.
-- Grain: one row per customer whose extract carries dep_avg (月日均存款) above 0.
-- Params: $month (YYYY-MM), $branch (optional, NULL = all sub-branches), $threshold (optional, NULL = 0.03), $manager_id (optional, NULL = all managers), $top_n (optional, NULL = every row).
-- $top_n keeps the first rows of the order below (flagged first, largest deviation amount
-- first). Sums per manager and sub-branch come from deposit_deviation_summary.
-- The page binds the threshold from settings (deviation_threshold).
-- deviation = (month-end total of the four kinds - dep_avg) / dep_avg: positive when the
-- month-end balance stands above the daily average (deposits pulled in for the month-end
-- figure), negative when below. flagged when |deviation| is strictly above the threshold
-- (compared exactly in decimals).
-- Registry (puhui/queries.py): $threshold, $top_n come from the settings unless given.
with customers_now as (
    select
        customer_id,
        customer_name,
        manager_id,
        branch,
        cast(deposits as decimal(18, 2)) as dep_total,
        dep_avg
    from customer_facts
    where
        month = $month
        and ($branch is null or branch = $branch)
        and ($manager_id is null or manager_id = $manager_id)
        and dep_avg > 0
)

select
    c.customer_id,
    c.customer_name,
    c.manager_id,
    m.manager_name,
    c.branch,
    c.dep_total,
    c.dep_avg,
    cast(c.dep_total - c.dep_avg as decimal(18, 2)) as deviation_amount,
    (c.dep_total - c.dep_avg) / c.dep_avg as deviation,
    abs(c.dep_total - c.dep_avg) > cast(coalesce($threshold, 0.03) as decimal(9, 6)) * c.dep_avg as flagged
from customers_now as c
left join manager_names($month) as m on c.manager_id = m.manager_id
order by flagged desc, abs(c.dep_total - c.dep_avg) desc, c.customer_id
limit coalesce($top_n, 9223372036854775807)
