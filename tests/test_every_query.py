"""Every query in queries/ (and so every model under queries/models/) on a book where each returns rows.

The book is a copy of the demo bank with two customers added by SQL: one idle through every
stored month (so 沉睡客户 has a customer to list) and one whose grid is no location cell (so
the map's "outside the cells" list is not empty). Each case must return rows; then every query
gets the invariants of its kind (no duplicate grain keys, money as DECIMAL, counts not
negative, shares within [0, 1]) and many get figures computed here from the stored rows,
without the queries or the models.
"""

from __future__ import annotations

import shutil
from collections import Counter, defaultdict
from decimal import Decimal

import pytest

from puhui import models, queries, settings, store

# One row per … (the grain each query's header states); None: a list of events without a key.
GRAIN = {
    "asset_quality": ("manager_id", "branch"),
    "asset_quality_customers": ("customer_id", "branch"),
    "asset_quality_trend": ("month", "branch"),
    "branch_ranking": ("branch", "metric"),
    "campaign_activities": None,
    "campaign_activity_months": ("month",),
    "campaign_phase_by_manager": ("branch", "manager_id", "measure"),
    "campaign_progress": ("phase", "measure"),
    "deposit_by_branch": ("branch",),
    "deposit_by_segment": ("branch", "segment"),
    "deposit_cadence_customers": ("customer_id", "branch"),
    "deposit_customers": ("customer_id", "branch"),
    "deposit_deviation": ("customer_id", "branch"),
    "deposit_deviation_summary": ("manager_id", "branch"),
    "deposit_mix": ("manager_id", "branch"),
    "deposit_settlement_compliance": ("customer_id", "branch"),
    "deposit_settlement_summary": ("manager_id", "branch"),
    "deposit_top_movers": ("direction", "rank"),
    "deposit_trend": ("month", "branch"),
    "deposit_visit_cadence": ("manager_id", "branch"),
    "grid_cells": ("grid_id", "branch"),
    "grid_channel_customers": ("customer_id",),
    "grid_channel_totals": ("grid_id",),
    "grid_customer_counts": (),
    "grid_customers": ("customer_id", "branch"),
    "grid_events": None,
    "grid_plan": ("grid_id", "manager_id", "week"),
    "list_conversion": ("list", "branch", "manager_id"),
    "list_conversion_trend": ("month", "list"),
    "list_followup": ("list", "customer_id", "branch"),
    "manager_customers": ("customer_id", "branch"),
    "manager_mix": ("manager_id", "branch"),
    "manager_evaluation": ("manager_id", "branch"),
    "mix_trend": ("month",),
    "overview": ("metric",),
    "prospect_coverage": ("manager_id", "branch"),
    "prospect_dormant": ("customer_id", "branch"),
    "prospect_gaps": ("customer_id", "branch"),
    "prospect_maturing": ("customer_id", "branch"),
    "prospect_no_loan": ("customer_id", "branch"),
    "visit_alerts": ("customer_id", "branch"),
}

MONEY = {
    "dep_settlement",
    "dep_pure",
    "dep_margin",
    "dep_savings",
    "dep_total",
    "deposits",
    "loans",
    "loan_offline",
    "loan_online",
    "credit_limit",
    "dep_avg",
    "overdue",
    "new_deposits",
    "new_loans",
    "prev_total",
    "change",
    "deviation_amount",
    "target_loans",
    "target_deposits",
    "gap_loans",
    "gap_deposits",
    "dep_savings_payroll",
    "deposit_increase",
    "prev_overdue",
    "loans_now",
}
COUNTS = {
    "customers",
    "managers",
    "accounts",
    "checked",
    "compliant",
    "not_compliant",
    "payroll_customers",
    "non_credit_customers",
    "not_visited",
    "missing_phone",
    "missing_onsite",
    "both_visited",
    "offline_credit",
    "online_credit",
    "non_credit",
    "total",
    "flagged_customers",
    "in_cells",
    "events",
    "list_total",
    "manager_total",
    "manager_firms",
    "manager_payroll",
    "gap_count",
    "phase_activities",
    "phase_visits",
    "onsite_visits",
    "payroll",
    "basic_account",
    "bill_discount",
    "intl_settlement",
    "cash_mgmt",
    "credit_card",
    "sanxiao_yika",
    "rank",
    "days_elapsed",
    "days_in_phase",
    "new_accounts",
    "overdue_customers",
    "new_overdue_customers",
    "listed",
    "converted",
    "not_converted",
}
SHARES_SUFFIX = ("_share", "_rate")
SHARES = {"time_progress", "year_time_progress"}

