-- Deposit-triggered visit alerts (seed 001, table 8): customers whose point-in-time deposits
-- rose by more than the first threshold this month, the visitor role the rise calls for, and
-- whether an on-site visit by someone of at least that role was recorded that month.
-- Grain: one row per customer past the first threshold.
-- Params: $month (YYYY-MM), $branch (optional, NULL = all sub-branches), $threshold_manager (optional, NULL = 1000000 yuan), $threshold_lead (optional, NULL = 2000000 yuan), $threshold_vp (optional, NULL = 5000000 yuan).
-- The page binds the thresholds from settings (visit_threshold_manager / _lead / _vp).
-- deposit_increase = this month's total point-in-time deposits (four kinds) minus last
-- month's for the same customer; a customer new this month counts from 0; a sub-branch
-- without the previous calendar month stored yields no alerts. Strictly more than a
-- threshold triggers it: above threshold_vp → 分管行长, above threshold_lead → 团队负责人,
-- above threshold_manager → 客户经理 (roles rank 客户经理 < 团队负责人 < 分管行长).
-- visited: a visit with method 上门 to the same customer dated in the same month by a
-- visitor whose role ranks at least the required one (no role recorded = 客户经理; a
-- higher role satisfies a lower requirement). Extras after visited: manager_name,
-- segment, prev_total, dep_total, is_new_customer, required_rank, best_visit_role,
-- onsite_visits, last_onsite_date.
-- Registry (puhui/queries.py): $threshold_manager, $threshold_lead, $threshold_vp come from the settings unless given.
with thresholds as (
    select
        cast(coalesce($threshold_manager, 1000000) as decimal(18, 2)) as manager_level,
        cast(coalesce($threshold_lead, 2000000) as decimal(18, 2)) as lead_level,
        cast(coalesce($threshold_vp, 5000000) as decimal(18, 2)) as vp_level
),

both_months as (
    -- This month and the previous one as a constant list, so the filter reaches the scan.
    select
        month = $month as is_now,
        customer_id,
        manager_id,
        branch,
        coalesce(dep_settlement, 0) + coalesce(dep_pure, 0)
        + coalesce(dep_margin, 0) + coalesce(dep_savings, 0) as dep_total
    from customers
    where month in ($month, strftime(strptime($month || '-01', '%Y-%m-%d') - interval 1 month, '%Y-%m'))
),

per_customer as (
    -- One pass: each customer's total now and last month side by side.
    select
        customer_id,
        bool_or(not is_now) as in_prev,
        min(manager_id) filter (where is_now) as manager_id,
        min(branch) filter (where is_now) as branch,
        sum(dep_total) filter (where is_now) as dep_total,
        coalesce(sum(dep_total) filter (where not is_now), 0) as prev_total
    from both_months
    group by customer_id
    having bool_or(is_now)
),

branches_prev as (
    select distinct branch from both_months
    where not is_now
),

onsite_visits as (
    select
        customer_id,
        count(*) as onsite_visits,
        max(
            case coalesce(visitor_role, '客户经理')
                when '分管行长' then 3
                when '团队负责人' then 2
                else 1
            end
        ) as best_rank,
        max(visit_date) as last_onsite_date
    from visits
    where month = $month and method = '上门'
    group by customer_id
),

increases as (
    select
        cur.customer_id,
        cur.manager_id,
        cur.branch,
        cast(cur.prev_total as decimal(18, 2)) as prev_total,
        cast(cur.dep_total as decimal(18, 2)) as dep_total,
        cast(cur.dep_total - cur.prev_total as decimal(18, 2)) as deposit_increase,
        not cur.in_prev as is_new_customer
    from per_customer as cur
    semi join branches_prev on cur.branch = branches_prev.branch
    where $branch is null or cur.branch = $branch
),

alerts as (
    select
        increases.*,
        case
            when increases.deposit_increase > thresholds.vp_level then 3
            when increases.deposit_increase > thresholds.lead_level then 2
            else 1
        end as required_rank
    from increases, thresholds
    where increases.deposit_increase > thresholds.manager_level
),

managers_now as (
    select
        manager_id,
        any_value(manager_name) as manager_name
    from managers
    where month = $month
    group by manager_id
),

details as (
    -- Name and segment for the alerted customers only (a few thousand, not the whole book).
    select
        customers.customer_id,
        any_value(customers.customer_name) as customer_name,
        any_value(
            coalesce(
                customers.segment,
                case
                    when customers.loan_offline > 0 then '线下授信'
                    when customers.loan_online > 0 then '线上授信'
                    else '非授信'
                end
            )
        ) as segment
    from customers
    semi join alerts on customers.customer_id = alerts.customer_id
    where customers.month = $month
    group by customers.customer_id
)

select
    a.customer_id,
    d.customer_name,
    a.manager_id,
    a.branch,
    a.deposit_increase,
    case a.required_rank when 3 then '分管行长' when 2 then '团队负责人' else '客户经理' end as required_role,
    coalesce(v.best_rank, 0) >= a.required_rank as visited,
    m.manager_name,
    d.segment,
    a.prev_total,
    a.dep_total,
    a.is_new_customer,
    a.required_rank,
    case v.best_rank when 3 then '分管行长' when 2 then '团队负责人' when 1 then '客户经理' end as best_visit_role,
    coalesce(v.onsite_visits, 0) as onsite_visits,
    v.last_onsite_date
from alerts as a
left join onsite_visits as v on a.customer_id = v.customer_id
left join managers_now as m on a.manager_id = m.manager_id
left join details as d on a.customer_id = d.customer_id
order by a.required_rank desc, a.deposit_increase desc, a.customer_id asc
