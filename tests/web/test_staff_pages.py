"""The staff's pages in real Chromium on the demo city: the growth page's saved snapshots
compared, its controls clicked quickly, the English indicator table at a laptop's width, the
plan report as XLSX and as a print-ready page, and the publication page (publish a case with
the partners' consent, a disclosure level, an indicator with its field errors)."""

from __future__ import annotations

import csv
import io
import json
import urllib.request
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from graph.analytics import compute_growth, save_snapshot
from graph.embedded import EmbeddedStore
from graph.model import Collaboration, Participant
from tests.web.conftest import LiveApp, held_requests

pytestmark = pytest.mark.browser


def call(app: LiveApp, role: str, path: str, method: str = "GET", body: Any = None) -> Any:
    request = urllib.request.Request(
        f"{app.url}/api/v1/{path}",
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {app.tokens[role]}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read() or b"null")


def data_dir(app: LiveApp) -> Path:
    """The live app's data folder (tests/web/conftest.py: beside the store)."""
    assert isinstance(app.store, EmbeddedStore)
    return app.store.path.parent / "data"


def wait_ready(page: Any, period: str, scope: str) -> None:
    page.wait_for_selector(f'#charts[data-ready][data-period="{period}"][data-scope="{scope}"]')


def test_quick_clicks_end_on_the_last_choice(
    open_page: Callable[..., Any], live_app: LiveApp, artifacts: Path
) -> None:
    """A slow answer for an earlier choice must never overwrite the later one (it used to
    leave six empty charts and a range of "None")."""
    page = open_page("staff", width=1366, height=800)
    page.goto(f"{live_app.url}/growth?lang=en")
    wait_ready(page, "fiscal", "all")
    page.wait_for_selector("#scope-area option", state="attached")
    held: list[Any] = []

    def hold_sector(route: Any) -> None:
        if "by=sector" in route.request.url and not held:
            held.append(route)  # answered only after the later choice has been drawn
        else:
            route.continue_()

    page.route("**/api/v1/network/growth*", hold_sector)
    page.select_option("#scope", "sector:npo")
    page.select_option("#scope", "all")
    for period in ("quarter", "month", "fiscal", "quarter"):
        page.click(f'#period-buttons button[data-period="{period}"]')
    wait_ready(page, "quarter", "all")
    assert held, "the sector request was made and held"
    try:
        held[0].continue_()  # the stale answer arrives last (if the page has not aborted it)
    except Exception:  # noqa: BLE001 - aborted by the page: exactly what should happen
        pass
    page.wait_for_timeout(1500)
    page.unroute("**/api/v1/network/growth*")
    quarters = call(live_app, "staff", "network/growth?period=quarter")["series"]
    labels = page.evaluate("Chart.getChart('chart-orgs').data.labels")
    expected = [p["label_en"] + (" (partial)" if p["partial"] else "") for p in quarters]
    assert labels == expected
    assert page.locator("#period-count").inner_text() == f"{expected[0]} – {expected[-1]}"
    assert "None" not in page.locator("#period-count").inner_text()
    assert page.locator("#charts").get_attribute("data-scope") == "all"
    # Then a scope and a period in quick succession: the charts show the NPO quarters.
    page.select_option("#scope", "sector:npo")
    page.click('#period-buttons button[data-period="fiscal"]')
    wait_ready(page, "fiscal", "sector:npo")
    npo = [
        p
        for p in call(live_app, "staff", "network/growth?period=fiscal&by=sector")["series"]
        if p["scope"] == "sector:npo"
    ]
    ties = page.evaluate("Chart.getChart('chart-new-ties').data.datasets[0].data")
    assert ties == [p["figures"]["new_ties"] for p in npo]
    assert page.locator("#period-count").inner_text().startswith("FY")
    page.screenshot(path=str(artifacts / "staff-growth-quick-clicks.png"), full_page=True)


