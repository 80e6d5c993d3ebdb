"""Security headers on every response (pages, static files, the API, errors).

The pages load only our own scripts and styles (``api/static/``) and run no inline script; the
page's data travels in a ``<script type="application/json">`` block, which is data, not code.
So the policy allows scripts, styles, images and fetches from the site itself and nothing else:
a link or text that slipped past the model's checks still cannot run a script, and no other
site may frame a page (clickjacking).  FastAPI's API docs (``/docs``, ``/redoc``) load Swagger
UI and ReDoc from their CDN with a small inline start-up script; they show only the OpenAPI
document, and get a policy that allows just that.
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CDN = "https://cdn.jsdelivr.net"


def policy(directives: dict[str, Iterable[str]]) -> str:
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


COMMON = {
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
    "object-src": ["'none'"],
}
#: the pages and everything else we serve
CONTENT_SECURITY_POLICY = policy(
    {
        "default-src": ["'none'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "manifest-src": ["'self'"],
        **COMMON,
    }
)
#: FastAPI's Swagger UI and ReDoc pages (no user data on them)
DOCS_CONTENT_SECURITY_POLICY = policy(
    {
        "default-src": ["'none'"],
        "script-src": ["'self'", CDN, "'unsafe-inline'"],
        "style-src": ["'self'", CDN, "https://fonts.googleapis.com", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "https://fastapi.tiangolo.com", CDN],
        "font-src": ["'self'", "https://fonts.gstatic.com"],
        "connect-src": ["'self'"],
        "worker-src": ["blob:"],
        **COMMON,
    }
)
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}


class SecurityHeaders:
    """ASGI middleware that adds :data:`HEADERS` and a Content-Security-Policy to every HTTP
    response (``docs_paths`` get :data:`DOCS_CONTENT_SECURITY_POLICY`)."""

    def __init__(self, app: ASGIApp, docs_paths: Iterable[str] = ()) -> None:
        self.app = app
        self.docs_paths = frozenset(docs_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        csp = (
            DOCS_CONTENT_SECURITY_POLICY
            if scope.get("path") in self.docs_paths
            else CONTENT_SECURITY_POLICY
        )

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    headers.setdefault(name, value)
                headers.setdefault("Content-Security-Policy", csp)
            await send(message)

        await self.app(scope, receive, send_with_headers)
