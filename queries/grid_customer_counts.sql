-- How many customers of one data month the map page covers, and how many sit in a place cell:
-- the headline "网格内客户 in_cells / customers" without fetching every customer.
-- Grain: one row. Same scope as grid_customers: a sub-branch sees its own customers and every
-- customer in its cells.
-- Params: $month (YYYY-MM), $branch (optional, NULL = all sub-branches).
with grid_months as (
    select
        branch,
        max(month) as month
    from grids
    where month <= $month
    group by branch
),

cells as (
    select g.grid_id, g.grid_name, g.grid_type, g.branch
    from grids as g
    inner join grid_months as gm on gm.branch = g.branch and gm.month = g.month
    qualify row_number() over (partition by g.grid_id order by g.month desc, g.branch) = 1
),

book as (
    select customer_id, branch, grid_id
    from customers
    where month = $month
)

select
    count(*) as customers,
    count(*) filter (where coalesce(g.grid_type not in ('政府渠道', '商会协会'), false)) as in_cells
from book as c
left join cells as g on g.grid_id = nullif(trim(c.grid_id), '')
where $branch is null or c.branch = $branch or g.branch = $branch
