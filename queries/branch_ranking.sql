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
with measures as (
    select *
    from (
        values
        ('管户数', 1, '户'),
        ('线下授信户数', 2, '户'),
        ('线上授信户数', 3, '户'),
        ('非授信户数', 4, '户'),
        ('贷款余额', 5, '元'),
        ('存款余额', 6, '元'),
        ('逾期金额', 7, '元'),
        ('逾期率', 8, '比率'),
        ('客户经理人数', 9, '人')
    ) as m (metric, position, unit)
),

present as (
    select branch from present_branches($month, null)
),

baselines as (
    select * from branch_baselines($month, null)
),

values_by_month as (
    select * from scorecard_values($month, null, true)
),

targets_by_branch as (
    select branch, metric, target
    from branch_targets(
        $month, null, $default_total, $default_offline, $default_online,
        $default_non_credit, $default_loans, $default_deposits
    )
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
        time_progress(b.baseline_month, $month) as time_progress,
        cur.value - prev.value as mom_change,
        cur.value - ys.value as ytd_change,
        cur.value - ya.value as yoy_change
    from present as p
    cross join measures as m
    left join baselines as b on b.branch = p.branch
    left join values_by_month as cur
        on cur.branch = p.branch and cur.metric = m.metric and cur.month = $month
    left join values_by_month as prev
        on prev.branch = p.branch and prev.metric = m.metric and prev.month = previous_month($month)
    left join values_by_month as ys
        on ys.branch = p.branch and ys.metric = m.metric and ys.month = year_start_month($month)
    left join values_by_month as ya
        on ya.branch = p.branch and ya.metric = m.metric and ya.month = year_ago_month($month)
    left join values_by_month as base
        on base.branch = p.branch and base.metric = m.metric and base.month = b.baseline_month
    left join targets_by_branch as bt on bt.branch = p.branch and bt.metric = m.metric
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
