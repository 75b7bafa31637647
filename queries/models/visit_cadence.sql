-- The visit cadence of non-credit customers (seed 001): for each 非授信 customer of a month,
-- whether a phone call (电话) and an on-site visit (上门) were recorded for them in that month,
-- by their own manager or by a team lead or vice-president (团队负责人, 分管行长).
-- Grain: one row per non-credit customer stored in the month (customer_id, manager, sub-branch).
-- Params: m (YYYY-MM), b (sub-branch; NULL = all), a table macro:
--   select … from visit_cadence($month, $branch).
-- deposits: the customer's four deposit kinds at the month-end, DECIMAL(18,2) yuan.
create or replace macro visit_cadence(m, b) as table
    with non_credit as (
        select
            customer_id,
            customer_name,
            manager_id,
            branch,
            cast(deposits as decimal(18, 2)) as deposits
        from customer_facts
        where month = m and (b is null or branch = b) and segment = '非授信'
    ),

    month_visits as (
        select
            customer_id,
            manager_id,
            method,
            coalesce(visitor_role, '客户经理') as visitor_role
        from visits
        where month = m and method in ('电话', '上门')
    )

    select
        n.customer_id,
        n.customer_name,
        n.manager_id,
        n.branch,
        n.deposits,
        count(v.customer_id) filter (where v.method = '电话') > 0 as phone_visited,
        count(v.customer_id) filter (where v.method = '上门') > 0 as onsite_visited
    from non_credit as n
    left join month_visits as v
        on
            n.customer_id = v.customer_id
            and (n.manager_id = v.manager_id or v.visitor_role in ('团队负责人', '分管行长'))
    group by n.customer_id, n.customer_name, n.manager_id, n.branch, n.deposits
