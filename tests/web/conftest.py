"""Fixtures for the web pages: the real app behind uvicorn on a free localhost port, on an
embedded store holding the demo city with one token per role, and headless Chromium driven by
Playwright.

The browser is Debian's ``/usr/bin/chromium`` (``scripts/ensure-chromium.sh`` installs it);
Playwright's own browser downloads are never used.  Without Chromium the browser tests skip with
the reason, except under ``CI=true``, where they fail: CI must run them.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from graph.store import GraphStore

CHROMIUM = Path(os.environ.get("TSUNAGU_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
#: the matcher's no-model fallback keeps the tests fast (the model is tested in tests/matching)
NO_MODEL = "/nonexistent/tsunagu-web-test-model"


@dataclass
class LiveApp:
    """The running app: its base URL, its store, and a token and user id per role."""

    url: str
    store: GraphStore
    tokens: dict[str, str]
    user_ids: dict[str, str]
    business_org: str
    extra: dict[str, Any] = field(default_factory=dict)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def live_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    """uvicorn serving ``create_app`` in a background thread, on the demo city (seed 42)."""
    import uvicorn

    from api.app import create_app
    from democity import load as load_demo
    from graph.embedded import EmbeddedStore
    from graph.model import Role
    from workflows.settings import Settings
    from workflows.tokens import create_user

    tmp = tmp_path_factory.mktemp("live-app")
    store = EmbeddedStore(tmp / "store.sqlite3")
    store.init_schema()
    load_demo(store, seed=42)
    business = store.list("Organization", {"sector": "business"}, limit=1).items[0].id
    tokens: dict[str, str] = {}
    ids: dict[str, str] = {}
    for role in (Role.ADMIN, Role.COORDINATOR, Role.BUSINESS, Role.STAFF):
        user, token = create_user(
            store, f"{role.value}-tester", role, business if role == Role.BUSINESS else None
        )
        tokens[role.value], ids[role.value] = token, user.id
    settings = Settings(data_dir=tmp / "data", embed_model=NO_MODEL)
    app = create_app(settings, store)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, name="tsunagu-live-app", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the app did not start under uvicorn within 30 s")
        time.sleep(0.05)
    try:
        yield LiveApp(f"http://127.0.0.1:{port}", store, tokens, ids, business)
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        store.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium (the system's), shared by the browser tests."""
    if not CHROMIUM.exists():
        message = (
            f"{CHROMIUM} is missing: run scripts/ensure-chromium.sh "
            "(Chromium がないためブラウザのテストを実行できません)"
        )
        if IN_CI:
            pytest.fail(f"CI=true but {message}")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class PageErrors:
    """JavaScript errors seen on a page; a test fails if any uncaught exception happened or
    the Content-Security-Policy refused anything (a page must work under it)."""

    exceptions: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)

    def refused_by_policy(self) -> list[str]:
        return [m for m in self.console if "Content Security Policy" in m]


@pytest.fixture
def open_page(browser: Any, live_app: LiveApp) -> Iterator[Callable[..., Any]]:
    """``open_page(role)`` gives a fresh browser page signed in as ``role`` (None: signed out).

    At the end every page is checked for uncaught JavaScript exceptions and for anything the
    Content-Security-Policy refused.
    """
    contexts: list[Any] = []
    errors: list[PageErrors] = []

    def make(role: str | None, width: int = 1440, height: int = 900) -> Any:
        context = browser.new_context(
            viewport={"width": width, "height": height}, locale="ja-JP", timezone_id="Asia/Tokyo"
        )
        contexts.append(context)
        if role is not None:
            token = live_app.tokens[role]
            context.add_init_script(
                f"if (!sessionStorage.getItem('set')) {{"
                f" localStorage.setItem('tsunagu_token', {token!r});"
                f" sessionStorage.setItem('set', '1'); }}"
            )
        page = context.new_page()
        page.set_default_timeout(30_000)
        seen = PageErrors()
        errors.append(seen)
        page.on("pageerror", lambda exc: seen.exceptions.append(str(exc)))
        page.on("console", lambda msg: seen.console.append(f"{msg.type}: {msg.text}"))
        return page

    yield make
    for context in contexts:
        context.close()
    uncaught = [e for seen in errors for e in seen.exceptions]
    assert not uncaught, f"uncaught JavaScript errors: {uncaught}"
    refused = [m for seen in errors for m in seen.refused_by_policy()]
    assert not refused, f"refused by the Content-Security-Policy: {refused}"


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Where screenshots go (gitignored): kept as the test run's artifacts."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@contextmanager
def held_requests(page: Any, pattern: str) -> Iterator[list[Any]]:
    """Hold the page's requests to ``pattern`` (a Playwright URL glob) while the block runs,
    so that it sees the page before their answers; at its end they go on to the server, in
    the order they were made.  Yields the held routes."""
    held: list[Any] = []
    page.route(pattern, lambda route: held.append(route))  # a bound builtin is refused
    try:
        yield held
    finally:
        for route in held:
            route.continue_()
        page.unroute(pattern)
