"""Prospect lists (存量客户深挖) on a small database with known members."""

from __future__ import annotations

import io
import re
from decimal import Decimal
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from puhui import masking, prospects, queries, store

MONTH = "2026-10"

MANAGERS = [
    # manager_id, manager_name, branch, role
    ("M1", "张经理", "城关支行", "客户经理"),
    ("M2", "李经理", "城关支行", "客户经理"),
    ("M3", "王经理", "埠河支行", "客户经理"),
    ("M4", "赵主任", "城关支行", "团队负责人"),
]

CUSTOMER_COLUMNS = [
    "month",
    "customer_id",
    "customer_name",
    "manager_id",
    "branch",
    "segment",
    "customer_kind",
    "industry",
    "loan_offline",
    "loan_online",
    "credit_limit",
    "dep_settlement",
    "dep_savings",
    "has_payroll",
    "has_basic_account",
    "has_bill_discount",
    "has_intl_settlement",
    "has_cash_mgmt",
    "has_credit_card",
    "loan_maturity",
    "phone",
    "id_number",
]
ALL_PRODUCTS = dict(
    has_payroll=True,
    has_basic_account=True,
    has_bill_discount=True,
    has_intl_settlement=True,
    has_cash_mgmt=True,
    has_credit_card=True,
)


def customer(cid, name, mid, branch, segment, kind, month=MONTH, **values):
    """One customers row as a dict (missing columns NULL)."""
    row = dict.fromkeys(CUSTOMER_COLUMNS)
    row.update(
        month=month,
        customer_id=cid,
        customer_name=name,
        manager_id=mid,
        branch=branch,
        segment=segment,
        customer_kind=kind,
        phone=f"1390000{int(cid[1:]):04d}",
        id_number=f"42102219800101{int(cid[1:]):04d}",
    )
    row.update(values)
    return row


def rows():
    """The fixture book: October 2026 plus the two months before for the dormant list."""
    october = [
        # 无贷转有贷: deposits at the threshold or above, payroll, basic account.
        customer("C01", "公安县宏达商贸有限公司", "M1", "城关支行", "非授信", "小微企业", dep_settlement=600_000),
        customer("C02", "张三", "M1", "城关支行", "非授信", "个人", dep_savings=100_000, has_payroll=True),
        customer("C03", "李四个体工商户", "M1", "城关支行", "非授信", "个体工商户", has_basic_account=True),
        customer("C04", "王五", "M1", "城关支行", "非授信", "个人", dep_savings=Decimal("499999.99")),
        # Offline credit firm maturing in 15 days, missing six products.
        customer(
            "C05",
            "公安县鑫源进出口有限公司",
            "M1",
            "城关支行",
            "线下授信",
            "小微企业",
            industry="进出口贸易",
            loan_offline=2_000_000,
            credit_limit=3_000_000,
            dep_settlement=1_500_000,
            loan_maturity="2026-11-15",
        ),
        # Online credit person maturing exactly 90 days after the month end.
        customer(
            "C06",
            "欧阳娜娜",
            "M1",
            "城关支行",
            "线上授信",
            "个人",
            loan_online=200_000,
            credit_limit=300_000,
            has_credit_card=True,
            loan_maturity="2027-01-29",
        ),
        # Offline credit with no balance left: not maturing.
        customer(
            "C14",
            "公安县长江建材有限公司",
            "M1",
            "城关支行",
            "线下授信",
            "小微企业",
            loan_offline=0,
            loan_maturity="2026-11-10",
            **ALL_PRODUCTS,
        ),
        # M2: maturing in 91 days (outside), maturing on the month end (outside).
        customer(
            "C07",
            "公安县华美装饰有限公司",
            "M2",
            "城关支行",
            "线下授信",
            "小微企业",
            loan_offline=1_000_000,
            loan_maturity="2027-01-30",
            **ALL_PRODUCTS,
        ),
        customer(
            "C08",
            "公安县顺达物流有限公司",
            "M2",
            "城关支行",
            "线下授信",
            "小微企业",
            loan_offline=500_000,
            loan_maturity="2026-10-31",
            **ALL_PRODUCTS,
        ),
        customer("C09", "刘六", "M2", "城关支行", "非授信", "个人"),  # dormant three months
        customer("C10", "陈七", "M2", "城关支行", "非授信", "个人"),  # active in August
        # No stored segment: non-credit by the contract's rule; deposits exactly at the threshold.
        customer("C13", "公安县金穗粮油有限公司", "M2", "城关支行", None, "小微企业", dep_settlement=500_000),
        customer("C11", "公安县荆南农机有限公司", "M3", "埠河支行", "非授信", "小微企业", dep_settlement=800_000),
        customer("C12", "周八", "M3", "埠河支行", "非授信", "农户"),  # not stored in August
    ]
    september = [
        customer("C09", "刘六", "M2", "城关支行", "非授信", "个人", month="2026-09"),
        customer("C10", "陈七", "M2", "城关支行", "非授信", "个人", month="2026-09"),
        customer("C12", "周八", "M3", "埠河支行", "非授信", "农户", month="2026-09"),
    ]
    august = [
        customer("C09", "刘六", "M2", "城关支行", "非授信", "个人", month="2026-08"),
        customer("C10", "陈七", "M2", "城关支行", "非授信", "个人", month="2026-08", dep_savings=10),
        # August is stored for 埠河支行 too, but without C12.
        customer(
            "C11",
            "公安县荆南农机有限公司",
            "M3",
            "埠河支行",
            "非授信",
            "小微企业",
            month="2026-08",
            dep_settlement=800_000,
        ),
    ]
    return october + september + august


