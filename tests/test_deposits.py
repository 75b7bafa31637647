"""The deposit page's queries and frames (存款结构) on a small known book.

Two sub-branches: 城东支行 has 2025-12, 2026-09 and 2026-10 stored; 城西支行 only 2026-08
and 2026-10, so it has no previous month in October (no increases, no alerts). The amounts
are chosen to sit on the edges of the visit thresholds, the settlement rule and the
deviation threshold.
"""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

import pandas as pd
import pytest

from puhui import deposits, queries, settings, store

EAST, WEST = "城东支行", "城西支行"

MANAGERS = [
    ("M01", "张三", EAST, "客户经理"),
    ("M02", "李四", EAST, "团队负责人"),
    ("M03", "王五", WEST, "客户经理"),
]

# month, customer, manager, branch, segment, settlement, pure, margin, savings, extras
# fmt: off
CUSTOMERS = [
    ("2025-12", "C01", "M01", EAST, "非授信", "1000000", "500000", "0", "100000", {}),
    ("2025-12", "C02", "M01", EAST, "线下授信", "2000000", "0", "0", "0", {}),
    ("2025-12", "C05", "M02", EAST, "非授信", "0", "1000000", "0", "0", {}),
    ("2026-08", "C20", "M03", WEST, "非授信", "1000", "0", "0", "0", {}),
    ("2026-09", "C01", "M01", EAST, "非授信", "1200000", "500000", "0", "100000", {}),
    ("2026-09", "C02", "M01", EAST, "线下授信", "3000000", "0", "0", "0", {}),
    ("2026-09", "C03", "M02", EAST, "线上授信", "0", "0", "0", "500000", {}),
    ("2026-09", "C04", "M02", EAST, "线下授信", "0", "0", "2000000", "0", {}),
    ("2026-09", "C05", "M02", EAST, "非授信", "0", "1000000", "0", "0", {}),
    ("2026-09", "C08", "M02", EAST, "线上授信", "0", "0", "0", "800000", {}),
    # October: increases of exactly 1,000,000.00 (C01), 1,000,000.01 (C02), exactly
    # 2,000,000.00 (C03), 5,000,000.01 (C05); C06 and C07 are new; C04 left; C08 fell.
    (
        "2026-10", "C01", "M01", EAST, "非授信", "1200000", "1500000", "0", "100000",
        {"has_payroll": True, "dep_avg": "2800000", "loan_share": "0", "settle_share": "0.1"},
    ),
    (
        "2026-10", "C02", "M01", EAST, "线下授信", "3500000.01", "0", "500000", "0",
        {"loan_offline": "5000000", "loan_share": "0.6", "settle_share": "0.5", "dep_avg": "0"},
    ),
    (
        "2026-10", "C03", "M02", EAST, "线上授信", "0", "0", "0", "2500000",
        {"has_payroll": True, "loan_online": "300000", "loan_share": "0.2", "settle_share": "0.2", "dep_avg": "2600000"},
    ),
    ("2026-10", "C05", "M02", EAST, "非授信", "0", "6000000.01", "0", "0", {}),
    (
        "2026-10", "C06", "M01", EAST, "线下授信", "0", "0", "2000000.01", "0",
        {"loan_offline": "1000000", "loan_share": "0.3", "settle_share": "0.29"},
    ),
    ("2026-10", "C07", "M01", EAST, "非授信", "515000", "0", "0", "0", {"dep_avg": "500000"}),
    (
        "2026-10", "C08", "M02", EAST, "线上授信", "0", "0", "0", "300000",
        {"loan_online": "200000", "loan_share": "0.7", "settle_share": "0.49", "dep_avg": "290000"},
    ),
    ("2026-10", "C20", "M03", WEST, "非授信", "9000000", "0", "0", "0", {}),
    ("2026-10", "C21", "M03", WEST, "线下授信", "0", "0", "100000", "0", {"loan_offline": "50000"}),
]
# fmt: on

# visit_date, manager_id, customer_id, method, visitor_role
VISITS = [
    ("2026-10-10", "M01", "C02", "上门", None),  # null role = 客户经理: meets C02's 客户经理
    ("2026-10-11", "M02", "C03", "电话", "客户经理"),  # phone does not count for an alert
    ("2026-09-15", "M02", "C03", "上门", "分管行长"),  # previous month does not count
    ("2026-10-12", "M02", "C05", "上门", "团队负责人"),  # below the 分管行长 C05 needs
    ("2026-10-13", "M02", "C05", "短信", "分管行长"),  # not on-site
    ("2026-11-02", "M02", "C05", "上门", "分管行长"),  # next month
    ("2026-10-14", "M02", "C01", "上门", "分管行长"),  # another customer
    ("2026-10-15", "M01", "C01", "电话", None),
    ("2026-10-16", "M01", "C06", "上门", "分管行长"),  # higher role meets C06's 团队负责人
    ("2026-10-17", "M02", "C07", "电话", "客户经理"),  # not C07's manager (M01)
]


