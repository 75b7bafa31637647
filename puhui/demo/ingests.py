"""The demo's bookkeeping: its ingests, the check that no uploaded data is in the way, and
how an earlier demo build is cleared."""

from __future__ import annotations

from datetime import datetime

import duckdb

from .. import contract
from .catalogue import DEMO_FILE_NAME
from .context import Builder


def is_demo(con: duckdb.DuckDBPyConnection) -> bool:
    """True when the database holds the demo bank: ``meta`` key ``demo`` is 'true' and a demo
    ingest is still in force."""
    rows = con.execute("select value from meta where key = 'demo'").fetchall()
    if not rows or rows[0][0] != "true":
        return False
    live = con.execute(
        "select count(*) from ingest_log where file_name = $f and undone_at is null", {"f": DEMO_FILE_NAME}
    ).fetchall()[0][0]
    return live > 0


def demo_ingest_ids(con) -> list[int]:
    """The ingest ids of the demo build (undone or not)."""
    rows = con.execute("select ingest_id from ingest_log where file_name = $f", {"f": DEMO_FILE_NAME}).fetchall()
    return [r[0] for r in rows]


def refuse_real_data(con) -> None:
    """Raise if any table holds rows that did not come from the demo build."""
    demo_ids = demo_ingest_ids(con)
    for name in contract.TABLES:
        count = con.execute(
            f"select count(*) from {name} where ingest_id is null or not list_contains($ids, ingest_id)",
            {"ids": demo_ids},
        ).fetchall()[0][0]
        if count:
            raise ValueError(
                f"数据库中已有导入的业务数据（{contract.TABLES[name].label}表 {count:,} 行），"
                "为避免覆盖真实数据，不能在此生成演示数据。请换用一个新的数据库文件。"
            )


def clear_demo(con) -> None:
    """Remove an earlier demo build (only demo rows exist, checked before)."""
    demo_ids = demo_ingest_ids(con)
    for name in contract.TABLES:
        con.execute(f"delete from {name} where list_contains($ids, ingest_id)", {"ids": demo_ids})
        con.execute(
            f"delete from {name}_replaced where list_contains($ids, ingest_id) or list_contains($ids, replaced_by)",
            {"ids": demo_ids},
        )
    con.execute("delete from ingest_log where file_name = $f", {"f": DEMO_FILE_NAME})
    con.execute("delete from meta where key = 'demo' or key like 'demo\\_%' escape '\\'")


def register_ingests(con, builder: Builder, ids: dict[str, int], fingerprint: str) -> dict[str, int]:
    """One ingest_log row per table for the demo rows; return the row count of every table."""
    counts: dict[str, int] = {}
    at = datetime.now().replace(microsecond=0)
    for name, ingest_id in ids.items():
        params = {"i": ingest_id}
        counts[name] = con.execute(f"select count(*) from {name} where ingest_id = $i", params).fetchall()[0][0]
        if contract.TABLES[name].kind == "yearly":
            covered = [builder.month_names[-1][:4]]
        else:
            sql = f"select distinct month from {name} where ingest_id = $i order by 1"
            covered = [r[0] for r in con.execute(sql, params).fetchall()]
        sql = f"select distinct coalesce(branch, '') from {name} where ingest_id = $i order by 1"
        branches = [r[0] or "全条线" for r in con.execute(sql, params).fetchall()]
        con.execute(
            """insert into ingest_log values ($iid, $file, $sha, $t, $months, $branches, $rows,
               0, '{}', 0, $at, null)""",
            {
                "iid": ingest_id,
                "file": DEMO_FILE_NAME,
                "sha": fingerprint,
                "t": name,
                "months": ",".join(covered),
                "branches": ",".join(branches),
                "rows": counts[name],
                "at": at,
            },
        )
    return counts
