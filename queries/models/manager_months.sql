-- Each manager's book per month and sub-branch: customers by segment, loans, deposits and
-- overdue (a missing amount counting 0).
-- Grain: one row per month, sub-branch and manager_id holding customers.
-- Params: none (a view: filter it on month and branch; the filters reach the customers scan).
-- accounts and the segment counts: BIGINT; loans, deposits, overdue: DECIMAL yuan.
create or replace view manager_months as
select
    month,
    branch,
    manager_id,
    count(*) as accounts,
    count(*) filter (where segment = '线下授信') as offline_credit,
    count(*) filter (where segment = '线上授信') as online_credit,
    count(*) filter (where segment = '非授信') as non_credit,
    sum(loans) as loans,
    sum(deposits) as deposits,
    sum(coalesce(overdue, 0)) as overdue
from customer_facts
group by month, branch, manager_id
