"""The account-mix page's queries and frames (管户结构) on a small book with known answers.

Two sub-branches, 城关支行 (A) and 开发区支行 (B); months 2025-12 (only A), 2026-01 and
2026-02. In February:

| id  | branch | role       | 线下 | 线上 | 非授信 | total | note                                   |
|-----|--------|------------|------|------|--------|-------|----------------------------------------|
| M01 | A      | 客户经理   | 30   | 10   | 50     | 90    | unbalanced (30 ≥ 25, 10 < 15)          |
| M02 | A      | 客户经理   | 25   | 30   | 50     | 105   | on target                              |
| M03 | A      | 客户经理   | 0    | 0    | 0      | 0     | no customers                           |
| M04 | B      | 客户经理   | 5    | 5    | 5      | 15    | moved from A (January: 4/5/3)          |
| M05 | B      | 客户经理   | 20   | 31   | 250    | 301   | overloaded                             |
| M06 | B      | 团队负责人 | 0    | 0    | 3      | 3     | no default targets                     |
| M07 | B      | 客户经理   | 10   | 4    | 12     | 26    | uploaded targets 10/10/10, 40, 2000 万  |
| M08 | B      | (no roster)| 0    | 15   | 0      | 15    | one customer without a segment         |

Targets 2026: M07's own; 城关支行 贷款余额 5 亿 and 管户数 350; the line's 存款余额 20 亿.
No targets for 2025.
"""

from __future__ import annotations

from decimal import Decimal as D

import pandas as pd
import pytest

from puhui import mix as mx
from puhui import periods, queries, settings, store

A, B = "城关支行", "开发区支行"

# month → [(manager_id, name, branch, team, role)]
ROSTERS = {
    "2025-12": [("M01", "张一", A, "一组", "客户经理")],
    "2026-01": [
        ("M01", "张一", A, "一组", "客户经理"),
        ("M02", "李二", A, "一组", "客户经理"),
        ("M03", "王三", A, "二组", "客户经理"),
        ("M04", "赵四", A, "二组", "客户经理"),
        ("M05", "钱五", B, "三组", "客户经理"),
        ("M06", "孙六", B, "三组", "团队负责人"),
        ("M07", "周七", B, "三组", "客户经理"),
    ],
    "2026-02": [
        ("M01", "张一", A, "一组", "客户经理"),
        ("M02", "李二", A, "一组", "客户经理"),
        ("M03", "王三", A, "二组", "客户经理"),
        ("M04", "赵四", B, "三组", "客户经理"),
        ("M05", "钱五", B, "三组", "客户经理"),
        ("M06", "孙六", B, "三组", "团队负责人"),
        ("M07", "周七", B, "三组", None),
    ],
}

# Per-customer amounts (yuan) by (manager, segment): loan_offline, loan_online, dep_settlement, dep_pure.
AMOUNTS = {
    ("M01", "线下授信"): (1_000_000, 0, 0, 0),
    ("M01", "线上授信"): (0, 50_000, 0, 0),
    ("M01", "非授信"): (0, 0, 100_000, 0),
    ("M05", "线下授信"): (2_000_000, 0, 0, 0),
    ("M05", "非授信"): (0, 0, 0, 200_000),
    ("M07", "线下授信"): (3_000_000, 0, 0, 0),
    ("M08", "线上授信"): (0, 100_000, 0, 0),
}

# month → [(manager_id, branch, offline, online, non_credit)]
BOOKS = {
    "2025-12": [("M01", A, 20, 10, 40)],
    "2026-01": [
        ("M01", A, 28, 10, 45),
        ("M02", A, 25, 30, 50),
        ("M04", A, 4, 5, 3),
        ("M05", B, 20, 30, 250),
    ],
    "2026-02": [
        ("M01", A, 30, 10, 50),
        ("M02", A, 25, 30, 50),
        ("M04", B, 5, 5, 5),
        ("M05", B, 20, 31, 250),
        ("M06", B, 0, 0, 3),
        ("M07", B, 10, 4, 12),
        ("M08", B, 0, 14, 0),
    ],
}

