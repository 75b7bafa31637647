"""Building the demo bank: the order of the steps, in one transaction."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import duckdb

from .. import contract, store
from .activities import insert_activities
from .balances import insert_customers
from .catalogue import LINE_NAME, default_end_month
from .context import Builder
from .customers import build_customer_pool
from .flows import build_flows
from .grids import build_grid_cells, insert_grids
from .ingests import clear_demo, refuse_real_data, register_ingests
from .roster import build_roster, insert_managers
from .scheme import insert_scheme
from .targets import insert_targets
from .visits import insert_visits


def check_arguments(customers, months, end_month) -> tuple[int, int, str]:
    """Validate the build's arguments; errors in Chinese."""
    end_month = end_month or default_end_month()
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", str(end_month)):
        raise ValueError(f"截止月份格式应为 YYYY-MM（如 2026-10），收到：{end_month!r}")
    try:
        customers, months = int(customers), int(months)
    except (TypeError, ValueError):
        raise ValueError(f"客户数和月份数应为整数，收到：{customers!r}、{months!r}") from None
    if not 1 <= months <= 60:
        raise ValueError(f"月份数应在 1 到 60 之间，收到：{months}")
    if not 100 <= customers <= 5_000_000:
        raise ValueError(f"客户数应在 100 到 5,000,000 之间，收到：{customers}")
    return customers, months, end_month


def fill_tables(builder: Builder, ids: dict[str, int]) -> None:
    """Every table of the demo bank, dimensions first, then month by month, then what follows."""
    books = build_roster(builder)
    build_grid_cells(builder, books)
    builder.report(0.03, "正在生成客户名录")
    build_customer_pool(builder)
    insert_managers(builder, ids["managers"])
    builder.report(0.10, "正在生成管户明细与拜访记录")
    for idx, month in enumerate(builder.month_names):
        insert_customers(builder, idx, ids["customers"])
        insert_visits(builder, idx, ids["visits"])
        builder.report(0.10 + 0.75 * (idx + 1) / builder.n_months, f"已生成 {month} 的管户明细与拜访记录")
    builder.report(0.86, "正在生成网格、营销活动与年度目标")
    insert_grids(builder, ids["grids"])
    build_flows(builder)
    insert_activities(builder, ids["activities"])
    insert_targets(builder, ids["targets"])
    insert_scheme(builder, ids["scheme"])


def record_meta(builder: Builder) -> None:
    """The ``meta`` rows saying the database holds the demo bank, and which one."""
    moved_at = builder.move["month_index"]
    meta = {
        "demo": "true",
        "demo_seed": str(builder.seed),
        "demo_customers": str(builder.customers),
        "demo_months": str(builder.n_months),
        "demo_first_month": builder.month_names[0],
        "demo_end_month": builder.month_names[-1],
        "demo_line": LINE_NAME,
        "demo_moved_manager": json.dumps(
            {
                "manager_id": builder.move["manager_id"],
                "month": builder.month_names[moved_at] if moved_at is not None else None,
            },
            ensure_ascii=False,
        ),
        "demo_built_at": datetime.now().replace(microsecond=0).isoformat(),
    }
    for key, value in meta.items():
        builder.con.execute("insert or replace into meta values ($k, $v)", {"k": key, "v": value})


def build(
    db_or_con: str | Path | duckdb.DuckDBPyConnection,
    seed: int = 42,
    customers: int = 4000,
    months: int = 13,
    end_month: str | None = None,
    progress: Callable[[float, str], None] | None = None,
) -> dict:
    """Build the demo bank into a database file (path) or an open connection.

    ``customers`` is about the number of customers in the latest month, ``months`` the
    number of monthly snapshots ending at ``end_month`` (default: last month). Replaces an
    earlier demo build; refuses (ValueError) when the database holds uploaded data.
    ``progress(fraction, text)`` is called as the build goes. Returns the row count of
    every table and the first and last month.
    """
    customers, months, end_month = check_arguments(customers, months, end_month)
    own = not isinstance(db_or_con, duckdb.DuckDBPyConnection)
    con = store.connect(db_or_con) if own else db_or_con
    if not own:
        store.migrate(con)
    builder = Builder(con, seed, customers, months, end_month, progress)
    # DuckDB draws its own progress bar on the terminal for long statements; we report our own.
    progress_bar = con.execute("select current_setting('enable_progress_bar')").fetchall()[0][0]
    if progress_bar:  # a hardened connection (store.hardened_config) has it off and locked
        con.execute("set enable_progress_bar = false")
    try:
        refuse_real_data(con)
        builder.report(0.0, "正在准备支行、客户经理与网格")
        con.execute("begin transaction")
        try:
            clear_demo(con)
            ids = {name: con.execute("select nextval('ingest_seq')").fetchall()[0][0] for name in contract.TABLES}
            fill_tables(builder, ids)
            builder.report(0.88, "正在登记导入记录")
            counts = register_ingests(con, builder, ids, f"demo:{builder.seed}:{customers}:{months}:{end_month}")
            record_meta(builder)
            store.sync_layers(con)  # the store's record of layers and coverage, in the same transaction
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
        builder.report(0.92, "正在写入磁盘")
        con.execute("checkpoint")
        builder.report(1.0, "演示数据已生成")
        return {**counts, "first_month": builder.month_names[0], "last_month": builder.month_names[-1]}
    finally:
        builder.drop_temps()
        if own:
            con.close()
        else:
            if progress_bar:
                con.execute("set enable_progress_bar = true")
