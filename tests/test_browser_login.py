"""Login, roles and scope through a real OIDC provider and a real browser (issue 17).

``oidc-provider-mock`` runs on localhost; the Streamlit server gets an ``[auth]`` section
pointing at it (``--secrets.files``) and a users file (``PUHUI_USERS_FILE``). People log in
through the provider's form; the tests then tamper with the URL and the filters and read
both the page text and every websocket frame the server sends.
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request

import pytest
from conftest import StreamlitServer, copy_db, wait_for_app

pytestmark = pytest.mark.browser

oidc_provider_mock = pytest.importorskip("oidc_provider_mock")


def _put_user(issuer: str, sub: str, claims: dict) -> None:
    request = urllib.request.Request(
        f"{issuer}/users/{urllib.parse.quote(sub)}",
        data=json.dumps(claims).encode(),
        method="PUT",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status == 204


@pytest.fixture(scope="module")
def login_server(demo_template, demo_facts, tmp_path_factory):
    """A Streamlit server with login on a demo copy: (url, mine, theirs)."""
    folder = tmp_path_factory.mktemp("login")
    mine, theirs = demo_facts["branches"][0], demo_facts["branches"][1]
    with oidc_provider_mock.run_server_in_thread() as provider:
        issuer = f"http://localhost:{provider.server_port}"
        people = {
            "head": {"email": "head@bank.example", "email_verified": True, "name": "本支行行长"},
            "head2": {"email": "head2@bank.example", "email_verified": True, "name": "他支行行长"},
            "trainer": {"email": "trainer@bank.example", "email_verified": True},
            "analyst": {"email": "analyst@bank.example", "email_verified": True},
            "stranger": {"email": "stranger@bank.example", "email_verified": True},
        }
        for sub, claims in people.items():
            _put_user(issuer, sub, claims)
        users = folder / "users.toml"
        users.write_text(
            f'[[user]]\nemail = "head@bank.example"\nrole = "branch_head"\nbranches = ["{mine}"]\n\n'
            f'[[user]]\nemail = "head2@bank.example"\nrole = "branch_head"\nbranches = ["{theirs}"]\n\n'
            f'[[user]]\nemail = "trainer@bank.example"\nrole = "trainer"\nbranches = ["{mine}"]\n\n'
            '[[user]]\nemail = "analyst@bank.example"\nrole = "analyst"\n',
            encoding="utf-8",
        )
        db = copy_db(demo_template, folder / "login.duckdb")
        server = StreamlitServer(db, "login", env={"PUHUI_USERS_FILE": str(users)})
        url = f"http://localhost:{server.port}"  # the redirect and the cookies need one host name
        secrets = folder / "secrets.toml"
        secrets.write_text(
            f'[auth]\nredirect_uri = "{url}/oauth2callback"\ncookie_secret = "test-cookie-secret-{server.port}-0123456789"\n'
            f'client_id = "puhui"\nclient_secret = "puhui-secret"\n'
            f'server_metadata_url = "{issuer}/.well-known/openid-configuration"\n',
            encoding="utf-8",
        )
        server.extra_args = ["--secrets.files", str(secrets)]
        server.start()
        try:
            yield url, mine, theirs, db
        finally:
            server.stop()


def _context(browser):
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    # The mock provider's form loads a stylesheet from a CDN: nothing leaves the machine.
    context.route("https://**/*", lambda route: route.abort())
    return context


def _log_in(context, url: str, sub: str):
    """A logged-in page, recording the websocket frames the server sends (``page.frames_text``)."""
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.frames_received = []

    def watch(socket):
        socket.on(
            "framereceived",
            lambda payload: page.frames_received.append(
                payload if isinstance(payload, bytes) else str(payload).encode()
            ),
        )

    page.on("websocket", watch)
    page.goto(url)
    wait_for_app(page)
    page.get_by_role("button", name="登录").click()
    page.wait_for_selector("input[name=sub]")
    page.fill("input[name=sub]", sub)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(f"{url}/**")
    wait_for_app(page)
    return page


PAGES = ["", "/mix", "/deposits", "/grid_map", "/campaign", "/prospects"]


def test_a_branch_head_sees_nothing_of_another_sub_branch(browser, login_server):
    url, mine, theirs, _ = login_server
    context = _context(browser)
    try:
        page = _log_in(context, url, "head")
        body = page.inner_text("body")
        assert "head@bank.example（支行负责人" in body and mine in body
        assert "数据导入" not in page.inner_text('[data-testid="stSidebar"]')  # not offered
        for path in PAGES:
            for query in ("", "?branch=" + urllib.parse.quote(theirs)):
                page.goto(f"{url}{path}{query}")
                wait_for_app(page)
                assert theirs not in page.inner_text("body"), f"{path}{query}"
        page.goto(f"{url}/upload")
        wait_for_app(page)
        assert "无权使用此页面" in page.inner_text("body")
        assert not any(theirs.encode() in frame for frame in page.frames_received), (
            "另一支行的名称出现在服务器发来的数据中"
        )
        assert any(mine.encode() in frame for frame in page.frames_received)
    finally:
        context.close()


def test_two_heads_at_once_each_see_their_own(browser, login_server):
    url, mine, theirs, _ = login_server
    first, second = _context(browser), _context(browser)
    try:
        one, two = _log_in(first, url, "head"), _log_in(second, url, "head2")
        # Alternating, so that each page's cached results were computed for the other person first.
        for path in ("/mix", "/campaign", "/deposits", ""):
            for page, own, other in ((one, mine, theirs), (two, theirs, mine), (one, mine, theirs)):
                page.goto(f"{url}{path}")
                wait_for_app(page)
                text = page.inner_text("body")
                assert own in text and other not in text, path
        assert not any(theirs.encode() in f for f in one.frames_received)
        assert not any(mine.encode() in f for f in two.frames_received)
    finally:
        first.close()
        second.close()


def test_an_unknown_person_sees_only_the_refusal(browser, login_server):
    url, mine, theirs, _ = login_server
    context = _context(browser)
    try:
        page = _log_in(context, url, "stranger")
        body = page.inner_text("body")
        assert "未开通本系统的使用权限" in body
        assert mine not in body and theirs not in body and "经营总览" not in body
        assert not any(mine.encode() in f or theirs.encode() in f for f in page.frames_received)
    finally:
        context.close()


def test_a_trainer_cannot_switch_masking_off_and_an_analyst_can_upload(browser, login_server):
    url, _, _, db = login_server
    context = _context(browser)
    try:
        page = _log_in(context, url, "trainer")
        assert "培训师账号：培训演示模式始终开启" in page.inner_text("body")
        page.goto(f"{url}/mix?training=0")
        wait_for_app(page)
        assert page.locator(".st-key-puhui_training input").is_disabled()
        assert "培训演示模式：个人信息已脱敏显示" in page.inner_text("body")
    finally:
        context.close()
    context = _context(browser)
    try:
        page = _log_in(context, url, "analyst")
        page.goto(f"{url}/upload")
        wait_for_app(page)
        body = page.inner_text("body")
        assert "无权使用此页面" not in body and "选择文件" in body
    finally:
        context.close()
