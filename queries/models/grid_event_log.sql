-- The grid work log of a period: marketing activities held in a grid (营销活动) and visits to
-- customers who belong to a grid in the data month (拜访), dated from first_day to the data
-- month's end.
-- Grain: one row per activity or visit (event_date, kind, grid_id, manager_id, detail, customer).
-- Params: m (YYYY-MM), first_day (DATE; NULL = the whole history), g (grid id; NULL = every
--   grid), a table macro: grid_event_log($month, first_day, $grid_id).
-- Bounds on the stored month column let DuckDB skip older row groups of a long history.
create or replace macro grid_event_log(m, first_day, g) as table
    with book as (
        select
            customer_id,
            any_value(customer_name) as customer_name,
            any_value(branch) as branch,
            any_value(nullif(trim(grid_id), '')) as grid_id
        from customers
        where
            month = m and nullif(trim(grid_id), '') is not null
            and (g is null or nullif(trim(grid_id), '') = g)
        group by customer_id
    )

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
    where
        a.month <= m
        and (first_day is null or a.month >= strftime(first_day, '%Y-%m'))
        and (g is null or nullif(trim(a.grid_id), '') = g)
        and a.activity_date <= month_end(m)
        and (first_day is null or a.activity_date >= first_day)
        and nullif(trim(a.grid_id), '') is not null
    union all
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
    inner join book as c on v.customer_id = c.customer_id
    where
        v.month <= m
        and (first_day is null or v.month >= strftime(first_day, '%Y-%m'))
        and v.visit_date <= month_end(m)
        and (first_day is null or v.visit_date >= first_day)