# (manager_id, segment) → overdue per customer on the first `count` customers, per month.
OVERDUE = {("M01", "线下授信"): (1, 50_000), ("M05", "线下授信"): (2, 100_000)}

# year, metric, target (yuan for amounts), branch, manager_id
TARGETS = [
    (2026, "线下授信户数", 10, None, "M07"),
    (2026, "线上授信户数", 10, B, "M07"),
    (2026, "非授信户数", 10, None, "M07"),
    (2026, "管户数", 40, None, "M07"),
    (2026, "贷款余额", 20_000_000, None, "M07"),
    (2026, "贷款余额", 500_000_000, A, None),
    (2026, "管户数", 350, A, None),
    (2026, "存款余额", 2_000_000_000, None, None),
]

SEGMENT_CODES = {"线下授信": "F", "线上授信": "N", "非授信": "D"}


def insert_customers(con, month, manager, branch, segment, count):
    """Insert ``count`` customers of one manager and segment, with the fixture's amounts."""
    if count == 0:
        return
    loan_offline, loan_online, settlement, pure = AMOUNTS.get((manager, segment), (0, 0, 0, 0))
    overdue_count, overdue_amount = OVERDUE.get((manager, segment), (0, 0))
    con.execute(
        """insert into customers (month, customer_id, customer_name, manager_id, branch, segment,
                                  industry, grid_id, loan_offline, loan_online, dep_settlement, dep_pure, overdue)
           select $month, $prefix || lpad(cast(i as varchar), 3, '0'), '客户' || $prefix || cast(i as varchar),
                  $manager, $branch, $segment, '批发零售', 'G1', $lo, $ln, $ds, $dp,
                  case when i < $oc then $oa else 0 end
           from range($n) as t(i)""",
        {
            "month": month,
            "prefix": f"C{manager}{SEGMENT_CODES[segment]}",
            "manager": manager,
            "branch": branch,
            "segment": segment,
            "lo": D(loan_offline),
            "ln": D(loan_online),
            "ds": D(settlement),
            "dp": D(pure),
            "oc": overdue_count,
            "oa": D(overdue_amount),
            "n": count,
        },
    )


def build(con):
    """Fill a fresh database with the fixture book."""
    for month, roster in ROSTERS.items():
        for mid, name, branch, team, role in roster:
            con.execute(
                """insert into managers (month, manager_id, manager_name, branch, team, role)
                   values ($m, $i, $n, $b, $t, $r)""",
                {"m": month, "i": mid, "n": name, "b": branch, "t": team, "r": role},
            )
    for month, book in BOOKS.items():
        for manager, branch, offline, online, non_credit in book:
            insert_customers(con, month, manager, branch, "线下授信", offline)
            insert_customers(con, month, manager, branch, "线上授信", online)
            insert_customers(con, month, manager, branch, "非授信", non_credit)
    # M08's fifteenth customer has no segment: an online loan makes it 线上授信.
    con.execute(
        """insert into customers (month, customer_id, customer_name, manager_id, branch, loan_online)
           values ('2026-02', 'CM08X', '客户CM08X', 'M08', $b, 5000)""",
        {"b": B},
    )
    con.execute(
        """insert into grids (month, grid_id, grid_name, grid_type, branch, manager_id)
           values ('2026-02', 'G1', '城关商圈', '商圈', $b, 'M01')""",
        {"b": A},
    )
    for year, metric, target, branch, manager in TARGETS:
        con.execute(
            "insert into targets (year, metric, target, branch, manager_id) values ($y, $m, $t, $b, $i)",
            {"y": year, "m": metric, "t": D(target), "b": branch, "i": manager},
        )


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    """The fixture database."""
    connection = store.connect(tmp_path_factory.mktemp("mix") / "mix.duckdb")
    build(connection)
    yield connection
    connection.close()


def rows(con, name, **params):
    """Run a query and return its rows as dicts with exact values."""
    columns, data = queries.run_rows(con, name, params)
    return [dict(zip(columns, r)) for r in data]