def test_english_indicator_table_fits_a_laptop(
    open_page: Callable[..., Any], live_app: LiveApp, artifacts: Path
) -> None:
    page = open_page("staff", width=1366, height=768)
    page.goto(f"{live_app.url}/growth?lang=en")
    page.wait_for_selector("#indicator-table")
    heads = page.locator("#indicator-table thead th[data-period]")
    periods = call(live_app, "staff", "network/indicators?period=fiscal")["periods"]
    assert heads.count() == len(periods)
    last = heads.nth(heads.count() - 1)
    assert last.get_attribute("data-period") == periods[-1]["key"]
    box = page.locator("#indicators").bounding_box()
    cell = last.bounding_box()
    assert box and cell
    assert cell["x"] >= box["x"] and cell["x"] + cell["width"] <= box["x"] + box["width"] + 0.5
    # nothing to scroll sideways: every column is in view
    overflow = page.evaluate(
        "(() => { const w = document.getElementById('indicators'); "
        "return w.scrollWidth - w.clientWidth; })()"
    )
    assert overflow <= 0
    assert last.inner_text().splitlines()[0] == periods[-1]["key"]
    if periods[-1]["partial"]:
        assert "partial" in last.inner_text()
    page.locator("#indicators").screenshot(path=str(artifacts / "staff-indicators-en.png"))


def test_growth_figures_csv_download(open_page: Callable[..., Any], live_app: LiveApp) -> None:
    """/network/export/csv from the growth page: one row per fiscal year, UTF-8 with a BOM;
    the button works while the first figures are still loading (it used to be wired only
    after they and the district list had arrived, so a click on a slow day did nothing)."""
    page = open_page("staff")
    with held_requests(page, "**/api/v1/network/growth*") as held:  # no figures arrive yet
        page.goto(f"{live_app.url}/growth")
        page.wait_for_selector('#charts[aria-busy="true"]')  # the first figures are asked for
        assert page.locator("#charts[data-ready]").count() == 0
        with page.expect_download() as info:
            page.click('#exports button[data-format="csv"]')
        assert held, "the growth request was made and is still held"
    page.wait_for_selector("#charts[data-ready]")
    assert info.value.suggested_filename == "tsunagu-growth-fiscal.csv"
    raw = Path(info.value.path()).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    series = call(live_app, "staff", "network/growth?period=fiscal")["series"]
    assert [r[0] for r in rows[1:]] == [p["period"] for p in series]
    col = rows[0].index("新規協働事業数 / Collaborations started")
    assert [int(r[col]) for r in rows[1:]] == [p["figures"]["new_collaborations"] for p in series]
    assert rows[-1][4] == ("yes" if series[-1]["partial"] else "")


def _late_collaboration(app: LiveApp) -> tuple[int, int]:
    """Save FY2024's figures, enter a collaboration of June 2024 late, save again; answer the
    count of FY2024's new collaborations before and after."""
    before = compute_growth(app.store, "fiscal")
    save_snapshot(data_dir(app), before, datetime(2025, 2, 1, tzinfo=UTC))
    orgs = [o.id for o in app.store.list("Organization", limit=2).items]
    app.store.upsert(
        [
            Collaboration(
                id="late-2024",
                title="遅れて登録された協働",
                form="co_hosting",
                starts=date(2024, 6, 1),
                ends=date(2024, 6, 30),
                status="ended",
                participants=[Participant(org_id=o) for o in orgs],
            )
        ]
    )
    after = compute_growth(app.store, "fiscal")
    save_snapshot(data_dir(app), after, datetime(2025, 5, 1, tzinfo=UTC))

    def fy2024(figs: list[Any]) -> int:
        return int(next(f for f in figs if f.period == "FY2024").figures["new_collaborations"])

    return fy2024(before), fy2024(after)


