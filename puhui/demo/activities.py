"""Activities: the seed's monthly plan per sub-branch and weekly salons in grid cells, each
campaign and salon with its share of what came in that month (``demo_flows``)."""

from __future__ import annotations

import pandas as pd

from .catalogue import MONTHLY_PLAN, SALON_PREFIX, SALON_THEMES, sql_list, sql_literal
from .context import Builder

KEY = "akey"  # the column holding an activity's own hash, the key of its draws


def build_plan(builder: Builder) -> None:
    """``demo_plan``: the seed's monthly plan, one row per calendar month and item."""
    plan = pd.DataFrame(
        [
            {"plan_month": mon, "plan_no": k, "activity_name": name, "kind": kind}
            for mon, items in MONTHLY_PLAN.items()
            for k, (name, kind) in enumerate(items)
        ]
    )
    builder.frame("demo_plan", plan)


def calendar_ctes(builder: Builder) -> str:
    """CTEs ``m``–``salons``: the planned activities held (about 92 %) and a salon most weeks."""
    uniform, hashed, pick = builder.uniform, builder.hashed, builder.pick
    months = sql_list(builder.month_names)
    first, last = builder.month_names[0], builder.month_names[-1]
    return f"""
    with m as (select unnest({months}) as month, generate_subscripts({months}, 1) - 1 as idx),
    planned as (
        select m.idx, br.branch_no, br.branch, p.plan_no, p.activity_name, p.kind,
            (strptime(m.month || '-01', '%Y-%m-%d')::date
                + (3 + {hashed("m.idx", "br.branch_no", "p.plan_no", sql_literal("pd"))} % 22)::int) as activity_date
        from m join demo_plan p on p.plan_month = month(strptime(m.month || '-01', '%Y-%m-%d'))
        cross join demo_branches br
        where {uniform("m.idx", "br.branch_no", "p.plan_no", sql_literal("held"))} >= 0.08
    ),
    weeks as (
        select d::date as activity_date from generate_series(
            date '{first}-01' + 2, (date '{last}-01' + interval 1 month - interval 1 day)::date,
            interval 7 day) t(d)
    ),
    salon_days as (
        -- a Wednesday or a Thursday each week, about one week in eight skipped
        select br.branch_no, br.branch,
            w.activity_date - ({hashed("w.activity_date", "br.branch_no", sql_literal("wd"))} % 2)::int as activity_date,
            '{SALON_PREFIX}' || {pick(list(SALON_THEMES), "w.activity_date", "br.branch_no", sql_literal("theme"))}
                as activity_name
        from weeks w cross join demo_branches br
        where {uniform("w.activity_date", "br.branch_no", sql_literal("sheld"))} >= 0.12
    ),
    salons as (
        select month_idx.idx, s.branch_no, s.branch, 100 as plan_no, s.activity_name, 'salon' as kind,
            s.activity_date
        from salon_days s join m as month_idx on month_idx.month = strftime(s.activity_date, '%Y-%m')
    )
    """