def mix_rows(con, **params):
    """manager_mix rows by manager id (settings' parameters)."""
    return {r["manager_id"]: r for r in rows(con, "manager_mix", **{**mx.mix_params(), **params})}


ORIGINAL_COLUMNS = ["manager_id", "manager_name", "branch", "offline_credit", "online_credit", "non_credit", "total"]


def test_keeps_original_columns_first(con):
    columns, _ = queries.run_rows(con, "manager_mix", {"month": "2026-02"})
    assert columns[: len(ORIGINAL_COLUMNS)] == ORIGINAL_COLUMNS
    for name in (
        "target_offline",
        "target_online",
        "target_non_credit",
        "target_total",
        "gap_offline",
        "gap_online",
        "gap_non_credit",
        "gap_total",
        "loans",
        "deposits",
        "overdue",
        "unbalanced",
        "bottom_group",
        "overloaded",
    ):
        assert name in columns


def test_counts(con):
    mix = mix_rows(con, month="2026-02")
    assert list(mix) == ["M01", "M02", "M03", "M04", "M05", "M06", "M07", "M08"]
    counts = {m: (r["offline_credit"], r["online_credit"], r["non_credit"], r["total"]) for m, r in mix.items()}
    assert counts == {
        "M01": (30, 10, 50, 90),
        "M02": (25, 30, 50, 105),
        "M03": (0, 0, 0, 0),
        "M04": (5, 5, 5, 15),
        "M05": (20, 31, 250, 301),
        "M06": (0, 0, 3, 3),
        "M07": (10, 4, 12, 26),
        "M08": (0, 15, 0, 15),
    }
    assert mix["M08"]["manager_name"] is None and mix["M08"]["is_manager"]
    assert mix["M04"]["branch"] == B and mix["M04"]["team"] == "三组"
    assert not mix["M06"]["is_manager"] and mix["M07"]["is_manager"]


def test_targets_and_gaps(con):
    mix = mix_rows(con, month="2026-02")
    targets = {
        m: (r["target_offline"], r["target_online"], r["target_non_credit"], r["target_total"]) for m, r in mix.items()
    }
    assert targets["M01"] == (25, 30, 50, 100)
    assert targets["M07"] == (10, 10, 10, 40)  # uploaded per-manager targets
    assert targets["M06"] == (None, None, None, None)  # a team lead gets no default
    # The sub-branch targets of 城关支行 are not split over its managers.
    assert mix["M02"]["target_loans"] == D("100000000.00") and mix["M02"]["target_total"] == 100
    gaps = {m: (r["gap_offline"], r["gap_online"], r["gap_non_credit"], r["gap_total"]) for m, r in mix.items()}
    assert gaps["M01"] == (0, 20, 0, 10)
    assert gaps["M02"] == (0, 0, 0, 0)  # 105 accounts: over target is a gap of 0, never negative
    assert gaps["M03"] == (25, 30, 50, 100)
    assert gaps["M05"] == (5, 0, 0, 0)
    assert gaps["M06"] == (None, None, None, None)
    assert gaps["M07"] == (0, 6, 0, 14)


def test_balances(con):
    mix = mix_rows(con, month="2026-02")
    m01 = mix["M01"]
    assert (m01["loans"], m01["deposits"], m01["overdue"]) == (D("30500000.00"), D("5000000.00"), D("50000.00"))
    assert (m01["gap_loans"], m01["gap_deposits"]) == (D("69500000.00"), D("95000000.00"))
    m07 = mix["M07"]
    assert (m07["loans"], m07["target_loans"], m07["gap_loans"]) == (D("30000000.00"), D("20000000.00"), D("0.00"))
    assert m07["target_deposits"] == D("100000000.00")
    m05 = mix["M05"]
    assert (m05["loans"], m05["deposits"], m05["overdue"]) == (D("40000000.00"), D("50000000.00"), D("200000.00"))
    assert mix["M08"]["loans"] == D("1405000.00")
    assert mix["M03"]["loans"] == D("0.00") and mix["M06"]["target_loans"] is None


