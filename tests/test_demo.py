"""The demo bank: determinism, the contract's invariants and the realism the pages rely on."""

from __future__ import annotations

import itertools
import re
from datetime import date

import duckdb
import pytest

from puhui import campaign, contract, demo, queries, store

END = "2026-10"
# Days of 2026 elapsed at the end month's last day: 304 of 365.
YEAR_PROGRESS = ((date(2026, 10, 31) - date(2026, 1, 1)).days + 1) / 365


def _build(path, **kwargs):
    kwargs.setdefault("end_month", END)
    return demo.build(path, **kwargs)


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """A small demo DB (400 customers, 3 months) and the build's result."""
    path = tmp_path_factory.mktemp("demo") / "small.duckdb"
    calls: list[tuple[float, str]] = []
    result = _build(path, customers=400, months=3, progress=lambda f, t: calls.append((f, t)))
    return path, result, calls


@pytest.fixture(scope="module")
def full(tmp_path_factory):
    """The default-size demo DB (4,000 customers, 13 months), opened read-only."""
    path = tmp_path_factory.mktemp("demo") / "full.duckdb"
    result = _build(path)
    con = duckdb.connect(str(path), read_only=True)
    yield con, result
    con.close()


def _one(con, sql, params=None):
    return con.execute(sql, params or {}).fetchall()[0][0]


def _checksums(path) -> dict[str, int]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {
            name: _one(con, f"select sum(hash(t)) from (select * exclude (ingest_id) from {name}) t")
            for name in contract.TABLES
        }
    finally:
        con.close()


def test_same_seed_same_content_other_seed_other_content(small, tmp_path):
    path, result, _ = small
    again = tmp_path / "again.duckdb"
    other = tmp_path / "other.duckdb"
    assert _build(again, customers=400, months=3) == result
    _build(other, customers=400, months=3, seed=7)
    first, second, third = _checksums(path), _checksums(again), _checksums(other)
    assert first == second
    for name in ("customers", "visits", "managers", "activities"):
        assert first[name] != third[name]


def test_result_counts_and_month_range(small):
    path, result, _ = small
    con = duckdb.connect(str(path), read_only=True)
    try:
        for name in contract.TABLES:
            assert result[name] == _one(con, f"select count(*) from {name}") > 0
        assert result["first_month"] == "2026-08" and result["last_month"] == END
        for name in ("customers", "managers", "grids", "visits", "activities"):
            months = [r[0] for r in con.execute(f"select distinct month from {name} order by 1").fetchall()]
            assert months == ["2026-08", "2026-09", "2026-10"], name
    finally:
        con.close()


def test_progress_reported_up_to_one(small):
    _, _, calls = small
    fractions = [f for f, _ in calls]
    assert fractions == sorted(fractions)
    assert fractions[-1] == 1.0 and len(fractions) >= 5
    assert all(isinstance(t, str) and t for _, t in calls)


def test_default_end_month_is_last_month():
    assert demo.default_end_month(date(2026, 11, 22)) == "2026-10"
    assert demo.default_end_month(date(2026, 1, 5)) == "2025-12"


def test_meta_and_ingest_log_mark_demo(small):
    path, _, _ = small
    con = duckdb.connect(str(path), read_only=True)
    try:
        meta = dict(con.execute("select key, value from meta").fetchall())
        assert meta["demo"] == "true" and meta["demo_seed"] == "42"
        assert meta["demo_end_month"] == END and meta["demo_customers"] == "400" and meta["demo_months"] == "3"
        assert demo.is_demo(con)
        log = con.execute("select table_name, ingest_id, rows_stored, file_name from ingest_log").fetchall()
        assert sorted(r[0] for r in log) == sorted(contract.TABLES)
        for table_name, ingest_id, rows_stored, file_name in log:
            assert file_name == demo.DEMO_FILE_NAME
            assert _one(con, f"select count(*) from {table_name} where ingest_id = {ingest_id}") == rows_stored
            assert _one(con, f"select count(*) from {table_name} where ingest_id <> {ingest_id}") == 0
    finally:
        con.close()


def test_open_connection_and_rebuild(tmp_path):
    con = store.connect(tmp_path / "twice.duckdb")
    first = demo.build(con, customers=200, months=1, end_month=END)
    assert _one(con, "select count(*) from customers") == first["customers"]
    assert first["first_month"] == first["last_month"] == END
    # the connection stays open, and a second build replaces the first
    second = demo.build(con, customers=300, months=2, seed=5, end_month=END)
    assert _one(con, "select count(*) from ingest_log") == len(contract.TABLES)
    assert _one(con, "select count(*) from customers") == second["customers"] != first["customers"]
    assert _one(con, "select value from meta where key = 'demo_seed'") == "5"
    assert _one(con, "select value from meta where key = 'demo_months'") == "2"
    con.close()


