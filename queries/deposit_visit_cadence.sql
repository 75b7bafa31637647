-- Non-credit visit cadence (seed 001, table 8): per customer manager, how many of the
-- manager's non-credit customers had a phone visit and an on-site visit in the month.
-- Grain: one row per manager with non-credit customers in the month.
-- Params: $month (YYYY-MM), $branch (optional, NULL = all sub-branches).
-- Table 8 asks the manager for a phone visit and an on-site visit every month. A visit
-- counts when it is to the customer, dated in the month, with method 电话 (phone) or 上门
-- (on-site), and made by the customer's manager (visits.manager_id) or by a visitor
-- ranked above 客户经理 (a higher role satisfies a lower requirement).
-- not_visited = customers with neither kind of visit; missing_phone / missing_onsite count
-- those lacking one kind; both_visited those meeting the month's requirement.
select
    p.manager_id,
    m.manager_name,
    p.branch,
    count(*) as non_credit_customers,
    count(*) filter (where not p.phone_visited and not p.onsite_visited) as not_visited,
    count(*) filter (where not p.phone_visited) as missing_phone,
    count(*) filter (where not p.onsite_visited) as missing_onsite,
    count(*) filter (where p.phone_visited and p.onsite_visited) as both_visited
from visit_cadence($month, $branch) as p
left join manager_names($month) as m on p.manager_id = m.manager_id
group by p.manager_id, m.manager_name, p.branch
order by not_visited desc, p.branch asc, p.manager_id asc
