"""The door of every page: who is this, and may they come in (Streamlit side of :mod:`puhui.access`).

- Login configured (an ``[auth]`` section in ``.streamlit/secrets.toml``): a visitor who is
  not logged in sees the login button and nothing else; a logged-in identity not in the
  users file sees a refusal and nothing else (deny by default); a page the role may not
  use is refused even when its URL is opened directly.
- No login configured: the app is one local user on one machine. It answers only
  visitors from this machine (127.0.0.1 / ::1) and says so; anyone else is refused.

Every login and refusal is written to the audit log.
"""

from __future__ import annotations

import ipaddress

import duckdb
import streamlit as st

from . import access, audit, settings

_LOGGED = "_puhui_login_audited"
_ACCESS = "_puhui_access"
LOGIN_HELP = "请使用行内统一身份认证登录；如无权限，请联系本系统管理员开通。"


def login_configured() -> bool:
    """Whether ``st.login`` can be used (an ``[auth]`` section with a provider in the secrets)."""
    try:
        section = st.secrets.get("auth")
    except (FileNotFoundError, KeyError, st.errors.StreamlitSecretNotFoundError):
        return False
    return bool(section) and bool(section.get("client_id") or any(isinstance(v, dict) for v in section.values()))


def client_address() -> str | None:
    """The visitor's IP address as the server sees it (None when unknown, e.g. in AppTest)."""
    try:
        address = st.context.ip_address
    except Exception:  # noqa: BLE001 — no request behind this run (AppTest, a bare run): unknown
        return None
    return address if isinstance(address, str) and address else None


def is_local(address: str | None) -> bool:
    """Whether ``address`` is this machine (unknown counts as local: AppTest and bare runs)."""
    if not address:
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return address == "localhost"


def _claims() -> dict:
    return {key: st.user.get(key) for key in ("email", "email_verified", "sub", "name") if st.user.get(key) is not None}


def _refuse(con: duckdb.DuckDBPyConnection | None, who: str, why: str, page: str, logout: bool) -> None:
    if con is not None:
        audit.record(con, who, "refused", address=client_address(), page=page, reason=why)
    st.error(why, icon="⛔")
    if logout:
        st.button("退出登录", on_click=st.logout, key="puhui_logout_refused")
    st.stop()


def gate(con: duckdb.DuckDBPyConnection, page: str, app_name: str) -> access.Access:
    """The access of this session, or a login button / refusal and ``st.stop()``.

    ``page`` is the page's path as in ``ui.PAGES`` (``app.py``, ``pages/upload.py`` …).
    """
    if not login_configured():
        address = client_address()
        if not is_local(address):
            _refuse(
                con,
                f"未登录（{address}）",
                "本服务器未配置登录，只能在服务器本机使用。如需多人使用，请管理员按 README 配置统一身份认证登录。",
                page,
                False,
            )
        return access.LOCAL
    if not st.user.is_logged_in:
        st.title(app_name)
        st.info(LOGIN_HELP, icon="🔐")
        st.button("登录", on_click=st.login, type="primary", key="puhui_login")
        st.stop()
    claims = _claims()
    who = claims.get("email") or claims.get("sub") or "未知账号"
    try:
        users = access.load_users(settings.get("users_file"))
    except access.UsersFileError as error:
        _refuse(con, who, f"用户文件有误，暂时无法登录：{error}", page, True)
    found = access.resolve(claims, users)
    if found is None:
        _refuse(con, who, f"账号 {who} 未开通本系统的使用权限。{LOGIN_HELP}", page, True)
    if not st.session_state.get(_LOGGED):
        audit.record(con, found.who, "login", role=found.role, address=client_address(), page=page)
        st.session_state[_LOGGED] = True
    if not found.may_open(page):
        _refuse(con, found.who, f"{found.label}无权使用此页面。", page, False)
    st.session_state[_ACCESS] = found
    return found


def current() -> access.Access:
    """The access :func:`gate` granted to this session's current run (the local user before any gate)."""
    return st.session_state.get(_ACCESS, access.LOCAL)
