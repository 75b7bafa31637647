"""The store: schema version, replace scope, clearing the demo bank without touching uploads."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from decimal import Decimal

import duckdb

from puhui import contract, demo, ingest, store


def test_schema_version_and_idempotent_migration(tmp_path):
    con = store.connect(tmp_path / "s.duckdb")
    assert store.migrate(con) == store.SCHEMA_VERSION
    assert con.execute("select value from meta where key = 'schema_version'").fetchall() == [
        (str(store.SCHEMA_VERSION),)
    ]
    con.close()
    con = store.connect(tmp_path / "s.duckdb")
    assert store.migrate(con) == store.SCHEMA_VERSION
    con.close()


def _csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode("utf-8")


def test_clear_demo_keeps_uploaded_rows(tmp_path):
    path = tmp_path / "d.duckdb"
    demo.build(path, customers=300, months=2, end_month="2026-10")
    con = store.connect(path)
    assert store.real_ingests(con) == 0
    data = _csv(
        [
            ["客户号", "客户名称", "客户经理编号", "所属支行", "结算存款(万元)"],
            ["R1", "真实客户", "X9", "本行支行", "1.5"],
        ]
    )
    plan = ingest.analyse([("真实_2026-11.csv", data)], con)
    ingest.commit(plan, con, confirmed=True)  # no 管户类型 nor loans: confirmed as 非授信
    assert store.real_ingests(con) == 1
    removed = store.clear_demo(con)
    assert removed > 300
    assert con.execute("select customer_id, month, dep_settlement from customers").fetchall() == [
        ("R1", "2026-11", Decimal("15000.00"))
    ]
    assert con.execute("select count(*) from managers").fetchall() == [(0,)]
    assert not demo.is_demo(con)
    assert con.execute("select value from meta where key = 'demo'").fetchall() == [("false",)]
    history = store.history(con)
    assert history["undone_at"].notna().sum() == len(history) - 1
    con.close()


def _legacy_database(path):
    """A database as schema 1 left it: import 1 stored 城东 2026-11, import 2 replaced it and (as the old
    cross-product scope did) 城西 2026-11 too, without rows of its own there; import 3 was undone."""
    con = duckdb.connect(str(path))
    for statement in store.MIGRATIONS[1]:
        con.execute(statement)
    con.execute("insert into meta values ('schema_version', '1')")
    log = (
        "insert into ingest_log values ($i, $f, 'x', 'customers', '2026-11', $b, $n, 0, '{}', $r, now()::timestamp, $u)"
    )
    con.execute(log, {"i": 1, "f": "a.xlsx", "b": "城东支行", "n": 2, "r": 0, "u": None})
    con.execute(log, {"i": 2, "f": "b.xlsx", "b": "城东支行,城西支行", "n": 1, "r": 3, "u": None})
    con.execute(log, {"i": 3, "f": "c.xlsx", "b": "城南支行", "n": 1, "r": 0, "u": datetime(2026, 11, 2)})
    row = "insert into {t} (month, customer_id, customer_name, manager_id, branch, segment, ingest_id{extra}) values ('2026-11', $c, 'x', 'M1', $b, '非授信', $i{more})"
    for cid in ("A1", "A2"):
        con.execute(
            row.format(t="customers_replaced", extra=", replaced_by", more=", 2"), {"c": cid, "b": "城东支行", "i": 1}
        )
    con.execute(
        row.format(t="customers_replaced", extra=", replaced_by", more=", 2"), {"c": "W1", "b": "城西支行", "i": 0}
    )
    con.execute(row.format(t="customers", extra="", more=""), {"c": "B1", "b": "城东支行", "i": 2})
    con.execute("create sequence if not exists ingest_seq start 4")
    con.close()


def _customers(con):
    return con.execute("select branch, customer_id from customers order by 1, 2").fetchall()


def test_a_schema_1_database_migrates_and_undoes_in_any_order(tmp_path):
    path = tmp_path / "legacy.duckdb"
    _legacy_database(path)
    con = store.connect(path)
    assert con.execute("select value from meta where key = 'schema_version'").fetchall() == [
        (str(store.SCHEMA_VERSION),)
    ]
    assert sorted(
        con.execute("select batch_id, period, branch, rows_new, rows_replaced from ingest_slots").fetchall()
    ) == [
        (1, "2026-11", "城东支行", 2, 0),
        (2, "2026-11", "城东支行", 1, 2),
        (2, "2026-11", "城西支行", 0, 1),
    ]
    assert store.coverage(con)[["period", "branch", "rows", "batch_id"]].values.tolist() == [
        ["2026-11", "城东支行", 1, 2]
    ]
    assert [(s.month, s.present, s.missing) for s in store.month_status(con)] == [("2026-11", ("城东支行",), ())]
    # The older import first: import 2's rows stay.
    result = store.undo(con, 1)
    assert result["removed"] == 0 and [k.covered_by for k in result["kept"]] == [2]
    assert _customers(con) == [("城东支行", "B1")]
    # Then import 2: 城东 goes back to before import 1 (nothing), 城西 gets its replaced row back.
    store.undo(con, 2)
    assert _customers(con) == [("城西支行", "W1")]
    assert con.execute("select count(*) from customers_replaced").fetchall() == [(0,)]
    assert con.execute("select branch, rows, batch_id from coverage").fetchall() == [("城西支行", 1, None)]
    con.close()


def test_undo_effects_say_what_stays_before_anything_is_undone(tmp_path):
    con = store.connect(tmp_path / "e.duckdb")
    rows = [["客户号", "客户名称", "客户经理编号", "所属支行", "管户类型"]]
    first = ingest.commit(
        ingest.analyse([("a_2026-11.csv", _csv([*rows, ["A1", "甲", "M1", "城东支行", "非授信"]]))], con), con
    )
    second = ingest.commit(
        ingest.analyse(
            [
                (
                    "b_2026-11.csv",
                    _csv([*rows, ["B1", "乙", "M1", "城东支行", "非授信"], ["B2", "丙", "M1", "城东支行", "非授信"]]),
                )
            ],
            con,
        ),
        con,
    )
    (effect,) = store.undo_effects(con, first[0]["batch_id"])
    assert (effect.rows_now, effect.rows_after, effect.covered_by) == (2, 2, second[0]["batch_id"])
    (effect,) = store.undo_effects(con, second[0]["batch_id"])
    assert (effect.rows_now, effect.rows_after, effect.covered_by) == (2, 1, None)
    frame = store.batches(con)
    assert frame["batch_id"].tolist() == [second[0]["batch_id"], first[0]["batch_id"]]
    assert frame["files"].tolist() == ["b_2026-11.csv", "a_2026-11.csv"]
    con.close()


def test_clear_demo_keeps_the_coverage_record(tmp_path):
    path = tmp_path / "d.duckdb"
    demo.build(path, customers=200, months=2, end_month="2026-10")
    con = store.connect(path)
    before = store.coverage(con)
    assert set(before["table_name"]) == set(contract.TABLES)
    assert [s.month for s in store.month_status(con)] == ["2026-10", "2026-09"]
    manager = con.execute(
        "select min(manager_id) from managers where month = '2026-10' and branch = '城关支行'"
    ).fetchall()[0][0]
    data = _csv(
        [
            ["客户号", "客户名称", "客户经理编号", "所属支行", "管户类型"],
            ["R1", "真实客户", manager, "城关支行", "非授信"],
        ]
    )
    results = ingest.commit(ingest.analyse([("城关_2026-10.csv", data)], con), con)
    store.clear_demo(con)
    assert store.coverage(con)[["table_name", "period", "branch", "rows"]].values.tolist() == [
        ["customers", "2026-10", "城关支行", 1]
    ]
    # The demo rows that upload replaced are gone with the demo: undoing it leaves nothing.
    store.undo(con, results[0]["ingest_id"])
    assert con.execute("select count(*) from customers").fetchall() == [(0,)]
    assert store.coverage(con).empty
    con.close()
