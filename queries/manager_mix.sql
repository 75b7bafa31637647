-- Account mix per customer manager for one month: how many offline-credit, online-credit
-- and non-credit customers each manager holds, against the manager's targets, with the
-- gaps, loans, deposits, overdue, month-on-month changes and the flags of 管户结构.
-- Grain: one row per manager in the month's roster (or with customers that month).
-- Params: $month (YYYY-MM), $branch (optional, NULL = all sub-branches),
--   $default_offline (optional, NULL = 25 accounts), $default_online (optional, NULL = 30),
--   $default_non_credit (optional, NULL = 50), $default_total (optional, NULL = 100),
--   $default_loans (optional, NULL = 100000000 yuan), $default_deposits (optional, NULL = 100000000 yuan),
--   $overloaded_accounts (optional, NULL = 300), $bottom_group_share (optional, NULL = 0.25).
--   Pages pass the settings' values (the query registry); the fallbacks equal the settings' defaults.
-- Targets, gaps, month-on-month changes and the flags (unbalanced, bottom_group = 集训营,
--   overloaded): the rules are in the model manager_mix, shared with the manager evaluation.
-- Registry (puhui/queries.py): $default_offline, $default_online, $default_non_credit, $default_total, $default_loans, $default_deposits, $overloaded_accounts, $bottom_group_share come from the settings unless given.
select *
from
    manager_mix(
        $month,
        $branch,
        $default_offline,
        $default_online,
        $default_non_credit,
        $default_total,
        $default_loans,
        $default_deposits,
        $overloaded_accounts,
        $bottom_group_share
    )
order by branch asc, manager_id asc