IDLE_ID, OUTSIDE_ID = "T-IDLE-0001", "T-OUTSIDE-0001"


def _money(value) -> Decimal:
    return Decimal(0) if value is None else Decimal(value)


@pytest.fixture(scope="module")
def book(demo_template, tmp_path_factory):
    """A writable copy of the demo bank with an idle customer and one outside every cell."""
    path = tmp_path_factory.mktemp("every_query") / "book.duckdb"
    shutil.copy(demo_template, path)
    con = store.connect(path)
    months = [r[0] for r in con.execute("select distinct month from customers order by month desc").fetchall()]
    branch, manager = con.execute(
        "select branch, manager_id from customers where month = ? group by all order by count(*) desc, 1, 2 limit 1",
        [months[0]],
    ).fetchall()[0]
    for month in months:
        # Idle: no loan, deposit, limit or product in any stored month (sub-branch as every month).
        con.execute(
            """insert into customers (month, customer_id, customer_name, manager_id, branch, segment, customer_kind,
                   loan_offline, loan_online, credit_limit, dep_settlement, dep_pure, dep_margin, dep_savings, dep_avg,
                   overdue, has_payroll, has_basic_account, has_bill_discount, has_intl_settlement, has_cash_mgmt,
                   has_credit_card, open_date)
               values (?, ?, '测试沉睡客户', ?, ?, '非授信', '个人', 0, 0, 0, 0, 0, 0, 0, 0, 0,
                       false, false, false, false, false, false, date '2020-01-01')""",
            [month, IDLE_ID, manager, branch],
        )
    con.execute(
        """insert into customers (month, customer_id, customer_name, manager_id, branch, segment, grid_id,
               loan_offline, loan_online, dep_settlement, dep_pure, dep_margin, dep_savings)
           values (?, ?, '测试网格外客户', ?, ?, '非授信', 'NO-SUCH-CELL', 0, 0, 1234.56, 0, 0, 0)""",
        [months[0], OUTSIDE_ID, manager, branch],
    )
    yield {"con": con, "months": months, "branch": branch, "manager": manager}
    con.close()


def _cases() -> list[tuple[str, str]]:
    out = []
    for name in queries.names():
        out.append((name, "line"))
        if "branch" in queries.get(name).spec:
            out.append((name, "branch"))
    out.append(("grid_customers", "outside"))
    out.append(("prospect_dormant", "window"))
    return out


def _params(name: str, case: str, book: dict) -> dict:
    spec = queries.get(name).spec
    given: dict = {}
    if "month" in spec:
        given["month"] = book["months"][0]
    if case == "branch":
        given["branch"] = book["branch"]
    if "manager_id" in spec and spec["manager_id"].kind == queries.REQUIRED:
        given["manager_id"] = book["manager"]
    if case == "outside":
        given["outside"] = True
    if case == "window":
        given["window_months"] = len(book["months"])
    return given


def _stored(con, month: str, branch: str | None = None) -> list[dict]:
    """The stored customers of a month, straight from the table (no model, no query file)."""
    cur = con.execute("select * from customers where month = ? and (? is null or branch = ?)", [month, branch, branch])
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, row)) for row in cur.fetchall()]


def _deposits(row: dict) -> Decimal:
    return sum((_money(row[k]) for k in ("dep_settlement", "dep_pure", "dep_margin", "dep_savings")), Decimal(0))


def _loans(row: dict) -> Decimal:
    return _money(row["loan_offline"]) + _money(row["loan_online"])


def _segment(row: dict) -> str:
    if row["segment"]:
        return row["segment"]
    if (row["loan_offline"] or 0) > 0:
        return "线下授信"
    return "线上授信" if (row["loan_online"] or 0) > 0 else "非授信"


