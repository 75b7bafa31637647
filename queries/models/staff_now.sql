-- The staff of a data month (staff): roster of the present sub-branches plus anyone holding
-- customers there, with whether they count as a customer manager.
-- Grain: one row per manager_id and sub-branch. Params: m (YYYY-MM), b (sub-branch; NULL =
--   all), a table macro: staff_now($month, $branch).
create or replace macro staff_now(m, b) as table
    select distinct
        manager_id,
        branch,
        is_manager
    from staff(m, b)
    where month = m
