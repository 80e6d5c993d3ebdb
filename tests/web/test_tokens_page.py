"""The admins' token page in real Chromium: create a token (shown once, works at once), see it
listed without the token, revoke it (it stops working); other roles are refused.
Screenshots go to ``test-artifacts/``."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from graph.model import User
from tests.web.conftest import LiveApp

pytestmark = pytest.mark.browser


def me_status(app: LiveApp, token: str) -> int:
    request = urllib.request.Request(
        f"{app.url}/api/v1/me", headers={"Authorization": f"Bearer {token}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def test_token_create_shown_once_then_revoke(
    open_page: Callable[..., Any], live_app: LiveApp, artifacts: Path
) -> None:
    page = open_page("admin")
    page.goto(f"{live_app.url}/")
    page.click(".mainnav a[href='/admin/tokens']")
    page.wait_for_selector("#tokens-body[data-ready]")
    mine = page.locator(f'#tokens-body tr[data-id="{live_app.user_ids["admin"]}"]')
    assert "使用中（あなた）" in mine.inner_text()
    assert mine.locator('button[data-action="revoke"]').count() == 0

    # A business token needs its organization: the field appears for that role.
    assert page.locator("#new-token-org-field").is_hidden()
    page.select_option("#new-token-role", "business")
    assert page.locator("#new-token-org-field").is_visible()
    page.select_option("#new-token-role", "coordinator")
    page.fill("#new-token-name", "鈴木 一郎")
    page.click("#new-token-button")
    page.wait_for_selector("#token-once:not([hidden])")
    token = page.input_value("#token-once-value")
    assert token.startswith("tsu_")
    assert page.locator("#token-once-for").inner_text() == "鈴木 一郎（コーディネーター）のトークン"
    page.screenshot(path=str(artifacts / "token-created.png"))
    assert me_status(live_app, token) == 200  # works at once

    holder = next(
        u for u in live_app.store.iter_all("User") if isinstance(u, User) and u.name == "鈴木 一郎"
    )
    row = page.locator(f'#tokens-body tr[data-id="{holder.id}"]')
    assert row.locator(".holder-name").inner_text() == "鈴木 一郎"
    assert "コーディネーター" in row.inner_text() and "有効" in row.inner_text()

    # Shown once: hidden on request, and never again after a reload.
    page.click("#token-once-done")
    assert page.locator("#token-once").is_hidden()
    assert page.input_value("#token-once-value") == ""
    page.reload()
    page.wait_for_selector("#tokens-body[data-ready]")
    assert token not in page.content()

    # Revoke takes a second click, then the token stops working.
    row = page.locator(f'#tokens-body tr[data-id="{holder.id}"]')
    row.locator('button[data-action="revoke"]').click()
    assert row.locator('button[data-action="confirm-revoke"]').inner_text() == "本当に失効させる"
    assert me_status(live_app, token) == 200
    row.locator('button[data-action="confirm-revoke"]').click()
    page.wait_for_selector(f'#tokens-body tr[data-id="{holder.id}"]', state="detached")
    assert me_status(live_app, token) == 401
    page.check("#show-revoked")
    page.wait_for_selector(f'#tokens-body tr[data-id="{holder.id}"][data-active="false"]')
    revoked = page.locator(f'#tokens-body tr[data-id="{holder.id}"]')
    assert "失効" in revoked.locator(".holder-state").inner_text()
    page.screenshot(path=str(artifacts / "token-revoked.png"), full_page=True)


@pytest.mark.parametrize("role", ["coordinator", "business", "staff"])
def test_other_roles_are_refused_the_token_page(
    open_page: Callable[..., Any], live_app: LiveApp, role: str
) -> None:
    page = open_page(role)
    page.goto(f"{live_app.url}/admin/tokens")
    page.wait_for_selector("#alert:not([hidden])")
    assert "権限がありません" in page.locator("#alert").inner_text()
    assert page.locator("#tokens-body tr").count() == 0
    assert page.locator(".mainnav a[href='/admin/tokens']").is_hidden()


def test_the_token_page_in_english(
    open_page: Callable[..., Any], live_app: LiveApp, artifacts: Path
) -> None:
    page = open_page("admin")
    page.goto(f"{live_app.url}/admin/tokens?lang=en")
    page.wait_for_selector("#tokens-body[data-ready]")
    assert page.locator("h1").inner_text() == "API tokens"
    assert page.locator(".mainnav a[href='/admin/tokens']").inner_text() == "Tokens"
    page.fill("#new-token-name", "Kato")
    page.select_option("#new-token-role", "staff")
    page.click("#new-token-button")
    page.wait_for_selector("#token-once:not([hidden])")
    assert page.locator("#token-once-for").inner_text() == "Token for Kato (City staff)"
    assert page.locator("#token-once h2").inner_text() == "The new token (shown this once)"
    page.screenshot(path=str(artifacts / "token-created-en.png"))
