"""The HTTP layer (issue 17): security headers on every response, server metrics only for the machine itself.

The middleware is checked twice: around a small Starlette app, where the client's address can be a colleague's
machine, and on the real server (``streamlit run serve.py``) in Chromium, where the policy must block an injected
beacon and an embedding frame but nothing the app needs.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import http.server
import threading
import time
import urllib.request

import pytest
from conftest import free_port, wait_for_app
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from test_browser import open_page

from puhui import web


def _call(path: str, client: str | None = "10.1.2.3") -> tuple[int, dict[str, list[str]], str]:
    """One GET through :class:`web.SecurityHeaders` around a small Starlette app, from ``client``'s address."""

    async def hello(request):
        return PlainTextResponse("ok", headers={"X-Frame-Options": "ALLOWALL"})

    routes = [Route("/", hello), Route("/_stcore/metrics", hello), Route("/_stcore/health", hello)]
    app = Starlette(routes=routes, middleware=[Middleware(web.SecurityHeaders)])
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [(b"host", b"puhui")],
        "client": (client, 50000) if client else None,
        "server": ("puhui", 80),
        "root_path": "",
    }
    sent: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    # In a thread of its own: Playwright's sync API keeps an event loop running in the test thread.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, app(scope, receive, send)).result()
    headers: dict[str, list[str]] = {}
    for key, value in sent[0]["headers"]:
        headers.setdefault(key.decode().lower(), []).append(value.decode())
    body = b"".join(m.get("body", b"") for m in sent[1:]).decode()
    return sent[0]["status"], headers, body


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.8.8", True),
        ("::1", True),
        ("::ffff:127.0.0.1", True),
        ("10.1.2.3", False),
        ("192.168.0.7", False),
        ("::ffff:10.0.0.1", False),
        ("testclient", False),
        ("", False),
        (None, False),
    ],
)
def test_loopback_is_only_this_machine(host, loopback):
    assert web.is_loopback(host) is loopback


def test_every_response_carries_the_headers_and_overrides_the_apps_own():
    status, headers, body = _call("/")
    assert (status, body) == (200, "ok")
    assert headers["x-frame-options"] == ["DENY"]  # once, and not the app's ALLOWALL
    policy = headers["content-security-policy"][0]
    assert "frame-ancestors 'none'" in policy and "default-src 'self'" in policy and "object-src 'none'" in policy
    assert headers["x-content-type-options"] == ["nosniff"]
    assert headers["referrer-policy"] == ["no-referrer"]


@pytest.mark.parametrize("path", ["/_stcore/metrics", "/_stcore/metrics/", "/app/_stcore/metrics"])
def test_metrics_are_refused_to_other_machines(path):
    status, headers, body = _call(path)
    assert (status, body) == (404, "未找到")
    assert headers["x-frame-options"] == ["DENY"]


def test_metrics_answer_this_machine_and_health_answers_everyone():
    assert _call("/_stcore/metrics", client="127.0.0.1")[0] == 200
    assert _call("/_stcore/metrics", client=None)[0] == 404  # no address known: not local
    assert _call("/_stcore/health")[0] == 200


def _headers(url: str) -> tuple[int, dict[str, str]]:
    with urllib.request.urlopen(url, timeout=10) as answer:
        return answer.status, {k.lower(): v for k, v in answer.headers.items()}


@pytest.mark.browser
def test_the_real_server_sends_the_headers_on_pages_assets_and_health(app_url):
    status, headers = _headers(app_url + "/")
    assert status == 200
    html = urllib.request.urlopen(app_url + "/", timeout=10).read().decode()
    script = html.split('src="', 1)[1].split('"', 1)[0].lstrip("./")
    for path in ("/", "/mix", "/_stcore/health", "/_stcore/host-config", "/" + script):
        status, headers = _headers(app_url + path)
        assert status == 200, path
        assert headers["x-frame-options"] == "DENY", path
        assert headers["content-security-policy"] == web.CONTENT_SECURITY_POLICY, path
        assert headers["x-content-type-options"] == "nosniff", path
    # From this machine (monitoring) the metrics answer.
    assert _headers(app_url + "/_stcore/metrics")[0] == 200


@pytest.mark.browser
def test_the_policy_blocks_a_beacon_and_an_embedding_frame(browser_page, app_url):
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 — the standard library's name
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(f'<iframe id="f" src="{app_url}/"></iframe>'.encode())

        def log_message(self, *args):
            pass

    port = free_port()
    other = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=other.serve_forever, daemon=True).start()
    try:
        page = browser_page
        open_page(page, app_url)
        # Markup that got through as HTML could not call out: another origin (another port) is blocked.
        page.evaluate(
            """(port) => { const i = document.createElement('img'); i.src = `http://127.0.0.1:${port}/beacon.png`;
            document.body.appendChild(i); fetch(`http://127.0.0.1:${port}/beacon-fetch`).catch(() => {}); }""",
            port,
        )
        time.sleep(1.5)
        assert hits == []
        refused = [text for text in page.console_errors if "Content Security Policy" in text]
        assert refused, page.console_errors
        page.console_errors.clear()  # the fixture's own check is for the app's needs, these were ours
        # Another site that frames the dashboard gets an empty frame: no Streamlit app inside it.
        embedder = page.context.new_page()
        embedder.goto(f"http://127.0.0.1:{port}/")
        time.sleep(2)
        frame = next(f for f in embedder.frames if f != embedder.main_frame)
        assert frame.query_selector('[data-testid="stApp"]') is None
        embedder.close()
    finally:
        other.shutdown()
    wait_for_app(page)
