-- The scorecard's measures in the months a data month is compared with (manager_book's
-- months): 管户数, 线下授信户数, 线上授信户数, 非授信户数, 贷款余额, 存款余额, 逾期金额 (元),
-- 逾期率 (overdue / loans, 0-1) and 客户经理人数 (customer managers among the staff).
-- Grain: one row per month, metric and, when per_branch, sub-branch (else branch is NULL: the
--   scope as a whole, managers counted once across sub-branches).
-- Params: m (YYYY-MM), b (sub-branch; NULL = all), per_branch (boolean), a table macro:
--   scorecard_values($month, $branch, false). value: DECIMAL(38,6).
create or replace macro scorecard_values(m, b, per_branch) as table
    with book as materialized (
        select * from manager_book(m, b)
    ),

    totals as (
        select
            month,
            case when per_branch then branch end as branch,
            sum(accounts) as accounts,
            sum(offline_credit) as offline_credit,
            sum(online_credit) as online_credit,
            sum(non_credit) as non_credit,
            sum(loans) as loans,
            sum(deposits) as deposits,
            sum(overdue) as overdue
        from book
        group by all
    ),

    -- The staff of each month: the roster of the present sub-branches plus anyone holding
    -- customers there; a customer manager has role 客户经理 as listed that month, or none.
    roles as (
        select
            month,
            manager_id,
            any_value(role) as role
        from managers
        where month in (select distinct month from book)
        group by month, manager_id
    ),

    people as (
        select
            x.month,
            x.manager_id,
            x.branch
        from managers as x
        semi join present_branches(m, b) as p on x.branch = p.branch
        where x.month in (select distinct month from book)
        union
        select
            month,
            manager_id,
            branch
        from book
    ),

    headcount as (
        select
            s.month,
            case when per_branch then s.branch end as branch,
            count(distinct s.manager_id) filter (where coalesce(r.role = '客户经理', true)) as managers
        from people as s
        left join roles as r on s.month = r.month and s.manager_id = r.manager_id
        semi join totals as t
            on s.month = t.month and t.branch is not distinct from (case when per_branch then s.branch end)
        group by all
    )

    select
        month,
        branch,
        '管户数' as metric,
        cast(accounts as decimal(38, 6)) as value
    from totals
    union all
    select
        month,
        branch,
        '线下授信户数',
        cast(offline_credit as decimal(38, 6))
    from totals
    union all
    select
        month,
        branch,
        '线上授信户数',
        cast(online_credit as decimal(38, 6))
    from totals
    union all
    select
        month,
        branch,
        '非授信户数',
        cast(non_credit as decimal(38, 6))
    from totals
    union all
    select
        month,
        branch,
        '贷款余额',
        cast(loans as decimal(38, 6))
    from totals
    union all
    select
        month,
        branch,
        '存款余额',
        cast(deposits as decimal(38, 6))
    from totals
    union all
    select
        month,
        branch,
        '逾期金额',
        cast(overdue as decimal(38, 6))
    from totals
    union all
    select
        month,
        branch,
        '逾期率',
        cast(cast(overdue as double) / nullif(cast(loans as double), 0) as decimal(38, 6))
    from totals
    union all
    select
        month,
        branch,
        '客户经理人数',
        cast(managers as decimal(38, 6))
    from headcount