def test_refuses_to_overwrite_real_data(tmp_path):
    path = tmp_path / "real.duckdb"
    con = store.connect(path)
    con.execute(
        """insert into ingest_log values (99, '客户经理2026-10.xlsx', 'abc', 'managers', '2026-10', '城关支行',
           1, 0, '{}', 0, now()::timestamp, null)"""
    )
    con.execute("insert into managers values ('2026-10', 'A001', '张伟', '城关支行', null, '客户经理', 99)")
    con.close()
    with pytest.raises(ValueError, match="已有导入的业务数据"):
        _build(path, customers=200, months=2)
    con = store.connect(path)
    try:
        assert con.execute("select * from managers").fetchall() == [
            ("2026-10", "A001", "张伟", "城关支行", None, "客户经理", 99)
        ]
        assert _one(con, "select count(*) from customers") == 0
        assert not demo.is_demo(con)
    finally:
        con.close()


@pytest.mark.parametrize(
    "kwargs",
    [{"end_month": "2026-13"}, {"end_month": "202610"}, {"months": 0}, {"customers": 10}, {"customers": "many"}],
)
def test_bad_arguments_are_refused_in_chinese(tmp_path, kwargs):
    with pytest.raises(ValueError, match="[\u4e00-\u9fff]"):
        demo.build(tmp_path / "bad.duckdb", **{"end_month": END, **kwargs})


def test_required_columns_are_never_null(full):
    con, _ = full
    for table in contract.TABLES.values():
        for column in table.required:
            assert _one(con, f"select count(*) from {table.name} where {column} is null") == 0, (table.name, column)


def test_enums_follow_the_contract(full):
    con, _ = full

    def values(sql):
        return {r[0] for r in con.execute(sql).fetchall()}

    assert values("select distinct segment from customers") == set(contract.SEGMENTS)
    assert values("select distinct grid_type from grids") == set(contract.GRID_TYPES)
    assert values("select distinct method from visits") == set(contract.VISIT_METHODS)
    assert values("select distinct visitor_role from visits") == set(contract.ROLES)
    assert values("select distinct role from managers") == set(contract.ROLES)
    assert values("select distinct metric from targets") == set(contract.METRICS)
    assert values("select distinct customer_kind from customers") == {"小微企业", "个体工商户", "农户", "个人"}


def test_months_end_at_end_month(full):
    con, result = full
    months = [r[0] for r in con.execute("select distinct month from customers order by 1").fetchall()]
    assert len(months) == 13 and months[0] == "2025-10" and months[-1] == END
    assert result["first_month"] == "2025-10" and result["last_month"] == END
    assert _one(con, "select max(visit_date) from visits") <= date(2026, 10, 31)
    assert _one(con, "select max(activity_date) from activities") <= date(2026, 10, 31)
    assert _one(con, "select count(*) from visits where strftime(visit_date, '%Y-%m') <> month") == 0
    assert _one(con, "select count(*) from activities where strftime(activity_date, '%Y-%m') <> month") == 0


def test_roster_shape(full):
    con, _ = full
    assert _one(con, "select count(distinct branch) from managers") == 8
    assert _one(con, "select count(distinct branch) from customers") == 8
    per_month = con.execute(
        """select month, count(*) filter (where role = '客户经理'), count(*) filter (where role = '分管行长'),
                  count(*) filter (where role = '团队负责人')
           from managers group by month"""
    ).fetchall()
    assert all(r[1] == 50 and r[2] == 8 and r[3] >= 8 for r in per_month)
    # one manager moved sub-branch during the year; one left, one joined
    moved = "select manager_id from managers group by 1 having count(distinct branch) > 1"
    assert _one(con, f"select count(*) from ({moved})") == 1
    assert _one(con, "select count(distinct manager_id) from managers where role = '客户经理'") == 51
    names = [r[0] for r in con.execute("select distinct manager_name from managers").fetchall()]
    assert any(n.startswith(("欧阳", "司马", "上官", "诸葛", "司徒")) for n in names)
    assert all(re.fullmatch(r"[\u4e00-\u9fff]{2,4}", n) for n in names)


