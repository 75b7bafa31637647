-- Deposits per sub-branch and month: the four kinds and their total, the customers and the
-- managers holding them.
-- Grain: one row per month and sub-branch with customers stored.
-- Params: none (a view: filter it on month and branch; the filters reach the customers scan).
-- Money: DECIMAL(18,2) yuan, a missing amount counting 0. customers: a customer is stored once
--   per month and sub-branch.
create or replace view branch_deposits as
select
    month,
    branch,
    count(*) as customers,
    count(distinct manager_id) as managers,
    cast(sum(coalesce(dep_settlement, 0)) as decimal(18, 2)) as dep_settlement,
    cast(sum(coalesce(dep_pure, 0)) as decimal(18, 2)) as dep_pure,
    cast(sum(coalesce(dep_margin, 0)) as decimal(18, 2)) as dep_margin,
    cast(sum(coalesce(dep_savings, 0)) as decimal(18, 2)) as dep_savings,
    cast(sum(deposits) as decimal(18, 2)) as dep_total
from customer_facts
group by month, branch
