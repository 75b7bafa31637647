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

names as (
    select
        manager_id,
        arg_max(manager_name, month) as manager_name
    from managers
    where month <= $month
    group by manager_id
),

book as (
    select *
    from customers
    where month = $month and ($grid_id is null or nullif(trim(grid_id), '') = $grid_id)
)

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
    cast(
        coalesce(c.dep_settlement, 0) + coalesce(c.dep_pure, 0)
        + coalesce(c.dep_margin, 0) + coalesce(c.dep_savings, 0)
        as decimal(18, 2)
    ) as deposits,
    cast(coalesce(c.loan_offline, 0) + coalesce(c.loan_online, 0) as decimal(18, 2)) as loans
from book as c
left join cells as g on g.grid_id = nullif(trim(c.grid_id), '')
left join names as n on n.manager_id = c.manager_id
where
    ($branch is null or c.branch = $branch or g.branch = $branch)
    and ($outside is null or coalesce(g.grid_type not in ('政府渠道', '商会协会'), false) = not $outside)
-- The sample is ordered by a hash so that it is spread over sub-branches and cells, not the first rows.
order by case when $max_points is not null then hash(c.customer_id) end, c.branch, c.customer_id
limit $max_points
