-- The scorecard of a data month (overview for the scope, branch_ranking per sub-branch): each
-- measure's actual, annual target and progress (序时进度), month-on-month, year-start and
-- year-on-year change.
-- Grain: one row per measure (metric, position 1-9: 管户数, 线下授信户数, 线上授信户数,
--   非授信户数, 贷款余额, 存款余额 with targets; 逾期金额, 逾期率, 客户经理人数 without) and, when
--   per_branch, per sub-branch present in the month (else branch is NULL: the scope).
-- Params: m (YYYY-MM), b (sub-branch; NULL = all), per_branch (boolean), the per-manager
--   default targets d_total, d_offline, d_online, d_non_credit, d_loans, d_deposits (NULL =
--   none); a table macro: scorecard($month, $branch, false, $default_total, …).
-- Progress on the increase basis: completion = (actual - year_start) / (target - year_start)
--   (NULL without a baseline or when the target does not exceed year_start), against
--   time_progress (macro time_progress) from the baseline: the scope's (scope_baseline), or
--   each sub-branch's (branch_baselines); attainment = actual / target.
-- Targets: per sub-branch the cascade of branch_targets; for the scope, the line's uploaded
--   target (whole line only), else the sum over sub-branches.
-- Changes: NULL when the base month has no customers stored in scope.
create or replace macro scorecard(m, b, per_branch, d_total, d_offline, d_online, d_non_credit, d_loans, d_deposits) as table
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
        ) as x (metric, position, unit)
    ),

    scopes as (
        select
            p.branch,
            bb.baseline_month
        from present_branches(m, b) as p
        left join branch_baselines(m, b) as bb on p.branch = bb.branch
        where per_branch
        union all
        select
            null as branch,
            scope_baseline(m, b) as baseline_month
        where not per_branch
    ),

    values_by_month as (
        select * from scorecard_values(m, b, per_branch)
    ),

    cascade as (
        select * from branch_targets(m, b, d_total, d_offline, d_online, d_non_credit, d_loans, d_deposits)
    ),

    scope_targets as (
        select
            branch,
            metric,
            target
        from cascade
        where per_branch
        union all
        select
            null as branch,
            x.metric,
            case
                when b is null then coalesce(lt.target, sum(c.target))
                else sum(c.target)
            end as target
        from measures as x
        left join cascade as c on x.metric = c.metric
        left join line_targets(m) as lt on x.metric = lt.metric
        where not per_branch and x.position <= 6
        group by x.metric, lt.target
    ),

    scored as (
        select
            s.branch,
            x.metric,
            x.position,
            x.unit,
            cur.value as actual,
            cast(st.target as decimal(38, 6)) as target,
            s.baseline_month,
            case when s.baseline_month < m then base.value end as year_start,
            time_progress(s.baseline_month, m) as time_progress,
            cur.value - prev.value as mom_change,
            cur.value - ys.value as ytd_change,
            cur.value - ya.value as yoy_change
        from scopes as s
        cross join measures as x
        left join values_by_month as cur
            on s.branch is not distinct from cur.branch and x.metric = cur.metric and cur.month = m
        left join values_by_month as prev
            on s.branch is not distinct from prev.branch and x.metric = prev.metric and prev.month = previous_month(m)
        left join values_by_month as ys
            on s.branch is not distinct from ys.branch and x.metric = ys.metric and ys.month = year_start_month(m)
        left join values_by_month as ya
            on s.branch is not distinct from ya.branch and x.metric = ya.metric and ya.month = year_ago_month(m)
        left join values_by_month as base
            on s.branch is not distinct from base.branch and x.metric = base.metric and s.baseline_month = base.month
        left join scope_targets as st on s.branch is not distinct from st.branch and x.metric = st.metric
    )

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