def test_uneven_books(full):
    con, _ = full
    books = [
        r[0]
        for r in con.execute(
            """select count(c.customer_id) from managers m
               left join customers c on c.manager_id = m.manager_id and c.month = m.month
               where m.month = $m and m.role = '客户经理' group by m.manager_id""",
            {"m": END},
        ).fetchall()
    ]
    assert len(books) == 50
    assert sum(1 for n in books if n > 300) >= 2  # overloaded
    assert sum(1 for n in books if n < 60) >= 10  # the bottom group, well short of 100
    # strong offline books and strong online books both exist
    mix = con.execute(
        """select count(*) filter (where segment = '线下授信') / count(*),
                  count(*) filter (where segment = '线上授信') / count(*)
           from customers where month = $m group by manager_id having count(*) >= 40""",
        {"m": END},
    ).fetchall()
    assert any(off > 0.35 and on < 0.15 for off, on in mix)
    assert any(on > 0.4 and off < 0.15 for off, on in mix)


def test_growth_and_churn(full):
    con, _ = full
    counts = [r[0] for r in con.execute("select count(*) from customers group by month order by month").fetchall()]
    assert 3900 <= counts[-1] <= 4100
    assert counts[0] < counts[-1] * 0.95
    left = _one(
        con,
        """select count(*) from customers a where a.month = '2026-09'
           and not exists (select 1 from customers b where b.month = '2026-10' and b.customer_id = a.customer_id)""",
    )
    assert 1 <= left <= 100
    # customers first seen after the first month opened their account in that month
    bad = _one(
        con,
        """with first_seen as (select customer_id, min(month) as m, any_value(open_date) as d from customers group by 1)
           select count(*) from first_seen where m > '2025-10' and strftime(d, '%Y-%m') <> m""",
    )
    assert bad == 0
    assert _one(con, "select count(*) from (select customer_id from customers group by 1 having count(*) > 13)") == 0


def test_segments_consistent_with_balances(full):
    con, _ = full
    checks = {
        "offline without offline loan": "segment = '线下授信' and not loan_offline > 0",
        "online with an offline loan": "segment = '线上授信' and loan_offline <> 0",
        "online without online loan": "segment = '线上授信' and not loan_online > 0",
        "non-credit with a loan": "segment = '非授信' and (loan_offline <> 0 or loan_online <> 0)",
        "non-credit with credit fields": "segment = '非授信' and (credit_limit is not null or loan_share is not null"
        " or settle_share is not null or loan_maturity is not null)",
        "credit without credit fields": "segment <> '非授信' and (credit_limit is null or loan_share is null"
        " or settle_share is null or loan_maturity is null)",
        "limit below the loans": "segment <> '非授信' and credit_limit < loan_offline + loan_online - 0.01",
        "negative money": "least(loan_offline, loan_online, dep_settlement, dep_pure, dep_margin, dep_savings,"
        " dep_avg, overdue) < 0",
        "shares out of range": "loan_share not between 0 and 1 or settle_share not between 0 and 1",
        "maturity not after month end": "loan_maturity <= last_day(strptime(month || '-01', '%Y-%m-%d'))",
    }
    for label, where in checks.items():
        assert _one(con, f"select count(*) from customers where {where}") == 0, label
    latest = {"m": END}
    assert _one(con, "select count(*) from customers where month = $m and settle_share < loan_share", latest) > 50
    assert _one(con, "select count(*) from customers where month = $m and overdue > 0", latest) > 5
    for days in (30, 60, 90):
        assert (
            _one(
                con,
                f"select count(*) from customers where month = $m and loan_maturity <= date '2026-10-31' + {days}",
                latest,
            )
            > 20
        )


def test_deposits_plausible(full):
    con, _ = full
    total = "dep_settlement + dep_pure + dep_margin + dep_savings"
    in_range, big = con.execute(
        f"""select avg(case when {total} between 5000 and 3000000 then 1 else 0 end),
                   count(*) filter (where {total} > 20000000)
            from customers where month = $m""",
        {"m": END},
    ).fetchall()[0]
    assert in_range > 0.85 and big >= 3
    # the month's daily average is usually within 3 % of the month-end total, not always
    within, beyond = con.execute(
        f"""select count(*) filter (where abs({total} - dep_avg) <= 0.03 * dep_avg),
                   count(*) filter (where abs({total} - dep_avg) > 0.03 * dep_avg)
            from customers where month = $m and dep_avg > 0""",
        {"m": END},
    ).fetchall()[0]
    assert within > 0.8 * (within + beyond) and beyond > 50
    # line totals in the range of the seed's interim targets (4 bn yuan each side)
    deposits, loans = con.execute(
        f"select sum({total}), sum(loan_offline + loan_online) from customers where month = $m", {"m": END}
    ).fetchall()[0]
    assert 1.5e9 < deposits < 6e9 and 1.5e9 < loans < 6e9


