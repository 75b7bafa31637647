-- Deposits by customer segment per sub-branch for one month, in yuan: where each kind of
-- deposit comes from, to hold against seed 001 table 6 (settlement and pure deposits
-- chiefly from non-credit customers, margin from credit customers, savings from
-- online-loan and payroll customers).
-- Grain: one row per sub-branch and segment (线下授信 / 线上授信 / 非授信) with customers.
-- Params: $month (YYYY-MM), $branch (optional, NULL = all sub-branches).
-- A missing segment is derived as the contract says (offline loan → 线下授信, else online
-- loan → 线上授信, else 非授信). payroll_customers and dep_savings_payroll count the
-- customers with 代发工资 (has_payroll) and their savings deposits.
select
    branch,
    segment,
    count(*) as customers,
    count(*) filter (where coalesce(has_payroll, false)) as payroll_customers,
    cast(sum(coalesce(dep_settlement, 0)) as decimal(18, 2)) as dep_settlement,
    cast(sum(coalesce(dep_pure, 0)) as decimal(18, 2)) as dep_pure,
    cast(sum(coalesce(dep_margin, 0)) as decimal(18, 2)) as dep_margin,
    cast(sum(coalesce(dep_savings, 0)) as decimal(18, 2)) as dep_savings,
    cast(sum(deposits) as decimal(18, 2)) as dep_total,
    cast(coalesce(sum(coalesce(dep_savings, 0)) filter (where has_payroll), 0) as decimal(18, 2)) as dep_savings_payroll
from customer_facts
where month = $month and ($branch is null or branch = $branch)
group by branch, segment
order by branch, segment
