-- Activities held in grid cells and visits to customers in grid cells, up to the end of
-- one data month: the raw material of the weekly plan and of a cell's recent work.
-- Grain: one row per activity (kind 营销活动) or visit (kind 拜访) that reaches a cell.
-- A visit reaches the cell of the visited customer (grid_id in the month's customers).
-- Params: $month (YYYY-MM), $branch (optional, NULL = all sub-branches, matched on the
-- cell's sub-branch), $start (optional, YYYY-MM-DD first date included, NULL = all history),
-- $grid_id (optional, NULL = every cell; else only that cell's activities and visits).
with grid_months as (
    select
        branch,
        max(month) as month
    from grids
    where month <= $month
    group by branch
),

cells as (
    select g.grid_id, g.grid_name, g.grid_type, g.branch, g.manager_id
    from grids as g
    inner join grid_months as gm on gm.branch = g.branch and gm.month = g.month
    qualify row_number() over (partition by g.grid_id order by g.month desc, g.branch) = 1
),

bounds as (
    select
        last_day(cast($month || '-01' as date)) as month_end,
        cast($start as date) as first_day
),

names as (
    select
        manager_id,
        arg_max(manager_name, month) as manager_name
    from managers
    where month <= $month
    group by manager_id
),

book as (
    select
        customer_id,
        any_value(customer_name) as customer_name,
        any_value(branch) as branch,
        any_value(nullif(trim(grid_id), '')) as grid_id
    from customers
    where
        month = $month and nullif(trim(grid_id), '') is not null
        and ($grid_id is null or nullif(trim(grid_id), '') = $grid_id)
    group by customer_id
),

activity_events as (
    select
        a.activity_date as event_date,
        '营销活动' as kind,
        nullif(trim(a.grid_id), '') as grid_id,
        a.manager_id,
        a.activity_name as detail,
        cast(null as varchar) as customer_id,
        cast(null as varchar) as customer_name,
        a.new_accounts,
        a.new_deposits,
        a.branch
    from activities as a
    cross join bounds as b
    where
        a.month <= $month
        and ($start is null or a.month >= left($start, 7))
        and ($grid_id is null or nullif(trim(a.grid_id), '') = $grid_id)
        and a.activity_date <= b.month_end
        and (b.first_day is null or a.activity_date >= b.first_day)
        and nullif(trim(a.grid_id), '') is not null
),

visit_events as (
    select
        v.visit_date as event_date,
        '拜访' as kind,
        c.grid_id,
        v.manager_id,
        v.method || '拜访' as detail,
        v.customer_id,
        c.customer_name,
        cast(null as integer) as new_accounts,
        cast(null as decimal(18, 2)) as new_deposits,
        coalesce(v.branch, c.branch) as branch
    from visits as v
    inner join book as c on c.customer_id = v.customer_id
    cross join bounds as b
    where
        v.month <= $month
        -- Bounds on the stored month column let DuckDB skip older row groups of a long history.
        and ($start is null or v.month >= left($start, 7))
        and v.visit_date <= b.month_end
        and (b.first_day is null or v.visit_date >= b.first_day)
),

events as (
    select * from activity_events
    union all
    select * from visit_events
)

select
    e.event_date,
    e.kind,
    e.grid_id,
    g.grid_name,
    g.grid_type,
    coalesce(g.branch, e.branch) as branch,
    e.manager_id,
    n.manager_name,
    e.detail,
    e.customer_id,
    e.customer_name,
    e.new_accounts,
    e.new_deposits
from events as e
left join cells as g on g.grid_id = e.grid_id
left join names as n on n.manager_id = e.manager_id
where $branch is null or coalesce(g.branch, e.branch) = $branch
order by e.event_date desc, e.kind, e.grid_id, e.manager_id
