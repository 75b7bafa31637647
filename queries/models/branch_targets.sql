-- The target cascade per sub-branch for the year of a data month: the sub-branch's uploaded
-- target, else the sum over its staff (staff_now) of each manager's uploaded target, else the
-- per-manager default for customer managers (role 客户经理 or none).
-- Grain: one row per sub-branch and metric, for the sub-branches of staff_now and those with
--   an uploaded target that are present in the month; the metrics are the six with a default
--   (管户数, 线下授信户数, 线上授信户数, 非授信户数, 贷款余额, 存款余额) and any uploaded for the year.
-- Params: m (YYYY-MM), b (sub-branch; NULL = all), then the per-manager defaults (NULL = none):
--   d_total, d_offline, d_online, d_non_credit (accounts), d_loans, d_deposits (yuan); a table
--   macro: branch_targets($month, $branch, $default_total, …).
-- target (DECIMAL), and where it comes from: branch_part (the sub-branch's upload),
--   manager_part (some manager's upload), default_part (some default).
create or replace macro branch_targets(m, b, d_total, d_offline, d_online, d_non_credit, d_loans, d_deposits) as table
    with defaults as (
        select *
        from (
            values
            ('管户数', cast(d_total as decimal(18, 2))),
            ('线下授信户数', cast(d_offline as decimal(18, 2))),
            ('线上授信户数', cast(d_online as decimal(18, 2))),
            ('非授信户数', cast(d_non_credit as decimal(18, 2))),
            ('贷款余额', cast(d_loans as decimal(18, 2))),
            ('存款余额', cast(d_deposits as decimal(18, 2)))
        ) as d (metric, per_manager)
    ),

    metrics as (
        select metric from defaults
        union
        select metric from year_targets(m)
    ),

    branch_uploaded as (
        select
            t.branch,
            t.metric,
            max(t.target) as target
        from year_targets(m) as t
        semi join present_branches(m, b) as p on t.branch = p.branch
        where t.manager_id is null
        group by t.branch, t.metric
    ),

    staff as (
        select * from staff_now(m, b)
    ),

    manager_level as (
        select
            s.branch,
            x.metric,
            sum(coalesce(mu.target, case when s.is_manager then d.per_manager end)) as target,
            count(mu.target) as uploaded_parts,
            count(*) filter (where mu.target is null and s.is_manager and d.per_manager is not null) as default_parts
        from staff as s
        cross join metrics as x
        left join manager_targets(m) as mu on s.manager_id = mu.manager_id and x.metric = mu.metric
        left join defaults as d on x.metric = d.metric
        group by s.branch, x.metric
    ),

    scope_branches as (
        select branch from staff
        union
        select branch from branch_uploaded
    )

    select
        sb.branch,
        x.metric,
        coalesce(bu.target, ml.target) as target,
        bu.target is not null as branch_part,
        bu.target is null and ml.uploaded_parts > 0 as manager_part,
        bu.target is null and ml.default_parts > 0 as default_part
    from scope_branches as sb
    cross join metrics as x
    left join branch_uploaded as bu on sb.branch = bu.branch and x.metric = bu.metric
    left join manager_level as ml on sb.branch = ml.branch and x.metric = ml.metric
