-- Each manager's uploaded targets for the year of a data month (the highest if uploaded twice).
-- Grain: one row per manager_id and metric. Params: m (YYYY-MM), a table macro:
--   manager_targets($month).
create or replace macro manager_targets(m) as table
    select
        manager_id,
        metric,
        max(target) as target
    from year_targets(m)
    where manager_id is not null
    group by manager_id, metric