def test_snapshot_comparison(
    open_page: Callable[..., Any], live_app: LiveApp, artifacts: Path
) -> None:
    old, new = _late_collaboration(live_app)
    assert new == old + 1
    page = open_page("staff")
    page.goto(f"{live_app.url}/growth")
    page.wait_for_selector("#snap-period option", state="attached")
    value = page.eval_on_selector(
        "#snap-period", "s => [...s.options].find(o => o.value === 'fiscal|all|FY2024').value"
    )
    page.select_option("#snap-period", value)
    options = page.locator("#snap-old option").all_inner_texts()
    assert len(options) == 2
    assert options[0].endswith("（集計中）")  # February 2025: FY2024 was still running
    assert not options[1].endswith("（集計中）")
    page.click("#snap-compare")
    page.wait_for_selector('#snap-result[data-ready="true"]')
    row = page.locator('#snap-table tr[data-figure="new_collaborations"]')
    assert row.locator("th").inner_text() == "新規協働事業数"
    assert row.locator("td.old").inner_text() == f"{old:,}"
    assert row.locator("td.new").inner_text() == f"{new:,}"
    assert row.locator("td.delta").inner_text() == "+1"
    assert "changed" in (row.get_attribute("class") or "")
    note = page.locator("#snap-note").inner_text()
    assert "記録が追加・訂正されました" in note
    assert "isolated_ids" not in page.locator("#snap-table").inner_text()
    page.locator("#snapshots").screenshot(path=str(artifacts / "staff-snapshots.png"))


INDICATOR = {
    "name_ja": "市民活動に参加した市民の割合",
    "name_en": "Residents taking part in civic activities",
    "unit": "%",
    "method": "entered",
    "baseline_year": 2023,
    "baseline_value": 40,
    "targets": [{"year": 2027, "value": 50}],
    "actuals": [{"year": 2025, "value": 45, "source": "市民意識調査"}],
}


def test_indicator_xlsx_and_print_page(
    open_page: Callable[..., Any], live_app: LiveApp, artifacts: Path
) -> None:
    from openpyxl import load_workbook

    call(live_app, "staff", "indicators/ind-survey", "PUT", INDICATOR)
    page = open_page("staff")
    page.goto(f"{live_app.url}/growth")
    page.wait_for_selector("#charts[data-ready]")
    with page.expect_download() as info:
        page.click("#report-xlsx-ja")
    wb = load_workbook(io.BytesIO(Path(info.value.path()).read_bytes()))
    rows = list(wb.worksheets[0].iter_rows(values_only=True))
    assert rows[0][0] == "指標" and rows[0][9] == "達成率（%）"
    survey = next(r for r in rows if r[0] == INDICATOR["name_ja"])
    # latest actual 45 against the target 50: 45 / 50 = 90.0%; from the baseline 40:
    # (45 − 40) / (50 − 40) = 50.0%
    assert survey[4] == 40 and survey[6] == 45 and survey[8] == 50
    assert (survey[9], survey[10]) == (90.0, 50.0)

    page.click("#report-print")
    page.wait_for_selector("#indicator-report")
    row = page.locator('#indicator-report tr[data-indicator="ind-survey"]')
    assert row.locator(".ind-achievement").inner_text() == "90.0%"
    assert row.locator(".ind-progress").inner_text() == "50.0%"
    assert page.locator("nav.mainnav").is_visible()
    page.emulate_media(media="print")
    assert not page.locator("nav.mainnav").is_visible()
    assert not page.locator("#print-button").is_visible()
    assert not page.locator("#token-button").is_visible()
    assert page.locator("button:visible, .btn:visible").count() == 0
    assert page.locator("#indicator-report").is_visible()
    header = page.eval_on_selector("#indicator-report thead", "t => getComputedStyle(t).display")
    assert header == "table-header-group"  # repeated on every printed page
    figures = page.locator("#figure-report thead th[data-period]")
    assert figures.count() >= 5
    page.pdf(path=str(artifacts / "staff-indicator-report.pdf"), format="A4", landscape=True)
    page.screenshot(path=str(artifacts / "staff-indicator-report-print.png"), full_page=True)


