"""The SQL model layer: shared views and macros under ``queries/models/`` that the queries select from.

Each file of ``queries/models/`` holds one ``create or replace view|macro …`` statement with
a header comment (what it is, its grain, its parameters). :func:`ensure` creates them on a
connection:

- on a writable database, as persistent objects of the database file, so that every cursor
  of the connection (the app runs each script on ``con.cursor()``) and every later
  read-only connection sees them;
- on a read-only database whose models are missing or from another version of the files, as
  TEMP objects of that connection (DuckDB does not let a read-only database take new
  objects; temp objects are seen by that connection only, not by its cursors).

A macro ``puhui_models_version()`` holds a digest of the model files: :func:`ensure` does
nothing when the connection already sees the current one, so it is cheap to call before
every query (:mod:`puhui.queries` does) and the database file is written only when the
model files change.
"""

from __future__ import annotations

import hashlib
import re
import threading
from functools import lru_cache
from pathlib import Path

import duckdb

from . import settings

MODELS_DIR = settings.QUERIES_DIR / "models"
VERSION_MACRO = "puhui_models_version"
_lock = threading.Lock()
_CREATE = re.compile(r"^\s*create\s+or\s+replace\s+(view|macro)\s+([a-z_][a-z0-9_]*)", re.IGNORECASE | re.MULTILINE)


class ModelError(RuntimeError):
    """A model file that is not one ``create or replace view|macro`` statement, or that fails."""


def _body(sql: str) -> str:
    return "\n".join(line for line in sql.splitlines() if not line.lstrip().startswith("--")).strip()


@lru_cache(maxsize=8)
def _load(directory: str, stamp: tuple) -> tuple[tuple[tuple[str, str, str], ...], str]:
    models = []
    for path in sorted(Path(directory).glob("*.sql")):
        body = _body(path.read_text(encoding="utf-8")).rstrip(";").strip()
        found = _CREATE.findall(body)
        if len(found) != 1 or not _CREATE.match(body) or ";" in body:
            raise ModelError(f"模型文件 {path.name} 须只含一条 create or replace view|macro 语句")
        kind, name = found[0]
        if name != path.stem:
            raise ModelError(f"模型文件 {path.name} 定义的是 {name}：文件名须与模型同名")
        models.append((name, kind.lower(), body))
    digest = hashlib.sha256("\n;\n".join(body for _, _, body in models).encode()).hexdigest()[:16]
    return tuple(models), digest


def load(directory: Path = MODELS_DIR) -> tuple[tuple[tuple[str, str, str], ...], str]:
    """The models ``(name, kind, sql)`` in file order, and the digest of their SQL."""
    paths = sorted(directory.glob("*.sql"))
    stamp = tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in paths)
    return _load(str(directory), stamp)


def names(directory: Path = MODELS_DIR) -> list[str]:
    """The names of the models."""
    return [name for name, _, _ in load(directory)[0]]


def _current(con: duckdb.DuckDBPyConnection, digest: str) -> bool:
    try:
        row = con.execute(f"select {VERSION_MACRO}()").fetchall()
    except duckdb.Error:
        return False
    return bool(row) and row[0][0] == digest


def _in_order(models) -> list[tuple[str, str, str]]:
    # A view binds its query when created, so a model that selects from another one must come
    # after it: order by the names each body mentions (the files need no order of their own).
    by_name = {name: (name, kind, sql) for name, kind, sql in models}
    uses = {
        name: {
            other for other in by_name if other != name and re.search(rf"\b{other}\b", _CREATE.sub("", sql, count=1))
        }
        for name, _, sql in models
    }
    ordered: list[tuple[str, str, str]] = []
    done: set[str] = set()
    while len(done) < len(by_name):
        ready = [name for name in by_name if name not in done and uses[name] <= done]
        if not ready:
            raise ModelError("SQL 模型相互引用：" + "、".join(sorted(set(by_name) - done)))
        for name in ready:
            ordered.append(by_name[name])
            done.add(name)
    return ordered


def _create_all(con: duckdb.DuckDBPyConnection, models, digest: str, temp: bool) -> None:
    prefix = "create or replace temp " if temp else "create or replace "
    for name, _, sql in _in_order(models):
        statement = _CREATE.sub(lambda m: f"{prefix}{m.group(1)} {m.group(2)}", sql, count=1)
        try:
            con.execute(statement)
        except duckdb.Error as problem:
            raise ModelError(f"无法创建 SQL 模型 {name}：{problem}") from problem
    con.execute(f"{prefix}macro {VERSION_MACRO}() as '{digest}'")


def ensure(con: duckdb.DuckDBPyConnection, directory: Path = MODELS_DIR) -> duckdb.DuckDBPyConnection:
    """Make the models current on ``con`` (persistent if the database is writable, else TEMP); return ``con``."""
    models, digest = load(directory)
    if _current(con, digest):
        return con
    # The app's scripts run on cursors of one connection: two of them replacing the models at
    # once would conflict in DuckDB's catalog, so one replaces them and the other finds them.
    with _lock:
        if _current(con, digest):
            return con
        try:
            con.execute("begin transaction")
        except duckdb.Error:  # already inside the caller's transaction
            _create_all(con, models, digest, temp=_read_only(con))
            return con
        try:
            _create_all(con, models, digest, temp=_read_only(con))
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
    return con


def _read_only(con: duckdb.DuckDBPyConnection) -> bool:
    row = con.execute("select readonly from duckdb_databases() where database_name = current_database()").fetchall()
    return bool(row and row[0][0])