def _jumps(con):
    return con.execute(
        """with t as (
               select month, customer_id, dep_settlement + dep_pure + dep_margin + dep_savings as total from customers),
           d as (
               select month, customer_id, total - lag(total) over (partition by customer_id order by month) as rise
               from t)
           select month, customer_id, rise from d where rise > 1000000"""
    ).fetchall()


def test_deposit_jumps_feed_visit_alerts(full):
    con, _ = full
    jumps = _jumps(con)
    latest = [r for r in jumps if r[0] == END]
    assert any(1e6 < r[2] <= 2e6 for r in latest)
    assert any(2e6 < r[2] <= 5e6 for r in latest)
    assert any(r[2] > 5e6 for r in latest)
    months_with_big = {r[0] for r in jumps if r[2] > 5e6}
    assert len(months_with_big) >= 10

    def visited(month, customer_id, role):
        return _one(
            con,
            """select count(*) from visits where month = $m and customer_id = $c and method = '上门'
               and visitor_role = $r""",
            {"m": month, "c": customer_id, "r": role},
        )

    big = [r for r in jumps if r[2] > 5e6]
    by_vp = sum(1 for r in big if visited(r[0], r[1], "分管行长"))
    assert 0 < by_vp < len(big)


def test_visits_realistic(full):
    con, _ = full
    unvisited = _one(
        con,
        """select count(*) from customers c where c.month = $m and c.segment = '非授信'
           and not exists (select 1 from visits v where v.month = c.month and v.customer_id = c.customer_id)""",
        {"m": END},
    )
    non_credit = _one(con, "select count(*) from customers where month = $m and segment = '非授信'", {"m": END})
    assert 0.1 * non_credit < unvisited < 0.6 * non_credit
    # the visitor's role matches the roster
    mismatched = _one(
        con,
        """select count(*) from visits v join managers m on m.month = v.month and m.manager_id = v.manager_id
           where m.role <> v.visitor_role""",
    )
    orphan = _one(
        con,
        """select count(*) from visits v anti join managers m on m.month = v.month and m.manager_id = v.manager_id""",
    )
    assert mismatched == 0 and orphan == 0
    # every customer belongs to a customer manager of the month's roster, in the same sub-branch
    assert (
        _one(
            con,
            """select count(*) from customers c anti join managers m
           on m.month = c.month and m.manager_id = c.manager_id and m.branch = c.branch and m.role = '客户经理'""",
        )
        == 0
    )


def test_identity_numbers_and_phones(full):
    con, _ = full
    rows = con.execute("select customer_kind, id_number, phone from customers where month = $m", {"m": END}).fetchall()
    id_weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    chars = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    uscc_weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    for kind, id_number, phone in rows:
        assert phone is None or re.fullmatch(r"1[3-9]\d{9}", phone)
        assert len(id_number) == 18
        if kind in ("个人", "农户"):
            assert id_number[:17].isdigit()
            total = sum(int(d) * w for d, w in zip(id_number, id_weights))
            assert "10X98765432"[total % 11] == id_number[17]
        else:
            assert id_number[:2] in ("91", "92", "93") and all(c in chars for c in id_number)
            total = sum(chars.index(c) * w for c, w in zip(id_number, uscc_weights))
            assert chars[(31 - total % 31) % 31] == id_number[17]
    assert len({r[1] for r in rows}) > 0.99 * len(rows)


def test_customer_names_look_real(full):
    con, _ = full
    names = dict(
        con.execute(
            """select customer_kind, list(customer_name) from customers where month = $m group by 1""", {"m": END}
        ).fetchall()
    )
    assert all(n.endswith(("公司", "合作社")) for n in names["小微企业"])
    assert any(n.startswith("公安县") for n in names["小微企业"])
    assert any(n.endswith("个体工商户") for n in names["个体工商户"])
    assert all(re.fullmatch(r"[\u4e00-\u9fff]{2,4}", n) for n in names["个人"] + names["农户"])
    assert any(n.startswith(("欧阳", "司马")) for n in names["个人"] + names["农户"])


