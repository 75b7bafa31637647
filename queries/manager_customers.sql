-- One customer manager's customers for one month: segment, kind, industry, grid, balances.
-- Grain: one row per customer. customer_name is personal data (masked in training mode).
-- Params: $month (YYYY-MM), $manager_id, $branch (optional, NULL = wherever the manager's
--   customers sit).
-- Segment: the stored one, else the contract's rule (offline loan > 0, else online loan > 0).
-- Order: offline-credit, online-credit, non-credit, then loans and deposits, largest first.
with grid_names as (
    select
        grid_id,
        any_value(grid_name) as grid_name
    from grids
    where month = $month
    group by grid_id
)

select
    b.customer_id,
    b.customer_name,
    b.branch,
    b.segment,
    b.customer_kind,
    b.industry,
    b.channel,
    b.grid_id,
    g.grid_name,
    cast(b.loans as decimal(18, 2)) as loans,
    b.loan_offline,
    b.loan_online,
    b.credit_limit,
    cast(b.deposits as decimal(18, 2)) as deposits,
    b.dep_avg,
    cast(coalesce(b.overdue, 0) as decimal(18, 2)) as overdue,
    b.open_date,
    b.loan_maturity
from customer_facts as b
left join grid_names as g on b.grid_id = g.grid_id
where
    b.month = $month
    and b.manager_id = $manager_id
    and ($branch is null or b.branch = $branch)
order by
    case b.segment when '线下授信' then 1 when '线上授信' then 2 when '非授信' then 3 else 4 end,
    loans desc,
    deposits desc,
    b.customer_id asc
