-- Sub-branches ranked on the scorecard's measures for one month: the overview's figures
-- (actual, target, progress on the increase basis, balance attainment, month-on-month,
-- year-start and year-on-year change) per sub-branch, with each sub-branch's rank.
-- Grain: one row per sub-branch and measure (metric); the measures, units and definitions are
--   those of overview.sql. Sub-branches: only those with customers stored in $month (a
--   sub-branch without data for the month is never ranked; the page lists it apart).
-- Params: $month (YYYY-MM),
--   $default_offline, $default_online, $default_non_credit, $default_total (accounts per customer
--   manager), $default_loans, $default_deposits (yuan per customer manager): the registry binds
--   the settings unless the caller gives them.
-- Targets: the sub-branch's uploaded target for the year, else the sum over its managers (a
--   manager's uploaded target, else the per-manager default for customer managers).
-- Rank (1 = best): measures with a target by progress_gap (completion on the increase basis
--   minus time progress), highest first, then by attainment (a sub-branch without a completion
--   after those with one); 逾期金额 and 逾期率 lowest first; 客户经理人数 highest first; ties
--   share a rank.
-- Changes: NULL when the sub-branch has no customers stored in the base month.
with calendar as (
    select
        cast($month || '-01' as date) as month_start,
        strftime(month_start - interval 1 month, '%Y-%m') as previous_month,
        printf('%04d-12', cast(left($month, 4) as integer) - 1) as year_start_month,
        strftime(month_start - interval 12 month, '%Y-%m') as year_ago_month,
        cast(left($month, 4) as integer) as target_year,
        last_day(month_start) as month_end,
        make_date(cast(left($month, 4) as integer), 12, 31) as year_end,
        make_date(cast(left($month, 4) as integer) - 1, 12, 31) as last_year_end
),

measures as (
    select *
    from (
        values
        ('管户数', 1, '户', cast($default_total as decimal(18, 2))),
        ('线下授信户数', 2, '户', cast($default_offline as decimal(18, 2))),
        ('线上授信户数', 3, '户', cast($default_online as decimal(18, 2))),
        ('非授信户数', 4, '户', cast($default_non_credit as decimal(18, 2))),
        ('贷款余额', 5, '元', cast($default_loans as decimal(18, 2))),
        ('存款余额', 6, '元', cast($default_deposits as decimal(18, 2))),
        ('逾期金额', 7, '元', null),
        ('逾期率', 8, '比率', null),
        ('客户经理人数', 9, '人', null)
    ) as m (metric, position, unit, default_per_manager)
),

present as (
    select distinct branch
    from customers
    where month = $month
),

with_december as (
    select distinct branch
    from customers
    where month = printf('%04d-12', cast(left($month, 4) as integer) - 1)
),

baselines as (
    -- per sub-branch: December of the previous year when stored, else its earliest month of
    -- the year (looked up only for the sub-branches without December: usually none)
    select p.branch, printf('%04d-12', cast(left($month, 4) as integer) - 1) as baseline_month
    from present as p
    semi join with_december as d on d.branch = p.branch
    union all
    select c.branch, min(c.month) as baseline_month
    from customers as c
    semi join (select branch from present anti join with_december using (branch)) as late on late.branch = c.branch
    where
        c.month >= left($month, 4) || '-01'
        and c.month <= $month
    group by c.branch
),

customer_rows as (
    select
        c.month,
        c.manager_id,
        c.branch,
        coalesce(
            c.segment,
            case
                when c.loan_offline > 0 then '线下授信'
                when c.loan_online > 0 then '线上授信'
                else '非授信'
            end
        ) as segment,
        coalesce(c.loan_offline, 0) + coalesce(c.loan_online, 0) as loans,
        coalesce(c.dep_settlement, 0) + coalesce(c.dep_pure, 0)
        + coalesce(c.dep_margin, 0) + coalesce(c.dep_savings, 0) as deposits,
        coalesce(c.overdue, 0) as overdue
    from customers as c
    -- Constants only (the row groups of other months are skipped); fallback baselines below.
    where
        c.month in (
            $month,
            strftime(cast($month || '-01' as date) - interval 1 month, '%Y-%m'),
            printf('%04d-12', cast(left($month, 4) as integer) - 1),
            strftime(cast($month || '-01' as date) - interval 12 month, '%Y-%m')
        )
    union all
    select
        c.month,
        c.manager_id,
        c.branch,
        coalesce(
            c.segment,
            case
                when c.loan_offline > 0 then '线下授信'
                when c.loan_online > 0 then '线上授信'
                else '非授信'
            end
        ) as segment,
        coalesce(c.loan_offline, 0) + coalesce(c.loan_online, 0) as loans,
        coalesce(c.dep_settlement, 0) + coalesce(c.dep_pure, 0)
        + coalesce(c.dep_margin, 0) + coalesce(c.dep_savings, 0) as deposits,
        coalesce(c.overdue, 0) as overdue
    from customers as c
    inner join baselines as b on c.branch = b.branch and c.month = b.baseline_month
    where
        c.month >= left($month, 4) || '-01'
        and c.month < strftime(cast($month || '-01' as date) - interval 1 month, '%Y-%m')
),