@pytest.mark.parametrize(("name", "case"), _cases(), ids=lambda v: v)
def test_query_returns_rows_with_its_invariants(book, name, case):
    con = book["con"]
    given = _params(name, case, book)
    columns, rows = queries.run_rows(con, name, given)
    assert rows, f"{name} ({case}) returned no rows on the test book"
    types = {
        d[0]: str(d[1])
        for d in con.execute(queries.get(name).sql, queries.resolve(queries.get(name), given, con)).description
    }
    records = [dict(zip(columns, row)) for row in rows]

    grain = GRAIN[name]
    if grain == ():
        assert len(records) == 1
    elif grain is not None:
        keys = Counter(tuple(r[k] for k in grain) for r in records)
        assert max(keys.values()) == 1, f"{name}: duplicate {grain}: {keys.most_common(1)}"
    for column in columns:
        values = [r[column] for r in records if r[column] is not None]
        if column in MONEY or (column.startswith("dep_") and column.endswith(("_mom", "_ytd", "_yoy"))):
            assert types[column].startswith("DECIMAL"), f"{name}.{column} is {types[column]}, not DECIMAL"
        if column in COUNTS and types[column] != "BOOLEAN":  # compliant: a count in the summary, a flag per customer
            assert types[column] in ("BIGINT", "INTEGER", "HUGEINT"), f"{name}.{column} is {types[column]}"
            assert all(v >= 0 for v in values), f"{name}.{column} has a negative count"
        if column in SHARES or column.endswith(SHARES_SUFFIX):
            assert all(0 <= v <= 1 for v in values), f"{name}.{column} outside [0, 1]: {min(values)}, {max(values)}"
    check = EXACT.get(name)
    if check is not None:
        check(con, given, records, book)


# Figures computed here from the stored rows -------------------------------------------------


def _exact_deposit_by_branch(con, given, records, book):
    stored = _stored(con, given["month"], given.get("branch"))
    by_branch = defaultdict(lambda: [0, Decimal(0)])
    for row in stored:
        by_branch[row["branch"]][0] += 1
        by_branch[row["branch"]][1] += _deposits(row)
    assert {r["branch"]: [r["customers"], r["dep_total"]] for r in records} == {k: v for k, v in by_branch.items()}
    for r in records:
        assert r["dep_total"] == r["dep_settlement"] + r["dep_pure"] + r["dep_margin"] + r["dep_savings"]


def _exact_deposit_trend(con, given, records, book):
    for month in book["months"]:
        stored = _stored(con, month, given.get("branch"))
        got = sum((r["dep_total"] for r in records if r["month"] == month), Decimal(0))
        assert got == sum((_deposits(row) for row in stored), Decimal(0))
        assert sum(r["customers"] for r in records if r["month"] == month) == len(stored)


def _exact_deposit_by_segment(con, given, records, book):
    stored = _stored(con, given["month"], given.get("branch"))
    counts = Counter((row["branch"], _segment(row)) for row in stored)
    assert {(r["branch"], r["segment"]): r["customers"] for r in records} == dict(counts)
    payroll = sum(1 for row in stored if row["has_payroll"])
    assert sum(r["payroll_customers"] for r in records) == payroll


def _exact_deposit_customers(con, given, records, book):
    stored = _stored(con, given["month"], given.get("branch"))
    assert len(records) == len(stored)
    totals = {row["customer_id"]: _deposits(row) for row in stored}
    previous = defaultdict(Decimal)
    prev_month = book["months"][1]
    prev_rows = _stored(con, prev_month)
    for row in prev_rows:
        previous[row["customer_id"]] += _deposits(row)
    prev_branches = {row["branch"] for row in prev_rows}
    for r in records:
        assert r["dep_total"] == totals[r["customer_id"]]
        if r["branch"] in prev_branches:
            assert r["is_new_customer"] == (r["customer_id"] not in previous)
            assert r["dep_total_mom"] == totals[r["customer_id"]] - previous.get(r["customer_id"], Decimal(0))
        else:
            assert r["dep_total_mom"] is None


def _exact_overview(con, given, records, book):
    stored = _stored(con, given["month"], given.get("branch"))
    actual = {r["metric"]: r["actual"] for r in records}
    assert actual["管户数"] == len(stored)
    assert actual["线下授信户数"] == sum(1 for row in stored if _segment(row) == "线下授信")
    assert actual["存款余额"] == sum((_deposits(row) for row in stored), Decimal(0))
    assert actual["贷款余额"] == sum((_loans(row) for row in stored), Decimal(0))
    assert actual["逾期金额"] == sum((_money(row["overdue"]) for row in stored), Decimal(0))
    first = records[0]
    month = given["month"]
    year, mon = int(month[:4]), int(month[5:])
    assert first["previous_month"] == (f"{year - 1}-12" if mon == 1 else f"{year}-{mon - 1:02d}")
    assert first["year_start_month"] == f"{year - 1}-12"
    assert first["year_ago_month"] == f"{year - 1}-{mon:02d}"
    previous = _stored(con, first["previous_month"], given.get("branch"))
    present = {row["branch"] for row in stored}
    like_for_like = [row for row in previous if row["branch"] in present]
    assert actual["管户数"] - len(like_for_like) == {r["metric"]: r["mom_change"] for r in records}["管户数"]


