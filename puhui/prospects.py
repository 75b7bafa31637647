"""Prospect lists from the existing book (存量客户深挖): whom a manager should call next.

Each list is one query in ``queries/prospect_*.sql``; the functions here fill in the
defaults from settings and build the balanced-growth list out of the others.

``source`` is either a DuckDB connection or a page's ``ctx.run`` (a callable
``run(name, **params)``): with ``ctx.run`` the lists come through the page's cache and
are already masked in training mode, and so is every frame built from them (the page and
its workbook mask nothing again).

The lists:

- 无贷转有贷 (:func:`no_loan`): non-credit customers with month-end deposits of at least
  ``prospect_min_deposit`` yuan, or payroll, or a basic account with us;
- 到期续贷 (:func:`maturing`): loans maturing within ``prospect_maturity_days`` days after
  the end of the data month;
- 产品覆盖 (:func:`coverage`): per manager, how many customers use payroll, a basic
  account and each of 三小一卡;
- 产品缺口 (:func:`gaps`): customers without a product their profile suggests (rules in
  ``queries/prospect_gaps.sql`` and :data:`GAP_RULES`);
- 睡眠客户 (:func:`dormant`): no balances and no products in each of the last
  ``prospect_dormant_months`` months;
- 均衡发展 (:func:`balanced_growth`): for each customer manager short of the 25/30/50
  structure, the segment to work on first and candidates from the lists above, by the
  rules in :data:`CANDIDATE_SOURCES`.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import duckdb
import pandas as pd

from . import export, fmt, queries, settings
from .mix import mix_params

Runner = Callable[..., pd.DataFrame]

SEGMENT_OFFLINE, SEGMENT_ONLINE, SEGMENT_NON_CREDIT = "线下授信", "线上授信", "非授信"
SEGMENTS = (SEGMENT_OFFLINE, SEGMENT_ONLINE, SEGMENT_NON_CREDIT)
# manager_mix columns for each segment: (actual, target, gap).
SEGMENT_COLUMNS = {
    SEGMENT_OFFLINE: ("offline_credit", "target_offline", "gap_offline"),
    SEGMENT_ONLINE: ("online_credit", "target_online", "gap_online"),
    SEGMENT_NON_CREDIT: ("non_credit", "target_non_credit", "gap_non_credit"),
}
# Customer kinds that are firms (企业); the rest (个人, 农户, 个体工商户...) are people
# or sole traders, for whom an online loan is the usual first loan.
FIRM_MARKERS = ("企业", "公司")

# Where the candidates for a short segment come from, and what the manager does with them.
CANDIDATE_SOURCES = {
    SEGMENT_OFFLINE: ("无贷转有贷", "从无贷转有贷清单营销线下授信（线下、线上都缺时取企业客户）"),
    SEGMENT_ONLINE: ("无贷转有贷", "从无贷转有贷清单营销线上贷款（线下、线上都缺时取个人、个体工商户、农户）"),
    SEGMENT_NON_CREDIT: ("代发工资缺口", "营销存款达标而未代发的企业代发工资，带动员工开户"),
}

GAP_RULES = {
    "基本户": "授信客户（线下、线上）中的企业和个体工商户未开基本户",
    "代发工资": "企业客户月末存款达到代发门槛而未代发工资",
    "现金管理": "企业客户结算存款达到门槛而未开通现金管理",
    "票据贴现": "线下授信企业客户未开通票据贴现",
    "国际结算": "进出口、外贸、跨境、国际贸易行业的客户未开通国际结算",
    "信用卡": "授信客户（企业客户为其负责人）未持有信用卡",
}

_CUSTOMER = {
    "customer_name": ("客户名称", "text"),
    "customer_id": ("客户号", "text"),
    "branch": ("所属支行", "text"),
    "manager_name": ("客户经理", "text"),
}
# Column specs for ui.table / export (``{"col": ("中文表头", kind)}``), one per list.
COLUMNS: dict[str, dict[str, tuple[str, str]]] = {
    "no_loan": {
        **_CUSTOMER,
        "customer_kind": ("客户类型", "text"),
        "industry": ("行业", "text"),
        "deposits": ("月末存款", "wan"),
        "dep_avg": ("月日均存款", "wan"),
        "reasons": ("入选理由", "text"),
        "phone": ("联系电话", "text"),
    },
    "maturing": {
        **_CUSTOMER,
        "segment": ("管户类型", "text"),
        "loans": ("贷款余额", "wan"),
        "credit_limit": ("授信额度", "wan"),
        "loan_maturity": ("贷款到期日", "date"),
        "days_left": ("距到期天数", "count"),
        "deposits": ("月末存款", "wan"),
        "settle_share": ("结算量占比", "pct"),
        "overdue": ("逾期金额", "wan"),
        "phone": ("联系电话", "text"),
    },
    "coverage": {
        "manager_name": ("客户经理", "text"),
        "branch": ("所属支行", "text"),
        "customers": ("管户数", "count"),
        "sanxiao_yika_rate": ("三小一卡覆盖率", "pct"),
        "bill_discount_rate": ("票据贴现", "pct"),
        "intl_settlement_rate": ("国际结算", "pct"),
        "cash_mgmt_rate": ("现金管理", "pct"),
        "credit_card_rate": ("信用卡", "pct"),
        "payroll_rate": ("代发工资", "pct"),
        "basic_account_rate": ("基本户", "pct"),
    },
    "gaps": {
        **_CUSTOMER,
        "segment": ("管户类型", "text"),
        "customer_kind": ("客户类型", "text"),
        "industry": ("行业", "text"),
        "gaps": ("建议营销产品", "text"),
        "deposits": ("月末存款", "wan"),
        "dep_settlement": ("结算存款", "wan"),
        "loans": ("贷款余额", "wan"),
        "phone": ("联系电话", "text"),
    },
    "dormant": {
        **_CUSTOMER,
        "segment": ("管户类型", "text"),
        "customer_kind": ("客户类型", "text"),
        "industry": ("行业", "text"),
        "open_date": ("开户日期", "date"),
        "last_active_month": ("最近有余额或产品的月份", "text"),
        "phone": ("联系电话", "text"),
    },
    "balanced": {
        "manager_name": ("客户经理", "text"),
        "branch": ("所属支行", "text"),
        "offline_credit": ("线下授信户", "count"),
        "online_credit": ("线上授信户", "count"),
        "non_credit": ("非授信户", "count"),
        "gap_offline": ("线下缺口", "count"),
        "gap_online": ("线上缺口", "count"),
        "gap_non_credit": ("非授信缺口", "count"),
        "focus_segment": ("优先补足", "text"),
        "approach": ("做法", "text"),
        "candidate_count": ("候选客户数", "count"),
        "candidate_names": ("候选客户", "text"),
    },
    "candidates": {
        "manager_name": ("客户经理", "text"),
        "segment": ("补足类型", "text"),
        "source": ("来源清单", "text"),
        "customer_name": ("客户名称", "text"),
        "customer_id": ("客户号", "text"),
        "customer_kind": ("客户类型", "text"),
        "deposits": ("月末存款", "wan"),
        "reasons": ("入选理由", "text"),
        "phone": ("联系电话", "text"),
    },
}


def runner(source) -> Runner:
    """A ``run(name, **params)`` callable for a DuckDB connection or a page's ``ctx.run``."""
    if isinstance(source, duckdb.DuckDBPyConnection):
        return lambda name, **params: queries.run(source, name, params)
    if callable(source):
        return source
    raise TypeError("source 须为 DuckDB 连接或 ctx.run")


