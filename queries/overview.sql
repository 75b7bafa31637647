-- The scorecard of the line (or of one sub-branch) for one month: each measure's actual,
-- annual target, time progress (序时进度), completion, month-on-month and year-start change.
-- Grain: one row per measure (metric, in display order): 管户数, 线下授信户数, 线上授信户数,
--   非授信户数, 贷款余额, 存款余额 (the contract's metric names, with targets), then 逾期金额,
--   逾期率 and 客户经理人数 (no targets).
-- Params: $month (YYYY-MM), $branch (optional, NULL = the whole line),
--   $default_offline (optional, NULL = 25 accounts), $default_online (optional, NULL = 30),
--   $default_non_credit (optional, NULL = 50), $default_total (optional, NULL = 100),
--   $default_loans (optional, NULL = 100000000 yuan), $default_deposits (optional, NULL = 100000000 yuan).
-- Units: 户 (accounts), 元 (yuan), 比率 (0-1), 人 (customer managers).
-- Time progress: days of the year elapsed at the month's last day / days in the year.
-- Targets for the month's year: the line's uploaded target (no sub-branch, no manager), else
--   the sum over sub-branches; a sub-branch's uploaded target, else the sum over its managers;
--   a manager's uploaded target, else the per-manager default for customer managers (role
--   客户经理 or none). Managers: the month's roster plus anyone holding customers in scope.
-- Changes: mom_change vs the calendar month before, ytd_change vs December of the previous
--   year (较年初); NULL when that month has no customers stored in scope.
with calendar as (
    select
        strftime(cast($month || '-01' as date) - interval 1 month, '%Y-%m') as previous_month,
        printf('%04d-12', cast(left($month, 4) as integer) - 1) as year_start_month,
        cast(left($month, 4) as integer) as target_year,
        dayofyear(last_day(cast($month || '-01' as date)))
        / dayofyear(make_date(cast(left($month, 4) as integer), 12, 31)) as time_progress
),

measures as (
    select *
    from (
        values
        ('管户数', 1, '户', cast(coalesce($default_total, 100) as decimal(18, 2))),
        ('线下授信户数', 2, '户', cast(coalesce($default_offline, 25) as decimal(18, 2))),
        ('线上授信户数', 3, '户', cast(coalesce($default_online, 30) as decimal(18, 2))),
        ('非授信户数', 4, '户', cast(coalesce($default_non_credit, 50) as decimal(18, 2))),
        ('贷款余额', 5, '元', cast(coalesce($default_loans, 100000000) as decimal(18, 2))),
        ('存款余额', 6, '元', cast(coalesce($default_deposits, 100000000) as decimal(18, 2))),
        ('逾期金额', 7, '元', null),
        ('逾期率', 8, '比率', null),
        ('客户经理人数', 9, '人', null)
    ) as m (metric, position, unit, default_per_manager)
),

customer_rows as (
    select
        month,
        manager_id,
        branch,
        coalesce(
            segment,
            case
                when loan_offline > 0 then '线下授信'
                when loan_online > 0 then '线上授信'
                else '非授信'
            end
        ) as segment,
        coalesce(loan_offline, 0) + coalesce(loan_online, 0) as loans,
        coalesce(dep_settlement, 0) + coalesce(dep_pure, 0)
        + coalesce(dep_margin, 0) + coalesce(dep_savings, 0) as deposits,
        coalesce(overdue, 0) as overdue
    from customers
    -- A plain list of values lets DuckDB skip the other months' row groups.
    where
        month in (
            $month,
            strftime(cast($month || '-01' as date) - interval 1 month, '%Y-%m'),
            printf('%04d-12', cast(left($month, 4) as integer) - 1)
        )
        and ($branch is null or branch = $branch)
),

roles as (
    select month, manager_id, any_value(role) as role
    from managers
    where
        month in (
            $month,
            strftime(cast($month || '-01' as date) - interval 1 month, '%Y-%m'),
            printf('%04d-12', cast(left($month, 4) as integer) - 1)
        )
    group by month, manager_id
),

people as (
    select month, manager_id, branch
    from managers
    where
        month in (
            $month,
            strftime(cast($month || '-01' as date) - interval 1 month, '%Y-%m'),
            printf('%04d-12', cast(left($month, 4) as integer) - 1)
        )
        and ($branch is null or branch = $branch)
    union
    select month, manager_id, branch from customer_rows
),