def insert_customer(con, month, cid, manager, branch, segment, settlement, pure, margin, savings, extras):
    """Insert one customers row with the given deposits (yuan, as text) and extra columns."""
    values = {
        "month": month,
        "customer_id": cid,
        "customer_name": f"客户{cid}",
        "manager_id": manager,
        "branch": branch,
        "segment": segment,
        "dep_settlement": D(settlement),
        "dep_pure": D(pure),
        "dep_margin": D(margin),
        "dep_savings": D(savings),
        **{k: (D(v) if isinstance(v, str) else v) for k, v in extras.items()},
    }
    cols = ", ".join(values)
    marks = ", ".join(f"${k}" for k in values)
    con.execute(f"insert into customers ({cols}) values ({marks})", values)


def build(con, customers=CUSTOMERS, visits=VISITS):
    """Fill a fresh database with the fixture book."""
    for month in ("2025-12", "2026-08", "2026-09", "2026-10"):
        for mid, name, branch, role in MANAGERS:
            con.execute(
                "insert into managers (month, manager_id, manager_name, branch, role) values ($m, $i, $n, $b, $r)",
                {"m": month, "i": mid, "n": name, "b": branch, "r": role},
            )
    for row in customers:
        insert_customer(con, *row)
    for visit_date, mid, cid, method, role in visits:
        con.execute(
            """insert into visits (month, visit_date, manager_id, customer_id, method, visitor_role)
               values (left($d, 7), cast($d as date), $m, $c, $method, $role)""",
            {"d": visit_date, "m": mid, "c": cid, "method": method, "role": role},
        )
    store.refresh_coverage(con)  # rows written without the ingest: the pages read months from coverage


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    """The fixture database."""
    connection = store.connect(tmp_path_factory.mktemp("deposits") / "deposits.duckdb")
    build(connection)
    yield connection
    connection.close()


def rows(con, name, **params):
    """Run a query and return its rows as dicts with exact Decimals."""
    columns, data = queries.run_rows(con, name, params)
    return [dict(zip(columns, r)) for r in data]


def by(key, records):
    """Index records by a key column."""
    return {r[key]: r for r in records}


def test_months():
    assert deposits.previous_month("2026-10") == "2026-09"
    assert deposits.previous_month("2026-01") == "2025-12"
    assert deposits.year_start_month("2026-10") == "2025-12"
    assert deposits.year_start_month("2026-01") == "2025-12"


def test_branch_balances_and_changes(con):
    branches = by("branch", rows(con, "deposit_by_branch", month="2026-10"))
    east, west = branches[EAST], branches[WEST]
    assert (east["dep_settlement"], east["dep_pure"], east["dep_margin"], east["dep_savings"]) == (
        D("5215000.01"),
        D("7500000.01"),
        D("2500000.01"),
        D("2900000.00"),
    )
    assert east["dep_total"] == D("18115000.03")
    assert (east["dep_settlement_mom"], east["dep_pure_mom"], east["dep_margin_mom"], east["dep_savings_mom"]) == (
        D("1015000.01"),
        D("6000000.01"),
        D("500000.01"),
        D("1500000.00"),
    )
    assert east["dep_total_mom"] == D("9015000.03")
    assert (east["dep_settlement_ytd"], east["dep_pure_ytd"], east["dep_margin_ytd"], east["dep_savings_ytd"]) == (
        D("2215000.01"),
        D("6000000.01"),
        D("2500000.01"),
        D("2800000.00"),
    )
    assert east["dep_total_ytd"] == D("13515000.03")
    assert east["prev_month"] == "2026-09" and east["year_start_month"] == "2025-12"
    assert east["prev_month_stored"] and east["year_start_stored"]
    assert east["customers"] == 7 and east["managers"] == 2
    assert sum(east[f"{k}_share"] for k, _ in deposits.KINDS) == pytest.approx(1.0)
    # 城西 has 2026-08 but not 2026-09, and no 2025-12: no changes at all.
    assert west["dep_total"] == D("9100000.00")
    assert west["dep_total_mom"] is None and west["dep_total_ytd"] is None
    assert not west["prev_month_stored"] and not west["year_start_stored"]


def test_deposit_mix_keeps_columns_and_adds_changes(con):
    records = rows(con, "deposit_mix", month="2026-10")
    original = [
        "manager_id",
        "manager_name",
        "branch",
        "dep_settlement",
        "dep_pure",
        "dep_margin",
        "dep_savings",
        "dep_total",
    ]
    assert list(records[0])[: len(original)] == original
    for kind in [k for k, _ in deposits.KINDS] + ["dep_total"]:
        assert f"{kind}_mom" in records[0] and f"{kind}_ytd" in records[0]
    managers = by("manager_id", records)
    m01, m02, m03 = managers["M01"], managers["M02"], managers["M03"]
    assert m01["dep_total"] == D("9315000.02")
    assert (m01["dep_settlement_mom"], m01["dep_pure_mom"], m01["dep_margin_mom"], m01["dep_savings_mom"]) == (
        D("1015000.01"),
        D("1000000.00"),
        D("2500000.01"),
        D("0.00"),
    )
    assert m01["dep_total_mom"] == D("4515000.02")
    assert (m01["dep_settlement_ytd"], m01["dep_pure_ytd"], m01["dep_margin_ytd"], m01["dep_savings_ytd"]) == (
        D("2215000.01"),
        D("1000000.00"),
        D("2500000.01"),
        D("0.00"),
    )
    assert m01["dep_total_ytd"] == D("5715000.02")
    # M02 lost C04 (2,000,000 margin) and gained on pure and savings.
    assert (m02["dep_pure_mom"], m02["dep_margin_mom"], m02["dep_savings_mom"], m02["dep_total_mom"]) == (
        D("5000000.01"),
        D("-2000000.00"),
        D("1500000.00"),
        D("4500000.01"),
    )
    assert m02["dep_total_ytd"] == D("7800000.01")
    assert m03["dep_total_mom"] is None and m03["dep_total_ytd"] is None
    # Invariant: the managers of a sub-branch add up to the sub-branch.
    branches = by("branch", rows(con, "deposit_by_branch", month="2026-10"))
    for branch, record in branches.items():
        assert sum(m["dep_total"] for m in records if m["branch"] == branch) == record["dep_total"]
    assert [m["manager_id"] for m in rows(con, "deposit_mix", month="2026-10", branch=WEST)] == ["M03"]