def test_flags(con):
    mix = mix_rows(con, month="2026-02")
    assert {m for m, r in mix.items() if r["unbalanced"]} == {"M01", "M07"}
    assert {m for m, r in mix.items() if r["overloaded"]} == {"M05"}
    # Seven customer managers (M06 is a team lead): floor(7 × 0.25) = 1 → the one with 0 accounts.
    assert {m for m, r in mix.items() if r["bottom_group"]} == {"M03"}
    # With half: floor(3.5) = 3 → ranks 1 (M03), 2 and 2 (M04 and M08 tie at 15 and both go in).
    half = mix_rows(con, month="2026-02", bottom_group_share=0.5)
    assert {m for m, r in half.items() if r["bottom_group"]} == {"M03", "M04", "M08"}
    # Within 城关支行 there are 3 customer managers: too few for a bottom group.
    assert not any(r["bottom_group"] for r in mix_rows(con, month="2026-02", branch=A).values())
    # Within 开发区支行: M04, M05, M07, M08 → floor(1) = 1, and M04, M08 tie at the edge.
    in_b = mix_rows(con, month="2026-02", branch=B)
    assert {m for m, r in in_b.items() if r["bottom_group"]} == {"M04", "M08"}
    # The threshold for overloaded is a parameter: 300 is not more than 300.
    assert not mix_rows(con, month="2026-02", overloaded_accounts=301)["M05"]["overloaded"]


@pytest.mark.parametrize(
    "counts, targets, expected",
    [
        ((25, 14, 50), (25, 30, 50), True),  # 14 < 15
        ((25, 15, 50), (25, 30, 50), False),  # exactly half is not under half
        ((24, 14, 49), (25, 30, 50), False),  # nothing at target
        ((0, 0, 0), (25, 30, 50), False),
        ((60, 30, 0), (25, 30, 50), True),
        ((0, 0, 3), (None, None, None), False),  # no targets, no flag
    ],
)
def test_unbalanced_rule(tmp_path, counts, targets, expected):
    con = store.connect(tmp_path / "rule.duckdb")
    con.execute(
        "insert into managers (month, manager_id, manager_name, branch, role) values ('2026-02', 'X', '甲', 'A', $r)",
        {"r": "客户经理" if targets[0] is not None else "分管行长"},
    )
    for segment, n in zip(("线下授信", "线上授信", "非授信"), counts):
        con.execute(
            """insert into customers (month, customer_id, customer_name, manager_id, branch, segment)
               select '2026-02', $s || cast(i as varchar), '客户', 'X', 'A', $s from range($n) t(i)""",
            {"s": segment, "n": n},
        )
    (row,) = rows(con, "manager_mix", month="2026-02")
    assert (row["target_offline"], row["target_online"], row["target_non_credit"]) == targets
    assert row["unbalanced"] is expected


def test_month_on_month_follows_the_manager(con):
    mix = mix_rows(con, month="2026-02")
    moms = {
        m: (r["offline_credit_mom"], r["online_credit_mom"], r["non_credit_mom"], r["total_mom"])
        for m, r in mix.items()
    }
    # M04 sat in 城关支行 in January (4/5/3) and in 开发区支行 now (5/5/5).
    assert moms["M04"] == (1, 0, 2, 3)
    assert moms["M01"] == (2, 0, 5, 7)
    assert moms["M02"] == (0, 0, 0, 0)
    assert moms["M05"] == (0, 1, 0, 1)
    assert moms["M07"] == (10, 4, 12, 26)  # no customers in January: counts from 0
    assert moms["M03"] == (0, 0, 0, 0)
    # January's month before (2025-12) is stored only for 城关支行 (M01): 开发区支行 has no change.
    january = mix_rows(con, month="2026-01")
    assert january["M01"]["total_mom"] == 83 - 70
    assert january["M04"]["total_mom"] == 12  # 城关支行 stored in December, M04 had none there
    assert january["M05"]["total_mom"] is None