def _or_setting(value, name: str):
    return settings.get(name) if value is None else value


def no_loan(
    source,
    month: str,
    branch: str | None = None,
    manager_id: str | None = None,
    min_deposit=None,
    limit: int | None = None,
    per_manager: int | None = None,
) -> pd.DataFrame:
    """无贷转有贷: non-credit customers with deposits >= ``min_deposit`` yuan, payroll or a basic account.

    ``limit``: only the first rows (column ``list_total`` keeps the whole list's count);
    ``per_manager``: only each manager's first rows, firms and others apart (columns
    ``manager_total`` and ``manager_firms`` keep each manager's counts).
    """
    return runner(source)(
        "prospect_no_loan",
        month=month,
        branch=branch,
        manager_id=manager_id,
        min_deposit=_or_setting(min_deposit, "prospect_min_deposit"),
        limit=limit,
        per_manager=per_manager,
    )


def maturing(
    source, month: str, branch: str | None = None, manager_id: str | None = None, days=None, limit: int | None = None
) -> pd.DataFrame:
    """Loans maturing within ``days`` days after the end of ``month`` (renewal, deposit retention).

    ``limit``: only the first rows (column ``list_total`` keeps the whole list's count).
    """
    return runner(source)(
        "prospect_maturing",
        month=month,
        branch=branch,
        manager_id=manager_id,
        days=int(_or_setting(days, "prospect_maturity_days")),
        limit=limit,
    )


