"""Time and peak memory of refusing each hostile file of the test corpus (issue 17).

Each file goes through ``python -m puhui ingest`` in a fresh process; the peak is that of
the whole refusal (the command and its parsing worker, from ``wait4``). Target: every file
refused in under 60 s and 1.5 GB with a Chinese message. Run:
    python bench/bench_hostile.py [--root CHECKOUT] [--cap-gb N] [--timeout S] [--only NAME]
``--root`` measures another checkout (e.g. an older commit) with the same files; ``--cap-gb``
limits each run's address space so that an old reader cannot take the machine down.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(HERE / "tests"))

import hostile  # noqa: E402


def corpus() -> list[tuple[str, bytes]]:
    """(file name, bytes) of the hostile files named in issue 17."""
    head = "客户号,客户名称,客户经理编号,所属支行,管户类型,结算存款(元)\n"
    mixed = (
        head.encode("gbk")
        + "H1,公安县宏达商贸,M01,城关支行,非授信,100\n".encode("gbk")
        + "H2,测试商贸公司,M01,混合支行,,200\n".encode()
        + "H3,荆州某某,M01,城关支行,非授信,300\n".encode("gbk")
    )
    return [
        ("xfd_XFD1048576_202610.xlsx", hostile.far_cell("XFD1048576")),
        ("kn_KN1048576_202610.xlsx", hostile.far_cell("KN1048576")),
        ("bomb_120to1_202610.xlsx", hostile.ratio_bomb()),
        ("extra_part_202610.xlsx", hostile.quadratic_part()),
        ("deflate_bomb_202610.xlsx", hostile.deflate_bomb()),
        ("entity_bomb_202610.xlsx", hostile.entity_bomb()),
        ("entity_after_4k_202610.xlsx", hostile.entity_late()),
        ("external_entity_202610.xlsx", hostile.external_entity()),
        ("bad_crc_202610.xlsx", hostile.bad_crc()),
        ("encrypted_202610.xlsx", hostile.encrypted_ooxml()),
        ("corrupt_202610.xls", hostile.corrupt_ole2()),
        ("mixed_encoding_202610.csv", mixed),
        ("long_field_202610.csv", (head + 'H1,"' + "长" * 140_000 + '",M01,城关支行,非授信,1\n').encode()),
        (
            "unclosed_quote_202610.csv",
            (head + "H1,甲,M01,城关支行,非授信,1\n" + 'H2,"乙,M01,城关支行,非授信,2\n').encode(),
        ),
        (
            "ambiguous_202610.csv",
            (head + 'H1,甲,M01,城关支行,非授信,"1,2,3"\nH2,乙,M01,城关支行,非授信,1_000\n').encode(),
        ),
        ("huge_amount_202610.csv", (head + 'H1,甲,M01,城关支行,非授信,"9,999,999,999,999,999.99"\n').encode()),
        ("control_chars_202610.csv", (head + "H1,甲\x00公司,M01,城关支行,非授信,1\n").encode()),
    ]


def _limit(cap_bytes: int):
    def apply():
        if cap_bytes:
            resource.setrlimit(resource.RLIMIT_AS, (cap_bytes, cap_bytes))

    return apply


def measure(root: Path, path: Path, db: Path, cap_bytes: int, timeout: float) -> tuple[str, float, int, str]:
    """Exit status, seconds, peak bytes and the last line of stderr for one ingest."""
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "puhui", "ingest", str(path), "--db", str(db)],
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        preexec_fn=_limit(cap_bytes),
        start_new_session=True,
    )
    err = b""
    try:
        _, err = proc.communicate(timeout=timeout)
        status = f"exit {proc.returncode}"
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        status = f"killed after {timeout:.0f} s"
    seconds = time.monotonic() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    lines = [line for line in err.decode("utf-8", "replace").splitlines() if line.strip() and not line.startswith(" ")]
    return status, seconds, usage.ru_maxrss * 1024, (lines[0] if lines else "")


def main() -> None:
    """Print one line per hostile file: status, time, peak memory, message."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", default=str(HERE))
    parser.add_argument("--cap-gb", type=float, default=0)
    parser.add_argument("--timeout", type=float, default=150)
    parser.add_argument("--only", default="")
    args = parser.parse_args()
    root = Path(args.root)
    cap = int(args.cap_gb * 1024**3)
    print(f"checkout: {root}; address-space cap per run: {args.cap_gb or 'none'} GB")
    print(f"{'file':32} {'status':18} {'seconds':>8} {'peak MB':>8}  message")
    with tempfile.TemporaryDirectory() as tmp:
        for name, data in corpus():
            if args.only and args.only not in name:
                continue
            path = Path(tmp) / name
            path.write_bytes(data)
            db = Path(tmp) / f"{name}.duckdb"
            # A child's peak is read from RUSAGE_CHILDREN, a running maximum: measure each file in its own helper.
            probe = subprocess.run(
                [sys.executable, __file__, "--measure-one", str(root), str(path), str(db), str(cap), str(args.timeout)],
                capture_output=True,
                text=True,
            )
            print(probe.stdout.strip() or probe.stderr.strip()[-200:], flush=True)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--measure-one":
        root, path, db, cap, timeout = sys.argv[2:7]
        status, seconds, peak, message = measure(Path(root), Path(path), Path(db), int(cap), float(timeout))
        print(f"{Path(path).name:32} {status:18} {seconds:8.1f} {peak / 2**20:8.0f}  {message[:110]}")
    else:
        main()
