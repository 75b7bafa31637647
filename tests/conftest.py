"""Shared fixtures: a small demo database, AppTest's database, Streamlit servers and a Chromium page.

Browser tests (``@pytest.mark.browser``) drive Debian's Chromium through Playwright
against a Streamlit server started on a free localhost port. Helpers for them:
``wait_for_app(page)`` and ``screenshot(page, name)`` (import them from ``conftest``).
"""

from __future__ import annotations

import io
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import duckdb
import openpyxl
import pytest

# Not resolved: the project root is the folder holding this tests/ folder as given.
ROOT = Path(__file__).absolute().parent.parent
OUTPUT = ROOT / "test-output"
SCREENS = OUTPUT / "screens"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}

# The small demo the whole session shares: quick to build, big enough to look like a bank.
DEMO_SEED, DEMO_CUSTOMERS, DEMO_MONTHS = 42, 600, 3


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives a real Chromium against a Streamlit server (slower)")


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Path:
    """A small demo database built once per session; tests use copies of it, never the file itself."""
    from puhui import demo

    path = tmp_path_factory.mktemp("demo") / "template.duckdb"
    demo.build(path, seed=DEMO_SEED, customers=DEMO_CUSTOMERS, months=DEMO_MONTHS)
    return path


@pytest.fixture(scope="session")
def demo_facts(demo_template) -> dict:
    """Figures of the demo database, read before any server or AppTest holds a copy of it open."""
    con = duckdb.connect(str(demo_template), read_only=True)
    try:
        months = [r[0] for r in con.execute("select distinct month from customers order by month desc").fetchall()]
        branches = [
            r[0]
            for r in con.execute(
                "select distinct branch from (select branch from managers union select branch from customers) "
                "where branch is not null order by branch"
            ).fetchall()
        ]
        customers = dict(con.execute("select month, count(*) from customers group by month").fetchall())
        customers_by_branch = {
            (m, b): n
            for m, b, n in con.execute("select month, branch, count(*) from customers group by all").fetchall()
        }
        managers = dict(con.execute("select month, count(*) from managers group by month").fetchall())
        manager_ids = [
            r[0]
            for r in con.execute(
                "select manager_id from managers where month = $m and branch = $b order by manager_id",
                {"m": months[0], "b": branches[0]},
            ).fetchall()
        ]
    finally:
        con.close()
    return {
        "months": months,
        "latest": months[0],
        "branches": branches,
        "customers": customers,
        "customers_by_branch": customers_by_branch,
        "managers": managers,
        "manager_ids": manager_ids,
    }


@pytest.fixture(scope="session")
def messy_template(tmp_path_factory) -> Path:
    """The messy uploaded book (tests/messy_book.py) stored once per session through the real ingest; use copies."""
    import messy_book

    return messy_book.build(tmp_path_factory.mktemp("messy") / "messy.duckdb")


@pytest.fixture(scope="session")
def messy_apptest_db(messy_template, tmp_path_factory) -> Path:
    """The messy book's copy AppTest tests share (AppTest runs in this process and keeps it open)."""
    return copy_db(messy_template, tmp_path_factory.mktemp("messy_apptest") / "messy.duckdb")