def test_customer_level_changes(con):
    customers = by("customer_id", rows(con, "deposit_customers", month="2026-10"))
    assert customers["C01"]["dep_total_mom"] == D("1000000.00")
    assert customers["C01"]["dep_total_ytd"] == D("1200000.00")
    # New this month: counts from 0.
    assert customers["C06"]["is_new_customer"] and customers["C06"]["prev_total"] == D("0.00")
    assert customers["C06"]["dep_total_mom"] == D("2000000.01")
    assert customers["C08"]["dep_total_mom"] == D("-500000.00")
    # No previous month stored for 城西: no change, not "new".
    assert customers["C20"]["dep_total_mom"] is None and not customers["C20"]["is_new_customer"]
    assert customers["C03"]["segment"] == "线上授信" and customers["C03"]["has_payroll"]
    drill = rows(con, "deposit_customers", month="2026-10", branch=EAST, manager_id="M01")
    assert [r["customer_id"] for r in drill] == ["C02", "C01", "C06", "C07"]  # largest first
    assert sum(r["dep_total"] for r in drill) == D("9315000.02")


def test_trend(con):
    trend = rows(con, "deposit_trend")
    assert [(r["month"], r["branch"]) for r in trend] == [
        ("2025-12", EAST),
        ("2026-08", WEST),
        ("2026-09", EAST),
        ("2026-10", EAST),
        ("2026-10", WEST),
    ]
    line = deposits.trend_frame(pd.DataFrame(trend))
    assert line["month"].tolist() == ["2025-12", "2026-08", "2026-09", "2026-10"]
    assert line.set_index("month").loc["2026-10", "dep_total"] == D("27215000.03")
    assert line.set_index("month").loc["2026-09", "dep_margin"] == D("2000000.00")
    assert [r["month"] for r in rows(con, "deposit_trend", branch=WEST)] == ["2026-08", "2026-10"]
    fig = deposits.trend_figure(line)
    assert [t.name for t in fig.data] == ["结算存款", "纯存款", "保证金存款", "储蓄存款", "存款合计"]
    assert fig.data[4].y[-1] == pytest.approx(2721.500003)


def test_line_summary_and_no_previous_note(con):
    summary = deposits.line_summary(queries.run(con, "deposit_by_branch", {"month": "2026-10"}))
    total = summary.row("dep_total")
    assert total["amount"] == D("27215000.03")
    # Only 城东 has a base month; 城西's 9,100,000 is not counted as an increase.
    assert total["mom"] == D("9015000.03") and total["ytd"] == D("13515000.03")
    assert summary.row("dep_pure")["share"] == pytest.approx(7500000.01 / 27215000.03)
    assert summary.missing_prev == [WEST] and summary.missing_year_start == [WEST]
    note = deposits.no_previous_note(summary)
    assert WEST in note and "2026-09" in note and EAST not in note
    only_west = deposits.line_summary(queries.run(con, "deposit_by_branch", {"month": "2026-10", "branch": WEST}))
    assert only_west.row("dep_total")["mom"] is None
    east = deposits.line_summary(queries.run(con, "deposit_by_branch", {"month": "2026-10", "branch": EAST}))
    assert deposits.no_previous_note(east) is None


def test_top_movers(con):
    movers = rows(con, "deposit_top_movers", month="2026-10")
    ups = [(r["customer_id"], r["change"], r["status"]) for r in movers if r["direction"] == "增加"]
    downs = [(r["customer_id"], r["change"], r["status"]) for r in movers if r["direction"] == "减少"]
    assert ups == [
        ("C05", D("5000000.01"), "存量客户"),
        ("C06", D("2000000.01"), "新增客户"),
        ("C03", D("2000000.00"), "存量客户"),
        ("C02", D("1000000.01"), "存量客户"),
        ("C01", D("1000000.00"), "存量客户"),
        ("C07", D("515000.00"), "新增客户"),
    ]
    assert downs == [("C04", D("-2000000.00"), "本月未出现"), ("C08", D("-500000.00"), "存量客户")]
    assert all(r["branch"] == EAST for r in movers)  # 城西 has no previous month
    assert [r["rank"] for r in movers if r["direction"] == "增加"] == [1, 2, 3, 4, 5, 6]
    top2 = rows(con, "deposit_top_movers", month="2026-10", top_n=2)
    assert [r["customer_id"] for r in top2] == ["C05", "C06", "C04", "C08"]
    assert rows(con, "deposit_top_movers", month="2026-10", branch=WEST) == []
    ups_df, downs_df = deposits.split_movers(pd.DataFrame(movers))
    assert ups_df["customer_id"].tolist()[:2] == ["C05", "C06"] and downs_df["customer_id"].tolist() == ["C04", "C08"]


