"""The store: schema version, replace scope, clearing the demo bank without touching uploads."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from puhui import demo, ingest, store


def test_schema_version_and_idempotent_migration(tmp_path):
    con = store.connect(tmp_path / "s.duckdb")
    assert store.migrate(con) == store.SCHEMA_VERSION
    assert con.execute("select value from meta where key = 'schema_version'").fetchall() == [(str(store.SCHEMA_VERSION),)]
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
    data = _csv([
        ["客户号", "客户名称", "客户经理编号", "所属支行", "结算存款(万元)"],
        ["R1", "真实客户", "X9", "本行支行", "1.5"],
    ])
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
