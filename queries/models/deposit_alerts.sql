-- Deposit-triggered visit alerts (seed 001, table 8), the rule shared by the visit_alerts list
-- and the manager evaluation: customers whose point-in-time deposits (four kinds) rose by more
-- than the first threshold this month over last month's for the same customer (a customer new
-- this month counts from 0; a sub-branch without the previous calendar month yields none),
-- the visitor role the rise calls for, and the best on-site visit recorded for them that month.
-- Grain: one row per customer past the first threshold.
-- Params: m (YYYY-MM), b (sub-branch; NULL = all), t_manager, t_lead, t_vp (yuan thresholds:
--   strictly above t_vp → 分管行长 (rank 3), above t_lead → 团队负责人 (2), above t_manager →
--   客户经理 (1)); a table macro: deposit_alerts($month, $branch, 1000000, 2000000, 5000000).
-- best_rank: the highest role among the month's 上门 visits to the customer (no role recorded =
--   客户经理 = 1; 0 without one); visited when best_rank >= required_rank (a higher role
--   satisfies a lower requirement).
create or replace macro deposit_alerts(m, b, t_manager, t_lead, t_vp) as table
    with both_months as (
        -- This month and the previous one as a constant list, so the filter reaches the scan.
        select
            month = m as is_now,
            customer_id,
            manager_id,
            branch,
            coalesce(dep_settlement, 0) + coalesce(dep_pure, 0)
            + coalesce(dep_margin, 0) + coalesce(dep_savings, 0) as dep_total
        from customers
        where month in (m, strftime(strptime(m || '-01', '%Y-%m-%d') - interval 1 month, '%Y-%m'))
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
        where month = m and method = '上门'
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
        where b is null or cur.branch = b
    )

    select
        i.*,
        case
            when i.deposit_increase > cast(t_vp as decimal(18, 2)) then 3
            when i.deposit_increase > cast(t_lead as decimal(18, 2)) then 2
            else 1
        end as required_rank,
        coalesce(v.best_rank, 0) as best_rank,
        coalesce(v.best_rank, 0) >= (
            case
                when i.deposit_increase > cast(t_vp as decimal(18, 2)) then 3
                when i.deposit_increase > cast(t_lead as decimal(18, 2)) then 2
                else 1
            end
        ) as visited,
        coalesce(v.onsite_visits, 0) as onsite_visits,
        v.last_onsite_date
    from increases as i
    left join onsite_visits as v on i.customer_id = v.customer_id
    where i.deposit_increase > cast(t_manager as decimal(18, 2))
