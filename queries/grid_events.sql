-- Activities held in grid cells and visits to customers in grid cells, up to the end of
-- one data month: the raw material of the weekly plan and of a cell's recent work.
-- Grain: one row per activity (kind 营销活动) or visit (kind 拜访) that reaches a cell.
-- A visit reaches the cell of the visited customer (grid_id in the month's customers).
-- Params: $month (YYYY-MM), $branch (optional, NULL = all sub-branches, matched on the
-- cell's sub-branch), $start (optional, YYYY-MM-DD first date included, NULL = all history),
-- $grid_id (optional, NULL = every cell; else only that cell's activities and visits).
select
    e.event_date,
    e.kind,
    e.grid_id,
    g.grid_name,
    g.grid_type,
    coalesce(g.branch, e.branch) as branch,
    e.manager_id,
    n.manager_name,
    e.detail,
    e.customer_id,
    e.customer_name,
    e.new_accounts,
    e.new_deposits
from grid_event_log($month, cast($start as date), $grid_id) as e
left join grid_lookup($month) as g on e.grid_id = g.grid_id
left join manager_names_asof($month) as n on e.manager_id = n.manager_id
where $branch is null or coalesce(g.branch, e.branch) = $branch
order by e.event_date desc, e.kind asc, e.grid_id asc, e.manager_id asc