def test_year_without_uploaded_targets(con):
    (m01,) = rows(con, "manager_mix", month="2025-12")
    assert (m01["target_offline"], m01["target_online"], m01["target_non_credit"], m01["target_total"]) == (
        25,
        30,
        50,
        100,
    )
    assert m01["target_loans"] == D("100000000.00")
    assert m01["total_mom"] is None  # 2025-11 is not stored


def test_fallbacks_equal_settings():
    """The registry fills the targets from the settings; the SQL fallbacks left equal them (they cannot drift)."""
    sql = (settings.QUERIES_DIR / "models" / "manager_mix.sql").read_text(encoding="utf-8")  # the rule's model
    params = mx.mix_params()
    assert params == {
        "default_offline": 25,
        "default_online": 30,
        "default_non_credit": 50,
        "default_total": 100,
        "default_loans": 100_000_000,
        "default_deposits": 100_000_000,
        "overloaded_accounts": 300,
        "bottom_group_share": 0.25,
    }
    model_names = {"overloaded_accounts": "d_overloaded", "bottom_group_share": "d_share"}
    for name, value in params.items():
        short = model_names.get(name, name.replace("default_", "d_"))
        assert f"coalesce({short}, {value})" in sql
    for name in ("manager_mix", "overview", "branch_ranking"):
        query = queries.get(name)
        assert queries.resolve(query, {"month": "2026-02"}) == {
            **{p: None for p in query.params},
            "month": "2026-02",
            **{k: v for k, v in params.items() if k in query.params},
        }


def test_settings_override_targets(con, monkeypatch):
    monkeypatch.setenv("PUHUI_TARGET_OFFLINE", "20")
    mix = mix_rows(con, month="2026-02")
    assert mix["M01"]["target_offline"] == 20 and mix["M05"]["gap_offline"] == 0
    assert mix["M07"]["target_offline"] == 10  # uploaded target wins


def test_branch_filter(con):
    assert list(mix_rows(con, month="2026-02", branch=A)) == ["M01", "M02", "M03"]
    assert list(mix_rows(con, month="2026-02", branch=B)) == ["M04", "M05", "M06", "M07", "M08"]


def test_manager_customers(con):
    book = rows(con, "manager_customers", month="2026-02", manager_id="M01")
    assert len(book) == 90
    assert [r["segment"] for r in book[:30]] == ["线下授信"] * 30
    assert {r["segment"] for r in book[30:40]} == {"线上授信"}
    assert sum(r["loans"] for r in book) == D("30500000.00")
    assert sum(r["overdue"] for r in book) == D("50000.00")
    assert book[0]["grid_name"] == "城关商圈" and book[0]["industry"] == "批发零售"
    assert len({r["customer_id"] for r in book}) == 90
    m08 = rows(con, "manager_customers", month="2026-02", manager_id="M08")
    assert sum(r["segment"] == "线上授信" for r in m08) == 15
    assert rows(con, "manager_customers", month="2026-02", manager_id="M03") == []
    assert rows(con, "manager_customers", month="2026-02", manager_id="M04", branch=A) == []


def test_mix_trend(con):
    line = rows(con, "mix_trend")
    assert [(r["month"], r["total"]) for r in line] == [("2025-12", 70), ("2026-01", 500), ("2026-02", 555)]
    assert [r["managers"] for r in line] == [1, 4, 6]
    feb = line[-1]
    assert (feb["offline_credit"], feb["online_credit"], feb["non_credit"]) == (90, 95, 370)
    m04 = rows(con, "mix_trend", manager_id="M04")
    assert [(r["month"], r["total"]) for r in m04] == [("2026-01", 12), ("2026-02", 15)]
    assert [(r["month"], r["total"]) for r in rows(con, "mix_trend", manager_id="M04", branch=B)] == [("2026-02", 15)]
    assert [(r["month"], r["total"]) for r in rows(con, "mix_trend", branch=B)] == [("2026-01", 300), ("2026-02", 360)]
    assert [r["month"] for r in rows(con, "mix_trend", month="2026-01")] == ["2025-12", "2026-01"]


