"""资产质量 and 名单跟进 (issue 14 parts 2 and 3) on a hand-built three-month book with known answers.

August and September 2026 hold the same customers (so September is the listing month of October's
report back); October is the data month. Every figure asserted here is worked out by hand below.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import copy_db
from streamlit.testing.v1 import AppTest

from puhui import access, followup, quality, queries, settings, store

ROOT = Path(__file__).resolve().parent.parent
AUG, SEP, OCT = "2026-08", "2026-09", "2026-10"
CG, BH = "城关支行", "埠河支行"

MANAGERS = [("M1", "张经理", CG, "客户经理"), ("M2", "李经理", CG, "客户经理"), ("M3", "王经理", BH, "客户经理")]
MANAGERS += [("M9", "新经理", CG, "客户经理")]  # no customers at all

COLUMNS = [
    "month",
    "customer_id",
    "customer_name",
    "manager_id",
    "branch",
    "segment",
    "customer_kind",
    "loan_offline",
    "loan_online",
    "dep_settlement",
    "dep_savings",
    "overdue",
    "has_payroll",
    "has_basic_account",
    "has_bill_discount",
    "has_intl_settlement",
    "has_cash_mgmt",
    "has_credit_card",
    "loan_maturity",
    "phone",
]
EVERY = dict.fromkeys(
    (
        "has_payroll",
        "has_basic_account",
        "has_bill_discount",
        "has_intl_settlement",
        "has_cash_mgmt",
        "has_credit_card",
    ),
    True,
)
NONE = dict.fromkeys(EVERY, False)


def row(month, cid, name, mid, branch, segment, kind, **values):
    """One customers row (missing columns NULL, products off unless given)."""
    out = dict.fromkeys(COLUMNS)
    out.update(NONE)
    out.update(month=month, customer_id=cid, customer_name=name, manager_id=mid, branch=branch, segment=segment)
    out.update(customer_kind=kind, phone=f"1390000{int(cid[1:]):04d}")
    out.update(values)
    return out


def september(month: str) -> list[dict]:
    """The listing month's book (August is the same)."""
    return [
        row(month, "C1", "甲公司", "M1", CG, "线下授信", "小微企业", loan_offline=1_000_000, overdue=0,
            loan_maturity=date(2027, 6, 1), **EVERY),
        row(month, "C2", "乙公司", "M1", CG, "线下授信", "小微企业", loan_offline=500_000, overdue=20_000,
            loan_maturity=date(2027, 6, 1), **EVERY),
        # exactly the threshold: listed (无贷转有贷)
        row(month, "C4", "丁一", "M2", CG, "非授信", "个人", dep_savings=500_000),
        # a cent below: not listed
        row(month, "C5", "丁二", "M2", CG, "非授信", "个人", dep_savings=Decimal("499999.99")),
        # listed, then leaves the book
        row(month, "C6", "丁三", "M1", CG, "非授信", "个人", dep_savings=800_000),
        # maturing in October: repaid (lost), renewed
        row(month, "C7", "戊公司", "M3", BH, "线下授信", "小微企业", loan_offline=300_000,
            loan_maturity=date(2026, 10, 15), **EVERY),
        row(month, "C8", "己公司", "M3", BH, "线下授信", "小微企业", loan_offline=400_000,
            loan_maturity=date(2026, 10, 31), **EVERY),
        # maturing in November: not on October's list
        row(month, "C9", "庚公司", "M3", BH, "线下授信", "小微企业", loan_offline=250_000,
            loan_maturity=date(2026, 11, 5), **EVERY),
        # idle in August and September
        row(month, "C10", "辛一", "M2", CG, "非授信", "个人"),
        row(month, "C11", "辛二", "M2", CG, "非授信", "个人"),
        # gaps: 票据贴现 and 信用卡 (a firm with offline credit and a basic account); 信用卡 alone
        row(month, "C12", "壬公司", "M1", CG, "线下授信", "小微企业", loan_offline=600_000,
            loan_maturity=date(2027, 6, 1), has_basic_account=True),
        row(month, "C13", "癸一", "M1", CG, "线上授信", "个人", loan_online=100_000, loan_maturity=date(2027, 6, 1)),
    ]  # fmt: skip


