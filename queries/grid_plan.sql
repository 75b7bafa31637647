-- The weekly plan's counts: activities held in grid cells and visits to customers in grid
-- cells in the current phase up to the end of one data month, counted per cell, manager and
-- week (grid_events summed in the database instead of one row per event).
-- Grain: one row per (grid_id, manager_id, week) with at least one event. week is the Monday
-- of the event's week, or the phase start for the phase's first, partial week.
-- A visit reaches the cell of the visited customer (grid_id in the month's customers).
-- Params: $month (YYYY-MM), $branch (optional, NULL = all sub-branches, matched on the
-- cell's sub-branch), $phase_start (optional, YYYY-MM-DD, NULL = first day of the calendar quarter).
-- Registry (puhui/queries.py): $phase_start come from the settings unless given.
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
        coalesce(
            cast($phase_start as date),
            cast(date_trunc('quarter', cast($month || '-01' as date)) as date)
        ) as first_day
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
        and a.month >= strftime(b.first_day, '%Y-%m')
        and a.activity_date <= b.month_end
        and a.activity_date >= b.first_day
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
        and v.month >= strftime(b.first_day, '%Y-%m')
        and v.visit_date <= b.month_end
        and v.visit_date >= b.first_day
),

events as (
    select * from activity_events
    union all
    select * from visit_events
)
,

weekly as (
    select
        e.grid_id,
        e.manager_id,
        e.branch,
        greatest(cast(date_trunc('week', e.event_date) as date), b.first_day) as week,
        count(*) as events
    from events as e
    cross join bounds as b
    group by all
)

select
    w.grid_id,
    g.grid_name,
    g.grid_type,
    w.manager_id,
    n.manager_name,
    w.week,
    cast(sum(w.events) as bigint) as events
from weekly as w
left join cells as g on g.grid_id = w.grid_id
left join names as n on n.manager_id = w.manager_id
where $branch is null or coalesce(g.branch, w.branch) = $branch
group by all
order by w.grid_id, w.manager_id, w.week
