"""A business in real Chromium: only its tabs, the opportunities' true total and pages, an
expression of interest followed on "my interests", and a second one for the same need refused
in words.  Screenshots go to ``test-artifacts/``."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from graph.model import Interest, Need, User
from tests.web.conftest import LiveApp, held_requests
from workflows import interests as interest_flow

pytestmark = pytest.mark.browser


def api_get(app: LiveApp, role: str, path: str) -> Any:
    request = urllib.request.Request(
        f"{app.url}/api/v1/{path}", headers={"Authorization": f"Bearer {app.tokens[role]}"}
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


#: the tabs of a coordinator, in the order of the navigation
COORDINATOR_TABS = (
    "/network",
    "/growth",
    "/staff/publication",
    "/review",
    "/events",
    "/collaborations/new",
    "/imports",
    "/records",
    "/opportunities",
)


def tabs(page: Any) -> list[str]:
    page.wait_for_selector("#whoami[data-role]")
    hrefs: list[str] = page.locator(".mainnav a[data-roles]:visible").evaluate_all(
        "els => els.map(e => e.getAttribute('href'))"
    )
    return hrefs


@pytest.mark.parametrize(
    ("role", "start", "expected"),
    [
        ("business", "/opportunities", ["/opportunities", "/interests"]),
        ("staff", "/network", ["/network", "/growth", "/staff/publication"]),
        ("coordinator", "/review", [*COORDINATOR_TABS]),
        ("admin", "/", [*COORDINATOR_TABS, "/admin/tokens"]),
    ],
)
def test_only_the_tabs_a_role_may_use(
    open_page: Callable[..., Any], live_app: LiveApp, role: str, start: str, expected: list[str]
) -> None:
    page = open_page(role)
    page.goto(f"{live_app.url}{start}")
    assert tabs(page) == expected
    if role == "business":
        assert (
            page.locator(".mainnav", has_text="ネットワーク図")
            .locator("a[href='/network']")
            .is_hidden()
        )


def test_opportunities_show_the_true_total_and_pages(
    open_page: Callable[..., Any], live_app: LiveApp, artifacts: Path
) -> None:
    total = api_get(live_app, "business", "opportunities?limit=1")["total"]
    assert total > 20, "the demo city has more open public needs than one page"
    page = open_page("business")
    page.goto(f"{live_app.url}/opportunities")
    page.wait_for_selector("#results[data-ready]")
    assert page.locator("#result-count").inner_text() == f"{total}件見つかりました（1〜20件を表示）"
    first_ids = page.locator("article.result").evaluate_all("els => els.map(e => e.dataset.id)")
    assert len(first_ids) == 20
    assert page.locator('button[data-action="prev"]').is_disabled()
    page.click('button[data-action="next"]')
    page.wait_for_selector("#results[data-ready]")
    upto = min(40, total)
    assert (
        page.locator("#result-count").inner_text()
        == f"{total}件見つかりました（21〜{upto}件を表示）"
    )
    second_ids = page.locator("article.result").evaluate_all("els => els.map(e => e.dataset.id)")
    assert second_ids and not set(second_ids) & set(first_ids)
    page.screenshot(path=str(artifacts / "opportunities-page-2.png"), full_page=True)
    page.click('button[data-action="prev"]')
    page.wait_for_selector("#results[data-ready]")
    assert (
        page.locator("article.result").evaluate_all("els => els.map(e => e.dataset.id)")
        == first_ids
    )


def test_enter_before_the_search_is_wired_keeps_the_page_and_the_words(
    open_page: Callable[..., Any], live_app: LiveApp
) -> None:
    """The search form is wired once the organizations have loaded; Enter pressed before
    that used to send it natively (a GET of /opportunities?q=…: the page reloaded and the
    words were gone).  Now nothing is sent until the page's script is ready, and the words
    stay for the first search."""
    page = open_page("business")
    documents: list[str] = []
    page.on("request", lambda r: documents.append(r.url) if r.resource_type == "document" else 0)
    with held_requests(page, "**/api/v1/organizations*") as held:
        with page.expect_request("**/api/v1/organizations*"):
            page.goto(f"{live_app.url}/opportunities")
        page.fill("#q", "清掃")
        page.press("#q", "Enter")
        assert held, "the organizations are still held: the form is not wired yet"
    page.wait_for_selector("#results[data-ready]")
    assert documents == [f"{live_app.url}/opportunities"], "no native submission, no reload"
    assert page.input_value("#q") == "清掃"


def test_interest_followed_on_my_interests_and_a_second_refused(
    open_page: Callable[..., Any], live_app: LiveApp, artifacts: Path
) -> None:
    store = live_app.store
    org = live_app.business_org
    already = {i.need_id for i in store.iter_all("Interest", {"org_id": org})}
    # Two people of the same business have the search open.
    first, second = open_page("business"), open_page("business")
    for page in (first, second):
        page.goto(f"{live_app.url}/opportunities")
        page.wait_for_selector("#results[data-ready]")
    ids = first.locator("article.result").evaluate_all("els => els.map(e => e.dataset.id)")
    need_id = next(i for i in ids if i not in already)
    need = store.get("Need", need_id)
    assert isinstance(need, Need)
    card = first.locator(f'article.result[data-id="{need_id}"]')
    card.locator("input").fill("社員5名で参加できます")
    card.locator('button[data-action="interest"]').click()
    first.wait_for_selector(f'article[data-id="{need_id}"] .interest-sent')

    # The second, on its stale page, is told clearly that this need has its interest already.
    second.locator(f'article.result[data-id="{need_id}"] button[data-action="interest"]').click()
    second.wait_for_selector("#alert:not([hidden])")
    alert = second.locator("#alert").inner_text()
    assert "このニーズには既に関心を伝えています（コーディネーターの回答待ちです）" in alert
    assert "int-" not in alert  # no raw id
    stale = second.locator(f'article.result[data-id="{need_id}"]')
    second.wait_for_selector(f'article.result[data-id="{need_id}"] .interest-sent')
    assert stale.locator(".interest-sent").inner_text() == "既に関心を伝えています（回答待ち）"
    second.screenshot(path=str(artifacts / "interest-second-refused.png"))
    # Reloaded, the card says so instead of offering the button.
    second.reload()
    second.wait_for_selector("#results[data-ready]")
    refreshed = second.locator(f'article.result[data-id="{need_id}"]')
    assert refreshed.locator(".interest-sent").inner_text() == "既に関心を伝えています（回答待ち）"
    assert refreshed.locator('button[data-action="interest"]').count() == 0
    assert len([i for i in store.iter_all("Interest", {"org_id": org, "need_id": need_id})]) == 1

    # My interests: the need, its organization and the status.
    first.click(".mainnav a[href='/interests']")
    first.wait_for_selector("#interests-body[data-ready]")
    row = first.locator(f'#interests-body tr[data-need="{need_id}"]')
    assert row.locator(".need-title").inner_text() == need.title
    assert row.locator(".interest-status").inner_text() == "回答待ち"
    total = len(already) + 1
    assert first.locator("#interests-count").inner_text().startswith(f"全{total}件中")

    # A coordinator declines it with a note; the business sees the answer.
    coordinator = store.get("User", live_app.user_ids["coordinator"])
    assert isinstance(coordinator, User)
    interest = next(iter(store.iter_all("Interest", {"org_id": org, "need_id": need_id})))
    assert isinstance(interest, Interest)
    interest_flow.decide(store, coordinator, interest.id, "declined", "今回は人数が足りています")
    first.reload()
    first.wait_for_selector("#interests-body[data-ready]")
    row = first.locator(f'#interests-body tr[data-need="{need_id}"]')
    assert row.locator(".interest-status").inner_text() == "お断り"
    assert "今回は人数が足りています" in row.locator(".answer").inner_text()
    first.select_option("#interest-status", "declined")
    first.wait_for_function(
        "() => [...document.querySelectorAll('#interests-body tr')]"
        ".every(r => r.dataset.status === 'declined')"
    )
    first.screenshot(path=str(artifacts / "my-interests.png"), full_page=True)