def _inside(lon, lat, polygon):
    inside = False
    for (x1, y1), (x2, y2) in itertools.pairwise(polygon):
        if (y1 > lat) != (y2 > lat) and lon < (x2 - x1) * (lat - y1) / (y2 - y1) + x1:
            inside = not inside
    return inside


def test_grids_and_placement(full):
    con, _ = full
    cells = con.execute(
        "select grid_id, grid_type, lon, lat, boundary, manager_id, merchants from grids where month = $m", {"m": END}
    ).fetchall()
    assert 40 <= len(cells) <= 80
    assert {c[1] for c in cells} == set(contract.GRID_TYPES)
    assert all(c[2] is None and c[4] is None for c in cells if c[1] == "政府渠道")
    assert any(c[5] is None for c in cells) and sum(c[5] is not None for c in cells) > 0.8 * len(cells)
    assert all(c[6] > 0 for c in cells)
    polygons = {}
    for grid_id, _, lon, lat, boundary, _, _ in cells:
        assert lon is None or (111.9 < lon < 112.5 and 29.7 < lat < 30.4)
        if boundary:
            assert boundary.startswith("POLYGON((") and boundary.endswith("))")
            points = [tuple(map(float, p.split())) for p in boundary[9:-2].split(", ")]
            assert points[0] == points[-1] and len(points) >= 4
            polygons[grid_id] = points
    assert len(polygons) >= 15
    placed = con.execute(
        "select grid_id, lon, lat from customers where month = $m and lon is not null", {"m": END}
    ).fetchall()
    in_cell = [_inside(lon, lat, polygons[g]) for g, lon, lat in placed if g in polygons]
    assert sum(in_cell) > 0.9 * len(in_cell) and not all(in_cell)
    outside_every_cell = [
        (lon, lat) for g, lon, lat in placed if g is None and not any(_inside(lon, lat, p) for p in polygons.values())
    ]
    assert len(outside_every_cell) > 20
    # penetration (our customers / businesses) stays a ratio below one, with some cells far below 5 %
    ratios = con.execute(
        """select count(c.customer_id) / any_value(g.merchants) from grids g
           left join customers c on c.grid_id = g.grid_id and c.month = g.month
           where g.month = $m group by g.grid_id""",
        {"m": END},
    ).fetchall()
    assert all(r[0] < 1 for r in ratios) and any(r[0] < 0.05 for r in ratios)
    assert _one(con, "select count(distinct month) from grids") == 13


def test_activities_follow_the_plan(full):
    con, _ = full
    plan_names = {name for items in demo.MONTHLY_PLAN.values() for name, _ in items}
    rows = con.execute("select month, activity_name, branch, new_accounts from activities").fetchall()
    planned = [r for r in rows if not r[1].startswith(demo.SALON_PREFIX)]
    salons = [r for r in rows if r[1].startswith(demo.SALON_PREFIX)]
    assert {r[1] for r in planned} <= plan_names
    for month, name, _, _ in planned:
        assert name in {n for n, _ in demo.MONTHLY_PLAN[int(month[5:])]}
    # "周周有沙龙": salons every month in every sub-branch
    assert {(r[0], r[2]) for r in salons} >= {(m, b) for m in {r[0] for r in rows} for b in {r[2] for r in rows}}
    # a few planned activities were not held by every sub-branch
    expected = sum(8 * len(demo.MONTHLY_PLAN[int(m[5:])]) for m in {r[0] for r in rows})
    assert expected * 0.8 < len(planned) < expected
    assert any(r[3] > 0 for r in salons) and _one(con, "select sum(new_deposits) from activities") > 0
    assert "园区新春联谊活动" in {r[1] for r in planned} and "小企业条线峰会" in {r[1] for r in planned}


def test_targets_for_the_year(full):
    con, _ = full
    assert {r[0] for r in con.execute("select distinct year from targets").fetchall()} == {2026}
    assert _one(con, "select count(distinct branch) from targets") == 8
    line = dict(con.execute("select metric, target from targets where branch is null").fetchall())
    sums = dict(con.execute("select metric, sum(target) from targets where branch is not null group by 1").fetchall())
    assert set(line) == set(contract.METRICS) and line == sums
    assert all(v > 0 for v in line.values())
    for metric in contract.AMOUNT_METRICS:
        assert line[metric] % 10000 == 0
    assert line["存款余额"] > 1e9 and 3000 < line["管户数"] < 6000


