"""Ingest of a generated 200,000-row × 20-column xlsx against the bare python-calamine parse,
and of a generated 1,000,000-row CSV against DuckDB's own ``read_csv`` of the same file.

Prints the times and their ratios (targets: ingest ≤ 1.5 × parse; CSV ingest ≤ 1.5 × read_csv,
peak memory < 2 GB). Run:
    python bench/bench_ingest.py [--rows 200000] [--repeat 3]
    python bench/bench_ingest.py --csv [--csv-rows 1000000] [--repeat 2]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import python_calamine  # noqa: E402

from puhui import ingest, store  # noqa: E402

HEADERS = [
    "客户号",
    "客户名称",
    "客户经理编号",
    "所属支行",
    "管户类型",
    "客户类型",
    "行业",
    "获客渠道",
    "网格编号",
    "经度",
    "纬度",
    "线下贷款余额(万元)",
    "线上贷款余额(万元)",
    "授信额度(万元)",
    "结算存款(万元)",
    "纯存款(万元)",
    "保证金存款(万元)",
    "储蓄存款(万元)",
    "代发工资",
    "开户日期",
]


def write_xlsx(path: Path, rows: int, seed: int = 7) -> None:
    """A 20-column 管户明细 sheet with a title row and a 合计 row, written in openpyxl's write-only mode."""
    import datetime as dt

    import openpyxl

    rng = random.Random(seed)
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("管户明细")
    ws.append(["2026年10月管户明细（单位：万元）"])
    ws.append(HEADERS)
    segments = ["线下授信", "线上授信", "非授信"]
    sums = [0] * 7
    for i in range(rows):
        segment = segments[i % 3]
        amounts = [
            round(rng.uniform(10, 900), 2) if segment == "线下授信" else 0,
            round(rng.uniform(1, 50), 2) if segment == "线上授信" else 0,
            round(rng.uniform(10, 1000), 2),
            round(rng.uniform(0, 300), 2),
            round(rng.uniform(0, 100), 2),
            round(rng.uniform(0, 50), 2),
            round(rng.uniform(0, 80), 2),
        ]
        sums = [s + a for s, a in zip(sums, amounts)]
        ws.append(
            [
                f"C{i:08d}",
                f"客户{i}",
                f"M{i % 50:03d}",
                f"第{i % 8}支行",
                segment,
                "小微企业",
                "批发零售",
                "网格营销",
                f"G{i % 300:04d}",
                112.2 + rng.random() / 10,
                30.0 + rng.random() / 10,
                *amounts,
                "是" if i % 4 == 0 else "否",
                dt.date(2020, 1, 1) + dt.timedelta(days=i % 2000),
            ]
        )
    ws.append(["合计"] + [None] * 10 + [round(s, 2) for s in sums])
    wb.save(path)


def write_csv(path: Path, rows: int, seed: int = 7) -> None:
    """The same 管户明细 columns as :func:`write_xlsx`, as a UTF-8 CSV (header row, no title or 合计 row)."""
    import csv
    import datetime as dt

    rng = random.Random(seed)
    segments = ["线下授信", "线上授信", "非授信"]
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(HEADERS)
        for i in range(rows):
            segment = segments[i % 3]
            out.writerow(
                [
                    f"C{i:08d}",
                    f"客户{i}",
                    f"M{i % 50:03d}",
                    f"第{i % 8}支行",
                    segment,
                    "小微企业",
                    "批发零售",
                    "网格营销",
                    f"G{i % 300:04d}",
                    f"{112.2 + rng.random() / 10:.6f}",
                    f"{30.0 + rng.random() / 10:.6f}",
                    f"{rng.uniform(10, 900):.2f}" if segment == "线下授信" else "0",
                    f"{rng.uniform(1, 50):.2f}" if segment == "线上授信" else "0",
                    f"{rng.uniform(10, 1000):.2f}",
                    f"{rng.uniform(0, 300):.2f}",
                    f"{rng.uniform(0, 100):.2f}",
                    f"{rng.uniform(0, 50):.2f}",
                    f"{rng.uniform(0, 80):.2f}",
                    "是" if i % 4 == 0 else "否",
                    (dt.date(2020, 1, 1) + dt.timedelta(days=i % 2000)).isoformat(),
                ]
            )