def test_visit_alerts(con):
    alerts = rows(con, "visit_alerts", month="2026-10", **deposits.alert_params())
    assert list(alerts[0])[:7] == [
        "customer_id",
        "customer_name",
        "manager_id",
        "branch",
        "deposit_increase",
        "required_role",
        "visited",
    ]
    got = [(r["customer_id"], r["deposit_increase"], r["required_role"], r["visited"]) for r in alerts]
    assert got == [
        ("C05", D("5000000.01"), "分管行长", False),  # 团队负责人 on-site, VP only by SMS / next month
        ("C06", D("2000000.01"), "团队负责人", True),  # new customer from 0; a VP visit meets it
        ("C03", D("2000000.00"), "客户经理", False),  # exactly 2 m needs only 客户经理; phone only
        ("C02", D("1000000.01"), "客户经理", True),  # a cent over 1 m; visit with no role = 客户经理
    ]
    # Exactly 1,000,000.00 (C01) is not "more than"; 城西's 9,000,000 has no previous month.
    assert {"C01", "C20"}.isdisjoint(r["customer_id"] for r in alerts)
    extras = by("customer_id", alerts)
    assert extras["C06"]["is_new_customer"] and extras["C06"]["prev_total"] == D("0.00")
    assert extras["C05"]["best_visit_role"] == "团队负责人" and extras["C05"]["onsite_visits"] == 1
    assert extras["C03"]["best_visit_role"] is None and extras["C03"]["onsite_visits"] == 0
    assert rows(con, "visit_alerts", month="2026-10", branch=WEST) == []
    # The SQL's defaults are the settings' defaults.
    assert rows(con, "visit_alerts", month="2026-10") == alerts


def test_visit_alert_thresholds_are_parameters(con):
    # Exactly at the VP threshold is not above it: C05 then needs only the team lead, whom it had.
    alerts = by("customer_id", rows(con, "visit_alerts", month="2026-10", threshold_vp=D("5000000.01")))
    assert alerts["C05"]["required_role"] == "团队负责人" and alerts["C05"]["visited"]
    alerts = by("customer_id", rows(con, "visit_alerts", month="2026-10", threshold_manager=999_999.99))
    assert alerts["C01"]["required_role"] == "客户经理" and alerts["C01"]["visited"]  # the VP's on-site visit


@pytest.mark.parametrize(
    ("increase", "role"),
    [
        ("1000000.00", None),
        ("1000000.01", "客户经理"),
        ("2000000.00", "客户经理"),
        ("2000000.01", "团队负责人"),
        ("5000000.00", "团队负责人"),
        ("5000000.01", "分管行长"),
        ("-3000000", None),
    ],
)
def test_required_role_edges(increase, role):
    assert deposits.required_role(D(increase)) == role


@pytest.mark.parametrize(
    ("increase", "visit", "visited"),
    [
        ("2500000", ("2026-10-15", "C1", "上门", "分管行长"), True),
        ("2500000", ("2026-10-15", "C1", "上门", "团队负责人"), True),
        ("2500000", ("2026-10-15", "C1", "上门", "客户经理"), False),
        ("2500000", ("2026-10-15", "C1", "上门", None), False),
        ("1500000", ("2026-10-15", "C1", "上门", None), True),
        ("1500000", ("2026-10-01", "C1", "上门", "客户经理"), True),
        ("1500000", ("2026-10-15", "C1", "电话", "分管行长"), False),
        ("1500000", ("2026-10-15", "C1", "网上", "分管行长"), False),
        ("1500000", ("2026-09-30", "C1", "上门", "分管行长"), False),
        ("1500000", ("2026-11-01", "C1", "上门", "分管行长"), False),
        ("1500000", ("2026-10-15", "C2", "上门", "分管行长"), False),
        ("6000000", ("2026-10-31", "C1", "上门", "分管行长"), True),
        ("6000000", ("2026-10-31", "C1", "上门", "团队负责人"), False),
    ],
)
def test_which_visits_count(tmp_path, increase, visit, visited):
    """One customer whose deposits rose by ``increase``, one visit: does it meet the alert?"""
    visit_date, customer, method, role = visit
    book = [
        ("2026-09", "C1", "M01", EAST, "非授信", "100000", "0", "0", "0", {}),
        ("2026-09", "C2", "M01", EAST, "非授信", "100000", "0", "0", "0", {}),
        ("2026-10", "C1", "M01", EAST, "非授信", str(D("100000") + D(increase)), "0", "0", "0", {}),
        ("2026-10", "C2", "M01", EAST, "非授信", "100000", "0", "0", "0", {}),
    ]
    con = store.connect(tmp_path / "one.duckdb")
    build(con, book, [(visit_date, "M01", customer, method, role)])
    alerts = rows(con, "visit_alerts", month="2026-10")
    assert [(r["customer_id"], r["deposit_increase"], r["visited"]) for r in alerts] == [("C1", D(increase), visited)]
    con.close()