def fill(connection) -> None:
    """Insert the fixture rosters and book."""
    for month in ("2026-08", "2026-09", MONTH):
        connection.executemany(
            "insert into managers (month, manager_id, manager_name, branch, role) values (?, ?, ?, ?, ?)",
            [(month, *m) for m in MANAGERS],
        )
    placeholders = ", ".join("?" for _ in CUSTOMER_COLUMNS)
    connection.executemany(
        f"insert into customers ({', '.join(CUSTOMER_COLUMNS)}) values ({placeholders})",
        [[r[c] for c in CUSTOMER_COLUMNS] for r in rows()],
    )
    store.refresh_coverage(connection)  # rows written without the ingest: the pages read months from coverage


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    """A database holding the fixture book."""
    connection = store.connect(tmp_path_factory.mktemp("prospects") / "t.duckdb")
    fill(connection)
    yield connection
    connection.close()


def ids(frame: pd.DataFrame) -> list[str]:
    """The customer ids of a list, in its order."""
    return frame["customer_id"].tolist()


def test_no_loan_members_and_reasons(con):
    frame = prospects.no_loan(con, MONTH, min_deposit=500_000)
    # Ordered by deposits: C11 800k, C01 600k, C13 500k (exactly the threshold), C02, C03.
    assert ids(frame) == ["C11", "C01", "C13", "C02", "C03"]
    reasons = dict(zip(frame["customer_id"], frame["reasons"]))
    assert reasons == {
        "C11": "存款达标",
        "C01": "存款达标",
        "C13": "存款达标",
        "C02": "代发工资",
        "C03": "基本户",
    }
    assert frame.loc[frame["customer_id"] == "C01", "manager_name"].item() == "张经理"


def test_no_loan_filters_and_default(con, monkeypatch):
    assert ids(prospects.no_loan(con, MONTH, branch="埠河支行", min_deposit=500_000)) == ["C11"]
    assert ids(prospects.no_loan(con, MONTH, manager_id="M2", min_deposit=500_000)) == ["C13"]
    # A threshold one cent lower takes in C04 (499,999.99).
    assert "C04" in ids(prospects.no_loan(con, MONTH, min_deposit=Decimal("499999.99")))
    monkeypatch.setenv("PUHUI_PROSPECT_MIN_DEPOSIT", "700000")
    assert ids(prospects.no_loan(con, MONTH)) == ["C11", "C02", "C03"]


