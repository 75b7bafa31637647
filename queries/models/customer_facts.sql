-- The customers as the queries read them: one row per customer per month (the stored
-- customers table), with the contract's columns and the facts every page derives the same way.
-- Grain: one row per month and customer_id (and sub-branch, as stored).
-- Params: none (a view: filter it on month, branch, manager_id; the filters reach the scan).
-- segment: as stored, else derived as the contract says (offline loan → 线下授信, else online
--   loan → 线上授信, else 非授信).
-- loans: offline + online loan balance; deposits: the four deposit kinds (settlement, pure,
--   margin, savings), a missing amount counting 0; both in yuan, DECIMAL.
-- is_active: the customer holds anything with us this month (a loan, a credit limit, a
--   deposit or an average deposit above 0, or any of the six products); prospect_dormant
--   lists customers without it through a window of months.
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
    + coalesce(dep_margin, 0) + coalesce(dep_savings, 0) as deposits,
    (
        coalesce(loan_offline, 0) > 0 or coalesce(loan_online, 0) > 0
        or coalesce(credit_limit, 0) > 0
        or coalesce(dep_settlement, 0) > 0 or coalesce(dep_pure, 0) > 0
        or coalesce(dep_margin, 0) > 0 or coalesce(dep_savings, 0) > 0
        or coalesce(dep_avg, 0) > 0
        or coalesce(has_payroll, false) or coalesce(has_basic_account, false)
        or coalesce(has_bill_discount, false) or coalesce(has_intl_settlement, false)
        or coalesce(has_cash_mgmt, false) or coalesce(has_credit_card, false)
    ) as is_active
from customers