def test_activities_bring_what_the_book_gained(full):
    con, _ = full
    joined = _one(
        con, "select count(*) from customers where month >= '2026-01' and strftime(open_date, '%Y-%m') = month"
    )
    accounts, basic, payroll, deposits, loans = con.execute(
        """select sum(new_accounts), sum(new_basic_accounts), sum(new_payroll), sum(new_deposits), sum(new_loans)
           from activities where month >= '2026-01'"""
    ).fetchall()[0]
    # most of this year's newcomers came by a campaign or a salon, never more than came in all
    assert 0.7 * joined <= accounts <= joined
    assert 0.2 * accounts < basic < accounts and 0.05 * accounts < payroll < 0.5 * accounts
    total = "dep_settlement + dep_pure + dep_margin + dep_savings"
    deposit_growth, loan_growth = con.execute(
        f"""select sum({total}) filter (where month = $m) - sum({total}) filter (where month = '2025-12'),
                   sum(loan_offline + loan_online) filter (where month = $m)
                   - sum(loan_offline + loan_online) filter (where month = '2025-12')
            from customers""",
        {"m": END},
    ).fetchall()[0]
    assert 0.5 < deposits / deposit_growth < 1.5 and 0.5 < loans / loan_growth < 1.5


def test_activity_results_and_targets_scale_with_the_book(small):
    path, _, _ = small
    con = duckdb.connect(str(path), read_only=True)
    try:
        customers = _one(con, "select count(*) from customers where month = $m", {"m": END})
        # three months of a 400-customer demo bring a couple of dozen accounts, not hundreds
        assert 0 < _one(con, "select sum(new_accounts) from activities") <= 0.1 * customers
        line = dict(con.execute("select metric, target from targets where branch is null").fetchall())
        assert 0.1 * customers < line["新开户数"] < 0.4 * customers
        assert line["新开基本户数"] < line["新开户数"] and line["新增代发户数"] < line["新开户数"]
        # 调结构 (July–September) holds August and September only: about two thirds of its target
        frame = campaign.progress(con, END)
        for measure in ("新开户数", "新增存款"):
            completion = float(frame[(frame["phase"] == 3) & (frame["measure"] == measure)]["completion"].iloc[0])
            assert 0.3 <= completion <= 2.0, (measure, completion)
    finally:
        con.close()


def test_campaign_completion_is_plausible(full):
    """The 阶段营销 page on the default demo: the line near its targets, sub-branches either side."""
    con, _ = full
    frame = campaign.progress(con, END)
    at_end = frame[frame["phase"] == 4].set_index("measure")
    for measure in ("新开户数", "新增存款"):
        assert 0.5 <= float(at_end.loc[measure, "cumulative_completion"]) <= 1.5, measure
    # by October (time progress 83 %) the line has done 60–110 % of every annual target
    for measure in campaign.MEASURES:
        done = float(at_end.loc[measure, "cumulative_actual"]) / float(at_end.loc[measure, "annual_target"])
        assert 0.6 <= done <= 1.1, (measure, done)
    past = frame[frame["phase"] < 4]
    assert len(past) == 3 * len(campaign.MEASURES)
    for row in past.itertuples():
        assert 0.3 <= float(row.completion) <= 2.0, (row.phase, row.measure, row.completion)
    # sub-branches: past phases mostly at 60–130 %, the year's progress on both sides of time progress
    branches = [r[0] for r in con.execute("select distinct branch from customers order by 1").fetchall()]
    near, done_by_measure = [], {"新开户数": [], "新增存款": []}
    for branch in branches:
        rows = campaign.progress(con, END, branch)
        for measure, done in done_by_measure.items():
            mine = rows[rows["measure"] == measure]
            near += [0.6 <= float(c) <= 1.3 for c in mine[mine["phase"] < 4]["completion"]]
            done.append(float(mine[mine["phase"] == 4]["cumulative_completion"].iloc[0]))
    assert sum(near) >= 0.7 * len(near)
    for measure, done in done_by_measure.items():
        assert min(done) < YEAR_PROGRESS < max(done), (measure, done)
    # the overview's balances and counts: close to, mostly short of, their year-end level
    overview = queries.run(con, "overview", {"month": END}).set_index("metric")
    for metric in ("管户数", "线下授信户数", "线上授信户数", "非授信户数", "贷款余额", "存款余额"):
        assert 0.85 <= overview.loc[metric, "attainment"] <= 1.05, metric