def sharing_ctes(builder: Builder) -> str:
    """CTEs ``a``–``shared``: each activity's cell, manager and pull, and its part of the month's flows."""
    uniform, hashed = builder.uniform, builder.hashed
    key = KEY
    return f"""
    a as (
        select x.*, hash(x.activity_date, x.branch_no, x.plan_no) as akey
        from (select * from planned union all select * from salons) x
    ),
    placed as (
        select a.*, gs.grid_no
        from a join demo_grid_slot gs
          on gs.branch_no = a.branch_no and gs.slot = {hashed(key, sql_literal("gslot"))} % 1000
    ),
    staffed as (
        -- the cell's owner runs it, or else a manager of the sub-branch
        select placed.*, g.grid_id as cell_id, g.grid_type,
            coalesce(g.owner_book, br.first_book + ({hashed(key, sql_literal("mb"))} % br.n_books)::int) as book,
            -- its pull, in whole units so that the shares add up exactly: a campaign draws
            -- several times a salon; about one salon in five brings nobody
            case when placed.kind = 'campaign' then 300 + ({hashed(key, sql_literal("aw"))} % 400)::int
                 when placed.kind = 'salon' and {uniform(key, sql_literal("a0"))} >= 0.2
                 then 30 + ({hashed(key, sql_literal("aw"))} % 120)::int
                 else 0 end as pull
        from placed
        join demo_grid_dim g on g.grid_no = placed.grid_no
        join demo_branches br on br.branch_no = placed.branch_no
    ),
    shared as (
        select s.*, fl.f_accounts, fl.f_basic, fl.f_payroll, fl.f_deposits, fl.f_loans,
            s.pull / nullif(sum(s.pull) over (partition by s.branch_no, s.idx), 0) as part,
            0.75 + 0.20 * {uniform("s.idx", "s.branch_no", sql_literal("sa"))} as take_accounts,
            0.60 + 0.30 * {uniform("s.idx", "s.branch_no", sql_literal("sd"))} as take_deposits,
            0.45 + 0.30 * {uniform("s.idx", "s.branch_no", sql_literal("sl"))} as take_loans
        from staffed s
        left join demo_flows fl on fl.branch = s.branch and fl.idx = s.idx
    )
    """


def activity_rows_sql(builder: Builder, exprs: dict[str, str]) -> str:
    """The final select: manager and cell where they apply, counts by random rounding, money."""
    uniform = builder.uniform
    key = KEY
    return f"""
    select {", ".join(f"{v} as {k}" for k, v in exprs.items())}
    from (
        select s.activity_date, s.activity_name, s.branch,
            case when s.kind in ('campaign', 'salon') then bm.manager_id end as manager_id,
            case when s.kind = 'salon' or s.activity_name like '%园区%' and s.kind = 'campaign'
                 then s.cell_id end as grid_id,
            -- whole accounts by random rounding, so that small shares still add up on average
            floor(coalesce(s.f_accounts * s.take_accounts * s.part, 0) + {uniform(key, sql_literal("ra"))})::int
                as new_accounts,
            floor(coalesce(s.f_basic * s.take_accounts * s.part, 0) + {uniform(key, sql_literal("rb"))})::int
                as new_basic_accounts,
            floor(coalesce(s.f_payroll * s.take_accounts * s.part, 0) + {uniform(key, sql_literal("rp"))})::int
                as new_payroll,
            round(coalesce(s.f_deposits * s.take_deposits * s.part, 0), -2)::decimal(18, 2) as new_deposits,
            round(coalesce(s.f_loans * s.take_loans * s.part, 0), -2)::decimal(18, 2) as new_loans
        from shared s
        left join demo_book_month bm on bm.book = s.book and bm.idx = s.idx
    )
    """


def insert_activities(builder: Builder, ingest_id: int) -> None:
    """The seed's monthly plan per sub-branch (a few not held) and weekly salons in grid cells.

    Campaigns and salons share out what came in to their sub-branch that month
    (``demo_flows``): each takes a weighted part of most of the newcomers (75–95 %), of
    their deposits (60–90 %) and of their loans (45–75 %); the rest came in by other ways.
    Meetings, trainings and staff care bring nothing.
    """
    build_plan(builder)
    exprs = {
        "month": "strftime(activity_date, '%Y-%m')",
        "activity_date": "activity_date",
        "activity_name": "activity_name",
        "branch": "branch",
        "manager_id": "manager_id",
        "grid_id": "grid_id",
        "new_accounts": "new_accounts",
        "new_basic_accounts": "new_basic_accounts",
        "new_payroll": "new_payroll",
        "new_deposits": "new_deposits",
        "new_loans": "new_loans",
        "ingest_id": str(int(ingest_id)),
    }
    sql = f"""
    {calendar_ctes(builder).strip()},
    {sharing_ctes(builder).strip()}
    {activity_rows_sql(builder, exprs).strip()}
    """
    builder.insert("activities", exprs, sql)
