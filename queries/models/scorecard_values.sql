-- The scorecard's measures in the months a data month is compared with (manager_book's
-- months): 管户数, 线下授信户数, 线上授信户数, 非授信户数, 贷款余额, 存款余额, 逾期金额 (元),
-- 逾期率 (overdue / loans, 0-1) and 客户经理人数 (customer managers among the staff).
-- Grain: one row per month, metric and, when per_branch, sub-branch (else branch is NULL: the
--   scope as a whole, managers counted once across sub-branches).
-- Params: m (YYYY-MM), b (sub-branch; NULL = all), per_branch (boolean), a table macro:
--   scorecard_values($month, $branch, false). value: DECIMAL(38,6).
create or replace macro scorecard_values(m, b, per_branch) as table
    with totals as (
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
        from manager_book(m, b)
        group by 1, 2
    ),

    headcount as (
        select
            s.month,
            case when per_branch then s.branch end as branch,
            count(distinct s.manager_id) filter (where s.is_manager) as managers
        from staff(m, b) as s
        semi join totals as t
            on s.month = t.month and t.branch is not distinct from (case when per_branch then s.branch end)
        group by 1, 2
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
