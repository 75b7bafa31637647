-- Phase-by-phase campaign progress (阶段营销) in the year of one data month: each campaign
-- measure's annual target split over the phases by their weights, the actual per phase and
-- cumulative, completion against the phase target and the time progress within the phase,
-- and the year's progress on the overview's definition (year_*).
-- Grain: one row per phase and measure (phases in calendar order, measures in contract order).
-- Params: $month (YYYY-MM), $branch (optional, NULL = all sub-branches),
--   $phase_names (list of phase names in calendar order), $phase_starts (list of first month numbers),
--   $phase_ends (list of last month numbers), $phase_weights (list of target weights): the
--   registry binds the campaign calendar from the settings;
--   $default_offline, $default_online, $default_non_credit, $default_total (accounts per customer
--   manager when no target is uploaded): the settings target_offline … target_total.
-- Actuals count only what happened up to the end of the data month. Activity measures are sums
-- of the activities table (NULL for a phase in which no sub-branch has any activity stored:
-- not loaded rather than none held); count measures (管户数 and the three segments) are increases: the
-- count at the phase's last month-end (or at the data month) minus the count at the previous
-- year-end, or at the earliest stored month of the year when that is missing (baseline_month).
-- Counts are like for like: only sub-branches with customers stored in $month count.
-- Their annual target is the increase still needed: the target level minus the baseline count.
-- Targets, as on the overview: the line's uploaded target, else the sum over sub-branches; a
-- sub-branch's uploaded target, else the sum over its staff (the month's roster and whoever
-- holds customers) of each one's uploaded target, else, for count measures, the per-manager
-- default for customer managers (role 客户经理 or none).
-- The year (identical to overview.sql for the count measures): year_start (the baseline count;
-- 0 for activities), year_actual (count at $month; activities summed to $month), year_completion
-- = (year_actual - year_start) / (target_level - year_start) when that is positive and a baseline
-- before $month exists, year_time_progress (days from the baseline month-end to $month's end / to
-- the year-end), year_progress_gap, attainment (count measures: year_actual / target_level).
with activities_in_year as (
    select
        month,
        branch,
        new_accounts,
        new_basic_accounts,
        new_payroll,
        new_deposits,
        new_loans
    from activities
    where
        month >= left($month, 4) || '-01'
        and month <= $month
        and ($branch is null or branch = $branch)
),

present as (
    select branch from present_branches($month, $branch)
),

customers_in_year as (
    select
        c.month,
        c.segment
    from customers as c
    semi join present as p on c.branch = p.branch
    where
        c.month >= year_start_month($month)
        and c.month <= $month
),

measures as (
    select *
    from (
        values
        (1, '新开户数', 'activity'),
        (2, '新开基本户数', 'activity'),
        (3, '新增代发户数', 'activity'),
        (4, '新增存款', 'activity'),
        (5, '新增贷款', 'activity'),
        (6, '线下授信户数', 'count'),
        (7, '线上授信户数', 'count'),
        (8, '非授信户数', 'count'),
        (9, '管户数', 'count')
    ) as m (measure_order, measure, measure_kind)
),

phases as (
    select
        i as phase,
        $phase_names[i] as phase_name,
        $phase_starts[i] as start_no,
        $phase_ends[i] as end_no,
        cast($phase_weights[i] as decimal(18, 6)) as weight
    from range(1, len($phase_names) + 1) as t (i)
),

phase_calendar as (
    select
        phase,
        phase_name,
        weight,
        strftime(make_date(cast(left($month, 4) as integer), start_no, 1), '%Y-%m') as start_month,
        strftime(make_date(cast(left($month, 4) as integer), end_no, 1), '%Y-%m') as end_month,
        make_date(cast(left($month, 4) as integer), start_no, 1) as start_date,
        last_day(make_date(cast(left($month, 4) as integer), end_no, 1)) as end_date,
        sum(weight) over (order by phase) as cumulative_weight,
        sum(weight) over () as total_weight
    from phases
),

phase_time as (
    select
        *,
        -- days elapsed at the data month's last day, clamped to the phase
        greatest(
            0,
            date_diff('day', start_date, least(end_date, month_end($month))) + 1
        ) as days_elapsed,
        date_diff('day', start_date, end_date) + 1 as days_in_phase
    from phase_calendar
),

