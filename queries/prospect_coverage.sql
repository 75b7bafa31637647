-- Product coverage per customer manager: how many of each manager's customers use payroll
-- (代发工资), a basic account (基本户) and each of 三小一卡 (bill discount, international
-- settlement, cash management, credit card), as counts and as shares of the book.
-- Grain: one row per manager in the month's roster (or with customers that month).
-- Params: $month (YYYY-MM), $branch (optional, NULL = all sub-branches),
--   $manager_id (optional, NULL = all managers).
-- sanxiao_yika: customers using at least one of the four 三小一卡 products. Shares are NULL
-- for a manager without customers.
with book as (
    select
        manager_id,
        branch,
        count(*) as customers,
        count(*) filter (where has_payroll) as payroll,
        count(*) filter (where has_basic_account) as basic_account,
        count(*) filter (where has_bill_discount) as bill_discount,
        count(*) filter (where has_intl_settlement) as intl_settlement,
        count(*) filter (where has_cash_mgmt) as cash_mgmt,
        count(*) filter (where has_credit_card) as credit_card,
        count(*) filter (
            where has_bill_discount or has_intl_settlement or has_cash_mgmt or has_credit_card
        ) as sanxiao_yika
    from customers
    where month = $month
    group by manager_id, branch
),

managers_in_scope as (
    select
        manager_id,
        branch
    from roster($month)
    union
    select
        manager_id,
        branch
    from book
),

counts as (
    select
        m.manager_id,
        coalesce(r.manager_name, rid.manager_name) as manager_name,
        m.branch,
        coalesce(b.customers, 0) as customers,
        coalesce(b.payroll, 0) as payroll,
        coalesce(b.basic_account, 0) as basic_account,
        coalesce(b.bill_discount, 0) as bill_discount,
        coalesce(b.intl_settlement, 0) as intl_settlement,
        coalesce(b.cash_mgmt, 0) as cash_mgmt,
        coalesce(b.credit_card, 0) as credit_card,
        coalesce(b.sanxiao_yika, 0) as sanxiao_yika
    from managers_in_scope as m
    left join book as b on m.manager_id = b.manager_id and m.branch = b.branch
    left join roster($month) as r on m.manager_id = r.manager_id and m.branch = r.branch
    left join manager_names($month) as rid on m.manager_id = rid.manager_id
    where
        ($branch is null or m.branch = $branch)
        and ($manager_id is null or m.manager_id = $manager_id)
)

select
    *,
    payroll / nullif(customers, 0) as payroll_rate,
    basic_account / nullif(customers, 0) as basic_account_rate,
    bill_discount / nullif(customers, 0) as bill_discount_rate,
    intl_settlement / nullif(customers, 0) as intl_settlement_rate,
    cash_mgmt / nullif(customers, 0) as cash_mgmt_rate,
    credit_card / nullif(customers, 0) as credit_card_rate,
    sanxiao_yika / nullif(customers, 0) as sanxiao_yika_rate
from counts
order by branch, manager_id