def test_maturing_window(con):
    frame = prospects.maturing(con, MONTH, days=90)
    # C05 in 15 days, C06 in exactly 90; C07 (91 days), C08 (on the month end), C14 (no balance) out.
    assert ids(frame) == ["C05", "C06"]
    assert frame["days_left"].tolist() == [15, 90]
    assert ids(prospects.maturing(con, MONTH, days=91)) == ["C05", "C06", "C07"]
    assert ids(prospects.maturing(con, MONTH, days=14)) == []
    assert ids(prospects.maturing(con, MONTH, manager_id="M2", days=120)) == ["C07"]


def test_coverage_per_manager(con):
    frame = prospects.coverage(con, MONTH).set_index("manager_id")
    assert frame.loc["M1", "customers"] == 7
    assert frame.loc["M1", "payroll"] == 2  # C02 and C14
    assert frame.loc["M1", "credit_card"] == 2  # C06 and C14
    assert frame.loc["M1", "sanxiao_yika"] == 2
    assert frame.loc["M1", "sanxiao_yika_rate"] == pytest.approx(2 / 7)
    assert frame.loc["M2", "sanxiao_yika_rate"] == pytest.approx(2 / 5)
    assert frame.loc["M3", "basic_account_rate"] == 0
    # A manager on the roster without customers: zero counts, no shares.
    assert frame.loc["M4", "customers"] == 0
    assert pd.isna(frame.loc["M4", "payroll_rate"])
    assert list(prospects.coverage(con, MONTH, branch="埠河支行")["manager_id"]) == ["M3"]


def test_gap_rules(con):
    frame = prospects.gaps(con, MONTH, payroll_deposit=300_000, cash_mgmt_deposit=1_000_000)
    gaps = dict(zip(frame["customer_id"], frame["gaps"]))
    assert gaps == {
        "C05": "基本户、代发工资、现金管理、票据贴现、国际结算、信用卡",
        "C11": "代发工资",
        "C01": "代发工资",
        "C13": "代发工资",
    }
    assert ids(frame) == ["C05", "C11", "C01", "C13"]
    assert frame.loc[frame["customer_id"] == "C05", "gap_count"].item() == 6
    # Raising the payroll threshold above 600k drops C01 and C13 but keeps C11 (800k).
    higher = prospects.gaps(con, MONTH, payroll_deposit=700_000, cash_mgmt_deposit=2_000_000)
    assert dict(zip(higher["customer_id"], higher["gaps"])) == {
        "C05": "基本户、代发工资、票据贴现、国际结算、信用卡",
        "C11": "代发工资",
    }


def test_dormant_window(con):
    assert ids(prospects.dormant(con, MONTH, months=3)) == ["C09"]
    two = prospects.dormant(con, MONTH, months=2)
    # C12 never active (first), C09 never active, C10 last active in August.
    assert ids(two) == ["C09", "C12", "C10"]
    last_active = two["last_active_month"]
    assert last_active.isna().tolist() == [True, True, False]
    assert last_active.iloc[2] == "2026-08"
    assert ids(prospects.dormant(con, MONTH, months=4)) == []  # July is not stored
    assert ids(prospects.dormant(con, MONTH, branch="埠河支行", months=2)) == ["C12"]


@pytest.fixture
def small_targets(monkeypatch):
    """Targets of 2 offline / 1 online / 4 non-credit per customer manager."""
    monkeypatch.setenv("PUHUI_TARGET_OFFLINE", "2")
    monkeypatch.setenv("PUHUI_TARGET_ONLINE", "1")
    monkeypatch.setenv("PUHUI_TARGET_NON_CREDIT", "4")


