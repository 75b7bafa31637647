-- Asset quality (资产质量) per customer manager for one month: loans, overdue (逾期欠息), the
-- overdue rate, the overdue customers and the new ones (overdue_customers: overdue now, not
-- overdue or not stored in the calendar month before).
-- Grain: one row per manager_id and sub-branch: the month's roster of customer managers (role
--   客户经理 or none) and anyone holding customers in the month, in scope.
-- Params: m (YYYY-MM), b (sub-branch; NULL = all), a table macro:
--   select … from manager_asset_quality($month, $branch).
-- loans, overdue: DECIMAL(18,2) yuan (0 for a manager without customers). overdue_rate =
--   overdue / loans (DOUBLE), NULL without loans. new_overdue_customers: NULL when the month
--   before is not stored for the sub-branch (nothing to compare with).
create or replace macro manager_asset_quality(m, b) as table
    with books as (
        select
            branch,
            manager_id,
            sum(loans) as loans,
            sum(coalesce(overdue, 0)) as overdue,
            count(*) filter (where overdue > 0) as overdue_customers
        from customer_facts
        where
            month = m
            and (b is null or branch = b)
        group by branch, manager_id
    ),

    overdue_now as (
        select
            branch,
            manager_id,
            count(*) filter (where is_new) as new_overdue_customers
        from overdue_customers(m, m, b)
        group by branch, manager_id
    ),

    previous_branches as (
        select distinct branch
        from customers
        where month = previous_month(m)
    ),

    people as (
        select
            manager_id,
            branch
        from roster(m)
        where
            coalesce(role = '客户经理', true)
            and (b is null or branch = b)
        union
        select
            manager_id,
            branch
        from books
    )

    select
        p.manager_id,
        p.branch,
        cast(coalesce(k.loans, 0) as decimal(18, 2)) as loans,
        cast(coalesce(k.overdue, 0) as decimal(18, 2)) as overdue,
        cast(k.overdue as double) / nullif(cast(k.loans as double), 0) as overdue_rate,
        coalesce(k.overdue_customers, 0) as overdue_customers,
        case
            when pb.branch is not null then coalesce(o.new_overdue_customers, 0)
        end as new_overdue_customers
    from people as p
    left join books as k on p.manager_id is not distinct from k.manager_id and p.branch = k.branch
    left join overdue_now as o on p.manager_id is not distinct from o.manager_id and p.branch = o.branch
    left join previous_branches as pb on p.branch = pb.branch
