-- Product gaps: customers who do not use a product their profile suggests.
-- Grain: one row per customer of the month with at least one gap.
-- Params: $month (YYYY-MM), $branch (optional, NULL = all sub-branches),
--   $manager_id (optional, NULL = all managers), $payroll_deposit (yuan),
--   $cash_mgmt_deposit (yuan),
--   $limit (optional, NULL = every row; else the first rows in the list's order),
--   $per_manager (optional, NULL = all; else each manager's first rows, those with a payroll gap
--   and the others apart: the balanced-growth candidates of a whole sub-branch without every row).
-- list_total: how many rows the whole list holds (also when $limit cuts it short).
-- manager_payroll: the manager's customers with a payroll gap (代发工资) in the whole list.
-- The rules (a business = customer kind other than 个人/农户/自然人, or, without a kind, a
-- name with 公司/厂/店/合作社/个体/商行/经营部/中心; a firm = a kind containing 企业 or 公司,
-- or, without a kind, a name with 公司):
--   基本户   credit customers (线下/线上授信) that are businesses without a basic account;
--   代发工资 firms with month-end deposits >= $payroll_deposit without payroll;
--   现金管理 firms with settlement deposits >= $cash_mgmt_deposit without cash management;
--   票据贴现 offline-credit (线下授信) firms without bill discount;
--   国际结算 businesses in a trading industry (进出口/外贸/跨境/国际贸易) without
--            international settlement;
--   信用卡   credit customers (for a business: its owner) without a credit card.
-- customer_name and phone are personal data (masked in training mode).
-- Order: number of gaps, then deposits, largest first.
-- Registry (puhui/queries.py): $payroll_deposit, $cash_mgmt_deposit, $limit come from the settings unless given.
-- The rules live in the model customer_gaps (also read by list_members: the lists that report back).
with gaps as (
    select *
    from customer_gaps($month, $month, $branch, $payroll_deposit, $cash_mgmt_deposit)
    where $manager_id is null or manager_id = $manager_id
),

listed as (
    select *
    from gaps
    where gap_count > 0
),

manager_counts as (
    select
        branch,
        manager_id,
        count(*) filter (where gap_payroll) as manager_payroll
    from listed
    group by branch, manager_id
),

list_size as (
    select count(*) as list_total
    from listed
),

-- Each manager's first rows only when asked for: otherwise the ranking runs on no rows.
kept as (
    select *
    from listed
    where $per_manager is null
    union all
    select *
    from listed
    where $per_manager is not null
    qualify
        row_number() over (
            partition by branch, manager_id, gap_payroll
            order by gap_count desc, deposits desc, customer_id asc
        ) <= $per_manager
)

select
    g.customer_id,
    g.customer_name,
    g.branch,
    g.manager_id,
    r.manager_name,
    g.segment,
    g.customer_kind,
    g.industry,
    g.loans,
    g.deposits,
    g.dep_settlement,
    g.gaps,
    g.gap_count,
    g.gap_basic_account,
    g.gap_payroll,
    g.gap_cash_mgmt,
    g.gap_bill_discount,
    g.gap_intl_settlement,
    g.gap_credit_card,
    g.phone,
    s.list_total,
    coalesce(mc.manager_payroll, 0) as manager_payroll
from kept as g
cross join list_size as s
left join manager_counts as mc
    on mc.branch is not distinct from g.branch and mc.manager_id is not distinct from g.manager_id
left join manager_names($month) as r on g.manager_id = r.manager_id
order by g.gap_count desc, g.deposits desc, g.customer_id asc
limit $limit
