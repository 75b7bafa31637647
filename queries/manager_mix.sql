-- Account mix per customer manager for one month: how many offline-credit, online-credit
-- and non-credit customers each manager holds.
-- Grain: one row per manager in the month's roster (or with customers that month).
-- Params: $month (YYYY-MM), $branch (optional, NULL = all sub-branches).
with roster as (
    select manager_id, manager_name, branch
    from managers
    where month = $month
),

book as (
    select
        manager_id,
        branch,
        count(*) filter (where segment = '线下授信') as offline_credit,
        count(*) filter (where segment = '线上授信') as online_credit,
        count(*) filter (where segment = '非授信') as non_credit,
        count(*) as total
    from customers
    where month = $month
    group by manager_id, branch
),

managers_in_scope as (
    select manager_id, branch, manager_name from roster
    union
    select book.manager_id, book.branch, null as manager_name
    from book
    anti join roster on roster.manager_id = book.manager_id and roster.branch = book.branch
)

select
    m.manager_id,
    coalesce(m.manager_name, any_value(r.manager_name)) as manager_name,
    m.branch,
    coalesce(max(b.offline_credit), 0) as offline_credit,
    coalesce(max(b.online_credit), 0) as online_credit,
    coalesce(max(b.non_credit), 0) as non_credit,
    coalesce(max(b.total), 0) as total
from managers_in_scope as m
left join book as b on b.manager_id = m.manager_id and b.branch = m.branch
left join roster as r on r.manager_id = m.manager_id
where $branch is null or m.branch = $branch
group by m.manager_id, m.manager_name, m.branch
order by m.branch, m.manager_id
