"""This year's targets per sub-branch and for the line, set from the sub-branch's own pace."""

from __future__ import annotations

from dataclasses import dataclass

from .. import contract
from .catalogue import YEAR_WEIGHT, month_weight, sql_literal
from .context import Builder

COUNTS = {"管户数": "n", "线下授信户数": "n_off", "线上授信户数": "n_on", "非授信户数": "n_non"}
FLOWS = {"新开户数": "acc", "新开基本户数": "basic", "新增代发户数": "payroll"}
KINDS = {"结算存款": "dep_s", "纯存款": "dep_p", "保证金存款": "dep_m", "储蓄存款": "dep_v"}


@dataclass
class Basis:
    """Where a target starts and the months its pace is read from."""

    year: int
    base_idx: int | None  # index of last December, when stored
    since_january: float  # month weight from January to the end month (without December)
    rate_idx: list[int]  # the months the pace is read from
    rate_w: float  # their month weight


def target_basis(builder: Builder) -> Basis:
    """The year, its start (last December, or the end month less the pace since January) and
    the months the pace is read from (those with an earlier snapshot; all for one month)."""
    year = int(builder.month_names[-1][:4])
    december = f"{year - 1}-12"
    base_idx = builder.month_names.index(december) if december in builder.month_names else None
    # Without December, the year start is the end month less the pace since January (the
    # end month rather than the first: a first month has no deposit jumps yet).
    end_no = int(builder.month_names[-1][5:7])
    since_january = 0.0 if base_idx is not None else sum(month_weight(f"{year}-{m:02d}") for m in range(1, end_no + 1))
    rate_idx = list(range(1, builder.n_months)) or [0]
    rate_w = sum(month_weight(builder.month_names[i]) for i in rate_idx)
    return Basis(year, base_idx, since_january, rate_idx, rate_w)


def ambition(builder: Builder, metric: str) -> str:
    """SQL for a sub-branch's ambition on a metric: 0.90–1.26, one draw per sub-branch and one per metric."""
    order = list(contract.METRICS)
    return (
        f"(0.90 + 0.22 * {builder.uniform('branch', sql_literal('amb'))}"
        f" + 0.14 * {builder.uniform('branch', str(order.index(metric)), sql_literal('tg'))})"
    )


def wide_columns(builder: Builder, basis: Basis) -> list[str]:
    """The select list of ``t``: each measure's year start ``y_*`` and pace ``r_*`` per unit of month weight."""
    base_idx, since_january, rate_w = basis.base_idx, basis.since_january, basis.rate_w

    def year_start(col: str, rate: str) -> str:
        """SQL for a measure's year start: stored last December, or the end month less the pace."""
        return f"b.{col}" if base_idx is not None else f"(l.{col} - {rate} * {since_january})"

    if builder.n_months > 1:
        level_rate = {col: f"(l.{col} - f.{col}) / {rate_w}" for col in COUNTS.values()}
    else:
        level_rate = {col: f"f.{col} * 0.012" for col in COUNTS.values()}
    act_rate = {col: f"coalesce(a.{col}, 0) / {rate_w}" for col in ("acc", "basic", "payroll", "dep", "loans")}

    def kind_start(col: str) -> str:
        """SQL for a deposit kind's year start: stored, or the end month's share of the total's."""
        if base_idx is not None:
            return f"b.{col}"
        return f"l.{col} / nullif(l.dep, 0) * {year_start('dep', act_rate['dep'])}"

    return [
        *(
            f"{year_start(col, level_rate[col])}::double as y_{col}, {level_rate[col]}::double as r_{col}"
            for col in COUNTS.values()
        ),
        *(f"{act_rate[col]}::double as r_{col}" for col in act_rate),
        f"{year_start('dep', act_rate['dep'])}::double as y_dep",
        f"{year_start('loans', act_rate['loans'])}::double as y_loans",
        *(f"{kind_start(col)}::double as y_{col}" for col in KINDS.values()),
    ]


