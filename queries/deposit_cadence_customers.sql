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
with short as (
    select
        customer_id,
        customer_name,
        manager_id,
        branch,
        deposits as dep_total,
        phone_visited,
        onsite_visited
    from visit_cadence($month, $branch)
    where
        ($manager_id is null or manager_id = $manager_id)
        and not (phone_visited and onsite_visited)
    order by (phone_visited or onsite_visited), dep_total desc, customer_id asc
    limit coalesce($top_n, 9223372036854775807)
),

last_visits as (
    -- Only for the listed customers: the whole visit history is the largest table.
    select
        visits.customer_id,
        max(visits.visit_date) as last_visit_date
    from visits
    semi join short on visits.customer_id = short.customer_id
    where visits.month <= $month
    group by visits.customer_id
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
left join last_visits as l on s.customer_id = l.customer_id
left join manager_names($month) as m on s.manager_id = m.manager_id
order by s.branch asc, s.manager_id asc, (s.phone_visited or s.onsite_visited), s.dep_total desc, s.customer_id asc
