-- The four kinds of deposit per sub-branch for one month, in yuan: balances, each kind's
-- share of the sub-branch's deposits, and month-on-month, year-start and year-on-year changes.
-- Grain: one row per sub-branch with customers stored in the month.
-- Params: $month (YYYY-MM), $branch (optional, NULL = all sub-branches).
-- Changes, for each kind k in dep_settlement, dep_pure, dep_margin, dep_savings, dep_total:
--   k_mom = the sub-branch's balance this month minus the calendar month before (环比);
--   k_ytd = this month minus December of the previous year (较年初); k_yoy = this month minus
--   the same month a year before (同比). NULL when that base month is not stored for the
--   sub-branch; prev_month / year_start_month / year_ago_month name the base months and
--   prev_month_stored / year_start_stored / year_ago_stored say whether they are stored.
--   k_share = the kind's share of dep_total (0 to 1; NULL when dep_total is 0).
with by_month as (
    -- The months as a plain list of constants, so the filter reaches the scan.
    select *
    from branch_deposits
    where
        month in ($month, previous_month($month), year_start_month($month), year_ago_month($month))
        and ($branch is null or branch = $branch)
)

select
    now.branch,
    now.customers,
    now.managers,
    now.dep_settlement,
    now.dep_pure,
    now.dep_margin,
    now.dep_savings,
    now.dep_total,
    now.dep_settlement / nullif(now.dep_total, 0) as dep_settlement_share,
    now.dep_pure / nullif(now.dep_total, 0) as dep_pure_share,
    now.dep_margin / nullif(now.dep_total, 0) as dep_margin_share,
    now.dep_savings / nullif(now.dep_total, 0) as dep_savings_share,
    now.dep_settlement - prev.dep_settlement as dep_settlement_mom,
    now.dep_settlement - year_start.dep_settlement as dep_settlement_ytd,
    now.dep_pure - prev.dep_pure as dep_pure_mom,
    now.dep_pure - year_start.dep_pure as dep_pure_ytd,
    now.dep_margin - prev.dep_margin as dep_margin_mom,
    now.dep_margin - year_start.dep_margin as dep_margin_ytd,
    now.dep_savings - prev.dep_savings as dep_savings_mom,
    now.dep_savings - year_start.dep_savings as dep_savings_ytd,
    now.dep_total - prev.dep_total as dep_total_mom,
    now.dep_total - year_start.dep_total as dep_total_ytd,
    now.dep_settlement - year_ago.dep_settlement as dep_settlement_yoy,
    now.dep_pure - year_ago.dep_pure as dep_pure_yoy,
    now.dep_margin - year_ago.dep_margin as dep_margin_yoy,
    now.dep_savings - year_ago.dep_savings as dep_savings_yoy,
    now.dep_total - year_ago.dep_total as dep_total_yoy,
    previous_month($month) as prev_month,
    year_start_month($month) as year_start_month,
    year_ago_month($month) as year_ago_month,
    prev.branch is not null as prev_month_stored,
    year_start.branch is not null as year_start_stored,
    year_ago.branch is not null as year_ago_stored
from by_month as now
left join by_month as prev on now.branch = prev.branch and prev.month = previous_month($month)
left join by_month as year_start on now.branch = year_start.branch and year_start.month = year_start_month($month)
left join by_month as year_ago on now.branch = year_ago.branch and year_ago.month = year_ago_month($month)
where now.month = $month
order by now.branch