def test_balanced_growth(con, small_targets):
    summary, candidates = prospects.balanced_growth(
        con, MONTH, min_deposit=500_000, payroll_deposit=300_000, cash_mgmt_deposit=1_000_000
    )
    # M1 meets 2/1/4; M4 is a team lead without targets.
    assert summary["manager_id"].tolist() == ["M2", "M3"]
    by_manager = summary.set_index("manager_id")
    # M2: online 0/1 (gap 100%) before non-credit 3/4 (25%).
    assert by_manager.loc["M2", "focus_segment"] == "线上授信"
    assert by_manager.loc["M2", "short_segments"] == "线上授信、非授信"
    assert by_manager.loc["M2", "candidate_names"] == "公安县金穗粮油有限公司"
    # M3: offline 0/2 and online 0/1 tie at 100%: offline first; the firm C11 goes offline.
    assert by_manager.loc["M3", "focus_segment"] == "线下授信"
    assert by_manager.loc["M3", "candidate_count"] == 1
    got = {(r.manager_id, r.segment, r.customer_id) for r in candidates.itertuples()}
    assert got == {
        ("M2", "线上授信", "C13"),
        ("M2", "非授信", "C13"),
        ("M3", "线下授信", "C11"),
        ("M3", "非授信", "C11"),
    }
    assert candidates.loc[candidates["manager_id"] == "M3", "focus"].tolist() == [True, False]


def test_balanced_growth_splits_firms_and_people(con, monkeypatch):
    # Targets 3/2/5: M1 (2/1/4) is short of all three segments.
    monkeypatch.setenv("PUHUI_TARGET_OFFLINE", "3")
    monkeypatch.setenv("PUHUI_TARGET_ONLINE", "2")
    monkeypatch.setenv("PUHUI_TARGET_NON_CREDIT", "5")
    summary, candidates = prospects.balanced_growth(
        con, MONTH, manager_id="M1", min_deposit=500_000, payroll_deposit=300_000, cash_mgmt_deposit=1_000_000
    )
    assert summary["manager_id"].tolist() == ["M1"]
    assert summary["focus_segment"].item() == "线上授信"  # 1/2 short beats 1/3 and 1/5
    assert summary["candidate_names"].item() == "张三、李四个体工商户"
    mine = candidates.groupby("segment")["customer_id"].apply(list).to_dict()
    assert mine == {"线下授信": ["C01"], "线上授信": ["C02", "C03"], "非授信": ["C05", "C01"]}


def test_masked_runner_masks_every_frame(con, small_targets):
    """Through a masking runner (as ctx.run in training mode) no name or phone survives."""

    def run(name, **params):
        return masking.mask_frame(queries.run(con, name, params))

    summary, candidates = prospects.balanced_growth(run, MONTH)
    assert summary.set_index("manager_id").loc["M2", "candidate_names"] == "公安县**粮油有限公司"
    lists = [
        prospects.no_loan(run, MONTH),
        prospects.maturing(run, MONTH),
        prospects.gaps(run, MONTH),
        prospects.dormant(run, MONTH, months=2),
        candidates,
    ]
    text = " ".join(frame.astype(str).to_csv() for frame in lists)
    assert "宏达" not in text and "张三" not in text and "欧阳娜娜" not in text
    assert "13900000001" not in text
    # Masking again (mask_frame on the page) changes nothing.
    again = masking.mask_frame(summary)
    assert again["candidate_names"].tolist() == summary["candidate_names"].tolist()


def test_workbook_has_one_sheet_per_list(con):
    lists = {
        "no_loan": ("无贷转有贷", prospects.no_loan(con, MONTH)),
        "maturing": ("到期续贷", prospects.maturing(con, MONTH)),
    }
    book = openpyxl.load_workbook(io.BytesIO(prospects.workbook(lists, MONTH, {"支行": None})))
    assert book.sheetnames == ["无贷转有贷", "到期续贷"]
    sheet = book["到期续贷"]
    assert sheet["A1"].value == "存量客户深挖·到期续贷（数据月份：2026-10；支行：全部）"
    assert sheet["A3"].value == "公安县鑫源进出口有限公司"
    loans = [c.value for c in sheet[2]].index("贷款余额(万元)") + 1
    assert sheet.cell(3, loans).value == 200  # 2,000,000 yuan = 200.00 万元
    assert sheet.cell(3, loans).number_format == "#,##0.00"


