-- The four kinds of deposit over time: every stored month, per sub-branch, in yuan.
-- Grain: one row per month and sub-branch with customers stored.
-- Params: $branch (optional, NULL = all sub-branches).
select
    month,
    branch,
    customers,
    dep_settlement,
    dep_pure,
    dep_margin,
    dep_savings,
    dep_total
from branch_deposits
where $branch is null or branch = $branch
order by month, branch
