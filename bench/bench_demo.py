"""Benchmark: build the demo bank at 1,000,000 customers over 24 months into a temp file.

Prints the seconds taken, the row counts, the file size and the peak resident memory.
Run: python bench/bench_demo.py [customers] [months]
"""

from __future__ import annotations

import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from puhui import demo


def _cpu() -> float:
    """CPU seconds (user + system, all threads) used by this process so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    """Build once and print the figures."""
    customers = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    months = int(sys.argv[2]) if len(sys.argv) > 2 else 24
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench_demo.duckdb"
        marks: list[tuple[float, float, str]] = []
        start, cpu_start = time.perf_counter(), _cpu()

        def progress(fraction: float, text: str) -> None:
            marks.append((time.perf_counter() - start, _cpu() - cpu_start, text))

        result = demo.build(path, seed=42, customers=customers, months=months, end_month="2026-10", progress=progress)
        seconds, cpu_seconds = time.perf_counter() - start, _cpu() - cpu_start
        size = path.stat().st_size
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # ru_maxrss is in KiB on Linux
    print(f"demo.build(customers={customers:,}, months={months}): {seconds:.1f} s wall, {cpu_seconds:.1f} s CPU")
    print(f"  load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    for key, value in result.items():
        print(f"  {key:12s} {value:>14,}" if isinstance(value, int) else f"  {key:12s} {value:>14}")
    print(f"  file size    {size / 2**20:>11,.1f} MiB")
    print(f"  peak RSS     {peak_mb:>11,.1f} MiB")
    previous, previous_cpu = 0.0, 0.0
    for at, cpu, text in marks:
        print(f"  {at:7.1f} s  (+{at - previous:5.1f} wall, +{cpu - previous_cpu:5.1f} CPU)  {text}")
        previous, previous_cpu = at, cpu


if __name__ == "__main__":
    main()