@pytest.mark.parametrize(
    ("visitor", "required", "ok"),
    [
        (None, "客户经理", True),
        (None, "团队负责人", False),
        ("客户经理", "客户经理", True),
        ("团队负责人", "客户经理", True),
        ("团队负责人", "分管行长", False),
        ("分管行长", "团队负责人", True),
        ("分管行长", "分管行长", True),
    ],
)
def test_role_rank(visitor, required, ok):
    assert deposits.role_satisfies(visitor, required) == ok


def test_visit_cadence(con):
    cadence = by("manager_id", rows(con, "deposit_visit_cadence", month="2026-10"))
    pick = ("non_credit_customers", "not_visited", "missing_phone", "missing_onsite", "both_visited")
    # M01: C01 phone by M01 + on-site by a VP (counts), C07 phone by another manager (doesn't).
    assert tuple(cadence["M01"][k] for k in pick) == (2, 1, 1, 1, 1)
    # M02: C05 on-site by the team lead, no phone (the VP's SMS is neither).
    assert tuple(cadence["M02"][k] for k in pick) == (1, 0, 1, 0, 0)
    assert tuple(cadence["M03"][k] for k in pick) == (1, 1, 1, 1, 0)
    assert set(cadence) == {"M01", "M02", "M03"}
    short = rows(con, "deposit_cadence_customers", month="2026-10")
    assert [(r["customer_id"], r["phone_visited"], r["onsite_visited"]) for r in short] == [
        ("C07", False, False),
        ("C05", False, True),
        ("C20", False, False),
    ]
    assert by("customer_id", short)["C07"]["last_visit_date"].isoformat() == "2026-10-17"
    assert [r["customer_id"] for r in rows(con, "deposit_cadence_customers", month="2026-10", manager_id="M02")] == [
        "C05"
    ]


def test_settlement_compliance(con):
    checked = rows(con, "deposit_settlement_compliance", month="2026-10")
    got = {r["customer_id"]: (r["required_share"], r["compliant"], r["shortfall"]) for r in checked}
    assert got == {
        "C08": (D("0.5"), False, D("0.01")),  # loan share 70% → must reach 50%; has 49%
        "C06": (D("0.3"), False, D("0.01")),  # loan share 30% → must reach 30%; has 29%
        "C02": (D("0.5"), True, D("0")),  # loan share 60%, settlement exactly 50%
        "C03": (D("0.2"), True, D("0")),  # settlement equal to loan share
    }
    assert [r["customer_id"] for r in checked] == ["C06", "C08", "C02", "C03"]  # not compliant first
    assert "主结算行" in by("customer_id", checked)["C08"]["rule"]
    summary = deposits.compliance_summary(pd.DataFrame(checked))
    assert summary == {"checked": 4, "compliant": 2, "not_compliant": 2}
    assert rows(con, "deposit_settlement_compliance", month="2026-10", branch=WEST) == []


def test_deviation(con):
    records = rows(con, "deposit_deviation", month="2026-10", **deposits.deviation_params())
    got = {r["customer_id"]: (r["deviation_amount"], r["flagged"]) for r in records}
    assert got == {
        "C03": (D("-100000.00"), True),  # month-end below the daily average: negative
        "C08": (D("10000.00"), True),  # 3.45% above
        "C07": (D("15000.00"), False),  # exactly 3% is not above the threshold
        "C01": (D("0.00"), False),
    }
    deviation = by("customer_id", records)
    assert deviation["C03"]["deviation"] == pytest.approx(-100000 / 2600000)
    assert deviation["C07"]["deviation"] == pytest.approx(0.03)
    assert rows(con, "deposit_deviation", month="2026-10") == records  # default = setting
    stricter = by("customer_id", rows(con, "deposit_deviation", month="2026-10", threshold=0.029))
    assert stricter["C07"]["flagged"]
    summary = deposits.deviation_summary(pd.DataFrame(records)).set_index("branch")
    assert summary.loc[EAST, "dep_total"] == D("6115000.00") and summary.loc[EAST, "dep_avg"] == D("6190000.00")
    assert summary.loc[EAST, "deviation"] == pytest.approx(-75000 / 6190000)
    assert not summary.loc[EAST, "flagged"] and summary.loc[EAST, "flagged_customers"] == 2
    per_manager = deposits.deviation_summary(pd.DataFrame(records), by="manager_id").set_index("manager_id")
    assert per_manager.loc["M02", "flagged"] and per_manager.loc["M02", "customers"] == 2