by_manager as (
    -- One pass over the customer rows: per month, sub-branch and manager; everything below
    -- works on these few rows. Only sub-branches with data in $month count (like for like).
    select
        r.month,
        r.branch,
        r.manager_id,
        count(*) as accounts,
        count(*) filter (where r.segment = '线下授信') as offline_credit,
        count(*) filter (where r.segment = '线上授信') as online_credit,
        count(*) filter (where r.segment = '非授信') as non_credit,
        sum(r.loans) as loans,
        sum(r.deposits) as deposits,
        sum(r.overdue) as overdue
    from customer_rows as r
    semi join present as p on p.branch = r.branch
    group by r.month, r.branch, r.manager_id
),

roles as (
    select month, manager_id, any_value(role) as role
    from managers
    where month in (select distinct month from by_manager)
    group by month, manager_id
),

people as (
    select m.month, m.manager_id, m.branch
    from managers as m
    semi join present as p on p.branch = m.branch
    where m.month in (select distinct month from by_manager)
    union
    select month, manager_id, branch from by_manager
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
        sum(accounts) as accounts,
        sum(offline_credit) as offline_credit,
        sum(online_credit) as online_credit,
        sum(non_credit) as non_credit,
        sum(loans) as loans,
        sum(deposits) as deposits,
        sum(overdue) as overdue
    from by_manager
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
    where m.position <= 6
    group by s.branch, m.metric
),

branch_targets as (
    select
        p.branch,
        m.metric,
        coalesce(bu.target, ml.target) as target
    from present as p
    cross join measures as m
    left join branch_uploaded as bu on bu.branch = p.branch and bu.metric = m.metric
    left join manager_level as ml on ml.branch = p.branch and ml.metric = m.metric
    where m.position <= 6
),

scored as (
    select
        p.branch,
        m.metric,
        m.unit,
        m.position,
        m.position <= 6 as has_target,
        cur.value as actual,
        cast(bt.target as decimal(38, 6)) as target,
        b.baseline_month,
        case when b.baseline_month < $month then base.value end as year_start,
        case
            when b.baseline_month < $month
                then date_diff('day', last_day(cast(b.baseline_month || '-01' as date)), c.month_end)
                / date_diff('day', last_day(cast(b.baseline_month || '-01' as date)), c.year_end)
            else date_diff('day', c.last_year_end, c.month_end) / date_diff('day', c.last_year_end, c.year_end)
        end as time_progress,
        cur.value - prev.value as mom_change,
        cur.value - ys.value as ytd_change,
        cur.value - ya.value as yoy_change
    from present as p
    cross join measures as m
    cross join calendar as c
    left join baselines as b on b.branch = p.branch
    left join values_by_month as cur
        on cur.branch = p.branch and cur.metric = m.metric and cur.month = $month
    left join values_by_month as prev
        on prev.branch = p.branch and prev.metric = m.metric and prev.month = c.previous_month
    left join values_by_month as ys
        on ys.branch = p.branch and ys.metric = m.metric and ys.month = c.year_start_month
    left join values_by_month as ya
        on ya.branch = p.branch and ya.metric = m.metric and ya.month = c.year_ago_month
    left join values_by_month as base
        on base.branch = p.branch and base.metric = m.metric and base.month = b.baseline_month
    left join branch_targets as bt on bt.branch = p.branch and bt.metric = m.metric
),

progress as (
    select
        *,
        actual - year_start as increase,
        target - year_start as increase_needed,
        case
            when target - year_start > 0
                then cast(actual - year_start as double) / cast(target - year_start as double)
        end as completion,
        cast(actual as double) / nullif(cast(target as double), 0) as attainment
    from scored
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
    attainment,
    year_start,
    increase,
    increase_needed,
    baseline_month,
    mom_change,
    ytd_change,
    yoy_change,
    rank() over (
        partition by metric
        order by
            case when has_target then completion - time_progress end desc nulls last,
            case when has_target then attainment end desc nulls last,
            case when metric in ('逾期金额', '逾期率') then actual end asc nulls last,
            case when not has_target then actual end desc nulls last
    ) as rank
from progress
order by position, rank, branch
