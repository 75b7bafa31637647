"""The state of one demo build and the SQL for its random draws.

Every draw is deterministic: a hash of the seed and the row's keys, so that the same seed
always gives the same content whatever order DuckDB's threads run in.
"""

from __future__ import annotations

import random
import zlib

import pandas as pd

from .. import contract
from .catalogue import month_list, sql_list, sql_literal


class Builder:
    """Holds the connection, the seed and the small dimension tables during one build."""

    def __init__(self, con, seed, customers, months, end_month, progress):
        self.con = con
        self.seed = int(seed)
        self.customers = int(customers)
        self.month_names = month_list(end_month, months)
        self.n_months = months
        self.last = months - 1
        self.progress = progress
        self.rng = random.Random(self.seed)
        self.temp_tables: list[str] = []
        self.pool = 0  # customers ever present, set by the customer pool
        self.move: dict = {}  # the manager who changes sub-branch, set by the roster

    # Randomness. Every draw is hash(hash(seed, keys..., salt)): the seed is an int we cast,
    # the keys are column names and the salts our own literals, so pasting them is safe.
    # DuckDB's multi-argument hash only combines the argument hashes, so draws that differ by
    # their salt alone come out strongly correlated; the outer hash mixes them apart.
    def uniform(self, *keys: str) -> str:
        """SQL for a uniform draw in [0, 1) keyed by the given SQL expressions."""
        return f"(hash(hash({self.seed}, {', '.join(keys)})) / 18446744073709551616.0)"

    def hashed(self, *keys: str) -> str:
        """SQL for a raw 64-bit hash keyed by the given SQL expressions."""
        return f"hash(hash({self.seed}, {', '.join(keys)}))"

    def normal(self, *keys: str) -> str:
        """SQL for a standard normal draw (Box–Muller), clamped to ±3.5."""
        first = self.uniform(*keys, sql_literal("za"))
        second = self.uniform(*keys, sql_literal("zb"))
        return f"least(3.5, greatest(-3.5, sqrt(-2 * ln(greatest({first}, 1e-12))) * cos(2 * pi() * {second})))"

    def pick(self, values: list[str], *keys: str) -> str:
        """SQL picking one of ``values`` by hash."""
        return f"{sql_list(values)}[1 + ({self.hashed(*keys)} % {len(values)})::int]"

    # Fast draws for the big tables: one combined hash per row (``hp`` per customer, ``hm``
    # per customer and month, ``hq`` per customer and quarter) and, per draw, the one-argument
    # hash (a 64-bit finaliser) of that base xor a constant derived from the salt.
    @staticmethod
    def salt(name: str) -> int:
        """A fixed 62-bit constant for a salt name (stable across runs, unlike ``hash()``)."""
        return (zlib.crc32(name.encode()) * 0x9E3779B97F4A7C15) % (1 << 62)

    def row_hash(self, base: str, salt: str) -> str:
        """SQL for a 64-bit draw from the row's base hash column and a salt name."""
        return f"hash(xor({base}, {self.salt(salt)}::ubigint))"

    def row_uniform(self, base: str, salt: str) -> str:
        """SQL for a uniform draw in [0, 1) from the row's base hash and a salt name."""
        return f"({self.row_hash(base, salt)} / 18446744073709551616.0)"

    def row_normal(self, base: str, salt: str) -> str:
        """SQL for a standard normal draw (Box–Muller) from the row's base hash, clamped to ±3.5."""
        first, second = self.row_uniform(base, salt + ".a"), self.row_uniform(base, salt + ".b")
        return f"least(3.5, greatest(-3.5, sqrt(-2 * ln(greatest({first}, 1e-12))) * cos(2 * pi() * {second})))"

    def row_pick(self, values: list[str], base: str, salt: str) -> str:
        """SQL picking one of ``values`` by the row's base hash and a salt name."""
        return f"{sql_list(values)}[1 + ({self.row_hash(base, salt)} % {len(values)})::int]"

    def report(self, fraction: float, text: str) -> None:
        """Tell the caller how far the build is."""
        if self.progress is not None:
            self.progress(min(1.0, max(0.0, fraction)), text)

    def frame(self, name: str, df: pd.DataFrame) -> None:
        """Create a temp table from a small pandas frame."""
        view = f"{name}_df"
        self.con.register(view, df)
        self.con.execute(f"create or replace temp table {name} as select * from {view}")
        self.con.unregister(view)
        self.temp_tables.append(name)

    def temp(self, name: str, sql: str) -> None:
        """Create a temp table from a query."""
        self.con.execute(f"create or replace temp table {name} as {sql}")
        self.temp_tables.append(name)

    def drop_temps(self) -> None:
        """Drop the temp tables of this build."""
        for name in self.temp_tables:
            self.con.execute(f"drop table if exists temp.{name}")
        self.temp_tables.clear()

    def insert(self, table: str, exprs: dict[str, str], sql: str) -> None:
        """Insert ``sql`` into ``table``, checking the expressions cover exactly the stored columns."""
        names = [c for c, _ in contract.stored_columns(contract.TABLES[table])]
        if list(exprs) != names:
            raise RuntimeError(f"演示数据的 {table} 列与数据契约不一致：{list(exprs)} ≠ {names}")
        self.con.execute(f"insert into {table} ({', '.join(names)}) {sql}")
