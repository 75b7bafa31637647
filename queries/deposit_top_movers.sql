-- Top movers: the customers whose total deposits rose most and fell most this month, in yuan.
-- Grain: one row per customer and direction, at most $top_n per direction.
-- Params: $month (YYYY-MM), $branch (optional, NULL = all sub-branches), $top_n (optional, NULL = 10).
-- change = this month's total point-in-time deposits (four kinds) minus last month's for the
-- same customer. A customer new this month counts from 0 (status 新增客户); a customer stored
-- last month but in no sub-branch this month counts down to 0 (status 本月未出现), provided
-- the sub-branch it was in is stored this month. Sub-branches without the previous calendar
-- month stored yield no movers. direction is 增加 or 减少; rank 1 is the largest move.
-- Speed: only the two months are read (a constant list, so the filter reaches the scan), the
-- per-customer totals carry no names, and names are looked up for the ranked rows only.
-- Registry (puhui/queries.py): $top_n come from the settings unless given.
with both_months as (
    select
        month = $month as is_now,
        customer_id,
        manager_id,
        branch,
        deposits as dep_total
    from customer_facts
    where month in ($month, previous_month($month))
),

per_customer as (
    -- One pass over both months: each customer's totals now and last month side by side.
    select
        customer_id,
        bool_or(is_now) as in_now,
        bool_or(not is_now) as in_prev,
        min(manager_id) filter (where is_now) as manager_now,
        min(branch) filter (where is_now) as branch_now,
        min(manager_id) filter (where not is_now) as manager_prev,
        min(branch) filter (where not is_now) as branch_prev,
        coalesce(sum(dep_total) filter (where is_now), 0) as dep_total,
        coalesce(sum(dep_total) filter (where not is_now), 0) as prev_total
    from both_months
    group by customer_id
),

branches as (
    select
        branch,
        bool_or(is_now) as in_now,
        bool_or(not is_now) as in_prev
    from both_months
    group by branch
),

moves as (
    select
        p.customer_id,
        p.in_now as is_now,
        case when p.in_now then p.manager_now else p.manager_prev end as manager_id,
        case when p.in_now then p.branch_now else p.branch_prev end as branch,
        p.prev_total,
        p.dep_total,
        p.dep_total - p.prev_total as change,
        case when not p.in_now then '本月未出现' when p.in_prev then '存量客户' else '新增客户' end as status
    from per_customer as p
    -- A customer this month needs its sub-branch stored last month; one gone this month
    -- needs the sub-branch it was in stored this month.
    semi join branches as b
        on
            b.branch = case when p.in_now then p.branch_now else p.branch_prev end
            and (case when p.in_now then b.in_prev else b.in_now end)
),

in_scope as (
    select *
    from moves
    where change <> 0 and ($branch is null or branch = $branch)
),

top_up as (
    -- order by … limit keeps a small heap per direction instead of sorting every customer.
    select * from in_scope
    where change > 0
    order by abs(change) desc, customer_id
    limit coalesce($top_n, 10)
),

top_down as (
    select * from in_scope
    where change < 0
    order by abs(change) desc, customer_id
    limit coalesce($top_n, 10)
),

ranked as (
    select
        *,
        case when change > 0 then '增加' else '减少' end as direction,
        row_number() over (partition by change > 0 order by abs(change) desc, customer_id) as rank
    from (
        select * from top_up
        union all
        select * from top_down
    ) as movers
),

names as (
    -- The name as stored in the month the row comes from (this month, or last month for a
    -- customer gone this month), read for the ranked customers only.
    select
        customers.customer_id,
        customers.month = $month as is_now,
        any_value(customers.customer_name) as customer_name
    from customers
    semi join ranked on customers.customer_id = ranked.customer_id
    where customers.month in ($month, previous_month($month))
    group by customers.customer_id, customers.month = $month
)

select
    r.direction,
    r.rank,
    r.customer_id,
    n.customer_name,
    r.manager_id,
    m.manager_name,
    r.branch,
    cast(r.prev_total as decimal(18, 2)) as prev_total,
    cast(r.dep_total as decimal(18, 2)) as dep_total,
    cast(r.change as decimal(18, 2)) as change,
    r.status
from ranked as r
left join names as n on r.customer_id = n.customer_id and r.is_now = n.is_now
left join manager_names($month) as m on r.manager_id = m.manager_id
order by r.direction desc, r.rank asc
