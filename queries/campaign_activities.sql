-- The marketing activities held in the year of one data month, up to the end of that month,
-- each with its results (new accounts, basic accounts, payroll customers, deposits, loans).
-- Grain: one row per stored activity, in date order.
-- Params: $month (YYYY-MM), $branch (optional, NULL = all sub-branches).
with activities_in_year as (
    select
        activity_date,
        month,
        activity_name,
        branch,
        nullif(trim(manager_id), '') as manager_id,
        nullif(trim(grid_id), '') as grid_id,
        coalesce(new_accounts, 0) as new_accounts,
        coalesce(new_basic_accounts, 0) as new_basic_accounts,
        coalesce(new_payroll, 0) as new_payroll,
        cast(coalesce(new_deposits, 0) as decimal(18, 2)) as new_deposits,
        cast(coalesce(new_loans, 0) as decimal(18, 2)) as new_loans
    from activities
    where
        month >= left($month, 4) || '-01'
        and month <= $month
        and ($branch is null or branch = $branch)
),

manager_names as (
    -- the name on the latest roster up to the data month
    select
        manager_id,
        arg_max(manager_name, month) as manager_name
    from managers
    where month <= $month
    group by manager_id
)

select
    a.activity_date,
    a.month,
    a.activity_name,
    a.branch,
    a.manager_id,
    n.manager_name,
    a.grid_id,
    a.new_accounts,
    a.new_basic_accounts,
    a.new_payroll,
    a.new_deposits,
    a.new_loans
from activities_in_year as a
left join manager_names as n on a.manager_id = n.manager_id
order by a.activity_date, a.branch, a.activity_name
