-- The scorecard of the line (or of one sub-branch) for one month: each measure's actual,
-- annual target and progress (序时进度), month-on-month, year-start and year-on-year change.
-- Grain: one row per measure (metric, in display order): 管户数, 线下授信户数, 线上授信户数,
--   非授信户数, 贷款余额, 存款余额 (the contract's metric names, with targets), then 逾期金额,
--   逾期率 and 客户经理人数 (no targets).
-- Params: $month (YYYY-MM), $branch (optional, NULL = the whole line),
--   $default_offline, $default_online, $default_non_credit, $default_total (accounts per customer
--   manager), $default_loans, $default_deposits (yuan per customer manager): the registry binds
--   the settings (target_offline …) unless the caller gives them.
-- Units: 户 (accounts), 元 (yuan), 比率 (0-1), 人 (customer managers).
-- Like for like: only sub-branches with customers stored in $month count, in every month
--   compared (a partial month's line is compared with the same sub-branches before).
-- Progress, one definition for every measure with a target (also on 阶段营销): all of them are
--   balances at a month-end, so completion is on the increase basis,
--   completion = (actual - year_start) / (target - year_start), against
--   time_progress = days from the baseline month-end to the data month-end / days from it to
--   the year-end. The baseline is December of the previous year (year_start_month); without
--   it, the earliest month of the year stored in scope before $month (then the year's
--   remaining days are the basis). completion is NULL without a baseline or when the target
--   does not exceed year_start (reached at the start of the year); attainment = actual /
--   target is the balance basis, shown beside it. progress_gap = completion - time_progress.
-- Targets for the month's year: the line's uploaded target (no sub-branch, no manager), else
--   the sum over sub-branches; a sub-branch's uploaded target, else the sum over its managers;
--   a manager's uploaded target, else the per-manager default for customer managers (role
--   客户经理 or none). Managers: the month's roster plus anyone holding customers in scope.
-- Changes: mom_change vs the calendar month before, ytd_change vs December of the previous
--   year (较年初), yoy_change vs the same month a year before (同比); NULL when that month has
--   no customers stored in scope.
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
    -- a default may be NULL (no default target): has_target keeps the measure's kind
),

present as (
    select distinct branch
    from customers
    where month = $month and ($branch is null or branch = $branch)
),

baseline as (
    -- December of the previous year when stored in scope, else the earliest month of the
    -- year: the first month from that December to $month (a top-1 that skips row groups)
    select max(month) as baseline_month
    from (
        select month
        from customers
        where
            ($branch is null or branch = $branch)
            and month >= printf('%04d-12', cast(left($month, 4) as integer) - 1)
            and month <= $month
        order by month
        limit 1
    )
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
    -- A plain list of constants lets DuckDB skip the other months' row groups (a subquery in
    -- the list would not); the rare fallback baseline month is joined in below.
    where
        ($branch is null or c.branch = $branch)
        and c.month in (
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
    inner join baseline as b on c.month = b.baseline_month
    where
        ($branch is null or c.branch = $branch)
        and c.month >= left($month, 4) || '-01'
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
        sum(accounts) as accounts,
        sum(offline_credit) as offline_credit,
        sum(online_credit) as online_credit,
        sum(non_credit) as non_credit,
        sum(loans) as loans,
        sum(deposits) as deposits,
        sum(overdue) as overdue
    from by_manager
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
    select u.branch, u.metric, max(u.target) as target
    from uploaded as u
    semi join present as p on p.branch = u.branch
    where u.manager_id is null
    group by u.branch, u.metric
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
    where m.position <= 6
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
    where m.position <= 6
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
    where m.position <= 6
    group by m.metric, lu.target
),

scored as (
    select
        m.metric,
        m.position,
        m.unit,
        cur.value as actual,
        cast(st.target as decimal(38, 6)) as target,
        b.baseline_month,
        case when b.baseline_month < $month then base.value end as year_start,
        case
            when b.baseline_month < $month
                then date_diff('day', last_day(cast(b.baseline_month || '-01' as date)), c.month_end)
                / date_diff('day', last_day(cast(b.baseline_month || '-01' as date)), c.year_end)
            else date_diff('day', c.last_year_end, c.month_end) / date_diff('day', c.last_year_end, c.year_end)
        end as time_progress,
        c.previous_month,
        c.year_start_month,
        c.year_ago_month,
        cur.value - prev.value as mom_change,
        cur.value - ys.value as ytd_change,
        cur.value - ya.value as yoy_change
    from measures as m
    cross join calendar as c
    cross join baseline as b
    left join values_by_month as cur on cur.metric = m.metric and cur.month = $month
    left join values_by_month as prev on prev.metric = m.metric and prev.month = c.previous_month
    left join values_by_month as ys on ys.metric = m.metric and ys.month = c.year_start_month
    left join values_by_month as ya on ya.metric = m.metric and ya.month = c.year_ago_month
    left join values_by_month as base on base.metric = m.metric and base.month = b.baseline_month
    left join scope_targets as st on st.metric = m.metric
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
    previous_month,
    year_start_month,
    year_ago_month
from progress
order by position
