"""How fast every page is, as AppTest and as a user in Chromium see it, on a small and a big demo bank.

    python bench/bench_pages.py                       # small demo bank and 1,000,000 × 24, browser on the big one
    python bench/bench_pages.py --small-only          # smoke run: the small bank, AppTest only
    python bench/bench_pages.py --profile             # also profile each page's AppTest runs (bench/out/profile/)

For every page in ``puhui.ui.PAGES`` it measures:

- AppTest, each page in a fresh process: the first run (empty caches, DuckDB file just opened),
  warm reruns (cached), and a run after ``st.cache_data.clear()`` (data caches empty, process warm);
- real Chromium (Debian's, through Playwright) against ``streamlit run app.py``, clicking the sidebar
  as a user does: seconds until the script run settles and until the browser is idle again, on the
  first and second visit, after a month change and after a sub-branch change; the bytes the server
  sent (websocket frames, by element kind, plus HTTP responses); browser main-thread time; server CPU;
- the server's peak memory (VmHWM, and RSS sampled) with every page visited.

Demo databases are kept in ``bench/out/`` and reused while their parameters and the code that
builds them (demo, store, contract, ingest) are unchanged; the big build takes minutes and GBs.
Results are printed as tables and written as JSON (``--out``). Timings on a shared machine are
noisy: compare figures within one run.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from pathlib import Path

# Not resolved: the project root is the folder holding this bench/ folder as given (as in tests/conftest.py).
ROOT = Path(__file__).absolute().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"

# Code whose change makes a stored demo build stale.
BUILD_SOURCES = ("puhui/demo", "puhui/store.py", "puhui/contract.py", "puhui/ingest.py")  # a folder: its .py files

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [  # as tests/conftest.py
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
NAV_LINK = '[data-testid="stSidebar"] [data-testid="stPageLink"]'
EXCEPTION = '[data-testid="stException"]'

# Targets of issue 13 (1 M customers × 24 months, this 2-core machine).
TARGET_FIRST_VIEW, TARGET_SECOND_VIEW, TARGET_FILTER = 2.0, 1.0, 1.5
TARGET_WARM, TARGET_GROWTH, TARGET_BYTES, TARGET_RSS_MB = 0.5, 2.0, 1_000_000, 2048


class BenchError(RuntimeError):
    """A step of the benchmark could not be measured (the message says which and why)."""


# ---------------------------------------------------------------------------------------------
# Demo databases
# ---------------------------------------------------------------------------------------------

_BUILD_SNIPPET = """
import json, resource, sys, time
sys.path.insert(0, sys.argv[1])
from puhui import demo
start = time.perf_counter()
rows = demo.build(sys.argv[2], seed=int(sys.argv[3]), customers=int(sys.argv[4]), months=int(sys.argv[5]),
                  end_month=sys.argv[6])
print(json.dumps({"seconds": time.perf_counter() - start, "rows": rows,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}, default=str))
"""


def code_fingerprint() -> str:
    """A short hash of the code that builds the demo bank (a stored build is stale when it changes)."""
    digest = hashlib.sha256()
    for rel in BUILD_SOURCES:
        path = ROOT / rel
        for file in sorted(path.glob("*.py")) if path.is_dir() else [path]:
            digest.update(str(file.relative_to(ROOT)).encode())
            digest.update(file.read_bytes() if file.exists() else b"")
    return digest.hexdigest()[:16]


def ensure_build(customers: int, months: int, seed: int, end_month: str, folder: Path, rebuild: bool = False) -> dict:
    """The demo bank of this size in ``folder``: reused when its parameters and code match, else built anew.

    The build runs in its own process so that its memory (GBs at 1 M customers) is returned at once.
    """
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"demo-{customers}x{months}-s{seed}-{end_month}.duckdb"
    meta_path = path.with_name(path.name + ".json")
    wanted = {
        "customers": customers,
        "months": months,
        "seed": seed,
        "end_month": end_month,
        "code": code_fingerprint(),
    }
    if path.exists() and meta_path.exists() and not rebuild:
        meta = json.loads(meta_path.read_text())
        if meta.get("params") == wanted:
            print(f"· reusing {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}", flush=True)
            return {**meta, "path": str(path), "reused": True}
        print(f"· {path.name}: parameters or build code changed, building anew", flush=True)
    for stale in (path, Path(str(path) + ".wal"), meta_path):
        stale.unlink(missing_ok=True)
    building = path.with_name(path.name + ".building")
    for leftover in (building, Path(str(building) + ".wal")):
        leftover.unlink(missing_ok=True)
    print(f"· building the demo bank: {customers:,} customers × {months} months up to {end_month} …", flush=True)
    answer = subprocess.run(
        [
            sys.executable,
            "-c",
            _BUILD_SNIPPET,
            str(ROOT),
            str(building),
            str(seed),
            str(customers),
            str(months),
            end_month,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if answer.returncode != 0:
        raise BenchError(f"demo build failed ({customers:,} × {months}):\n{answer.stderr[-3000:]}")
    result = json.loads(answer.stdout.strip().splitlines()[-1])
    os.replace(building, path)
    wal = Path(str(building) + ".wal")
    if wal.exists():
        os.replace(wal, Path(str(path) + ".wal"))
    meta = {
        "params": wanted,
        "build_seconds": round(result["seconds"], 1),
        "build_peak_rss_mb": round(result["peak_rss_mb"]),
        "rows": result["rows"],
        "file_mb": round(path.stat().st_size / 2**20),
        "built_at": dt.datetime.now().isoformat(timespec="seconds"),
    }
    meta_path.write_text(json.dumps(meta, ensure_ascii=False, indent=1))
    print(
        f"  {meta['build_seconds']} s, peak memory {meta['build_peak_rss_mb']:,} MB, file {meta['file_mb']:,} MB",
        flush=True,
    )
    return {**meta, "path": str(path), "reused": False}


def db_facts(path: str) -> dict:
    """Months (newest first), sub-branches and customer rows of a database (opened read-only, then closed)."""
    import duckdb

    con = duckdb.connect(path, read_only=True)
    try:
        months = [r[0] for r in con.execute("select distinct month from customers order by month desc").fetchall()]
        branches = [
            r[0]
            for r in con.execute(
                "select distinct branch from (select branch from managers union select branch from customers) "
                "where branch is not null order by branch"
            ).fetchall()
        ]
        rows = con.execute("select count(*) from customers").fetchall()[0][0]
        latest = con.execute("select count(*) from customers where month = $m", {"m": months[0]}).fetchall()[0][0]
    finally:
        con.close()
    return {"months": months, "branches": branches, "customer_rows": rows, "latest_customers": latest}


# ---------------------------------------------------------------------------------------------
# AppTest: one fresh process per page
# ---------------------------------------------------------------------------------------------


def _preimport() -> float:
    """Import what the pages import, so a page's first run measures the page, not Python's imports."""
    started = time.perf_counter()
    import duckdb  # noqa: F401
    import pandas  # noqa: F401
    import plotly.graph_objects  # noqa: F401
    import pyarrow  # noqa: F401
    import pydeck  # noqa: F401
    import streamlit  # noqa: F401
    from streamlit.testing.v1 import AppTest  # noqa: F401

    import puhui

    for module in sorted(p.stem for p in (ROOT / "puhui").glob("*.py")):
        if module not in ("__init__", "__main__", "cli", "demo"):
            __import__(f"puhui.{module}")
    del puhui
    return time.perf_counter() - started


class QueryTimer:
    """Wraps ``queries.run`` and ``queries.run_rows``: seconds in DuckDB's execute and in the fetch, per query."""

    def __init__(self):
        from puhui import queries

        self.records: list[dict] = []
        self.queries = queries
        self.phase = "first"
        original_run, original_rows = queries.run, queries.run_rows

        def run(con, name, params=None, **kw):
            query = queries.get(name, **kw)
            values = queries.bind(query, params)
            started = time.perf_counter()
            cursor = con.execute(query.sql, values)
            executed = time.perf_counter()
            frame = cursor.df()
            self._record(name, values, started, executed, time.perf_counter(), len(frame), "df")
            return frame

        def run_rows(con, name, params=None, **kw):
            query = queries.get(name, **kw)
            values = queries.bind(query, params)
            started = time.perf_counter()
            cursor = con.execute(query.sql, values)
            executed = time.perf_counter()
            columns = [d[0] for d in cursor.description]
            rows = cursor.fetchall()
            self._record(name, values, started, executed, time.perf_counter(), len(rows), "rows")
            return columns, rows

        self.originals = (original_run, original_rows)
        queries.run, queries.run_rows = run, run_rows

    def _record(self, name, values, started, executed, fetched, rows, kind) -> None:
        shown = {k: v for k, v in values.items() if v is not None}
        self.records.append(
            {
                "phase": self.phase,
                "query": name,
                "params": json.dumps(shown, ensure_ascii=False, default=str),
                "execute_s": round(executed - started, 4),
                "fetch_s": round(fetched - executed, 4),
                "rows": rows,
                "fetch": kind,
            }
        )


