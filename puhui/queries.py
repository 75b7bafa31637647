"""The registry over ``queries/*.sql``: one runner for the app, the command line and the tests.

Each file starts with a header comment for people: what it answers, its grain and its
parameters. What the registry does with each parameter is declared here, in
:data:`REGISTRY`, explicitly and for every file:

- ``scope``: the data month (``$month``). Left out, it is the newest month that is
  complete for the scope asked for (the whole line, or ``$branch``): what the app opens on.
- ``optional``: left out, it is NULL (e.g. ``$branch``: NULL = the whole line).
- ``required``: must be given (e.g. ``$manager_id`` of one manager's customer list).
- ``setting``: left out, it comes from :mod:`puhui.settings` (targets, thresholds, the
  campaign calendar, list lengths), possibly depending on the other parameters (the
  phase of the month, a full list once a manager is chosen).

A caller who gives a parameter, even as None, gets exactly that. :func:`resolve` turns
what a caller gives into every value to bind; :func:`run` and :func:`run_rows` run it.
The pages (``ui.Context.run``), ``python -m puhui query`` and the tests all go through
:func:`resolve`, so the same name and parameters give the same figures everywhere. The
registry refuses a parameter it does not know, a missing required one, and a query file
whose ``$parameters`` differ from its declaration.

The queries select from shared views and macros under ``queries/models/`` (customer_facts,
the month helpers, the roster, the target cascade …; see :mod:`puhui.models`): a query file
is a dataset, a model file is logic several datasets share. :func:`run` and :func:`run_rows`
make sure the connection sees the current models first.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from . import contract, models, periods, settings, store

_PARAM = re.compile(r"\$([a-z_][a-z0-9_]*)")

SCOPE, OPTIONAL, REQUIRED, SETTING = "scope", "optional", "required", "setting"


class QueryError(ValueError):
    """A query asked for by a wrong name or with wrong parameters (message in Chinese)."""


@dataclass(frozen=True)
class Param:
    """How one ``$parameter`` of a query is filled when the caller leaves it out."""

    kind: str
    help: str
    fill: Callable[[dict], Any] | None = None  # setting: the value, given the parameters resolved so far

    def __post_init__(self):
        if self.kind not in (SCOPE, OPTIONAL, REQUIRED, SETTING):
            raise ValueError(f"unknown parameter kind {self.kind!r}")
        if (self.kind == SETTING) != (self.fill is not None):
            raise ValueError("a setting parameter needs fill(); no other kind takes one")


def optional(help_text: str) -> Param:
    """A parameter that is NULL unless given."""
    return Param(OPTIONAL, help_text)


def required(help_text: str) -> Param:
    """A parameter the caller must give."""
    return Param(REQUIRED, help_text)


def setting(name: str, convert: Callable[[Any], Any] = lambda v: v) -> Param:
    """A parameter whose value is the setting ``name`` (converted), unless given."""
    if name not in settings.SETTINGS:
        raise ValueError(f"no setting {name!r}")
    return Param(SETTING, f"设置 {name}：{settings.SETTINGS[name].help}", lambda _params: convert(settings.get(name)))


def derived(help_text: str, fill: Callable[[dict], Any]) -> Param:
    """A setting-driven parameter that depends on the other parameters (e.g. the month's phase)."""
    return Param(SETTING, help_text, fill)


def _whole_list_when_manager(name: str) -> Param:
    # The pages cut a whole line's list to its first rows; one manager's list is complete.
    return derived(
        f"未选客户经理时取设置 {name}（{settings.SETTINGS[name].help}）；选定客户经理时为 NULL（全部行）",
        lambda params: None if params.get("manager_id") is not None else int(settings.get(name)),
    )


def _phase(params: dict) -> periods.Phase:
    return periods.load_calendar().phase_of(params["month"])


def _phase_start_date(params: dict) -> str | None:
    if not params.get("month"):
        return None
    return _phase(params).start_date(int(params["month"][:4])).isoformat()


def evaluation_weights(text: str) -> dict[str, float]:
    """The evaluation's weights from the setting ``evaluation_weights`` (``指标=权重,…``), every indicator
    of :data:`contract.EVALUATION_INDICATORS` in its order (one left out weighs 0).

    >>> evaluation_weights("管户数=20, 逾期率=5")["管户数"], evaluation_weights("管户数=20")["逾期率"]
    (20.0, 0.0)
    """
    weights = dict.fromkeys(contract.EVALUATION_INDICATORS, 0.0)
    for part in str(text or "").replace("，", ",").split(","):
        if not part.strip():
            continue
        label, _, value = part.partition("=")
        label = label.strip()
        if label not in weights:
            raise QueryError(f"考核评价权重中的指标“{label}”不存在；可用：{'、'.join(contract.EVALUATION_INDICATORS)}")
        try:
            weight = float(value)
        except ValueError:
            raise QueryError(f"考核评价权重“{part.strip()}”的权重不是数字") from None
        if weight < 0:
            raise QueryError(f"考核评价权重“{part.strip()}”不能为负数")
        weights[label] = weight
    return weights


MONTH = Param(SCOPE, "数据月份 YYYY-MM；未给出时取所选范围（全条线或 $branch）最新的完整月份")
BRANCH = optional("支行；NULL = 全部支行（全条线）")
MANAGER = optional("客户经理编号；NULL = 全部客户经理")
TARGETS = {
    "default_offline": setting("target_offline", int),
    "default_online": setting("target_online", int),
    "default_non_credit": setting("target_non_credit", int),
    "default_total": setting("target_total", int),
    "default_loans": setting("target_loans_per_manager", int),
    "default_deposits": setting("target_deposits_per_manager", int),
}
COUNT_TARGETS = {k: v for k, v in TARGETS.items() if k not in ("default_loans", "default_deposits")}
CALENDAR = {
    key: derived(
        f"阶段日历（设置 phase_months、phase_weights、phase_names）：{key}",
        lambda _p, key=key: periods.load_calendar().query_params()[key],
    )
    for key in ("phase_names", "phase_starts", "phase_ends", "phase_weights")
}
PHASE_START_DATE = derived("数据月份所在阶段的第一天 YYYY-MM-DD（设置 phase_months）", _phase_start_date)
DEPOSIT_LIST = _whole_list_when_manager("deposit_list_top_n")
PROSPECT_LIST = _whole_list_when_manager("prospect_list_limit")

LIST_THRESHOLDS = {
    "min_deposit": setting("prospect_min_deposit", int),
    "payroll_deposit": setting("prospect_payroll_deposit", int),
    "cash_mgmt_deposit": setting("prospect_cash_mgmt_deposit", int),
    "window_months": setting("prospect_dormant_months", int),
}
CONTROL_RATE = setting("overdue_control_rate", float)

REGISTRY: dict[str, dict[str, Param]] = {
    "asset_quality": {"month": MONTH, "branch": BRANCH, "control_rate": CONTROL_RATE},
    "asset_quality_customers": {"month": MONTH, "branch": BRANCH, "manager_id": MANAGER},
    "asset_quality_trend": {"month": MONTH, "branch": BRANCH, "control_rate": CONTROL_RATE},
    "branch_ranking": {"month": MONTH, **TARGETS},
    "campaign_activities": {"month": MONTH, "branch": BRANCH},
    "campaign_activity_months": {"month": MONTH},
    "campaign_phase_by_manager": {
        "month": MONTH,
        "branch": BRANCH,
        "phase_start": derived("阶段第一个月（1–12）；未给出时取数据月份所在阶段", lambda p: _phase(p).start_month),
        "phase_end": derived("阶段最后一个月（1–12）；未给出时取数据月份所在阶段", lambda p: _phase(p).end_month),
    },
    "campaign_progress": {"month": MONTH, "branch": BRANCH, **CALENDAR, **COUNT_TARGETS},
    "deposit_by_branch": {"month": MONTH, "branch": BRANCH},
    "deposit_by_segment": {"month": MONTH, "branch": BRANCH},
    "deposit_cadence_customers": {"month": MONTH, "branch": BRANCH, "manager_id": MANAGER, "top_n": DEPOSIT_LIST},
    "deposit_customers": {"month": MONTH, "branch": BRANCH, "manager_id": MANAGER},
    "deposit_deviation": {
        "month": MONTH,
        "branch": BRANCH,
        "manager_id": MANAGER,
        "threshold": setting("deviation_threshold", float),
        "top_n": DEPOSIT_LIST,
    },
    "deposit_deviation_summary": {"month": MONTH, "branch": BRANCH, "threshold": setting("deviation_threshold", float)},
    "deposit_mix": {"month": MONTH, "branch": BRANCH},
    "deposit_settlement_compliance": {"month": MONTH, "branch": BRANCH, "manager_id": MANAGER, "top_n": DEPOSIT_LIST},
    "deposit_settlement_summary": {"month": MONTH, "branch": BRANCH},
    "deposit_top_movers": {"month": MONTH, "branch": BRANCH, "top_n": setting("deposit_top_movers", int)},
    "deposit_trend": {"branch": BRANCH},
    "deposit_visit_cadence": {"month": MONTH, "branch": BRANCH},
    "grid_cells": {"month": MONTH, "branch": BRANCH, "phase_start": PHASE_START_DATE},
    "grid_channel_customers": {"month": MONTH, "branch": BRANCH, "dept_id": optional("部门网格编号；NULL = 全部部门")},
    "grid_channel_totals": {"month": MONTH, "branch": BRANCH},
    "grid_customer_counts": {"month": MONTH, "branch": BRANCH},
    "grid_customers": {
        "month": MONTH,
        "branch": BRANCH,
        "grid_id": optional("网格编号；NULL = 全部网格"),
        "outside": optional("true = 只列不在地点网格中的客户"),
        "max_points": optional("抽样点数；NULL = 全部（地图抽样时页面传设置 map_max_points）"),
    },
    "grid_events": {
        "month": MONTH,
        "branch": BRANCH,
        "start": optional("起始日期 YYYY-MM-DD；NULL = 全部历史"),
        "grid_id": optional("网格编号；NULL = 全部网格"),
    },
    "grid_plan": {"month": MONTH, "branch": BRANCH, "phase_start": PHASE_START_DATE},
    "list_conversion": {"month": MONTH, "branch": BRANCH, **LIST_THRESHOLDS},
    "list_conversion_trend": {"month": MONTH, "branch": BRANCH, "manager_id": MANAGER, **LIST_THRESHOLDS},
    "list_followup": {
        "month": MONTH,
        "branch": BRANCH,
        "manager_id": MANAGER,
        "list": optional("名单：无贷转有贷、到期续贷、产品缺口或睡眠客户；NULL = 全部名单"),
        **LIST_THRESHOLDS,
    },
    "manager_customers": {
        "month": MONTH,
        "branch": optional("支行；NULL = 客户经理的客户在哪个支行都列出"),
        "manager_id": required("客户经理编号"),
    },
    "manager_mix": {
        "month": MONTH,
        "branch": BRANCH,
        **TARGETS,
        "overloaded_accounts": setting("overloaded_accounts", int),
        "bottom_group_share": setting("bottom_group_share", float),
    },
    "manager_evaluation": {
        "month": MONTH,
        "branch": BRANCH,
        **TARGETS,
        "overloaded_accounts": setting("overloaded_accounts", int),
        "bottom_group_share": setting("bottom_group_share", float),
        "threshold_manager": setting("visit_threshold_manager", int),
        "threshold_lead": setting("visit_threshold_lead", int),
        "threshold_vp": setting("visit_threshold_vp", int),
        "control_rate": setting("overdue_control_rate", float),
        "activities_target": setting("evaluation_activities_target", float),
        "results_target": setting("evaluation_results_target", float),
        "coverage_target": setting("evaluation_coverage_target", float),
        "min_deposit": setting("prospect_min_deposit", int),
        "payroll_deposit": setting("prospect_payroll_deposit", int),
        "cash_mgmt_deposit": setting("prospect_cash_mgmt_deposit", int),
        "dormant_months": setting("prospect_dormant_months", int),
        "weight_labels": setting("evaluation_weights", lambda v: list(evaluation_weights(v))),
        "weight_values": setting("evaluation_weights", lambda v: list(evaluation_weights(v).values())),
    },
    "mix_trend": {"month": MONTH, "branch": BRANCH, "manager_id": MANAGER},
    "overview": {"month": MONTH, "branch": BRANCH, **TARGETS},
    "prospect_coverage": {"month": MONTH, "branch": BRANCH, "manager_id": MANAGER},
    "prospect_dormant": {
        "month": MONTH,
        "branch": BRANCH,
        "manager_id": MANAGER,
        "window_months": setting("prospect_dormant_months", int),
        "limit": PROSPECT_LIST,
    },
    "prospect_gaps": {
        "month": MONTH,
        "branch": BRANCH,
        "manager_id": MANAGER,
        "payroll_deposit": setting("prospect_payroll_deposit", int),
        "cash_mgmt_deposit": setting("prospect_cash_mgmt_deposit", int),
        "limit": PROSPECT_LIST,
        "per_manager": optional(
            "每位客户经理列出的行数；NULL = 不按人截取（均衡发展时页面传设置 prospect_per_manager）"
        ),
    },
    "prospect_maturing": {
        "month": MONTH,
        "branch": BRANCH,
        "manager_id": MANAGER,
        "days": setting("prospect_maturity_days", int),
        "limit": PROSPECT_LIST,
    },
    "prospect_no_loan": {
        "month": MONTH,
        "branch": BRANCH,
        "manager_id": MANAGER,
        "min_deposit": setting("prospect_min_deposit", int),
        "limit": PROSPECT_LIST,
        "per_manager": optional(
            "每位客户经理列出的行数；NULL = 不按人截取（均衡发展时页面传设置 prospect_per_manager）"
        ),
    },
    "visit_alerts": {
        "month": MONTH,
        "branch": BRANCH,
        "threshold_manager": setting("visit_threshold_manager", int),
        "threshold_lead": setting("visit_threshold_lead", int),
        "threshold_vp": setting("visit_threshold_vp", int),
    },
}


@dataclass(frozen=True)
class Query:
    """One named query file and its declared parameters."""

    name: str
    sql: str
    header: str
    params: tuple[str, ...]
    spec: dict[str, Param]

    @property
    def optional(self) -> frozenset[str]:
        """The parameters that need not be given (NULL, a setting or the month's default)."""
        return frozenset(p for p, d in self.spec.items() if d.kind != REQUIRED)

    @property
    def settings_driven(self) -> frozenset[str]:
        """The parameters filled from settings unless given."""
        return frozenset(p for p, d in self.spec.items() if d.kind == SETTING)


def _parse(path: Path) -> Query:
    sql = path.read_text(encoding="utf-8")
    header_lines = []
    for line in sql.splitlines():
        if line.startswith("--"):
            header_lines.append(line[2:].strip())
        elif line.strip():
            break
    header = "\n".join(header_lines)
    body = "\n".join(line for line in sql.splitlines() if not line.lstrip().startswith("--"))
    params = tuple(dict.fromkeys(_PARAM.findall(body)))
    spec = REGISTRY.get(path.stem)
    if spec is None:
        raise QueryError(f"查询“{path.stem}”未在 puhui/queries.py 的 REGISTRY 中声明参数")
    if set(spec) != set(params):
        undeclared = sorted(set(params) - set(spec))
        unused = sorted(set(spec) - set(params))
        raise QueryError(
            f"查询“{path.stem}”的参数与声明不符：SQL 中未声明的 {'、'.join(undeclared) or '无'}；"
            f"声明了却未使用的 {'、'.join(unused) or '无'}"
        )
    return Query(path.stem, sql, header, params, spec)


@cache
def _load(directory: str, name: str, mtime: float) -> Query:
    return _parse(Path(directory) / f"{name}.sql")


def names(directory: Path = settings.QUERIES_DIR) -> list[str]:
    """The names of all queries."""
    return sorted(p.stem for p in directory.glob("*.sql"))


def get(name: str, directory: Path = settings.QUERIES_DIR) -> Query:
    """The query called ``name`` (its file is re-read when it changes)."""
    path = directory / f"{name}.sql"
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", str(name)) or not path.exists():
        raise QueryError(f"没有名为“{name}”的查询；可用的查询：{'、'.join(names(directory))}")
    return _load(str(directory), name, path.stat().st_mtime)


def default_month(con: duckdb.DuckDBPyConnection, branch: str | None = None) -> str | None:
    """The month the app opens on for a scope: the newest month complete for it (None without data)."""
    return store.newest_complete_month(store.month_status(con), branch)


def resolve(
    query: Query, params: dict | None = None, con: duckdb.DuckDBPyConnection | None = None, month: str | None = None
) -> dict:
    """Every value to bind for ``query``: what the caller gave, else the declared default.

    ``month`` is the data month to use when the caller gives none (the app's chosen month);
    without it the newest complete month for the scope is read from ``con``.
    """
    given = dict(params or {})
    unknown = sorted(set(given) - set(query.spec))
    if unknown:
        raise QueryError(f"查询“{query.name}”没有参数：{'、'.join(unknown)}（可用：{'、'.join(query.params) or '无'}）")
    missing = [p for p, d in query.spec.items() if d.kind == REQUIRED and p not in given]
    if missing:
        raise QueryError(f"查询“{query.name}”缺少参数：{'、'.join(missing)}")
    values: dict = {}
    # Plain parameters first: the month's default and the settings may depend on them.
    for p, d in query.spec.items():
        if p in given:
            values[p] = given[p]
        elif d.kind == OPTIONAL:
            values[p] = None
    for p, d in query.spec.items():
        if d.kind == SCOPE and p not in given:
            if month is None and con is not None:
                month = default_month(con, values.get("branch"))
            values[p] = month
    for p, d in query.spec.items():
        if d.kind == SETTING and p not in given:
            try:
                values[p] = d.fill(values)
            except ValueError as problem:  # a bad setting (e.g. the phase calendar)
                raise QueryError(f"查询“{query.name}”的参数 {p} 取自设置，但设置有误：{problem}") from None
    return {p: values[p] for p in query.params}


def bind(query: Query, params: dict | None) -> dict:
    """Check ``params`` against the query and return the values to bind (no month lookup)."""
    return resolve(query, params)


def run(con: duckdb.DuckDBPyConnection, name: str, params: dict | None = None, **kw) -> pd.DataFrame:
    """Run query ``name`` with its parameters resolved (:func:`resolve`) and return a DataFrame."""
    query = get(name, **kw)
    models.ensure(con)
    return con.execute(query.sql, resolve(query, params, con)).df()


def run_rows(
    con: duckdb.DuckDBPyConnection, name: str, params: dict | None = None, **kw
) -> tuple[list[str], list[tuple]]:
    """Run query ``name``; return column names and rows as Python values (Decimals kept exact)."""
    query = get(name, **kw)
    models.ensure(con)
    cursor = con.execute(query.sql, resolve(query, params, con))
    columns = [d[0] for d in cursor.description]
    return columns, cursor.fetchall()
