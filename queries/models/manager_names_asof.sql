-- Each manager's latest name up to a data month: the name of the newest month at or before
-- it that lists the manager (a grid's or an event's owner may have left since).
-- Grain: one row per manager_id listed at or before the month.
-- Params: m (YYYY-MM), a table macro: manager_names_asof($month).
create or replace macro manager_names_asof(m) as table
    select
        manager_id,
        arg_max(manager_name, month) as manager_name
    from managers
    where month <= m
    group by manager_id