# Where a sample of the profile goes, judged by the frames between the innermost page/package frame
# and the leaf. DuckDB's methods are pybind11 and invisible to the profiler: their time shows as the
# self time of the Python function that called them (queries.run, store.*, ui._data_state).
_THIS_FILE = str(Path(__file__).absolute())
_DUCKDB_CALLERS = {("puhui/queries.py", "run"), ("puhui/queries.py", "run_rows"), ("puhui/ui.py", "_data_state")}


def _rel(file_path: str) -> str | None:
    """A project file's path relative to the root, or None for a library file."""
    try:
        rel = Path(file_path).resolve().relative_to(ROOT.resolve()).as_posix()
    except (ValueError, OSError):
        return None
    return rel if rel.startswith(("pages/", "puhui/")) or rel == "app.py" else None


def _library(file_path: str) -> str:
    """The top-level package a library frame belongs to (``pandas``, ``streamlit`` ...)."""
    parts = Path(file_path).parts
    if "site-packages" in parts:
        rest = parts[parts.index("site-packages") + 1 :]
        return rest[0].removesuffix(".py") if rest else "?"
    if file_path.startswith("<frozen importlib"):
        return "importlib"
    if file_path == "<built-in>":
        return "builtin"
    return "stdlib"


def categorise(stack: list) -> str:
    """The cost category of one leaf (a list of pyinstrument frames, root first)."""
    real = [frame for frame in stack if not frame.is_synthetic]  # "[self]" leaves carry their parent's time
    files = [frame.file_path or "" for frame in real]
    if any(f.startswith("<frozen importlib") for f in files):
        return "import"
    if any(f == _THIS_FILE and frame.function in ("run", "run_rows") for f, frame in zip(files, real)):
        return "DuckDB (query + fetch)"  # QueryTimer's stand-ins for queries.run / run_rows
    app = [i for i, f in enumerate(files) if _rel(f)]
    if not app:
        return "Streamlit runtime (outside the page)"
    inner = app[-1]
    if inner == len(real) - 1:
        if (_rel(files[inner]), real[inner].function) in _DUCKDB_CALLERS or _rel(files[inner]) == "puhui/store.py":
            return "DuckDB (query + fetch)"
        return "Python (pages/puhui, stdlib)"
    below_files = files[inner + 1 :]
    below = [_library(f) for f in below_files]
    first = below[0]
    if first == "duckdb":
        return "DuckDB (query + fetch)"
    if first in ("plotly", "_plotly_utils"):
        return "figure building (plotly)"
    if first == "pydeck":
        return "deck building (pydeck)"
    if first == "streamlit":
        if any("/streamlit/runtime/caching/" in f for f in below_files):
            return "st.cache (hash, pickle)"
        if "pyarrow" in below or any("dataframe_util" in f or f.endswith("/elements/arrow.py") for f in below_files):
            return "Streamlit serialisation: Arrow (tables)"
        if any(lib in ("plotly", "_plotly_utils", "pydeck") for lib in below) or any(
            f.endswith(("json/encoder.py", "json/__init__.py")) for f in below_files
        ):
            return "Streamlit serialisation: figure/deck JSON"
        return "Streamlit elements (other)"
    if first in ("pandas", "numpy", "pyarrow"):
        return "pandas/numpy"
    if first in ("openpyxl", "python_calamine"):
        return "xlsx"
    if first in ("h3", "shapely"):
        return "geometry (h3)"
    if first in ("builtin", "stdlib"):
        return "Python (pages/puhui, stdlib)"
    return f"Python libraries ({first})"


