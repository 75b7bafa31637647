-- The four kinds of deposit over time: every stored month, per sub-branch, in yuan.
-- Grain: one row per month and sub-branch with customers stored.
-- Params: $branch (optional, NULL = all sub-branches).
with customers_in_scope as (
    select month, branch, customer_id, dep_settlement, dep_pure, dep_margin, dep_savings
    from customers
    where $branch is null or branch = $branch
)

select
    month,
    branch,
    count(*) as customers,  -- a customer is stored once per month and sub-branch
    cast(sum(coalesce(dep_settlement, 0)) as decimal(18, 2)) as dep_settlement,
    cast(sum(coalesce(dep_pure, 0)) as decimal(18, 2)) as dep_pure,
    cast(sum(coalesce(dep_margin, 0)) as decimal(18, 2)) as dep_margin,
    cast(sum(coalesce(dep_savings, 0)) as decimal(18, 2)) as dep_savings,
    cast(
        sum(
            coalesce(dep_settlement, 0) + coalesce(dep_pure, 0)
            + coalesce(dep_margin, 0) + coalesce(dep_savings, 0)
        ) as decimal(18, 2)
    ) as dep_total
from customers_in_scope
group by month, branch
order by month, branch