@pytest.fixture(scope="session", autouse=True)
def page_matrix_run(request, tmp_path_factory):
    """The page matrix (tests/test_page_matrix.py) running in background workers from the session's start.

    Hundreds of page runs: started first, at a lower priority, they use the core the other
    tests leave idle; the matrix's tests wait for their results. Nothing starts when no
    matrix test is selected.
    """
    if not any(item.path.name == "test_page_matrix.py" for item in request.session.items):
        yield None
        return
    from page_matrix import MatrixRun

    from puhui import store, ui

    templates = {"messy": request.getfixturevalue("messy_template"), "demo": request.getfixturevalue("demo_template")}
    shapes = {}
    for book, path in templates.items():
        con = duckdb.connect(str(path), read_only=True)
        try:
            months = store.months(con)
            if book == "demo":
                # The demo's months are alike (each complete, each with the month before): its newest, a middle
                # and its earliest stand for all; the messy book walks every month (partial, gaps, no previous).
                months = list(dict.fromkeys([months[0], months[len(months) // 2], months[-1]]))
            shapes[book] = (months, store.branches(con))
        finally:
            con.close()
    run = MatrixRun(templates, shapes, [rel for rel, _, _ in ui.PAGES], tmp_path_factory.mktemp("matrix"))
    run.shapes = shapes
    yield run
    run.stop()


def copy_db(template: Path, target: Path) -> Path:
    """A private copy of a database file (a server or AppTest then owns it alone)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, target)
    wal = Path(str(template) + ".wal")
    if wal.exists():
        shutil.copyfile(wal, Path(str(target) + ".wal"))
    return target


@pytest.fixture(scope="session")
def apptest_db(demo_template, tmp_path_factory) -> Path:
    """The demo copy AppTest tests use (AppTest runs in this process and keeps it open)."""
    return copy_db(demo_template, tmp_path_factory.mktemp("apptest") / "apptest.duckdb")


@pytest.fixture
def apptest_env(apptest_db, monkeypatch) -> Path:
    """Point the app at :func:`apptest_db` (``PUHUI_DB``) with training mode not forced."""
    monkeypatch.setenv("PUHUI_DB", str(apptest_db))
    monkeypatch.delenv("PUHUI_TRAINING_MODE", raising=False)
    return apptest_db


def _die_with_parent() -> None:
    """In the server's process: receive SIGTERM when pytest dies, so no server outlives a killed run."""
    import ctypes
    import signal

    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class StreamlitServer:
    """``streamlit run serve.py`` (the app as deployed, behind its security headers) on a free port against one
    database file, logs under test-output/."""

    def __init__(self, db: Path, name: str, env: dict | None = None, extra_args: list[str] | None = None):
        self.db = db
        self.name = name
        self.env = env or {}  # more environment (e.g. PUHUI_USERS_FILE)
        self.extra_args = extra_args or []  # more streamlit options (e.g. --secrets.files)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = OUTPUT / f"server-{name}.log"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> StreamlitServer:
        """Start the server and wait until ``/_stcore/health`` answers."""
        OUTPUT.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "PUHUI_DB": str(self.db), **self.env}
        env.pop("PUHUI_TRAINING_MODE", None)
        log = open(self.log_path, "wb")
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
                *self.extra_args,
                "--",
                "--db",
                str(self.db),
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Streamlit 服务未能启动：\n{self.log_path.read_text(errors='replace')}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=1) as answer:
                    if answer.read() == b"ok":
                        return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"Streamlit 服务 {timeout} 秒内未就绪：\n{self.log_path.read_text(errors='replace')}")

    def stop(self) -> None:
        """Stop the server (its own process only)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture(scope="session")
def app_url(demo_template, tmp_path_factory):
    """URL of the session's Streamlit server on a copy of the demo database (do not write to it)."""
    db = copy_db(demo_template, tmp_path_factory.mktemp("server") / "server.duckdb")
    server = StreamlitServer(db, "session").start()
    yield server.url
    server.stop()


@pytest.fixture
def start_app(demo_template, tmp_path):
    """Start a fresh server on its own demo copy: ``url = start_app("name")``; stopped after the test."""
    servers: list[StreamlitServer] = []

    def start(name: str) -> str:
        db = copy_db(demo_template, tmp_path / f"{name}.duckdb")
        server = StreamlitServer(db, name).start()
        servers.append(server)
        return server.url

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium through Playwright, once per session."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


def is_external(url: str) -> bool:
    """Whether a request leaves the machine (anything but localhost, data: and blob: URLs)."""
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about", "chrome", "chrome-extension"):
        return False
    return (parts.hostname or "") not in LOCAL_HOSTS


@pytest.fixture
def browser_page(browser):
    """A fresh page (own context) that records every request.

    ``page.requests`` lists all request URLs, ``page.external_requests`` those to any host
    other than the app's (localhost), ``page.console_errors`` the browser console's errors.
    """
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.requests = []
    page.external_requests = []
    page.console_errors = []

    def record(request):
        page.requests.append(request.url)
        if is_external(request.url):
            page.external_requests.append(request.url)

    page.on("request", record)
    page.on("console", lambda msg: page.console_errors.append(msg.text) if msg.type == "error" else None)
    yield page
    # The app's Content-Security-Policy must never block anything the app itself needs.
    blocked = [text for text in page.console_errors if "Content Security Policy" in text]
    assert blocked == [], blocked
    context.close()


def wait_for_app(page, timeout: float = 60_000, settle: float = 0.5) -> None:
    """Wait until the script run is over: ``[data-testid="stApp"]`` has ``data-test-script-state="notRunning"``.

    The short settle first lets a rerun that an interaction triggered begin; before its
    first run the app says ``initial``, so a fresh page is not mistaken for a finished one.
    """
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout)
    time.sleep(settle)
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=timeout)
    # A last look: a rerun can start right after the state flips (query params, st.rerun).
    time.sleep(0.2)
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=timeout)