def profile_summary(session, top: int = 25) -> dict:
    """Seconds per category and the page/package functions with the most time, from one pyinstrument session."""
    categories: dict[str, float] = {}
    functions: dict[str, float] = {}
    lines: dict[str, float] = {}

    def walk(frame, stack: list) -> None:
        stack = [*stack, frame]
        if not frame.children:
            categories[categorise(stack)] = categories.get(categorise(stack), 0.0) + frame.time
            return
        for child in frame.children:
            walk(child, stack)

    def inclusive(frame, seen: frozenset) -> None:
        rel = _rel(frame.file_path or "")
        key = f"{rel}:{frame.line_no} {frame.function}" if rel else None
        if key and key not in seen:
            functions[key] = functions.get(key, 0.0) + frame.time
            seen = seen | {key}
        if rel:
            # Time spent below a project function in a library call: the call site is the project frame.
            for child in frame.children:
                child_rel = _rel(child.file_path or "")
                if not child_rel and not child.is_synthetic:
                    site = f"{rel} {frame.function} → {_library(child.file_path or '')}.{child.function}"
                    lines[site] = lines.get(site, 0.0) + child.time
        for child in frame.children:
            inclusive(child, seen)

    root = session.root_frame()
    if root is None:
        return {"total_s": 0.0, "categories": {}, "functions": [], "library_calls": []}
    walk(root, [])
    inclusive(root, frozenset())

    def rank(d: dict) -> list:
        return [[k, round(v, 3)] for k, v in sorted(d.items(), key=lambda kv: -kv[1])[:top]]

    return {
        "total_s": round(root.time, 3),
        "categories": {k: round(v, 3) for k, v in sorted(categories.items(), key=lambda kv: -kv[1])},
        "functions": rank(functions),
        "library_calls": rank(lines),
    }


_WARM_UP = """
import streamlit as st
st.set_page_config(page_title="warm-up", page_icon="🏠", layout="wide")
st.markdown("warm-up")
st.dataframe({"a": [1, 2]})
"""


def apptest_worker(page: str, db: str, warm_runs: int, timeout: float, profile_dir: str | None) -> dict:
    """In a fresh process: a page's first run, its warm reruns and a run after clearing the data cache."""
    os.chdir(ROOT)
    os.environ["PUHUI_DB"] = db
    os.environ.pop("PUHUI_TRAINING_MODE", None)
    sys.argv = [str(ROOT / page)]  # ui reads --db from sys.argv: none here, PUHUI_DB decides
    import_s = _preimport()
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    # Streamlit's own once-per-process costs (its emoji table's regex, a stack inspection on the
    # first element, AppTest's machinery) would otherwise land in whichever page runs first.
    started = time.perf_counter()
    AppTest.from_string(_WARM_UP, default_timeout=timeout).run()
    warm_up_s = time.perf_counter() - started

    timer = QueryTimer() if profile_dir else None
    sessions: dict[str, object] = {}
    if profile_dir:
        from pyinstrument import Profiler
        from streamlit.testing.v1 import local_script_runner

        original = local_script_runner.LocalScriptRunner._run_script_thread

        def profiled(runner) -> None:
            # The script runs in its own thread; the profiler must start in that thread.
            profiler = Profiler(interval=0.001)
            profiler.start()
            try:
                original(runner)
            finally:
                profiler.stop()
                sessions[timer.phase] = profiler.last_session

        local_script_runner.LocalScriptRunner._run_script_thread = profiled

    def run_once(at) -> tuple[float, list[str]]:
        started = time.perf_counter()
        at.run(timeout=timeout)
        seconds = time.perf_counter() - started
        return seconds, [str(e.value)[:300] for e in at.exception]

    at = AppTest.from_file(str(ROOT / page), default_timeout=timeout)
    first, problems = run_once(at)
    warm = []
    for _attempt in range(warm_runs):
        if timer:
            timer.phase = "warm"
        seconds, more = run_once(at)
        warm.append(seconds)
        problems += more
    st.cache_data.clear()
    ui_module = sys.modules.get("puhui.ui")
    if ui_module is not None:  # the app's results kept above the queries (a resource cache)
        ui_module.clear_cache()
    if timer:
        timer.phase = "cleared"
    cleared, more = run_once(at)
    problems += more
    result = {
        "page": page,
        "import_s": round(import_s, 3),
        "streamlit_warm_up_s": round(warm_up_s, 3),
        "first_s": round(first, 3),
        "warm_s": [round(s, 3) for s in warm],
        "warm_median_s": round(statistics.median(warm), 3) if warm else None,
        "cleared_s": round(cleared, 3),
        "exceptions": sorted(set(problems)),
    }
    if profile_dir:
        folder = Path(profile_dir)
        folder.mkdir(parents=True, exist_ok=True)
        stem = Path(page).stem if page != "app.py" else "overview"
        result["profile"] = {}
        for phase, session in sessions.items():
            from pyinstrument.renderers import ConsoleRenderer

            text = ConsoleRenderer(unicode=True, color=False, show_all=False, short_mode=False).render(session)
            (folder / f"{stem}-{phase}.txt").write_text(text)
            result["profile"][phase] = profile_summary(session)
        result["queries"] = timer.records
    return result


def apptest_page(page: str, db: str, warm_runs: int, timeout: float, profile_dir: Path | None = None) -> dict:
    """Run :func:`apptest_worker` for one page in a fresh Python process and return its figures."""
    with tempfile.TemporaryDirectory() as folder:
        result_path = Path(folder) / "result.json"
        command = [
            sys.executable,
            str(Path(__file__).absolute()),
            "--_worker",
            page,
            "--_worker-db",
            db,
            "--_result",
            str(result_path),
            "--warm-runs",
            str(warm_runs),
            "--timeout",
            str(timeout),
        ]
        if profile_dir:
            command += ["--_profile-dir", str(profile_dir)]
        try:
            answer = subprocess.run(
                command, cwd=ROOT, capture_output=True, text=True, timeout=timeout * (warm_runs + 3) + 120, check=False
            )
        except subprocess.TimeoutExpired:
            return {"page": page, "error": f"AppTest process timed out ({timeout} s × {warm_runs + 2} runs)"}
        if answer.returncode != 0 or not result_path.exists():
            return {
                "page": page,
                "error": f"AppTest process failed (exit code {answer.returncode}): {answer.stderr[-2000:]}",
            }
        return json.loads(result_path.read_text())


