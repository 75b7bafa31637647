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
with progress as (
    select *
    from scorecard(
        $month, null, true, $default_total, $default_offline, $default_online,
        $default_non_credit, $default_loans, $default_deposits
    )
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
            case when position <= 6 then completion - time_progress end desc nulls last,
            case when position <= 6 then attainment end desc nulls last,
            case when metric in ('逾期金额', '逾期率') then actual end asc nulls last,
            case when position > 6 then actual end desc nulls last
    ) as rank
from progress
order by position, rank, branch
