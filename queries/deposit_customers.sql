-- Deposits per customer for one month (the customer level of the drill-down), in yuan:
-- the four kinds, the total, and the change since last month and since year start.
-- Grain: one row per customer stored in the month.
-- Params: $month (YYYY-MM), $branch (optional, NULL = all sub-branches), $manager_id (optional, NULL = all managers).
-- Changes follow the shared definition of a deposit increase: dep_total_mom = this month's
-- total point-in-time deposits minus last month's for the same customer (summed over all
-- sub-branches, so a customer who moved keeps the base); a customer new this month counts
-- from 0 (is_new_customer); NULL when the previous calendar month is not stored for the
-- customer's sub-branch. dep_total_ytd is the same against December of the previous year.
with periods as (
    select
        strftime(strptime($month || '-01', '%Y-%m-%d') - interval 1 month, '%Y-%m') as month_prev,
        printf('%04d-12', cast(left($month, 4) as integer) - 1) as month_dec
),

customers_now as (
    select
        customer_id,
        customer_name,
        manager_id,
        branch,
        coalesce(
            segment,
            case
                when loan_offline > 0 then '线下授信'
                when loan_online > 0 then '线上授信'
                else '非授信'
            end
        ) as segment,
        coalesce(has_payroll, false) as has_payroll,
        cast(coalesce(dep_settlement, 0) as decimal(18, 2)) as dep_settlement,
        cast(coalesce(dep_pure, 0) as decimal(18, 2)) as dep_pure,
        cast(coalesce(dep_margin, 0) as decimal(18, 2)) as dep_margin,
        cast(coalesce(dep_savings, 0) as decimal(18, 2)) as dep_savings
    from customers
    where
        month = $month
        and ($branch is null or branch = $branch)
        and ($manager_id is null or manager_id = $manager_id)
),

base_totals as (
    select
        customers.month,
        customers.customer_id,
        sum(
            coalesce(customers.dep_settlement, 0) + coalesce(customers.dep_pure, 0)
            + coalesce(customers.dep_margin, 0) + coalesce(customers.dep_savings, 0)
        ) as dep_total
    from customers
    -- Only the listed customers' bases, and the two base months as constants (not a join
    -- against periods) so the filter reaches the scan.
    semi join customers_now on customers_now.customer_id = customers.customer_id
    where
        customers.month in (
            strftime(strptime($month || '-01', '%Y-%m-%d') - interval 1 month, '%Y-%m'),
            printf('%04d-12', cast(left($month, 4) as integer) - 1)
        )
    group by customers.month, customers.customer_id
),

base_branches as (
    select distinct customers.month, customers.branch
    from customers
    where
        customers.month in (
            strftime(strptime($month || '-01', '%Y-%m-%d') - interval 1 month, '%Y-%m'),
            printf('%04d-12', cast(left($month, 4) as integer) - 1)
        )
),

managers_now as (
    select manager_id, any_value(manager_name) as manager_name
    from managers
    where month = $month
    group by manager_id
)

select
    c.customer_id,
    c.customer_name,
    c.manager_id,
    m.manager_name,
    c.branch,
    c.segment,
    c.has_payroll,
    c.dep_settlement,
    c.dep_pure,
    c.dep_margin,
    c.dep_savings,
    cast(c.dep_settlement + c.dep_pure + c.dep_margin + c.dep_savings as decimal(18, 2)) as dep_total,
    case
        when bp.branch is not null then cast(coalesce(p.dep_total, 0) as decimal(18, 2))
    end as prev_total,
    case
        when bp.branch is not null
            then cast(
                c.dep_settlement + c.dep_pure + c.dep_margin + c.dep_savings - coalesce(p.dep_total, 0)
                as decimal(18, 2)
            )
    end as dep_total_mom,
    case
        when bd.branch is not null
            then cast(
                c.dep_settlement + c.dep_pure + c.dep_margin + c.dep_savings - coalesce(d.dep_total, 0)
                as decimal(18, 2)
            )
    end as dep_total_ytd,
    bp.branch is not null and p.customer_id is null as is_new_customer
from customers_now as c
cross join periods
left join base_totals as p on p.customer_id = c.customer_id and p.month = periods.month_prev
left join base_totals as d on d.customer_id = c.customer_id and d.month = periods.month_dec
left join base_branches as bp on bp.branch = c.branch and bp.month = periods.month_prev
left join base_branches as bd on bd.branch = c.branch and bd.month = periods.month_dec
left join managers_now as m on m.manager_id = c.manager_id
order by dep_total desc, c.customer_id
