-- 考核评价: each customer manager's monthly evaluation (seed 000 "结果指标考核、行为指标考核";
-- seed 001 考核管理), a score out of 100 from result and behaviour indicators, with the points
-- each indicator earned and the most it could have earned, the rank in the scope and in the
-- manager's sub-branch, and the 集训营 (bottom group) by score.
-- Grain: one row per customer manager (role 客户经理 or no role) of the month in the scope.
-- Params: $month (YYYY-MM), $branch (optional, NULL = all sub-branches); the 管户结构 defaults
--   $default_offline … $bottom_group_share (as manager_mix); the deposit-jump thresholds
--   $threshold_manager, $threshold_lead, $threshold_vp (as visit_alerts); $control_rate (overdue
--   control rate, 0-1); $activities_target (activities a month); $results_target (new accounts +
--   new basic accounts + new payroll from activities, a month); $coverage_target (share of the
--   manager's customers using one of 三小一卡); $min_deposit, $payroll_deposit, $cash_mgmt_deposit,
--   $dormant_months (the prospect lists' thresholds, as list_conversion); $weight_labels,
--   $weight_values (lists: indicator → weight; an uploaded 考核方案 overrides them, see below).
-- Indicators (attainment 0-1; NULL = not applicable, its weight left out and the rest rescaled):
--   管户数 accounts / target_total; 管户结构 the mean of min(1, segment / its target) over 25/30/50;
--   贷款增长 and 存款增长 the increase over the sub-branch's baseline month (branch_baselines)
--   against (target - baseline balance) × time progress (序时进度), 1 when the target was met at
--   the baseline and is still met; 活动成效 activity results / $results_target; 三小一卡
--   coverage / $coverage_target; 逾期率 1 at or under the control rate, falling linearly to 0 at
--   twice it (NULL without loans); 电话走访 and 上门走访 the share of the manager's non-credit
--   customers visited so this month (visit_cadence; NULL without any); 异动上门 the share of
--   deposit-jump alerts visited by the right role (deposit_alerts; NULL without alerts); 活动举办
--   activities / $activities_target; 网格深耕 the share of the grid cells the manager owns
--   (current_grids) in which the manager made a visit or held an activity this month (NULL
--   without a cell); 名单跟进 converted / listed over the prospect lists of the previous month
--   (list_conversion_by_manager; NULL without a listed customer). All capped at 1.
-- Points: 100 × weight × attainment / the sum of the weights of the applicable indicators;
--   max_* the most the indicator could give (100 × weight / that sum); score = the sum of points.
-- Weights: per indicator, an uploaded 考核方案 row for the manager's sub-branch and the year,
--   else one for the whole line and the year, else the settings' ($weight_*).
-- rank: 1 = best in the scope (ties share a rank); branch_rank within the manager's sub-branch;
--   eval_bottom_group: the 管户结构 rule applied to the score (lowest floor(n × share) by rank,
--   ties at the edge included, none under 4 managers); mix_bottom_group: 管户结构's own flag.
-- Registry (puhui/queries.py): every parameter but $month and $branch comes from the settings unless given.
with mix as (
    select *
    from
        manager_mix(
            $month,
            $branch,
            $default_offline,
            $default_online,
            $default_non_credit,
            $default_total,
            $default_loans,
            $default_deposits,
            $overloaded_accounts,
            $bottom_group_share
        )
    where is_manager
),

setting_weights as (
    select
        unnest($weight_labels) as indicator,
        cast(unnest($weight_values) as double) as weight
),

weights as (
    -- Per manager and indicator: the sub-branch's scheme, else the line's, else the setting.
    select
        m.manager_id,
        w.indicator,
        coalesce(sb.weight, sl.weight, w.weight) as weight
    from mix as m
    cross join setting_weights as w
    left join evaluation_scheme($month) as sb on w.indicator = sb.indicator and m.branch = sb.branch
    left join evaluation_scheme($month) as sl on w.indicator = sl.indicator and sl.branch is null
),

baselines as (
    select
        m.manager_id,
        bb.baseline_month,
        time_progress(bb.baseline_month, $month) as progress,
        coalesce(mm.loans, 0) as base_loans,
        coalesce(mm.deposits, 0) as base_deposits
    from mix as m
    left join branch_baselines($month, $branch) as bb on m.branch = bb.branch
    left join manager_months as mm
        on m.manager_id = mm.manager_id and m.branch = mm.branch and bb.baseline_month = mm.month
),

month_activities as (
    select
        manager_id,
        count(*) as activities,
        sum(
            coalesce(new_accounts, 0) + coalesce(new_basic_accounts, 0) + coalesce(new_payroll, 0)
        ) as activity_results
    from activities
    where month = $month and manager_id is not null
    group by manager_id
),

month_visits as (
    select
        manager_id,
        count(*) as visits
    from visits
    where month = $month
    group by manager_id
),

products as (
    select
        manager_id,
        branch,
        count(*) filter (
            where has_bill_discount or has_intl_settlement or has_cash_mgmt or has_credit_card
        ) / count(*) as coverage
    from customer_facts
    where month = $month
    group by manager_id, branch
),

cadence as (
    select
        manager_id,
        count(*) as non_credit,
        count(*) filter (where phone_visited) / count(*) as phone_rate,
        count(*) filter (where onsite_visited) / count(*) as onsite_rate
    from visit_cadence($month, $branch)
    group by manager_id
),

alerts as (
    select
        manager_id,
        count(*) as alerts,
        count(*) filter (where visited) as alerts_visited
    from
        deposit_alerts(
            $month,
            $branch,
            coalesce($threshold_manager, 1000000),
            coalesce($threshold_lead, 2000000),
            coalesce($threshold_vp, 5000000)
        )
    group by manager_id
),

owned_cells as (
    select distinct
        grid_id,
        manager_id
    from current_grids($month)
    where manager_id is not null
),

worked_cells as (
    -- A cell the owner worked this month: a visit of the owner to a customer of the cell, or
    -- an activity the owner held in it.
    select
        c.grid_id,
        v.manager_id
    from visits as v
    inner join customers as c on v.customer_id = c.customer_id and c.month = $month
    where v.month = $month and c.grid_id is not null
    union
    select
        grid_id,
        manager_id
    from activities
    where month = $month and grid_id is not null
),

cells as (
    select
        o.manager_id,
        count(*) as grids_owned,
        count(w.grid_id) as grids_worked
    from owned_cells as o
    left join worked_cells as w on o.grid_id = w.grid_id and o.manager_id = w.manager_id
    group by o.manager_id
),

lists as (
    select
        manager_id,
        sum(listed) as listed,
        sum(converted) as converted
    from
        list_conversion_by_manager(
            $month,
            $branch,
            min_deposit := $min_deposit,
            payroll_deposit := $payroll_deposit,
            cash_mgmt_deposit := $cash_mgmt_deposit,
            dormant_months := $dormant_months
        )
    group by manager_id
),

facts as (
    select
        m.manager_id,
        m.manager_name,
        m.branch,
        m.team,
        m.total as accounts,
        m.target_total,
        (
            -- A segment target of 0 is met by any count.
            coalesce(least(1, m.offline_credit / nullif(m.target_offline, 0)), 1)
            + coalesce(least(1, m.online_credit / nullif(m.target_online, 0)), 1)
            + coalesce(least(1, m.non_credit / nullif(m.target_non_credit, 0)), 1)
        ) / 3 as mix_fit,
        m.loans,
        m.deposits,
        m.target_loans,
        m.target_deposits,
        cast(m.loans - b.base_loans as decimal(18, 2)) as loan_increase,
        cast(m.deposits - b.base_deposits as decimal(18, 2)) as deposit_increase,
        (m.target_loans - b.base_loans) * b.progress as loan_planned,
        (m.target_deposits - b.base_deposits) * b.progress as deposit_planned,
        b.progress as time_progress,
        cast(m.overdue / nullif(m.loans, 0) as double) as overdue_rate,
        coalesce(a.activities, 0) as activities,
        coalesce(a.activity_results, 0) as activity_results,
        p.coverage as product_coverage,
        c.non_credit,
        c.phone_rate,
        c.onsite_rate,
        coalesce(al.alerts, 0) as alerts,
        coalesce(al.alerts_visited, 0) as alerts_visited,
        coalesce(g.grids_owned, 0) as grids_owned,
        coalesce(g.grids_worked, 0) as grids_worked,
        coalesce(l.listed, 0) as listed,
        coalesce(l.converted, 0) as converted,
        coalesce(v.visits, 0) as visits,
        m.bottom_group as mix_bottom_group
    from mix as m
    left join baselines as b on m.manager_id = b.manager_id
    left join month_activities as a on m.manager_id = a.manager_id
    left join products as p on m.manager_id = p.manager_id and m.branch = p.branch
    left join cadence as c on m.manager_id = c.manager_id
    left join alerts as al on m.manager_id = al.manager_id
    left join cells as g on m.manager_id = g.manager_id
    left join lists as l on m.manager_id = l.manager_id
    left join month_visits as v on m.manager_id = v.manager_id
),

attainment as (
    select
        f.manager_id,
        u.indicator,
        -- least/greatest skip NULLs in DuckDB: a not applicable indicator must stay NULL.
        case when u.attained is not null then least(1, greatest(0, u.attained)) end as attained
    from facts as f
    cross join lateral (
        values
        ('管户数', f.accounts / nullif(f.target_total, 0)),
        ('管户结构', f.mix_fit),
        (
            '贷款增长',
            case
                when f.target_loans is null then null
                when f.loan_planned > 0 then f.loan_increase / f.loan_planned
                else cast(f.loans >= f.target_loans as integer)
            end
        ),
        (
            '存款增长',
            case
                when f.target_deposits is null then null
                when f.deposit_planned > 0 then f.deposit_increase / f.deposit_planned
                else cast(f.deposits >= f.target_deposits as integer)
            end
        ),
        ('活动成效', f.activity_results / nullif(cast($results_target as double), 0)),
        ('三小一卡', f.product_coverage / nullif(cast($coverage_target as double), 0)),
        (
            '逾期率',
            case
                when f.overdue_rate is null then null
                when f.overdue_rate <= $control_rate then 1
                else 1 - (f.overdue_rate - $control_rate) / nullif(cast($control_rate as double), 0)
            end
        ),
        ('电话走访', f.phone_rate),
        ('上门走访', f.onsite_rate),
        ('异动上门', f.alerts_visited / nullif(f.alerts, 0)),
        ('活动举办', f.activities / nullif(cast($activities_target as double), 0)),
        ('网格深耕', f.grids_worked / nullif(f.grids_owned, 0)),
        ('名单跟进', f.converted / nullif(f.listed, 0))
    ) as u (indicator, attained)
),

weighted as (
    select
        a.manager_id,
        a.indicator,
        a.attained,
        w.weight,
        sum(w.weight) filter (where a.attained is not null) over (partition by a.manager_id) as applicable
    from attainment as a
    inner join weights as w on a.manager_id = w.manager_id and a.indicator = w.indicator
),

points as (
    -- Each indicator's points and the most it could give, rescaled to 100 over the applicable weights.
    select
        manager_id,
        indicator,
        100 * weight * attained / nullif(applicable, 0) as points,
        case when attained is not null then 100 * weight / nullif(applicable, 0) end as maximum
    from weighted
),

wide as (
    select
        manager_id,
        sum(points) as score,
        max(points) filter (where indicator = '管户数') as p_accounts,
        max(points) filter (where indicator = '管户结构') as p_mix,
        max(points) filter (where indicator = '贷款增长') as p_loans,
        max(points) filter (where indicator = '存款增长') as p_deposits,
        max(points) filter (where indicator = '活动成效') as p_results,
        max(points) filter (where indicator = '三小一卡') as p_products,
        max(points) filter (where indicator = '逾期率') as p_overdue,
        max(points) filter (where indicator = '电话走访') as p_phone,
        max(points) filter (where indicator = '上门走访') as p_onsite,
        max(points) filter (where indicator = '异动上门') as p_alerts,
        max(points) filter (where indicator = '活动举办') as p_activities,
        max(points) filter (where indicator = '网格深耕') as p_grids,
        max(points) filter (where indicator = '名单跟进') as p_lists,
        max(maximum) filter (where indicator = '管户数') as max_accounts,
        max(maximum) filter (where indicator = '管户结构') as max_mix,
        max(maximum) filter (where indicator = '贷款增长') as max_loans,
        max(maximum) filter (where indicator = '存款增长') as max_deposits,
        max(maximum) filter (where indicator = '活动成效') as max_results,
        max(maximum) filter (where indicator = '三小一卡') as max_products,
        max(maximum) filter (where indicator = '逾期率') as max_overdue,
        max(maximum) filter (where indicator = '电话走访') as max_phone,
        max(maximum) filter (where indicator = '上门走访') as max_onsite,
        max(maximum) filter (where indicator = '异动上门') as max_alerts,
        max(maximum) filter (where indicator = '活动举办') as max_activities,
        max(maximum) filter (where indicator = '网格深耕') as max_grids,
        max(maximum) filter (where indicator = '名单跟进') as max_lists
    from points
    group by manager_id
),

ranked as (
    select
        f.*,
        w.* exclude (manager_id),
        rank() over (order by w.score desc nulls last) as rank,
        rank() over (partition by f.branch order by w.score desc nulls last) as branch_rank,
        rank() over (order by w.score asc nulls first) as rank_from_bottom,
        count(*) over () as manager_count
    from facts as f
    inner join wide as w on f.manager_id = w.manager_id
)

select
    manager_id,
    manager_name,
    branch,
    team,
    round(score, 2) as score,
    rank,
    branch_rank,
    manager_count >= 4 and rank_from_bottom <= floor(manager_count * coalesce($bottom_group_share, 0.25))
        as eval_bottom_group,
    mix_bottom_group,
    accounts,
    target_total,
    mix_fit,
    loans,
    loan_increase,
    target_loans,
    deposits,
    deposit_increase,
    target_deposits,
    time_progress,
    activity_results,
    product_coverage,
    overdue_rate,
    non_credit,
    phone_rate,
    onsite_rate,
    alerts,
    alerts_visited,
    activities,
    grids_owned,
    grids_worked,
    listed,
    converted,
    visits,
    columns('^(p|max)_')
from ranked
order by rank asc, branch asc, manager_id asc
