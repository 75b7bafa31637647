-- The targets uploaded for the year of a data month, with blank sub-branch or manager ids as
-- NULL: a row without sub-branch and manager is the line's target, one with a sub-branch only
-- the sub-branch's, one with a manager the manager's.
-- Grain: one row per stored targets row of the year. Params: m (YYYY-MM), a table macro:
--   year_targets($month).
create or replace macro year_targets(m) as table
    select
        metric,
        nullif(trim(branch), '') as branch,
        nullif(trim(manager_id), '') as manager_id,
        target
    from targets
    where year = cast(left(m, 4) as integer)