_CONTENT_HEIGHT = """() => Math.max(document.documentElement.scrollHeight,
    ...['[data-testid="stMain"]', '[data-testid="stAppViewContainer"]', '[data-testid="stSidebarContent"]']
        .map(sel => document.querySelector(sel)).filter(Boolean).map(el => el.scrollHeight))"""


def screenshot(page, name: str, max_height: int = 8000) -> Path:
    """Save a screenshot of the whole page to ``test-output/screens/<name>.png``.

    Streamlit scrolls inside its main container, so a "full page" screenshot would stop
    at the window's height; the window grows to the content's height for the shot instead.
    """
    SCREENS.mkdir(parents=True, exist_ok=True)
    path = SCREENS / f"{name}.png"
    size = page.viewport_size
    height = min(int(page.evaluate(_CONTENT_HEIGHT)), max_height)
    if height > size["height"]:
        page.set_viewport_size({"width": size["width"], "height": height})
        time.sleep(0.5)  # charts redraw at the new size
    try:
        page.screenshot(path=str(path), full_page=True)
    finally:
        page.set_viewport_size(size)
    return path


def customers_xlsx(month: str, branch: str, manager_id: str, n: int, bad_amount_row: int | None = None) -> bytes:
    """A 管户明细 workbook as an analyst would export it: title rows, 万元 headers, a 合计 row."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "管户明细"
    sheet.append([f"普惠金融管户明细表（{month}）"])
    sheet.append(["填报机构：测试分行"])
    sheet.append(["客户号", "客户名称", "客户经理编号", "所属支行", "管户类型", "线下贷款余额(万元)", "结算存款(万元)"])
    for i in range(n):
        loan = "abc" if bad_amount_row == i else 10 + i
        sheet.append([f"T{i:04d}", f"测试商贸有限公司{i}", manager_id, branch, "线下授信", loan, 1.5])
    if bad_amount_row is None:
        sheet.append(["合计", None, None, None, None, sum(10 + i for i in range(n)), 1.5 * n])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def next_month(month: str) -> str:
    """``2026-10`` → ``2026-11``."""
    year, mon = map(int, month.split("-"))
    return f"{year + mon // 12:04d}-{mon % 12 + 1:02d}"


def text_when(locator, expect: str, timeout: float = 20.0) -> str:
    """An element's text content once it holds ``expect`` (or whatever it holds at the timeout).

    st.dataframe draws on a canvas and fills its DOM text copy a moment after the canvas
    appears: reading it at once races the browser.
    """
    deadline = time.monotonic() + timeout
    while True:
        text = locator.text_content() or ""
        if expect in text or time.monotonic() > deadline:
            return text
        locator.page.wait_for_timeout(200)