def october() -> list[dict]:
    """The data month."""
    m = OCT
    return [
        # overdue now, none in September: new
        row(m, "C1", "甲公司", "M1", CG, "线下授信", "小微企业", loan_offline=1_000_000, overdue=50_000,
            loan_maturity=date(2027, 6, 1), **EVERY),
        # overdue in both months: continuing
        row(m, "C2", "乙公司", "M1", CG, "线下授信", "小微企业", loan_offline=500_000, overdue=30_000,
            loan_maturity=date(2027, 6, 1), **EVERY),
        # not present in September, overdue now: new
        row(m, "C3", "丙公司", "M2", CG, "线上授信", "小微企业", loan_online=200_000, overdue=4_000,
            loan_maturity=date(2027, 6, 1), **EVERY),
        row(m, "C4", "丁一", "M2", CG, "线上授信", "个人", loan_online=100_000, dep_savings=500_000,
            loan_maturity=date(2027, 10, 1), has_credit_card=True),
        row(m, "C5", "丁二", "M2", CG, "非授信", "个人", dep_savings=Decimal("499999.99")),
        row(m, "C7", "戊公司", "M3", BH, "非授信", "小微企业", dep_settlement=10_000, **EVERY),
        row(m, "C8", "己公司", "M3", BH, "线下授信", "小微企业", loan_offline=400_000,
            loan_maturity=date(2027, 10, 31), **EVERY),
        row(m, "C9", "庚公司", "M3", BH, "线下授信", "小微企业", loan_offline=250_000,
            loan_maturity=date(2026, 11, 5), **EVERY),
        row(m, "C10", "辛一", "M2", CG, "非授信", "个人", dep_savings=1_000),
        row(m, "C11", "辛二", "M2", CG, "非授信", "个人"),
        row(m, "C12", "壬公司", "M1", CG, "线下授信", "小微企业", loan_offline=600_000,
            loan_maturity=date(2027, 6, 1), has_basic_account=True, has_credit_card=True),
        row(m, "C13", "癸一", "M1", CG, "线上授信", "个人", loan_online=100_000, loan_maturity=date(2027, 6, 1)),
    ]  # fmt: skip


def fill(con) -> None:
    """The three months of managers and customers."""
    for month in (AUG, SEP, OCT):
        con.executemany(
            "insert into managers (month, manager_id, manager_name, branch, role) values (?, ?, ?, ?, ?)",
            [(month, *m) for m in MANAGERS],
        )
    rows = september(AUG) + september(SEP) + october()
    con.executemany(
        f"insert into customers ({', '.join(COLUMNS)}) values ({', '.join('?' for _ in COLUMNS)})",
        [[r[c] for c in COLUMNS] for r in rows],
    )
    store.refresh_coverage(con)


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("quality") / "book.duckdb"
    con = store.connect(path)
    fill(con)
    con.close()
    return path


@pytest.fixture(scope="module")
def page_book(book, tmp_path_factory) -> Path:
    """A copy for AppTest (which opens its own connection, with its own configuration)."""
    return copy_db(book, tmp_path_factory.mktemp("quality_pages") / "book.duckdb")


@pytest.fixture(scope="module")
def con(book):
    connection = store.connect(book)
    yield connection
    connection.close()


def records(con, name: str, **params) -> list[dict]:
    columns, rows = queries.run_rows(con, name, params)
    return [dict(zip(columns, r)) for r in rows]


# 资产质量 ------------------------------------------------------------------------------------


def test_asset_quality_per_manager_by_hand(con):
    got = {r["manager_id"]: r for r in records(con, "asset_quality", month=OCT)}
    assert set(got) == {"M1", "M2", "M3", "M9"}
    m1, m2, m3, m9 = (got[k] for k in ("M1", "M2", "M3", "M9"))
    # M1: C1 1,000,000 + C2 500,000 + C12 600,000 + C13 100,000; overdue 50,000 + 30,000; C1 new, C2 continuing.
    assert (m1["loans"], m1["overdue"]) == (Decimal("2200000.00"), Decimal("80000.00"))
    assert m1["overdue_rate"] == pytest.approx(80_000 / 2_200_000)
    assert (m1["overdue_customers"], m1["new_overdue_customers"]) == (2, 1)
    assert m1["over_control"] is True  # 3.64% > 3%
    # M2: C3 200,000 + C4 100,000; overdue 4,000 of C3, who was not in the book in September: new.
    assert (m2["loans"], m2["overdue"], m2["overdue_customers"], m2["new_overdue_customers"]) == (
        Decimal("300000.00"),
        Decimal("4000.00"),
        1,
        1,
    )
    assert m2["over_control"] is False
    assert (m3["loans"], m3["overdue"], m3["overdue_rate"], m3["overdue_customers"]) == (
        Decimal("650000.00"),
        Decimal("0.00"),
        0,
        0,
    )
    # A manager without customers: no loans, no rate.
    assert (m9["loans"], m9["overdue"], m9["overdue_rate"], m9["overdue_customers"], m9["new_overdue_customers"]) == (
        0,
        0,
        None,
        0,
        0,
    )
    assert m9["over_control"] is None
    assert {r["control_rate"] for r in got.values()} == {settings.get("overdue_control_rate")}


