"""Security headers on every response (pages, static files, the API, errors).

The pages load only our own scripts and styles (``api/static/``) and run no inline script; the
page's data travels in a ``<script type="application/json">`` block, which is data, not code.
So the policy allows scripts, styles, images and fetches from the site itself and nothing else:
a link or text that slipped past the model's checks still cannot run a script, and no other
site may frame a page (clickjacking).  The API docs (``/docs``, ``api/docs.py``) load Swagger UI
from ``api/static/vendor/`` too, with one inline start-up script that their own policy
(:func:`docs_policy`) names by its hash; nothing is fetched from another site.
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send


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


def docs_policy(script_hashes: Iterable[str]) -> str:
    """The policy of the Swagger UI page: the site's own files plus the inline start-up
    scripts named by their hashes (``'sha256-…'``), and nothing from elsewhere."""
    return policy(
        {
            "default-src": ["'none'"],
            "script-src": ["'self'", *script_hashes],
            "style-src": ["'self'"],
            "img-src": ["'self'", "data:"],
            "font-src": ["'self'"],
            "connect-src": ["'self'"],
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
    """ASGI middleware that adds :data:`HEADERS` and :data:`CONTENT_SECURITY_POLICY` to every
    HTTP response that has not set them itself (``/docs`` sets its own policy)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    headers.setdefault(name, value)
                headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
            await send(message)

        await self.app(scope, receive, send_with_headers)
