-- The four kinds of deposit (settlement, pure, margin, savings) per customer manager for
-- one month, in yuan, with each kind's month-on-month and year-start change.
-- Grain: one row per manager in the month's roster (or with customers that month).
-- Params: $month (YYYY-MM), $branch (optional, NULL = all sub-branches).
-- Changes, for each kind k in dep_settlement, dep_pure, dep_margin, dep_savings, dep_total:
--   k_mom = the manager's book this month minus the manager's book in the calendar month
--           before (环比); k_ytd = this month minus December of the previous year (较年初).
--   A manager without customers in the base month counts from 0. Both are NULL when the
--   base month is not stored for the manager's sub-branch (no customers rows there), and
--   prev_month_stored / year_start_stored say which.
with roster as (
    select
        manager_id,
        manager_name,
        branch
    from managers
    where month = $month
),

books as (
    select
        customers.month,
        customers.manager_id,
        customers.branch,
        sum(coalesce(customers.dep_settlement, 0)) as dep_settlement,
        sum(coalesce(customers.dep_pure, 0)) as dep_pure,
        sum(coalesce(customers.dep_margin, 0)) as dep_margin,
        sum(coalesce(customers.dep_savings, 0)) as dep_savings
    from customers
    where customers.month in ($month, previous_month($month), year_start_month($month))
    group by customers.month, customers.manager_id, customers.branch
),

book as (
    select books.* from books
    where books.month = $month
),

book_prev as (
    select books.* from books
    where books.month = previous_month($month)
),

book_dec as (
    select books.* from books
    where books.month = year_start_month($month)
),

branch_prev as (
    select distinct branch from book_prev
),

branch_dec as (
    select distinct branch from book_dec
),

managers_in_scope as (
    select
        manager_id,
        branch,
        manager_name
    from roster
    union
    select
        book.manager_id,
        book.branch,
        null as manager_name
    from book
    anti join roster on book.manager_id = roster.manager_id and book.branch = roster.branch
),

mix as (
    select
        m.manager_id,
        coalesce(m.manager_name, any_value(r.manager_name)) as manager_name,
        m.branch,
        cast(coalesce(max(b.dep_settlement), 0) as decimal(18, 2)) as dep_settlement,
        cast(coalesce(max(b.dep_pure), 0) as decimal(18, 2)) as dep_pure,
        cast(coalesce(max(b.dep_margin), 0) as decimal(18, 2)) as dep_margin,
        cast(coalesce(max(b.dep_savings), 0) as decimal(18, 2)) as dep_savings,
        cast(coalesce(max(p.dep_settlement), 0) as decimal(18, 2)) as prev_settlement,
        cast(coalesce(max(p.dep_pure), 0) as decimal(18, 2)) as prev_pure,
        cast(coalesce(max(p.dep_margin), 0) as decimal(18, 2)) as prev_margin,
        cast(coalesce(max(p.dep_savings), 0) as decimal(18, 2)) as prev_savings,
        cast(coalesce(max(d.dep_settlement), 0) as decimal(18, 2)) as dec_settlement,
        cast(coalesce(max(d.dep_pure), 0) as decimal(18, 2)) as dec_pure,
        cast(coalesce(max(d.dep_margin), 0) as decimal(18, 2)) as dec_margin,
        cast(coalesce(max(d.dep_savings), 0) as decimal(18, 2)) as dec_savings,
        bool_or(bp.branch is not null) as prev_month_stored,
        bool_or(bd.branch is not null) as year_start_stored
    from managers_in_scope as m
    left join book as b on m.manager_id = b.manager_id and m.branch = b.branch
    left join book_prev as p on m.manager_id = p.manager_id and m.branch = p.branch
    left join book_dec as d on m.manager_id = d.manager_id and m.branch = d.branch
    left join branch_prev as bp on m.branch = bp.branch
    left join branch_dec as bd on m.branch = bd.branch
    left join roster as r on m.manager_id = r.manager_id
    where $branch is null or m.branch = $branch
    group by m.manager_id, m.manager_name, m.branch
)

select
    manager_id,
    manager_name,
    branch,
    dep_settlement,
    dep_pure,
    dep_margin,
    dep_savings,
    cast(dep_settlement + dep_pure + dep_margin + dep_savings as decimal(18, 2)) as dep_total,
    case when prev_month_stored then dep_settlement - prev_settlement end as dep_settlement_mom,
    case when year_start_stored then dep_settlement - dec_settlement end as dep_settlement_ytd,
    case when prev_month_stored then dep_pure - prev_pure end as dep_pure_mom,
    case when year_start_stored then dep_pure - dec_pure end as dep_pure_ytd,
    case when prev_month_stored then dep_margin - prev_margin end as dep_margin_mom,
    case when year_start_stored then dep_margin - dec_margin end as dep_margin_ytd,
    case when prev_month_stored then dep_savings - prev_savings end as dep_savings_mom,
    case when year_start_stored then dep_savings - dec_savings end as dep_savings_ytd,
    case
        when prev_month_stored
            then
                (dep_settlement + dep_pure + dep_margin + dep_savings)
                - (prev_settlement + prev_pure + prev_margin + prev_savings)
    end as dep_total_mom,
    case
        when year_start_stored
            then
                (dep_settlement + dep_pure + dep_margin + dep_savings)
                - (dec_settlement + dec_pure + dec_margin + dec_savings)
    end as dep_total_ytd,
    prev_month_stored,
    year_start_stored
from mix
order by branch, manager_id