def test_segment_mix_against_table6(con):
    segments = rows(con, "deposit_by_segment", month="2026-10", branch=EAST)
    seg = by("segment", segments)
    assert (seg["非授信"]["dep_settlement"], seg["非授信"]["dep_pure"], seg["非授信"]["dep_savings"]) == (
        D("1715000.00"),
        D("7500000.01"),
        D("100000.00"),
    )
    assert seg["线下授信"]["dep_margin"] == D("2500000.01") and seg["线下授信"]["customers"] == 2
    assert seg["线上授信"]["dep_savings_payroll"] == D("2500000.00") and seg["线上授信"]["payroll_customers"] == 1
    check = deposits.source_check(pd.DataFrame(segments)).set_index("kind")
    # 城东's settlement deposits come chiefly from credit customers: against table 6.
    assert check.loc["dep_settlement", "target_amount"] == D("1715000.00")
    assert check.loc["dep_settlement", "target_share"] == pytest.approx(1715000 / 5215000.01)
    assert check.loc["dep_settlement", "flagged"] and check.loc["dep_settlement", "status"] == "⚠️ 偏离表6"
    # Savings: 线上授信 (2,800,000) plus payroll customers elsewhere (C01's 100,000).
    assert check.loc["dep_savings", "target_amount"] == D("2900000.00")
    assert check[["flagged"]].sum().iloc[0] == 1
    line = pd.DataFrame(rows(con, "deposit_by_segment", month="2026-10"))
    assert not deposits.source_check(line)["flagged"].any()  # 城西's 9 m non-credit settlement
    flagged = deposits.source_check_by_branch(line)
    assert flagged[["branch", "kind"]].values.tolist() == [[EAST, "dep_settlement"]]
    assert deposits.source_check_by_branch(line.iloc[0:0]).empty
    assert not deposits.source_check(line.iloc[0:0])["flagged"].any()
    mix = deposits.segment_mix(line)
    assert mix["segment"].tolist() == ["线下授信", "线上授信", "非授信"]
    assert sum(mix["dep_settlement"]) == D("14215000.01")
    assert mix["dep_margin_share"].sum() == pytest.approx(1.0)
    assert len(deposits.segment_figure(mix).data) == 3


def test_breakdown_figure(con):
    frame = deposits.breakdown_frame(queries.run(con, "deposit_by_branch", {"month": "2026-10"}), "branch")
    assert frame["label"].tolist() == [EAST, WEST]
    fig = deposits.breakdown_figure(frame)
    assert [t.name for t in fig.data] == ["结算存款", "纯存款", "保证金存款", "储蓄存款"]
    assert list(fig.data[0].y) == pytest.approx([521.500001, 900.0])
    assert fig.layout.barmode == "stack"
    managers = deposits.breakdown_frame(
        queries.run(con, "deposit_mix", {"month": "2026-10", "branch": EAST}), "manager_name", "manager_id"
    )
    assert managers["label"].tolist() == ["张三", "李四"]
    horizontal = deposits.breakdown_figure(managers, horizontal=True)
    assert list(horizontal.data[1].x) == pytest.approx([150.0, 600.000001])


def test_alert_view_and_counts(con):
    alerts = queries.run(con, "visit_alerts", {"month": "2026-10"})
    view = deposits.alert_view(alerts)
    assert view["customer_id"].tolist() == ["C05", "C03", "C06", "C02"]  # unvisited first
    assert view["visited_mark"].tolist() == ["❌ 未上门", "❌ 未上门", "✅ 已上门", "✅ 已上门"]
    assert deposits.alert_counts(alerts) == {"分管行长": (1, 0), "团队负责人": (1, 1), "客户经理": (2, 1)}


OWN_QUERIES = [
    "deposit_by_branch",
    "deposit_by_segment",
    "deposit_cadence_customers",
    "deposit_customers",
    "deposit_deviation",
    "deposit_deviation_summary",
    "deposit_mix",
    "deposit_settlement_compliance",
    "deposit_settlement_summary",
    "deposit_top_movers",
    "deposit_trend",
    "deposit_visit_cadence",
    "visit_alerts",
]
KEYS = {
    "deposit_by_branch": ["branch"],
    "deposit_by_segment": ["branch", "segment"],
    "deposit_cadence_customers": ["customer_id"],
    "deposit_customers": ["customer_id"],
    "deposit_deviation": ["customer_id"],
    "deposit_deviation_summary": ["manager_id", "branch"],
    "deposit_mix": ["manager_id", "branch"],
    "deposit_settlement_compliance": ["customer_id"],
    "deposit_settlement_summary": ["manager_id", "branch"],
    "deposit_top_movers": ["customer_id"],
    "deposit_trend": ["month", "branch"],
    "deposit_visit_cadence": ["manager_id", "branch"],
    "visit_alerts": ["customer_id"],
}


def test_every_deposit_query_is_covered():
    assert sorted(n for n in queries.names() if n.startswith("deposit_") or n == "visit_alerts") == OWN_QUERIES


