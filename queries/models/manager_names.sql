-- The roster of a data month by manager id: a manager listed by two sub-branches once, with
-- the name, team and role as listed in the month.
-- Grain: one row per manager_id listed in the managers table for the month.
-- Params: m (YYYY-MM), a table macro: select … from manager_names($month).
create or replace macro manager_names(m) as table
    select
        manager_id,
        any_value(manager_name) as manager_name,
        any_value(team) as team,
        any_value(role) as role
    from roster(m)
    group by manager_id