def coverage(source, month: str, branch: str | None = None, manager_id: str | None = None) -> pd.DataFrame:
    """Product coverage per manager: counts and shares of payroll, basic account and 三小一卡."""
    return runner(source)("prospect_coverage", month=month, branch=branch, manager_id=manager_id)


def gaps(
    source,
    month: str,
    branch: str | None = None,
    manager_id: str | None = None,
    payroll_deposit=None,
    cash_mgmt_deposit=None,
    limit: int | None = None,
    per_manager: int | None = None,
) -> pd.DataFrame:
    """Customers missing a product their profile suggests (:data:`GAP_RULES`), one row each.

    ``limit``: only the first rows (column ``list_total`` keeps the whole list's count);
    ``per_manager``: only each manager's first rows, payroll gaps and others apart (column
    ``manager_payroll`` keeps each manager's count of payroll gaps).
    """
    return runner(source)(
        "prospect_gaps",
        month=month,
        branch=branch,
        manager_id=manager_id,
        payroll_deposit=_or_setting(payroll_deposit, "prospect_payroll_deposit"),
        cash_mgmt_deposit=_or_setting(cash_mgmt_deposit, "prospect_cash_mgmt_deposit"),
        limit=limit,
        per_manager=per_manager,
    )


def dormant(
    source, month: str, branch: str | None = None, manager_id: str | None = None, months=None, limit: int | None = None
) -> pd.DataFrame:
    """Customers with no balances and no products in each of the last ``months`` months.

    ``limit``: only the first rows (column ``list_total`` keeps the whole list's count).
    """
    return runner(source)(
        "prospect_dormant",
        month=month,
        branch=branch,
        manager_id=manager_id,
        window_months=int(_or_setting(months, "prospect_dormant_months")),
        limit=limit,
    )


def list_total(frame: pd.DataFrame) -> int:
    """How many rows a list holds in full (its ``list_total`` column; 0 when empty)."""
    if not len(frame):
        return 0
    if "list_total" in frame.columns:
        return int(frame["list_total"].iloc[0])
    return len(frame)


def is_firm(kind) -> bool:
    """Whether a customer kind is a firm (小微企业, 企业, 公司...)."""
    return isinstance(kind, str) and any(marker in kind for marker in FIRM_MARKERS)


def focus_segment(row) -> str | None:
    """The short segment to work on first: the largest gap relative to its target.

    Ties go to 线下授信, then 线上授信, then 非授信; None when nothing is short.
    """
    best, best_share = None, 0.0
    for segment, (_, target_col, gap_col) in SEGMENT_COLUMNS.items():
        gap, target = row.get(gap_col), row.get(target_col)
        if gap is None or pd.isna(gap) or gap <= 0 or target is None or pd.isna(target) or target <= 0:
            continue
        share = float(gap) / float(target)
        if share > best_share:
            best, best_share = segment, share
    return best


