-- The lists that report back over the months: for each prospect list, how many customers
-- listed at a month converted by the next, in the 12 data months up to $month.
-- Grain: one row per data month (the outcome month) and list with listed > 0.
-- Params: $month (YYYY-MM, the last data month), $branch (optional, NULL = all sub-branches),
--   $manager_id (optional, NULL = all; the manager at the listing month), $min_deposit,
--   $payroll_deposit, $cash_mgmt_deposit (yuan), $window_months (months).
-- rate = converted / listed (list_members has the rules).
-- Order: month, then list.
-- Registry (puhui/queries.py): $min_deposit, $payroll_deposit, $cash_mgmt_deposit, $window_months come from the settings unless given.
select
    month,
    list,
    count(*) as listed,
    count(*) filter (where converted) as converted,
    cast(count(*) filter (where converted) as double) / count(*) as rate
from
    list_members(
        window_first_month($month, 12), $month, $branch,
        $min_deposit, $payroll_deposit, $cash_mgmt_deposit, $window_months
    )
where $manager_id is null or manager_id = $manager_id
group by month, list, list_order
order by month, list_order