def _exact_branch_ranking(con, given, records, book):
    stored = _stored(con, given["month"])
    per_branch = Counter(row["branch"] for row in stored)
    assert {r["branch"]: r["actual"] for r in records if r["metric"] == "管户数"} == dict(per_branch)
    # the same figures as the overview of each sub-branch
    branch = book["branch"]
    _, overview = queries.run_rows(con, "overview", {"month": given["month"], "branch": branch})
    cols, _ = queries.run_rows(con, "overview", {"month": given["month"], "branch": branch})
    ov = {row[cols.index("metric")]: row for row in overview}
    for r in records:
        if r["branch"] == branch:
            assert r["actual"] == ov[r["metric"]][cols.index("actual")]
            assert r["target"] == ov[r["metric"]][cols.index("target")]


def _exact_manager_mix(con, given, records, book):
    stored = _stored(con, given["month"], given.get("branch"))
    assert sum(r["total"] for r in records) == len(stored)
    per_manager = Counter((row["manager_id"], row["branch"]) for row in stored if _segment(row) == "非授信")
    for r in records:
        assert r["non_credit"] == per_manager.get((r["manager_id"], r["branch"]), 0)
        assert r["total"] == r["offline_credit"] + r["online_credit"] + r["non_credit"]


def _exact_mix_trend(con, given, records, book):
    for r in records:
        assert r["total"] == len(_stored(con, r["month"], given.get("branch")))


def _exact_grid_customer_counts(con, given, records, book):
    if given.get("branch") is None:
        assert records[0]["customers"] == len(_stored(con, given["month"]))
    assert records[0]["in_cells"] <= records[0]["customers"]


def _exact_prospect_coverage(con, given, records, book):
    stored = _stored(con, given["month"], given.get("branch"))
    assert sum(r["customers"] for r in records) == len(stored)
    assert sum(r["payroll"] for r in records) == sum(1 for row in stored if row["has_payroll"])


def _exact_settlement_summary(con, given, records, book):
    stored = _stored(con, given["month"], given.get("branch"))
    checked = [
        row
        for row in stored
        if row["loan_share"] is not None and row["settle_share"] is not None and _segment(row) != "非授信"
    ]
    compliant = sum(
        1
        for row in checked
        if row["settle_share"] >= (Decimal("0.5") if row["loan_share"] >= Decimal("0.5") else row["loan_share"])
    )
    assert sum(r["checked"] for r in records) == len(checked)
    assert sum(r["compliant"] for r in records) == compliant


def _exact_deviation_summary(con, given, records, book):
    stored = [row for row in _stored(con, given["month"], given.get("branch")) if (row["dep_avg"] or 0) > 0]
    threshold = Decimal(str(settings.get("deviation_threshold")))
    flagged = sum(1 for row in stored if abs(_deposits(row) - row["dep_avg"]) > threshold * row["dep_avg"])
    assert sum(r["customers"] for r in records) == len(stored)
    assert sum(r["flagged_customers"] for r in records) == flagged


def _exact_visit_cadence(con, given, records, book):
    stored = _stored(con, given["month"], given.get("branch"))
    assert sum(r["non_credit_customers"] for r in records) == sum(1 for row in stored if _segment(row) == "非授信")
    for r in records:
        assert (
            r["both_visited"] + r["missing_phone"] + r["missing_onsite"] - r["not_visited"] == r["non_credit_customers"]
        )


def _exact_manager_customers(con, given, records, book):
    stored = [
        row for row in _stored(con, given["month"], given.get("branch")) if row["manager_id"] == given["manager_id"]
    ]
    assert {r["customer_id"]: r["deposits"] for r in records} == {row["customer_id"]: _deposits(row) for row in stored}


def _exact_top_movers(con, given, records, book):
    now = defaultdict(Decimal)
    before = defaultdict(Decimal)
    for row in _stored(con, given["month"]):
        now[row["customer_id"]] += _deposits(row)
    for row in _stored(con, book["months"][1]):
        before[row["customer_id"]] += _deposits(row)
    for r in records:
        assert r["change"] == now.get(r["customer_id"], Decimal(0)) - before.get(r["customer_id"], Decimal(0))
        assert r["change"] > 0 if r["direction"] == "增加" else r["change"] < 0


def _exact_grid_customers(con, given, records, book):
    ids = {r["customer_id"] for r in records}
    if given.get("outside"):
        assert OUTSIDE_ID in ids
        assert not any(r["in_cell"] for r in records)
        outside = next(r for r in records if r["customer_id"] == OUTSIDE_ID)
        assert outside["deposits"] == Decimal("1234.56")
    elif given.get("branch") is None:
        assert len(records) == len(_stored(con, given["month"]))


