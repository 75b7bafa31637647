-- Account mix per customer manager for one month: how many offline-credit, online-credit
-- and non-credit customers each manager holds, against the manager's targets, with the
-- gaps, loans, deposits, overdue, month-on-month changes and the flags of 管户结构.
-- Grain: one row per manager in the month's roster (or with customers that month).
-- Params: m (YYYY-MM), b (sub-branch; NULL = all), then NULL for a default: d_offline (25
--   accounts), d_online (30), d_non_credit (50), d_total (100), d_loans (100000000 yuan),
--   d_deposits (100000000 yuan), d_overloaded (300 accounts), d_share (0.25); a table macro:
--   manager_mix($month, $branch, …) in the order above. The pages and the query registry pass
--   the settings' values; the fallbacks equal the settings' defaults.
-- Targets: the manager's uploaded target for the month's year (targets.manager_id set), else the
--   per-manager default, which applies only to customer managers (role 客户经理 or no role);
--   team leads and VPs without an uploaded target have none. Sub-branch targets are for the
--   sub-branch total and are not split over managers. target_total is the 管户数 target (100),
--   not the sum of the segment targets (25 + 30 + 50 = 105), as the seed states both.
-- Gaps: target - actual, never negative; NULL without a target (greatest() alone would give 0).
-- Segment: the stored one, else the contract's rule (offline loan > 0, else online loan > 0).
-- Month-on-month (*_mom): follows the manager across sub-branches: this month's count minus the
--   manager's count in the calendar month before, wherever the manager then sat; a manager
--   without customers then counts from 0. NULL when the month before is stored neither for the
--   manager's sub-branch nor for any of the manager's customers.
-- Flags: unbalanced = one segment at or above its (positive) target while another is under half
--   of its target; bottom_group = customer managers in the scope ranked by total ascending, rank
--   (1 + number with fewer accounts) within floor(n * share), ties at the edge all included, none
--   when the scope has fewer than 4 customer managers; overloaded = total > overloaded_accounts.
create or replace macro manager_mix(
    m, b, d_offline, d_online, d_non_credit, d_total, d_loans, d_deposits, d_overloaded, d_share
) as table
    with defaults as (
        select
            cast(coalesce(d_offline, 25) as bigint) as offline,
            cast(coalesce(d_online, 30) as bigint) as online,
            cast(coalesce(d_non_credit, 50) as bigint) as non_credit,
            cast(coalesce(d_total, 100) as bigint) as total,
            cast(coalesce(d_loans, 100000000) as decimal(18, 2)) as loans,
            cast(coalesce(d_deposits, 100000000) as decimal(18, 2)) as deposits,
            cast(coalesce(d_overloaded, 300) as bigint) as overloaded_accounts,
            cast(coalesce(d_share, 0.25) as double) as bottom_group_share
    ),

    roster as (
        select * from roster(m)
    ),

    book as (
        select
            manager_id,
            branch,
            offline_credit,
            online_credit,
            non_credit,
            accounts as total,
            loans,
            deposits,
            overdue
        from manager_months
        where month = m
    ),

    previous_book as (
        select
            manager_id,
            cast(sum(offline_credit) as bigint) as offline_credit,
            cast(sum(online_credit) as bigint) as online_credit,
            cast(sum(non_credit) as bigint) as non_credit,
            cast(sum(accounts) as bigint) as total
        from manager_months
        where month = previous_month(m)
        group by manager_id
    ),

    previous_branches as (
        select distinct branch
        from manager_months
        where month = previous_month(m)
    ),

    targets_by_manager as (
        select
            manager_id,
            max(target) filter (where metric = '线下授信户数') as offline,
            max(target) filter (where metric = '线上授信户数') as online,
            max(target) filter (where metric = '非授信户数') as non_credit,
            max(target) filter (where metric = '管户数') as total,
            max(target) filter (where metric = '贷款余额') as loans,
            max(target) filter (where metric = '存款余额') as deposits
        from manager_targets(m)
        group by manager_id
    ),

    managers_in_scope as (
        select
            manager_id,
            branch
        from roster
        union
        select
            manager_id,
            branch
        from book
    ),

    actuals as (
        select
            m.manager_id,
            coalesce(r.manager_name, rid.manager_name) as manager_name,
            m.branch,
            coalesce(b.offline_credit, 0) as offline_credit,
            coalesce(b.online_credit, 0) as online_credit,
            coalesce(b.non_credit, 0) as non_credit,
            coalesce(b.total, 0) as total,
            coalesce(r.team, rid.team) as team,
            coalesce(r.role, rid.role) as role,
            coalesce(coalesce(r.role, rid.role) = '客户经理', true) as is_manager,
            cast(coalesce(b.loans, 0) as decimal(18, 2)) as loans,
            cast(coalesce(b.deposits, 0) as decimal(18, 2)) as deposits,
            cast(coalesce(b.overdue, 0) as decimal(18, 2)) as overdue,
            (pb.manager_id is not null or prb.branch is not null) as previous_stored,
            pb.offline_credit as previous_offline,
            pb.online_credit as previous_online,
            pb.non_credit as previous_non_credit,
            pb.total as previous_total
        from managers_in_scope as m
        left join book as b on m.manager_id = b.manager_id and m.branch = b.branch
        left join roster as r on m.manager_id = r.manager_id and m.branch = r.branch
        left join manager_names(m) as rid on m.manager_id = rid.manager_id
        left join previous_book as pb on m.manager_id = pb.manager_id
        left join previous_branches as prb on m.branch = prb.branch
        where b is null or m.branch = b
    ),

    with_targets as (
        select
            a.*,
            cast(ceil(coalesce(t.offline, case when a.is_manager then d.offline end)) as bigint) as target_offline,
            cast(ceil(coalesce(t.online, case when a.is_manager then d.online end)) as bigint) as target_online,
            cast(ceil(coalesce(t.non_credit, case when a.is_manager then d.non_credit end)) as bigint)
                as target_non_credit,
            cast(ceil(coalesce(t.total, case when a.is_manager then d.total end)) as bigint) as target_total,
            cast(coalesce(t.loans, case when a.is_manager then d.loans end) as decimal(18, 2)) as target_loans,
            cast(coalesce(t.deposits, case when a.is_manager then d.deposits end) as decimal(18, 2))
                as target_deposits,
            d.overloaded_accounts,
            d.bottom_group_share
        from actuals as a
        cross join defaults as d
        left join targets_by_manager as t on a.manager_id = t.manager_id
    ),

    ranked as (
        select
            *,
            rank() over (partition by is_manager order by total) as total_rank,
            count(*) filter (where is_manager) over () as manager_count
        from with_targets
    )

    select
        manager_id,
        manager_name,
        branch,
        offline_credit,
        online_credit,
        non_credit,
        total,
        team,
        role,
        is_manager,
        target_offline,
        target_online,
        target_non_credit,
        target_total,
        case when target_offline is not null then greatest(target_offline - offline_credit, 0) end as gap_offline,
        case when target_online is not null then greatest(target_online - online_credit, 0) end as gap_online,
        case when target_non_credit is not null then greatest(target_non_credit - non_credit, 0) end as gap_non_credit,
        case when target_total is not null then greatest(target_total - total, 0) end as gap_total,
        loans,
        deposits,
        overdue,
        target_loans,
        target_deposits,
        case when target_loans is not null then cast(greatest(target_loans - loans, 0) as decimal(18, 2)) end as gap_loans,
        case when target_deposits is not null then cast(greatest(target_deposits - deposits, 0) as decimal(18, 2)) end
            as gap_deposits,
        case when previous_stored then offline_credit - coalesce(previous_offline, 0) end as offline_credit_mom,
        case when previous_stored then online_credit - coalesce(previous_online, 0) end as online_credit_mom,
        case when previous_stored then non_credit - coalesce(previous_non_credit, 0) end as non_credit_mom,
        case when previous_stored then total - coalesce(previous_total, 0) end as total_mom,
        (
            (
                coalesce(target_offline > 0 and offline_credit >= target_offline, false)
                or coalesce(target_online > 0 and online_credit >= target_online, false)
                or coalesce(target_non_credit > 0 and non_credit >= target_non_credit, false)
            )
            and (
                coalesce(offline_credit * 2 < target_offline, false)
                or coalesce(online_credit * 2 < target_online, false)
                or coalesce(non_credit * 2 < target_non_credit, false)
            )
        ) as unbalanced,
        (
            is_manager
            and manager_count >= 4
            and total_rank <= floor(manager_count * bottom_group_share)
        ) as bottom_group,
        total > overloaded_accounts as overloaded
    from ranked
    order by branch, manager_id