staff as (
    select
        p.month,
        p.manager_id,
        p.branch,
        coalesce(r.role = '客户经理', true) as is_manager
    from people as p
    left join roles as r on r.month = p.month and r.manager_id = p.manager_id
),

totals as (
    select
        month,
        count(*) as accounts,
        count(*) filter (where segment = '线下授信') as offline_credit,
        count(*) filter (where segment = '线上授信') as online_credit,
        count(*) filter (where segment = '非授信') as non_credit,
        sum(loans) as loans,
        sum(deposits) as deposits,
        sum(overdue) as overdue
    from customer_rows
    group by month
),

headcount as (
    select month, count(distinct manager_id) filter (where is_manager) as managers
    from staff
    where month in (select month from totals)
    group by month
),

values_by_month as (
    select month, '管户数' as metric, cast(accounts as decimal(38, 6)) as value from totals
    union all
    select month, '线下授信户数', cast(offline_credit as decimal(38, 6)) from totals
    union all
    select month, '线上授信户数', cast(online_credit as decimal(38, 6)) from totals
    union all
    select month, '非授信户数', cast(non_credit as decimal(38, 6)) from totals
    union all
    select month, '贷款余额', cast(loans as decimal(38, 6)) from totals
    union all
    select month, '存款余额', cast(deposits as decimal(38, 6)) from totals
    union all
    select month, '逾期金额', cast(overdue as decimal(38, 6)) from totals
    union all
    select month, '逾期率', cast(cast(overdue as double) / nullif(cast(loans as double), 0) as decimal(38, 6)) from totals
    union all
    select month, '客户经理人数', cast(managers as decimal(38, 6)) from headcount
),

uploaded as (
    select branch, manager_id, metric, target
    from targets
    where year = (select target_year from calendar)
),

manager_uploaded as (
    select manager_id, metric, max(target) as target
    from uploaded
    where manager_id is not null
    group by manager_id, metric
),

branch_uploaded as (
    select branch, metric, max(target) as target
    from uploaded
    where manager_id is null and branch is not null and ($branch is null or branch = $branch)
    group by branch, metric
),

line_uploaded as (
    select metric, max(target) as target
    from uploaded
    where manager_id is null and branch is null
    group by metric
),

staff_now as (
    select distinct manager_id, branch, is_manager
    from staff
    where month = $month
),

manager_level as (
    select
        s.branch,
        m.metric,
        sum(coalesce(mu.target, case when s.is_manager then m.default_per_manager end)) as target
    from staff_now as s
    cross join measures as m
    left join manager_uploaded as mu on mu.manager_id = s.manager_id and mu.metric = m.metric
    where m.default_per_manager is not null
    group by s.branch, m.metric
),

scope_branches as (
    select branch from staff_now
    union
    select branch from branch_uploaded
),

branch_level as (
    select
        sb.branch,
        m.metric,
        coalesce(bu.target, ml.target) as target
    from scope_branches as sb
    cross join measures as m
    left join branch_uploaded as bu on bu.branch = sb.branch and bu.metric = m.metric
    left join manager_level as ml on ml.branch = sb.branch and ml.metric = m.metric
    where m.default_per_manager is not null
),

scope_targets as (
    select
        m.metric,
        case
            when $branch is null then coalesce(lu.target, sum(bl.target))
            else sum(bl.target)
        end as target
    from measures as m
    left join branch_level as bl on bl.metric = m.metric
    left join line_uploaded as lu on lu.metric = m.metric
    where m.default_per_manager is not null
    group by m.metric, lu.target
)

select
    m.metric,
    m.unit,
    cur.value as actual,
    cast(st.target as decimal(38, 6)) as target,
    c.time_progress,
    cast(cur.value as double) / nullif(cast(st.target as double), 0) as completion,
    cast(cur.value as double) / nullif(cast(st.target as double), 0) - c.time_progress as progress_gap,
    cur.value - prev.value as mom_change,
    cur.value - ys.value as ytd_change
from measures as m
cross join calendar as c
left join values_by_month as cur on cur.metric = m.metric and cur.month = $month
left join values_by_month as prev on prev.metric = m.metric and prev.month = c.previous_month
left join values_by_month as ys on ys.metric = m.metric and ys.month = c.year_start_month
left join scope_targets as st on st.metric = m.metric
order by m.position
