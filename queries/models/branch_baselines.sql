-- The baseline month of each sub-branch present in a data month (present_branches): December
-- of the previous year when the sub-branch has it stored, else its earliest month of the year
-- up to the data month (looked up only for the sub-branches without December: usually none).
-- Grain: one row per present sub-branch with a baseline.
-- Params: m (YYYY-MM), b (sub-branch; NULL = all), a table macro: branch_baselines($month, $branch).
create or replace macro branch_baselines(m, b) as table
    with with_december as (
        select distinct branch
        from customers
        where month = year_start_month(m)
    )

    select
        p.branch,
        year_start_month(m) as baseline_month
    from present_branches(m, b) as p
    semi join with_december as d on p.branch = d.branch
    union all
    select
        c.branch,
        min(c.month) as baseline_month
    from customers as c
    semi join (
        select branch from present_branches(m, b)
        anti join with_december using (branch)
    ) as late on c.branch = late.branch
    where
        c.month >= left(m, 4) || '-01'
        and c.month <= m
    group by c.branch