# ---------------------------------------------------------------------------------------------
# Chromium against a real server
# ---------------------------------------------------------------------------------------------

# Installed before any page script: records clicks and every change of the app's run state on
# the browser's own clock, so the timings do not include Playwright's round trips.
_INIT_JS = """
(() => {
  const bench = window.__bench = {clicks: [], states: []};
  document.addEventListener('click', () => bench.clicks.push(performance.now()), true);
  const watch = () => new MutationObserver(records => {
    for (const r of records) {
      if (r.attributeName === 'data-test-script-state') {
        bench.states.push([performance.now(), r.target.getAttribute('data-test-script-state')]);
      }
    }
  }).observe(document, {attributes: true, subtree: true, attributeFilter: ['data-test-script-state']});
  if (document.documentElement) { watch(); } else { document.addEventListener('DOMContentLoaded', watch); }
})();
"""

_IDLE_JS = """
() => new Promise(resolve => requestAnimationFrame(() => requestAnimationFrame(() =>
    requestIdleCallback(() => resolve(performance.now()), {timeout: 20000}))))
"""

_STATE_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  return {state: app ? app.getAttribute('data-test-script-state') : null,
          states: window.__bench ? window.__bench.states : [], clicks: window.__bench ? window.__bench.clicks : []};
}"""


def _element_kind(delta) -> tuple[str, str | None]:
    """What a Delta carries: an element type (dataframe, plotly_chart ...), a block, or other; and the element's key."""
    from streamlit.runtime.state.common import user_key_from_element_id

    kind = delta.WhichOneof("type")
    if kind != "new_element":
        return kind or "other", None
    element_kind = delta.new_element.WhichOneof("type") or "element"
    element = getattr(delta.new_element, element_kind, None)
    element_id = getattr(element, "id", "") if element is not None and hasattr(element, "id") else ""
    key = user_key_from_element_id(element_id) if element_id else None
    if key is None and element_kind == "dataframe" and element.columns:
        # A table without selections has no id: name it by its first column headers.
        try:
            config = json.loads(element.columns)
            key = "[" + ", ".join(str(c.get("label") or name) for name, c in list(config.items())[:3]) + "]"
        except (ValueError, AttributeError):
            pass
    return element_kind, key


class Traffic:
    """Everything the server sends to one browser page: websocket frames (parsed as ForwardMsg) and HTTP."""

    def __init__(self, page):
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        self.ForwardMsg = ForwardMsg
        self.frames: list[tuple[float, int, str, str | None]] = []  # (perf_counter, bytes, kind, element key)
        self.finished: list[tuple[float, int]] = []  # (perf_counter, ScriptFinishedStatus)
        self.sent_bytes = 0
        self.deflated: list[int] = []
        self.responses: list = []
        page.on("websocket", self._on_websocket)
        page.on("response", lambda response: self.responses.append(response))

    def _on_websocket(self, socket) -> None:
        socket.on("framereceived", self._on_frame)
        socket.on("framesent", self._on_sent)

    def _on_sent(self, payload) -> None:
        self.sent_bytes += len(payload.encode() if isinstance(payload, str) else payload)

    def _on_frame(self, payload) -> None:
        now = time.perf_counter()
        data = payload.encode() if isinstance(payload, str) else payload
        kind, key = "text", None
        if isinstance(payload, bytes):
            try:
                message = self.ForwardMsg.FromString(payload)
                kind = message.WhichOneof("type") or "other"
                if kind == "delta":
                    element_kind, key = _element_kind(message.delta)
                    kind = "delta:" + element_kind
                elif kind == "script_finished":
                    self.finished.append((now, int(message.script_finished)))
            except Exception:  # noqa: BLE001 - an unparsable frame still counts as bytes
                kind = "unparsed"
        self.frames.append((now, len(data), kind, key))
        # What permessage-deflate (server.enableWebsocketCompression) would put on the wire, roughly.
        self.deflated.append(len(zlib.compress(data, 6)))

    def mark(self) -> tuple[int, int, int]:
        """Positions to count from for the next step."""
        return len(self.frames), len(self.finished), len(self.responses)

    def since(self, mark: tuple[int, int, int]) -> dict:
        """Bytes received since ``mark``: websocket by message kind, and HTTP bodies (+ headers)."""
        by_kind: dict[str, int] = {}
        largest: list[tuple[int, str]] = []
        for _, size, kind, key in self.frames[mark[0] :]:
            by_kind[kind] = by_kind.get(kind, 0) + size
            largest.append((size, f"{kind.removeprefix('delta:')}:{key}" if key else kind.removeprefix("delta:")))
        http, unsized = 0, 0
        for response in self.responses[mark[2] :]:
            if "/_stcore/stream" in response.url:
                continue
            try:
                sizes = response.request.sizes()
            except Exception:  # noqa: BLE001 - a response aborted by a rerun has no sizes
                unsized += 1
                continue
            http += sizes["responseBodySize"] + sizes["responseHeadersSize"]
        websocket = sum(by_kind.values())
        return {
            "ws_bytes": websocket,
            "ws_bytes_deflated": sum(self.deflated[mark[0] :]),
            "http_bytes": http,
            "total_bytes": websocket + http,
            "http_unsized": unsized,
            "ws_frames": len(self.frames) - mark[0],
            "bytes_by_kind": dict(sorted(by_kind.items(), key=lambda kv: -kv[1])),
            "largest_messages": [[name, size] for size, name in sorted(largest, reverse=True)[:8]],
        }


