-- Settlement compliance of credit customers (seed 001, table 7): is our share of the
-- customer's settlement volume at least what its loan share requires?
-- Grain: one row per credit customer (线下授信 / 线上授信) whose loan_share and settle_share
-- are both present in the month's extract.
-- Params: $month (YYYY-MM), $branch (optional, NULL = all sub-branches), $manager_id (optional, NULL = all managers), $top_n (optional, NULL = every row).
-- $top_n keeps the first rows of the order below (not compliant first, largest shortfall
-- first): the worst cases of a provincial book without pulling every credit customer.
-- Counts for the whole scope come from deposit_settlement_summary.
-- Rule: loan_share >= 0.5 (we are the largest lender) → we must be the main settlement bank,
-- read as settle_share >= 0.5; otherwise settle_share >= loan_share. required_share is
-- that floor, shortfall = required_share - settle_share (positive when not compliant).
-- Table 7's benchmark-rate row (settlement >= 50%) needs the loan rate, which the extract
-- does not carry; such loans fall under the general rule.
-- Registry (puhui/queries.py): $top_n come from the settings unless given.
with credit_customers as (
    select
        customer_id,
        customer_name,
        manager_id,
        branch,
        coalesce(
            segment,
            case
                when loan_offline > 0 then '线下授信'
                when loan_online > 0 then '线上授信'
                else '非授信'
            end
        ) as segment,
        cast(coalesce(loan_offline, 0) + coalesce(loan_online, 0) as decimal(18, 2)) as loans,
        cast(coalesce(dep_settlement, 0) as decimal(18, 2)) as dep_settlement,
        loan_share,
        settle_share
    from customers
    where
        month = $month
        and ($branch is null or branch = $branch)
        and ($manager_id is null or manager_id = $manager_id)
        and loan_share is not null
        and settle_share is not null
),

checked as (
    select
        *,
        case when loan_share >= 0.5 then cast(0.5 as decimal(9, 6)) else loan_share end as required_share,
        case
            when loan_share >= 0.5 then '主结算行：结算量占比≥50%'
            else '结算量占比≥贷款占比'
        end as rule
    from credit_customers
    where segment in ('线下授信', '线上授信')
),

managers_now as (
    select manager_id, any_value(manager_name) as manager_name
    from managers
    where month = $month
    group by manager_id
)

select
    c.customer_id,
    c.customer_name,
    c.manager_id,
    m.manager_name,
    c.branch,
    c.segment,
    c.loans,
    c.dep_settlement,
    c.loan_share,
    c.settle_share,
    c.required_share,
    c.settle_share >= c.required_share as compliant,
    c.required_share - c.settle_share as shortfall,
    c.rule
from checked as c
left join managers_now as m on m.manager_id = c.manager_id
order by compliant, shortfall desc, c.branch, c.customer_id
limit coalesce($top_n, 9223372036854775807)
