-- Customers brought by government departments and associations (grid types 政府渠道 and
-- 商会协会: the vertical axis of the grid plan), one data month.
-- Summed per department (the page's 渠道 list) so the customers need not leave the database.
-- Grain: one row per department with at least one attributed customer, each customer to at most one department.
-- Match rule: the model channel_attribution (queries/models/channel_attribution.sql).
-- Params: $month (YYYY-MM), $branch (optional, NULL = all; a department of the sub-branch or a customer of it).
select
    dept_id as grid_id,
    count(*) as customers,
    count(*) filter (where segment = '线下授信') as offline_credit,
    count(*) filter (where segment = '线上授信') as online_credit,
    count(*) filter (where segment = '非授信') as non_credit,
    cast(sum(deposits) as decimal(18, 2)) as deposits,
    cast(sum(loans) as decimal(18, 2)) as loans
from channel_attribution($month)
where $branch is null or dept_branch = $branch or branch = $branch
group by dept_id
order by dept_id