class ServerWatch:
    """Samples the server process tree's resident memory and reads its CPU time and VmHWM."""

    def __init__(self, pid: int, interval: float = 0.2):
        self.pid = pid
        self.interval = interval
        self.peak_tree_kb = 0
        self.samples: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _tree(self) -> list[int]:
        pids, todo = [], [self.pid]
        while todo:
            pid = todo.pop()
            pids.append(pid)
            for task in Path(f"/proc/{pid}/task").glob("*/children"):
                with contextlib.suppress(OSError):  # a thread that ended meanwhile
                    todo += [int(c) for c in task.read_text().split()]
        return pids

    @staticmethod
    def _status(pid: int, field: str) -> int:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith(field + ":"):
                    return int(line.split()[1])
        except OSError:
            pass
        return 0

    def rss_kb(self) -> int:
        """Resident memory of the server and its children now (KiB)."""
        return sum(self._status(pid, "VmRSS") for pid in self._tree())

    def hwm_kb(self) -> int:
        """The server process's own peak resident memory (VmHWM, KiB)."""
        return self._status(self.pid, "VmHWM")

    def cpu_s(self) -> float:
        """CPU seconds (user + system) the server and its children used so far."""
        total = 0
        for pid in self._tree():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])
            except (OSError, IndexError, ValueError):
                pass
        return total / os.sysconf("SC_CLK_TCK")

    def _loop(self) -> None:
        start = time.perf_counter()
        while not self._stop.is_set():
            rss = self.rss_kb()
            self.peak_tree_kb = max(self.peak_tree_kb, rss)
            self.samples.append((round(time.perf_counter() - start, 1), rss))
            self._stop.wait(self.interval)

    def stop(self) -> None:
        """Stop sampling."""
        self._stop.set()
        self._thread.join(timeout=5)


def _server_class():
    """The test harness's StreamlitServer (tests/conftest.py), or a minimal copy when it cannot be imported."""
    try:
        sys.path.insert(0, str(ROOT / "tests"))
        from conftest import StreamlitServer  # type: ignore

        return StreamlitServer
    except ImportError:
        pass
    finally:
        sys.path.remove(str(ROOT / "tests"))

    import socket
    import urllib.request

    class MinimalServer:
        """``streamlit run app.py`` on a free port against one database file."""

        def __init__(self, db: Path, name: str):
            with socket.socket() as sock:
                sock.bind(("127.0.0.1", 0))
                self.port = sock.getsockname()[1]
            self.db, self.url, self.process = db, f"http://127.0.0.1:{self.port}", None
            self.log_path = OUT / f"server-{name}.log"

        def start(self, timeout: float = 60):
            """Start the server and wait until ``/_stcore/health`` answers."""
            OUT.mkdir(parents=True, exist_ok=True)
            env = {**os.environ, "PUHUI_DB": str(self.db)}
            env.pop("PUHUI_TRAINING_MODE", None)
            with open(self.log_path, "wb") as log:
                self.process = subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "streamlit",
                        "run",
                        "serve.py",
                        "--server.port",
                        str(self.port),
                        "--server.address",
                        "127.0.0.1",
                        "--server.headless",
                        "true",
                        "--",
                        "--db",
                        str(self.db),
                    ],
                    cwd=ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise BenchError(
                        f"the Streamlit server did not start:\n{self.log_path.read_text(errors='replace')}"
                    )
                try:
                    with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=1) as answer:
                        if answer.read() == b"ok":
                            return self
                except OSError:
                    time.sleep(0.1)
            self.stop()
            raise BenchError(f"the Streamlit server was not ready within {timeout} s")

        def stop(self) -> None:
            """Stop the server (its own process only)."""
            if self.process is not None and self.process.poll() is None:
                self.process.terminate()
                try:
                    self.process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()

    return MinimalServer


class BrowserBench:
    """One Chromium page driving one server; each step is timed from the click to the settled run."""

    def __init__(self, page, cdp, traffic: Traffic, watch: ServerWatch, timeout: float):
        self.page, self.cdp, self.traffic, self.watch, self.timeout = page, cdp, traffic, watch, timeout

    def _metrics(self) -> dict:
        metrics = self.cdp.send("Performance.getMetrics")["metrics"]
        return {m["name"]: m["value"] for m in metrics}

    def step(self, action, label: str, quiet: float = 0.5) -> dict:
        """Do ``action`` (a click or a page load) and wait until the run it starts has settled.

        Settled: the server sent ``script_finished`` (successfully) after the action, the app shows
        ``data-test-script-state="notRunning"``, and nothing arrived for ``quiet`` seconds (a run
        can trigger another). Times come from the browser's clock: from the click (or navigation
        start) to the last change to ``notRunning``, and to the next idle moment of the main thread.
        """
        mark = self.traffic.mark()
        before, cpu_before = self._metrics(), self.watch.cpu_s()
        started = time.perf_counter()
        action()
        deadline = started + self.timeout
        while True:
            if time.perf_counter() > deadline:
                raise BenchError(f"{label}: the run did not settle within {self.timeout:.0f} s")
            finished = [s for _, s in self.traffic.finished[mark[1] :]]
            last_frame = self.traffic.frames[-1][0] if len(self.traffic.frames) > mark[0] else started
            if finished and finished[-1] in (0, 1) and time.perf_counter() - last_frame >= quiet:
                state = self.page.evaluate(_STATE_JS)
                if state["state"] == "notRunning":
                    break
            self.page.wait_for_timeout(50)
        idle_at = self.page.evaluate(_IDLE_JS)
        state = self.page.evaluate(_STATE_JS)
        after, cpu_after = self._metrics(), self.watch.cpu_s()
        # The navigation start (0) for a page load, else the last click before the run.
        origin = state["clicks"][-1] if state["clicks"] else 0.0
        done = [t for t, s in state["states"] if s == "notRunning" and t >= origin]
        if done:
            settled = done[-1] - origin
        else:  # the state flipped faster than the DOM showed it: use the websocket's clock
            settled = self.traffic.finished[-1][0] - started
        problems = self.page.locator(EXCEPTION).all_inner_texts()
        result = {
            "settled_s": round(settled / (1000 if done else 1), 3),
            "idle_s": round((idle_at - origin) / 1000, 3),
            "wall_s": round(time.perf_counter() - started, 3),
            "browser_busy_s": round(after.get("TaskDuration", 0) - before.get("TaskDuration", 0), 3),
            "browser_script_s": round(after.get("ScriptDuration", 0) - before.get("ScriptDuration", 0), 3),
            "browser_layout_s": round(
                after.get("LayoutDuration", 0)
                - before.get("LayoutDuration", 0)
                + after.get("RecalcStyleDuration", 0)
                - before.get("RecalcStyleDuration", 0),
                3,
            ),
            "server_cpu_s": round(cpu_after - cpu_before, 2),
            "server_rss_mb": round(self.watch.rss_kb() / 1024),
            "runs": len(self.traffic.finished) - mark[1],
            **self.traffic.since(mark),
            "exceptions": [p[:300] for p in problems],
        }
        return result

    def click_nav(self, label: str):
        """An action: click the sidebar link ``label``."""
        link = self.page.locator(NAV_LINK).filter(has_text=re.compile(re.escape(label) + r"\s*$"))
        return lambda: link.first.click()

    def choose(self, widget_key: str, option: str):
        """An action: pick ``option`` in the selectbox ``widget_key`` (opening it first, untimed)."""

        def act() -> None:
            self.page.locator(f'.st-key-{widget_key} input[role="combobox"]').click()
            self.page.get_by_role("option", name=option, exact=True).click()

        return act


