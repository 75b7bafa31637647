"""Random sequences of batch ingests and out-of-order undos, checked against a model.

The model is the rule the store promises: every slot (table × month × sub-branch) holds the
rows of its newest active layer, or the rows it held before any recorded layer; a batch
whose rows for a slot equal what the slot holds adds no layer there; undoing a batch
removes its layers wherever they are in the stack. After every step the database must
hold exactly what the model says, its coverage record must count it, and every active
layer's archive must hold the layer below it.
"""

from __future__ import annotations

import csv
import io
import random
from collections import Counter
from decimal import Decimal

import pytest

from puhui import ingest, store

MONTHS = ["2026-10", "2026-11"]
BRANCHES = ["城东支行", "城西支行", "城南支行"]
CUSTOMER_HEADER = ["数据月份", "客户号", "客户名称", "客户经理编号", "所属支行", "管户类型", "结算存款(万元)"]
MANAGER_HEADER = ["数据月份", "客户经理编号", "客户经理姓名", "所属支行"]


def _csv(rows: list[list]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode("utf-8")


class Library:
    """Files made so far (re-uploaded now and then, byte for byte), with the rows each stores."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.serial = 0
        self.files: list[tuple[str, str, bytes, dict]] = []  # (table, name, bytes, {slot: [row]})

    def new_file(self, table: str, slots: list[tuple[str, str]]) -> tuple[str, str, bytes, dict]:
        self.serial += 1
        n = self.serial
        rows_by_slot: dict = {}
        body = []
        for month, branch in slots:
            count = self.rng.randint(1, 4)
            for k in range(count):
                if table == "customers":
                    wan = Decimal(self.rng.randint(0, 999_999)) / 100
                    segment = self.rng.choice(["线下授信", "线上授信", "非授信"])
                    cid = f"F{n}-{k}-{branch[1]}"
                    manager = f"M{branch[1]}"  # on every roster of the sub-branch
                    body.append([month, cid, f"客户{n}{k}", manager, branch, segment, f"{wan}"])
                    row = (month, branch, cid, f"客户{n}{k}", manager, segment, (wan * 10000).quantize(Decimal("0.01")))
                else:
                    mid = f"M{branch[1]}" if k == 0 else f"M{n}-{k}{branch[1]}"
                    body.append([month, mid, f"经理{n}{k}", branch])
                    row = (month, branch, mid, f"经理{n}{k}")
                rows_by_slot.setdefault((table, month, branch), []).append(row)
        header = CUSTOMER_HEADER if table == "customers" else MANAGER_HEADER
        label = "管户明细" if table == "customers" else "客户经理"
        entry = (table, f"{label}_{n}.csv", _csv([header, *body]), rows_by_slot)
        self.files.append(entry)
        return entry


class Model:
    """Per slot, the stack of active layers (batch id, rows) above the rows stored before any."""

    def __init__(self, base: dict):
        self.base = base
        self.stacks: dict = {}

    def current(self, slot) -> list:
        stack = self.stacks.get(slot)
        return stack[-1][1] if stack else self.base.get(slot, [])

    def ingest(self, batch_id, files) -> bool:
        combined: dict = {}
        for _, _, _, rows_by_slot in files:
            for slot, rows in rows_by_slot.items():
                combined.setdefault(slot, []).extend(rows)
        changed = False
        for slot, rows in combined.items():
            if Counter(rows) != Counter(self.current(slot)):
                assert batch_id is not None, f"{slot} changed but the store made no batch"
                self.stacks.setdefault(slot, []).append((batch_id, rows))
                changed = True
        return changed

    def undo(self, batch_id) -> None:
        for slot, stack in self.stacks.items():
            self.stacks[slot] = [layer for layer in stack if layer[0] != batch_id]

    def active(self) -> list[int]:
        return sorted({b for stack in self.stacks.values() for b, _ in stack})

    def slots(self):
        return set(self.stacks) | set(self.base)


CUSTOMER_SQL = "select month, branch, customer_id, customer_name, manager_id, segment, dep_settlement from {t}"
MANAGER_SQL = "select month, branch, manager_id, manager_name from {t}"


def _stored(con, table: str, archive: bool = False) -> dict:
    """Rows per slot (per slot and layer for the archive)."""
    sql = (CUSTOMER_SQL if table == "customers" else MANAGER_SQL).format(t=f"{table}_replaced" if archive else table)
    if archive:
        sql = sql.replace("select ", "select replaced_by, ", 1)
    by_slot: dict = {}
    for row in con.execute(sql).fetchall():
        if archive:
            by_slot.setdefault((row[0], table, row[1], row[2]), []).append(tuple(row[1:]))
        else:
            by_slot.setdefault((table, row[0], row[1]), []).append(tuple(row))
    return by_slot


def _check(con, model: Model) -> None:
    stored = {**_stored(con, "customers"), **_stored(con, "managers")}
    for slot in model.slots() | set(stored):
        assert Counter(stored.get(slot, [])) == Counter(model.current(slot)), slot
    coverage = {(t, p, b): n for t, p, b, n, _ in store.coverage(con).itertuples(index=False)}
    expected = {slot: len(model.current(slot)) for slot in model.slots() if model.current(slot)}
    assert coverage == expected
    # Every active layer's archive holds exactly the layer below it, and nothing else is archived.
    archived = {**_stored(con, "customers", archive=True), **_stored(con, "managers", archive=True)}
    expected_archive = {}
    for slot, stack in model.stacks.items():
        for i, (batch_id, _) in enumerate(stack):
            below = stack[i - 1][1] if i else model.base.get(slot, [])
            if below:
                expected_archive[(batch_id, *slot)] = Counter(below)
    assert {k: Counter(v) for k, v in archived.items()} == expected_archive
    layers = con.execute("select batch_id, table_name, period, branch from ingest_slots").fetchall()
    assert sorted(layers) == sorted((b, *slot) for slot, stack in model.stacks.items() for b, _ in stack)


def _seed_base(con) -> dict:
    """Rows stored before any recorded import (ingest id 0), in two slots."""
    base: dict = {}
    for month, branch, ids in [("2026-10", "城东支行", ["B1", "B2"]), ("2026-11", "城西支行", ["B3"])]:
        for cid in ids:
            con.execute(
                """insert into customers (month, customer_id, customer_name, manager_id, branch, segment, dep_settlement, ingest_id)
                   values ($m, $c, '旧客户', 'M1', $b, '非授信', 100, 0)""",
                {"m": month, "c": cid, "b": branch},
            )
            base.setdefault(("customers", month, branch), []).append(
                (month, branch, cid, "旧客户", "M1", "非授信", Decimal("100.00"))
            )
    store.refresh_coverage(con)
    return base


@pytest.mark.parametrize("seed", [2026])
def test_random_ingest_undo_sequences_match_the_model(tmp_path, seed):
    rng = random.Random(seed)
    con = store.connect(tmp_path / "seq.duckdb")
    model = Model(_seed_base(con))
    library = Library(rng)
    all_slots = [(m, b) for m in MONTHS for b in BRANCHES]
    steps = 220
    kinds = Counter()
    last_batch: list = []
    for step in range(steps):
        active = model.active()
        if active and rng.random() < 0.4:
            batch_id = rng.choice(active)
            kinds["undo_not_top"] += any(
                stack[-1][0] != batch_id and any(b == batch_id for b, _ in stack)
                for stack in model.stacks.values()
                if stack
            )
            store.undo(con, batch_id)
            model.undo(batch_id)
            kinds["undo"] += 1
        else:
            files = []
            if last_batch and rng.random() < 0.15:
                files = list(last_batch)  # the same batch again, as a user clicking twice would
            for _ in range(rng.randint(1, 3) if not files else 0):
                if library.files and rng.random() < 0.25:
                    entry = rng.choice(library.files)  # the very same bytes again
                    if entry in files:
                        continue
                else:
                    table = "customers" if rng.random() < 0.8 else "managers"
                    entry = library.new_file(table, rng.sample(all_slots, rng.randint(1, 2)))
                months = {slot[1] for slot in entry[3]}
                if entry[0] == "managers" and any(
                    f[0] == "managers" and months & {slot[1] for slot in f[3]} for f in files
                ):
                    continue  # one roster per month in a batch: two would repeat the sub-branch's manager
                files.append(entry)
            if not files:
                continue
            plan = ingest.analyse([(name, data) for _, name, data, _ in files], con)
            assert not plan.refused and plan.bad_rows == 0, plan.problems.to_string()
            results = ingest.commit(plan, con)
            batch_ids = {r["batch_id"] for r in results}
            assert len(batch_ids) == 1, results
            batch_id = batch_ids.pop()
            last_batch = files
            changed = model.ingest(batch_id, files)
            assert changed == (batch_id is not None), (step, results)
            kinds["batch"] += 1
            kinds["merged"] += bool(plan.merges)
            kinds["unchanged"] += batch_id is None
        _check(con, model)
    # The sequence exercised what it is meant to: merges, unchanged re-uploads, undos under later batches.
    assert kinds["batch"] >= 100 and kinds["undo"] >= 50, kinds
    assert kinds["merged"] >= 10 and kinds["unchanged"] >= 1 and kinds["undo_not_top"] >= 5, kinds
    con.close()
