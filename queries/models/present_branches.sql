-- The sub-branches with customers stored in a data month (like for like: a partial month's
-- line is compared with the same sub-branches in every month).
-- Grain: one row per sub-branch. Params: m (YYYY-MM), b (sub-branch; NULL = all), a table
--   macro: present_branches($month, $branch).
create or replace macro present_branches(m, b) as table
    select distinct branch
    from customers
    where month = m and (b is null or branch = b)