def test_asset_quality_macro_is_what_the_query_reads(con):
    cols = con.execute("select * from manager_asset_quality(?, ?) order by manager_id", [OCT, CG]).fetchall()
    assert [r[0] for r in cols] == ["M1", "M2", "M9"]
    described = [d[0] for d in con.execute("select * from manager_asset_quality(?, null)", [OCT]).description]
    assert described == [
        "manager_id",
        "branch",
        "loans",
        "overdue",
        "overdue_rate",
        "overdue_customers",
        "new_overdue_customers",
    ]


def test_first_month_cannot_tell_new_overdue(con):
    got = {r["manager_id"]: r for r in records(con, "asset_quality", month=AUG)}
    assert got["M1"]["overdue_customers"] == 1  # C2
    assert got["M1"]["new_overdue_customers"] is None  # no July stored
    trend = records(con, "asset_quality_trend", month=OCT)
    line = {r["month"]: r for r in trend if r["branch"] is None}
    assert line[AUG]["new_overdue_customers"] is None
    assert line[SEP]["new_overdue_customers"] == 0  # C2 overdue in August already
    assert line[OCT]["new_overdue_customers"] == 2  # C1, C3
    assert line[OCT]["overdue"] == Decimal("84000.00")
    assert line[OCT]["loans"] == Decimal("3150000.00")
    assert {(r["branch"], r["overdue_customers"]) for r in trend if r["month"] == OCT} == {(None, 3), (CG, 3), (BH, 0)}


def test_overdue_customer_list(con):
    got = records(con, "asset_quality_customers", month=OCT)
    assert [(r["customer_id"], r["is_new"], r["prev_overdue"]) for r in got] == [
        ("C1", True, Decimal("0.00")),
        ("C3", True, Decimal("0.00")),
        ("C2", False, Decimal("20000.00")),
    ]
    assert [r["customer_id"] for r in records(con, "asset_quality_customers", month=OCT, manager_id="M2")] == ["C3"]


# 名单跟进 ------------------------------------------------------------------------------------

TWO_MONTH_WINDOW = {"window_months": 2}  # the book holds August and September before October


def test_list_conversion_by_hand(con):
    got = {(r["list"], r["manager_id"]): r for r in records(con, "list_conversion", month=OCT, **TWO_MONTH_WINDOW)}
    figures = {key: (r["listed"], r["converted"]) for key, r in got.items()}
    assert figures == {
        ("无贷转有贷", "M2"): (1, 1),  # C4 at exactly 50 万元: listed, took a loan (C5 a cent below: not listed)
        ("无贷转有贷", "M1"): (1, 0),  # C6 left the book
        ("到期续贷", "M3"): (2, 1),  # C8 renewed, C7 repaid at maturity; C9 matures in November
        ("产品缺口", "M1"): (2, 1),  # C12 took the credit card it lacked; C13 still without
        ("睡眠客户", "M2"): (2, 1),  # C10 has a deposit again; C11 still idle
    }
    assert got[("到期续贷", "M3")]["rate"] == pytest.approx(0.5)
    assert {r["listing_month"] for r in got.values()} == {SEP}
    assert got[("到期续贷", "M3")]["manager_name"] == "王经理"


def test_list_conversion_with_the_default_window_needs_three_months(con):
    lists = {r["list"] for r in records(con, "list_conversion", month=OCT)}
    assert "睡眠客户" not in lists  # July is not stored: nobody can be idle for three months up to September


def test_followup_lists_the_customers_not_converted(con):
    got = records(con, "list_followup", month=OCT, **TWO_MONTH_WINDOW)
    assert [(r["list"], r["customer_id"], r["status"]) for r in got] == [
        ("无贷转有贷", "C6", "不在本月管户明细"),
        ("到期续贷", "C7", "贷款已结清未续贷"),
        ("产品缺口", "C13", "缺口未补"),
        ("睡眠客户", "C11", "仍无余额和产品"),
    ]
    assert [
        r["customer_id"] for r in records(con, "list_followup", month=OCT, list="到期续贷", **TWO_MONTH_WINDOW)
    ] == ["C7"]


def test_first_month_has_nothing_to_report(con):
    assert records(con, "list_conversion", month=AUG) == []
    assert followup.nothing_to_report([AUG, SEP, OCT], AUG, None).startswith("本行没有 2026-07（上月）的管户明细")
    assert followup.nothing_to_report([AUG, SEP, OCT], OCT, None) is None


def test_trend_matches_the_month(con):
    trend = records(con, "list_conversion_trend", month=OCT, **TWO_MONTH_WINDOW)
    october_rows = {r["list"]: (r["listed"], r["converted"]) for r in trend if r["month"] == OCT}
    assert october_rows == {"无贷转有贷": (2, 1), "到期续贷": (2, 1), "产品缺口": (2, 1), "睡眠客户": (2, 1)}
    assert {r["month"] for r in trend} == {SEP, OCT}


