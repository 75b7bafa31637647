-- The baseline month of a scope's year (the overview's and 阶段营销's year start): December of
-- the previous year when stored in scope, else the earliest month of the year stored in scope
-- up to the data month; NULL when none.
-- Grain: a scalar macro. Params: m (YYYY-MM), b (sub-branch; NULL = the whole line).
-- The first month from that December to m: a top-1 that skips row groups.
create or replace macro scope_baseline(m, b) as (
    select max(month)
    from (
        select month
        from customers
        where
            (b is null or branch = b)
            and month >= year_start_month(m)
            and month <= m
        order by month
        limit 1
    ) as first_month
)
