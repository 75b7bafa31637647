"""Uploads are parsed in a bounded worker process, never in the server.

A hostile file can abort the parser (SIGABRT), ask it for gigabytes or make it spin: in
a worker process that costs the worker alone. Each file gets a fresh worker (a spare one
is kept warm, so the start costs nothing); the worker caps its own address space
(``RLIMIT_AS``) and the server kills it after ``parse_timeout_s``. The server only waits
on a pipe meanwhile, so other users' pages keep answering.

Why a process started with ``subprocess`` rather than ``fork``: Streamlit runs scripts in
threads, and forking a threaded server copies locks held by other threads. A fresh
interpreter shares nothing with the server; its start-up runs while the previous file is
parsed (the warm spare).

What the worker sends back is never executable: frames are pickles read by an
unpickler that resolves no global at all, holding only plain values and byte buffers.
Cells travel column by column as typed buffers (numbers as float64, dates as days, strings
as lists, dictionary-encoded where a column repeats a few values), which both ends turn
into Python values in C. The worker imports no pyarrow or pandas, so a spare is ready fast.
"""

from __future__ import annotations

import atexit
import collections
import datetime as dt
import io
import logging
import os
import pickle
import signal
import struct
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

from . import settings

log = logging.getLogger(__name__)

_NONE, _STR, _FLOAT, _INT, _BOOL, _DATE, _DATETIME, _TIME, _DELTA, _OTHER = range(10)
_FRAME_LIMIT = 1 << 30
_CHUNK_ROWS = 20_000
# Settings the worker must see exactly as the server does (a spare started earlier
# would otherwise read an older environment).
_READER_SETTINGS = ("max_rows", "max_cols", "max_cells", "max_upload_bytes", "max_unzipped_bytes", "max_zip_ratio")


@dataclass
class Run:
    """What one worker run cost: outcome, wall time and the worker's peak resident memory."""

    file_name: str
    outcome: str = "running"
    seconds: float = 0.0
    peak_bytes: int = 0
    exit_code: int | None = None
    detail: str = ""


#: The most recent runs, newest last (for the test suite and the bench).
runs: collections.deque[Run] = collections.deque(maxlen=50)
_spare_lock = threading.Lock()
_spare: subprocess.Popen | None = None
_slots: threading.BoundedSemaphore | None = None
_slots_lock = threading.Lock()


class _NoGlobals(pickle.Unpickler):
    """An unpickler that refuses every global: a worker's frame can hold data, never code."""

    def find_class(self, module, name):
        raise pickle.UnpicklingError(f"工作进程返回了不允许的对象 {module}.{name}")


def _dump(obj) -> bytes:
    body = pickle.dumps(obj, protocol=5)
    return struct.pack("<Q", len(body)) + body


def _read_exact(stream, size: int) -> bytes:
    chunks = []
    while size:
        chunk = stream.read(min(size, 1 << 24))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def _load(stream):
    (size,) = struct.unpack("<Q", _read_exact(stream, 8))
    if size > _FRAME_LIMIT:
        raise pickle.UnpicklingError("工作进程返回的数据块过大")
    return _NoGlobals(io.BytesIO(_read_exact(stream, size))).load()


# --- cells as typed column buffers ------------------------------------------------------------


def _kind_of():
    return collections.defaultdict(
        lambda: _OTHER,
        {
            type(None): _NONE,
            str: _STR,
            float: _FLOAT,
            int: _INT,
            bool: _BOOL,
            dt.date: _DATE,
            dt.datetime: _DATETIME,
            dt.time: _TIME,
            dt.timedelta: _DELTA,
        },
    )


