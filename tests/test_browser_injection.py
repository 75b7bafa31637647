"""Names from an upload are shown as typed, never rendered as Markdown or HTML (issue 17).

A book whose sub-branch, manager, grid and customer names carry an image beacon, HTML with
an ``onerror`` script, a ``javascript:`` link, bold and LaTeX markup is served by a real
Streamlit server; every page is opened in Chromium for the whole line and for the hostile
sub-branch. No dialog may open, no request may reach the beacon, no injected element may
appear, and the sub-branch's name must be readable as typed.
"""

from __future__ import annotations

import http.server
import threading
import time
import urllib.parse

import duckdb
import pytest
from conftest import StreamlitServer, copy_db, free_port, wait_for_app

from puhui import access, ui

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def beacon():
    """A local HTTP server that counts every request it gets (an injected image would call it)."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 — the standard library's name
            hits.append(self.path)
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    port = free_port()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield port, hits
    server.shutdown()


def _payloads(port: int) -> dict[str, str]:
    return {
        "branch": f"![p](http://127.0.0.1:{port}/beacon-branch.png)<img src=x onerror=alert(1)>**粗体X9**支行",
        "manager": f"<script>alert(2)</script>[点我](javascript:alert(3))![m](http://127.0.0.1:{port}/beacon-manager.png)",
        "grid": f"$\\LaTeX$ **网格Z3** <img src=http://127.0.0.1:{port}/beacon-grid.png>",
        "customer": f"<b>客户Q7</b>![c](http://127.0.0.1:{port}/beacon-customer.png)",
    }


@pytest.fixture(scope="module")
def hostile_server(demo_template, tmp_path_factory, beacon):
    port, _ = beacon
    names = _payloads(port)
    db = copy_db(demo_template, tmp_path_factory.mktemp("injection") / "hostile.duckdb")
    con = duckdb.connect(str(db))
    victim = con.execute("select min(branch) from customers").fetchall()[0][0]
    for table in access.branch_tables(con):
        con.execute(f'update "{table}" set branch = $new where branch = $old', {"new": names["branch"], "old": victim})
    con.execute("update managers set manager_name = $n", {"n": names["manager"]})
    con.execute("update grids set grid_name = $n", {"n": names["grid"]})
    con.execute(
        "update customers set customer_name = $n where customer_id in (select customer_id from customers limit 50)",
        {"n": names["customer"]},
    )
    con.execute("checkpoint")
    con.close()
    server = StreamlitServer(db, "injection").start()
    yield server.url, names
    server.stop()


INJECTED = """() => ({
    images: [...document.querySelectorAll('img')].map(i => i.getAttribute('src') || '').filter(s => s.includes('beacon') || s === 'x'),
    scripts: [...document.querySelectorAll('[data-testid="stMain"] script, [data-testid="stSidebar"] script')].length,
    links: [...document.querySelectorAll('a')].map(a => a.getAttribute('href') || '').filter(h => h.toLowerCase().startsWith('javascript')),
    bold: [...document.querySelectorAll('strong, b')].map(b => b.textContent).filter(t => ["粗体X9", "客户Q7", "网格Z3"].includes(t.trim())),
    katex: document.querySelectorAll('.katex').length,
})"""


@pytest.mark.parametrize("rel", [rel for rel, _, _ in ui.PAGES])
def test_hostile_names_show_as_typed_on_every_page(hostile_server, beacon, browser_page, rel):
    url, names = hostile_server
    _, hits = beacon
    hits.clear()
    page = browser_page
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    path = "" if rel == "app.py" else "/" + rel.removeprefix("pages/").removesuffix(".py")
    for query in ("", "?branch=" + urllib.parse.quote(names["branch"])):
        page.goto(url + path + query)
        wait_for_app(page)
        time.sleep(1.0)  # images and scripts would load now
        found = page.evaluate(INJECTED)
        assert not any(found[k] for k in ("images", "scripts", "links", "bold")), f"{rel}{query}: {found}"
        assert found["katex"] == 0, f"{rel}{query}: LaTeX rendered"
        if query and rel not in ("pages/upload.py", "pages/admin.py"):  # the data pages name the scope
            assert "**粗体X9**支行" in page.inner_text("body"), f"{rel}: the sub-branch's name is not shown as typed"
    assert not dialogs, dialogs
    assert not hits, hits
