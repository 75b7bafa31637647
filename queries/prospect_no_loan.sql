-- 无贷转有贷: non-credit customers who are loan prospects because they keep sizable deposits
-- with us, or have payroll (代发工资) or a basic account (基本户) here.
-- Grain: one row per non-credit customer of the month that meets at least one of the three.
-- Params: $month (YYYY-MM), $branch (optional, NULL = all sub-branches),
--   $manager_id (optional, NULL = all managers), $min_deposit (yuan: month-end deposits of the
--   four kinds at or above it qualify),
--   $limit (optional, NULL = every row; else the first rows in the list's order),
--   $per_manager (optional, NULL = all; else each manager's first rows, firms and others apart:
--   the balanced-growth candidates of a whole sub-branch without every row).
-- list_total: how many rows the whole list holds (also when $limit cuts it short).
-- manager_total, manager_firms: the manager's rows in the whole list, and those of firms
-- (customer kind containing 企业 or 公司).
-- Segment: the stored one, else the contract's rule (offline loan > 0, else online loan > 0).
-- customer_name and phone are personal data (masked in training mode).
-- Order: deposits largest first, then customer id.
-- Registry (puhui/queries.py): $min_deposit, $limit come from the settings unless given.
with prospects as (
    select
        *,
        deposits >= $min_deposit as deposit_qualifies,
        coalesce(has_payroll, false) as payroll,
        coalesce(has_basic_account, false) as basic_account,
        coalesce(customer_kind like '%企业%' or customer_kind like '%公司%', false) as is_firm
    from prospect_book($month, $branch, $manager_id)
    where
        segment = '非授信'
        and loans = 0
),

listed as (
    select *
    from prospects
    where deposit_qualifies or payroll or basic_account
),

manager_counts as (
    select
        branch,
        manager_id,
        count(*) as manager_total,
        count(*) filter (where is_firm) as manager_firms
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
        row_number() over (partition by branch, manager_id, is_firm order by deposits desc, customer_id asc)
        <= $per_manager
)

select
    p.customer_id,
    p.customer_name,
    p.branch,
    p.manager_id,
    r.manager_name,
    p.customer_kind,
    p.industry,
    p.deposits,
    p.dep_avg,
    p.dep_settlement,
    p.dep_pure,
    p.dep_savings,
    p.payroll as has_payroll,
    p.basic_account as has_basic_account,
    concat_ws(
        '、',
        case when p.deposit_qualifies then '存款达标' end,
        case when p.payroll then '代发工资' end,
        case when p.basic_account then '基本户' end
    ) as reasons,
    p.open_date,
    p.phone,
    s.list_total,
    mc.manager_total,
    mc.manager_firms
from kept as p
cross join list_size as s
left join manager_counts as mc
    on mc.branch is not distinct from p.branch and mc.manager_id is not distinct from p.manager_id
left join manager_names($month) as r on p.manager_id = r.manager_id
order by p.deposits desc, p.customer_id asc
limit $limit
