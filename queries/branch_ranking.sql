-- Sub-branches ranked on the scorecard's measures for one month: the overview's figures
-- (actual, target, time progress, completion, month-on-month and year-start change) per
-- sub-branch, with each sub-branch's rank on each measure.
-- Grain: one row per sub-branch and measure (metric); the measures and units are those of
--   overview.sql. Sub-branches: those with managers or customers this month, or an uploaded
--   target for the year.
-- Params: $month (YYYY-MM),
--   $default_offline (optional, NULL = 25 accounts), $default_online (optional, NULL = 30),
--   $default_non_credit (optional, NULL = 50), $default_total (optional, NULL = 100),
--   $default_loans (optional, NULL = 100000000 yuan), $default_deposits (optional, NULL = 100000000 yuan).
-- Targets: the sub-branch's uploaded target for the year, else the sum over its managers (a
--   manager's uploaded target, else the per-manager default for customer managers).
-- Rank (1 = best): measures with a target by completion, highest first (a sub-branch without a
--   target last); 逾期金额 and 逾期率 lowest first; 客户经理人数 highest first; ties share a rank.
-- Changes: NULL when the sub-branch has no customers stored in the base month.
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
    where
        month in (
            $month,
            strftime(cast($month || '-01' as date) - interval 1 month, '%Y-%m'),
            printf('%04d-12', cast(left($month, 4) as integer) - 1)
        )
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
        branch,
        count(*) as accounts,
        count(*) filter (where segment = '线下授信') as offline_credit,
        count(*) filter (where segment = '线上授信') as online_credit,
        count(*) filter (where segment = '非授信') as non_credit,
        sum(loans) as loans,
        sum(deposits) as deposits,
        sum(overdue) as overdue
    from customer_rows
    group by month, branch
),

headcount as (
    select s.month, s.branch, count(distinct s.manager_id) filter (where s.is_manager) as managers
    from staff as s
    semi join totals as t on t.month = s.month and t.branch = s.branch
    group by s.month, s.branch
),

values_by_month as (
    select month, branch, '管户数' as metric, cast(accounts as decimal(38, 6)) as value from totals
    union all
    select month, branch, '线下授信户数', cast(offline_credit as decimal(38, 6)) from totals
    union all
    select month, branch, '线上授信户数', cast(online_credit as decimal(38, 6)) from totals
    union all
    select month, branch, '非授信户数', cast(non_credit as decimal(38, 6)) from totals
    union all
    select month, branch, '贷款余额', cast(loans as decimal(38, 6)) from totals
    union all
    select month, branch, '存款余额', cast(deposits as decimal(38, 6)) from totals
    union all
    select month, branch, '逾期金额', cast(overdue as decimal(38, 6)) from totals
    union all
    select month, branch, '逾期率', cast(cast(overdue as double) / nullif(cast(loans as double), 0) as decimal(38, 6)) from totals
    union all
    select month, branch, '客户经理人数', cast(managers as decimal(38, 6)) from headcount
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
    where manager_id is null and branch is not null
    group by branch, metric
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

branch_targets as (
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

scored as (
    select
        sb.branch,
        m.metric,
        m.unit,
        m.position,
        m.default_per_manager is not null as has_target,
        cur.value as actual,
        cast(bt.target as decimal(38, 6)) as target,
        c.time_progress,
        cast(cur.value as double) / nullif(cast(bt.target as double), 0) as completion,
        cur.value - prev.value as mom_change,
        cur.value - ys.value as ytd_change
    from scope_branches as sb
    cross join measures as m
    cross join calendar as c
    left join values_by_month as cur
        on cur.branch = sb.branch and cur.metric = m.metric and cur.month = $month
    left join values_by_month as prev
        on prev.branch = sb.branch and prev.metric = m.metric and prev.month = c.previous_month
    left join values_by_month as ys
        on ys.branch = sb.branch and ys.metric = m.metric and ys.month = c.year_start_month
    left join branch_targets as bt on bt.branch = sb.branch and bt.metric = m.metric
)

select
    branch,
    metric,
    unit,
    actual,
    target,
    time_progress,
    completion,
    completion - time_progress as progress_gap,
    mom_change,
    ytd_change,
    rank() over (
        partition by metric
        order by
            case when has_target then completion end desc nulls last,
            case when metric in ('逾期金额', '逾期率') then actual end asc nulls last,
            case when not has_target then actual end desc nulls last
    ) as rank
from scored
order by position, rank, branch
