-- Settlement compliance of credit customers (seed 001, table 7): a credit customer whose
-- loans with us are half or more of their loans (主结算行) must settle at least 50% with us;
-- otherwise their settlement share must reach their loan share.
-- Grain: one row per credit customer (线下授信 / 线上授信) of the month with both shares stored.
-- Params: m (YYYY-MM), b (sub-branch; NULL = all), a table macro:
--   select … from settlement_checks($month, $branch).
-- loans, dep_settlement: DECIMAL(18,2) yuan; required_share, compliant, shortfall, rule.
create or replace macro settlement_checks(m, b) as table
    with credit_customers as (
        select
            customer_id,
            customer_name,
            manager_id,
            branch,
            segment,
            cast(loans as decimal(18, 2)) as loans,
            cast(coalesce(dep_settlement, 0) as decimal(18, 2)) as dep_settlement,
            loan_share,
            settle_share,
            case when loan_share >= 0.5 then cast(0.5 as decimal(9, 6)) else loan_share end as required_share,
            case
                when loan_share >= 0.5 then '主结算行：结算量占比≥50%'
                else '结算量占比≥贷款占比'
            end as rule
        from customer_facts
        where
            month = m
            and (b is null or branch = b)
            and loan_share is not null
            and settle_share is not null
            and segment in ('线下授信', '线上授信')
    )

    select
        *,
        settle_share >= required_share as compliant,
        required_share - settle_share as shortfall
    from credit_customers
