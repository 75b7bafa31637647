"""Ingest of a generated 200,000-row × 20-column xlsx against the bare python-calamine parse.

Prints both times and their ratio (target: ingest ≤ 1.5 × parse). Run:
    python bench/bench_ingest.py [--rows 200000] [--repeat 3]
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


def bare_parse(path: Path) -> int:
    """python-calamine alone: every sheet to Python values."""
    workbook = python_calamine.CalamineWorkbook.from_path(str(path))
    return sum(len(workbook.get_sheet_by_name(n).to_python()) for n in workbook.sheet_names)


def main() -> None:
    """Print parse and ingest times and their ratio."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
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
