-- The account mix month by month: offline-credit, online-credit and non-credit customers of
-- the line, one sub-branch, or one customer manager (counts only: this query reads every
-- stored month, and balances would double its cost).
-- Grain: one row per stored month (up to $month), oldest first.
-- Params: $month (optional, NULL = every stored month), $branch (optional, NULL = all
--   sub-branches), $manager_id (optional, NULL = every manager; a manager is followed across
--   sub-branches unless $branch is given too).
-- managers: customer managers (role 客户经理 or none) holding customers in scope that month;
--   avg_total = total / managers.
with per_manager as (
    select
        month,
        manager_id,
        sum(offline_credit) as offline_credit,
        sum(online_credit) as online_credit,
        sum(non_credit) as non_credit,
        sum(accounts) as total
    from manager_months
    where
        ($month is null or month <= $month)
        and ($branch is null or branch = $branch)
        and ($manager_id is null or manager_id = $manager_id)
    group by month, manager_id
),

roles as (
    select
        month,
        manager_id,
        any_value(role) as role
    from managers
    group by month, manager_id
),

monthly as (
    -- Aggregated per manager first, so that the role lookup joins thousands of rows, not millions.
    select
        p.month,
        sum(p.offline_credit) as offline_credit,
        sum(p.online_credit) as online_credit,
        sum(p.non_credit) as non_credit,
        sum(p.total) as total,
        count(*) filter (where coalesce(r.role = '客户经理', true)) as managers
    from per_manager as p
    left join roles as r on p.month = r.month and p.manager_id = r.manager_id
    group by p.month
)

select
    month,
    cast(offline_credit as bigint) as offline_credit,
    cast(online_credit as bigint) as online_credit,
    cast(non_credit as bigint) as non_credit,
    cast(total as bigint) as total,
    managers,
    total / nullif(managers, 0) as avg_total
from monthly
order by month
