-- Deposit deviation (存款偏离度) summed per manager for one month: customers with a daily
-- average, how many of them are past the threshold, month-end total and daily average.
-- Grain: one row per manager and sub-branch with at least one customer carrying dep_avg above 0.
-- Params: $month (YYYY-MM), $branch (optional, NULL = all sub-branches), $threshold (optional, NULL = 0.03).
-- Customers and the per-customer flag are those of deposit_deviation; the page sums these
-- rows to sub-branches and computes the deviation of the sums (deposits.deviation_summary).
-- Registry (puhui/queries.py): $threshold come from the settings unless given.
with customers_now as (
    select
        manager_id,
        branch,
        cast(
            coalesce(dep_settlement, 0) + coalesce(dep_pure, 0)
            + coalesce(dep_margin, 0) + coalesce(dep_savings, 0)
            as decimal(18, 2)
        ) as dep_total,
        dep_avg
    from customers
    where month = $month and ($branch is null or branch = $branch) and dep_avg > 0
),

managers_now as (
    select manager_id, any_value(manager_name) as manager_name
    from managers
    where month = $month
    group by manager_id
)

select
    c.manager_id,
    any_value(m.manager_name) as manager_name,
    c.branch,
    count(*) as customers,
    count(*) filter (
        where abs(c.dep_total - c.dep_avg) > cast(coalesce($threshold, 0.03) as decimal(9, 6)) * c.dep_avg
    ) as flagged_customers,
    cast(sum(c.dep_total) as decimal(18, 2)) as dep_total,
    cast(sum(c.dep_avg) as decimal(18, 2)) as dep_avg
from customers_now as c
left join managers_now as m on m.manager_id = c.manager_id
group by c.manager_id, c.branch
order by c.branch, c.manager_id