phases_started as (
    select
        phase,
        start_month,
        end_month
    from phase_calendar
    where start_month <= $month
),

activity_by_phase as (
    select
        p.phase,
        cast(coalesce(sum(a.new_accounts), 0) as decimal(18, 2)) as 新开户数,
        cast(coalesce(sum(a.new_basic_accounts), 0) as decimal(18, 2)) as 新开基本户数,
        cast(coalesce(sum(a.new_payroll), 0) as decimal(18, 2)) as 新增代发户数,
        cast(coalesce(sum(a.new_deposits), 0) as decimal(18, 2)) as 新增存款,
        cast(coalesce(sum(a.new_loans), 0) as decimal(18, 2)) as 新增贷款
    from phases_started as p
    left join activities_in_year as a on a.month between p.start_month and p.end_month
    group by p.phase
),

phases_with_activity_data as (
    -- a phase for which no sub-branch has any activity stored has no actual (not loaded), not 0
    select distinct p.phase
    from phases_started as p
    inner join activities as a
        on
            a.month between p.start_month and p.end_month
            and a.month <= $month
),

activity_actuals as (
    select
        u.phase,
        u.measure,
        case when d.phase is not null then u.actual end as actual,
        sum(case when d.phase is not null then u.actual end) over (partition by u.measure order by u.phase)
            as cumulative_actual
    from (
        unpivot activity_by_phase
        on 新开户数, 新开基本户数, 新增代发户数, 新增存款, 新增贷款
        into name measure value actual
    ) as u
    left join phases_with_activity_data as d on u.phase = d.phase
),

counts_by_month as (
    select
        month,
        cast(count(*) filter (where segment = '线下授信') as decimal(18, 2)) as 线下授信户数,
        cast(count(*) filter (where segment = '线上授信') as decimal(18, 2)) as 线上授信户数,
        cast(count(*) filter (where segment = '非授信') as decimal(18, 2)) as 非授信户数,
        cast(count(*) as decimal(18, 2)) as 管户数
    from customers_in_year
    group by month
),

counts_long as (
    unpivot counts_by_month
    on 线下授信户数, 线上授信户数, 非授信户数, 管户数
    into name measure value n
),

baseline as (
    -- as on the overview
    select scope_baseline($month, $branch) as baseline_month
),

phase_refs as (
    -- the count a phase ends on: the latest stored month up to the phase's end (or the data month)
    select
        p.phase,
        max(c.month) as ref_month
    from phases_started as p
    cross join baseline as b
    left join counts_by_month as c
        on
            c.month <= least(p.end_month, $month)
            and b.baseline_month <= c.month
    group by p.phase
),

count_cumulative as (
    select
        r.phase,
        base.measure,
        at_ref.n - base.n as cumulative_actual
    from phase_refs as r
    cross join baseline as b
    inner join counts_long as base on b.baseline_month = base.month
    left join counts_long as at_ref on r.ref_month = at_ref.month and base.measure = at_ref.measure
),

count_actuals as (
    select
        phase,
        measure,
        cumulative_actual
        - coalesce(lag(cumulative_actual) over (partition by measure order by phase), 0) as actual,
        cumulative_actual
    from count_cumulative
),

phase_actuals as (
    select
        phase,
        measure,
        actual,
        cumulative_actual
    from activity_actuals
    union all
    select
        phase,
        measure,
        actual,
        cumulative_actual
    from count_actuals
),

branch_level as (
    select *
    from branch_targets(
        $month, $branch, $default_total, $default_offline, $default_online, $default_non_credit, null, null
    )
),