def test_every_prospect_query_has_a_header_and_binds(con):
    for name in queries.names():
        if not name.startswith("prospect_"):
            continue
        query = queries.get(name)
        assert "Grain:" in query.header and "Params:" in query.header
        assert {"month", "branch", "manager_id"} <= set(query.params)
        assert {"branch", "manager_id"} <= query.optional


PAGE = str(Path(__file__).absolute().parent.parent / "pages" / "prospects.py")
ID_OR_PHONE = re.compile(r"(?<![\d.])(\d{17}[\dXx]|\d{15}|1[3-9]\d{9})(?!\d)")


@pytest.fixture
def page_db(tmp_path, monkeypatch):
    """The fixture book in its own file, with the app pointed at it."""
    path = tmp_path / "page.duckdb"
    connection = store.connect(path)
    fill(connection)
    store.refresh_coverage(connection)  # rows written directly: the months the app offers come from coverage
    connection.close()
    monkeypatch.setenv("PUHUI_DB", str(path))
    monkeypatch.delenv("PUHUI_TRAINING_MODE", raising=False)
    return path


# The page's tables in order (AppTest's dataframe elements carry no key).
TABLES = [
    "prospect_no_loan",
    "prospect_maturing",
    "prospect_coverage",
    "prospect_gaps",
    "prospect_dormant",
    "prospect_balanced",
    "prospect_candidates",
]


def frame_with(at, key):
    """The page's table ``key`` as shown (canonical column names)."""
    # After them, the 名单跟进 tab's two tables when last month's lists have something to report.
    assert len(at.dataframe) in (len(TABLES), len(TABLES) + 2)
    return at.dataframe[TABLES.index(key)].value


