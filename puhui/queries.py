"""The registry over ``queries/*.sql``: run a query by name with bound parameters.

Each file starts with a header comment: what it answers, its grain and its parameters,
written ``Params: $month (YYYY-MM), $branch (optional, NULL = all)``. Parameters named
in the header as optional default to NULL; the registry refuses a missing required one
and any it does not know.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import duckdb
import pandas as pd

from . import settings

_PARAM = re.compile(r"\$([a-z_][a-z0-9_]*)")


class QueryError(ValueError):
    """A query asked for by a wrong name or with wrong parameters (message in Chinese)."""


@dataclass(frozen=True)
class Query:
    """One named query file."""

    name: str
    sql: str
    header: str
    params: tuple[str, ...]
    optional: frozenset[str]


def _parse(path: Path) -> Query:
    sql = path.read_text(encoding="utf-8")
    header_lines = []
    for line in sql.splitlines():
        if line.startswith("--"):
            header_lines.append(line[2:].strip())
        elif line.strip():
            break
    header = "\n".join(header_lines)
    body = "\n".join(line for line in sql.splitlines() if not line.lstrip().startswith("--"))
    params = tuple(dict.fromkeys(_PARAM.findall(body)))
    optional = frozenset(
        p for p in params if re.search(rf"\${p}\b[^,.;]*optional", header, flags=re.IGNORECASE)
    )
    return Query(path.stem, sql, header, params, optional)


@lru_cache(maxsize=None)
def _load(directory: str, name: str, mtime: float) -> Query:
    return _parse(Path(directory) / f"{name}.sql")


def names(directory: Path = settings.QUERIES_DIR) -> list[str]:
    """The names of all queries."""
    return sorted(p.stem for p in directory.glob("*.sql"))


def get(name: str, directory: Path = settings.QUERIES_DIR) -> Query:
    """The query called ``name`` (its file is re-read when it changes)."""
    path = directory / f"{name}.sql"
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name) or not path.exists():
        raise QueryError(f"没有名为“{name}”的查询；可用的查询：{'、'.join(names(directory))}")
    return _load(str(directory), name, path.stat().st_mtime)


def bind(query: Query, params: dict | None) -> dict:
    """Check ``params`` against the query and return the values to bind."""
    params = dict(params or {})
    unknown = sorted(set(params) - set(query.params))
    if unknown:
        raise QueryError(f"查询“{query.name}”没有参数：{'、'.join(unknown)}（可用：{'、'.join(query.params) or '无'}）")
    missing = [p for p in query.params if p not in params and p not in query.optional]
    if missing:
        raise QueryError(f"查询“{query.name}”缺少参数：{'、'.join(missing)}")
    return {p: params.get(p) for p in query.params}


def run(con: duckdb.DuckDBPyConnection, name: str, params: dict | None = None, **kw) -> pd.DataFrame:
    """Run query ``name`` with bound parameters and return a DataFrame."""
    query = get(name, **kw)
    values = bind(query, params)
    return con.execute(query.sql, values).df()


def run_rows(con: duckdb.DuckDBPyConnection, name: str, params: dict | None = None, **kw) -> tuple[list[str], list[tuple]]:
    """Run query ``name``; return column names and rows as Python values (Decimals kept exact)."""
    query = get(name, **kw)
    values = bind(query, params)
    cursor = con.execute(query.sql, values)
    columns = [d[0] for d in cursor.description]
    return columns, cursor.fetchall()