# Every query this page adds, with parameters, and the key that must be unique.
PAGE_QUERIES = [
    ("manager_mix", {"month": "2026-02"}, ("manager_id", "branch")),
    ("manager_mix", {"month": "2026-02", "branch": B}, ("manager_id", "branch")),
    ("manager_mix", {"month": "2025-12"}, ("manager_id", "branch")),
    ("manager_customers", {"month": "2026-02", "manager_id": "M05"}, ("customer_id",)),
    ("mix_trend", {}, ("month",)),
    ("mix_trend", {"branch": A}, ("month",)),
    ("mix_trend", {"manager_id": "M01"}, ("month",)),
]


@pytest.mark.parametrize("name, params, key", PAGE_QUERIES)
def test_query_invariants(con, name, params, key):
    frame = queries.run(con, name, params)
    assert len(frame) > 0
    assert not frame.duplicated(list(key)).any()
    if name in ("manager_mix", "mix_trend"):
        assert (frame["offline_credit"] + frame["online_credit"] + frame["non_credit"] == frame["total"]).all()
    if name == "manager_mix":
        scope = "where month = $m and ($b is null or branch = $b)"
        stored = con.execute(
            f"select count(*) from customers {scope}", {"m": params["month"], "b": params.get("branch")}
        ).fetchall()[0][0]
        assert frame["total"].sum() == stored
        for seg, _label, target, gap, _mom, _c in mx.SEGMENT_COLUMNS:
            has = frame[target].notna()
            assert (frame.loc[has, gap] == (frame.loc[has, target] - frame.loc[has, seg]).clip(lower=0)).all()
            assert frame.loc[~has, gap].isna().all()
        assert frame["manager_id"].notna().all()
    if name == "mix_trend":
        per_month = con.execute(
            "select month, count(*) from customers where $b is null or branch = $b group by month",
            {"b": params.get("branch")},
        ).fetchall()
        if "manager_id" not in params:
            assert dict(zip(frame["month"], frame["total"])) == dict(per_month)
    if name == "manager_customers":
        mix = mix_rows(con, month=params["month"])
        assert len(frame) == mix[params["manager_id"]]["total"]


def test_time_progress():
    assert periods.year_days("2026-10") == (304, 365)
    assert periods.year_progress("2026-10") == pytest.approx(304 / 365)
    assert periods.year_days("2028-02") == (60, 366)  # leap year: February ends on day 60
    assert periods.year_days("2026-02") == (59, 365)
    assert periods.year_days("2100-02") == (59, 365)  # not a leap year
    assert periods.year_days("2000-02") == (60, 366)
    assert periods.year_days("2026-12") == (365, 365)
    assert periods.year_days("2028-12") == (366, 366)


def frame(con, month="2026-02", **params):
    """manager_mix as the page gets it (a DataFrame)."""
    return queries.run(con, "manager_mix", {"month": month, **mx.mix_params(), **params})


def test_sorting(con):
    mix = frame(con)
    assert list(mx.sort_mix(mix, "管户总数（从多到少）")["manager_id"]) == [
        "M05",
        "M02",
        "M01",
        "M07",
        "M04",
        "M08",
        "M06",
        "M03",
    ]
    by_gap = mx.sort_mix(mix, "总缺口（从大到小）")
    # gap sums: M03 105, M04 90 and M08 90 (tie: by id), M01 20, M07 6, M05 5, M02 0, M06 none (last)
    assert list(by_gap["manager_id"]) == ["M03", "M04", "M08", "M01", "M07", "M05", "M02", "M06"]
    assert list(mx.sort_mix(mix, "线上授信户数（从多到少）")["manager_id"])[:3] == ["M05", "M02", "M08"]
    for label in mx.SORT_OPTIONS:
        assert len(mx.sort_mix(mix, label)) == len(mix)


