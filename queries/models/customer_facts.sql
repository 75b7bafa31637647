-- The customers as the queries read them: one row per customer per month (the stored
-- customers table), with the contract's columns and the facts every page derives the same way.
-- Grain: one row per month and customer_id (and sub-branch, as stored).
-- Params: none (a view: filter it on month, branch, manager_id; the filters reach the scan).
-- segment: as stored, else derived as the contract says (offline loan → 线下授信, else online
--   loan → 线上授信, else 非授信).
-- loans: offline + online loan balance; deposits: the four deposit kinds (settlement, pure,
--   margin, savings), a missing amount counting 0; both in yuan, DECIMAL.
create or replace view customer_facts as
select
    month,
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
    customer_kind,
    industry,
    channel,
    grid_id,
    lon,
    lat,
    loan_offline,
    loan_online,
    credit_limit,
    dep_settlement,
    dep_pure,
    dep_margin,
    dep_savings,
    dep_avg,
    overdue,
    has_payroll,
    has_bill_discount,
    has_intl_settlement,
    has_cash_mgmt,
    has_credit_card,
    has_basic_account,
    loan_share,
    settle_share,
    loan_maturity,
    open_date,
    phone,
    id_number,
    coalesce(loan_offline, 0) + coalesce(loan_online, 0) as loans,
    coalesce(dep_settlement, 0) + coalesce(dep_pure, 0)
    + coalesce(dep_margin, 0) + coalesce(dep_savings, 0) as deposits
from customers
