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
with non_credit as (
    select customer_id, manager_id, branch
    from customers
    where
        month = $month
        and ($branch is null or branch = $branch)
        and coalesce(
            segment,
            case
                when loan_offline > 0 then '线下授信'
                when loan_online > 0 then '线上授信'
                else '非授信'
            end
        ) = '非授信'
),

month_visits as (
    select customer_id, manager_id, method, coalesce(visitor_role, '客户经理') as visitor_role
    from visits
    where month = $month and method in ('电话', '上门')
),

per_customer as (
    select
        n.customer_id,
        n.manager_id,
        n.branch,
        count(v.customer_id) filter (where v.method = '电话') > 0 as phone_visited,
        count(v.customer_id) filter (where v.method = '上门') > 0 as onsite_visited
    from non_credit as n
    left join month_visits as v
        on
            v.customer_id = n.customer_id
            and (v.manager_id = n.manager_id or v.visitor_role in ('团队负责人', '分管行长'))
    group by n.customer_id, n.manager_id, n.branch
),

managers_now as (
    select manager_id, any_value(manager_name) as manager_name
    from managers
    where month = $month
    group by manager_id
)

select
    p.manager_id,
    m.manager_name,
    p.branch,
    count(*) as non_credit_customers,
    count(*) filter (where not p.phone_visited and not p.onsite_visited) as not_visited,
    count(*) filter (where not p.phone_visited) as missing_phone,
    count(*) filter (where not p.onsite_visited) as missing_onsite,
    count(*) filter (where p.phone_visited and p.onsite_visited) as both_visited
from per_customer as p
left join managers_now as m on m.manager_id = p.manager_id
group by p.manager_id, m.manager_name, p.branch
order by not_visited desc, p.branch, p.manager_id
