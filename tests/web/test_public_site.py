"""The public site in real headless Chromium, signed out, against the real app on the demo
city: a resident finds a public need and offers help (the coordinator then sees the offer in
the queue), and a collaboration is published into the case collection and taken down again.
Screenshots go to ``test-artifacts/``."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from graph.model import Collaboration, CollaborationStatus, HelpOffer, Need, NeedStatus, Visibility
from tests.web.conftest import LiveApp

pytestmark = pytest.mark.browser


def call(app: LiveApp, method: str, path: str, body: Any = None, role: str | None = None) -> Any:
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if role:
        headers["Authorization"] = f"Bearer {app.tokens[role]}"
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        f"{app.url}/api/v1/{path}", data=data, headers=headers, method=method
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def public_need(app: LiveApp) -> Need:
    needs = [
        n
        for n in app.store.iter_all("Need", {"status": "open", "visibility": "public"})
        if isinstance(n, Need) and n.status == NeedStatus.OPEN and n.visibility == Visibility.PUBLIC
    ]
    return sorted(needs, key=lambda n: n.id)[0]


def test_a_resident_offers_help_and_the_coordinator_sees_it(
    open_page: Callable[..., Any], live_app: LiveApp, artifacts: Path
) -> None:
    need = public_need(live_app)
    private = next(
        n
        for n in live_app.store.iter_all("Need")
        if isinstance(n, Need) and n.visibility == Visibility.COORDINATORS
    )
    page = open_page(None)  # signed out: no token anywhere
    page.goto(f"{live_app.url}/public/needs")
    assert page.locator("h1").inner_text() == "募集中のニーズ"
    assert page.locator(f'article.public-need[data-id="{private.id}"]').count() == 0
    shown = page.locator("#needs article.public-need").count()
    assert shown == len(call(live_app, "GET", "public/needs")) > 0
    page.fill("#q", need.title)
    page.click("#needs-search button[type=submit]")
    page.wait_for_url("**/public/needs?*")
    card = page.locator(f'article.public-need[data-id="{need.id}"]')
    assert card.count() == 1
    page.screenshot(path=str(artifacts / "public-needs.png"), full_page=True)
    card.locator("a.btn").click()
    page.wait_for_selector("#offer-form[data-ready]")
    assert page.locator("#need-title").inner_text() == need.title
    # the honeypot is out of sight (off the page's left edge) and out of the tab order
    assert (
        page.evaluate("document.querySelector('#offer-website').getBoundingClientRect().right") <= 0
    )
    assert page.get_attribute("#offer-website", "tabindex") == "-1"
    page.fill("#offer-name", "結野 太郎")
    page.fill("#offer-email", "taro@example.jp")
    page.fill("#offer-message", "週末に二人で手伝えます")
    page.click("#offer-send")
    page.wait_for_function(
        "() => document.querySelector('#offer-form').dataset.sent === '1'", timeout=20_000
    )
    assert "受け付けました" in page.locator("#offer-result").inner_text()
    page.screenshot(path=str(artifacts / "public-offer-sent.png"), full_page=True)

    offers = [
        h
        for h in live_app.store.iter_all("HelpOffer")
        if isinstance(h, HelpOffer) and h.need_id == need.id
    ]
    assert [(h.name, h.email, h.message) for h in offers] == [
        ("結野 太郎", "taro@example.jp", "週末に二人で手伝えます")
    ]
    queue = call(live_app, "GET", "queue?type=help_offer", role="coordinator")
    assert [i["id"] for i in queue["items"]] == [offers[0].id]

    coordinator = open_page("coordinator")
    # the queue shows the oldest first, a page at a time: the coordinator picks the kind
    coordinator.goto(f"{live_app.url}/review?kind=help_offer")
    item = coordinator.locator(f'article.queue-item[data-id="{offers[0].id}"]')
    item.wait_for()
    assert "週末に二人で手伝えます" in item.inner_text()
    assert need.title in item.inner_text()
    # shown as the resident's offer, with who offered and how to reach them
    assert "住民からの協力の申し出" in item.inner_text() and "結野 太郎" in item.inner_text()
    assert "taro@example.jp" in item.inner_text()
    assert item.locator('[data-action="defer"]').count() == 0  # accepted or declined only
    coordinator.screenshot(path=str(artifacts / "public-offer-in-queue.png"), full_page=True)
    item.locator("textarea").fill("担当から連絡します")
    item.locator('[data-action="accept"]').click()
    coordinator.wait_for_selector(f'article.queue-item[data-id="{offers[0].id}"][data-decided]')
    decided = live_app.store.get_of(HelpOffer, offers[0].id)
    assert decided is not None and decided.status.value == "accepted"
    assert decided.note == "担当から連絡します"


def test_a_published_case_appears_and_disappears_when_unpublished(
    open_page: Callable[..., Any], live_app: LiveApp, artifacts: Path
) -> None:
    ended = sorted(
        (
            c
            for c in live_app.store.iter_all("Collaboration", {"status": "ended"})
            if isinstance(c, Collaboration) and c.status == CollaborationStatus.ENDED
        ),
        key=lambda c: c.id,
    )
    case, other = ended[0], ended[1]
    call(
        live_app,
        "PUT",
        f"publication/collaborations/{case.id}",
        role="staff",
        body={"consents": case.org_ids(), "published": True, "summary": "地域で好評だった"},
    )
    # the other ended collaboration: every partner agreed, but it was never published
    call(
        live_app,
        "PUT",
        f"publication/collaborations/{other.id}",
        role="staff",
        body={"consents": other.org_ids()},
    )

    page = open_page(None)
    page.goto(f"{live_app.url}/public/cases")
    cards = page.locator("#cases article.public-case")
    assert cards.count() == 1
    assert page.locator(f'article.public-case[data-id="{case.id}"] .item-title').inner_text() == (
        case.title
    )
    assert other.title not in page.locator("main").inner_text()
    # the filters: by form, then by fiscal year
    page.select_option("#form", case.form.value)
    page.click("#cases-filter button[type=submit]")
    page.wait_for_url("**/public/cases?*")
    assert page.locator(f'article.public-case[data-id="{case.id}"]').count() == 1
    page.screenshot(path=str(artifacts / "public-cases.png"), full_page=True)
    page.click(f'article.public-case[data-id="{case.id}"] .item-title a')
    page.wait_for_url(f"**/public/cases/{case.id}")
    assert "地域で好評だった" in page.locator("#case").inner_text()
    page.emulate_media(media="print")
    page.screenshot(path=str(artifacts / "public-case-print.png"), full_page=True)
    assert not page.locator("nav.mainnav").is_visible()  # print hides the navigation
    page.emulate_media(media="screen")

    json_cases = call(live_app, "GET", "public/cases")
    assert [c["id"] for c in json_cases] == [case.id]
    assert other.title not in json.dumps(json_cases, ensure_ascii=False)

    call(
        live_app,
        "PUT",
        f"publication/collaborations/{case.id}",
        role="staff",
        body={"published": False},
    )
    page.goto(f"{live_app.url}/public/cases")
    assert page.locator("#cases article.public-case").count() == 0
    assert case.title not in page.locator("main").inner_text()
    assert call(live_app, "GET", "public/cases") == []
    gone = page.goto(f"{live_app.url}/public/cases/{case.id}")
    assert gone is not None and gone.status == 404
    page.goto(f"{live_app.url}/public?lang=en")
    assert page.locator("#count-cases").inner_text() == "0"
    assert page.locator("h1").inner_text() == "Collaboration in our city, in the open"


def test_the_indicator_report_prints(
    open_page: Callable[..., Any], live_app: LiveApp, artifacts: Path
) -> None:
    call(
        live_app,
        "PUT",
        "indicators/ind-1",
        role="staff",
        body={
            "name_ja": "地域活動に参加している市民の割合",
            "unit": "%",
            "baseline_year": 2006,
            "baseline_value": 37.5,
            "actuals": [{"year": 2011, "value": 37.2, "source": "市民意識調査"}],
            "targets": [{"year": 2012, "value": 45.0}, {"year": 2017, "value": 50.0}],
        },
    )
    page = open_page(None)
    page.goto(f"{live_app.url}/public/indicators")
    row = page.locator('tr[data-indicator="ind-1"][data-target-year="2012"]')
    assert row.locator(".ind-achievement").inner_text() == "82.7%"
    assert row.locator(".ind-progress").inner_text() == "-4.0%"
    page.emulate_media(media="print")
    assert not page.locator("#xlsx-ja").is_visible()
    page.screenshot(path=str(artifacts / "public-indicators-print.png"), full_page=True)
    pdf = page.pdf(format="A4", landscape=True)
    assert pdf.startswith(b"%PDF")


def test_targets_appear_on_the_growth_charts(
    open_page: Callable[..., Any], live_app: LiveApp, artifacts: Path
) -> None:
    call(
        live_app,
        "PUT",
        "indicators/ind-collabs",
        role="staff",
        body={
            "name_ja": "協働事業数（累計）",
            "unit": "件",
            "method": "computed",
            "figure": "cumulative_collaborations",
            "baseline_year": 2020,
            "targets": [{"year": 2030, "value": 500}],
        },
    )
    page = open_page("staff")
    page.goto(f"{live_app.url}/growth")
    page.wait_for_selector("#charts[data-ready]")
    chart = page.evaluate(
        """() => { const c = Chart.getChart('chart-collabs');
        return { labels: c.data.labels, targets: c.data.datasets.filter(d => d.figure)
          .map(d => ({ figure: d.figure, label: d.label, data: d.data })) }; }"""
    )
    assert chart["labels"][-1] == "2030年度"
    [target] = chart["targets"]
    assert target["figure"] == "cumulative_collaborations" and target["label"] == "計画の目標値"
    assert target["data"][-1] == 500 and all(v is None for v in target["data"][:-1])
    page.screenshot(path=str(artifacts / "growth-with-targets.png"), full_page=True)