def test_labels_are_unique():
    mix = pd.DataFrame(
        {
            "manager_id": ["1", "2", "3", "3"],
            "manager_name": ["张三", "张三", None, None],
            "branch": ["A", "B", "A", "B"],
        }
    )
    assert list(mx.manager_labels(mix)) == ["张三（1）", "张三（2）", "3·A", "3·B"]


def test_bottom_group_function_matches_query(con):
    mix = frame(con)
    assert (mx.bottom_group(mix, "total") == mix["bottom_group"]).all()
    assert set(mix.loc[mx.bottom_group(mix, "total", share=0.5), "manager_id"]) == {"M03", "M04", "M08"}
    # By loans: M03, M04, M02 have 0 and tie: all three are in with floor(7 × 0.25) = 1.
    assert set(mix.loc[mx.bottom_group(mix, "loans"), "manager_id"]) == {"M02", "M03", "M04"}
    assert not mx.bottom_group(mix.head(3), "total").any()


def test_flag_summary(con):
    summary = mx.flag_summary(frame(con)).set_index("flag")
    assert summary.loc["unbalanced", "count"] == 2 and summary.loc["unbalanced", "managers"] == "张一、周七"
    assert summary.loc["overloaded", "managers"] == "钱五"
    assert "300" in summary.loc["overloaded", "rule"]
    assert "25%" in summary.loc["bottom_group", "rule"]
    assert summary.loc["bottom_group", "managers"] == "王三"


def test_gap_table(con):
    table = mx.gap_table(frame(con), "管户总数（从多到少）")
    assert list(table.columns) == list(mx.GAP_COLUMNS)
    first = table.iloc[0]
    assert (first["label"], first["total"], first["flags"]) == ("钱五", 301, "超负荷")
    m01 = table[table["label"] == "张一"].iloc[0]
    assert (m01["gap_online"], m01["online_credit_mom"], m01["flags"]) == (20, 0, "结构失衡")
    assert table[table["label"] == "M08"].iloc[0]["total"] == 15


def test_rollups(con):
    mix = frame(con)
    by_branch = mx.rollup(mix, "branch").set_index("group")
    assert by_branch.loc[A, "total"] == 195 and by_branch.loc[B, "total"] == 360
    assert by_branch.loc[B, "managers"] == 4  # M06 is a team lead
    assert by_branch.loc[B, "avg_total"] == 90
    assert by_branch.loc[A, "gap_online"] == 20 + 0 + 30
    assert by_branch.loc[B, "overloaded"] == 1 and by_branch.loc[A, "bottom_group"] == 1
    assert by_branch["total"].sum() == mix["total"].sum()
    by_team = mx.rollup(mix, "team").set_index("group")
    assert list(by_team.index) == ["一组", "三组", "二组", "未分团队"]
    assert by_team.loc["未分团队", "total"] == 15  # M08 has no roster row
    assert by_team.loc["一组", "loans"] == pytest.approx(30_500_000)


def test_mix_figure(con):
    mix = frame(con)
    fig = mx.mix_figure(mix, "管户总数（从少到多）")
    names = [t.name for t in fig.data]
    assert names == [
        "线下授信",
        "线下授信目标",
        "线上授信",
        "线上授信目标",
        "非授信",
        "非授信目标",
        "管户总数",
        "管户总数目标",
    ]
    bars = fig.data[0]
    assert list(bars.y)[:2] == ["王三", "孙六"]
    assert list(fig.layout.yaxis.categoryarray)[0] == "王三" and list(fig.layout.yaxis.range) == [7.5, -0.5]
    m07 = list(bars.y).index("周七")
    assert fig.data[1].x[m07] == 10 and fig.data[7].x[m07] == 40
    assert fig.data[1].marker.symbol == "line-ns"
    # The team lead has no target: no marker drawn.
    assert fig.data[1].x[list(bars.y).index("孙六")] is None


