-- The roster of a data month (花名册): each customer manager as listed in the month, per
-- sub-branch, with name, team and role (客户经理, 团队负责人, 分管行长 …).
-- Grain: one row per manager_id and sub-branch listed in the managers table for the month.
-- Params: m (YYYY-MM), a table macro: select … from roster($month).
create or replace macro roster(m) as table
    select
        manager_id,
        branch,
        any_value(manager_name) as manager_name,
        any_value(team) as team,
        any_value(role) as role
    from managers
    where month = m
    group by manager_id, branch