def _candidates_for(short: list[str], pool_no_loan: pd.DataFrame, pool_payroll: pd.DataFrame):
    """Candidate rows (with ``segment`` and ``source``) for one manager's short segments."""
    frames = []
    credit_short = [s for s in short if s in (SEGMENT_OFFLINE, SEGMENT_ONLINE)]
    if credit_short:
        firms = (
            pool_no_loan["_firm"]
            if "_firm" in pool_no_loan
            else pool_no_loan["customer_kind"].map(is_firm).astype(bool)
        )
        for segment in credit_short:
            if len(credit_short) == 2:
                # Short of both: firms go for an offline loan, the others for an online one.
                chosen = pool_no_loan[firms] if segment == SEGMENT_OFFLINE else pool_no_loan[~firms]
            else:
                chosen = pool_no_loan
            frames.append(chosen.assign(segment=segment, source=CANDIDATE_SOURCES[segment][0]))
    if SEGMENT_NON_CREDIT in short:
        chosen = pool_payroll.assign(reasons="未代发工资")
        frames.append(chosen.assign(segment=SEGMENT_NON_CREDIT, source=CANDIDATE_SOURCES[SEGMENT_NON_CREDIT][0]))
    frames = [f.drop(columns="_firm", errors="ignore") for f in frames if len(f)]
    return pd.concat(frames, ignore_index=True) if frames else None


def _candidate_count(focus, short, mine, mine_payroll, focus_candidates, per_manager) -> int:
    """How many candidates the book holds for the focus segment (counted in SQL when cut short)."""
    if focus_candidates is None or focus is None:
        return 0
    if per_manager is None:
        return len(focus_candidates)
    if focus == SEGMENT_NON_CREDIT:
        return int(mine_payroll["manager_payroll"].iloc[0]) if len(mine_payroll) else 0
    if not len(mine):
        return 0
    total, firms = int(mine["manager_total"].iloc[0]), int(mine["manager_firms"].iloc[0])
    if SEGMENT_OFFLINE in short and SEGMENT_ONLINE in short:
        return firms if focus == SEGMENT_OFFLINE else total - firms
    return total


_CANDIDATE_COLUMNS = [
    "manager_id",
    "manager_name",
    "branch",
    "segment",
    "focus",
    "source",
    "customer_id",
    "customer_name",
    "customer_kind",
    "deposits",
    "reasons",
    "phone",
]
_MANAGER_KEYS = ["manager_id", "branch"]


def _short_managers(mix: pd.DataFrame) -> pd.DataFrame:
    """One row per manager short of 25/30/50: the mix row, the short segments (``short``), the
    segment to work on first (``focus_segment``) and one flag per short segment (off/on/non)."""
    shorts = []
    for _, manager in mix.iterrows():
        short = [
            segment
            for segment, (_, _, gap_col) in SEGMENT_COLUMNS.items()
            if pd.notna(manager.get(gap_col)) and manager.get(gap_col) > 0
        ]
        if short:
            shorts.append({**manager.to_dict(), "short": short, "focus_segment": focus_segment(manager)})
    flags = pd.DataFrame(shorts, columns=[*mix.columns, "short", "focus_segment"])
    flags["off"] = flags["short"].map(lambda short: SEGMENT_OFFLINE in short).astype(bool)
    flags["on"] = flags["short"].map(lambda short: SEGMENT_ONLINE in short).astype(bool)
    flags["non"] = flags["short"].map(lambda short: SEGMENT_NON_CREDIT in short).astype(bool)
    return flags


