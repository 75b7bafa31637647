"""The DuckDB file: schema, migrations, the ingest log, batches stored and undone, coverage.

One database file holds the contract's tables (money as DECIMAL(18,2) yuan) and the
record of how they got there:

- ``ingest_log``: one row per stored sheet (an *import*), with the file, table, months,
  sub-branches and row counts; ``ingest_batch`` says which *batch* (one confirm on the
  upload page, one ``ingest`` command) each import belongs to. A batch is stored and
  undone as one.
- A *slot* is one table × data month (a year for targets) × sub-branch. A batch that
  stores rows in a slot replaces the slot's rows as a new *layer*: ``ingest_slots`` lists
  the active layers (batch × slot, with row counts), and ``<table>_replaced`` keeps the
  rows each layer replaced, tagged ``replaced_by`` = the batch.
- ``coverage``: what every slot holds now (rows, and the batch on top), kept in step by
  every write in the same transaction. :func:`month_status` and the upload page's
  month × sub-branch grid read it.

The invariant every write keeps: a slot holds the rows of its newest active layer (or the
rows that were there before any recorded layer), and the archive of every active layer
holds the rows of the next active layer below it. Undoing a batch removes its layers:
where a layer is on top, the rows below come back; where a later batch already replaced
it, the stored rows stay and the later layer's archive is relinked to what lay below.
So after any sequence of ingests and undos the stored rows are what the remaining active
imports say, whatever the order of the undos.

Writers are serialised: :func:`writing` holds a process-wide lock around the transaction,
and a DuckDB transaction conflict becomes :class:`StoreBusy` with a Chinese message.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd

from . import audit, contract, settings

SCHEMA_VERSION = 4
DEMO_FILE_NAME = "演示数据"
WHOLE_LINE = "全条线"

# One writer at a time in this process (two sessions of one Streamlit server share it).
_WRITE_LOCK = threading.Lock()
WRITE_WAIT_SECONDS = 120


class StoreBusy(Exception):
    """Another write held the database; nothing was written. The message is for the user."""


def connect(db: str | Path | None = None, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the database (creating folder, file and schema as needed)."""
    path = settings.db_path(db)
    if read_only and path.exists():
        con = _locked(duckdb.connect(str(path), read_only=True, config=hardened_config()))
        if _schema_version(con) < SCHEMA_VERSION:
            # A database from an older version: upgrade it once (briefly writable), then read it.
            con.close()
            try:
                writer = _locked(duckdb.connect(str(path), config=hardened_config()))
            except duckdb.IOException as exc:
                raise StoreBusy(
                    f"数据库 {path.name} 的结构来自旧版本，需要升级一次，但它正被另一个程序以写方式打开。"
                    "请先关闭那个程序（或在那里完成升级）后再试。"
                ) from exc
            try:
                migrate(writer)
            finally:
                writer.close()
            con = _locked(duckdb.connect(str(path), read_only=True, config=hardened_config()))
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        con = _locked(duckdb.connect(str(path), config=hardened_config()))
        migrate(con)
    from . import models  # imported here: models needs nothing of store

    return models.ensure(con)  # the shared SQL views and macros (queries/models/), after migrations


