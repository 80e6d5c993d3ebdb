"""A coordinator's whole path in real Chromium: ask for partners on an organization's page
with the filters, shortlist two (browsing stores nothing), review and accept one, make it a
collaboration, end it, and evaluate it as each partner with Saku's five items, trust and value.
Screenshots go to ``test-artifacts/``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from graph.model import Collaboration, CollaborationStatus, Need, Organization, Suggestion
from tests.web.conftest import LiveApp
from workflows.suggestions import OPEN

pytestmark = pytest.mark.browser


def open_pair(app: LiveApp, a: str, b: str) -> list[Suggestion]:
    found = []
    for s in app.store.iter_all("Suggestion", {"status": list(OPEN)}):
        assert isinstance(s, Suggestion)
        if {s.subject_id, s.candidate_id} == {a, b}:
            found.append(s)
    return found


def org_with_a_need(app: LiveApp) -> tuple[Organization, Need]:
    for need in app.store.iter_all("Need"):
        assert isinstance(need, Need)
        org = app.store.get("Organization", need.org_id)
        if isinstance(org, Organization) and org.sector == "npo":
            return org, need
    raise AssertionError("the demo city has an NPO with a need")


def test_shortlist_review_accept_collaborate_end_evaluate(
    open_page: Callable[..., Any], live_app: LiveApp, artifacts: Path
) -> None:
    store = live_app.store
    org, need = org_with_a_need(live_app)
    stored_before = store.count("Suggestion")
    page = open_page("coordinator")
    page.goto(f"{live_app.url}/organizations/{org.id}")
    page.wait_for_selector("#profile[data-ready]")

    # Ask with filters: include current partners, mix sectors.
    page.check("#suggest-partners")
    page.check("#suggest-diverse")
    page.click("#suggest-button")
    page.wait_for_selector("#suggest-results[data-ready] li.suggestion-row")
    rows = page.locator("li.suggestion-row")
    assert rows.count() >= 3
    for i in range(rows.count()):
        reason = rows.nth(i).locator(".reason").inner_text()
        assert reason.startswith("おすすめの理由: ") and len(reason) > len("おすすめの理由: ")
        assert "スコア" in rows.nth(i).locator(".score").inner_text()
    assert "保存されていません" in page.locator("#suggest-count").inner_text()
    page.screenshot(path=str(artifacts / "suggest-preview.png"), full_page=True)

    # Only businesses, for the organization's need: every candidate shown is a business.
    page.select_option("#suggest-need", need.id)
    page.check('input[name="sector"][value="business"]')
    page.click("#suggest-button")
    page.wait_for_selector("#suggest-results li.suggestion-row")
    badges = page.locator("li.suggestion-row .badge").all_inner_texts()
    assert badges and set(badges) == {"事業者"}
    # A district and a field with nobody in them: told so, in words.
    page.select_option("#suggest-field", "20")
    page.select_option("#suggest-area", index=1)
    page.click("#suggest-button")
    page.wait_for_selector("#suggest-results #suggest-empty, #suggest-results li.suggestion-row")
    page.select_option("#suggest-field", "")
    page.select_option("#suggest-area", "")
    page.uncheck('input[name="sector"][value="business"]')
    page.select_option("#suggest-need", "")
    page.click("#suggest-button")
    page.wait_for_selector("#suggest-results li.suggestion-row")
    # Browsing, however often, stored nothing.
    assert store.count("Suggestion") == stored_before

    # Shortlist the first two.
    first, second = (page.locator("li.suggestion-row").nth(i) for i in (0, 1))
    candidates = [first.get_attribute("data-candidate"), second.get_attribute("data-candidate")]
    assert page.locator("#shortlist-button").is_disabled()
    first.locator('input[name="pick"]').check()
    second.locator('input[name="pick"]').check()
    page.click("#shortlist-button")
    page.wait_for_selector("#shortlist-result:not([hidden])")
    assert "レビュー待ちに追加しました" in page.locator("#shortlist-result").inner_text()
    assert first.locator(".tag-queued").count() == 1
    page.screenshot(path=str(artifacts / "suggest-shortlisted.png"), full_page=True)
    queued = [open_pair(live_app, org.id, c or "") for c in candidates]
    assert all(len(q) == 1 for q in queued), "each pair is in the queue once"
    assert store.count("Suggestion") - stored_before <= 2
    # Shortlisting the same pair again merges: still one item for the pair.
    page.click("#suggest-button")
    page.wait_for_selector("#suggest-results li.suggestion-row .tag-queued")
    page.locator("li.suggestion-row").nth(0).locator('input[name="pick"]').check()
    page.click("#shortlist-button")
    page.wait_for_function(
        "() => document.querySelector('#shortlist-result').textContent.includes('統合 1件')"
    )
    assert len(open_pair(live_app, org.id, candidates[0] or "")) == 1
    suggestion_id = queued[0][0].id

    # Review: the shortlisted item is in the queue; accept it and make a collaboration.
    page.click("#open-review")
    page.wait_for_selector("#queue[data-ready]")
    card = page.locator(f'article.queue-item[data-id="{suggestion_id}"]')
    assert card.count() == 1
    card.locator("textarea").fill("候補リストから / from the shortlist")
    card.locator('button[data-action="accept"]').click()
    page.wait_for_selector(f'article[data-id="{suggestion_id}"][data-decided="accepted"]')
    page.click(f'article[data-id="{suggestion_id}"] button[data-action="draft"]')
    page.wait_for_selector(f'article[data-id="{suggestion_id}"] .draft-created')
    page.screenshot(path=str(artifacts / "review-accepted-drafted.png"))
    collab_id = page.get_attribute(f'article[data-id="{suggestion_id}"]', "data-collaboration")
    assert collab_id

    # The collaboration on the organization's page: end it, then each partner evaluates.
    page.click(f'article[data-id="{suggestion_id}"] a[data-action="open-collaboration"]')
    page.wait_for_selector("#profile[data-ready]")
    item = page.locator(f'li.collaboration[data-id="{collab_id}"]')
    assert item.locator(".collab-status").inner_text() == "計画中"
    assert item.locator('button[data-action="evaluate"]').count() == 0  # not before it ends
    item.locator('button[data-action="end"]').click()
    page.wait_for_selector(f'li.collaboration[data-id="{collab_id}"][data-status="ended"]')
    assert item.locator(".collab-status").inner_text() == "終了"
    partners = item.locator("li.partner")
    assert partners.count() == 2
    for n, (scores, trust, value) in enumerate([((5, 4, 4, 5, 5), 5, 4), ((3, 3, 4, 2, 4), 3, "")]):
        partners.nth(n).locator('button[data-action="evaluate"]').click()
        form = item.locator(".evaluation-form")
        for name, score in zip(
            ("targets", "form", "strengths", "selection", "relationship"), scores, strict=True
        ):
            form.locator(f'select[name="{name}"]').select_option(str(score))
        form.locator('select[name="trust"]').select_option(str(trust))
        form.locator('select[name="value"]').select_option(str(value))
        form.locator('textarea[name="comment"]').fill(f"評価 {n + 1}")
        if n == 0:
            page.screenshot(path=str(artifacts / "evaluation-form.png"), full_page=True)
        form.locator('button[data-action="save-evaluation"]').click()
        page.wait_for_function(
            "([id, n]) => document.querySelectorAll(`li.collaboration[data-id='${id}'] "
            "li.partner`)[n].querySelector('.eval-summary').textContent.startsWith('平均')",
            arg=[collab_id, n],
        )
    summaries = partners.locator(".eval-summary").all_inner_texts()
    assert summaries == ["平均 4.6（信頼 5・価値 4）", "平均 3.2（信頼 3・価値 –）"]
    again = partners.nth(0).locator('button[data-action="evaluate"]')
    assert again.inner_text() == "評価を直す" and again.is_visible()
    assert "null" not in item.inner_text() and "undefined" not in item.inner_text()
    page.screenshot(path=str(artifacts / "collaboration-evaluated.png"), full_page=True)

    collab = store.get("Collaboration", collab_id)
    assert isinstance(collab, Collaboration)
    assert collab.status == CollaborationStatus.ENDED and collab.suggestion_id == suggestion_id
    by_org = {e.org_id: e for e in collab.evaluations}
    assert set(by_org) == set(collab.org_ids())
    lead = collab.participants[0].org_id
    assert by_org[lead].targets == 5 and by_org[lead].trust == 5 and by_org[lead].value == 4
    assert all(e.evaluated_by == live_app.user_ids["coordinator"] for e in by_org.values())


def test_the_business_evaluates_only_as_itself(
    open_page: Callable[..., Any], live_app: LiveApp
) -> None:
    """A business partner sees the evaluate button for its own organization only, and staff
    see no suggestion panel."""
    from datetime import date

    store = live_app.store
    other = next(
        o for o in store.iter_all("Organization", {"sector": "npo"}) if isinstance(o, Organization)
    )
    collab = Collaboration(
        id="collab-browser-eval",
        title="ブラウザ評価テスト",
        form="project_cooperation",
        starts=date(2025, 4, 1),
        ends=date(2025, 9, 30),
        status="ended",
        participants=[
            {"org_id": other.id, "role": "lead"},
            {"org_id": live_app.business_org, "role": "partner"},
        ],
    )
    store.upsert([collab])
    page = open_page("business")
    page.goto(f"{live_app.url}/organizations/{live_app.business_org}")
    page.wait_for_selector("#profile[data-ready]")
    item = page.locator('li.collaboration[data-id="collab-browser-eval"]')
    buttons = item.locator('button[data-action="evaluate"]')
    assert buttons.count() == 1
    assert item.locator("li.partner").nth(1).locator('button[data-action="evaluate"]').count() == 1
    assert item.locator('button[data-action="end"]').count() == 0
    assert page.locator("#suggest-form").count() == 0
    buttons.click()
    form = item.locator(".evaluation-form")
    for name in ("targets", "form", "strengths", "selection", "relationship"):
        form.locator(f'select[name="{name}"]').select_option("4")
    form.locator('button[data-action="save-evaluation"]').click()
    page.wait_for_selector("text=評価を保存しました。")
    stored = store.get("Collaboration", "collab-browser-eval")
    assert isinstance(stored, Collaboration)
    assert [e.org_id for e in stored.evaluations] == [live_app.business_org]

    staff = open_page("staff")
    staff.goto(f"{live_app.url}/organizations/{other.id}")
    staff.wait_for_selector("#profile[data-ready]")
    assert staff.locator("#suggest-form").count() == 0
    assert "コーディネーターと管理者のみ" in staff.locator("#org-suggestions").inner_text()
