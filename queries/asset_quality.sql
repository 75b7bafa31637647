-- Asset quality (资产质量, seed 001 §三) per customer manager: loans, overdue (逾期欠息), the
-- overdue rate against the control rate, the overdue customers and the new ones this month.
-- Grain: one row per manager_id and sub-branch (manager_asset_quality: the month's customer
--   managers and anyone holding customers, in scope).
-- Params: $month (YYYY-MM), $branch (optional, NULL = all sub-branches), $control_rate (0-1).
-- loans, overdue: DECIMAL(18,2) yuan. overdue_rate = overdue / loans, NULL without loans.
-- new_overdue_customers: overdue now and not overdue (or not present) in the calendar month
--   before; NULL when that month is not stored for the sub-branch.
-- over_control: overdue_rate above $control_rate (NULL without loans).
-- Order: sub-branch, then overdue rate highest first, then manager id.
-- Registry (puhui/queries.py): $control_rate comes from the setting overdue_control_rate unless given.
select
    q.manager_id,
    r.manager_name,
    q.branch,
    q.loans,
    q.overdue,
    q.overdue_rate,
    cast($control_rate as double) as control_rate,
    q.overdue_rate > cast($control_rate as double) as over_control,
    q.overdue_customers,
    q.new_overdue_customers
from manager_asset_quality($month, $branch) as q
left join manager_names($month) as r on q.manager_id = r.manager_id
order by q.branch asc, q.overdue_rate desc nulls last, q.manager_id asc
