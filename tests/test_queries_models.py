"""The SQL model layer (queries/models/, puhui/models.py): created by store.connect, seen where the app looks.

Real DuckDB files: a writable connection and its cursors see persistent models; a read-only
database without current models gets TEMP ones on that connection; a change to a model file
replaces the stored ones; the month helpers give the months the pages name.
"""

from __future__ import annotations

import shutil

import duckdb
import pytest

from puhui import models, queries, store

MODEL_FILES = sorted(models.MODELS_DIR.glob("*.sql"))


def _objects(con, temporary: bool) -> set[str]:
    views = con.execute(
        "select view_name from duckdb_views() where not internal and temporary = ?", [temporary]
    ).fetchall()
    macros = con.execute(
        "select function_name from duckdb_functions() where function_type in ('macro', 'table_macro') "
        "and not internal and schema_name = 'main' and database_name = ?",
        ["temp" if temporary else con.execute("select current_database()").fetchone()[0]],
    ).fetchall()
    return {r[0] for r in views} | {r[0] for r in macros}


@pytest.mark.parametrize("path", MODEL_FILES, ids=lambda p: p.stem)
def test_each_model_file_is_one_statement_with_a_header(path):
    text = path.read_text(encoding="utf-8")
    header = [line for line in text.splitlines() if line.startswith("--")]
    assert header and text.startswith("--"), f"{path.name}: header comment first"
    assert any("Grain" in line for line in header), f"{path.name}: the header states the grain"
    assert any("Params" in line for line in header), f"{path.name}: the header states the parameters"
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--"))
    assert "$" not in body, f"{path.name}: a model takes its values as macro arguments, not bound $parameters"


def test_connect_creates_persistent_models_that_cursors_see(tmp_path):
    con = store.connect(tmp_path / "a.duckdb")
    try:
        assert set(models.names()) <= _objects(con, temporary=False)
        cursor = con.cursor()  # what the app runs each script on
        assert cursor.execute("select previous_month('2026-01'), year_start_month('2026-05')").fetchall() == [
            ("2025-12", "2025-12")
        ]
        assert cursor.execute("select count(*) from customer_facts").fetchall() == [(0,)]
    finally:
        con.close()
    # a later read-only connection finds them stored in the file: nothing temporary needed
    ro = store.connect(tmp_path / "a.duckdb", read_only=True)
    try:
        assert not (_objects(ro, temporary=True) & set(models.names()))
        assert ro.cursor().execute("select month_end('2024-02')").fetchall()[0][0].isoformat() == "2024-02-29"
    finally:
        ro.close()


def test_read_only_database_without_models_gets_temp_models(tmp_path):
    path = tmp_path / "old.duckdb"
    con = store.connect(path)
    for name, kind, sql in reversed(models.load()[0]):  # as a file written before the model layer
        what = "view" if kind == "view" else "macro table" if " as table" in sql else "macro"
        con.execute(f"drop {what} {name}")
    con.execute(f"drop macro {models.VERSION_MACRO}")
    con.close()
    ro = store.connect(path, read_only=True)
    try:
        assert not (_objects(ro, temporary=False) & set(models.names()))
        assert set(models.names()) <= _objects(ro, temporary=True)
        assert ro.execute("select year_ago_month('2026-03')").fetchall() == [("2025-03",)]
        columns, rows = queries.run_rows(ro, "overview", {"month": "2026-03"})
        assert "metric" in columns and len(rows) == 9
    finally:
        ro.close()
    # a plain duckdb read-only connection (tests, bench) gets them on its first query too
    raw = duckdb.connect(str(path), read_only=True)
    try:
        queries.run_rows(raw, "deposit_trend", {})
        assert set(models.names()) <= _objects(raw, temporary=True)
    finally:
        raw.close()


def test_a_changed_model_file_replaces_the_stored_models(tmp_path, monkeypatch):
    directory = tmp_path / "models"
    shutil.copytree(models.MODELS_DIR, directory)
    path = tmp_path / "b.duckdb"
    con = store.connect(path)
    try:
        before = con.execute(f"select {models.VERSION_MACRO}()").fetchall()[0][0]
        (directory / "previous_month.sql").write_text(
            "-- test\ncreate or replace macro previous_month(m) as 'changed'\n", encoding="utf-8"
        )
        models.ensure(con, directory)
        assert con.execute("select previous_month('2026-01')").fetchall() == [("changed",)]
        assert con.execute(f"select {models.VERSION_MACRO}()").fetchall()[0][0] != before
        models.ensure(con)  # back to the repository's files
        assert con.execute("select previous_month('2026-01')").fetchall() == [("2025-12",)]
    finally:
        con.close()


def test_a_model_file_with_two_statements_or_another_name_is_refused(tmp_path):
    directory = tmp_path / "models"
    directory.mkdir()
    (directory / "a.sql").write_text("-- x\ncreate or replace macro b(m) as m\n", encoding="utf-8")
    with pytest.raises(models.ModelError, match="同名"):
        models.load(directory)
    (directory / "a.sql").write_text(
        "-- x\ncreate or replace macro a(m) as m;\ncreate or replace macro c(m) as m\n", encoding="utf-8"
    )
    with pytest.raises(models.ModelError, match="只含一条"):
        models.load(directory)


def test_month_helpers_cross_the_year():
    con = duckdb.connect()
    try:
        models.ensure(con)  # in memory: no tables needed by the scalar helpers, but the views need theirs
    except models.ModelError:
        store.migrate(con)
        models.ensure(con)
    got = con.execute(
        "select previous_month('2026-01'), previous_month('2026-12'), year_start_month('2026-01'), "
        "year_ago_month('2024-02'), month_end('2023-02'), window_first_month('2026-02', 3), "
        "window_first_month('2026-02', 0), phase_first_day(null, '2026-05'), phase_first_day('2026-04-10', '2026-05')"
    ).fetchall()[0]
    assert [str(v) for v in got] == [
        "2025-12",
        "2026-11",
        "2025-12",
        "2023-02",
        "2023-02-28",
        "2025-12",
        "2026-02",
        "2026-04-01",
        "2026-04-10",
    ]
    assert con.execute("select time_progress(null, '2026-12'), time_progress('2025-12', '2026-12')").fetchall() == [
        (1.0, 1.0)
    ]
    con.close()


def test_cursors_replacing_stale_models_at_once_do_not_fail(tmp_path):
    """The app's scripts run on cursors of one connection; after an upgrade several may find stale models."""
    import threading

    con = store.connect(tmp_path / "c.duckdb")
    try:
        for _ in range(3):
            con.execute(f"drop macro {models.VERSION_MACRO}")  # as after a change of the model files
            problems: list[str] = []

            def run_query():
                try:
                    queries.run_rows(con.cursor(), "deposit_trend", {})
                except Exception as problem:  # noqa: BLE001 - collected for the assertion
                    problems.append(repr(problem))  # noqa: B023 - joined before the next round

            threads = [threading.Thread(target=run_query) for _ in range(6)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert problems == []
            assert con.execute(f"select {models.VERSION_MACRO}()").fetchall() == [(models.load()[1],)]
    finally:
        con.close()
