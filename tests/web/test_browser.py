"""The pages in real headless Chromium against the real app (uvicorn) on the demo city.

Each test acts as a person would (keyboard on the slider, clicks, typing) and checks what the
page shows against the API's own figures or the store.  Screenshots of the network map and the
growth charts are written to ``test-artifacts/``.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from graph.model import (
    Collaboration,
    Interest,
    InterestStatus,
    Organization,
    Suggestion,
    SuggestionStatus,
)
from tests.web.conftest import LiveApp

pytestmark = pytest.mark.browser

VISIBLE_NODES = (
    "[...document.querySelectorAll('circle.node')].filter(c => c.style.display !== 'none').length"
)


def api_get(app: LiveApp, role: str, path: str) -> Any:
    request = urllib.request.Request(
        f"{app.url}/api/v1/{path}", headers={"Authorization": f"Bearer {app.tokens[role]}"}
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def count(page: Any, selector: str) -> int:
    return int(page.locator(selector).inner_text().replace(",", ""))


def test_network_map_time_slider_and_play(
    open_page: Callable[..., Any], live_app: LiveApp, artifacts: Path
) -> None:
    graph = api_get(live_app, "staff", "network/graph")
    periods = graph["periods"]
    page = open_page("staff")
    page.goto(f"{live_app.url}/network")
    page.wait_for_selector("#map[data-ready]")
    # The slider starts at the latest period: every organization and tie is there.
    assert count(page, "#count-orgs") == periods[-1]["organizations"] == len(graph["nodes"])
    assert count(page, "#count-ties") == periods[-1]["ties"] == len(graph["edges"])
    assert page.evaluate(VISIBLE_NODES) == len(graph["nodes"])

    slider = page.locator("#time-slider")
    slider.focus()
    page.keyboard.press("Home")  # the first month
    assert count(page, "#count-orgs") == periods[0]["organizations"]
    assert page.evaluate(VISIBLE_NODES) == periods[0]["organizations"]
    assert periods[0]["organizations"] < len(graph["nodes"])
    for _ in range(24):  # two years on
        page.keyboard.press("ArrowRight")
    assert page.locator("#asof").inner_text() == periods[24]["label_ja"]
    assert count(page, "#count-orgs") == periods[24]["organizations"]
    assert count(page, "#count-ties") == periods[24]["ties"]

    # Play replays the growth from where the slider is, month by month.
    page.keyboard.press("Home")
    page.click("#play")
    page.wait_for_function("() => Number(document.querySelector('#time-slider').value) >= 6")
    page.click("#play")  # pause
    paused_at = int(slider.input_value())
    assert count(page, "#count-orgs") == periods[paused_at]["organizations"]
    assert count(page, "#count-orgs") > periods[0]["organizations"]

    # Clicking an organization shows its profile summary; staff may not see suggestions.
    slider.focus()
    page.keyboard.press("End")
    assert count(page, "#count-orgs") == len(graph["nodes"])
    hub = max(graph["nodes"], key=lambda n: (n["degree"], n["id"]))
    page.click(f'circle.node[data-id="{hub["id"]}"]', force=True)
    assert page.locator("#node-name").inner_text() == hub["name"]
    assert "コーディネーター" in page.locator("#node-suggestions").inner_text()
    page.screenshot(path=str(artifacts / "network-map.png"), full_page=True)

    # Staff can find an organization by name instead of hunting for its dot.
    quiet = min(graph["nodes"], key=lambda n: (n["degree"], n["id"]))
    page.fill("#find-org-input", quiet["name"])
    page.press("#find-org-input", "Enter")
    page.wait_for_function(
        "name => document.querySelector('#node-name')?.textContent === name", arg=quiet["name"]
    )


def test_network_node_shows_suggestions_to_coordinators(
    open_page: Callable[..., Any], live_app: LiveApp
) -> None:
    suggestion = next(s for s in live_app.store.iter_all("Suggestion") if isinstance(s, Suggestion))
    candidate = live_app.store.get("Organization", suggestion.candidate_id)
    assert isinstance(candidate, Organization)
    page = open_page("coordinator")
    page.goto(f"{live_app.url}/network?org={suggestion.subject_id}")
    page.wait_for_selector("#node-suggestions .suggestion-item")
    assert candidate.name in page.locator("#node-suggestions").inner_text()


def test_growth_charts_and_indicators(
    open_page: Callable[..., Any], live_app: LiveApp, artifacts: Path
) -> None:
    growth = api_get(live_app, "staff", "network/growth?period=fiscal")
    page = open_page("staff")
    page.goto(f"{live_app.url}/growth")
    page.wait_for_selector("#charts[data-ready]")
    page.wait_for_selector("#indicator-table")
    labels = page.evaluate("Chart.getChart('chart-orgs').data.labels")
    # the running fiscal year is marked partial (集計中)
    assert labels == [
        p["label_ja"] + ("（集計中）" if p["partial"] else "") for p in growth["series"]
    ]
    new_ties = page.evaluate("Chart.getChart('chart-new-ties').data.datasets[0].data")
    assert new_ties == [p["figures"]["new_ties"] for p in growth["series"]]
    # The indicator table shows the API's plan indicators, one row each.
    table = growth["plan_indicators"]
    rows = page.locator("#indicator-table tbody tr")
    assert rows.count() == len(table["rows"])
    organizations = next(r for r in table["rows"] if r["key"] == "organizations")
    cells = page.locator('#indicator-table tr[data-key="organizations"] td').all_inner_texts()
    assert [int(c.replace(",", "")) for c in cells] == organizations["values"]
    bridges = growth["series"][-1]["figures"]["top_bridges"]
    assert bridges, "the demo city has organizations that bridge groups"
    shown = page.locator("#bridges li a").all_inner_texts()
    assert shown == [b["name"] for b in bridges]
    page.screenshot(path=str(artifacts / "growth-charts.png"), full_page=True)

    # The subnetwork of one sector: only ties among NPOs count.
    by_sector = api_get(live_app, "staff", "network/growth?period=fiscal&by=sector")
    npo = [p for p in by_sector["series"] if p["scope"] == "sector:npo"]
    page.select_option("#scope", "sector:npo")
    page.wait_for_selector('#charts[data-scope="sector:npo"]')
    ties = page.evaluate("Chart.getChart('chart-new-ties').data.datasets[0].data")
    assert ties == [p["figures"]["new_ties"] for p in npo]
    assert ties != new_ties
    page.select_option("#scope", "all")
    page.wait_for_selector('#charts[data-scope="all"]')

    page.click('#period-buttons button[data-period="quarter"]')
    page.wait_for_selector('#charts[data-period="quarter"]')
    quarters = page.evaluate("Chart.getChart('chart-orgs').data.labels.length")
    assert quarters > len(labels)


def test_export_download(open_page: Callable[..., Any], live_app: LiveApp) -> None:
    page = open_page("staff")
    page.goto(f"{live_app.url}/growth")
    page.wait_for_selector("#charts[data-ready]")
    with page.expect_download() as info:
        page.click('#exports button[data-format="gexf"]')
    download = info.value
    assert download.suggested_filename.endswith(".gexf")
    assert b"<gexf" in Path(download.path()).read_bytes()[:500]


def test_review_queue_accept_is_recorded(
    open_page: Callable[..., Any], live_app: LiveApp, artifacts: Path
) -> None:
    page = open_page("coordinator")
    page.goto(f"{live_app.url}/review")
    page.wait_for_selector("#queue[data-ready]")
    card = page.locator('article.queue-item[data-type="suggestion"]').first
    suggestion_id = card.get_attribute("data-id")
    assert suggestion_id
    card.locator("textarea").fill("地域の防犯で相性が良いため / good fit for local safety")
    page.screenshot(path=str(artifacts / "review-queue.png"))
    card.locator('button[data-action="accept"]').click()
    page.wait_for_selector(f'article[data-id="{suggestion_id}"][data-decided="accepted"]')

    stored = live_app.store.get("Suggestion", suggestion_id)
    assert isinstance(stored, Suggestion)
    assert stored.status == SuggestionStatus.ACCEPTED
    assert stored.reviewer == live_app.user_ids["coordinator"]
    assert stored.note == "地域の防犯で相性が良いため / good fit for local safety"
    assert stored.history[-1].status == SuggestionStatus.ACCEPTED

    # An accepted suggestion becomes a planned collaboration in one click.
    page.click(f'article[data-id="{suggestion_id}"] button[data-action="draft"]')
    page.wait_for_selector(f'article[data-id="{suggestion_id}"] .draft-created')
    collab_id = page.get_attribute(f'article[data-id="{suggestion_id}"]', "data-collaboration")
    collab = live_app.store.get("Collaboration", collab_id or "")
    assert isinstance(collab, Collaboration)
    assert collab.suggestion_id == suggestion_id
    assert set(collab.org_ids()) == {stored.subject_id, stored.candidate_id}

    # Reloaded, the queue no longer holds it.
    page.reload()
    page.wait_for_selector("#queue[data-ready]")
    assert page.locator(f'article[data-id="{suggestion_id}"]').count() == 0


def test_review_defer_with_note(open_page: Callable[..., Any], live_app: LiveApp) -> None:
    page = open_page("coordinator")
    page.goto(f"{live_app.url}/review")
    page.wait_for_selector("#queue[data-ready]")
    card = page.locator('article.queue-item[data-type="suggestion"]').nth(1)
    suggestion_id = card.get_attribute("data-id")
    card.locator("textarea").fill("来月の会議で相談")
    card.locator('button[data-action="defer"]').click()
    page.wait_for_selector(f'article[data-id="{suggestion_id}"][data-decided="deferred"]')
    stored = live_app.store.get("Suggestion", suggestion_id or "")
    assert isinstance(stored, Suggestion)
    assert stored.history[-1].status == SuggestionStatus.DEFERRED
    assert stored.history[-1].note == "来月の会議で相談"


def test_review_decline_interest(open_page: Callable[..., Any], live_app: LiveApp) -> None:
    page = open_page("admin")
    page.goto(f"{live_app.url}/review")
    page.wait_for_selector("#queue[data-ready]")
    card = page.locator('article.queue-item[data-type="interest"]').first
    interest_id = card.get_attribute("data-id")
    assert card.locator('button[data-action="defer"]').count() == 0  # interests: yes or no
    card.locator("textarea").fill("今回は日程が合わないため")
    card.locator('button[data-action="reject"]').click()
    page.wait_for_selector(f'article[data-id="{interest_id}"][data-decided="declined"]')
    stored = live_app.store.get("Interest", interest_id or "")
    assert isinstance(stored, Interest)
    assert stored.status == InterestStatus.DECLINED
    assert stored.decided_by == live_app.user_ids["admin"]
    assert stored.note == "今回は日程が合わないため"


def test_language_switch_is_kept(
    open_page: Callable[..., Any], live_app: LiveApp, artifacts: Path
) -> None:
    page = open_page("staff")
    page.goto(f"{live_app.url}/network")
    assert page.locator("html").get_attribute("lang") == "ja"
    assert "ネットワーク図" in page.locator("nav.mainnav").inner_text()
    page.click("#lang-switch")
    page.wait_for_selector("html[lang=en]")
    page.wait_for_selector("#map[data-ready]")
    assert "Network map" in page.locator("nav.mainnav").inner_text()
    assert page.locator("h1").inner_text() == "Collaboration network map"
    assert page.locator("#play").inner_text().endswith("Play")
    page.screenshot(path=str(artifacts / "network-map-en.png"))
    # The choice is kept (cookie) on the next page, where the charts are labelled in English.
    page.goto(f"{live_app.url}/growth")
    page.wait_for_selector("#charts[data-ready]")
    assert page.locator("h1").inner_text() == "Network growth"
    assert page.evaluate("Chart.getChart('chart-orgs').data.labels[0]").startswith("FY")
    page.click("#lang-switch")
    page.wait_for_selector("html[lang=ja]")
    assert page.locator("h1").inner_text() == "ネットワークの成長"


def test_opportunity_search_and_interest(
    open_page: Callable[..., Any], live_app: LiveApp, artifacts: Path
) -> None:
    page = open_page("business")
    page.goto(f"{live_app.url}/opportunities")
    page.wait_for_selector("#results[data-ready]")
    assert page.locator("#acting-org-field").is_hidden()  # a business searches as itself
    page.fill("#q", "清掃")
    page.click("#search-button")
    page.wait_for_function(
        "() => document.querySelector('#result-count').textContent.includes('件')"
    )
    already = {
        i.need_id
        for i in live_app.store.iter_all("Interest", {"org_id": live_app.business_org})
        if isinstance(i, Interest)
    }
    ids = page.locator("article.result").evaluate_all("els => els.map(e => e.dataset.id)")
    own = {n.id for n in live_app.store.iter_all("Need", {"org_id": live_app.business_org})}
    need_id = next(i for i in ids if i not in already and i not in own)
    first = page.locator(f'article.result[data-id="{need_id}"]')
    first.locator("input").fill("社員ボランティアで参加できます")
    first.locator('button[data-action="interest"]').click()
    page.wait_for_selector(f'article[data-id="{need_id}"] .interest-sent')
    interests = [
        i
        for i in live_app.store.iter_all("Interest", {"need_id": need_id})
        if isinstance(i, Interest) and i.org_id == live_app.business_org
    ]
    assert [i.message for i in interests] == ["社員ボランティアで参加できます"]
    page.screenshot(path=str(artifacts / "opportunities.png"))


def test_organization_profile(open_page: Callable[..., Any], live_app: LiveApp) -> None:
    org = live_app.store.get("Organization", "demo-assoc-001") or next(
        iter(live_app.store.iter_all("Organization"))
    )
    assert isinstance(org, Organization)
    page = open_page("coordinator")
    page.goto(f"{live_app.url}/organizations/{org.id}")
    page.wait_for_selector("#profile[data-ready]")
    assert page.locator("#org-name").inner_text() == org.name
    shown = page.locator("#org-collaborations li.collaboration").count()
    assert shown == min(200, len(live_app.store.collaborations_of(org.id)))


@pytest.mark.parametrize(
    ("website", "href"),
    [
        ("javascript:alert(localStorage.tsunagu_token)", None),
        (" JavaScript:alert(1)", None),
        ("data:text/html,<script>alert(1)</script>", None),
        ("https://kids.example.jp/", "https://kids.example.jp/"),
    ],
)
def test_profile_links_only_web_addresses(
    open_page: Callable[..., Any], live_app: LiveApp, website: str, href: str | None
) -> None:
    """A website that got into the store before the model refused such links (or through
    anything else) is shown as text, never put into an href."""
    org = next(iter(live_app.store.iter_all("Organization")))
    page = open_page("coordinator")

    def with_website(route: Any) -> None:
        body = route.fetch().json()
        route.fulfill(json={**body, "website": website})

    page.route(f"**/api/v1/organizations/{org.id}", with_website)
    page.goto(f"{live_app.url}/organizations/{org.id}")
    page.wait_for_selector("#profile[data-ready]")
    cell = page.locator("#org-website")
    assert cell.inner_text() == website.strip() or cell.inner_text() == website
    links = cell.locator("a")
    if href is None:
        assert links.count() == 0
    else:
        assert links.get_attribute("href") == href
        assert "noopener" in (links.get_attribute("rel") or "")


def test_the_policy_runs_no_injected_inline_script(browser: Any, live_app: LiveApp) -> None:
    """Were markup ever injected into a page, its inline script would not run (a page of its
    own: the refusal is what open_page's check counts as a failure)."""
    context = browser.new_context()
    try:
        page = context.new_page()
        refused: list[str] = []
        page.on("console", lambda msg: refused.append(msg.text))
        page.goto(f"{live_app.url}/")
        ran = page.evaluate(
            "() => { const s = document.createElement('script'); s.textContent = 'window.ran = 1';"
            " document.body.append(s); return window.ran === 1; }"
        )
        assert ran is False
        assert any("Content Security Policy" in m for m in refused)
    finally:
        context.close()


def test_sign_in_with_token_dialog(open_page: Callable[..., Any], live_app: LiveApp) -> None:
    page = open_page(None)
    page.goto(f"{live_app.url}/network")
    page.wait_for_selector("#alert:not([hidden])")
    page.click("#token-button")
    page.fill("#token-input", "tsu_not-a-real-token")
    page.click("#token-save")
    page.wait_for_selector("#token-error:not([hidden])")
    page.fill("#token-input", live_app.tokens["staff"])
    page.click("#token-save")
    page.wait_for_selector("#map[data-ready]")
    assert page.locator("#whoami").get_attribute("data-role") == "staff"


def test_pages_refuse_the_wrong_role(open_page: Callable[..., Any], live_app: LiveApp) -> None:
    page = open_page("business")
    page.goto(f"{live_app.url}/network")
    page.wait_for_selector("#alert:not([hidden])")
    assert "権限" in page.locator("#alert").inner_text()
    assert page.locator("#map[data-ready]").count() == 0
    # other pages and roles: test_a_refused_page_shows_why_not_its_forms


#: (page, a role it refuses, a form or table it shows to the roles it serves)
REFUSING = [
    ("/imports", "business", "#import-form"),
    ("/imports", "staff", "#import-history"),
    ("/review", "staff", "main > :not(#alert):not(.page-header)"),
    ("/admin/tokens", "coordinator", "main > :not(#alert):not(.page-header)"),
    ("/opportunities", "staff", "main > :not(#alert):not(.page-header)"),
    ("/collaborations/new", None, "main > :not(#alert):not(.page-header)"),
]


@pytest.mark.parametrize(("path", "role", "work"), REFUSING)
def test_a_refused_page_shows_why_not_its_forms(
    open_page: Callable[..., Any],
    live_app: LiveApp,
    artifacts: Path,
    path: str,
    role: str | None,
    work: str,
) -> None:
    """Signed out, or with a role the page does not serve, a page shows its title and the
    alert that says why; its forms and tables (work the API would refuse) are not shown."""
    page = open_page(role)
    page.goto(f"{live_app.url}{path}")
    page.wait_for_selector("#alert:not([hidden])")
    alert = page.locator("#alert").inner_text()
    assert ("権限" in alert) if role else ("トークン" in alert or "サインイン" in alert), alert
    assert page.locator("h1").first.is_visible()
    shown = page.locator(work)
    assert shown.count() > 0  # the page has that part: it is hidden, not missing
    assert all(not shown.nth(i).is_visible() for i in range(shown.count()))
    name = f"refused-{path.strip('/').replace('/', '-')}-{role or 'signed-out'}.png"
    page.screenshot(path=str(artifacts / name), full_page=True)
