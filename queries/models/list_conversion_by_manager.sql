-- The lists that report back, per customer manager: of the customers each list of 存量客户深挖
-- held at the calendar month before a data month, how many converted by the data month
-- (list_members has the lists and what converts them).
-- Grain: one row per list, sub-branch and manager_id at the listing month with listed > 0; none
--   when the month before is not stored (nothing was listed) or the data month is not stored
--   for the sub-branch (nothing reported yet).
-- Params: m (YYYY-MM, the data month), b (sub-branch; NULL = all), and, named, the lists'
--   thresholds: min_deposit := yuan, payroll_deposit := yuan, cash_mgmt_deposit := yuan,
--   dormant_months := months. Their defaults are the settings' defaults (prospect_min_deposit,
--   prospect_payroll_deposit, prospect_cash_mgmt_deposit, prospect_dormant_months); a query
--   passes the settings: list_conversion_by_manager($month, $branch, min_deposit := $min_deposit, …).
-- list_order: 1 无贷转有贷, 2 到期续贷, 3 产品缺口, 4 睡眠客户. rate = converted / listed (DOUBLE).
create or replace macro list_conversion_by_manager(
    m, b, min_deposit := 500000, payroll_deposit := 300000, cash_mgmt_deposit := 1000000, dormant_months := 3
) as table
    select
        list,
        any_value(list_order) as list_order,
        branch,
        manager_id,
        count(*) as listed,
        count(*) filter (where converted) as converted,
        cast(count(*) filter (where converted) as double) / count(*) as rate
    from list_members(m, m, b, min_deposit, payroll_deposit, cash_mgmt_deposit, dormant_months)
    group by list, branch, manager_id