def browser_run(db: str, pages: list[tuple[str, str]], facts: dict, timeout: float) -> dict:
    """Every page through the sidebar, twice, then a month and a sub-branch change on each; the server's memory."""
    from playwright.sync_api import sync_playwright

    from puhui import ui

    if not Path(CHROMIUM).exists():
        raise BenchError(f"no {CHROMIUM}: install Debian's chromium (apt-get install chromium fonts-noto-cjk)")
    server = _server_class()(Path(db), "bench")
    server.start(timeout=120)
    watch = ServerWatch(server.process.pid)
    result: dict = {"db": db, "visits": {}, "errors": []}
    month_to = facts["months"][1] if len(facts["months"]) > 1 else facts["months"][0]
    branch_to = facts["branches"][0]
    result["month_change"], result["branch_change"] = f"{facts['months'][0]} → {month_to}", branch_to
    labels = dict(pages)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
            context.add_init_script(_INIT_JS)
            page = context.new_page()
            page.set_default_timeout(timeout * 1000)
            cdp = context.new_cdp_session(page)
            cdp.send("Performance.enable")
            traffic = Traffic(page)
            bench = BrowserBench(page, cdp, traffic, watch, timeout)

            def record(rel: str, what: str, action, label: str) -> None:
                print(f"  · {labels[rel]} {what} …", end="", flush=True)
                try:
                    figures = bench.step(action, f"{labels[rel]} {what}")
                except Exception as problem:  # noqa: BLE001 - one failed step must not lose the others
                    message = f"{labels[rel]} {what}：{type(problem).__name__}: {str(problem)[:500]}"
                    result["errors"].append(message)
                    print(f" failed: {message}", flush=True)
                    return
                result["visits"].setdefault(rel, {})[what] = figures
                print(
                    f" {figures['settled_s']:.2f} s (idle {figures['idle_s']:.2f} s, {figures['total_bytes'] / 1e3:,.0f} KB)",
                    flush=True,
                )

            first_rel = pages[0][0]
            url = server.url + ("/" if first_rel == "app.py" else "/" + Path(first_rel).stem)
            record(first_rel, "first", lambda: page.goto(url), "load")
            for rel, label in pages[1:]:
                record(rel, "first", bench.click_nav(label), label)
            for index, (rel, label) in enumerate(pages):
                record(rel, "second", bench.click_nav(label), label)
                record(rel, "month", bench.choose(ui.KEY_MONTH, month_to), label)
                record(rel, "branch", bench.choose(ui.KEY_BRANCH, branch_to), label)
                if index < len(pages) - 1:
                    # Back to the latest month and all sub-branches (both cached now) for the next page.
                    record(rel, "reset_branch", bench.choose(ui.KEY_BRANCH, ui.ALL_BRANCHES), label)
                    record(rel, "reset_month", bench.choose(ui.KEY_MONTH, facts["months"][0]), label)
            metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
            result["browser_js_heap_mb"] = round(metrics.get("JSHeapUsedSize", 0) / 2**20, 1)
            context.close()
            browser.close()
    finally:
        result["server_rss_end_mb"] = round(watch.rss_kb() / 1024)
        result["server_peak_rss_mb"] = round(max(watch.peak_tree_kb, watch.hwm_kb()) / 1024)
        result["server_vmhwm_mb"] = round(watch.hwm_kb() / 1024)
        result["server_rss_samples"] = watch.samples[:: max(1, len(watch.samples) // 200)]
        watch.stop()
        server.stop()
        result["server_log"] = str(server.log_path)
    return result


# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------


def _busy_processes() -> list[str]:
    """The processes using the most CPU right now (to say whether the machine was shared)."""
    try:
        answer = subprocess.run(
            ["ps", "-eo", "pcpu,rss,comm", "--sort=-pcpu"], capture_output=True, text=True, timeout=10, check=False
        )
        return [line.strip() for line in answer.stdout.splitlines()[1:9]]
    except (OSError, subprocess.SubprocessError):
        return []


def machine() -> dict:
    """The machine, the versions and how loaded it is."""
    import duckdb
    import pandas
    import streamlit

    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
        ).stdout.strip()
    except OSError:
        commit = ""
    cpu = ""
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next((line.split(":", 1)[1].strip() for line in info if line.startswith("model name")), "")
    except OSError:
        pass
    memory_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "commit": commit,
        "cores": os.cpu_count(),
        "cpu": cpu,
        "memory_gb": round(memory_gb, 1),
        "python": platform.python_version(),
        "streamlit": streamlit.__version__,
        "duckdb": duckdb.__version__,
        "pandas": pandas.__version__,
        "load_average_start": [round(x, 2) for x in os.getloadavg()],
        "busy_processes_start": _busy_processes(),
    }


def _fmt(value, spec: str = ".2f", unit: str = "") -> str:
    return "—" if value is None else f"{value:{spec}}{unit}"


def _label(rel: str) -> str:
    from puhui import ui

    return next((label for r, label, _ in ui.PAGES if r == rel), rel)


def _table(header: list[str], rows: list[list[str]]) -> None:
    """Print a Markdown table (readable in a terminal, pasteable into the README)."""
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" if i == 0 else "---:" for i in range(len(header))) + "|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


