-- Deposit deviation (存款偏离度) summed per manager for one month: customers with a daily
-- average, how many of them are past the threshold, month-end total and daily average.
-- Grain: one row per manager and sub-branch with at least one customer carrying dep_avg above 0.
-- Params: $month (YYYY-MM), $branch (optional, NULL = all sub-branches), $threshold (optional, NULL = 0.03).
-- Customers and the per-customer flag are those of deposit_deviation; the page sums these
-- rows to sub-branches and computes the deviation of the sums (deposits.deviation_summary).
-- Registry (puhui/queries.py): $threshold come from the settings unless given.
select
    c.manager_id,
    any_value(m.manager_name) as manager_name,
    c.branch,
    count(*) as customers,
    count(*) filter (
        where abs(c.deposits - c.dep_avg) > cast(coalesce($threshold, 0.03) as decimal(9, 6)) * c.dep_avg
    ) as flagged_customers,
    cast(sum(c.deposits) as decimal(18, 2)) as dep_total,
    cast(sum(c.dep_avg) as decimal(18, 2)) as dep_avg
from customer_facts as c
left join manager_names($month) as m on c.manager_id = m.manager_id
where c.month = $month and ($branch is null or c.branch = $branch) and c.dep_avg > 0
group by c.manager_id, c.branch
order by c.branch, c.manager_id
