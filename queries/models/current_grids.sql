-- The grid cells in force in a data month: for each sub-branch, its grids as uploaded for
-- the latest grid month at or before the month (grids are uploaded rarely, not monthly).
-- Grain: one row per grid row of that grid month of each sub-branch (every grids column;
--   month is the grid month used).
-- Params: m (YYYY-MM), a table macro: select … from current_grids($month).
create or replace macro current_grids(m) as table
    with grid_months as (
        select
            branch,
            max(month) as month
        from grids
        where month <= m
        group by branch
    )

    select g.*
    from grids as g
    inner join grid_months as gm on g.branch = gm.branch and g.month = gm.month
