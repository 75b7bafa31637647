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
with progress as (
    select *
    from scorecard(
        $month, $branch, false, $default_total, $default_offline, $default_online,
        $default_non_credit, $default_loans, $default_deposits
    )
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
    previous_month($month) as previous_month,
    year_start_month($month) as year_start_month,
    year_ago_month($month) as year_ago_month
from progress
order by position