def test_trend_figure(con):
    trend = queries.run(con, "mix_trend", {"manager_id": "M04"})
    fig = mx.trend_figure(trend, "赵四", target_total=100)
    assert [t.name for t in fig.data] == ["线下授信", "线上授信", "非授信", "管户总数", "管户目标"]
    assert list(fig.data[3].y) == [12, 15]


def test_manager_options(con):
    options = mx.manager_options(frame(con))
    assert options["赵四（开发区支行）"] == ("M04", B)
    assert list(options)[0] == "张一（城关支行）"
    assert len(options) == 8


def test_page_head_and_filters(con):
    mix = frame(con)
    head = mx.headline(mix)
    managers = mix[mix["is_manager"].fillna(True).astype(bool)]
    assert head["managers"] == len(managers) == 7  # M06 is a team lead
    assert head["average"] == f"{managers['total'].mean():,.1f}"
    assert head["flags"] == {"unbalanced": 2, "bottom_group": 1, "overloaded": 1}
    assert head["on_target"] == int((managers["total"] >= managers["target_total"]).sum())
    flagged = mx.only_flagged(mix, ["超负荷", "集训营"])
    assert set(mx.manager_labels(flagged)) == {"钱五", "王三"}
    assert mx.only_flagged(mix, []) is mix
    assert mx.bottom_names(mix, "贷款余额").split("、") == list(mx.manager_labels(mix)[mx.bottom_group(mix, "loans")])
    row = mx.manager_row(mix, "M04", B)
    assert row["manager_name"] == "赵四" and mx.total_target(row) == row["target_total"]
    assert mx.total_target(mix[mix["manager_id"] == "M06"].iloc[0]) is None  # the team lead has no target
    summary = mx.manager_summary(row)
    assert summary.startswith("线下授信 ") and "万元" in summary and "—" not in summary.split("；")[0]


def test_rule_text_mentions_both_totals():
    text = mx.rule_text()
    for part in ("100 户", "25 户", "30 户", "50 户", "105"):
        assert part in text


def mix_page(query: dict | None = None):
    """An AppTest of the mix page, run once."""
    from conftest import ROOT
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "pages" / "mix.py"), default_timeout=60)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at.run()


def widget(elements, label):
    """The one widget with this label."""
    (found,) = [el for el in elements if el.label == label]
    return found


def test_mix_page_apptest(apptest_env, demo_facts):
    at = mix_page()
    assert not at.exception
    assert widget(at.metric, "客户经理人数").value == "50"
    sort = widget(at.selectbox, "排序方式")
    assert sort.options == list(mx.SORT_OPTIONS)
    sort.select("非授信缺口（从大到小）").run()
    assert not at.exception
    widget(at.multiselect, "只看带标记的客户经理").select("集训营").run()
    assert not at.exception
    widget(at.selectbox, "集训营也可按其他指标排名").select("存款余额").run()
    assert not at.exception and any("按存款余额排名的集训营" in m.value for m in at.markdown)
    picker = widget(at.selectbox, "选择客户经理")
    assert picker.value is None
    picker.select(picker.options[0]).run()
    assert not at.exception
    assert any(picker.options[0] in m.value and "合计" in m.value for m in at.markdown)
    # The gap table, the two roll-ups and the customer list.
    assert len(at.dataframe) == 4


def test_mix_page_apptest_branch(apptest_env, demo_facts):
    branch = demo_facts["branches"][0]
    at = mix_page({"branch": branch})
    assert not at.exception
    assert any(f"· {branch}" in h.value for h in at.subheader)
    options = widget(at.selectbox, "选择客户经理").options
    assert options and all(o.endswith(f"（{branch}）") for o in options)


def test_mix_page_masks_customer_names_in_training_mode(apptest_env, demo_facts):
    at = mix_page({"training": "1"})
    assert not at.exception
    picker = widget(at.selectbox, "选择客户经理")
    picker.select(picker.options[0]).run()
    assert not at.exception
    (shown,) = [df.value for df in at.dataframe if "customer_name" in df.value.columns]
    names = [n for n in shown["customer_name"] if isinstance(n, str) and n]
    assert names and all("*" in n for n in names)
