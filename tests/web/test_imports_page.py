"""A coordinator's import in real Chromium: upload a file with errors, see every error of every
row in the table, import only the valid rows, see the summary, undo the import, and the records
are gone; an undo after a later edit is refused in words.  Screenshots go to
``test-artifacts/``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from graph.model import Organization
from tests.web.conftest import LiveApp

pytestmark = pytest.mark.browser

FILE = "取り込みテスト団体.csv"
ROWS = (
    "団体ID,団体名,種別,地域,設立年月日\n"
    "imp-web-1,取り込みの会その一,npo,中央,\n"
    "imp-web-2,取り込みの会その二,association,中央,\n"
    "imp-web-3,,宇宙人,中央,2020-13-45\n"  # three errors on one row
    "imp-web-4,取り込みの会その四,npo,中央,R5.4.1\n"
    "imp-web-5,取り込みの会その五,よく分からない,中央,\n"  # one error
)


def _choose(page: Any, name: str, text: str) -> None:
    page.set_input_files(
        "#import-file", files=[{"name": name, "mimeType": "text/csv", "buffer": text.encode()}]
    )


def test_check_import_valid_rows_and_undo(
    open_page: Callable[..., Any], live_app: LiveApp, artifacts: Path
) -> None:
    store = live_app.store
    page = open_page("coordinator")
    page.goto(f"{live_app.url}/imports")
    page.wait_for_selector("#import-history-body[data-ready]")

    page.click("#import-check")  # no file yet: told under the field
    assert page.locator("#import-file-error").inner_text() == "ファイルを選んでください"

    _choose(page, FILE, ROWS)
    page.click("#import-check")
    page.wait_for_selector("#import-report:not([hidden]) #import-errors-body tr")
    rows = page.locator("#import-errors-body tr")
    assert rows.count() == 4
    cells = [rows.nth(i).locator("td").all_inner_texts() for i in range(4)]
    assert sorted((c[1], c[2], c[3]) for c in cells) == [
        ("4", "団体名", ""),
        ("4", "種別", "宇宙人"),
        ("4", "設立年月日", "2020-13-45"),
        ("6", "種別", "よく分からない"),
    ]
    assert all(c[0] == FILE and c[4] for c in cells)
    by_column = {(c[1], c[2]): c[4] for c in cells}
    assert by_column[("4", "設立年月日")].startswith("13月という月はありません")
    assert by_column[("4", "団体名")] == "必須の項目「name」が空です"
    counts = page.locator("#import-counts").inner_text()
    assert "読み込んだ行 5" in counts and "有効 3" in counts and "エラー 4" in counts
    assert "新規 3" in counts
    assert page.locator("#import-errors-range").inner_text() == "4 件中 1–4 件目"
    assert page.locator("#import-all").is_hidden()  # errors: not the whole file
    assert page.locator("#import-valid").is_visible()
    assert store.get("Organization", "imp-web-1") is None  # the check wrote nothing
    page.screenshot(path=str(artifacts / "imports-errors.png"), full_page=True)

    page.click("#import-valid")
    page.wait_for_selector("#import-summary:not([hidden])")
    lead = page.locator("#import-summary-lead").inner_text()
    assert lead == (
        f"「{FILE}」を取り込みました: 新規 3 件・更新 0 件・変更なし 0 件、スキップした行 2。"
    )
    summary = page.locator("#import-summary-body tr").first.locator("td").all_inner_texts()
    assert summary == ["団体", "3", "0", "0"]
    org = store.get("Organization", "imp-web-4")
    assert isinstance(org, Organization) and str(org.founded) == "2023-04-01"
    assert store.get("Organization", "imp-web-3") is None
    newest = page.locator("#import-history-body tr").first
    newest_cells = newest.locator("td").all_inner_texts()
    assert newest_cells[1] == "coordinator-tester" and newest_cells[2] == FILE
    assert newest_cells[3] == "団体 新規 3・更新 0" and newest_cells[4] == "取り込み済み"
    page.screenshot(path=str(artifacts / "imports-summary.png"), full_page=True)

    newest.locator("button[data-action=undo]").click()
    newest.locator("button[data-action=confirm-undo]").click()
    page.wait_for_selector("#import-history-body tr[data-state=undone]")
    assert "取り消しました: 削除 3 件・復元 0 件" in page.locator("#toast").inner_text()
    state = page.locator("#import-history-body tr").first.locator(".import-state").inner_text()
    assert state.startswith("取り消し済み（coordinator-tester、")
    for rid in ("imp-web-1", "imp-web-2", "imp-web-4"):
        assert store.get("Organization", rid, include_inactive=True) is None
    page.screenshot(path=str(artifacts / "imports-undone.png"), full_page=True)


def test_undo_after_a_later_edit_is_refused_in_words(
    open_page: Callable[..., Any], live_app: LiveApp, artifacts: Path
) -> None:
    store = live_app.store
    page = open_page("coordinator", width=1100)
    page.goto(f"{live_app.url}/imports?lang=en")
    page.wait_for_selector("#import-history-body[data-ready]")
    # a file whose name and headers do not say what it lists: the page asks for the kind
    _choose(page, "data.csv", f"件名,団体ID\nLater need,{live_app.business_org}\n")
    page.click("#import-check")
    page.wait_for_selector("#import-report:not([hidden])")
    assert page.locator("#import-kind-error").inner_text() == (
        "Could not tell what this file lists; choose the kind and check again"
    )
    page.select_option("#import-kind", "needs")
    page.click("#import-check")
    page.wait_for_selector("#import-kind-error[hidden]", state="attached")
    assert "Valid 1" in page.locator("#import-counts").inner_text()
    page.click("#import-cancel")
    assert page.locator("#import-report").is_hidden()
    _choose(
        page, "organizations.csv", "id,name,sector,area\nimp-web-9,Later edited club,npo,中央\n"
    )
    page.click("#import-check")
    page.wait_for_selector("#import-report:not([hidden])")
    assert page.locator("#import-verdict").inner_text() == (
        "No errors: the whole file can be imported."
    )
    assert page.locator("#import-valid").is_hidden()
    page.click("#import-all")
    page.wait_for_selector("#import-summary:not([hidden])")
    store.update(
        "Organization", "imp-web-9", lambda o: o.model_copy(update={"description": "edited later"})
    )
    newest = page.locator("#import-history-body tr").first
    newest.locator("button[data-action=undo]").click()
    newest.locator("button[data-action=confirm-undo]").click()
    page.wait_for_selector("#alert:not([hidden])")
    alert = page.locator("#alert").inner_text()
    assert alert.startswith("Cannot undo: records changed or deleted after the import")
    assert "'Later edited club'" in alert and "Nothing was undone" in alert
    kept = store.get("Organization", "imp-web-9")
    assert isinstance(kept, Organization) and kept.description == "edited later"
    page.screenshot(path=str(artifacts / "imports-undo-refused.png"), full_page=True)


def test_thousands_of_errors_are_paged_with_counts(
    open_page: Callable[..., Any], live_app: LiveApp, artifacts: Path
) -> None:
    page = open_page("coordinator")
    page.goto(f"{live_app.url}/imports")
    page.wait_for_selector("#import-history-body[data-ready]")
    rows = "\n".join(f"bad-{i:04},,宇宙人,中央,2020-13-45" for i in range(1200))
    _choose(page, "organizations.csv", "団体ID,団体名,種別,地域,設立年月日\n" + rows + "\n")
    page.click("#import-check")
    page.wait_for_selector("#import-report:not([hidden]) #import-errors-body tr")
    assert page.locator("#import-errors-range").inner_text() == "3,600 件中 1–100 件目"
    assert page.locator("#import-errors-body tr").count() == 100
    assert "エラー 3,600" in page.locator("#import-counts").inner_text()
    assert page.locator("#import-verdict").inner_text() == (
        "エラーが 3,600 件あり、取り込める行がありません。ファイルを修正してください。"
    )
    assert page.locator("#import-all").is_hidden() and page.locator("#import-valid").is_hidden()
    page.click("#import-errors-pager button[data-action=next]")
    assert page.locator("#import-errors-range").inner_text() == "3,600 件中 101–200 件目"
    first = page.locator("#import-errors-body tr").first.locator("td").all_inner_texts()
    assert first[1] == "35"  # row 35 of the file: the 34th data row, its three errors from 100
    page.screenshot(path=str(artifacts / "imports-many-errors.png"), full_page=False)


def test_the_check_shows_notices_and_likely_duplicates(
    open_page: Callable[..., Any], live_app: LiveApp, artifacts: Path
) -> None:
    """What the importer reports besides errors reaches the browser: a column it did not use,
    and two organizations that are probably one (for the coordinator to decide; nothing is
    merged), in Japanese and in English; the names are shown as text, never as markup."""
    rows = (
        "団体ID,団体名,種別,地域,メモ欄\n"
        "imp-dup-1,つなぐ試験やまびこの会,npo,中央,\n"
        "imp-dup-2,つなぐ試験やまびこ会,npo,中央,\n"
        "imp-dup-3,<img src=x onerror=alert(1)>の会,npo,中央,\n"
        "imp-dup-4,<img src=x onerror=alert(1)>会,npo,中央,\n"
    )
    for lang, notice, reason in (
        ("ja", "次の列は使いませんでした: メモ欄", "名称がよく似ています"),
        ("en", "these columns were not used: メモ欄", "very similar names"),
    ):
        page = open_page("coordinator")
        page.goto(f"{live_app.url}/imports?lang={lang}")
        page.wait_for_selector("#import-history-body[data-ready]")
        _choose(page, "団体.csv", rows)
        page.click("#import-check")
        page.wait_for_selector("#import-report:not([hidden]) #import-duplicates-body tr")
        notices = page.locator("#import-notices").inner_text()
        assert notice in notices
        # what a browser user can do about it comes first (the flag is the command line's)
        assert ("見出しを項目名に合わせる" if lang == "ja" else "rename the headers") in notices
        pairs = page.locator("#import-duplicates-body tr")
        assert pairs.count() == 2
        texts = [pairs.nth(i).inner_text() for i in range(2)]
        assert any("つなぐ試験やまびこの会" in x and "つなぐ試験やまびこ会" in x for x in texts)
        assert all(reason in x for x in texts)
        assert any("<img src=x onerror=alert(1)>の会" in x for x in texts)  # as text
        assert page.locator("#import-duplicates img").count() == 0
        assert "団体.csv" in texts[0]  # where each side comes from
        page.screenshot(path=str(artifacts / f"imports-duplicates-{lang}.png"), full_page=True)
    assert live_app.store.get("Organization", "imp-dup-1") is None  # a check writes nothing
