"""The matching-event seating page and the new-collaboration form, in real Chromium: pick the
attendees with the filters, see errors under the fields in Japanese and English, see the plan
(round → table → organizations by name with sector), print it (one A4 page per round), save it
as CSV and Excel and read the files back; register a collaboration from scratch.
Screenshots and the printed PDF go to ``test-artifacts/``."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from itertools import combinations
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from graph.model import Collaboration, Need, Organization
from graph.store import GraphStore
from tests.web.conftest import LiveApp

HEADER_JA = ["ラウンド", "テーブル", "団体名", "区分", "地区"]


@pytest.mark.parametrize(
    ("path", "ja", "en"),
    [
        ("/events", "交流会の座席表", "Matching event seating"),
        ("/collaborations/new", "協働事業を登録する", "Register a collaboration"),
    ],
)
def test_the_pages_in_both_languages(
    embedded_store: GraphStore, tmp_path: Path, path: str, ja: str, en: str
) -> None:
    from api.app import create_app
    from workflows.settings import Settings

    app = create_app(Settings(data_dir=tmp_path / "data"), embedded_store)
    with TestClient(app) as client:
        page = client.get(path)
        assert page.status_code == 200 and f"<h1>{ja}" in page.text
        assert '<html lang="ja">' in page.text and 'href="/events"' in page.text
        english = client.get(path, params={"lang": "en"})
        assert f"<h1>{en}" in english.text and '<html lang="en">' in english.text


def _unique_orgs(app: LiveApp) -> list[Organization]:
    """Organizations whose name no other shares, by name (as the page sorts them)."""
    orgs = [o for o in app.store.iter_all("Organization") if isinstance(o, Organization)]
    counts: dict[str, int] = {}
    for o in orgs:
        counts[o.name] = counts.get(o.name, 0) + 1
    return sorted((o for o in orgs if counts[o.name] == 1), key=lambda o: o.name)


def _mixed(app: LiveApp, n: int) -> list[Organization]:
    """``n`` organizations with unique names, taken from each sector in turn."""
    by_sector: dict[str, list[Organization]] = {}
    for o in _unique_orgs(app):
        by_sector.setdefault(o.sector.value, []).append(o)
    out: list[Organization] = []
    while len(out) < n:
        for group in by_sector.values():
            if group and len(out) < n:
                out.append(group.pop(0))
    return out


def _plan_rows(page: Any) -> list[list[str]]:
    """What the page shows, as the rows of a seating file."""
    rows: list[list[str]] = []
    for r in range(page.locator(".ev-round").count()):
        section = page.locator(".ev-round").nth(r)
        number = section.get_attribute("data-round") or ""
        for t in range(section.locator(".ev-table").count()):
            table = section.locator(".ev-table").nth(t)
            for seat in table.locator("li").all():
                area = seat.locator(".ev-seat-area")
                rows.append(
                    [
                        number,
                        table.get_attribute("data-table") or "",
                        seat.locator(".ev-seat-name").inner_text(),
                        seat.locator(".badge").inner_text(),
                        area.inner_text() if area.count() else "",
                    ]
                )
    return rows


@pytest.mark.browser
def test_pick_attendees_plan_print_and_save(
    open_page: Callable[..., Any], live_app: LiveApp, artifacts: Path
) -> None:
    store = live_app.store
    page = open_page("coordinator")
    page.goto(f"{live_app.url}/events")
    page.wait_for_selector("#ev-picker[data-ready]")
    total = store.count("Organization")
    assert page.locator("#ev-orgs li").count() == total
    assert page.locator("#ev-selected-count").inner_text() == "選択中: 0団体"

    # Filters: by sector, by district, by name.
    page.select_option("#ev-sector", "business")
    badges = page.locator("#ev-orgs li .badge").all_inner_texts()
    businesses = [o for o in store.iter_all("Organization", {"sector": "business"})]
    assert len(badges) == len(businesses) and set(badges) == {"事業者"}
    page.select_option("#ev-sector", "")
    area = page.locator("#ev-area option").nth(1).get_attribute("value") or ""
    page.select_option("#ev-area", area)
    in_area = [
        o for o in store.iter_all("Organization") if isinstance(o, Organization) and o.area == area
    ]
    assert page.locator("#ev-orgs li").count() == len(in_area)
    assert set(page.locator("#ev-orgs .ev-org-area").all_inner_texts()) == {area}
    page.select_option("#ev-area", "")
    chosen = _mixed(live_app, 12)
    assert len({o.sector for o in chosen}) >= 4
    page.fill("#ev-q", chosen[0].name)
    assert page.locator("#ev-orgs .ev-org-name").all_inner_texts() == [chosen[0].name]
    page.fill("#ev-q", "該当しない名前ゼロ件")
    assert "条件に合う団体はありません" in page.locator("#ev-orgs").inner_text()
    page.fill("#ev-q", "")

    # Nothing picked: the error is under the attendee list.
    page.fill("#ev-rounds", "0")
    page.click("#ev-make")
    assert page.locator("#ev-attendees-error").inner_text() == (
        "参加団体を2団体以上選んでください（現在 0団体）。"
    )
    assert page.locator("#ev-rounds-error").inner_text() == (
        "ラウンド数は1〜20の整数で入力してください。"
    )
    for org in chosen:
        page.check(f'#ev-orgs li[data-id="{org.id}"] input')
    assert page.locator("#ev-selected-count").inner_text() == "選択中: 12団体"

    # More rounds than 12 can have without a pair meeting twice: the server explains it under
    # the rounds field (12 at tables of 3 meet 2 new ones a round; only 11 others exist).
    page.fill("#ev-rounds", "6")
    page.fill("#ev-table-size", "3")
    page.click("#ev-make")
    page.wait_for_selector("#ev-rounds-error:not([hidden])")
    message = page.locator("#ev-rounds-error").inner_text()
    assert "12団体・6ラウンド・3人掛けでは同じ組が再会せずに座れません" in message
    assert "各団体が12団体と会う必要があるが相手は11団体" in message and "/" not in message
    assert page.locator("#ev-attendees-error").is_hidden()
    page.screenshot(path=str(artifacts / "events-error.png"), full_page=True)

    page.fill("#ev-rounds", "3")
    page.click("#ev-make")
    page.wait_for_selector("#ev-plan[data-ready]")
    assert page.locator("#ev-rounds-error").is_hidden()
    assert page.locator("#ev-summary").inner_text() == (
        "12団体・3ラウンド・4卓（1卓3席まで）。同じ組の再会はありません。"
    )
    rows = _plan_rows(page)
    names = {o.name for o in chosen}
    sector_of = {o.name: o.sector.label_ja for o in chosen}
    area_of = {o.name: o.area or "" for o in chosen}
    assert len(rows) == 36
    met: list[frozenset[str]] = []
    for r in ("1", "2", "3"):
        seated = [row for row in rows if row[0] == r]
        assert sorted(row[2] for row in seated) == sorted(names)
        for t in ("1", "2", "3", "4"):
            table = [row[2] for row in seated if row[1] == t]
            assert len(table) == 3
            met += [frozenset(p) for p in combinations(table, 2)]
    assert len(met) == len(set(met)) == 36, "no pair meets twice"
    assert all(row[3] == sector_of[row[2]] and row[4] == area_of[row[2]] for row in rows)
    page.screenshot(path=str(artifacts / "events-plan.png"), full_page=True)

    # Print: only the plan, one A4 page per round.
    page.emulate_media(media="print")
    assert page.locator(".topbar").is_hidden() and page.locator("#ev-print").is_hidden()
    assert page.locator("#ev-picker").is_hidden() and page.locator("#ev-form").is_hidden()
    breaks = page.eval_on_selector_all(
        ".ev-round", "els => els.map(e => getComputedStyle(e).breakAfter)"
    )
    assert breaks == ["page", "page", "auto"]
    page.screenshot(path=str(artifacts / "events-print.png"), full_page=True)
    pdf = page.pdf(
        path=str(artifacts / "events-seating.pdf"), format="A4", prefer_css_page_size=True
    )
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 3
    page.emulate_media(media="screen")

    # The files are the plan on the screen.
    with page.expect_download() as got:
        page.click("#ev-csv")
    download = got.value
    assert download.suggested_filename == "tsunagu-seating.csv"
    data = Path(download.path()).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    table_rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert table_rows[0] == HEADER_JA and table_rows[1:] == rows
    with page.expect_download() as got:
        page.click("#ev-xlsx")
    assert got.value.suggested_filename == "tsunagu-seating.xlsx"
    wb = load_workbook(io.BytesIO(Path(got.value.path()).read_bytes()))
    assert wb.sheetnames == ["ラウンド1", "ラウンド2", "ラウンド3"]
    sheets = [
        [["" if v is None else str(v) for v in row] for row in ws.iter_rows(values_only=True)]
        for ws in wb.worksheets
    ]
    assert all(sheet[0] == HEADER_JA for sheet in sheets)
    assert [row for sheet in sheets for row in sheet[1:]] == rows

    # Another plan (another seed) is still a valid plan, and the files follow it.
    page.click("#ev-another")
    page.wait_for_function("() => document.querySelector('#ev-plan').dataset.ready === 'true'")
    assert len(_plan_rows(page)) == 36


@pytest.mark.browser
def test_the_errors_in_english(open_page: Callable[..., Any], live_app: LiveApp) -> None:
    chosen = _unique_orgs(live_app)[:6]
    page = open_page("coordinator")
    page.goto(f"{live_app.url}/events?lang=en")
    page.wait_for_selector("#ev-picker[data-ready]")
    page.click("#ev-make")
    assert (
        page.locator("#ev-attendees-error").inner_text()
        == "Pick at least two organizations (now 0)."
    )
    for org in chosen:
        page.check(f'#ev-orgs li[data-id="{org.id}"] input')
    assert page.locator("#ev-selected-count").inner_text() == "Selected: 6 organizations"
    page.fill("#ev-rounds", "2")
    page.fill("#ev-table-size", "5")
    page.click("#ev-make")
    page.wait_for_selector("#ev-table-size-error:not([hidden])")
    message = page.locator("#ev-table-size-error").inner_text()
    assert message.startswith("6 organizations at tables of 5 fill only 2 tables")
    assert "use smaller tables or fewer rounds" in message and "卓" not in message


@pytest.mark.browser
def test_seating_page_refuses_business(open_page: Callable[..., Any], live_app: LiveApp) -> None:
    page = open_page("business")
    page.goto(f"{live_app.url}/events")
    page.wait_for_selector("#alert:not([hidden])")
    assert (
        "権限" in page.locator("#alert").inner_text()
        or "事業者" in page.locator("#alert").inner_text()
    )
    assert page.locator("#ev-picker").get_attribute("data-ready") is None
    assert page.locator('.mainnav a[href="/events"]').is_hidden()


@pytest.mark.browser
def test_register_a_collaboration_from_scratch(
    open_page: Callable[..., Any], live_app: LiveApp, artifacts: Path
) -> None:
    store = live_app.store
    unique = {o.id: o for o in _unique_orgs(live_app)}
    need = next(n for n in store.iter_all("Need") if isinstance(n, Need) and n.org_id in unique)
    lead = unique[need.org_id]
    others = [o for o in unique.values() if o.id != lead.id][:2]
    before = store.count("Collaboration")
    page = open_page("coordinator")
    page.goto(f"{live_app.url}/collaborations/new")
    page.wait_for_selector("#cnew-box[data-ready]")

    # Errors under their fields: no title, an end before the start, an unknown partner.
    page.fill("#cnew-starts", "2026-04-01")
    page.fill("#cnew-ends", "2026-03-01")
    page.fill("#cnew-partner-1", "存在しない団体")
    page.click("#cnew-save")
    err = lambda name: page.locator(f'.field-error[data-for="{name}"]')  # noqa: E731
    assert err("title").inner_text() == "事業名を入力してください（300文字まで）。"
    assert err("ends").inner_text() == "終了日は開始日以降の日付にしてください。"
    row_error = page.locator('.cnew-partner[data-row="1"] .field-error').inner_text()
    assert (
        row_error
        == "「存在しない団体」は登録されている団体ではありません。候補から選んでください。"
    )
    assert page.locator("#alert").inner_text() == "入力内容を確認してください。"
    page.screenshot(path=str(artifacts / "collaboration-new-errors.png"), full_page=True)
    assert store.count("Collaboration") == before

    page.fill("#cnew-title", "商店街と学校の防災フェア")
    assert err("title").is_hidden()  # the error goes once the field is changed
    page.fill("#cnew-description", "地域の防災を学ぶフェアを共同で開く")
    page.select_option("#cnew-form-kind", "co_hosting")
    page.select_option("#cnew-intensity", "coordination")
    page.select_option("#cnew-status", "active")
    page.fill("#cnew-ends", "2027-03-31")
    assert page.locator("#alert").is_visible()  # one field is still marked
    page.fill("#cnew-partner-1", lead.name)
    page.dispatch_event("#cnew-partner-1", "change")
    assert page.locator("#alert").is_hidden()  # the last marked field was mended
    page.fill("#cnew-partner-2", others[0].name)
    page.fill("#cnew-role-text-2", "会場提供")
    page.click("#cnew-add-partner")
    page.fill("#cnew-partner-3", others[1].name)
    page.dispatch_event("#cnew-partner-3", "change")
    page.wait_for_selector(f'#cnew-need option[value="{need.id}"]', state="attached")
    page.select_option("#cnew-need", need.id)
    page.screenshot(path=str(artifacts / "collaboration-new-filled.png"), full_page=True)
    page.click("#cnew-save")
    page.wait_for_selector("#cnew-result[data-collaboration]")
    assert (
        page.locator(".cnew-created")
        .inner_text()
        .startswith("協働事業「商店街と学校の防災フェア」を登録しました。")
    )
    item = page.locator("#cnew-result li.collaboration")
    assert item.locator(".collab-title").inner_text() == "商店街と学校の防災フェア"
    assert item.locator(".collab-status").inner_text() == "実施中"
    partners = item.locator("li.partner a").all_inner_texts()
    assert partners == [lead.name, others[0].name, others[1].name]
    assert "会場提供" in item.inner_text() and "主導" in item.inner_text()
    page.screenshot(path=str(artifacts / "collaboration-new-created.png"), full_page=True)

    collab_id = page.locator("#cnew-result").get_attribute("data-collaboration") or ""
    stored = store.get("Collaboration", collab_id)
    assert isinstance(stored, Collaboration)
    assert stored.title == "商店街と学校の防災フェア" and stored.form == "co_hosting"
    assert stored.intensity == "coordination" and stored.status == "active"
    assert str(stored.starts) == "2026-04-01" and str(stored.ends) == "2027-03-31"
    assert [(p.org_id, p.role) for p in stored.participants] == [
        (lead.id, "lead"),
        (others[0].id, "会場提供"),
        (others[1].id, "partner"),
    ]
    assert stored.need_ids == [need.id] and stored.suggestion_id is None
    assert store.count("Collaboration") == before + 1

    # It is on the lead's page with the others, to be ended and evaluated there.
    page.click('#cnew-result a[data-action="open-collaboration"]')
    page.wait_for_selector(f'li.collaboration[data-id="{collab_id}"]')


@pytest.mark.browser
def test_new_collaboration_errors_in_english(
    open_page: Callable[..., Any], live_app: LiveApp
) -> None:
    unique = {o.id: o for o in _unique_orgs(live_app)}
    needs = live_app.store.iter_all("Need")
    need = next(n for n in needs if isinstance(n, Need) and n.org_id in unique)
    page = open_page("coordinator")
    # from an organization's page: it leads, and its needs are offered
    page.goto(f"{live_app.url}/organizations/{need.org_id}?lang=en")
    page.wait_for_selector("#profile[data-ready]")
    page.click("#org-new-collaboration")
    page.wait_for_selector("#cnew-box[data-ready]")
    assert page.input_value("#cnew-partner-1") == unique[need.org_id].name
    assert page.input_value("#cnew-role-1") == "lead"
    page.wait_for_selector(f'#cnew-need option[value="{need.id}"]', state="attached")
    page.fill("#cnew-partner-1", "")
    page.click("#cnew-save")
    assert page.locator('.field-error[data-for="title"]').inner_text() == (
        "Enter a title (up to 300 characters)."
    )
    assert page.locator('.field-error[data-for="participants"]').inner_text() == (
        "Pick at least one partner from the registered organizations."
    )
    assert page.locator("#alert").inner_text() == "Please check the highlighted fields."


@pytest.mark.browser
@pytest.mark.parametrize(("path", "lang"), [("/collaborations/new", "ja"), ("/events", "en")])
def test_a_refused_role_sees_why_and_no_endless_loading(
    open_page: Callable[..., Any], live_app: LiveApp, path: str, lang: str
) -> None:
    """Staff may not use these pages: the page says so, and its "loading…" placeholders go
    (they stayed under the refusal, as if something were still coming)."""
    page = open_page("staff")
    page.goto(f"{live_app.url}{path}?lang={lang}")
    page.wait_for_selector("#alert:not([hidden])")
    alert = page.locator("#alert").inner_text()
    assert ("権限がありません" if lang == "ja" else "may not use this page") in alert
    assert page.locator(".loading").count() == 0
    body = page.locator("main").inner_text()
    assert ("読み込み中" if lang == "ja" else "Loading") not in body
