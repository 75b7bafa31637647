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
    c.compliant,
    c.shortfall,
    c.rule
from settlement_checks($month, $branch) as c
left join manager_names($month) as m on c.manager_id = m.manager_id
where $manager_id is null or c.manager_id = $manager_id
order by c.compliant asc, c.shortfall desc, c.branch asc, c.customer_id asc
limit coalesce($top_n, 9223372036854775807)
