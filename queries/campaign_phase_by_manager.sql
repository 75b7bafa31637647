-- What each customer manager delivered in one campaign phase, up to the end of the data month:
-- the activity measures (sums of the activities table) and the count measures (increase of the
-- manager's 管户数 and segment counts over the phase), for ranking sub-branches and managers.
-- Grain: one row per (branch, manager_id) and measure; manager_id is NULL for activities that
-- name no manager (they count for the sub-branch only). Every manager on the data month's
-- roster (but a 分管行长 with no results) appears, with 0 where nothing happened.
-- Params: $month (YYYY-MM), $branch (optional, NULL = all sub-branches),
--   $phase_start (first month number of the phase), $phase_end (last month number of the phase).
-- Counts start from the count at the month before the phase (the previous year-end for a phase
-- starting in January), or from the earliest stored month of the year when that is missing,
-- and end at the phase's last month-end or at the data month, whichever comes first.
-- Only sub-branches with customers stored in $month take part (like for like: a sub-branch
-- that has not uploaded the month is not ranked, and its managers are not listed).
-- Registry (puhui/queries.py): $phase_start, $phase_end come from the settings unless given.
with phase_window as (
    select
        strftime(make_date(cast(left($month, 4) as integer), $phase_start, 1), '%Y-%m') as start_month,
        strftime(make_date(cast(left($month, 4) as integer), $phase_end, 1), '%Y-%m') as end_month,
        strftime(make_date(cast(left($month, 4) as integer), $phase_start, 1) - interval 1 month, '%Y-%m')
            as before_month
),

activities_in_phase as (
    select
        a.branch,
        nullif(trim(a.manager_id), '') as manager_id,
        a.new_accounts,
        a.new_basic_accounts,
        a.new_payroll,
        a.new_deposits,
        a.new_loans
    from activities as a
    cross join phase_window as w
    where
        a.month between w.start_month and w.end_month
        and a.month <= $month
        and ($branch is null or a.branch = $branch)
),

present as (
    select distinct branch
    from customers
    where month = $month and ($branch is null or branch = $branch)
),

customers_in_year as (
    select
        c.month,
        c.branch,
        c.manager_id,
        c.segment
    from customers as c
    semi join present as p on c.branch = p.branch
    where
        c.month >= printf('%04d-12', cast(left($month, 4) as integer) - 1)
        and c.month <= $month
),

roster as (
    select
        manager_id,
        any_value(manager_name) as manager_name,
        any_value(branch) as branch,
        any_value(role) as role
    from managers
    where
        month = $month
        and ($branch is null or branch = $branch)
    group by manager_id
),

stored_months as (
    select distinct month from customers_in_year
),

baseline as (
    select
        coalesce(
            max(month) filter (where month = printf('%04d-12', cast(left($month, 4) as integer) - 1)),
            min(month) filter (where month >= left($month, 4) || '-01')
        ) as baseline_month
    from stored_months
),

refs as (
    -- only a phase that has started has an end reference; start falls back to the baseline
    select
        coalesce(
            max(s.month) filter (where s.month <= w.before_month and s.month >= b.baseline_month),
            b.baseline_month
        ) as start_ref,
        max(s.month) filter (
            where s.month <= least(w.end_month, $month) and s.month >= b.baseline_month
            and w.start_month <= $month
        ) as end_ref
    from stored_months as s
    cross join phase_window as w
    cross join baseline as b
    group by b.baseline_month
),

signed_counts as (
    -- the end count with a plus sign, the start count with a minus sign: their sum is the increase
    select
        c.branch,
        c.manager_id,
        c.segment,
        1 as sign
    from customers_in_year as c
    inner join refs as r on c.month = r.end_ref
    union all
    select
        c.branch,
        c.manager_id,
        c.segment,
        -1 as sign
    from customers_in_year as c
    inner join refs as r on c.month = r.start_ref
    where r.end_ref is not null
),

count_increase as (
    select
        branch,
        manager_id,
        sum(sign) filter (where segment = '线下授信') as 线下授信户数,
        sum(sign) filter (where segment = '线上授信') as 线上授信户数,
        sum(sign) filter (where segment = '非授信') as 非授信户数,
        sum(sign) as 管户数
    from signed_counts
    group by branch, manager_id
),

activity_sums as (
    select
        branch,
        manager_id,
        sum(coalesce(new_accounts, 0)) as 新开户数,
        sum(coalesce(new_basic_accounts, 0)) as 新开基本户数,
        sum(coalesce(new_payroll, 0)) as 新增代发户数,
        sum(coalesce(new_deposits, 0)) as 新增存款,
        sum(coalesce(new_loans, 0)) as 新增贷款
    from activities_in_phase
    group by branch, manager_id
),

values_long as (
    select
        branch,
        manager_id,
        measure,
        cast(value as decimal(18, 2)) as value
    from (
        unpivot activity_sums
        on 新开户数, 新开基本户数, 新增代发户数, 新增存款, 新增贷款
        into name measure value value
    )
    union all
    select
        branch,
        manager_id,
        measure,
        cast(value as decimal(18, 2)) as value
    from (
        unpivot count_increase
        on 线下授信户数, 线上授信户数, 非授信户数, 管户数
        into name measure value value
    )
),

entities as (
    -- a vice-president (分管行长) ranks only where an activity or a customer names them
    select
        branch,
        manager_id
    from roster
    where coalesce(role, '') <> '分管行长'
    union
    select
        branch,
        manager_id
    from activity_sums
    union
    select
        branch,
        manager_id
    from count_increase
),

measures as (
    select *
    from (
        values
        (1, '新开户数'), (2, '新开基本户数'), (3, '新增代发户数'), (4, '新增存款'), (5, '新增贷款'),
        (6, '线下授信户数'), (7, '线上授信户数'), (8, '非授信户数'), (9, '管户数')
    ) as m (measure_order, measure)
)

select
    e.branch,
    e.manager_id,
    r.manager_name,
    m.measure,
    coalesce(v.value, 0) as value
from entities as e
semi join present as p on e.branch = p.branch
cross join measures as m
left join roster as r on e.manager_id = r.manager_id
left join values_long as v
    on
        e.branch = v.branch
        and v.manager_id is not distinct from e.manager_id
        and m.measure = v.measure
order by e.branch, e.manager_id nulls first, m.measure_order