def _candidate_rows(pool: pd.DataFrame, payroll_pool: pd.DataFrame, flags: pd.DataFrame) -> pd.DataFrame:
    """The candidates of every short manager at once, with ``segment``, ``source`` and ``focus``.

    One filter per segment over the whole pool, not one per manager (a bank has hundreds):
    无贷转有贷 customers for offline or online credit (short of both: firms for offline, the
    others for online), the firms with a payroll gap for non-credit.
    """
    wanted = flags[[*_MANAGER_KEYS, "manager_name", "focus_segment", "off", "on", "non"]]

    def joined(frame: pd.DataFrame) -> pd.DataFrame:
        """The frame's rows of short managers, with the managers' flags (their name from the mix)."""
        return frame.drop(columns=["manager_name"], errors="ignore").merge(wanted, on=_MANAGER_KEYS, how="inner")

    credit = joined(pool.assign(_firm=pool["customer_kind"].map(is_firm).astype(bool)))
    both = credit["off"] & credit["on"]
    parts = [
        # Short of both: firms go for an offline loan, the others for an online one.
        credit[credit["off"] & (~both | credit["_firm"])].assign(
            segment=SEGMENT_OFFLINE, source=CANDIDATE_SOURCES[SEGMENT_OFFLINE][0]
        ),
        credit[credit["on"] & (~both | ~credit["_firm"])].assign(
            segment=SEGMENT_ONLINE, source=CANDIDATE_SOURCES[SEGMENT_ONLINE][0]
        ),
    ]
    payroll = joined(payroll_pool)
    parts.append(
        payroll[payroll["non"]].assign(
            reasons="未代发工资", segment=SEGMENT_NON_CREDIT, source=CANDIDATE_SOURCES[SEGMENT_NON_CREDIT][0]
        )
    )
    parts = [part for part in parts if len(part)]
    found = (
        pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=[*_CANDIDATE_COLUMNS, "focus_segment"])
    )
    found["focus"] = found["segment"] == found["focus_segment"]
    return found


def _book_totals(pool: pd.DataFrame, payroll_pool: pd.DataFrame, per_manager: int | None) -> tuple[dict, dict]:
    """With ``per_manager`` the pools hold only each manager's first rows; their count columns
    keep the whole book's counts: (manager → total and firms, manager → payroll gaps)."""
    if per_manager is None:
        return {}, {}
    totals = (
        pool.groupby(_MANAGER_KEYS, sort=False, dropna=False)[["manager_total", "manager_firms"]]
        .first()
        .to_dict("index")
        if len(pool)
        else {}
    )
    payroll_totals = (
        payroll_pool.groupby(_MANAGER_KEYS, sort=False, dropna=False)["manager_payroll"].first().to_dict()
        if len(payroll_pool)
        else {}
    )
    return totals, payroll_totals


def _focus_count(manager, focus_counts: dict, book_totals: tuple[dict, dict], per_manager: int | None) -> int:
    """How many candidates the manager's book holds for the focus segment."""
    key, focus, short = (manager.manager_id, manager.branch), manager.focus_segment, manager.short
    totals, payroll_totals = book_totals
    if focus is None or key not in focus_counts:
        return 0
    if per_manager is None:
        return focus_counts[key]
    if focus == SEGMENT_NON_CREDIT:
        return int(payroll_totals.get(key, 0))
    total, firms = (int(v) for v in totals.get(key, {"manager_total": 0, "manager_firms": 0}).values())
    if SEGMENT_OFFLINE in short and SEGMENT_ONLINE in short:
        return firms if focus == SEGMENT_OFFLINE else total - firms
    return total


def _summary_row(manager, count: int, names: str) -> dict:
    """The summary row of one short manager."""
    focus = manager.focus_segment
    return {
        "manager_id": manager.manager_id,
        "manager_name": manager.manager_name,
        "branch": manager.branch,
        "offline_credit": manager.offline_credit,
        "online_credit": manager.online_credit,
        "non_credit": manager.non_credit,
        "gap_offline": manager.gap_offline,
        "gap_online": manager.gap_online,
        "gap_non_credit": manager.gap_non_credit,
        "short_segments": "、".join(manager.short),
        "focus_segment": focus,
        "approach": CANDIDATE_SOURCES[focus][1] if focus else "",
        "candidate_count": count,
        "candidate_names": names,
    }