def branch_target_parts(builder: Builder) -> list[str]:
    """Selects from ``t`` of the count, flow and new-money targets per sub-branch."""
    parts = []
    for metric, col in COUNTS.items():
        # at least a 2 % rise, even where the segment shrank
        parts.append(
            f"select branch, '{metric}' as metric, greatest(round(y_{col} + greatest("
            f"r_{col} * {YEAR_WEIGHT} * {ambition(builder, metric)}, 0.02 * y_{col}, 1)), 1) as target from t"
        )
    for metric, col in FLOWS.items():
        parts.append(
            f"select branch, '{metric}', greatest(round(r_{col} * {YEAR_WEIGHT} * {ambition(builder, metric)}), 1) from t"
        )
    for metric, col in (("新增存款", "dep"), ("新增贷款", "loans")):
        parts.append(
            f"select branch, '{metric}', greatest(round(r_{col} * {YEAR_WEIGHT} * {ambition(builder, metric)} / 10000), 1)"
            " * 10000 from t"
        )
    return parts


def deposit_kind_parts(builder: Builder) -> list[str]:
    """Selects of the four deposit kinds' balance targets: the year start's mix of the deposit target."""
    order = list(contract.METRICS)
    return [
        f"select t.branch, '{metric}' as metric, round(t.y_{col} * d.target / nullif(t.y_dep, 0)"
        f" * (0.97 + 0.06 * {builder.uniform('t.branch', str(order.index(metric)), sql_literal('kind'))}) / 10000) * 10000 as target"
        " from t join balances d on d.branch = t.branch and d.metric = '存款余额'"
        for metric, col in KINDS.items()
    ]


def insert_targets(builder: Builder, ingest_id: int) -> None:
    """This year's targets per sub-branch and for the line, set from the sub-branch's own pace.

    A target is the year-start level plus a year's worth of what the sub-branch brings in
    at the pace of the stored months (per unit of month weight, 开门红 months weighing
    more), times an ambition of 0.90–1.26 (a draw per sub-branch and one per metric). By
    the end month a sub-branch has then done about (weight elapsed ÷ year weight) ÷ ambition
    of a target: some ahead of time progress, some behind. 新开户数, 新开基本户数,
    新增代发户数, 新增存款 and 新增贷款 follow what the activities reported; the
    counts follow the net rise of the book; the balance targets are the year-start balance
    plus 新增存款 (新增贷款), the four deposit kinds in proportion. When December of last
    year is not stored, the year start is the end month less the pace since January.
    """
    basis = target_basis(builder)
    year, base_idx, rate_idx = basis.year, basis.base_idx, basis.rate_idx
    wide = wide_columns(builder, basis)
    parts = branch_target_parts(builder)
    kind_parts = deposit_kind_parts(builder)
    exprs = {
        "year": str(year),
        "metric": "metric",
        "target": "target",
        "branch": "branch",
        "manager_id": "null",
        "ingest_id": str(int(ingest_id)),
    }
    rate_list = ", ".join(str(i) for i in rate_idx)
    sql = f"""
    with acts as (
        select a.branch, sum(a.new_accounts) as acc, sum(a.new_basic_accounts) as basic,
            sum(a.new_payroll) as payroll, sum(a.new_deposits) as dep, sum(a.new_loans) as loans
        from activities a join demo_months m on m.month = a.month
        where m.idx in ({rate_list})
        group by a.branch
    ),
    t as (
        select f.branch, {", ".join(wide)}
        from demo_flows f
        join demo_flows l on l.branch = f.branch and l.idx = {builder.last}
        join demo_flows b on b.branch = f.branch and b.idx = {base_idx if base_idx is not None else 0}
        left join acts a on a.branch = f.branch
        where f.idx = 0
    ),
    by_branch as ({" union all ".join(parts)}),
    balances as (
        -- the balance targets: the year-start balance plus the year's new money
        select t.branch, '存款余额' as metric, round((t.y_dep + n.target) / 10000) * 10000 as target
        from t join by_branch n on n.branch = t.branch and n.metric = '新增存款'
        union all
        select t.branch, '贷款余额', round((t.y_loans + n.target) / 10000) * 10000
        from t join by_branch n on n.branch = t.branch and n.metric = '新增贷款'
    ),
    deposit_kinds as (
        -- each kind grows with the whole balance, give or take 3 %
        {" union all ".join(kind_parts)}
    ),
    per_branch as (
        select branch, metric, target from by_branch
        union all select branch, metric, target from balances
        union all select branch, metric, greatest(target, 10000) from deposit_kinds
    ),
    all_rows as (
        select branch, metric, target::decimal(18, 2) as target from per_branch
        union all
        select null, metric, sum(target)::decimal(18, 2) from per_branch group by metric
    )
    select {", ".join(f"{v} as {k}" for k, v in exprs.items())} from all_rows
    """
    builder.insert("targets", exprs, sql)
