"""The DuckDB file: schema, migrations, the ingest log, replace and undo.

One database file holds the contract's tables (money as DECIMAL(18,2) yuan), an
``ingest_log`` and, for every table, a ``<table>_replaced`` archive of the rows an
ingest replaced, so that undoing an ingest restores what was there before it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from . import contract, settings

SCHEMA_VERSION = 1


def connect(db: str | Path | None = None, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the database (creating folder, file and schema as needed)."""
    path = settings.db_path(db)
    if read_only and path.exists():
        return duckdb.connect(str(path), read_only=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    migrate(con)
    return con


def _table_ddl(table: contract.Table, name: str, extra: str = "") -> str:
    cols = ", ".join(f"{c} {t}" for c, t in contract.stored_columns(table))
    return f"create table if not exists {name} ({cols}{extra})"


MIGRATIONS: dict[int, list[str]] = {
    1: [
        "create table if not exists meta (key varchar primary key, value varchar)",
        """create table if not exists ingest_log (
            ingest_id bigint primary key,
            file_name varchar,
            sha256 varchar,
            table_name varchar,
            months varchar,
            branches varchar,
            rows_stored bigint,
            rows_dropped bigint,
            dropped_detail varchar,
            rows_replaced bigint,
            ingested_at timestamp,
            undone_at timestamp
        )""",
        "create sequence if not exists ingest_seq start 1",
        *[_table_ddl(t, t.name) for t in contract.TABLES.values()],
        *[_table_ddl(t, f"{t.name}_replaced", ", replaced_by bigint") for t in contract.TABLES.values()],
    ],
}


def migrate(con: duckdb.DuckDBPyConnection) -> int:
    """Bring the schema up to :data:`SCHEMA_VERSION`; return the version now in force."""
    con.execute("create table if not exists meta (key varchar primary key, value varchar)")
    row = con.execute("select value from meta where key = 'schema_version'").fetchall()
    current = int(row[0][0]) if row else 0
    for version in sorted(v for v in MIGRATIONS if v > current):
        con.execute("begin transaction")
        try:
            for stmt in MIGRATIONS[version]:
                con.execute(stmt)
            con.execute(
                "insert or replace into meta values ('schema_version', $v)", {"v": str(version)}
            )
            con.execute("commit")
        except BaseException:  # Streamlit's rerun and stop too: never leave the transaction open
            con.execute("rollback")
            raise
        current = version
    return current


@dataclass
class Batch:
    """Clean rows for one table from one file, ready to store."""

    table: str
    file_name: str
    sha256: str
    relation_name: str  # a registered relation/view holding the clean rows
    months: list[str]  # months covered (or years, for targets, as text)
    branches: list[str]  # sub-branches covered ('' = whole line, targets only)
    rows: int
    dropped: dict[str, int]


def already_stored(con: duckdb.DuckDBPyConnection, batch: Batch) -> int | None:
    """The ingest id of an earlier, still complete ingest of the very same file and table."""
    rows = con.execute(
        """select ingest_id, rows_stored from ingest_log
           where sha256 = $sha and table_name = $t and undone_at is null
           order by ingest_id desc limit 1""",
        {"sha": batch.sha256, "t": batch.table},
    ).fetchall()
    if not rows:
        return None
    ingest_id, rows_stored = rows[0]
    present = con.execute(
        f"select count(*) from {batch.table} where ingest_id = $i", {"i": ingest_id}
    ).fetchall()[0][0]
    return ingest_id if present == rows_stored and rows_stored == batch.rows else None


def _scope_filter(table: contract.Table) -> str:
    """SQL predicate for the rows an ingest replaces: same months (or year) and sub-branches."""
    if table.kind == "yearly":
        return "cast(year as varchar) in (select unnest($months)) and coalesce(branch, '') in (select unnest($branches))"
    return "month in (select unnest($months)) and branch in (select unnest($branches))"


def replace(con: duckdb.DuckDBPyConnection, batch: Batch) -> tuple[int, int]:
    """Replace the batch's scope with its rows; return (ingest id, rows replaced).

    Must run inside the caller's transaction. The replaced rows move to the archive.
    """
    table = contract.TABLES[batch.table]
    ingest_id = con.execute("select nextval('ingest_seq')").fetchall()[0][0]
    params = {"months": batch.months, "branches": batch.branches}
    where = _scope_filter(table)
    names = [c for c, _ in contract.stored_columns(table)]
    col_list = ", ".join(names)
    con.execute(
        f"insert into {table.name}_replaced select {col_list}, $iid from {table.name} where {where}",
        {**params, "iid": ingest_id},
    )
    replaced = con.execute(f"delete from {table.name} where {where}", params).fetchall()[0][0]
    data_cols = ", ".join(n for n in names if n != "ingest_id")
    con.execute(
        f"insert into {table.name} ({col_list}) select {data_cols}, $iid from {batch.relation_name}",
        {"iid": ingest_id},
    )
    con.execute(
        """insert into ingest_log values ($iid, $file, $sha, $t, $months, $branches, $rows,
           $dropped, $detail, $replaced, $at, null)""",
        {
            "iid": ingest_id,
            "file": batch.file_name,
            "sha": batch.sha256,
            "t": batch.table,
            "months": ",".join(batch.months),
            "branches": ",".join(b or "全条线" for b in batch.branches),
            "rows": batch.rows,
            "dropped": sum(batch.dropped.values()),
            "detail": json.dumps(batch.dropped, ensure_ascii=False),
            "replaced": replaced,
            "at": datetime.now().replace(microsecond=0),
        },
    )
    return ingest_id, replaced


def undo(con: duckdb.DuckDBPyConnection, ingest_id: int) -> dict:
    """Remove one ingest's rows and bring back the rows it replaced, in one transaction."""
    rows = con.execute(
        "select table_name, undone_at, file_name from ingest_log where ingest_id = $i", {"i": ingest_id}
    ).fetchall()
    if not rows:
        raise LookupError(f"没有编号为 {ingest_id} 的导入记录")
    table_name, undone_at, file_name = rows[0]
    if undone_at is not None:
        raise LookupError(f"导入 {ingest_id}（{file_name}）已于 {undone_at} 撤销过")
    table = contract.TABLES[table_name]
    names = ", ".join(c for c, _ in contract.stored_columns(table))
    con.execute("begin transaction")
    try:
        removed = con.execute(
            f"delete from {table_name} where ingest_id = $i", {"i": ingest_id}
        ).fetchall()[0][0]
        restored = con.execute(
            f"insert into {table_name} select {names} from {table_name}_replaced where replaced_by = $i",
            {"i": ingest_id},
        ).fetchall()[0][0]
        con.execute(f"delete from {table_name}_replaced where replaced_by = $i", {"i": ingest_id})
        con.execute(
            "update ingest_log set undone_at = $at where ingest_id = $i",
            {"i": ingest_id, "at": datetime.now().replace(microsecond=0)},
        )
        con.execute("commit")
    except BaseException:  # Streamlit's rerun and stop too: never leave the transaction open
        con.execute("rollback")
        raise
    con.execute("checkpoint")
    return {"ingest_id": ingest_id, "table": table_name, "removed": removed, "restored": restored}


DEMO_FILE_NAME = "演示数据"


def real_ingests(con: duckdb.DuckDBPyConnection) -> int:
    """How many ingests of real (not demo) data are in force."""
    return con.execute(
        "select count(*) from ingest_log where undone_at is null and file_name <> $f", {"f": DEMO_FILE_NAME}
    ).fetchall()[0][0]


def clear_demo(con: duckdb.DuckDBPyConnection) -> int:
    """Remove the demo bank's rows, keeping every uploaded row; return how many rows went.

    The demo's ingests are marked undone, so the history shows what happened.
    """
    ids = [r[0] for r in con.execute(
        "select ingest_id from ingest_log where file_name = $f and undone_at is null", {"f": DEMO_FILE_NAME}
    ).fetchall()]
    removed = 0
    con.execute("begin transaction")
    try:
        for table in contract.TABLES:
            removed += con.execute(f"delete from {table} where ingest_id in (select unnest($ids))", {"ids": ids}).fetchall()[0][0]
            con.execute(f"delete from {table}_replaced where ingest_id in (select unnest($ids))", {"ids": ids})
        con.execute(
            "update ingest_log set undone_at = $at where ingest_id in (select unnest($ids))",
            {"ids": ids, "at": datetime.now().replace(microsecond=0)},
        )
        con.execute("insert or replace into meta values ('demo', 'false')")
        con.execute("commit")
    except BaseException:  # Streamlit's rerun and stop too: never leave the transaction open
        con.execute("rollback")
        raise
    con.execute("checkpoint")
    return removed


def history(con: duckdb.DuckDBPyConnection):
    """The ingest log as a DataFrame, newest first."""
    return con.execute(
        """select ingest_id, ingested_at, file_name, table_name, months, branches,
                  rows_stored, rows_dropped, dropped_detail, rows_replaced, undone_at, sha256
           from ingest_log order by ingest_id desc"""
    ).df()


def months(con: duckdb.DuckDBPyConnection, table: str = "customers") -> list[str]:
    """Months stored for a table, newest first."""
    return [r[0] for r in con.execute(f"select distinct month from {table} order by month desc").fetchall()]


def branches(con: duckdb.DuckDBPyConnection) -> list[str]:
    """All sub-branches that appear in managers or customers, sorted."""
    rows = con.execute(
        "select distinct branch from (select branch from managers union select branch from customers) order by branch"
    ).fetchall()
    return [r[0] for r in rows if r[0]]


@dataclass(frozen=True)
class MonthStatus:
    """What one data month holds of the 管户明细: which sub-branches are in it and which are missing.

    ``expected`` is every sub-branch holding customers in this month or in the stored month
    before it; a month lacking any of them is partial (e.g. 2 of 10 sub-branches uploaded).
    """

    month: str
    present: tuple[str, ...]
    expected: tuple[str, ...]

    @property
    def missing(self) -> tuple[str, ...]:
        """Expected sub-branches with no customers stored in this month."""
        have = set(self.present)
        return tuple(b for b in self.expected if b not in have)

    @property
    def complete(self) -> bool:
        """True when no expected sub-branch is missing."""
        return not self.missing

    def has(self, branch: str | None) -> bool:
        """Whether the month is complete for a scope: the whole line (``None``) or one sub-branch."""
        return self.complete if branch is None else branch in self.present


def month_status(con: duckdb.DuckDBPyConnection) -> list[MonthStatus]:
    """Per stored month (newest first), the sub-branches present and expected in the 管户明细."""
    pairs = con.execute(
        "select distinct month, branch from customers where month is not null and branch is not null"
    ).fetchall()
    by_month: dict[str, set[str]] = {}
    for month, branch in pairs:
        by_month.setdefault(month, set()).add(branch)
    ordered = sorted(by_month)
    statuses = []
    for i, month in enumerate(ordered):
        previous = by_month[ordered[i - 1]] if i else set()
        present = by_month[month]
        statuses.append(MonthStatus(month, tuple(sorted(present)), tuple(sorted(present | previous))))
    return statuses[::-1]


def newest_complete_month(statuses: list[MonthStatus], branch: str | None = None) -> str | None:
    """The newest month complete for the scope (the whole line or one sub-branch), else the newest month."""
    for status in statuses:
        if status.has(branch):
            return status.month
    return statuses[0].month if statuses else None
