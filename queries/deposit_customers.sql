-- Deposits per customer for one month (the customer level of the drill-down), in yuan:
-- the four kinds, the total, and the change since last month and since year start.
-- Grain: one row per customer stored in the month.
-- Params: $month (YYYY-MM), $branch (optional, NULL = all sub-branches), $manager_id (optional, NULL = all managers).
-- Changes follow the shared definition of a deposit increase: dep_total_mom = this month's
-- total point-in-time deposits minus last month's for the same customer (summed over all
-- sub-branches, so a customer who moved keeps the base); a customer new this month counts
-- from 0 (is_new_customer); NULL when the previous calendar month is not stored for the
-- customer's sub-branch. dep_total_ytd is the same against December of the previous year.
with customers_now as (
    select
        customer_id,
        customer_name,
        manager_id,
        branch,
        segment,
        coalesce(has_payroll, false) as has_payroll,
        cast(coalesce(dep_settlement, 0) as decimal(18, 2)) as dep_settlement,
        cast(coalesce(dep_pure, 0) as decimal(18, 2)) as dep_pure,
        cast(coalesce(dep_margin, 0) as decimal(18, 2)) as dep_margin,
        cast(coalesce(dep_savings, 0) as decimal(18, 2)) as dep_savings,
        cast(deposits as decimal(18, 2)) as dep_total
    from customer_facts
    where
        month = $month
        and ($branch is null or branch = $branch)
        and ($manager_id is null or manager_id = $manager_id)
),

base_totals as (
    -- Only the listed customers' bases, and the two base months as constants (not a join)
    -- so the filter reaches the scan.
    select
        f.month,
        f.customer_id,
        sum(f.deposits) as dep_total
    from customer_facts as f
    semi join customers_now as c on f.customer_id = c.customer_id
    where f.month in (previous_month($month), year_start_month($month))
    group by f.month, f.customer_id
),

base_branches as (
    select distinct
        month,
        branch
    from customers
    where month in (previous_month($month), year_start_month($month))
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
    c.dep_total,
    case when bp.branch is not null then cast(coalesce(p.dep_total, 0) as decimal(18, 2)) end as prev_total,
    case when bp.branch is not null then cast(c.dep_total - coalesce(p.dep_total, 0) as decimal(18, 2)) end as dep_total_mom,
    case when bd.branch is not null then cast(c.dep_total - coalesce(d.dep_total, 0) as decimal(18, 2)) end as dep_total_ytd,
    bp.branch is not null and p.customer_id is null as is_new_customer
from customers_now as c
left join base_totals as p on c.customer_id = p.customer_id and p.month = previous_month($month)
left join base_totals as d on c.customer_id = d.customer_id and d.month = year_start_month($month)
left join base_branches as bp on c.branch = bp.branch and bp.month = previous_month($month)
left join base_branches as bd on c.branch = bd.branch and bd.month = year_start_month($month)
left join manager_names($month) as m on c.manager_id = m.manager_id
order by c.dep_total desc, c.customer_id asc