_CSV_RUN = """
import json, resource, sys, time
sys.path.insert(0, sys.argv[1])
from puhui import ingest, store
import duckdb
kind, path, db = sys.argv[2], sys.argv[3], sys.argv[4]
start = time.perf_counter()
if kind == "duckdb":
    con = duckdb.connect(db)
    rows = con.execute(f"create table t as select * from read_csv('{path}')").fetchall()[0][0]
else:
    con = store.connect(db)
    plan, results = ingest.ingest_paths([path], con)
    rows = results[0]["rows"]
seconds = time.perf_counter() - start
peak = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM")) / 1024
print(json.dumps({"seconds": seconds, "rows": rows, "peak_mb": peak}))
"""


def csv_run(kind: str, path: Path, db: Path) -> dict:
    """One load of the CSV in a fresh process (``duckdb``: read_csv into a table; ``puhui``: the ingest)."""
    import json
    import subprocess

    root = str(Path(__file__).resolve().parent.parent)
    answer = subprocess.run(
        [sys.executable, "-c", _CSV_RUN, root, kind, str(path), str(db)], capture_output=True, text=True, check=True
    )
    return json.loads(answer.stdout.strip().splitlines()[-1])


def csv_main(rows: int, repeat: int) -> None:
    """Print DuckDB's read_csv and the ingest of the same CSV, their ratio and peak memory."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "管户明细_202610.csv"
        started = time.perf_counter()
        write_csv(path, rows)
        size = path.stat().st_size / 1e6
        print(
            f"wrote {rows:,} rows × {len(HEADERS)} columns ({size:.1f} MB CSV) in {time.perf_counter() - started:.1f} s"
        )
        runs: dict[str, list[dict]] = {"duckdb": [], "puhui": []}
        for attempt in range(repeat):
            for kind in runs:
                result = csv_run(kind, path, Path(tmp) / f"{kind}{attempt}.duckdb")
                runs[kind].append(result)
        assert all(r["rows"] == rows for r in runs["puhui"]), runs["puhui"]
        bare = min(r["seconds"] for r in runs["duckdb"])
        full = min(r["seconds"] for r in runs["puhui"])
        for kind, label in (("duckdb", "duckdb read_csv"), ("puhui", "puhui ingest")):
            times = ", ".join(f"{r['seconds']:.2f}" for r in runs[kind])
            peak = max(r["peak_mb"] for r in runs[kind])
            print(f"{label}: {min(r['seconds'] for r in runs[kind]):.2f} s (runs: {times}), peak memory {peak:,.0f} MB")
        print(f"ratio ingest/read_csv: {full / bare:.2f} (target ≤ 1.50; peak memory target < 2,048 MB)")


def bare_parse(path: Path) -> int:
    """python-calamine alone: every sheet to Python values."""
    workbook = python_calamine.CalamineWorkbook.from_path(str(path))
    return sum(len(workbook.get_sheet_by_name(n).to_python()) for n in workbook.sheet_names)


def main() -> None:
    """Print parse and ingest times and their ratio."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--csv", action="store_true", help="the CSV against DuckDB's read_csv instead")
    parser.add_argument("--csv-rows", type=int, default=1_000_000)
    args = parser.parse_args()
    if args.csv:
        csv_main(args.csv_rows, args.repeat)
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "管户明细_202610.xlsx"
        started = time.perf_counter()
        write_xlsx(path, args.rows)
        print(
            f"wrote {args.rows:,} rows × {len(HEADERS)} columns ({path.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - started:.1f} s"
        )
        parse_times, ingest_times = [], []
        for attempt in range(args.repeat):
            started = time.perf_counter()
            bare_parse(path)
            parse_times.append(time.perf_counter() - started)
            db = Path(tmp) / f"bench{attempt}.duckdb"
            con = store.connect(db)
            started = time.perf_counter()
            plan, results = ingest.ingest_paths([path], con)
            ingest_times.append(time.perf_counter() - started)
            con.close()
            assert results[0]["rows"] == args.rows, results
        parse, full = min(parse_times), min(ingest_times)
        print(f"calamine parse: {parse:.2f} s (runs: {', '.join(f'{t:.2f}' for t in parse_times)})")
        print(f"puhui ingest:   {full:.2f} s (runs: {', '.join(f'{t:.2f}' for t in ingest_times)})")
        print(f"ratio ingest/parse: {full / parse:.2f} (target ≤ 1.50)")


if __name__ == "__main__":
    main()
