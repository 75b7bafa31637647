-- The weekly plan's counts: activities held in grid cells and visits to customers in grid
-- cells in the current phase up to the end of one data month, counted per cell, manager and
-- week (grid_events summed in the database instead of one row per event).
-- Grain: one row per (grid_id, manager_id, week) with at least one event. week is the Monday
-- of the event's week, or the phase start for the phase's first, partial week.
-- A visit reaches the cell of the visited customer (grid_id in the month's customers).
-- Params: $month (YYYY-MM), $branch (optional, NULL = all sub-branches, matched on the
-- cell's sub-branch), $phase_start (optional, YYYY-MM-DD, NULL = first day of the calendar quarter).
-- Registry (puhui/queries.py): $phase_start come from the settings unless given.
with weekly as (
    select
        e.grid_id,
        e.manager_id,
        e.branch,
        greatest(cast(date_trunc('week', e.event_date) as date), phase_first_day($phase_start, $month)) as week,
        count(*) as events
    from grid_event_log($month, phase_first_day($phase_start, $month), null) as e
    group by all
)

select
    w.grid_id,
    g.grid_name,
    g.grid_type,
    w.manager_id,
    n.manager_name,
    w.week,
    cast(sum(w.events) as bigint) as events
from weekly as w
left join grid_lookup($month) as g on w.grid_id = g.grid_id
left join manager_names_asof($month) as n on w.manager_id = n.manager_id
where $branch is null or coalesce(g.branch, w.branch) = $branch
group by all
order by w.grid_id, w.manager_id, w.week
