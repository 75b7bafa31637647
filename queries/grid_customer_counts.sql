-- How many customers of one data month the map page covers, and how many sit in a place cell:
-- the headline "网格内客户 in_cells / customers" without fetching every customer.
-- Grain: one row. Same scope as grid_customers: a sub-branch sees its own customers and every
-- customer in its cells.
-- Params: $month (YYYY-MM), $branch (optional, NULL = all sub-branches).
select
    count(*) as customers,
    count(*) filter (where coalesce(g.grid_type not in ('政府渠道', '商会协会'), false)) as in_cells
from customers as c
left join grid_lookup($month) as g on nullif(trim(c.grid_id), '') = g.grid_id
where c.month = $month and ($branch is null or c.branch = $branch or g.branch = $branch)
