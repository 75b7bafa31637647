-- The roster's names for one month: each customer manager's name as listed in the month.
-- Grain: one row per manager_id listed in the managers table for the month.
-- Params: m (YYYY-MM), a table macro: select … from manager_names($month).
create or replace macro manager_names(m) as table
select
    manager_id,
    any_value(manager_name) as manager_name
from managers
where month = m
group by manager_id
