"""The HTTP layer around Streamlit: security headers on every response, internal endpoints kept local.

Streamlit 1.67 serves through Starlette; ``serve.py`` wraps the app in :class:`SecurityHeaders` (an ASGI
middleware), so ``streamlit run serve.py`` answers with the headers a bank's security review asks for even
without a reverse proxy in front.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# What the Streamlit frontend needs and nothing more: its own scripts (plotly and deck.gl evaluate code, hence
# 'unsafe-eval'), inline styles, images and fonts from itself or data:/blob:, its websocket, and web workers from
# blob: (deck.gl). No other origin is reachable: an uploaded name that slipped through as HTML could not beacon out.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline' 'unsafe-eval' blob:",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self' ws: wss: data: blob:",
        "worker-src 'self' blob:",
        "child-src 'self' blob:",
        "frame-src 'self'",
        "media-src 'self' data: blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=(), usb=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
)

# Endpoints that describe the server rather than serve the page: answered only to the machine itself (monitoring
# runs there); anyone else gets 404, as if they did not exist.
LOCAL_ONLY_PATHS = ("/_stcore/metrics",)


def is_loopback(host: str | None) -> bool:
    """True for 127.0.0.0/8 and ::1 (also ::ffff:127.0.0.1); False for anything else or no address."""
    if not host:
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return (mapped or address).is_loopback


class SecurityHeaders:
    """ASGI middleware: adds :data:`SECURITY_HEADERS` to every HTTP response (the app's pages, static files,
    health, auth redirects) and answers :data:`LOCAL_ONLY_PATHS` with 404 to other machines."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        client = scope.get("client") or (None, None)
        if any(path.rstrip("/").endswith(local) for local in LOCAL_ONLY_PATHS) and not is_loopback(client[0]):
            await _not_found(send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in _HEADER_NAMES]
                message["headers"] = headers + list(SECURITY_HEADERS)
            await send(message)

        await self.app(scope, receive, send_with_headers)


_HEADER_NAMES = {name for name, _ in SECURITY_HEADERS}


async def _not_found(send: Send) -> None:
    body = "未找到".encode()
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 404, "headers": headers + list(SECURITY_HEADERS)})
    await send({"type": "http.response.body", "body": body})