def page_text(at) -> str:
    """Everything the page shows as text: tables (but manager names: employees stay), metrics, markdown."""
    parts = [element.value.drop(columns=["manager_name"], errors="ignore").to_csv() for element in at.dataframe]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    parts += [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [i.body for i in at.info] + [s.body for s in at.success]
    return "\n".join(parts)


def test_page_on_known_book(page_db, small_targets):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception
    assert frame_with(at, "prospect_no_loan")["customer_id"].tolist() == ["C11", "C01", "C13", "C02", "C03"]
    assert frame_with(at, "prospect_maturing")["customer_id"].tolist() == ["C05", "C06"]
    assert frame_with(at, "prospect_balanced")["manager_name"].tolist() == ["李经理", "王经理"]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["无贷转有贷"] == "5 户" and metrics["睡眠客户"] == "1 户"
    # Filters: sub-branch from the sidebar link, manager on the page, thresholds.
    at.number_input(key="prospect_days").set_value(91).run()
    assert frame_with(at, "prospect_maturing")["customer_id"].tolist() == ["C05", "C06", "C07"]
    at.selectbox(key="prospect_manager").set_value("M2").run()
    assert not at.exception
    assert frame_with(at, "prospect_no_loan")["customer_id"].tolist() == ["C13"]
    assert frame_with(at, "prospect_maturing")["customer_id"].tolist() == ["C07"]
    assert frame_with(at, "prospect_dormant")["customer_id"].tolist() == ["C09"]
    at.number_input(key="prospect_min_deposit").set_value(60.0).run()
    assert frame_with(at, "prospect_no_loan").empty


def test_page_branch_filter_and_training(page_db, small_targets):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(PAGE, default_timeout=60)
    at.query_params["branch"] = "埠河支行"
    at.query_params["training"] = "1"
    at.run()
    assert not at.exception
    assert frame_with(at, "prospect_no_loan")["customer_id"].tolist() == ["***"]  # C11: too short to keep ends
    assert frame_with(at, "prospect_no_loan")["customer_name"].tolist() == ["公安县**农机有限公司"]
    text = page_text(at)
    assert not ID_OR_PHONE.search(text)
    assert "荆南" not in text and "周八" not in text
    assert frame_with(at, "prospect_dormant")["customer_id"].tolist() == []  # C12: two months only


def test_page_on_demo(apptest_env):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(PAGE, default_timeout=120).run()
    assert not at.exception
    names = set(frame_with(at, "prospect_no_loan")["customer_name"]) | set(
        frame_with(at, "prospect_maturing")["customer_name"]
    )
    assert len(names) > 10
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.query_params["training"] = "1"
    at.run()
    assert not at.exception
    text = page_text(at)
    assert not ID_OR_PHONE.search(text)
    leaked = [n for n in names if isinstance(n, str) and n in text]
    assert not leaked


def test_lists_cut_to_first_rows_keep_their_totals(con):
    full = prospects.no_loan(con, MONTH)
    first = prospects.no_loan(con, MONTH, limit=2)
    assert ids(first) == ids(full)[:2] == ["C11", "C01"]
    assert prospects.list_total(first) == prospects.list_total(full) == len(full) == 5
    days = prospects.maturing(con, MONTH, days=91, limit=1)
    assert ids(days) == ["C05"] and prospects.list_total(days) == 3
    gap_full = prospects.gaps(con, MONTH)
    gap_first = prospects.gaps(con, MONTH, limit=1)
    assert ids(gap_first) == ids(gap_full)[:1] and prospects.list_total(gap_first) == len(gap_full)
    asleep = prospects.dormant(con, MONTH, months=2, limit=1)
    assert len(asleep) == 1 and prospects.list_total(asleep) == len(prospects.dormant(con, MONTH, months=2))
    assert prospects.list_total(prospects.dormant(con, MONTH, months=4, limit=5)) == 0


def test_per_manager_pools_keep_each_managers_counts(con):
    full = prospects.no_loan(con, MONTH, min_deposit=500_000)
    cut = prospects.no_loan(con, MONTH, min_deposit=500_000, per_manager=1)
    for (branch, manager), mine in full.groupby(["branch", "manager_id"]):
        kept = cut[(cut["branch"] == branch) & (cut["manager_id"] == manager)]
        firms = mine["customer_kind"].map(prospects.is_firm)
        # At most one firm and one other per manager, the largest deposits of each.
        firsts = {*mine[firms]["customer_id"][:1], *mine[~firms]["customer_id"][:1]}
        assert ids(kept) == [c for c in ids(mine) if c in firsts]
        assert kept["manager_total"].tolist() == [len(mine)] * len(kept)
        assert kept["manager_firms"].tolist() == [int(firms.sum())] * len(kept)
    gap_cut = prospects.gaps(con, MONTH, per_manager=1)
    gap_full = prospects.gaps(con, MONTH)
    payroll = gap_full[gap_full["gap_payroll"]].groupby(["branch", "manager_id"]).size()
    for row in gap_cut.itertuples():
        assert row.manager_payroll == payroll.get((row.branch, row.manager_id), 0)


def test_balanced_growth_per_manager_counts_the_whole_book(con, monkeypatch):
    monkeypatch.setenv("PUHUI_TARGET_OFFLINE", "3")
    monkeypatch.setenv("PUHUI_TARGET_ONLINE", "2")
    monkeypatch.setenv("PUHUI_TARGET_NON_CREDIT", "5")
    params = {"min_deposit": 500_000, "payroll_deposit": 300_000, "cash_mgmt_deposit": 1_000_000}
    summary, candidates = prospects.balanced_growth(con, MONTH, **params)
    cut_summary, cut_candidates = prospects.balanced_growth(con, MONTH, per_manager=1, **params)
    pd.testing.assert_frame_equal(cut_summary.drop(columns="candidate_names"), summary.drop(columns="candidate_names"))
    m1 = cut_summary.set_index("manager_id").loc["M1"]
    assert m1["candidate_count"] == 2 and m1["candidate_names"] == "张三"  # C02 and C03; first one listed
    assert len(cut_candidates) < len(candidates)
    assert set(cut_candidates["customer_id"]) <= set(candidates["customer_id"])