def print_tables(report: dict) -> None:
    """The figures as Markdown tables."""
    sizes = [size for size in ("small", "big") if size in report["apptest"]]
    print()
    if sizes:
        params = {size: report["builds"][size]["params"] for size in sizes}
        print(
            "AppTest, seconds. first = a fresh process (Streamlit warmed on an empty script), empty caches; "
            "warm = median rerun; cleared = after st.cache_data.clear(). "
            + "; ".join(f"{size} = {p['customers']:,} customers × {p['months']} months" for size, p in params.items())
        )
        header, rows = ["page"], []
        for size in sizes:
            header += [f"{size} first", f"{size} warm", f"{size} cleared"]
        if len(sizes) == 2:
            header += ["big÷small first", "big÷small cleared"]
        for rel in report["pages"]:
            row = [_label(rel)]
            for size in sizes:
                figures = report["apptest"][size].get(rel, {})
                if "error" in figures or not figures:
                    row += ["failed", "", ""]
                    continue
                mark = " ⚠" if figures["exceptions"] else ""
                row += [_fmt(figures["first_s"]) + mark, _fmt(figures["warm_median_s"]), _fmt(figures["cleared_s"])]
            if len(sizes) == 2:
                big, small = report["apptest"]["big"].get(rel, {}), report["apptest"]["small"].get(rel, {})
                for field in ("first_s", "cleared_s"):
                    ok = big.get(field) and small.get(field)
                    row.append(f"{big[field] / small[field]:.1f}×" if ok else "—")
            rows.append(row)
        _table(header, rows)
        for size in sizes:
            for rel, figures in report["apptest"][size].items():
                for problem in figures.get("exceptions", []):
                    print(f"⚠ exception on {size} {_label(rel)}: {problem[:200]}")
                if "error" in figures:
                    print(f"failed {size} {_label(rel)}: {figures['error'][:300]}")
        print()
    browser = report.get("browser")
    if browser and browser.get("visits"):
        print(
            f"Chromium on {browser['size']}, seconds from the click to the settled run (to the browser's next idle moment); "
            f"month {browser['month_change']}, sub-branch {browser['branch_change']}; KB = websocket bytes the page's run sent "
            "(the first load also fetched the app's JavaScript once over HTTP); CPU = server CPU seconds and browser "
            "main-thread seconds on the first visit."
        )
        header = ["page", "first", "second", "month", "branch", "KB first", "KB second", "server CPU", "browser CPU"]
        rows = []
        for rel, visits in browser["visits"].items():
            row = [_label(rel)]
            for what in ("first", "second", "month", "branch"):
                v = visits.get(what)
                row.append(f"{v['settled_s']:.2f} ({v['idle_s']:.2f})" if v else "failed")
            first, second = visits.get("first", {}), visits.get("second", {})
            row += [
                _fmt(first.get("ws_bytes") and first["ws_bytes"] / 1e3, ",.0f"),
                _fmt(second.get("ws_bytes") and second["ws_bytes"] / 1e3, ",.0f"),
                _fmt(first.get("server_cpu_s")),
                _fmt(first.get("browser_busy_s")),
            ]
            rows.append(row)
        _table(header, rows)
        http = sum(v.get("http_bytes", 0) for visits in browser["visits"].values() for v in visits.values())
        print(
            f"Server peak memory {browser['server_peak_rss_mb']:,} MB (VmHWM {browser['server_vmhwm_mb']:,} MB), "
            f"{browser['server_rss_end_mb']:,} MB after every page; HTTP over the whole walk {http / 1e6:.1f} MB."
        )
        for error in browser.get("errors", []):
            print(f"failed: {error}")
        print()
    elif browser and browser.get("error"):
        print(f"Chromium failed: {browser['error']}\n")
    profile = report.get("profile")
    if profile:
        print(
            f"Profile on {profile['size']} (pyinstrument, first run, seconds by category; trees in {profile['folder']})"
        )
        rows = []
        for rel, figures in profile["pages"].items():
            first = figures.get("profile", {}).get("first")
            if not first:
                rows.append([_label(rel), "—", figures.get("error", "no profile")[:200]])
                continue
            top = "; ".join(f"{k} {v:.2f}" for k, v in list(first["categories"].items())[:4])
            rows.append([_label(rel), f"{first['total_s']:.2f}", top])
        _table(["page", "total", "top categories"], rows)
        print()
    checks = report.get("targets", [])
    if checks:
        print("Targets of issue 13")
        for check in checks:
            print(f"  {'✓' if check['met'] else '✗'} {check['what']}: {check['measured']} (target {check['target']})")


