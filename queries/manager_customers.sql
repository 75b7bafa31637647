-- One customer manager's customers for one month: segment, kind, industry, grid, balances.
-- Grain: one row per customer. customer_name is personal data (masked in training mode).
-- Params: $month (YYYY-MM), $manager_id, $branch (optional, NULL = wherever the manager's
--   customers sit).
-- Segment: the stored one, else the contract's rule (offline loan > 0, else online loan > 0).
-- Order: offline-credit, online-credit, non-credit, then loans and deposits, largest first.
with book as (
    select *
    from customers
    where
        month = $month
        and manager_id = $manager_id
        and ($branch is null or branch = $branch)
),

grid_names as (
    select grid_id, any_value(grid_name) as grid_name
    from grids
    where month = $month
    group by grid_id
)

select
    b.customer_id,
    b.customer_name,
    b.branch,
    coalesce(
        b.segment,
        case
            when b.loan_offline > 0 then '线下授信'
            when b.loan_online > 0 then '线上授信'
            else '非授信'
        end
    ) as segment,
    b.customer_kind,
    b.industry,
    b.channel,
    b.grid_id,
    g.grid_name,
    cast(coalesce(b.loan_offline, 0) + coalesce(b.loan_online, 0) as decimal(18, 2)) as loans,
    b.loan_offline,
    b.loan_online,
    b.credit_limit,
    cast(
        coalesce(b.dep_settlement, 0) + coalesce(b.dep_pure, 0)
        + coalesce(b.dep_margin, 0) + coalesce(b.dep_savings, 0)
        as decimal(18, 2)
    ) as deposits,
    b.dep_avg,
    cast(coalesce(b.overdue, 0) as decimal(18, 2)) as overdue,
    b.open_date,
    b.loan_maturity
from book as b
left join grid_names as g on g.grid_id = b.grid_id
order by
    case segment when '线下授信' then 1 when '线上授信' then 2 when '非授信' then 3 else 4 end,
    loans desc,
    deposits desc,
    b.customer_id
