-- Settlement compliance counts (seed 001, table 7) per manager: how many credit customers
-- were checked and how many reach the settlement share their loan share requires.
-- Grain: one row per manager (and sub-branch) with at least one checked credit customer.
-- Params: $month (YYYY-MM), $branch (optional, NULL = all sub-branches).
-- The rule and the customers counted are those of deposit_settlement_compliance.
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
        and loan_share is not null
        and settle_share is not null
),

checked as (
    select
        manager_id,
        branch,
        settle_share >= case when loan_share >= 0.5 then cast(0.5 as decimal(9, 6)) else loan_share end as compliant
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
    c.manager_id,
    any_value(m.manager_name) as manager_name,
    c.branch,
    count(*) as checked,
    count(*) filter (where c.compliant) as compliant,
    count(*) filter (where not c.compliant) as not_compliant
from checked as c
left join managers_now as m on m.manager_id = c.manager_id
group by c.manager_id, c.branch
order by not_compliant desc, c.branch, c.manager_id