@pytest.mark.parametrize("name", OWN_QUERIES)
@pytest.mark.parametrize("month", ["2025-12", "2026-08", "2026-09", "2026-10", "2027-01"])
@pytest.mark.parametrize("branch", [None, EAST])
def test_query_invariants(con, name, month, branch):
    query = queries.get(name)
    params = {"branch": branch}
    if "month" in query.params:
        params["month"] = month
    frame = queries.run(con, name, params)
    assert not frame.duplicated(KEYS[name]).any()
    if branch is not None and len(frame):
        assert set(frame["branch"]) == {branch}
    if {"dep_settlement", "dep_pure", "dep_margin", "dep_savings"} <= set(frame) and len(frame):
        # The four kinds add up to the total on every row.
        kinds = frame[[k for k, _ in deposits.KINDS]].sum(axis=1)
        assert (kinds - frame["dep_total"]).abs().max() < 0.005
    if name in ("deposit_mix", "deposit_by_branch") and len(frame):
        # The kinds' changes add up to the total's change, and are missing together.
        for change in ("mom", "ytd"):
            parts = frame[[f"{k}_{change}" for k, _ in deposits.KINDS]]
            assert (parts.isna().all(axis=1) == frame[f"dep_total_{change}"].isna()).all()
            assert (parts.sum(axis=1) - frame[f"dep_total_{change}"].fillna(0)).abs().max() < 0.005
    if name == "deposit_by_branch" and len(frame):
        # A branch's changes exist exactly when its base month is stored.
        assert (frame["dep_total_mom"].notna() == frame["prev_month_stored"]).all()
        assert (frame["dep_total_ytd"].notna() == frame["year_start_stored"]).all()
    if name == "visit_alerts" and len(frame):
        assert (frame["deposit_increase"] > settings.get("visit_threshold_manager")).all()
    if name == "deposit_top_movers" and len(frame):
        assert ((frame["direction"] == "增加") == (frame["change"] > 0)).all()
        assert (frame["change"] != 0).all()


PAGE = str(Path(__file__).absolute().parent.parent / "pages" / "deposits.py")


@pytest.fixture
def page_db(tmp_path, monkeypatch):
    """The fixture book in its own file, with the app pointed at it."""
    path = tmp_path / "page.duckdb"
    connection = store.connect(path)
    build(connection)
    store.refresh_coverage(connection)  # rows written directly: the months the app offers come from coverage
    connection.close()
    monkeypatch.setenv("PUHUI_DB", str(path))
    monkeypatch.delenv("PUHUI_TRAINING_MODE", raising=False)
    return path


def frame_with(at, column):
    """The first dataframe on the page that has ``column`` among its (Chinese) headers or names."""
    for element in at.dataframe:
        if column in element.value.columns:
            return element.value
    raise AssertionError(f"no table with column {column}")


def test_page_on_known_book(page_db):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception
    metrics = {m.label: (m.value, m.delta) for m in at.metric}
    # The whole line's totals in 亿元 (the unit in the label), as on the overview.
    assert metrics["存款合计（亿元）"] == ("0.27", "环比 +0.09")
    assert metrics["保证金存款（亿元）"] == ("0.03", "环比 +0.01")
    assert metrics["须分管行长上门"] == ("1 户", "已上门 0 户")
    assert any(WEST in info.body and "2026-09" in info.body for info in at.info)
    assert len(at.get("plotly_chart")) >= 5  # branches, managers, customers, trend, segments
    alerts = frame_with(at, "visited_mark")
    assert alerts["customer_id"].tolist() == ["C05", "C03", "C06", "C02"]
    assert alerts["visited_mark"].tolist() == ["❌ 未上门", "❌ 未上门", "✅ 已上门", "✅ 已上门"]
    assert alerts["required_role"].tolist() == ["分管行长", "客户经理", "团队负责人", "客户经理"]
    # Drill: 城东 (largest) → its managers; switch to 城西 → 王五 and his customers.
    assert at.selectbox(key="deposit_drill_branch").value == EAST
    assert at.selectbox(key=f"deposit_drill_manager_{EAST}").value == "M01"
    at.selectbox(key="deposit_drill_branch").set_value(WEST).run()
    assert not at.exception
    assert at.selectbox(key=f"deposit_drill_manager_{WEST}").value == "M03"
    managers = frame_with(at, "manager_id")
    assert managers["manager_id"].tolist() == ["M03"]
    customers = frame_with(at, "segment")
    assert sorted(customers["customer_id"]) == ["C20", "C21"]


def test_page_with_branch_filter_and_training(page_db):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(PAGE, default_timeout=60)
    at.query_params["branch"] = WEST
    at.query_params["training"] = "1"
    at.run()
    assert not at.exception
    # 城西 has no previous month: the page says why instead of listing movers or alerts.
    assert sum("2026-09" in info.body for info in at.info) >= 3
    assert "visited_mark" not in [c for df in at.dataframe for c in df.value.columns]
    customers = frame_with(at, "segment")
    assert customers["customer_name"].tolist() and not any("C2" in name for name in customers["customer_name"])


def test_page_without_previous_month(page_db):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(PAGE, default_timeout=60)
    at.query_params["month"] = "2025-12"
    at.run()
    assert not at.exception
    metrics = {m.label: (m.value, m.delta) for m in at.metric}
    assert metrics["存款合计（亿元）"] == ("0.05", "")  # no change shown without a base month
    notes = [info.body for info in at.info]
    assert sum(EAST in note and "2025-11" in note for note in notes) == 3  # summary, movers, alerts
    assert "visited_mark" not in [c for df in at.dataframe for c in df.value.columns]


def test_page_on_demo(apptest_env):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(PAGE, default_timeout=120).run()
    assert not at.exception
    assert len(at.get("plotly_chart")) >= 5
    assert "visited_mark" in [c for df in at.dataframe for c in df.value.columns]


