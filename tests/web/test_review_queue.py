"""The review queue that scales, in real Chromium: a coordinator filters the demo city's queue
by district and overdue, pages through it, reloads (the filters stay), and downloads the CSV
of exactly the filtered queue, whose rows the test reads.  Screenshots go to
``test-artifacts/``."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from graph.model import Interest, InterestStatus, Need, Organization, Suggestion, utcnow
from tests.web.conftest import LiveApp
from workflows.suggestions import OPEN

pytestmark = pytest.mark.browser

DISTRICT = "中央"  # the demo city's largest district (44 organizations)


def _add_old_suggestions(app: LiveApp) -> list[str]:
    """Twelve suggestions between organizations of DISTRICT, put in the queue 30–41 days ago
    by the test's coordinator: with the demo's own, more than one page of ten."""
    orgs = [
        o
        for o in app.store.iter_all("Organization", {"area": DISTRICT})
        if isinstance(o, Organization)
    ]
    now = utcnow()
    extra = [
        Suggestion(
            id=f"test-queue-{n:02d}",
            subject_id=orgs[n].id,
            candidate_id=orgs[n + 12].id,
            score=0.5,
            requested_by=app.user_ids["coordinator"],
            created_at=now - timedelta(days=30 + n, hours=1),
        )
        for n in range(12)
    ]
    app.store.upsert(extra)
    return [s.id for s in extra]


def _expected(app: LiveApp) -> list[str]:
    """The open items of DISTRICT (either organization's, or the need's) open more than 7 days
    (the default limit), oldest first: worked out here from the records, not by the queue."""
    store = app.store
    now = utcnow()
    areas = {o.id: o.area for o in store.iter_all("Organization") if isinstance(o, Organization)}
    need_area = {n.id: n.area for n in store.iter_all("Need") if isinstance(n, Need)}
    found = []
    for s in store.iter_all("Suggestion", {"status": list(OPEN)}):
        assert isinstance(s, Suggestion) and s.created_at is not None
        where = {areas.get(s.subject_id), areas.get(s.candidate_id)}
        if s.need_id:
            where.add(need_area.get(s.need_id))
        if DISTRICT in where and now - s.created_at > timedelta(days=7):
            found.append((s.created_at, s.id))
    for i in store.iter_all("Interest", {"status": [InterestStatus.OPEN]}):
        assert isinstance(i, Interest) and i.created_at is not None
        where = {areas.get(i.org_id), need_area.get(i.need_id)}
        if DISTRICT in where and now - i.created_at > timedelta(days=7):
            found.append((i.created_at, i.id))
    return [i for _, i in sorted(found)]


def _shown(page: Any) -> list[str]:
    return [a.get_attribute("data-id") or "" for a in page.locator("article.queue-item").all()]


def _loaded(page: Any, **params: str) -> None:
    """Wait until the queue shows what the address asks for."""
    checks = " && ".join(
        f"new URLSearchParams(location.search).get({k!r}) === {v!r}" for k, v in params.items()
    )
    page.wait_for_function(
        f"() => {checks or 'true'} && document.querySelector('#queue').dataset.ready === 'true'"
    )


def test_coordinator_filters_by_district_and_overdue_pages_and_downloads_the_csv(
    open_page: Callable[..., Any], live_app: LiveApp, artifacts: Path
) -> None:
    added = _add_old_suggestions(live_app)
    expected = _expected(live_app)
    assert set(added) <= set(expected) and len(expected) > 10
    total = len(expected)

    page = open_page("coordinator")
    page.goto(f"{live_app.url}/review")
    _loaded(page)
    assert "7日を超えて" in page.locator("#overdue-rule").inner_text()

    page.select_option("#f-district", DISTRICT)
    _loaded(page, district=DISTRICT)
    page.select_option("#f-overdue", "true")
    _loaded(page, district=DISTRICT, overdue="true")
    page.select_option("#f-limit", "10")
    _loaded(page, district=DISTRICT, overdue="true", limit="10")

    assert page.locator("#queue-range").inner_text() == f"1–10 / {total}件"
    assert _shown(page) == expected[:10]
    cards = page.locator("article.queue-item")
    assert cards.locator(".tag-overdue").count() == 10
    # people by name: the test's coordinator put the added ones in the queue
    newest_added = page.locator(f'article[data-id="{added[-1]}"]')
    assert newest_added.locator(".tag.coordinator").inner_text() == "担当: coordinator-tester"
    assert f"{total}件すべて" in page.locator("#queue-csv").inner_text()
    page.screenshot(path=str(artifacts / "review-queue-filtered.png"), full_page=True)

    page.click('#queue-pager button[data-action="next"]')
    _loaded(page, district=DISTRICT, overdue="true", offset="10")
    last = min(20, total)
    assert page.locator("#queue-range").inner_text() == f"11–{last} / {total}件"
    assert _shown(page) == expected[10:20]

    # a reload keeps the filters and the page
    page.reload()
    _loaded(page, district=DISTRICT, overdue="true", offset="10")
    assert page.locator("#f-district").input_value() == DISTRICT
    assert page.locator("#f-overdue").input_value() == "true"
    assert page.locator("#f-limit").input_value() == "10"
    assert _shown(page) == expected[10:20]

    # the CSV: every page of exactly the filtered queue, in order, with names
    with page.expect_download() as info:
        page.click("#queue-csv")
    raw = Path(info.value.path()).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    header, *rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    col = {name: n for n, name in enumerate(header)}
    assert [r[col["ID"]] for r in rows] == expected
    assert all(DISTRICT in r[col["地区"]].split("・") for r in rows)
    assert {r[col["期限超過"]] for r in rows} == {"はい"}
    added_rows = [r for r in rows if r[col["ID"]] in added]
    assert {r[col["担当コーディネーター"]] for r in added_rows} == {"coordinator-tester"}
    # the demo's coordinators are named too, never shown by id
    named = {r[col["担当コーディネーター"]] for r in rows} - {""}
    assert named <= {"coordinator-tester", "佐藤（デモ）", "田中（デモ）"}

    # the response times: from entering the queue, median and mean, by name
    page.wait_for_selector("#response-times[data-ready]")
    assert page.locator("#stats-median").inner_text().endswith("日")
    assert "佐藤（デモ）" in page.locator("#stats-reviewers").inner_text()
    assert "demo-coordinator" not in page.locator("main").inner_text()


def test_a_bad_filter_in_the_address_is_explained_under_its_field(
    open_page: Callable[..., Any], live_app: LiveApp
) -> None:
    page = open_page("coordinator")
    page.goto(f"{live_app.url}/review?sort=random")
    page.wait_for_selector("#queue[data-ready='error']", state="attached")
    message = page.locator("#f-sort-error")
    assert message.is_visible()
    assert "並び順 'random' はありません" in message.inner_text()
    assert "no sort" not in message.inner_text()  # the page's language only
    en = open_page("coordinator")
    en.goto(f"{live_app.url}/review?sort=random&lang=en")
    en.wait_for_selector("#queue[data-ready='error']", state="attached")
    assert "no sort 'random'" in en.locator("#f-sort-error").inner_text()
