-- Deposit-triggered visit alerts (seed 001, table 8; the rule is the model deposit_alerts): customers whose point-in-time deposits
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
with alerts as (
    select *
    from deposit_alerts(
        $month,
        $branch,
        coalesce($threshold_manager, 1000000),
        coalesce($threshold_lead, 2000000),
        coalesce($threshold_vp, 5000000)
    )
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
    a.visited,
    m.manager_name,
    d.segment,
    a.prev_total,
    a.dep_total,
    a.is_new_customer,
    a.required_rank,
    case a.best_rank when 3 then '分管行长' when 2 then '团队负责人' when 1 then '客户经理' end as best_visit_role,
    a.onsite_visits,
    a.last_onsite_date
from alerts as a
left join managers_now as m on a.manager_id = m.manager_id
left join details as d on a.customer_id = d.customer_id
order by a.required_rank desc, a.deposit_increase desc, a.customer_id asc