def test_lists_keep_the_worst_top_n(con):
    # Compliance: not compliant first, largest shortfall first; ties by sub-branch and id.
    top = rows(con, "deposit_settlement_compliance", month="2026-10", top_n=1)
    assert [r["customer_id"] for r in top] == ["C06"]
    assert [r["customer_id"] for r in rows(con, "deposit_settlement_compliance", month="2026-10", top_n=3)] == [
        "C06",
        "C08",
        "C02",
    ]
    # Deviation: flagged first, largest |amount| first.
    top = rows(con, "deposit_deviation", month="2026-10", top_n=2, **deposits.deviation_params())
    assert [(r["customer_id"], r["flagged"]) for r in top] == [("C03", True), ("C08", True)]
    # Cadence: neither visit first, then the larger deposits; listed in branch / manager order.
    top = rows(con, "deposit_cadence_customers", month="2026-10", top_n=2)
    assert [(r["customer_id"], r["phone_visited"], r["onsite_visited"]) for r in top] == [
        ("C07", False, False),
        ("C20", False, False),
    ]
    assert top[0]["last_visit_date"].isoformat() == "2026-10-17" and top[1]["last_visit_date"] is None
    assert rows(con, "deposit_cadence_customers", month="2026-10", top_n=3) == rows(
        con, "deposit_cadence_customers", month="2026-10"
    )


def test_lists_per_manager_are_complete(con):
    compliance = rows(con, "deposit_settlement_compliance", month="2026-10", manager_id="M01")
    assert [(r["customer_id"], r["compliant"]) for r in compliance] == [("C06", False), ("C02", True)]
    compliance = rows(con, "deposit_settlement_compliance", month="2026-10", manager_id="M02")
    assert [(r["customer_id"], r["compliant"]) for r in compliance] == [("C08", False), ("C03", True)]
    deviation = rows(con, "deposit_deviation", month="2026-10", manager_id="M01", **deposits.deviation_params())
    assert [(r["customer_id"], r["flagged"]) for r in deviation] == [("C07", False), ("C01", False)]
    assert rows(con, "deposit_deviation", month="2026-10", manager_id="M03") == []
    short = rows(con, "deposit_cadence_customers", month="2026-10", manager_id="M01")
    assert [r["customer_id"] for r in short] == ["C07"]


def test_summary_queries_match_the_customer_rows(con):
    counts = rows(con, "deposit_settlement_summary", month="2026-10")
    assert [(r["manager_id"], r["checked"], r["compliant"], r["not_compliant"]) for r in counts] == [
        ("M01", 2, 1, 1),
        ("M02", 2, 1, 1),
    ]
    assert deposits.compliance_summary(pd.DataFrame(counts)) == {"checked": 4, "compliant": 2, "not_compliant": 2}
    assert rows(con, "deposit_settlement_summary", month="2026-10", branch=WEST) == []
    summed = rows(con, "deposit_deviation_summary", month="2026-10", **deposits.deviation_params())
    assert [
        (r["manager_id"], r["customers"], r["flagged_customers"], r["dep_total"], r["dep_avg"]) for r in summed
    ] == [
        ("M01", 2, 0, D("3315000.00"), D("3300000.00")),
        ("M02", 2, 2, D("2800000.00"), D("2890000.00")),
    ]
    per_customer = pd.DataFrame(rows(con, "deposit_deviation", month="2026-10", **deposits.deviation_params()))
    for key in ("branch", "manager_id"):
        from_sql = deposits.deviation_summary(pd.DataFrame(summed), key)
        from_rows = deposits.deviation_summary(per_customer, key)
        pd.testing.assert_frame_equal(from_sql, from_rows)
    stricter = rows(con, "deposit_deviation_summary", month="2026-10", threshold=0.029)
    assert by("manager_id", stricter)["M01"]["flagged_customers"] == 1


def test_list_caption():
    assert deposits.list_caption(3, 3, "未按月拜访", "存款较多") is None
    note = deposits.list_caption(500, 427_329, "未按月拜访", "存款较多")
    assert "427,329" in note and "前 500 户" in note and "客户经理" in note


def test_page_lists_cut_to_top_n_and_full_per_manager(page_db, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("PUHUI_DEPOSIT_LIST_TOP_N", "1")
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception
    assert frame_with(at, "required_share")["customer_name"].tolist() == ["客户C06"]
    assert any("共 2 户结算量未达要求" in c.value and "前 1 户" in c.value for c in at.caption)
    at.selectbox(key="deposit_compliance_scope_all").set_value("M02").run()
    assert not at.exception
    assert frame_with(at, "required_share")["customer_name"].tolist() == ["客户C08"]
    assert frame_with(at, "deviation_amount")["customer_name"].tolist() == ["客户C03"]
    at.selectbox(key="deposit_deviation_scope_all").set_value("M02").run()
    assert frame_with(at, "deviation_amount")["customer_name"].tolist() == ["客户C03", "客户C08"]
    assert frame_with(at, "phone_mark")["customer_name"].tolist() == ["客户C20"]  # neither visit, largest deposit
    at.selectbox(key="deposit_cadence_scope_all").set_value("M02").run()
    assert frame_with(at, "phone_mark")["customer_name"].tolist() == ["客户C05"]
