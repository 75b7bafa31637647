-- Grid cells (网格) for one data month: owner, our customers, businesses, penetration,
-- deposits, loans and the latest activity or visit in each cell.
-- Grain: one row per grid cell, place cells and channel departments alike (is_channel).
-- The cells are the month's grids snapshot, or for a sub-branch with none that month its
-- latest earlier snapshot (grid tables are re-uploaded rarely).
-- customers: this month's customers whose grid_id is the cell, whatever their sub-branch.
-- penetration: customers / merchants, empty where merchants is empty or 0 (it can exceed 1
-- when the business count is out of date). last_activity: the latest date, on or before the
-- month's last day, of an activity held in the cell or a visit to one of its customers.
-- new_accounts, new_deposits, new_loans, phase_activities and phase_visits count the
-- current phase (from the phase start to the month's last day).
-- Params: $month (YYYY-MM), $branch (optional, NULL = all sub-branches),
-- $phase_start (optional, YYYY-MM-DD, NULL = first day of the calendar quarter).
-- Registry (puhui/queries.py): $phase_start come from the settings unless given.
with cells as (
    select *
    from current_grids($month)
    where $branch is null or branch = $branch
),

bounds as (
    select
        month_end($month) as month_end,
        phase_first_day($phase_start, $month) as phase_start
),

roster as (
    select distinct manager_id
    from managers
    where month = $month
),

book as (
    select *
    from customers
    where month = $month
),

cell_book as (
    select
        grid_id,
        count(*) as customers,
        count(*) filter (where segment = '线下授信') as offline_credit,
        count(*) filter (where segment = '线上授信') as online_credit,
        count(*) filter (where segment = '非授信') as non_credit,
        sum(coalesce(dep_settlement, 0)) as dep_settlement,
        sum(coalesce(dep_pure, 0)) as dep_pure,
        sum(coalesce(dep_margin, 0)) as dep_margin,
        sum(coalesce(dep_savings, 0)) as dep_savings,
        sum(coalesce(loan_offline, 0)) as loan_offline,
        sum(coalesce(loan_online, 0)) as loan_online
    from book
    where grid_id is not null
    group by grid_id
),

cell_activities as (
    select
        a.grid_id,
        max(a.activity_date) as last_campaign,
        count(*) filter (where a.activity_date >= b.phase_start) as phase_activities,
        sum(coalesce(a.new_accounts, 0)) filter (where a.activity_date >= b.phase_start) as new_accounts,
        sum(coalesce(a.new_deposits, 0)) filter (where a.activity_date >= b.phase_start) as new_deposits,
        sum(coalesce(a.new_loans, 0)) filter (where a.activity_date >= b.phase_start) as new_loans
    from activities as a
    cross join bounds as b
    where a.month <= $month and a.activity_date <= b.month_end and a.grid_id is not null
    group by a.grid_id
),

visited as (
    select distinct
        customer_id,
        grid_id
    from book
    where grid_id is not null
),

-- A cell's last visit is nearly always recent: look in the phase's months first (the stored
-- month column lets DuckDB skip the older row groups), and reach back through the whole
-- history only for the customers of cells with no visit since then.
recent_visits as (
    select
        c.grid_id,
        max(v.visit_date) as last_visit,
        count(*) filter (where v.visit_date >= b.phase_start) as phase_visits
    from visits as v
    inner join visited as c on v.customer_id = c.customer_id
    cross join bounds as b
    where
        v.month <= $month and v.month >= strftime(b.phase_start, '%Y-%m')
        and v.visit_date <= b.month_end
    group by c.grid_id
),

quiet as (
    select
        c.customer_id,
        c.grid_id
    from visited as c
    anti join recent_visits as r on c.grid_id = r.grid_id
),

older_visits as (
    select
        c.grid_id,
        max(v.visit_date) as last_visit
    from visits as v
    inner join quiet as c on v.customer_id = c.customer_id
    cross join bounds as b
    where v.month <= $month and v.visit_date <= b.month_end
    group by c.grid_id
),

cell_visits as (
    select
        grid_id,
        last_visit,
        phase_visits
    from recent_visits
    union all
    select
        grid_id,
        last_visit,
        0 as phase_visits
    from older_visits
),

roster_stored as (
    select count(*) > 0 as stored
    from roster
)

select
    g.grid_id,
    g.grid_name,
    g.grid_type,
    g.branch,
    nullif(trim(g.manager_id), '') as manager_id,
    g.lon,
    g.lat,
    coalesce(cb.customers, 0) as customers,
    g.merchants,
    case when g.merchants > 0 then cast(coalesce(cb.customers, 0) as double) / g.merchants end as penetration,
    cast(
        coalesce(cb.dep_settlement, 0) + coalesce(cb.dep_pure, 0)
        + coalesce(cb.dep_margin, 0) + coalesce(cb.dep_savings, 0)
        as decimal(18, 2)
    ) as deposits,
    cast(coalesce(cb.loan_offline, 0) + coalesce(cb.loan_online, 0) as decimal(18, 2)) as loans,
    greatest(ca.last_campaign, cv.last_visit) as last_activity,
    n.manager_name,
    case
        when nullif(trim(g.manager_id), '') is null then null
        when not rs.stored then null
        else g.manager_id in (select manager_id from roster)
    end as owner_listed,
    g.grid_type in ('政府渠道', '商会协会') as is_channel,
    g.boundary,
    g.month as grid_month,
    coalesce(cb.offline_credit, 0) as offline_credit,
    coalesce(cb.online_credit, 0) as online_credit,
    coalesce(cb.non_credit, 0) as non_credit,
    cast(coalesce(cb.dep_settlement, 0) as decimal(18, 2)) as dep_settlement,
    cast(coalesce(cb.dep_pure, 0) as decimal(18, 2)) as dep_pure,
    cast(coalesce(cb.dep_margin, 0) as decimal(18, 2)) as dep_margin,
    cast(coalesce(cb.dep_savings, 0) as decimal(18, 2)) as dep_savings,
    cast(coalesce(cb.loan_offline, 0) as decimal(18, 2)) as loan_offline,
    cast(coalesce(cb.loan_online, 0) as decimal(18, 2)) as loan_online,
    coalesce(ca.new_accounts, 0) as new_accounts,
    cast(coalesce(ca.new_deposits, 0) as decimal(18, 2)) as new_deposits,
    cast(coalesce(ca.new_loans, 0) as decimal(18, 2)) as new_loans,
    coalesce(ca.phase_activities, 0) as phase_activities,
    coalesce(cv.phase_visits, 0) as phase_visits,
    ca.last_campaign,
    cv.last_visit,
    date_diff('day', greatest(ca.last_campaign, cv.last_visit), b.month_end) as days_since,
    b.month_end,
    b.phase_start
from cells as g
cross join bounds as b
cross join roster_stored as rs
left join cell_book as cb on g.grid_id = cb.grid_id
left join cell_activities as ca on g.grid_id = ca.grid_id
left join cell_visits as cv on g.grid_id = cv.grid_id
left join manager_names_asof($month) as n on n.manager_id = nullif(trim(g.manager_id), '')
order by g.branch, g.grid_id
