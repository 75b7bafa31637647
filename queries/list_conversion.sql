-- The lists that report back (名单跟进): for each prospect list of 存量客户深挖 and customer manager,
-- how many of the customers on the list at the calendar month before $month converted by $month
-- (list_members: the lists and what converts them).
-- Grain: one row per list, sub-branch and manager_id at the listing month (listed > 0); no rows
--   when the month before is not stored (nothing was listed then).
-- Params: $month (YYYY-MM), $branch (optional, NULL = all sub-branches; the sub-branch at the
--   listing month), $min_deposit (yuan, 无贷转有贷), $payroll_deposit, $cash_mgmt_deposit (yuan,
--   产品缺口), $window_months (months, 睡眠客户).
-- list: 无贷转有贷, 到期续贷, 产品缺口, 睡眠客户; listing_month: the month the list was drawn;
--   rate = converted / listed.
-- manager_name: as listed in the roster of the listing month (else of $month).
-- Order: list, sub-branch, manager id.
-- Registry (puhui/queries.py): $min_deposit, $payroll_deposit, $cash_mgmt_deposit, $window_months come from the settings unless given.
select
    c.list,
    previous_month($month) as listing_month,
    c.branch,
    c.manager_id,
    coalesce(r.manager_name, rn.manager_name) as manager_name,
    c.listed,
    c.converted,
    c.listed - c.converted as not_converted,
    c.rate
from
    list_conversion_by_manager(
        $month, $branch,
        min_deposit := $min_deposit,
        payroll_deposit := $payroll_deposit,
        cash_mgmt_deposit := $cash_mgmt_deposit,
        dormant_months := $window_months
    ) as c
left join manager_names(previous_month($month)) as r on c.manager_id = r.manager_id
left join manager_names($month) as rn on c.manager_id = rn.manager_id
order by c.list_order, c.branch, c.manager_id