def test_macro_defaults_are_the_settings_defaults():
    text = (settings.QUERIES_DIR / "models" / "list_conversion_by_manager.sql").read_text(encoding="utf-8")
    defaults = dict(re.findall(r"(\w+) := (\d+)", text))
    assert int(defaults["min_deposit"]) == settings.SETTINGS["prospect_min_deposit"].default
    assert int(defaults["payroll_deposit"]) == settings.SETTINGS["prospect_payroll_deposit"].default
    assert int(defaults["cash_mgmt_deposit"]) == settings.SETTINGS["prospect_cash_mgmt_deposit"].default
    assert int(defaults["dormant_months"]) == settings.SETTINGS["prospect_dormant_months"].default


def test_scoped_branch_head_sees_only_his_sub_branch(con):
    cursor = access.scope_cursor(con, [BH])
    try:
        managers = records(cursor, "asset_quality", month=OCT)
        assert {(r["manager_id"], r["branch"]) for r in managers} == {("M3", BH)}
        conversion = records(cursor, "list_conversion", month=OCT, **TWO_MONTH_WINDOW)
        assert {(r["list"], r["manager_id"]) for r in conversion} == {("到期续贷", "M3")}
        followups = records(cursor, "list_followup", month=OCT, **TWO_MONTH_WINDOW)
        assert {r["customer_id"] for r in followups} == {"C7"}
        trend = records(cursor, "asset_quality_trend", month=OCT)
        assert {r["branch"] for r in trend} == {None, BH}
        assert records(cursor, "asset_quality_customers", month=OCT) == []
    finally:
        cursor.close()


def test_control_text():
    assert quality.control_text(0.0364, 0.03) == "超控 0.64 个百分点"
    assert quality.control_text(0.03, 0.03) == "控制内"
    assert quality.control_text(None, 0.03) == "无贷款"


# Pages ----------------------------------------------------------------------------------------


def table_with(at: AppTest, *headers: str):
    """The page's first table with this column (AppTest's dataframes carry no key)."""
    return next(d.value for d in at.dataframe if set(headers) <= set(d.value.columns))


def _page(rel: str, db: Path, monkeypatch, month: str = OCT) -> AppTest:
    monkeypatch.setenv("PUHUI_DB", str(db))
    at = AppTest.from_file(str(ROOT / rel), default_timeout=120)
    at.query_params["month"] = month
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_quality_page_on_the_book(page_book, monkeypatch):
    at = _page("pages/quality.py", page_book, monkeypatch)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["逾期率"] == "2.67%"  # 84,000 / 3,150,000
    assert metrics["本月新增逾期"] == "2 户"
    assert metrics["逾期客户"] == "3 户"
    customers = table_with(at, "new_text")
    assert list(customers["customer_id"]) == ["C1", "C3", "C2"]
    assert list(customers["new_text"]) == ["新增", "新增", "延续"]
    managers = table_with(at, "manager_name", "control_text")
    assert set(managers["manager_name"]) == {"张经理", "李经理", "王经理", "新经理"}


def test_prospects_followup_tab_on_the_book(page_book, monkeypatch):
    at = _page("pages/prospects.py", page_book, monkeypatch)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["到期续贷：已转化 / 上月名单"] == "1 / 2 户（50.0%）"
    assert metrics["无贷转有贷：已转化 / 上月名单"] == "1 / 2 户（50.0%）"
    followups = table_with(at, "status")
    assert set(followups["customer_id"]) >= {"C6", "C7", "C13"}


def test_prospects_followup_tab_says_why_in_the_first_month(page_book, monkeypatch):
    at = _page("pages/prospects.py", page_book, monkeypatch, month=AUG)
    assert any("本月无从回看转化情况" in i.value for i in at.info)


def test_training_mode_masks_the_overdue_and_followup_lists(page_book, monkeypatch):
    monkeypatch.setenv("PUHUI_TRAINING_MODE", "1")
    at = _page("pages/quality.py", page_book, monkeypatch)
    shown = table_with(at, "new_text")
    assert not set(shown["customer_name"]) & {"甲公司", "乙公司", "丙公司"}
    assert all("*" in str(v) for v in shown["phone"])
    at = _page("pages/prospects.py", page_book, monkeypatch)
    shown = table_with(at, "status")
    assert not set(shown["customer_name"]) & {"丁三", "戊公司", "癸一"}
    assert all("*" in str(v) for v in shown["phone"])


def test_quality_page_on_the_messy_book(messy_apptest_db, monkeypatch):
    monkeypatch.setenv("PUHUI_DB", str(messy_apptest_db))
    at = AppTest.from_file(str(ROOT / "pages/quality.py"), default_timeout=120).run()
    assert not at.exception, [e.value for e in at.exception]
    assert {m.label for m in at.metric} >= {"逾期率", "控制目标"}
