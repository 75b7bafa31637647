"""Golden outputs of every query on a fixed demo bank, for refactors that must not change a figure.

``python tests/golden_queries.py record`` writes ``tests/golden/queries.json`` (``add`` records only the cases
of a new query, leaving every recorded case as it is): for every
file in ``queries/`` and every parameter case below, the columns, the row count and a
digest of the rows (order-insensitive; decimals by value, doubles to 9 significant digits).
``python tests/golden_queries.py dump DIR`` writes each case's rows as CSV, so two
checkouts can be compared line by line when a digest differs. ``tests/test_golden.py``
checks the recorded digests.
"""

from __future__ import annotations

import csv
import hashlib
import json
import sys
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).absolute().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

GOLDEN = ROOT / "tests" / "golden" / "queries.json"
# A fixed bank: the demo's own generator with a fixed end month, so the date of the run does not matter.
DEMO = {"seed": 42, "customers": 800, "months": 13, "end_month": "2026-10"}


def build(path: Path) -> Path:
    """The golden demo bank at ``path``."""
    from puhui import demo

    demo.build(path, **DEMO)
    return path


def _canonical(value):
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, float):
        if value != value:
            return "NaN"
        return float(f"{value:.9g}")
    if isinstance(value, int):
        return value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in value.items()}
    return str(value)


def cases(con) -> list[tuple[str, dict]]:
    """Every (query, given parameters) pair the golden file holds."""
    from puhui import queries

    months = [r[0] for r in con.execute("select distinct month from customers order by month desc").fetchall()]
    newest, middle, earliest = months[0], months[len(months) // 2], months[-1]
    branch = con.execute("select min(branch) from customers where month = $m", {"m": newest}).fetchall()[0][0]
    manager = con.execute(
        "select manager_id from customers where month = $m and branch = $b group by 1 order by count(*) desc, 1 limit 1",
        {"m": newest, "b": branch},
    ).fetchall()[0][0]
    grid = con.execute(
        "select min(grid_id) from grids where month = $m and branch = $b", {"m": newest, "b": branch}
    ).fetchall()[0][0]
    dept = con.execute(
        "select min(grid_id) from grids where month = $m and grid_type = '政府渠道'", {"m": newest}
    ).fetchall()[0][0]
    out: list[tuple[str, dict]] = []
    for name in queries.names():
        spec = queries.get(name).spec
        month_values = [newest, middle, earliest] if "month" in spec else [None]
        branch_values = [None, branch] if "branch" in spec else [None]
        for month in month_values:
            for scope in branch_values:
                base = {}
                if month is not None:
                    base["month"] = month
                if "branch" in spec:
                    base["branch"] = scope
                variants = [base]
                if "manager_id" in spec:
                    with_manager = {**base, "manager_id": manager}
                    variants = [with_manager] if spec["manager_id"].kind == queries.REQUIRED else [base, with_manager]
                if "grid_id" in spec and grid is not None:
                    variants += [{**v, "grid_id": grid} for v in list(variants)]
                if "dept_id" in spec and dept is not None:
                    variants += [{**v, "dept_id": dept} for v in list(variants)]
                if "outside" in spec:
                    variants += [{**v, "outside": True} for v in list(variants)]
                out.extend((name, v) for v in variants)
    return out


def _key(name: str, params: dict) -> str:
    return f"{name} {json.dumps(params, ensure_ascii=False, sort_keys=True)}"


def run_case(con, name: str, params: dict) -> tuple[list[str], list[list]]:
    """The columns and canonical rows of one case (through the one query runner)."""
    from puhui import queries

    columns, rows = queries.run_rows(con, name, params)
    return list(columns), [[_canonical(v) for v in row] for row in rows]


def digest(rows: list[list]) -> str:
    """Order-insensitive digest of canonical rows."""
    lines = sorted(json.dumps(r, ensure_ascii=False, sort_keys=True) for r in rows)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def _record(con, name: str, params: dict) -> dict:
    columns, rows = run_case(con, name, params)
    return {"columns": columns, "rows": len(rows), "digest": digest(rows)}


def compute(con) -> dict:
    """Every case's columns, row count and digest."""
    return {_key(name, params): _record(con, name, params) for name, params in cases(con)}


def main(argv: list[str]) -> int:
    import tempfile

    if not argv or argv[0] not in ("record", "add", "dump"):
        print("用法：python tests/golden_queries.py record | add | dump DIR", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        path = build(Path(tmp) / "golden.duckdb")
        from puhui import store

        con = store.connect(path)
        if argv[0] == "add":
            # A new query: record its cases only; every recorded case stays as it was.
            recorded = json.loads(GOLDEN.read_text(encoding="utf-8"))
            added = {
                _key(name, params): _record(con, name, params)
                for name, params in cases(con)
                if _key(name, params) not in recorded
            }
            GOLDEN.write_text(
                json.dumps({**recorded, **added}, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8"
            )
            print(f"added {len(added)} cases to {GOLDEN}")
        elif argv[0] == "record":
            GOLDEN.parent.mkdir(parents=True, exist_ok=True)
            GOLDEN.write_text(
                json.dumps(compute(con), ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8"
            )
            print(f"wrote {GOLDEN}")
        else:
            target = Path(argv[1])
            target.mkdir(parents=True, exist_ok=True)
            for name, params in cases(con):
                columns, rows = run_case(con, name, params)
                file = target / f"{name}__{hashlib.sha1(_key(name, params).encode()).hexdigest()[:10]}.csv"
                with file.open("w", encoding="utf-8", newline="") as handle:
                    writer = csv.writer(handle)
                    writer.writerow([_key(name, params)])
                    writer.writerow(columns)
                    for row in sorted(rows, key=lambda r: json.dumps(r, ensure_ascii=False)):
                        writer.writerow(row)
            print(f"wrote {target}")
        con.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
