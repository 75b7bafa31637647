-- Customers brought by government departments and associations (grid types 政府渠道 and
-- 商会协会: the vertical axis of the grid plan), one data month.
-- Grain: one row per attributed customer, each customer to at most one department.
-- Match rule: the model channel_attribution (queries/models/channel_attribution.sql).
-- Params: $month (YYYY-MM), $branch (optional, NULL = all; a department of the sub-branch or a customer of it),
-- $dept_id (optional, NULL = every department; else only the customers that department brought).
select
    dept_id as grid_id,
    dept_name as grid_name,
    dept_branch as grid_branch,
    customer_id,
    customer_name,
    manager_id,
    branch,
    segment,
    channel,
    case match_rank
        when 1 then '网格编号'
        when 2 then '渠道与部门名称一致'
        when 3 then '渠道含部门名称'
        else '部门名称含渠道'
    end as match_rule,
    deposits,
    loans
from channel_attribution($month)
where
    ($branch is null or dept_branch = $branch or branch = $branch)
    and ($dept_id is null or dept_id = $dept_id)
order by dept_branch, dept_id, customer_id