def _sorted_candidates(found: pd.DataFrame) -> pd.DataFrame:
    """The candidate list: per sub-branch and manager, the focus segment first, largest deposits first."""
    if not len(found):
        return pd.DataFrame(columns=_CANDIDATE_COLUMNS)
    candidates = found[_CANDIDATE_COLUMNS]
    order = {s: i for i, s in enumerate(SEGMENTS)}
    return candidates.sort_values(
        ["branch", "manager_id", "focus", "segment", "deposits", "customer_id"],
        ascending=[True, True, False, True, False, True],
        key=lambda col: col.map(order) if col.name == "segment" else col,
    ).reset_index(drop=True)


def balanced_growth(
    source,
    month: str,
    branch: str | None = None,
    manager_id: str | None = None,
    min_deposit=None,
    payroll_deposit=None,
    cash_mgmt_deposit=None,
    limit: int | None = None,
    per_manager: int | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """均衡发展: (one row per manager short of 25/30/50, the candidates for each short segment).

    The summary has the manager's counts and gaps (from ``manager_mix``), the segment to
    work on first (:func:`focus_segment`), what to do (:data:`CANDIDATE_SOURCES`), how many
    candidates the book holds for it and the first ``limit`` of their names. Candidates:
    a manager short of offline or online credit gets the manager's 无贷转有贷 customers
    (short of both: firms for offline, the others for online); short of non-credit, the
    firms with a payroll gap (代发 brings the employees' accounts). Largest deposits first.

    ``per_manager`` (for a whole bank or sub-branch): each manager's candidates are only
    the first ``per_manager`` of each kind, fetched so from the database; the candidate
    counts still cover the whole book (the lists' per-manager count columns).
    """
    run = runner(source)
    limit = int(_or_setting(limit, "prospect_candidates"))
    mix = run("manager_mix", month=month, branch=branch, **mix_params())
    if manager_id is not None:
        mix = mix[mix["manager_id"] == manager_id]
    pool = no_loan(run, month, branch, manager_id, min_deposit, per_manager=per_manager)
    gap_list = gaps(run, month, branch, manager_id, payroll_deposit, cash_mgmt_deposit, per_manager=per_manager)
    payroll_pool = gap_list[gap_list["gap_payroll"].fillna(False).astype(bool)]

    flags = _short_managers(mix)
    found = _candidate_rows(pool, payroll_pool, flags)
    focus_rows = found[found["focus"]]
    names = (
        focus_rows.groupby(_MANAGER_KEYS, sort=False, dropna=False)["customer_name"]
        .agg(lambda values: "、".join(str(v) for v in values.head(limit)))
        .to_dict()
    )
    focus_counts = focus_rows.groupby(_MANAGER_KEYS, sort=False, dropna=False).size().to_dict()
    book_totals = _book_totals(pool, payroll_pool, per_manager)
    summary_rows = [
        _summary_row(
            manager,
            _focus_count(manager, focus_counts, book_totals, per_manager),
            names.get((manager.manager_id, manager.branch), ""),
        )
        for manager in flags.itertuples(index=False)
    ]
    summary = pd.DataFrame(summary_rows, columns=[*_SUMMARY_COLUMNS])
    return summary, _sorted_candidates(found)


_SUMMARY_COLUMNS = (
    "manager_id",
    "manager_name",
    "branch",
    "offline_credit",
    "online_credit",
    "non_credit",
    "gap_offline",
    "gap_online",
    "gap_non_credit",
    "short_segments",
    "focus_segment",
    "approach",
    "candidate_count",
    "candidate_names",
)


def managers(source, month: str, branch: str | None = None) -> pd.DataFrame:
    """Managers for the page's filter: manager_id, manager_name, branch (from ``manager_mix``)."""
    mix = runner(source)("manager_mix", month=month, branch=branch, **mix_params())
    return mix[["manager_id", "manager_name", "branch"]].drop_duplicates().reset_index(drop=True)


def workbook(lists: dict[str, tuple[str, pd.DataFrame]], month: str, filters: dict | None = None) -> bytes:
    """All lists in one xlsx, one sheet each: ``{key: (sheet title, frame)}`` with keys of :data:`COLUMNS`."""
    sheets = [
        (title, export.title_line(f"存量客户深挖·{title}", month, filters), frame, COLUMNS[key])
        for key, (title, frame) in lists.items()
    ]
    return export.sheets_to_xlsx(sheets)


# ---- What the prospects page shows (存量客户深挖) ------------------------------------------------

LIST_TITLES: dict[str, str] = {
    "no_loan": "无贷转有贷",
    "maturing": "到期续贷",
    "coverage": "产品覆盖",
    "gaps": "产品缺口",
    "dormant": "睡眠客户",
    "balanced": "均衡发展",
    "candidates": "候选客户",
}


def explain_text() -> str:
    """The page's "如何看本页" panel: where the lists come from and the 25/30/50 structure they serve."""
    return (
        "先从已有客户里找机会：非授信客户中存款多、代发工资或开了基本户的，是贷款潜客（**无贷转有贷**）；"
        "即将到期的贷款是续贷和留住存款的时机；“**三小一卡**”（票据贴现、国际结算、现金管理、信用卡）"
        "加代发工资、基本户衡量产品覆盖，客户画像显示需要而未开通的列为缺口；连续多月无余额、无产品的客户要激活。"
        f"客户经理管户按 **{settings.get('target_offline')} 线下授信 + {settings.get('target_online')} 线上授信 + "
        f"{settings.get('target_non_credit')} 非授信** 均衡发展，缺哪类就从这些名单里补（拾遗补缺）。"
    )


def manager_labels(managers_frame: pd.DataFrame, branch: str | None) -> dict[str, str]:
    """The manager filter's options: id → ``name（id · 支行）`` (the sub-branch left out when one is chosen)."""
    return {
        row.manager_id: f"{row.manager_name or row.manager_id}（{row.manager_id}"
        + ("" if branch else f" · {row.branch}")
        + "）"
        for row in managers_frame.itertuples()
    }


def yuan_from_wan(wan: float) -> int:
    """A threshold typed in 万元 (a float from a number input) as whole yuan, without float drift."""
    return int((Decimal(str(wan)) * fmt.WAN).to_integral_value())


def coverage_rates(coverage_frame: pd.DataFrame) -> dict[str, float] | None:
    """The scope's 三小一卡, payroll and basic-account coverage (share of customers), None without customers."""
    total = coverage_frame["customers"].sum()
    if not total:
        return None
    return {
        "三小一卡覆盖率": coverage_frame["sanxiao_yika"].sum() / total,
        "代发工资覆盖率": coverage_frame["payroll"].sum() / total,
        "基本户覆盖率": coverage_frame["basic_account"].sum() / total,
    }


def dormant_history_note(months: list[str], month: str, window: int) -> str | None:
    """Why the dormant list cannot be complete: fewer stored months up to ``month`` than the window (None when enough)."""
    stored = [m for m in months if m <= month]
    if len(stored) >= window:
        return None
    return (
        f"截至 {month} 只存储了 {len(stored)} 个月的管户明细，"
        f"要判断连续 {window} 个月无余额、无产品，需先导入更早月份的数据。"
    )


def cut_caption(totals: dict[str, int], limit: int | None, per_manager: int | None) -> str | None:
    """Why the lists without a chosen manager show only their first rows (None when none is cut)."""
    if limit is None or not any(total > limit for total in totals.values()):
        return None
    return (
        f"未选客户经理时，每张清单列出前 {limit:,} 户（户数为全部）；均衡发展每位客户经理每类列出前 "
        f"{per_manager:,} 户候选客户。选择客户经理可查看并下载其完整清单。"
    )
