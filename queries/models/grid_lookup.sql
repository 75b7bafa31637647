-- One row per grid id in force in a data month (current_grids), for looking a customer's or
-- an event's grid up: a grid id listed by two sub-branches takes the newer upload, then the
-- first sub-branch.
-- Grain: one row per grid_id. Params: m (YYYY-MM), a table macro: grid_lookup($month).
create or replace macro grid_lookup(m) as table
    select
        grid_id,
        grid_name,
        grid_type,
        branch,
        manager_id
    from current_grids(m)
    qualify row_number() over (partition by grid_id order by month desc, branch asc) = 1
