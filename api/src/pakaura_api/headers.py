"""Security headers on every response (a pure ASGI middleware: no per-request objects).

- `X-Content-Type-Options: nosniff` everywhere: a JSON body is never sniffed into HTML.
- `Cache-Control: no-store` on `/auth/*` responses: tokens never land in a shared cache.
- `Strict-Transport-Security` only when the request came over https (directly, or through a
  trusted proxy's `X-Forwarded-Proto`): on plain http it would mean nothing, and on a local
  `http://localhost` it must not pin https.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

NOSNIFF = (b"x-content-type-options", b"nosniff")
NO_STORE = (b"cache-control", b"no-store")
HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, no_store_prefix: str) -> None:
        self.app = app
        self.no_store_prefix = no_store_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = [NOSNIFF]
        if scope["path"].startswith(self.no_store_prefix):
            extra.append(NO_STORE)
        if scope.get("scheme") == "https":
            extra.append(HSTS)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name.lower() for name, _ in message.get("headers", [])}
                added = [header for header in extra if header[0] not in names]
                message["headers"] = [*message.get("headers", []), *added]
            await send(message)

        await self.app(scope, receive, send_with_headers)