target_levels as (
    select
        m.measure,
        case
            when $branch is null and lu.target is not null then lu.target
            else sum(bl.target)
        end as stored_target,
        case
            when $branch is null and lu.target is not null then '条线目标'
            when sum(bl.target) is null then null
            when $branch is not null and bool_or(bl.branch_part) then '支行目标'
            when bool_or(bl.branch_part) and not bool_or(bl.manager_part) and not bool_or(bl.default_part)
                then '支行目标合计'
            when bool_or(bl.manager_part) and not bool_or(bl.branch_part) and not bool_or(bl.default_part)
                then '客户经理目标合计'
            when bool_or(bl.default_part) and not bool_or(bl.branch_part) and not bool_or(bl.manager_part)
                then '默认目标（每人目标×客户经理人数）'
            else concat_ws(
                '、',
                case when bool_or(bl.branch_part) then '支行目标' end,
                case when bool_or(bl.manager_part) then '客户经理目标' end,
                case when bool_or(bl.default_part) then '默认目标' end
            ) || '合计'
        end as stored_source
    from measures as m
    left join branch_level as bl on m.measure = bl.metric and bl.target is not null
    left join line_targets($month) as lu on m.measure = lu.metric
    group by m.measure, lu.target
),

annual_targets as (
    select
        m.measure_order,
        m.measure,
        m.measure_kind,
        tl.stored_target as target_level,
        tl.stored_source as target_source,
        base.n as baseline_count
    from measures as m
    cross join baseline as b
    left join target_levels as tl on m.measure = tl.measure
    left join counts_long as base on b.baseline_month = base.month and m.measure = base.measure
),

annual as (
    select
        *,
        case
            when measure_kind = 'count' then greatest(target_level - baseline_count, 0)
            else target_level
        end as annual_target
    from annual_targets
),

current_phase as (
    select phase
    from phase_calendar
    where start_month <= $month and end_month >= $month
),

year_figures as (
    select
        a.measure,
        case
            when a.measure_kind <> 'count' then cast(0 as decimal(18, 2))
            when b.baseline_month < $month then a.baseline_count
        end as year_start,
        case when a.measure_kind = 'count' then now.n else cur.cumulative_actual end as year_actual,
        time_progress(case when a.measure_kind = 'count' then b.baseline_month end, $month) as year_time_progress
    from annual as a
    cross join baseline as b
    left join counts_long as now on now.month = $month and a.measure = now.measure
    left join phase_actuals as cur
        on a.measure = cur.measure and cur.phase = (select phase from current_phase)
),

year_progress as (
    select
        y.measure,
        y.year_start,
        y.year_actual,
        y.year_time_progress,
        case
            when a.target_level - y.year_start > 0
                then cast(y.year_actual - y.year_start as double) / cast(a.target_level - y.year_start as double)
        end as year_completion,
        case
            when a.measure_kind = 'count' then cast(y.year_actual as double) / nullif(cast(a.target_level as double), 0)
        end as attainment
    from year_figures as y
    inner join annual as a on y.measure = a.measure
),

rows as (
    select
        p.phase,
        p.phase_name,
        a.measure,
        a.measure_kind,
        a.measure_order,
        p.start_month,
        p.end_month,
        a.annual_target,
        cast(round(a.annual_target * p.weight / p.total_weight, 2) as decimal(18, 2)) as target,
        cast(round(a.annual_target * p.cumulative_weight / p.total_weight, 2) as decimal(18, 2)) as cumulative_target,
        pa.actual,
        pa.cumulative_actual,
        p.days_elapsed,
        p.days_in_phase,
        p.days_elapsed / p.days_in_phase as time_progress,
        a.target_level,
        a.target_source,
        a.baseline_count,
        b.baseline_month
    from phase_time as p
    cross join annual as a
    cross join baseline as b
    left join phase_actuals as pa on p.phase = pa.phase and a.measure = pa.measure
)

select
    phase,
    phase_name,
    measure,
    target,
    actual,
    cumulative_actual,
    cast(actual as double) / nullif(cast(target as double), 0) as completion,
    time_progress,
    cast(actual as double) / nullif(cast(target as double), 0) - time_progress as progress_gap,
    cumulative_target,
    cast(cumulative_actual as double) / nullif(cast(cumulative_target as double), 0) as cumulative_completion,
    annual_target,
    measure_kind,
    start_month,
    end_month,
    days_elapsed,
    days_in_phase,
    target_level,
    target_source,
    baseline_count,
    case when measure_kind = 'count' then baseline_month end as baseline_month,
    y.year_start,
    y.year_actual,
    y.year_completion,
    y.year_time_progress,
    y.year_completion - y.year_time_progress as year_progress_gap,
    y.attainment
from rows
inner join year_progress as y using (measure)
order by phase, measure_order
