"""Running every page over a book's months, scopes and training modes, in worker processes.

The page matrix is hundreds of script runs; AppTest runs them one at a time in one process,
so the (book, page) tasks are shared out over worker processes, each a plain
``python tests/page_matrix.py`` on its own copies of the books (a DuckDB file is opened by one
process at a time). A plain process rather than multiprocessing: after AppTest has run a
page, ``__main__`` is that page, and a spawned worker would run it again on start-up.
``tests/test_page_matrix.py`` holds the tests.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).absolute().parent.parent
# Text that must never reach a banker: a raw missing value where a figure belongs.
RAW_MISSING = re.compile(r"(?<![A-Za-z])(nan|NaN|NaT|None|<NA>)(?![A-Za-z])")

_copies: dict[str, str] = {}


def _own_copies(templates: dict[str, str], folder: str) -> None:
    """This worker's own copy of each book, training mode not forced."""
    own = Path(folder) / f"worker-{os.getpid()}"
    own.mkdir(parents=True, exist_ok=True)
    for book, template in templates.items():
        target = own / f"{book}.duckdb"
        shutil.copyfile(template, target)
        wal = Path(template + ".wal")
        if wal.exists():
            shutil.copyfile(wal, Path(str(target) + ".wal"))
        _copies[book] = str(target)
    os.environ.pop("PUHUI_TRAINING_MODE", None)


def visible_texts(at) -> list[str]:
    """The texts a user reads outside tables: metrics, markdown, captions, notices."""
    texts = []
    for metric in at.metric:
        texts += [metric.label, metric.value, str(metric.proto.delta or "")]
    for kind in (at.markdown, at.caption, at.info, at.warning, at.success, at.subheader, at.title):
        texts += [el.value for el in kind]
    return texts


def problems(at, month: str, branch: str | None, training: bool) -> list[str]:
    """What is wrong with one run of a page: exceptions, our error text, raw missing values, wrong filters."""
    from puhui import ui

    found = [f"异常：{e.value}" for e in at.exception]
    found += [f"出错：{e.value}" for e in at.error if ui.ERROR_TEXT in e.value]
    found += [f"原始缺失值：{t!r}" for t in visible_texts(at) if RAW_MISSING.search(t)]
    shown = (
        at.sidebar.selectbox(key=ui.KEY_MONTH).value,
        at.sidebar.selectbox(key=ui.KEY_BRANCH).value,
        at.sidebar.toggle(key=ui.KEY_TRAINING).value,
    )
    if shown != (month, branch or ui.ALL_BRANCHES, training):
        found.append(f"筛选条件不符：{shown}")
    return found


def walk(task: tuple[str, str, list[str], list[str]]) -> tuple[str, str, list[str], int]:
    """Run one page of one book in every month, for the line and each sub-branch, training off and on.

    Returns (book, page, failures, runs).
    """
    from streamlit.testing.v1 import AppTest

    book, rel, months, branches = task
    os.environ["PUHUI_DB"] = _copies[book]
    failures, runs = [], 0
    for training in (False, True):
        for branch in (None, *branches):
            at = AppTest.from_file(str(ROOT / rel), default_timeout=120)
            for month in months:
                at.query_params["month"] = month
                at.query_params["training"] = "1" if training else "0"
                if branch is not None:
                    at.query_params["branch"] = branch
                at.run()
                runs += 1
                for problem in problems(at, month, branch, training):
                    failures.append(f"{month} · {branch or '全条线'} · 培训{'开' if training else '关'}：{problem}")
    return book, rel, failures, runs


def _worker_start() -> None:
    """In a worker: a lower priority (the suite's own tests go first), and die with pytest."""
    os.nice(10)
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class MatrixRun:
    """The matrix's workers, started at once; :meth:`results` waits for them.

    The (book, page) tasks are shared out over ``workers`` processes at a lower priority, so
    that a session can start them first and let them use the cores its other tests leave idle.
    """

    def __init__(
        self,
        templates: dict[str, str],
        shapes: dict[str, tuple[list[str], list[str]]],
        pages: list[str],
        folder: Path,
        workers: int = 2,
    ):
        tasks = [(book, rel, *shapes[book]) for book in templates for rel in pages]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests")])}
        env.pop("PUHUI_TRAINING_MODE", None)
        self.running = []
        for i in range(workers):
            order = Path(folder) / f"tasks-{i}.json"
            order.write_text(
                json.dumps(
                    {
                        "templates": {k: str(v) for k, v in templates.items()},
                        "folder": str(folder),
                        "tasks": tasks[i::workers],
                    },
                    ensure_ascii=False,
                ),
                encoding="utf-8",
            )
            answer, log_path = Path(folder) / f"results-{i}.json", Path(folder) / f"worker-{i}.log"
            with open(log_path, "wb") as log:
                process = subprocess.Popen(
                    [sys.executable, __file__, str(order), str(answer)],
                    cwd=ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    preexec_fn=_worker_start if sys.platform.startswith("linux") else None,
                )
            self.running.append((process, answer, log_path))
        self._results: dict | None = None

    def results(self) -> dict[tuple[str, str], tuple[list[str], int]]:
        """{(book, page): (failures, runs)} once every worker is done."""
        if self._results is None:
            results = {}
            for process, answer, log_path in self.running:
                code = process.wait()
                if code != 0 or not answer.exists():
                    raise RuntimeError(f"页面矩阵的工作进程出错（退出码 {code}），日志：{log_path}")
                for book, rel, failures, runs in json.loads(answer.read_text(encoding="utf-8")):
                    results[(book, rel)] = (failures, runs)
            self._results = results
        return self._results

    def stop(self) -> None:
        """End workers still running (a session cut short), by their own process ids."""
        for process, _, _ in self.running:
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=30)


if __name__ == "__main__":
    order = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    _own_copies(order["templates"], order["folder"])
    done = [walk(tuple(task)) for task in order["tasks"]]
    Path(sys.argv[2]).write_text(json.dumps(done, ensure_ascii=False), encoding="utf-8")
