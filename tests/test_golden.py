"""Every query's output on a fixed demo bank is what it was when tests/golden/queries.json was recorded.

The one-road refactor (issue 12) moves SQL into shared models; not one figure may move with
it. A difference names the query and its parameters; ``python tests/golden_queries.py dump
DIR`` in two checkouts shows the rows that differ. Re-record (``record``) only for a change
that is meant to change a figure, and say so in the commit.
"""

from __future__ import annotations

import json

import golden_queries
import pytest

from puhui import store


@pytest.fixture(scope="module")
def golden_con(tmp_path_factory):
    con = store.connect(golden_queries.build(tmp_path_factory.mktemp("golden") / "golden.duckdb"))
    yield con
    con.close()


def test_golden_covers_every_query():
    from puhui import queries

    recorded = {key.split(" ", 1)[0] for key in json.loads(golden_queries.GOLDEN.read_text(encoding="utf-8"))}
    assert recorded == set(queries.names())


def test_every_query_gives_its_recorded_output(golden_con):
    recorded = json.loads(golden_queries.GOLDEN.read_text(encoding="utf-8"))
    now = golden_queries.compute(golden_con)
    assert set(now) == set(recorded), "参数组合变了：" + ", ".join(sorted(set(now) ^ set(recorded))[:10])
    differ = [key for key in recorded if now[key] != recorded[key]]
    assert not differ, f"{len(differ)} 个查询结果与记录不同：\n" + "\n".join(differ[:20])
