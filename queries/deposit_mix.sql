-- The four kinds of deposit (settlement, pure, margin, savings) per customer manager for
-- one month, in yuan.
-- Grain: one row per manager in the month's roster (or with customers that month).
-- Params: $month (YYYY-MM), $branch (optional, NULL = all sub-branches).
with roster as (
    select manager_id, manager_name, branch
    from managers
    where month = $month
),

book as (
    select
        manager_id,
        branch,
        sum(coalesce(dep_settlement, 0)) as dep_settlement,
        sum(coalesce(dep_pure, 0)) as dep_pure,
        sum(coalesce(dep_margin, 0)) as dep_margin,
        sum(coalesce(dep_savings, 0)) as dep_savings
    from customers
    where month = $month
    group by manager_id, branch
),

managers_in_scope as (
    select manager_id, branch, manager_name from roster
    union
    select book.manager_id, book.branch, null as manager_name
    from book
    anti join roster on roster.manager_id = book.manager_id and roster.branch = book.branch
)

select
    m.manager_id,
    coalesce(m.manager_name, any_value(r.manager_name)) as manager_name,
    m.branch,
    cast(coalesce(max(b.dep_settlement), 0) as decimal(18, 2)) as dep_settlement,
    cast(coalesce(max(b.dep_pure), 0) as decimal(18, 2)) as dep_pure,
    cast(coalesce(max(b.dep_margin), 0) as decimal(18, 2)) as dep_margin,
    cast(coalesce(max(b.dep_savings), 0) as decimal(18, 2)) as dep_savings,
    cast(
        coalesce(max(b.dep_settlement), 0) + coalesce(max(b.dep_pure), 0)
        + coalesce(max(b.dep_margin), 0) + coalesce(max(b.dep_savings), 0)
        as decimal(18, 2)
    ) as dep_total
from managers_in_scope as m
left join book as b on b.manager_id = m.manager_id and b.branch = m.branch
left join roster as r on r.manager_id = m.manager_id
where $branch is null or m.branch = $branch
group by m.manager_id, m.manager_name, m.branch
order by m.branch, m.manager_id
