"""The API docs at ``/docs``: FastAPI's Swagger UI page on the copy of swagger-ui-dist vendored
into ``api/static/vendor/`` (``npm run vendor``), so the page works offline.

The page FastAPI writes starts Swagger UI with one small inline script.  Rather than allow every
inline script on ``/docs``, the response names that one script by its SHA-256 hash in its own
Content-Security-Policy (the security middleware keeps a policy a route has set); everything
else comes from the site itself.  ReDoc is not served: it would need its own vendored copy.
"""

from __future__ import annotations

import base64
import hashlib
import re

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

from api.security import docs_policy

DOCS_URL = "/docs"
SWAGGER_JS = "/static/vendor/swagger-ui-bundle.js"
SWAGGER_CSS = "/static/vendor/swagger-ui.css"
FAVICON = "/static/favicon.svg"
INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)

router = APIRouter(include_in_schema=False)


def script_hashes(html: str) -> list[str]:
    """CSP source expressions (``'sha256-…'``) for each inline script in ``html``."""
    return [
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
        for s in INLINE_SCRIPT.findall(html)
    ]


@router.get(DOCS_URL, response_class=HTMLResponse)
def swagger_ui(request: Request) -> HTMLResponse:
    """Swagger UI for ``/openapi.json``, from the vendored files."""
    app = request.app
    page = get_swagger_ui_html(
        openapi_url=app.openapi_url,
        title=f"{app.title} · docs",
        swagger_js_url=SWAGGER_JS,
        swagger_css_url=SWAGGER_CSS,
        swagger_favicon_url=FAVICON,
    )
    html = bytes(page.body).decode()
    page.headers["Content-Security-Policy"] = docs_policy(script_hashes(html))
    return page