def check_targets(report: dict) -> list[dict]:
    """Issue 13's targets against the figures of this run (only those measured)."""
    checks = []
    big = report["apptest"].get("big", {})
    small = report["apptest"].get("small", {})
    for rel, figures in big.items():
        if figures.get("warm_median_s") is not None:
            checks.append(
                {
                    "what": f"{_label(rel)} AppTest warm run",
                    "measured": f"{figures['warm_median_s']:.2f} s",
                    "target": f"≤ {TARGET_WARM} s",
                    "met": figures["warm_median_s"] <= TARGET_WARM,
                }
            )
        if figures.get("first_s") and small.get(rel, {}).get("first_s"):
            ratio = figures["first_s"] / small[rel]["first_s"]
            checks.append(
                {
                    "what": f"{_label(rel)} AppTest first run big ÷ small",
                    "measured": f"{ratio:.1f}×",
                    "target": f"≤ {TARGET_GROWTH}×",
                    "met": ratio <= TARGET_GROWTH,
                }
            )
    browser = report.get("browser") or {}
    if browser.get("size") == "big":
        for rel, visits in browser.get("visits", {}).items():
            for what, target in (
                ("first", TARGET_FIRST_VIEW),
                ("second", TARGET_SECOND_VIEW),
                ("month", TARGET_FILTER),
                ("branch", TARGET_FILTER),
            ):
                if what in visits:
                    seconds = visits[what]["settled_s"]
                    checks.append(
                        {
                            "what": f"{_label(rel)} browser {what}",
                            "measured": f"{seconds:.2f} s",
                            "target": f"≤ {target} s",
                            "met": seconds <= target,
                        }
                    )
            sent = max((v["ws_bytes"] for v in visits.values()), default=0)
            checks.append(
                {
                    "what": f"{_label(rel)} websocket bytes (largest step)",
                    "measured": f"{sent / 1e6:.2f} MB",
                    "target": "≤ 1 MB",
                    "met": sent <= TARGET_BYTES,
                }
            )
        if "server_peak_rss_mb" in browser:
            checks.append(
                {
                    "what": "server peak memory",
                    "measured": f"{browser['server_peak_rss_mb']:,} MB",
                    "target": f"≤ {TARGET_RSS_MB:,} MB",
                    "met": browser["server_peak_rss_mb"] <= TARGET_RSS_MB,
                }
            )
    return checks


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, build or reuse the demo banks, measure, print and write JSON."""
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--small-only", action="store_true", help="the small bank only (smoke run; no browser unless --browser small)"
    )
    parser.add_argument(
        "--small-customers",
        type=int,
        default=4000,
        help="customers of the small bank (default: as python -m puhui demo)",
    )
    parser.add_argument("--small-months", type=int, default=13)
    parser.add_argument("--big-customers", type=int, default=1_000_000)
    parser.add_argument("--big-months", type=int, default=24)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--end-month", default=None, help="last data month of the demo banks (default: last month)")
    parser.add_argument("--pages", nargs="*", help="only these page files (default: every page of ui.PAGES)")
    parser.add_argument(
        "--browser",
        choices=["big", "small", "none"],
        default=None,
        help="the bank Chromium runs on (default big; none with --small-only)",
    )
    parser.add_argument("--no-apptest", action="store_true", help="skip the AppTest runs")
    parser.add_argument("--warm-runs", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=600, help="timeout of one run or browser step, seconds")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also profile each page's AppTest runs with pyinstrument (on the biggest bank measured)",
    )
    parser.add_argument(
        "--server-option",
        action="append",
        default=[],
        metavar="SECTION.NAME=VALUE",
        help="a Streamlit config option for the server (e.g. global.maxCachedMessageAge=50), repeatable",
    )
    parser.add_argument("--rebuild", action="store_true", help="build the demo banks anew")
    parser.add_argument("--builds", type=Path, default=OUT, help="where demo banks are kept (default bench/out/)")
    parser.add_argument("--out", type=Path, default=OUT / "pages.json", help="the JSON results file")
    parser.add_argument("--_worker", help=argparse.SUPPRESS)
    parser.add_argument("--_worker-db", help=argparse.SUPPRESS)
    parser.add_argument("--_result", help=argparse.SUPPRESS)
    parser.add_argument("--_profile-dir", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args._worker:
        result = apptest_worker(args._worker, args._worker_db, args.warm_runs, args.timeout, args._profile_dir)
        Path(args._result).write_text(json.dumps(result, ensure_ascii=False, default=str))
        return 0

    import logging

    import streamlit  # noqa: F401 - its loggers exist once it is imported

    # puhui.ui defines st.cache_data functions at import; outside a server Streamlit warns about it.
    logging.getLogger("streamlit.runtime.caching.cache_data_api").setLevel(logging.ERROR)
    from puhui import demo, ui

    known = [rel for rel, _, _ in ui.PAGES if (ROOT / rel).exists()]
    wanted = args.pages or known
    unknown = [rel for rel in wanted if rel not in known]
    if unknown:
        parser.error(f"unknown pages: {', '.join(unknown)} (known: {', '.join(known)})")
    pages = [(rel, label) for rel, label, _ in ui.PAGES if rel in wanted]
    browser_on = args.browser or ("none" if args.small_only else "big")
    if args.small_only and browser_on == "big":
        parser.error("--small-only contradicts --browser big")
    end_month = args.end_month or demo.default_end_month()

    report: dict = {"machine": machine(), "builds": {}, "apptest": {}, "pages": [rel for rel, _ in pages]}
    sizes = {"small": (args.small_customers, args.small_months)}
    if not args.small_only:
        sizes["big"] = (args.big_customers, args.big_months)
    for size, (customers, months) in sizes.items():
        report["builds"][size] = ensure_build(customers, months, args.seed, end_month, args.builds, args.rebuild)
        report["builds"][size]["facts"] = db_facts(report["builds"][size]["path"])

    if not args.no_apptest:
        for size in sizes:
            db = report["builds"][size]["path"]
            print(f"AppTest · {size}", flush=True)
            report["apptest"][size] = {}
            for rel, label in pages:
                figures = apptest_page(rel, db, args.warm_runs, args.timeout)
                report["apptest"][size][rel] = figures
                if "error" in figures:
                    print(f"  · {label} failed: {figures['error'][:300]}", flush=True)
                else:
                    print(
                        f"  · {label} first {figures['first_s']:.2f} s, warm {figures['warm_median_s']:.2f} s, "
                        f"cleared {figures['cleared_s']:.2f} s",
                        flush=True,
                    )

    for option in args.server_option:
        # Streamlit reads every config option from STREAMLIT_<SECTION>_<NAME>; the server inherits our environment.
        name, _, value = option.partition("=")
        if not value or "." not in name:
            parser.error(f"--server-option wants SECTION.NAME=VALUE, got {option!r}")
        from streamlit.config_option import ConfigOption

        os.environ[ConfigOption(name, description="", default_val=None).env_var] = value
    report["server_options"] = args.server_option
    if browser_on != "none":
        build = report["builds"][browser_on]
        print(f"Chromium · {browser_on}", flush=True)
        try:
            report["browser"] = {"size": browser_on, **browser_run(build["path"], pages, build["facts"], args.timeout)}
        except BenchError as problem:
            report["browser"] = {"size": browser_on, "error": str(problem)}
            print(f"  failed: {problem}", flush=True)

    if args.profile:
        size = "big" if "big" in sizes else "small"
        folder = args.out.parent / "profile"
        print(f"Profile · {size} (pyinstrument, into {folder})", flush=True)
        report["profile"] = {"size": size, "folder": str(folder), "pages": {}}
        for rel, label in pages:
            figures = apptest_page(rel, report["builds"][size]["path"], 1, args.timeout, profile_dir=folder)
            report["profile"]["pages"][rel] = figures
            print(f"  · {label} {'failed' if 'error' in figures else 'done'}", flush=True)

    report["machine"]["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    report["machine"]["busy_processes_end"] = _busy_processes()
    report["targets"] = check_targets(report)
    print_tables(report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=1, default=str))
    print(
        f"\nwritten to {args.out}; load average {report['machine']['load_average_start']} → "
        f"{report['machine']['load_average_end']} on {report['machine']['cores']} cores "
        "(a shared machine: compare figures within one run)"
    )
    failed = [f for size in report["apptest"].values() for f in size.values() if "error" in f]
    browser_failed = report.get("browser", {}).get("error") or report.get("browser", {}).get("errors")
    return 1 if failed or browser_failed else 0


if __name__ == "__main__":
    sys.exit(main())
