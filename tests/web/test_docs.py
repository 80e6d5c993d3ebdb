"""``/docs`` in real Chromium with every request to anywhere but the app refused: Swagger UI
comes from ``api/static/vendor/``, so the page renders offline, under its own policy."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import LiveApp

pytestmark = pytest.mark.browser


def test_docs_render_with_no_network_but_the_app(
    open_page: Callable[..., Any], live_app: LiveApp, artifacts: Path
) -> None:
    page = open_page(None)
    elsewhere: list[str] = []

    def only_the_app(route: Any) -> None:
        if route.request.url.startswith(live_app.url + "/"):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    page.context.route("**/*", only_the_app)
    page.goto(f"{live_app.url}/docs")
    page.wait_for_selector(".swagger-ui .info .title")
    assert "Tsunagu API" in page.locator(".swagger-ui .info .title").inner_text()
    # the operations are listed, grouped by tag, and one opens to show its parameters
    page.wait_for_selector(".opblock")
    assert page.locator(".opblock").count() > 20
    health = page.locator(".opblock-summary-path", has_text="/api/v1/health").first
    health.click()
    page.wait_for_selector(".opblock.is-open")
    page.screenshot(path=str(artifacts / "docs-offline.png"), full_page=False)
    assert elsewhere == [], f"the page asked for other sites: {elsewhere}"
