"""Month completeness: which sub-branches a month holds and which it lacks."""

from __future__ import annotations

import pytest

from puhui import store


@pytest.fixture
def con(tmp_path):
    con = store.connect(tmp_path / "status.duckdb")
    yield con
    con.close()


def _customers(con, rows):
    for month, branch, n in rows:
        for i in range(n):
            con.execute(
                "insert into customers (month, customer_id, customer_name, manager_id, branch) values ($m, $c, 'x', 'M1', $b)",
                {"m": month, "c": f"{branch}-{i}", "b": branch},
            )
    store.refresh_coverage(con)  # rows written behind the store's back: bring its coverage record up to date


def test_partial_newest_month_is_not_the_default(con):
    branches = [f"支行{i}" for i in range(10)]
    _customers(con, [("2026-10", b, 3) for b in branches] + [("2026-11", b, 2) for b in branches[:2]])
    statuses = store.month_status(con)
    assert [s.month for s in statuses] == ["2026-11", "2026-10"]
    november = statuses[0]
    assert november.present == ("支行0", "支行1")
    assert len(november.missing) == 8 and not november.complete
    assert statuses[1].complete
    assert store.newest_complete_month(statuses) == "2026-10"
    assert store.newest_complete_month(statuses, "支行1") == "2026-11"
    assert store.newest_complete_month(statuses, "支行5") == "2026-10"


def test_first_month_and_empty_database(con):
    assert store.month_status(con) == []
    assert store.newest_complete_month([]) is None
    _customers(con, [("2026-01", "城东支行", 1)])
    (only,) = store.month_status(con)
    assert only.complete and only.expected == ("城东支行",)


def test_a_scope_with_no_month_falls_back_to_the_newest(con):
    _customers(con, [("2026-10", "城东支行", 1), ("2026-11", "城东支行", 1)])
    assert store.newest_complete_month(store.month_status(con), "城西支行") == "2026-11"
