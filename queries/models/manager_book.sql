-- The books of the scorecard (overview, branch_ranking): each manager's customers, loans,
-- deposits and overdue per sub-branch, in the months a data month is compared with: the month,
-- the month before, December of the previous year, the same month a year before, and each
-- present sub-branch's baseline month (branch_baselines).
-- Grain: one row per month, sub-branch and manager_id holding customers; only sub-branches
--   present in the data month (like for like).
-- Params: m (YYYY-MM), b (sub-branch; NULL = all), a table macro: manager_book($month, $branch).
-- The columns of manager_months (which it cannot read: a join does not reach the customers scan
--   through that view's aggregate, and the fallback months would read the whole year).
create or replace macro manager_book(m, b) as table
    with customer_rows as (
    -- A plain list of constants lets DuckDB skip the other months' row groups (a subquery in
    -- the list would not); the rare fallback baseline months are joined in below.
        select
            month,
            branch,
            manager_id,
            segment,
            loans,
            deposits,
            overdue
        from customer_facts
        where
            (b is null or branch = b)
            and month in (m, previous_month(m), year_start_month(m), year_ago_month(m))
        union all
        select
            c.month,
            c.branch,
            c.manager_id,
            c.segment,
            c.loans,
            c.deposits,
            c.overdue
        from customer_facts as c
        inner join branch_baselines(m, b) as bb on c.branch = bb.branch and c.month = bb.baseline_month
        where
            c.month >= left(m, 4) || '-01'
            and c.month < previous_month(m)
    )

    select
        r.month,
        r.branch,
        r.manager_id,
        count(*) as accounts,
        count(*) filter (where r.segment = '线下授信') as offline_credit,
        count(*) filter (where r.segment = '线上授信') as online_credit,
        count(*) filter (where r.segment = '非授信') as non_credit,
        sum(r.loans) as loans,
        sum(r.deposits) as deposits,
        sum(coalesce(r.overdue, 0)) as overdue
    from customer_rows as r
    semi join present_branches(m, b) as p on r.branch = p.branch
    group by r.month, r.branch, r.manager_id