def test_publication_page(
    open_page: Callable[..., Any], live_app: LiveApp, artifacts: Path
) -> None:
    call(live_app, "staff", "indicators/ind-entered", "PUT", {**INDICATOR, "actuals": []})
    page = open_page("staff", width=1366)
    page.goto(f"{live_app.url}/staff/publication")
    page.wait_for_selector("body[data-ready]", state="attached")
    cases = call(live_app, "staff", "publication/collaborations")
    case = next(c for c in cases if len(c["partners"]) >= 2)
    row = page.locator(f'#case-table tr[data-collaboration="{case["collaboration_id"]}"]')
    # Publishing before every partner consented is refused, and said so in the row.
    row.locator("button.publish").click()
    page.wait_for_selector(
        f'#case-table tr[data-collaboration="{case["collaboration_id"]}"] .row-error:visible'
    )
    refusal = row.locator(".row-error").inner_text()
    assert "同意が必要" in refusal
    assert all(p["name"] in refusal for p in case["partners"])  # named, not by id
    assert not any(p["id"] in refusal for p in case["partners"])
    for box in row.locator('input[type="checkbox"]').all():
        box.check()
    row.locator("button.publish").click()
    page.wait_for_selector(
        f'#case-table tr[data-collaboration="{case["collaboration_id"]}"][data-published="true"]'
    )
    assert "公開中" in row.locator("td.status").inner_text()
    for partner in case["partners"]:
        assert partner["name"] in row.inner_text()
    stored = call(live_app, "staff", f"publication/collaborations/{case['collaboration_id']}")
    assert stored["published"] is True
    assert sorted(stored["consents"]) == sorted(p["id"] for p in case["partners"])

    # A disclosure level.
    org = call(live_app, "staff", "publication/organizations")[0]
    level_row = page.locator(f'#profile-table tr[data-org="{org["org_id"]}"]')
    level_row.locator("select").select_option("profile")
    level_row.locator("button.set-level").click()
    page.wait_for_selector(f'#profile-table tr[data-org="{org["org_id"]}"][data-level="profile"]')
    assert (
        call(live_app, "staff", f"publication/organizations/{org['org_id']}")["level"] == "profile"
    )

    # An indicator: the empty form's errors under their fields, then a saved one in the list.
    page.click("#ind-save")
    assert page.locator("#ind-id + .field-error").inner_text() == "入力してください。"
    assert page.locator("#ind-baseline_year + .field-error").inner_text() == "入力してください。"
    page.fill("#ind-id", "ind-partners")
    page.fill("#ind-name_ja", "協働相手のいる団体の割合")
    page.fill("#ind-baseline_year", "20x3")
    page.click("#ind-save")
    assert "1900〜2200" in page.locator("#ind-baseline_year + .field-error").inner_text()
    page.select_option("#ind-method", "computed")
    page.select_option("#ind-figure", "share_with_partner")
    page.fill("#ind-baseline_year", "2023")
    page.fill("#ind-target_year", "2027")
    page.fill("#ind-target_value", "60")
    page.click("#ind-save")
    page.wait_for_selector('#indicator-defs tr[data-indicator="ind-partners"]')
    assert (
        "60 (2027)"
        in page.locator('#indicator-defs tr[data-indicator="ind-partners"] td.targets').inner_text()
    )
    # An entered indicator's actual: the source is required, then the actual is kept.
    entered = page.locator('#indicator-defs tr[data-indicator="ind-entered"]')
    entered.locator(".actual-year").fill("2026")
    entered.locator(".actual-value").fill("47")
    entered.locator("button.add-actual").click()
    assert "出典: 入力してください。" in entered.locator(".row-error").inner_text()
    entered.locator(".actual-source").fill("市民意識調査 2026")
    entered.locator("button.add-actual").click()
    page.wait_for_function(
        "() => !document.querySelector("
        "'#indicator-defs tr[data-indicator=\"ind-entered\"] .actual-year').value"
    )
    kept = next(i for i in call(live_app, "staff", "indicators") if i["id"] == "ind-entered")
    assert [(a["year"], a["value"], a["source"]) for a in kept["actuals"]] == [
        (2026, 47.0, "市民意識調査 2026")
    ]
    page.screenshot(path=str(artifacts / "staff-publication.png"), full_page=True)

    # The same in English: errors in English.
    page.goto(f"{live_app.url}/staff/publication?lang=en")
    page.wait_for_selector("body[data-ready]", state="attached")
    page.click("#ind-save")
    assert page.locator("#ind-name_ja + .field-error").inner_text() == "Required."


def test_publication_page_refuses_a_business(
    open_page: Callable[..., Any], live_app: LiveApp
) -> None:
    page = open_page("business")
    page.goto(f"{live_app.url}/staff/publication")
    page.wait_for_selector("#alert:not([hidden])")
    assert page.locator("#case-table").count() == 0
    assert not page.locator('nav.mainnav a[href="/staff/publication"]').is_visible()