def _exact_prospect_dormant(con, given, records, book):
    # the idle customer sits in the test's sub-branch and is idle in every stored month
    assert IDLE_ID in {r["customer_id"] for r in records}
    idle = next(r for r in records if r["customer_id"] == IDLE_ID)
    assert idle["last_active_month"] is None and idle["manager_id"] == book["manager"]
    assert all(r["list_total"] >= len(records) for r in records)


def _exact_campaign_activity_months(con, given, records, book):
    stored = {
        r[0] for r in con.execute("select distinct month from activities where month <= ?", [given["month"]]).fetchall()
    }
    assert {r["month"] for r in records} <= stored | {given["month"]}


def _exact_grid_channel_totals(con, given, records, book):
    _, rows = queries.run_rows(con, "grid_channel_customers", {k: v for k, v in given.items()})
    assert sum(r["customers"] for r in records) == len(rows)


def _exact_asset_quality(con, given, records, book):
    stored = _stored(con, given["month"], given.get("branch"))
    before = {row["customer_id"] for row in _stored(con, book["months"][1]) if (row["overdue"] or 0) > 0}
    per = defaultdict(lambda: [Decimal(0), Decimal(0), 0, 0])
    for row in stored:
        figures = per[(row["manager_id"], row["branch"])]
        figures[0] += _loans(row)
        figures[1] += _money(row["overdue"])
        if (row["overdue"] or 0) > 0:
            figures[2] += 1
            figures[3] += row["customer_id"] not in before
    got = {
        (r["manager_id"], r["branch"]): [r["loans"], r["overdue"], r["overdue_customers"], r["new_overdue_customers"]]
        for r in records
    }
    for key, figures in per.items():
        assert got[key] == figures, key
    assert all(v == [0, 0, 0, 0] for k, v in got.items() if k not in per)
    for r in records:
        if r["loans"]:
            assert r["overdue_rate"] == pytest.approx(float(r["overdue"]) / float(r["loans"]))


def _exact_manager_evaluation(con, given, records, book):
    # The score is the sum of the points; no indicator gives more than its maximum; ranks follow the score.
    for r in records:
        points = [v for k, v in r.items() if k.startswith("p_") and v is not None]
        maxima = [v for k, v in r.items() if k.startswith("max_") and v is not None]
        assert len(points) == len(maxima) and sum(maxima) == pytest.approx(100)
        assert float(r["score"]) == pytest.approx(sum(points), abs=0.006)
        assert all(0 <= r[k] <= r["max_" + k[2:]] + 1e-9 for k in r if k.startswith("p_") and r[k] is not None)
    ordered = sorted(records, key=lambda r: r["rank"])
    assert [r["score"] for r in ordered] == sorted((r["score"] for r in records), reverse=True)
    mix = queries.run(con, "manager_mix", {k: v for k, v in given.items() if k in ("month", "branch")})
    assert {r["manager_id"] for r in records} == set(mix[mix["is_manager"]]["manager_id"])


EXACT = {
    "asset_quality": _exact_asset_quality,
    "manager_evaluation": _exact_manager_evaluation,
    "deposit_by_branch": _exact_deposit_by_branch,
    "deposit_trend": _exact_deposit_trend,
    "deposit_by_segment": _exact_deposit_by_segment,
    "deposit_customers": _exact_deposit_customers,
    "overview": _exact_overview,
    "branch_ranking": _exact_branch_ranking,
    "manager_mix": _exact_manager_mix,
    "mix_trend": _exact_mix_trend,
    "grid_customer_counts": _exact_grid_customer_counts,
    "prospect_coverage": _exact_prospect_coverage,
    "deposit_settlement_summary": _exact_settlement_summary,
    "deposit_deviation_summary": _exact_deviation_summary,
    "deposit_visit_cadence": _exact_visit_cadence,
    "manager_customers": _exact_manager_customers,
    "deposit_top_movers": _exact_top_movers,
    "grid_customers": _exact_grid_customers,
    "prospect_dormant": _exact_prospect_dormant,
    "campaign_activity_months": _exact_campaign_activity_months,
    "grid_channel_totals": _exact_grid_channel_totals,
}


def test_every_query_and_model_is_covered():
    """A new query needs its grain here; every model is used by some query."""
    assert set(GRAIN) == set(queries.names())
    used = " ".join(queries.get(name).sql for name in queries.names())
    model_sql = " ".join(sql for _, _, sql in models.load()[0])
    for name in models.names():
        assert name in used or name in model_sql.replace(f"macro {name}", "").replace(f"view {name}", ""), name
