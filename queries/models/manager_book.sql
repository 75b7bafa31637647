-- The books of the scorecard (overview, branch_ranking): each manager's customers, loans,
-- deposits and overdue per sub-branch, in the months a data month is compared with: the month,
-- the month before, December of the previous year, the same month a year before, and each
-- present sub-branch's baseline month (branch_baselines).
-- Grain: one row per month, sub-branch and manager_id holding customers; only sub-branches
--   present in the data month (like for like).
-- Params: m (YYYY-MM), b (sub-branch; NULL = all), a table macro: manager_book($month, $branch).
-- The columns of manager_months.
create or replace macro manager_book(m, b) as table
-- A plain list of constants lets DuckDB skip the other months' row groups (a subquery in the
-- list would not); the rare fallback baseline months are joined in below.
    select x.*
    from manager_months as x
    semi join present_branches(m, b) as p on x.branch = p.branch
    where
        (b is null or x.branch = b)
        and x.month in (m, previous_month(m), year_start_month(m), year_ago_month(m))
    union all
    select x.*
    from manager_months as x
    inner join branch_baselines(m, b) as bb on x.branch = bb.branch and x.month = bb.baseline_month
    where
        x.month >= left(m, 4) || '-01'
        and x.month < previous_month(m)
