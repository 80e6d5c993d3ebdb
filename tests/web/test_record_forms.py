"""Records in forms, in real Chromium: a coordinator registers an organization with wrong
fields and sees each error under its field (in Japanese, and in English on the English page),
fixes them, edits the organization, deletes it and restores it from the deleted list; a stale
edit is refused with a clear message; a district not in the list is registered on purpose.
Screenshots go to ``test-artifacts/``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from graph.model import Area, Organization
from tests.web.conftest import LiveApp
from workflows.districts import registered

pytestmark = pytest.mark.browser


def error_under(page: Any, field: str) -> str:
    text: str = page.locator(f'.field[data-field="{field}"] .field-error').inner_text()
    return text


def test_register_fix_edit_delete_restore_an_organization(
    open_page: Callable[..., Any], live_app: LiveApp, artifacts: Path
) -> None:
    store = live_app.store
    districts = registered(store)
    first = districts[0]
    page = open_page("coordinator")

    # The English page first: no name and a wrong corporate number, each under its field.
    page.goto(f"{live_app.url}/records/organizations/new?lang=en")
    page.wait_for_selector("#record-box[data-ready]")
    shown = page.locator("#rec-area option").all_inner_texts()
    assert shown == ["No district", *[a.name for a in districts]]
    assert "NPO / civic group" in page.locator("#rec-sector option").all_inner_texts()
    page.select_option("#rec-sector", "npo")
    page.fill("#rec-corporate_number", "12345")
    page.click("#rec-save")
    page.wait_for_selector('.field[data-field="name"] .field-error:not([hidden])')
    assert error_under(page, "name") == "This field is required"
    assert error_under(page, "corporate_number") == "A corporate number has 13 digits"
    assert page.locator('.field[data-field="sector"] .field-error').is_hidden()
    assert "see the notes under them" in page.locator("#alert").inner_text()
    page.screenshot(path=str(artifacts / "record-form-errors-en.png"), full_page=True)

    # The Japanese page: the same corporate number, then a javascript: website.
    page.goto(f"{live_app.url}/records/organizations/new?lang=ja")
    page.wait_for_selector("#record-box[data-ready]")
    page.fill("#rec-name", "月見草の会")
    page.select_option("#rec-sector", "npo")
    page.fill("#rec-corporate_number", "12345")
    page.click("#rec-save")
    page.wait_for_selector('.field[data-field="corporate_number"] .field-error:not([hidden])')
    assert error_under(page, "corporate_number") == "法人番号は 13 桁の数字です"
    assert page.locator('.field[data-field="name"] .field-error').is_hidden()
    page.fill("#rec-corporate_number", "")
    page.fill("#rec-website", "javascript:alert(1)")
    page.click("#rec-save")
    page.wait_for_selector('.field[data-field="website"] .field-error:not([hidden])')
    assert error_under(page, "website") == (
        "ウェブサイトは http://・https://・mailto: のアドレスにしてください"
    )
    assert page.locator('.field[data-field="corporate_number"] .field-error').is_hidden()
    assert "各項目の下の説明を見てください" in page.locator("#alert").inner_text()
    page.screenshot(path=str(artifacts / "record-form-errors-ja.png"), full_page=True)
    names = [o.name for o in store.iter_all("Organization") if isinstance(o, Organization)]
    assert "月見草の会" not in names

    # Fixed: registered, and the page becomes its edit form.
    page.fill("#rec-website", "www.tsukimiso.example.jp")
    page.select_option("#rec-area", first.id)
    page.check('input[name="fields"][value="01"]')
    page.click("#rec-save")
    page.wait_for_selector('#record-box[data-state="edit"]')
    assert page.locator("#record-status").inner_text() == "「月見草の会」を登録しました"
    assert "/edit" in page.url
    (org,) = [
        o
        for o in store.iter_all("Organization")
        if isinstance(o, Organization) and o.name == "月見草の会"
    ]
    assert (org.sector.value, org.area, org.fields) == ("npo", first.id, ["01"])
    assert org.website == "https://www.tsukimiso.example.jp"
    assert page.locator("#record-heading").inner_text() == "団体を編集"

    # Edit: a new description is saved; the district stays.
    page.fill("#rec-description", "河川敷に月見草を植える会")
    page.click("#rec-save")
    page.wait_for_selector("#record-status:has-text('を保存しました')")
    stored = store.get_of(Organization, org.id)
    assert stored is not None and stored.description == "河川敷に月見草を植える会"
    assert stored.area == first.id
    page.screenshot(path=str(artifacts / "record-form-saved.png"), full_page=True)

    # Delete (two clicks): gone from the lists.
    page.click("#rec-delete")
    assert page.locator("#rec-delete").inner_text() == "本当に削除する"
    page.click("#rec-delete")
    page.wait_for_selector('#record-box[data-state="deleted"]')
    assert "「月見草の会」を削除しました" in page.locator("#record-status").inner_text()
    assert store.get("Organization", org.id) is None

    # Restore it from the deleted list on the records page.
    page.goto(f"{live_app.url}/records")
    page.wait_for_selector("#deleted-lists[data-ready]")
    row = page.locator(f'#deleted-organizations tr[data-id="{org.id}"]')
    assert row.locator(".deleted-name").inner_text() == "月見草の会"
    page.screenshot(path=str(artifacts / "records-deleted-list.png"), full_page=True)
    row.locator('button[data-action="restore"]').click()
    page.wait_for_selector(f'#deleted-organizations tr[data-id="{org.id}"]', state="detached")
    assert "「月見草の会」を元に戻しました" in page.locator("#toast").inner_text()
    back = store.get_of(Organization, org.id)
    assert back is not None and back.description == "河川敷に月見草を植える会"


def test_a_stale_edit_is_refused_with_a_clear_message(
    open_page: Callable[..., Any], live_app: LiveApp, artifacts: Path
) -> None:
    store = live_app.store
    org = store.list("Organization", {"sector": "npo"}, limit=1).items[0]
    assert isinstance(org, Organization)
    page = open_page("coordinator")
    page.goto(f"{live_app.url}/records/organizations/{org.id}/edit")
    page.wait_for_selector("#record-box[data-ready]")
    assert page.locator("#rec-name").input_value() == org.name
    # someone else saves a change after the page was read
    store.update("Organization", org.id, lambda r: r.model_copy(update={"description": "他の人"}))
    page.fill("#rec-description", "わたしの変更")
    page.click("#rec-save")
    page.wait_for_selector("#rec-reload")
    assert "他の人が変更したため、保存していません" in page.locator("#alert").inner_text()
    now = store.get_of(Organization, org.id)
    assert now is not None and now.description == "他の人"
    page.screenshot(path=str(artifacts / "record-form-stale.png"), full_page=True)


def test_a_district_not_in_the_list_is_registered_on_purpose(
    open_page: Callable[..., Any], live_app: LiveApp
) -> None:
    store = live_app.store
    assert store.get("Area", "月見台") is None
    page = open_page("coordinator")
    page.goto(f"{live_app.url}/records/needs/new")
    page.wait_for_selector("#record-box[data-ready]")
    assert "月見台" not in page.locator("#rec-area option").all_inner_texts()
    page.click("#rec-district-other")
    page.fill("#rec-new-district", "月見台")
    page.click("#rec-new-district-save")
    page.wait_for_selector("#record-status:has-text('地区「月見台」を登録しました')")
    assert page.locator("#rec-area").input_value() == "月見台"
    area = store.get("Area", "月見台")
    assert isinstance(area, Area) and area.name == "月見台"


def test_the_records_page_is_refused_to_staff(
    open_page: Callable[..., Any], live_app: LiveApp
) -> None:
    page = open_page("staff")
    page.goto(f"{live_app.url}/records")
    page.wait_for_selector("#alert:not([hidden])")
    assert "市職員" in page.locator("#alert").inner_text()
    assert page.locator("#deleted-lists tr").count() == 0


def test_the_organization_page_lists_partners_by_name_with_their_scores(
    open_page: Callable[..., Any], live_app: LiveApp, artifacts: Path
) -> None:
    from graph.model import Collaboration

    store = live_app.store
    collab = next(
        c
        for c in store.iter_all("Collaboration")
        if isinstance(c, Collaboration) and c.evaluations and len(c.participants) >= 2
    )
    evaluation = collab.evaluations[0]
    org_id = evaluation.org_id
    page = open_page("coordinator")
    page.goto(f"{live_app.url}/organizations/{org_id}#collab-{collab.id}")
    page.wait_for_selector("#profile[data-ready]")
    item = page.locator(f"#collab-{collab.id}")
    for p in collab.participants:
        partner = store.get("Organization", p.org_id)
        assert isinstance(partner, Organization)
        link = item.locator(f'li.partner[data-org="{p.org_id}"] a').first
        assert link.inner_text() == partner.name
        assert link.get_attribute("href") == f"/organizations/{p.org_id}"
    summary = item.locator(f'li.partner[data-org="{org_id}"] .eval-summary').inner_text()
    mean = f"{evaluation.mean():.1f}"
    trust = "–" if evaluation.trust is None else str(evaluation.trust)
    value = "–" if evaluation.value is None else str(evaluation.value)
    assert summary == f"平均 {mean}（信頼 {trust}・価値 {value}）"
    # a coordinator edits the organization and adds needs from here
    assert page.locator("#org-edit").get_attribute("href") == (
        f"/records/organizations/{org_id}/edit"
    )
    assert (
        page.locator("#org-needs-add").get_attribute("href") == f"/records/needs/new?org={org_id}"
    )
    page.screenshot(path=str(artifacts / "organization-collaborations.png"), full_page=True)
