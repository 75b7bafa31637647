-- The staff of a data month: everyone on the roster of a sub-branch present in the month
-- (present_branches), plus anyone holding customers there, with whether they count as a
-- customer manager (role 客户经理 as listed in the month, or no role stored) for targets.
-- Grain: one row per manager_id and sub-branch.
-- Params: m (YYYY-MM), b (sub-branch; NULL = all), a table macro: staff_now($month, $branch).
create or replace macro staff_now(m, b) as table
    with roles as (
        select
            manager_id,
            any_value(role) as role
        from managers
        where month = m
        group by manager_id
    ),

    people as (
        select
            x.manager_id,
            x.branch
        from managers as x
        semi join present_branches(m, b) as p on x.branch = p.branch
        where x.month = m
        union
        select
            c.manager_id,
            c.branch
        from customers as c
        semi join present_branches(m, b) as p on c.branch = p.branch
        where c.month = m
    )

    select distinct
        s.manager_id,
        s.branch,
        coalesce(r.role = '客户经理', true) as is_manager
    from people as s
    left join roles as r on s.manager_id = r.manager_id