def _locked(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    # No terminal progress bars from a server or a long demo build (a per-connection
    # option, so set before the configuration is locked).
    con.execute("set enable_progress_bar = false")
    con.execute("set lock_configuration = true")
    return con


def hardened_config() -> dict:
    """DuckDB settings of every connection puhui opens: no file or network access from SQL,
    no extension loaded or installed on the fly, bounded memory and threads, and locked so
    that no statement can change them afterwards.

    Uploaded data reaches DuckDB as registered Arrow tables, never as a path in SQL.
    """
    return {
        "enable_external_access": False,
        "autoload_known_extensions": False,
        "autoinstall_known_extensions": False,
        "memory_limit": str(settings.get("db_memory_limit")),
        "threads": max(1, min(int(settings.get("db_threads")), os.cpu_count() or 1)),
    }  # locked by _locked() once the connection's own options are set


def _table_ddl(table: contract.Table, name: str, extra: str = "") -> str:
    cols = ", ".join(f"{c} {t}" for c, t in contract.stored_columns(table))
    return f"create table if not exists {name} ({cols}{extra})"


def _v2_fill(con: duckdb.DuckDBPyConnection) -> None:
    sync_layers(con)


MIGRATIONS: dict[int, list[str | Callable[[duckdb.DuckDBPyConnection], None]]] = {
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
    # Batches, layers and coverage; existing ingests become one-import batches whose
    # layers are read back from their rows and from the archive.
    2: [
        "create table if not exists ingest_batch (ingest_id bigint primary key, batch_id bigint not null)",
        """create table if not exists ingest_slots (
            batch_id bigint not null,
            table_name varchar not null,
            period varchar not null,
            branch varchar not null,
            rows_new bigint,
            rows_replaced bigint
        )""",
        """create table if not exists coverage (
            table_name varchar not null,
            period varchar not null,
            branch varchar not null,
            rows bigint not null,
            batch_id bigint,
            primary key (table_name, period, branch)
        )""",
        _v2_fill,
    ],
    # Who did what: appended by the app (puhui/audit.py), read on the 审计 page.
    3: list(audit.DDL),
    # The 考核方案 table (issue 14) in databases created before it (newer ones have it from version 1).
    4: [
        _table_ddl(contract.SCHEME, contract.SCHEME.name),
        _table_ddl(contract.SCHEME, f"{contract.SCHEME.name}_replaced", ", replaced_by bigint"),
    ],
}


def _schema_version(con: duckdb.DuckDBPyConnection) -> int:
    """The schema version a database holds (0 without the meta table)."""
    try:
        row = con.execute("select value from meta where key = 'schema_version'").fetchall()
    except duckdb.CatalogException:
        return 0
    return int(row[0][0]) if row else 0


def migrate(con: duckdb.DuckDBPyConnection) -> int:
    """Bring the schema up to :data:`SCHEMA_VERSION`; return the version now in force."""
    con.execute("create table if not exists meta (key varchar primary key, value varchar)")
    row = con.execute("select value from meta where key = 'schema_version'").fetchall()
    current = int(row[0][0]) if row else 0
    for version in sorted(v for v in MIGRATIONS if v > current):
        con.execute("begin transaction")
        try:
            for step in MIGRATIONS[version]:
                if callable(step):
                    step(con)
                else:
                    con.execute(step)
            con.execute("insert or replace into meta values ('schema_version', $v)", {"v": str(version)})
            con.execute("commit")
        except BaseException:  # Streamlit's rerun and stop too: never leave the transaction open
            con.execute("rollback")
            raise
        current = version
    return current


# --- writers -------------------------------------------------------------------------------


BUSY_MESSAGE = "数据库正在写入另一批导入或撤销，本次操作没有写入任何数据。请稍等片刻后重新点击确认。"


@contextmanager
def writing(con: duckdb.DuckDBPyConnection, wait: float = WRITE_WAIT_SECONDS) -> Iterator[None]:
    """One transaction under the process-wide writer lock; all of it is stored or none of it.

    A second writer waits for the first; if it waits longer than ``wait`` seconds, or
    DuckDB still reports a transaction conflict (another process), :class:`StoreBusy`
    is raised and nothing is written.
    """
    if not _WRITE_LOCK.acquire(timeout=wait):
        raise StoreBusy(BUSY_MESSAGE)
    try:
        con.execute("begin transaction")
        try:
            yield
            con.execute("commit")
        except duckdb.TransactionException as exc:
            _rollback(con)
            raise StoreBusy(BUSY_MESSAGE) from exc
        except BaseException:
            _rollback(con)
            raise
        try:
            con.execute("checkpoint")
        except duckdb.Error:
            pass  # another session's open read; DuckDB checkpoints on its own later
    finally:
        _WRITE_LOCK.release()


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    try:
        con.execute("rollback")
    except duckdb.Error:
        pass  # the failed commit already ended the transaction


# --- slots -------------------------------------------------------------------------------------


def slot_exprs(table: contract.Table) -> tuple[str, str]:
    """SQL for a row's slot: (period, sub-branch); a target's period is its year, '' its whole line."""
    period = "cast(year as varchar)" if table.kind == "yearly" else "month"
    return period, "coalesce(branch, '')"


@dataclass(frozen=True)
class SlotSet:
    """A set of slots bound as two list parameters (``$<name>_p``, ``$<name>_b``) of a query.

    Lists, not a temp table: creating a temp table costs DuckDB more than the whole query.
    """

    name: str
    periods: tuple[str, ...]
    branches: tuple[str, ...]

    @property
    def source(self) -> str:
        """SQL for the slots as a relation (period, branch)."""
        return f"(select unnest(${self.name}_p::varchar[]) as period, unnest(${self.name}_b::varchar[]) as branch)"

    @property
    def params(self) -> dict:
        """The query parameters the SQL of this set needs."""
        return {f"{self.name}_p": list(self.periods), f"{self.name}_b": list(self.branches)}


def _stage_slots(con, name: str, slots) -> SlotSet:
    """``slots`` [(period, branch)] as a :class:`SlotSet` named ``name``."""
    slots = list(slots)
    return SlotSet(name.strip("_"), tuple(s[0] for s in slots), tuple(s[1] for s in slots))


def _in_slots(table: contract.Table, slots: SlotSet) -> str:
    """SQL predicate: the row's slot is one of ``slots`` (the period test first, for speed)."""
    period, branch = slot_exprs(table)
    return (
        f"{period} in (select period from {slots.source}) "
        f"and ({period}, {branch}) in (select (period, branch) from {slots.source})"
    )


def _names(table: contract.Table) -> list[str]:
    return [c for c, _ in contract.stored_columns(table)]


@dataclass
class SheetRows:
    """The clean rows of one sheet, ready to store (``relation`` is SQL selecting the good rows)."""

    file_name: str
    sha256: str
    relation: str
    months: list[str]
    branches: list[str]
    rows: int
    dropped: dict[str, int] = field(default_factory=dict)


@dataclass
class SlotChange:
    """What storing a batch did (or would do) to one slot."""

    table: str
    period: str
    branch: str
    rows_before: int
    rows_after: int
    files: list[str]
    status: str  # 新增 / 替换 / 相同


@dataclass
class Stored:
    """The outcome of :func:`store_batch`."""

    batch_id: int | None
    ingest_ids: dict[int, int]  # sheet position → ingest id (sheets that stored rows)
    same_as: dict[int, int | None]  # sheet position → batch already holding it (unchanged sheets)
    changes: list[SlotChange]
    replaced: dict[int, int]  # sheet position → rows replaced (each slot counted on its first sheet)


@dataclass
class _Group:
    """One table's sheets in a batch: their rows staged as one union, counted per slot."""

    table: contract.Table
    sheets: list[SheetRows]
    positions: list[int]  # the sheets' positions in the batch
    cols: str  # the stored data columns, comma-separated
    stage: str  # SQL: the sheets' rows, each tagged with its index in ``sheets`` as ``_sheet``
    per_sheet: list[tuple[str, str, int, int]]  # (period, branch, sheet index, rows)
    slot_files: dict[tuple[str, str], list[int]] = field(default_factory=dict)  # slot → sheet indexes
    slot_rows: dict[tuple[str, str], int] = field(default_factory=dict)  # slot → rows in the batch


@dataclass
class _BatchState:
    """What storing a batch has done so far, across its tables."""

    at: datetime
    batch_id: int | None = None
    ingest_ids: dict[int, int] = field(default_factory=dict)
    same_as: dict[int, int | None] = field(default_factory=dict)
    replaced_by_sheet: dict[int, int] = field(default_factory=dict)
    changes: list[SlotChange] = field(default_factory=list)


def _stage_group(con, table_name: str, sheets: list[SheetRows], positions: list[int]) -> _Group:
    """Stage one table's sheets (a subquery over their temp tables) and count their rows per slot."""
    table = contract.TABLES[table_name]
    cols = ", ".join(n for n in _names(table) if n != "ingest_id")
    period, branch = slot_exprs(table)
    stage = (
        "("
        + " union all ".join(f"select {cols}, {i} as _sheet from ({s.relation})" for i, s in enumerate(sheets))
        + ")"
    )
    per_sheet = con.execute(
        f"select {period} as p, {branch} as b, _sheet, count(*) from {stage} group by all order by 1, 2, 3"
    ).fetchall()
    group = _Group(table, sheets, positions, cols, stage, per_sheet)
    for p, b, sheet_index, n in per_sheet:
        group.slot_files.setdefault((p, b), []).append(sheet_index)
        group.slot_rows[(p, b)] = group.slot_rows.get((p, b), 0) + n
    return group


def _rows_stored(con, group: _Group) -> dict[tuple[str, str], int]:
    """Rows stored now in each of the group's slots (slots holding none are absent)."""
    table = group.table
    period, branch = slot_exprs(table)
    slots = _stage_slots(con, "_store_slots", group.slot_files)
    return dict(
        ((p, b), n)
        for p, b, n in con.execute(
            f"select {period}, {branch}, count(*) from {table.name} where {_in_slots(table, slots)} group by all",
            slots.params,
        ).fetchall()
    )


def _differing_slots(con, group: _Group, before: dict[tuple[str, str], int]) -> set[tuple[str, str]]:
    """The slots whose new rows differ from their stored rows.

    A slot whose row count changes differs. Slots of equal counts are compared by a content
    fingerprint: two independent 64-bit row hashes summed over the slot (a multiset hash),
    computed on the stored types so that 5 and 5::bigint hash alike.
    """
    table = group.table
    period, branch = slot_exprs(table)
    differing = {slot for slot, n in group.slot_rows.items() if before.get(slot, 0) != n}
    alike = _stage_slots(con, "_store_alike", sorted(set(group.slot_rows) - differing))
    if alike.periods:
        typed = ", ".join(f"cast({c} as {t})" for c, t in contract.stored_columns(table) if c != "ingest_id")
        fingerprint = f"sum(hash({typed})::hugeint), sum(hash(hash({typed}))::hugeint)"
        prints = {}
        for side, source in (("new", group.stage), ("old", table.name)):
            prints[side] = {
                (p, b): rest
                for p, b, *rest in con.execute(
                    f"select {period}, {branch}, {fingerprint} from {source} where {_in_slots(table, alike)} group by all",
                    alike.params,
                ).fetchall()
            }
        differing |= {
            slot for slot in zip(alike.periods, alike.branches) if prints["new"].get(slot) != prints["old"].get(slot)
        }
    return differing


def _slot_changes(group: _Group, before: dict, differing: set) -> list[SlotChange]:
    """What storing the group does to each of its slots: 新增, 替换 or 相同."""
    changes = []
    for (p, b), sheet_indexes in sorted(group.slot_files.items()):
        files = [group.sheets[i].file_name for i in sheet_indexes]
        status = "相同" if (p, b) not in differing else ("替换" if before.get((p, b)) else "新增")
        after = group.slot_rows[(p, b)] if status != "相同" else before.get((p, b), 0)
        changes.append(SlotChange(group.table.name, p, b, before.get((p, b), 0), after, files, status))
    return changes


def _held_by(group: _Group, tops: dict, sheet_index: int) -> int | None:
    """The latest batch already holding an unchanged sheet's slots (None when none recorded)."""
    held = {tops.get(slot) for slot, idx in group.slot_files.items() if sheet_index in idx}
    return max((h for h in held if h is not None), default=None)


def _assign_ingests(con, state: _BatchState, group: _Group, differing: set, tops: dict) -> dict[int, int]:
    """A new ingest id for each sheet with rows in a differing slot (the first is the batch's id);
    the other sheets are noted as held by the batch already holding them. Returns sheet index → id."""
    storing = sorted({i for slot in differing for i in group.slot_files[slot]})
    ids = {}
    for i in storing:
        ids[i] = con.execute("select nextval('ingest_seq')").fetchall()[0][0]
        if state.batch_id is None:
            state.batch_id = ids[i]
    for i, pos in enumerate(group.positions):
        if i in ids:
            state.ingest_ids[pos] = ids[i]
        else:
            state.same_as[pos] = _held_by(group, tops, i)
    return ids


def _replace_slots(
    con, state: _BatchState, group: _Group, differing: set, ids: dict[int, int], before: dict
) -> SlotSet:
    """Move the differing slots' stored rows to ``<table>_replaced``, store the new rows and
    record the layers in ``ingest_slots``. Returns the slots changed."""
    table = group.table
    changed = _stage_slots(con, "_store_changed", sorted(differing))
    name_list = ", ".join(_names(table))
    con.execute(
        f"insert into {table.name}_replaced select {name_list}, $batch from {table.name} "
        f"where {_in_slots(table, changed)}",
        {"batch": state.batch_id, **changed.params},
    )
    con.execute(f"delete from {table.name} where {_in_slots(table, changed)}", changed.params)
    id_list = [ids.get(i, 0) for i in range(len(group.sheets))]
    con.execute(
        f"insert into {table.name} ({name_list}) select {group.cols}, $ids[_sheet + 1] from {group.stage} "
        f"where {_in_slots(table, changed)}",
        {"ids": id_list, **changed.params},
    )
    layers = sorted(differing)
    con.execute(
        """insert into ingest_slots select $batch, $t, unnest($p::varchar[]), unnest($b::varchar[]),
               unnest($new::bigint[]), unnest($old::bigint[])""",
        {
            "batch": state.batch_id,
            "t": table.name,
            "p": [p for p, _ in layers],
            "b": [b for _, b in layers],
            "new": [group.slot_rows[x] for x in layers],
            "old": [before.get(x, 0) for x in layers],
        },
    )
    return changed


def _log_ingests(con, state: _BatchState, group: _Group, differing: set, ids: dict[int, int], before: dict) -> None:
    """One ``ingest_log`` row (and its ``ingest_batch`` row) per stored sheet: rows stored,
    dropped and replaced (each replaced slot counted on its first sheet)."""
    stored_rows = {i: 0 for i in ids}
    replaced_rows = {i: 0 for i in ids}
    for p, b, sheet_index, n in group.per_sheet:
        if (p, b) in differing:
            stored_rows[sheet_index] += n
    for slot in differing:
        replaced_rows[group.slot_files[slot][0]] += before.get(slot, 0)
    for i, ingest_id in ids.items():
        sheet = group.sheets[i]
        state.replaced_by_sheet[group.positions[i]] = replaced_rows[i]
        con.execute(
            """insert into ingest_log values ($iid, $file, $sha, $t, $months, $branches, $rows,
               $dropped, $detail, $replaced, $at, null)""",
            {
                "iid": ingest_id,
                "file": sheet.file_name,
                "sha": sheet.sha256,
                "t": group.table.name,
                "months": ",".join(sheet.months),
                "branches": ",".join(b or WHOLE_LINE for b in sheet.branches),
                "rows": stored_rows[i],
                "dropped": sum(sheet.dropped.values()),
                "detail": json.dumps(sheet.dropped, ensure_ascii=False),
                "replaced": replaced_rows[i],
                "at": state.at,
            },
        )
        con.execute("insert into ingest_batch values ($i, $b)", {"i": ingest_id, "b": state.batch_id})


def _store_group(con, state: _BatchState, group: _Group) -> None:
    """Store one table's sheets: compare each slot with what is stored, replace those that differ."""
    if not group.per_sheet:
        for pos in group.positions:
            state.same_as[pos] = None
        return
    before = _rows_stored(con, group)
    differing = _differing_slots(con, group, before)
    tops = _top_batches(con, group.table.name, group.slot_files)
    state.changes.extend(_slot_changes(group, before, differing))
    if not differing:
        for i, pos in enumerate(group.positions):
            state.same_as[pos] = _held_by(group, tops, i)
        return
    ids = _assign_ingests(con, state, group, differing, tops)
    changed = _replace_slots(con, state, group, differing, ids, before)
    _log_ingests(con, state, group, differing, ids, before)
    _refresh_coverage(con, group.table, changed)


def store_batch(con: duckdb.DuckDBPyConnection, groups: list[tuple[str, list[SheetRows]]]) -> Stored:
    """Store one batch: per table, the sheets' rows combined per slot, replacing each slot as a new layer.

    ``groups`` is [(table name, sheets)], sheet positions numbered across the groups in
    order. Several sheets in one slot are appended, never one replacing the other. A slot
    whose new rows equal its stored rows is left alone (no layer): storing the same
    content again changes nothing. Must run inside :func:`writing`.
    """
    state = _BatchState(at=datetime.now().replace(microsecond=0))
    position = 0
    for table_name, sheets in groups:
        positions = list(range(position, position + len(sheets)))
        position += len(sheets)
        _store_group(con, state, _stage_group(con, table_name, sheets, positions))
    return Stored(state.batch_id, state.ingest_ids, state.same_as, state.changes, state.replaced_by_sheet)


def slot_counts(con: duckdb.DuckDBPyConnection, table_name: str, slots) -> dict[tuple[str, str], int]:
    """Rows stored now in each of ``slots`` of a table (slots holding none are absent)."""
    table = contract.TABLES[table_name]
    slots = list(slots)
    if not slots:
        return {}
    period, branch = slot_exprs(table)
    staged = _stage_slots(con, "_count_slots", slots)
    return {
        (p, b): n
        for p, b, n in con.execute(
            f"select {period}, {branch}, count(*) from {table.name} where {_in_slots(table, staged)} group by all",
            staged.params,
        ).fetchall()
    }


def _top_batches(con, table_name: str, slots) -> dict[tuple[str, str], int]:
    """The batch on top of each slot (slots without a recorded layer are absent)."""
    slots = list(slots)
    if not slots:
        return {}
    staged = _stage_slots(con, "_top_slots", slots)
    return {
        (p, b): top
        for p, b, top in con.execute(
            f"""select s.period, s.branch, max(s.batch_id) from ingest_slots s
                where s.table_name = $t and (s.period, s.branch) in (select (period, branch) from {staged.source})
                group by all""",
            {"t": table_name, **staged.params},
        ).fetchall()
    }


# --- undo ------------------------------------------------------------------------------------


def batch_of(con: duckdb.DuckDBPyConnection, ingest_id: int) -> int:
    """The batch an import belongs to; raise LookupError (in Chinese) for an unknown id."""
    rows = con.execute(
        """select coalesce(b.batch_id, l.ingest_id) from ingest_log l
           left join ingest_batch b using (ingest_id) where l.ingest_id = $i""",
        {"i": ingest_id},
    ).fetchall()
    if not rows:
        raise LookupError(f"没有编号为 {ingest_id} 的导入记录")
    return int(rows[0][0])


def batch_members(con: duckdb.DuckDBPyConnection, batch_id: int) -> list[dict]:
    """The imports of a batch: ingest id, file, table, months, sub-branches, rows, undone time."""
    rows = con.execute(
        """select l.ingest_id, l.file_name, l.table_name, l.months, l.branches, l.rows_stored, l.undone_at
           from ingest_log l left join ingest_batch b using (ingest_id)
           where coalesce(b.batch_id, l.ingest_id) = $b order by l.ingest_id""",
        {"b": batch_id},
    ).fetchall()
    keys = ("ingest_id", "file", "table", "months", "branches", "rows", "undone_at")
    return [dict(zip(keys, r)) for r in rows]


@dataclass
class UndoEffect:
    """What undoing a batch does to one slot it holds a layer in."""

    table: str
    period: str
    branch: str
    rows_now: int
    rows_after: int
    covered_by: int | None  # a later active batch holding the slot (then the stored rows stay)


def undo_effects(con: duckdb.DuckDBPyConnection, batch_id: int) -> list[UndoEffect]:
    """Per slot, what undoing ``batch_id`` would leave (read only; shown before the user confirms)."""
    layers = _layers_with_above(con, batch_id)
    now: dict[tuple[str, str, str], int] = {}
    back: dict[tuple[str, str, str], int] = {}
    # One count per table, not per slot: a batch of a year's months for every sub-branch
    # holds hundreds of slots, each a scan of a provincial book.
    for table_name in dict.fromkeys(layer[0] for layer in layers):
        slots = [(p, b) for t, p, b, _ in layers if t == table_name]
        now |= {(table_name, *slot): n for slot, n in slot_counts(con, table_name, slots).items()}
        pe, be = slot_exprs(contract.TABLES[table_name])
        back |= {
            (table_name, p, b): n
            for p, b, n in con.execute(
                f"select {pe}, {be}, count(*) from {table_name}_replaced where replaced_by = $b group by all",
                {"b": batch_id},
            ).fetchall()
        }
    effects = []
    for table_name, period, branch, above in layers:
        rows_now = now.get((table_name, period, branch), 0)
        after = back.get((table_name, period, branch), 0) if above is None else rows_now
        effects.append(UndoEffect(table_name, period, branch, rows_now, after, above))
    return effects


def _layers_with_above(con, batch_id: int) -> list[tuple[str, str, str, int | None]]:
    return con.execute(
        """select s.table_name, s.period, s.branch,
                  (select min(x.batch_id) from ingest_slots x
                   where x.table_name = s.table_name and x.period = s.period and x.branch = s.branch
                     and x.batch_id > s.batch_id) as above
           from ingest_slots s where s.batch_id = $b order by 1, 2, 3""",
        {"b": batch_id},
    ).fetchall()


def undo(con: duckdb.DuckDBPyConnection, ingest_id: int) -> dict:
    """Undo the whole batch an import belongs to, in one transaction; return what it did.

    Where the batch's layer is on top of a slot, its rows go and the rows it replaced come
    back; where a later batch already replaced them, the stored rows stay and that later
    batch will, if undone in turn, bring back what lay below this one.
    """
    batch_id = batch_of(con, ingest_id)
    with writing(con):
        members = batch_members(con, batch_id)
        active = [m for m in members if m["undone_at"] is None]
        if not active:
            first = members[0]
            raise LookupError(
                f"导入 {ingest_id}（{first['file']}）已于 {first['undone_at']:%Y-%m-%d %H:%M:%S} 撤销过"
                if first["undone_at"] is not None
                else f"导入 {ingest_id} 已撤销过"
            )
        removed = restored = 0
        kept: list[UndoEffect] = []
        layers = _layers_with_above(con, batch_id)
        by_table: dict[str, list[tuple[str, str, int | None]]] = {}
        for table_name, period, branch, above in layers:
            by_table.setdefault(table_name, []).append((period, branch, above))
        for table_name, slots in by_table.items():
            table = contract.TABLES[table_name]
            names = ", ".join(_names(table))
            tops = [(p, b) for p, b, above in slots if above is None]
            if tops:
                staged = _stage_slots(con, "_undo_top", tops)
                removed += con.execute(
                    f"delete from {table_name} where {_in_slots(table, staged)}", staged.params
                ).fetchall()[0][0]
                restored += con.execute(
                    f"insert into {table_name} select {names} from {table_name}_replaced "
                    f"where replaced_by = $b and {_in_slots(table, staged)}",
                    {"b": batch_id, **staged.params},
                ).fetchall()[0][0]
                con.execute(
                    f"delete from {table_name}_replaced where replaced_by = $b and {_in_slots(table, staged)}",
                    {"b": batch_id, **staged.params},
                )
            aboves: dict[int, list[tuple[str, str]]] = {}
            for p, b, above in slots:
                if above is not None:
                    aboves.setdefault(above, []).append((p, b))
            for above, covered in aboves.items():
                staged = _stage_slots(con, "_undo_covered", covered)
                # The later layer archived this batch's rows; it now archives what lay below.
                con.execute(
                    f"delete from {table_name}_replaced where replaced_by = $a and {_in_slots(table, staged)}",
                    {"a": above, **staged.params},
                )
                con.execute(
                    f"update {table_name}_replaced set replaced_by = $a where replaced_by = $b and {_in_slots(table, staged)}",
                    {"a": above, "b": batch_id, **staged.params},
                )
                counts = slot_counts(con, table_name, covered)
                kept += [
                    UndoEffect(table_name, p, b, counts.get((p, b), 0), counts.get((p, b), 0), above)
                    for p, b in covered
                ]
        for table_name in contract.TABLES:
            con.execute(f"delete from {table_name}_replaced where replaced_by = $b", {"b": batch_id})
        con.execute("delete from ingest_slots where batch_id = $b", {"b": batch_id})
        con.execute(
            "update ingest_log set undone_at = $at where ingest_id in (select unnest($ids)) and undone_at is null",
            {"ids": [m["ingest_id"] for m in active], "at": datetime.now().replace(microsecond=0)},
        )
        for table_name, slots in by_table.items():
            _refresh_coverage(con, contract.TABLES[table_name], [(p, b) for p, b, _ in slots])
    tables = sorted({m["table"] for m in active})
    return {
        "ingest_id": ingest_id,
        "batch_id": batch_id,
        "ingest_ids": [m["ingest_id"] for m in active],
        "files": [m["file"] for m in active],
        "table": "、".join(tables),
        "tables": tables,
        "removed": removed,
        "restored": restored,
        "kept": kept,
    }


# --- the demo bank and legacy databases --------------------------------------------------------


def real_ingests(con: duckdb.DuckDBPyConnection) -> int:
    """How many ingests of real (not demo) data are in force."""
    return con.execute(
        "select count(*) from ingest_log where undone_at is null and file_name <> $f", {"f": DEMO_FILE_NAME}
    ).fetchall()[0][0]


def clear_demo(con: duckdb.DuckDBPyConnection) -> int:
    """Remove the demo bank's rows, keeping every uploaded row; return how many rows went.

    The demo's ingests are marked undone, so the history shows what happened. Where an
    upload replaced demo rows, undoing that upload later brings back nothing.
    """
    ids = [
        r[0]
        for r in con.execute(
            "select ingest_id from ingest_log where file_name = $f and undone_at is null", {"f": DEMO_FILE_NAME}
        ).fetchall()
    ]
    removed = 0
    with writing(con):
        for table in contract.TABLES:
            removed += con.execute(
                f"delete from {table} where ingest_id in (select unnest($ids))", {"ids": ids}
            ).fetchall()[0][0]
            con.execute(f"delete from {table}_replaced where ingest_id in (select unnest($ids))", {"ids": ids})
        con.execute(
            "update ingest_log set undone_at = $at where ingest_id in (select unnest($ids))",
            {"ids": ids, "at": datetime.now().replace(microsecond=0)},
        )
        con.execute("insert or replace into meta values ('demo', 'false')")
        sync_layers(con)
    return removed


def sync_layers(con: duckdb.DuckDBPyConnection) -> None:
    """Bring batches, layers and coverage in line with the ingest log and the stored rows.

    For rows written outside :func:`store_batch` — databases from before batches (schema
    1), the demo build (which calls this inside its transaction) — every active import
    without a layer gets one read back from its rows and from the archive. Layers of
    undone imports go. Coverage is recomputed from the tables.
    """
    con.execute(
        """delete from ingest_slots where batch_id not in (
               select coalesce(b.batch_id, l.ingest_id) from ingest_log l
               left join ingest_batch b using (ingest_id) where l.undone_at is null)"""
    )
    con.execute("delete from ingest_batch where ingest_id not in (select ingest_id from ingest_log)")
    con.execute(
        "insert into ingest_batch select ingest_id, ingest_id from ingest_log "
        "where ingest_id not in (select ingest_id from ingest_batch)"
    )
    for table in contract.TABLES.values():
        need = [
            r[0]
            for r in con.execute(
                """select distinct b.batch_id from ingest_log l join ingest_batch b using (ingest_id)
               where l.undone_at is null and l.table_name = $t
                 and b.batch_id not in (select batch_id from ingest_slots where table_name = $t)""",
                {"t": table.name},
            ).fetchall()
        ]
        if not need:
            continue
        period, branch = slot_exprs(table)
        con.execute(
            f"""insert into ingest_slots
                with members as (
                    select b.ingest_id, b.batch_id from ingest_batch b join ingest_log l using (ingest_id)
                    where l.undone_at is null and l.table_name = $t and b.batch_id in (select unnest($need)))
                select batch_id, $t, p, br, sum(n_new), sum(n_old) from (
                    select m.batch_id, {period} as p, {branch} as br, count(*) as n_new, 0 as n_old
                    from {table.name} x join members m on x.ingest_id = m.ingest_id group by all
                    union all
                    select m.batch_id, {period}, {branch}, count(*), 0
                    from {table.name}_replaced x join members m on x.ingest_id = m.ingest_id group by all
                    union all
                    select x.replaced_by, {period}, {branch}, 0, count(*)
                    from {table.name}_replaced x where x.replaced_by in (select unnest($need)) group by all)
                group by all""",
            {"t": table.name, "need": need},
        )
    refresh_coverage(con)


def refresh_coverage(con: duckdb.DuckDBPyConnection, tables: list[str] | None = None) -> None:
    """Recompute coverage from the stored rows (after rows were written by other means than this module)."""
    for name in tables or list(contract.TABLES):
        _refresh_coverage(con, contract.TABLES[name], None)


def _refresh_coverage(con, table: contract.Table, slots) -> None:
    """Recount ``slots`` (a list or a :class:`SlotSet`; None: every slot) of a table."""
    period, branch = slot_exprs(table)
    params: dict = {"t": table.name}
    if slots is None:
        con.execute("delete from coverage where table_name = $t", params)
        where = f"{period} is not null"
    else:
        staged = slots if isinstance(slots, SlotSet) else _stage_slots(con, "coverage_slots", slots)
        params.update(staged.params)
        con.execute(
            f"delete from coverage where table_name = $t and (period, branch) in (select (period, branch) from {staged.source})",
            params,
        )
        where = _in_slots(table, staged)
    con.execute(
        f"""insert into coverage
            select $t, c.p, c.b, c.n, s.top from (
                select {period} as p, {branch} as b, count(*) as n from {table.name} where {where} group by all) c
            left join (select period, branch, max(batch_id) as top from ingest_slots where table_name = $t group by all) s
              on s.period = c.p and s.branch = c.b""",
        params,
    )


# --- reading the record --------------------------------------------------------------------------


def history(con: duckdb.DuckDBPyConnection):
    """The ingest log as a DataFrame, newest first, with the batch of every import."""
    return con.execute(
        """select l.ingest_id, coalesce(b.batch_id, l.ingest_id) as batch_id, l.ingested_at, l.file_name,
                  l.table_name, l.months, l.branches, l.rows_stored, l.rows_dropped, l.dropped_detail,
                  l.rows_replaced, l.undone_at, l.sha256
           from ingest_log l left join ingest_batch b using (ingest_id) order by l.ingest_id desc"""
    ).df()


def batches(con: duckdb.DuckDBPyConnection, active_only: bool = True) -> pd.DataFrame:
    """One row per batch, newest first: files, tables, months, sub-branches, rows stored, undone time."""
    frame = history(con)
    columns = [
        "batch_id",
        "ingested_at",
        "files",
        "tables",
        "months",
        "branches",
        "rows_stored",
        "imports",
        "undone_at",
    ]
    rows = []
    for batch_id, group in frame.groupby("batch_id", sort=False):
        group = group.sort_values("ingest_id")
        undone = group["undone_at"].dropna()
        if active_only and group["undone_at"].notna().all():
            continue

        def joined(values):
            seen = []
            for value in values:
                for part in str(value).split(","):
                    if part and part not in seen:
                        seen.append(part)
            return "、".join(seen)

        rows.append(
            {
                "batch_id": int(batch_id),
                "ingested_at": group["ingested_at"].iloc[0],
                "files": joined(group["file_name"]),
                "tables": joined(contract.TABLES[t].label if t in contract.TABLES else t for t in group["table_name"]),
                "months": joined(group["months"]),
                "branches": joined(group["branches"]),
                "rows_stored": int(group["rows_stored"].sum()),
                "imports": len(group),
                "undone_at": undone.iloc[0] if len(undone) == len(group) else None,
            }
        )
    # Every batch undone (or none stored) gives an empty frame with its columns, never a KeyError.
    return pd.DataFrame(rows, columns=columns).sort_values("batch_id", ascending=False).reset_index(drop=True)


def coverage(con: duckdb.DuckDBPyConnection, table: str | None = None) -> pd.DataFrame:
    """What each slot holds now: table_name, period (month or year), branch, rows, batch_id on top."""
    sql = "select table_name, period, branch, rows, batch_id from coverage"
    params = {}
    if table:
        sql += " where table_name = $t"
        params["t"] = table
    return con.execute(sql + " order by table_name, period desc, branch", params).df()


def coverage_grid(con: duckdb.DuckDBPyConnection, table: str = "customers", months: int = 12) -> pd.DataFrame:
    """A period × sub-branch grid of one table for the upload page: ``✓ 1,234`` where rows are stored, ``缺`` where
    a sub-branch expected in the month (present in it or in the month before) has none, blank otherwise.

    One row per period, newest first (at most ``months``), with 已有 / 应有 counts.
    """
    cov = coverage(con, table)
    if cov.empty:
        return pd.DataFrame(columns=["period"])
    cov = cov[cov["rows"] > 0]
    periods = sorted(cov["period"].unique())
    present = {p: dict(zip(g["branch"], g["rows"])) for p, g in cov.groupby("period")}
    all_branches = sorted(cov["branch"].unique())
    rows = []
    for i, period in enumerate(periods):
        have = present.get(period, {})
        expected = set(have) | (set(present.get(periods[i - 1], {})) if i else set())
        row = {"period": period, "have": len(have), "expected": len(expected)}
        for branch in all_branches:
            if branch in have:
                row[branch or WHOLE_LINE] = f"✓ {int(have[branch]):,}"
            elif branch in expected:
                row[branch or WHOLE_LINE] = "缺"
            else:
                row[branch or WHOLE_LINE] = ""
        rows.append(row)
    return pd.DataFrame(rows[::-1][:months])


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
    """Per stored month (newest first), the sub-branches present and expected in the 管户明细.

    Read from the coverage record (a few hundred rows), not from the customers table.
    """
    pairs = con.execute(
        "select period, branch from coverage where table_name = 'customers' and rows > 0 and branch <> ''"
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
