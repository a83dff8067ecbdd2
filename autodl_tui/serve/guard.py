"""textual-serve's server with an access check in front of every route and a session cap.

The check runs as aiohttp middleware, so it comes before textual-serve's handlers: a request
without the secret never reaches the WebSocket handler, which is what starts an app process.
"""

from __future__ import annotations

import asyncio
import hmac
import html
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from textual_serve.server import Server

from autodl_tui.display import clean

__all__ = ["COOKIE", "KEY_PARAM", "LOGIN_PATH", "GuardedServer", "secret_matches"]

COOKIE = "autodl_tui_access"
"""Cookie that carries the access secret after the first visit."""

KEY_PARAM = "key"
"""Query parameter of the printed URL that carries the access secret."""

_Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_REFUSED = (
    "autodl-tui serve: the access secret is missing or wrong; open the URL the server printed"
)

LOGIN_PATH = "/login"
"""Where the password form posts (only with `password`)."""

#: A wrong password costs this long, one attempt at a time: about one guess a second.
_WRONG_PASSWORD_DELAY_S = 1.0

_LOGIN_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>autodl-tui</title></head>
<body style="background:#0c181f;color:#eee;font-family:monospace;padding:2em">
<p>{message}</p>
<form method="post" action="{action}">
<input type="password" name="password" autofocus autocomplete="current-password">
<button type="submit">Open</button>
</form></body></html>
"""


def secret_matches(secret: str, given: str | None) -> bool:
    """Whether `given` is the access secret (compared in constant time)."""
    return given is not None and hmac.compare_digest(secret.encode(), given.encode())


class GuardedServer(Server):
    """A textual-serve Server that refuses every request without the access secret."""

    def __init__(
        self,
        command: str,
        *,
        secret: str,
        max_sessions: int,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        """`secret` is the cookie's (and the URL's) value; `password` adds a login form."""
        super().__init__(command, **kwargs)
        self._secret = secret
        self._password = password
        self._login_lock = asyncio.Lock()
        self._max_sessions = max_sessions
        self._sessions = 0

    def initialize_logging(self) -> None:
        """textual-serve's logging, without aiohttp's access log (it would print the secret)."""
        super().initialize_logging()
        logging.getLogger("aiohttp.access").setLevel(logging.WARNING)

    async def on_startup(self, app: web.Application) -> None:
        """Print nothing: `serve` already printed the URL (textual-serve prints the command)."""

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        app.middlewares.append(self._guard)
        if self._password is not None:
            app.router.add_post(LOGIN_PATH, self._login)
        return app

    def _login_page(self, message: str, status: int) -> web.Response:
        page = _LOGIN_PAGE.format(message=html.escape(message), action=LOGIN_PATH)
        return web.Response(status=status, text=page, content_type="text/html")

    def _let_in(self) -> web.Response:
        """A redirect to the app that sets the access cookie."""
        response = web.HTTPSeeOther(location="/")
        response.set_cookie(
            COOKIE,
            self._secret,
            httponly=True,
            samesite="Strict",
            path="/",
            # Behind a TLS proxy (--public-url https://...) it never goes out in clear.
            secure=self.public_url.startswith("https:"),
        )
        return response

    async def _login(self, request: web.Request) -> web.StreamResponse:
        """The password form's answer: the cookie, or the form again after a delay."""
        assert self._password is not None
        form = await request.post()
        given = form.get("password")
        async with self._login_lock:  # one guess at a time, each wrong one slowed down
            if isinstance(given, str) and secret_matches(self._password, given):
                return self._let_in()
            await asyncio.sleep(_WRONG_PASSWORD_DELAY_S)
        return self._login_page("Wrong password.", 403)

    @web.middleware
    async def _guard(self, request: web.Request, handler: _Handler) -> web.StreamResponse:
        key = request.query.get(KEY_PARAM)
        if secret_matches(self._secret, key):
            # First visit by the printed URL: keep the secret in a cookie and drop it from
            # the address bar, so it is not left on screen or sent on as a Referer.
            return self._let_in()
        if self._password is not None and request.path == LOGIN_PATH:
            return await handler(request)
        if not secret_matches(self._secret, request.cookies.get(COOKIE)):
            if self._password is not None and request.path == "/":
                return self._login_page("autodl-tui: password", 401)
            return web.Response(status=403, text=_REFUSED)
        if request.path == "/ws" and not self._same_origin(request):
            return web.Response(status=403, text="autodl-tui serve: cross-origin WebSocket refused")
        return await handler(request)

    def _same_origin(self, request: web.Request) -> bool:
        """A browser WebSocket from another site's page (its Origin is not ours) is refused."""
        origin = request.headers.get("Origin")
        return origin is None or origin.rstrip("/") in (self.public_url, f"http://{request.host}")

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        """textual-serve's session handler, refused beyond `max_sessions` at once."""
        if self._sessions >= self._max_sessions:
            message = clean(f"at most {self._max_sessions} sessions at once; close a tab")
            raise web.HTTPServiceUnavailable(text=f"autodl-tui serve: {message}")
        self._sessions += 1
        try:
            return await super().handle_websocket(request)
        finally:
            self._sessions -= 1
