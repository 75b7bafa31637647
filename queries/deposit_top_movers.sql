-- Top movers: the customers whose total deposits rose most and fell most this month, in yuan.
-- Grain: one row per customer and direction, at most $top_n per direction.
-- Params: $month (YYYY-MM), $branch (optional, NULL = all sub-branches), $top_n (optional, NULL = 10).
-- change = this month's total point-in-time deposits (four kinds) minus last month's for the
-- same customer. A customer new this month counts from 0 (status 新增客户); a customer stored
-- last month but in no sub-branch this month counts down to 0 (status 本月未出现), provided
-- the sub-branch it was in is stored this month. Sub-branches without the previous calendar
-- month stored yield no movers. direction is 增加 or 减少; rank 1 is the largest move.
with periods as (
    select strftime(strptime($month || '-01', '%Y-%m-%d') - interval 1 month, '%Y-%m') as month_prev
),

customers_now as (
    select
        customer_id,
        any_value(customer_name) as customer_name,
        min(manager_id) as manager_id,
        min(branch) as branch,
        sum(
            coalesce(dep_settlement, 0) + coalesce(dep_pure, 0)
            + coalesce(dep_margin, 0) + coalesce(dep_savings, 0)
        ) as dep_total
    from customers
    where month = $month
    group by customer_id
),

customers_prev as (
    select
        customers.customer_id,
        any_value(customers.customer_name) as customer_name,
        min(customers.manager_id) as manager_id,
        min(customers.branch) as branch,
        sum(
            coalesce(customers.dep_settlement, 0) + coalesce(customers.dep_pure, 0)
            + coalesce(customers.dep_margin, 0) + coalesce(customers.dep_savings, 0)
        ) as dep_total
    from customers, periods
    where customers.month = periods.month_prev
    group by customers.customer_id
),

branches_prev as (
    select distinct customers.branch
    from customers, periods
    where customers.month = periods.month_prev
),

branches_now as (
    select distinct branch from customers where month = $month
),

moves as (
    select
        cur.customer_id,
        cur.customer_name,
        cur.manager_id,
        cur.branch,
        coalesce(prev.dep_total, 0) as prev_total,
        cur.dep_total,
        cur.dep_total - coalesce(prev.dep_total, 0) as change,
        case when prev.customer_id is null then '新增客户' else '存量客户' end as status
    from customers_now as cur
    semi join branches_prev on branches_prev.branch = cur.branch
    left join customers_prev as prev on prev.customer_id = cur.customer_id
    union all
    select
        prev.customer_id,
        prev.customer_name,
        prev.manager_id,
        prev.branch,
        prev.dep_total as prev_total,
        0 as dep_total,
        -prev.dep_total as change,
        '本月未出现' as status
    from customers_prev as prev
    semi join branches_now on branches_now.branch = prev.branch
    anti join customers_now on customers_now.customer_id = prev.customer_id
),

ranked as (
    select
        *,
        case when change > 0 then '增加' else '减少' end as direction,
        row_number() over (
            partition by change > 0 order by abs(change) desc, customer_id
        ) as rank
    from moves
    where change <> 0 and ($branch is null or branch = $branch)
),

managers_now as (
    select manager_id, any_value(manager_name) as manager_name
    from managers
    where month = $month
    group by manager_id
)

select
    r.direction,
    r.rank,
    r.customer_id,
    r.customer_name,
    r.manager_id,
    m.manager_name,
    r.branch,
    cast(r.prev_total as decimal(18, 2)) as prev_total,
    cast(r.dep_total as decimal(18, 2)) as dep_total,
    cast(r.change as decimal(18, 2)) as change,
    r.status
from ranked as r
left join managers_now as m on m.manager_id = r.manager_id
where r.rank <= coalesce($top_n, 10)
order by r.direction desc, r.rank
