-- The line's uploaded targets for the year of a data month (no sub-branch, no manager).
-- Grain: one row per metric. Params: m (YYYY-MM), a table macro: line_targets($month).
create or replace macro line_targets(m) as table
    select
        metric,
        max(target) as target
    from year_targets(m)
    where branch is null and manager_id is null
    group by metric
