-- Customers of one data month with the grid cell they belong to, for the map's points,
-- the cell panel's customer list and the customers outside every cell.
-- Grain: one row per customer of the month.
-- in_cell: the customer's grid_id is a place cell of the month's grids (not a government or
-- association channel). A sub-branch sees its own customers and every customer in its cells.
-- Params: $month (YYYY-MM), $branch (optional, NULL = all sub-branches),
-- $grid_id (optional, NULL = every cell; else only the customers whose grid_id is that cell),
-- $outside (optional, NULL = all; true = only customers not in a place cell, the candidates
-- for "outside every cell"), $max_points (optional, NULL = every row; else a fixed sample of
-- that many rows, the same on every run: the customers with the smallest hash(customer_id)).
select
    c.customer_id,
    c.customer_name,
    c.manager_id,
    n.manager_name,
    c.branch,
    c.segment,
    c.customer_kind,
    c.industry,
    c.channel,
    nullif(trim(c.grid_id), '') as grid_id,
    g.grid_name,
    g.grid_type,
    g.branch as grid_branch,
    coalesce(g.grid_type not in ('政府渠道', '商会协会'), false) as in_cell,
    c.lon,
    c.lat,
    cast(c.deposits as decimal(18, 2)) as deposits,
    cast(c.loans as decimal(18, 2)) as loans
from customer_facts as c
left join grid_lookup($month) as g on nullif(trim(c.grid_id), '') = g.grid_id
left join manager_names_asof($month) as n on c.manager_id = n.manager_id
where
    c.month = $month
    and ($grid_id is null or nullif(trim(c.grid_id), '') = $grid_id)
    and ($branch is null or c.branch = $branch or g.branch = $branch)
    and ($outside is null or coalesce(g.grid_type not in ('政府渠道', '商会协会'), false) = not $outside)
-- The sample is ordered by a hash so that it is spread over sub-branches and cells, not the first rows.
order by case when $max_points is not null then hash(c.customer_id) end, c.branch, c.customer_id
limit $max_points