def _encode_values(kind: int, values):
    """One kind's values of a column (an object array) → plain data; numpy does the work in C."""
    import numpy as np

    if kind == _STR:
        # Columns of few distinct values (sub-branch, segment, 是/否) go dictionary-encoded, so
        # 200,000 cells become a handful of string objects on the server; ids and names go plain.
        if len(values) > 64 and len(set(values[:2000].tolist())) * 4 < min(len(values), 2000):
            uniques = dict.fromkeys(values)
            index = {value: i for i, value in enumerate(uniques)}
            return list(uniques), np.fromiter(map(index.__getitem__, values), np.int32, len(values)).tobytes()
        return values.tolist(), None
    if kind == _FLOAT:
        return np.asarray(values, dtype=np.float64).tobytes()
    if kind == _INT:
        try:
            return np.asarray(values, dtype=np.int64).tobytes()
        except OverflowError:
            return [str(v) for v in values]
    if kind == _BOOL:
        return np.asarray(values, dtype=np.bool_).tobytes()
    if kind == _DATE:
        return np.asarray(values, dtype="datetime64[D]").astype(np.int64).tobytes()
    if kind == _DATETIME:
        return np.asarray(values, dtype="datetime64[us]").astype(np.int64).tobytes()
    if kind == _TIME:
        return [v.isoformat() for v in values]
    if kind == _DELTA:
        return [v // dt.timedelta(microseconds=1) for v in values]
    return [str(v) for v in values]


def _encode_column(column, kind_of) -> tuple:
    """An object column → (single kind or None, kind codes or None, {kind: data})."""
    import numpy as np

    kinds = {kind_of[t] for t in set(map(type, column))}
    if len(kinds) == 1:
        kind = kinds.pop()
        return kind, None, ({} if kind == _NONE else {kind: _encode_values(kind, column)})
    codes = np.fromiter(map(kind_of.__getitem__, map(type, column)), np.int8, len(column))
    parts = {kind: _encode_values(kind, column[codes == kind]) for kind in sorted(kinds) if kind != _NONE}
    if _INT in parts and isinstance(parts[_INT], list):  # ints beyond 64 bits travel as text
        parts[_OTHER] = parts.pop(_INT)
        codes[codes == _INT] = _OTHER
    return None, codes.tobytes(), parts


def _decode_values(kind: int, data, count: int):
    import numpy as np

    if kind == _STR:
        strings, indices = data
        if not isinstance(strings, list) or (indices is None and len(strings) != count):
            raise ValueError("malformed string column")
        table = _object_array(strings)
        return table if indices is None else table[np.frombuffer(indices, dtype=np.int32, count=count)]
    if kind == _FLOAT:
        return np.frombuffer(data, dtype=np.float64, count=count)
    if kind == _INT:
        if isinstance(data, list):
            return _object_array([str(v) for v in data])
        return np.frombuffer(data, dtype=np.int64, count=count).astype(object)
    if kind == _BOOL:
        return np.frombuffer(data, dtype=np.bool_, count=count).astype(object)
    if kind == _DATE:
        return np.frombuffer(data, dtype=np.int64, count=count).astype("datetime64[D]").astype(object)
    if kind == _DATETIME:
        return np.frombuffer(data, dtype=np.int64, count=count).astype("datetime64[us]").astype(object)
    if kind == _TIME:
        return _object_array([dt.time.fromisoformat(v) for v in data])
    if kind == _DELTA:
        return _object_array([dt.timedelta(microseconds=v) for v in data])
    return _object_array([str(v) for v in data])


def _object_array(values: list):
    import numpy as np

    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array


def _decode_column(target, encoded) -> None:
    """Fill ``target`` (a column view of the sheet's grid) from :func:`_encode_column`'s output."""
    import numpy as np

    single, codes, parts = encoded
    if single is not None:
        if single != _NONE:
            target[:] = _decode_values(single, parts[single], len(target))
        return
    codes = np.frombuffer(codes, dtype=np.int8, count=len(target))
    for kind, data in parts.items():
        mask = codes == kind
        target[mask] = _decode_values(kind, data, int(mask.sum()))


# --- the worker process -----------------------------------------------------------------------


def _limit_memory(limit_bytes: int) -> None:
    try:
        import resource
    except ImportError:  # Windows: no rlimits; the timeout still holds
        return
    if limit_bytes > 0:
        resource.setrlimit(resource.RLIMIT_AS, (limit_bytes, limit_bytes))


def _send_sheet(send, name: str, height: int, width: int, rows, kind_of) -> None:
    """Stream one sheet: a header frame, then blocks of ``_CHUNK_ROWS`` rows column by column."""
    import itertools

    import numpy as np

    send(("sheet", name, height, width))
    rows = iter(rows)
    start = 0
    while True:
        chunk = list(itertools.islice(rows, _CHUNK_ROWS))
        if not chunk:
            break
        widths = None
        if set(map(len, chunk)) == {width}:
            block = np.empty((len(chunk), width), dtype=object)
            block[:, :] = chunk
        else:  # ragged CSV rows: padded here, their lengths sent so the server can trim them back
            widths = list(map(len, chunk))
            block = np.empty((len(chunk), width), dtype=object)
            for i, row in enumerate(chunk):
                block[i, : len(row)] = row
        del chunk
        send(("rows", start, len(block), widths, [_encode_column(block[:, j], kind_of) for j in range(width)]))
        start += len(block)
    send(("sheet_end", start))


def _warm_up() -> None:
    """Import what the first file needs while this worker waits as the spare."""
    import numpy  # noqa: F401
    import python_calamine  # noqa: F401


def _worker_main() -> None:
    """Entry of the worker process: one job from stdin, frames to stdout, then exit."""
    from . import readers

    _warm_up()

    out = os.fdopen(os.dup(1), "wb")
    sys.stdout = sys.stderr  # nothing but frames on the pipe
    stdin = sys.stdin.buffer
    try:
        job = pickle.loads(_read_exact(stdin, struct.unpack("<Q", _read_exact(stdin, 8))[0]))
    except EOFError:
        return  # the server went away while this worker was its spare
    _limit_memory(job["memory_bytes"])
    for name, value in job["settings"].items():
        os.environ[f"PUHUI_{name.upper()}"] = "1" if value is True else "0" if value is False else str(value)

    def send(obj) -> None:
        out.write(_dump(obj))
        out.flush()

    kind_of = _kind_of()
    try:
        data = _read_exact(stdin, job["size"])
        warnings = readers.parse_sheets(
            job["file_name"],
            data,
            lambda name, height, width, rows: _send_sheet(send, name, height, width, rows, kind_of),
            lambda name: send(("progress", name)),
        )
        send(("done", warnings))
    except readers.ReadError as exc:
        send(("refused", str(exc)))
    except MemoryError:
        send(("memory", ""))
    except RecursionError:
        send(("refused", "文件结构嵌套过深，无法解析，已拒绝"))
    except Exception as exc:  # noqa: BLE001  (reported to the server, which words it for the user)
        send(("failed", f"{type(exc).__name__}: {exc}"[:500]))
    out.close()


# --- the server side --------------------------------------------------------------------------

_BOOT = "import sys; sys.path.insert(0, {root!r}); from puhui.sandbox import _worker_main; _worker_main()"


def _start_worker() -> subprocess.Popen:
    env = dict(os.environ)
    # Quiet, small workers: few malloc arenas, one BLAS thread, no Rust backtraces on stderr.
    env.update(RUST_BACKTRACE="0", MALLOC_ARENA_MAX="2", OPENBLAS_NUM_THREADS="1")
    return subprocess.Popen(
        [sys.executable, "-c", _BOOT.format(root=str(settings.ROOT))],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        close_fds=True,
        start_new_session=True,  # Ctrl-C at a terminal reaches the server, which ends the worker
    )


def _take_worker() -> subprocess.Popen:
    """The warm spare if there is a live one, else a new worker; a new spare starts either way."""
    global _spare
    with _spare_lock:
        worker = _spare if _spare is not None and _spare.poll() is None else None
        if worker is None:
            worker = _start_worker()
        _spare = _start_worker()
    return worker


def _slot() -> threading.BoundedSemaphore:
    global _slots
    with _slots_lock:
        if _slots is None:
            _slots = threading.BoundedSemaphore(max(1, settings.get("parse_workers")))
        return _slots


def _kill(worker: subprocess.Popen) -> None:
    # os.kill, not Popen.kill: Popen polls (and so reaps) first, and the peak would be lost.
    try:
        os.kill(worker.pid, getattr(signal, "SIGKILL", signal.SIGTERM))
    except (ProcessLookupError, PermissionError):
        pass


def _reap(worker: subprocess.Popen, run: Run, kill: bool) -> None:
    """End (if ``kill``) and reap the worker; record its exit and peak memory.

    The peak was sampled from ``/proc`` while the worker ran. Nothing else reaps the worker
    (no ``poll()``), so its pid cannot have been reused when it is killed.
    """
    if not hasattr(os, "wait4"):  # Windows
        if kill:
            worker.kill()
        worker.wait()
        run.exit_code = worker.returncode
        return
    if kill:
        _kill(worker)
    deadline = time.monotonic() + 10
    while True:
        pid, status, usage = os.wait4(worker.pid, 0 if kill else os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline:  # finished its answer but does not exit: end it
            _kill(worker)
            kill = True
        time.sleep(0.01)
    worker.returncode = os.waitstatus_to_exitcode(status)
    if not run.peak_bytes:  # no /proc: ru_maxrss, which also counts the server's pages at the fork
        run.peak_bytes = usage.ru_maxrss * (1 if sys.platform == "darwin" else 1024)
    run.exit_code = worker.returncode


def _high_water(pid: int) -> int:
    """The worker's peak resident memory so far (``VmHWM``: its own, unlike ``ru_maxrss``, which
    also counts the server's pages the fork copied before ``exec``); 0 where /proc is missing."""
    try:
        with open(f"/proc/{pid}/status", "rb") as status:
            for line in status:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


@dataclass
class _Collector:
    """Reads the worker's frames in a thread and assembles the sheets as blocks arrive."""

    worker: subprocess.Popen
    sheets: list = field(default_factory=list)
    final: tuple | None = None
    current_sheet: str = ""
    error: BaseException | None = None
    finished: threading.Event = field(default_factory=threading.Event)
    stderr_tail: bytearray = field(default_factory=bytearray)

    def read_frames(self) -> None:
        import numpy as np

        grid = None
        widths: list | None = None
        try:
            while True:
                frame = _load(self.worker.stdout)
                tag = frame[0]
                if tag == "progress":
                    self.current_sheet = frame[1]
                elif tag == "sheet":
                    _, name, height, width = frame
                    self.current_sheet = name
                    grid = np.empty((height, width), dtype=object)
                    widths = None
                elif tag == "rows":
                    _, start, count, row_widths, columns = frame
                    if start + count > grid.shape[0]:  # the worker's count was short: grow
                        grid = np.vstack([grid, np.empty((start + count - grid.shape[0], grid.shape[1]), dtype=object)])
                    block = grid[start : start + count]
                    for j, encoded in enumerate(columns):
                        _decode_column(block[:, j], encoded)
                    if row_widths is not None:
                        widths = (widths or []) + [None] * (start - len(widths or [])) + row_widths
                elif tag == "sheet_end":
                    rows = grid[: frame[1]].tolist()
                    if widths is not None:
                        rows = [
                            row[:w] if w is not None and w < len(row) else row
                            for row, w in zip(rows, widths + [None] * (len(rows) - len(widths)))
                        ]
                    self.sheets.append((self.current_sheet, rows, grid[: frame[1]]))
                    grid = None
                else:
                    self.final = frame
                    return
        except EOFError:
            return
        except BaseException as exc:  # noqa: BLE001  (a malformed frame: the worker is not trusted)
            self.error = exc
        finally:
            self.finished.set()

    def read_stderr(self) -> None:
        for line in iter(self.worker.stderr.readline, b""):
            self.stderr_tail += line
            del self.stderr_tail[:-8192]


def _feed(worker: subprocess.Popen, job: dict, data: bytes) -> None:
    try:
        worker.stdin.write(_dump(job))
        view = memoryview(data)
        for offset in range(0, len(view), 1 << 22):
            worker.stdin.write(view[offset : offset + (1 << 22)])
        worker.stdin.close()
    except (BrokenPipeError, OSError, ValueError):
        pass  # the worker died early; its exit tells why


def parse(file_name: str, data: bytes):
    """Parse ``data`` in a bounded worker: a list of (sheet name, rows, grid) and the per-sheet warnings.

    Raises :class:`readers.ReadError` (Chinese, for the user) for a refused, crashed, too
    greedy or too slow file.
    """
    from .readers import ReadError

    memory_mb = settings.get("parse_memory_mb")
    timeout = settings.get("parse_timeout_s")
    job = {
        "file_name": file_name,
        "size": len(data),
        "memory_bytes": memory_mb * 1024 * 1024,
        "settings": {name: settings.get(name) for name in _READER_SETTINGS},
    }
    run = Run(file_name)
    runs.append(run)
    started = time.monotonic()
    with _slot():
        worker = _take_worker()
        collector = _Collector(worker)
        threads = [
            threading.Thread(target=_feed, args=(worker, job, data), daemon=True, name="puhui-sandbox-feed"),
            threading.Thread(target=collector.read_frames, daemon=True, name="puhui-sandbox-read"),
            threading.Thread(target=collector.read_stderr, daemon=True, name="puhui-sandbox-stderr"),
        ]
        for thread in threads:
            thread.start()
        timed_out = False
        try:
            deadline = time.monotonic() + timeout
            while not collector.finished.wait(0.05):
                run.peak_bytes = max(run.peak_bytes, _high_water(worker.pid))
                if time.monotonic() > deadline:
                    timed_out = True
                    break
        finally:
            # Whatever happened (a Streamlit rerun or stop is a BaseException), the worker ends here.
            _reap(worker, run, kill=timed_out or collector.final is None)
            for thread in threads:
                thread.join(5)
            run.seconds = time.monotonic() - started
    final = collector.final
    stderr = bytes(collector.stderr_tail).decode("utf-8", "replace")
    sheet_hint = f"（解析工作表“{collector.current_sheet}”时）" if collector.current_sheet else ""
    if timed_out:
        run.outcome = "timeout"
        raise ReadError(
            f"解析超过 {timeout} 秒仍未完成，已中止{sheet_hint}。文件可能异常复杂或是恶意构造的文件；"
            "如确为正常报表，请按支行拆分后分别导入"
        )
    if final is not None and final[0] == "done":
        run.outcome = "ok"
        return collector.sheets, final[1]
    if final is not None and final[0] == "refused":
        run.outcome = "refused"
        run.detail = final[1]
        raise ReadError(final[1])
    run.detail = (final[1] if final is not None and len(final) > 1 else "") or stderr.strip()[-500:]
    allocation = _failed_allocation(stderr)
    if (final is not None and final[0] == "memory") or allocation or (final is None and run.exit_code in (-6, -9)):
        run.outcome = "memory"
        asked = f"（需要一次申请 {allocation / 2**30:,.1f} GB）" if allocation else ""
        log.info("upload %s: worker stopped at the memory cap: %s", file_name, run.detail)
        raise ReadError(
            f"解析该文件所需内存超过上限 {memory_mb:,} MB{asked}，已中止{sheet_hint}。"
            "常见原因：工作表中有位置极远的单元格（如 XFD1048576），使表格范围达到数十亿个单元格；"
            "或是压缩炸弹。如确为正常报表，请删除多余的行列、按支行拆分后分别导入"
        )
    run.outcome = "failed"
    log.info("upload %s: worker failed (exit %s): %s", file_name, run.exit_code, run.detail)
    if collector.error is not None:
        raise ReadError("解析文件时出错（工作进程返回了无法识别的数据），已拒绝")
    raise ReadError(f"无法读取该文件（文件可能已损坏，或不是有效的 Excel/CSV 文件）{sheet_hint}")


def _failed_allocation(stderr: str) -> int:
    """Bytes of the allocation Rust reported failing (``memory allocation of N bytes failed``), else 0."""
    import re

    match = re.search(r"memory allocation of (\d+) bytes failed", stderr)
    return int(match.group(1)) if match else 0


def shutdown() -> None:
    """End the warm spare worker (tests, interpreter exit)."""
    global _spare
    with _spare_lock:
        spare, _spare = _spare, None
    if spare is not None and spare.poll() is None:
        spare.kill()
        spare.wait()


atexit.register(shutdown)
