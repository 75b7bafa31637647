-- Non-credit customers short of the month's visits (seed 001, table 8): those without a
-- phone visit or without an on-site visit in the month, with their deposits.
-- Grain: one row per non-credit customer missing at least one kind of visit.
-- Params: $month (YYYY-MM), $branch (optional, NULL = all sub-branches), $manager_id (optional, NULL = all managers), $top_n (optional, NULL = every row).
-- $top_n keeps the worst customers: neither visit first, then the largest deposits; they
-- are listed in the order below. Counts per manager come from deposit_visit_cadence.
-- Visits count as in deposit_visit_cadence: to the customer, dated in the month, method
-- 电话 or 上门, by the customer's manager or by a visitor ranked above 客户经理.
-- last_visit_date is the latest visit of any method to the customer up to the month's end.
-- Registry (puhui/queries.py): $top_n come from the settings unless given.
with non_credit as (
    select
        customer_id,
        customer_name,
        manager_id,
        branch,
        cast(
            coalesce(dep_settlement, 0) + coalesce(dep_pure, 0)
            + coalesce(dep_margin, 0) + coalesce(dep_savings, 0)
            as decimal(18, 2)
        ) as dep_total
    from customers
    where
        month = $month
        and ($branch is null or branch = $branch)
        and ($manager_id is null or manager_id = $manager_id)
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
        count(v.customer_id) filter (where v.method = '电话') > 0 as phone_visited,
        count(v.customer_id) filter (where v.method = '上门') > 0 as onsite_visited
    from non_credit as n
    left join month_visits as v
        on
            v.customer_id = n.customer_id
            and (v.manager_id = n.manager_id or v.visitor_role in ('团队负责人', '分管行长'))
    group by n.customer_id
),

short as (
    select
        n.*,
        p.phone_visited,
        p.onsite_visited
    from non_credit as n
    inner join per_customer as p on p.customer_id = n.customer_id
    where not (p.phone_visited and p.onsite_visited)
    order by (p.phone_visited or p.onsite_visited), n.dep_total desc, n.customer_id
    limit coalesce($top_n, 9223372036854775807)
),

last_visits as (
    -- Only for the listed customers: the whole visit history is the largest table.
    select visits.customer_id, max(visits.visit_date) as last_visit_date
    from visits
    semi join short on short.customer_id = visits.customer_id
    where visits.month <= $month
    group by visits.customer_id
),

managers_now as (
    select manager_id, any_value(manager_name) as manager_name
    from managers
    where month = $month
    group by manager_id
)

select
    s.customer_id,
    s.customer_name,
    s.manager_id,
    m.manager_name,
    s.branch,
    s.dep_total,
    s.phone_visited,
    s.onsite_visited,
    l.last_visit_date
from short as s
left join last_visits as l on l.customer_id = s.customer_id
left join managers_now as m on m.manager_id = s.manager_id
order by s.branch, s.manager_id, (s.phone_visited or s.onsite_visited), s.dep_total desc, s.customer_id
