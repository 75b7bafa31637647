-- The overdue customers (逾期欠息) of months m_first .. m_last, each marked new or continuing:
-- new = overdue this month and not overdue (or not stored) in the calendar month before.
-- Grain: one row per month and customer (and sub-branch, as stored) with overdue > 0.
-- Params: m_first, m_last (YYYY-MM), b (sub-branch; NULL = all), a table macro:
--   overdue_customers($month, $month, $branch).
-- previous_stored: the customer's sub-branch has customers stored in the month before; without
--   it nobody can tell new from continuing, and is_new is NULL.
-- prev_overdue: the customer's overdue in the month before (0 when stored without overdue or not
--   present; NULL when the month before is not stored for the sub-branch).
create or replace macro overdue_customers(m_first, m_last, b) as table
    with now as materialized (
        select
            month,
            customer_id,
            customer_name,
            branch,
            manager_id,
            segment,
            customer_kind,
            cast(loans as decimal(18, 2)) as loans,
            cast(overdue as decimal(18, 2)) as overdue,
            loan_maturity,
            phone
        from customer_facts
        where
            month >= m_first
            and month <= m_last
            and (b is null or branch = b)
            and overdue > 0
    ),

    -- The month before only for the overdue customers: a customer in two sub-branches counts
    -- once, with the sum of its overdue.
    before as (
        select
            month,
            customer_id,
            sum(coalesce(overdue, 0)) as prev_overdue
        from customer_facts
        where
            month >= previous_month(m_first)
            and month < m_last
            and customer_id in (select customer_id from now)
        group by month, customer_id
    ),

    stored as (
        select distinct
            month,
            branch
        from customers
        where
            month >= previous_month(m_first)
            and month < m_last
    )

    select
        n.*,
        s.branch is not null as previous_stored,
        case when s.branch is not null then cast(coalesce(p.prev_overdue, 0) as decimal(18, 2)) end as prev_overdue,
        case when s.branch is not null then coalesce(p.prev_overdue, 0) = 0 end as is_new
    from now as n
    left join before as p on n.customer_id = p.customer_id and p.month = previous_month(n.month)
    left join stored as s on n.branch = s.branch and s.month = previous_month(n.month)
