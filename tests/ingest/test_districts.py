"""An import obeys the district rule of workflows.districts: an organization, need or offer
naming an unregistered district is a row error on the district's column (both stores)."""

from __future__ import annotations

from graph.model import Area, Organization
from graph.store import GraphStore
from ingest.pipeline import import_bytes, import_files


def test_an_unknown_district_is_a_row_error_for_its_column(store: GraphStore) -> None:
    data = "団体名,種別,地区\nよい会,NPO,北山\n月の会,NPO,月面\n".encode()
    report = import_bytes(store, "団体.csv", data)
    assert report.blocked and not report.wrote
    assert [(e.row, e.column, e.value) for e in report.errors] == [(3, "地区", "月面")]
    assert report.errors[0].reason_ja == "「月面」は登録されていない地区です"
    assert report.errors[0].reason_en == '"月面" is not a registered district'
    assert store.count("Organization") == 0 and store.get("Area", "月面") is None


def test_skipping_the_row_also_skips_what_refers_to_it(store: GraphStore) -> None:
    orgs = "id,name,sector,area\no-moon,月の会,npo,月面\no-ok,よい会,npo,北山\n"
    needs = (
        "id,org_id,title,area\nn-moon,o-moon,月で配食,\nn-bad,o-ok,配食,月面\nn-ok,o-ok,配食,北山\n"
    )
    report = import_files(
        store,
        [("organizations.csv", orgs.encode()), ("needs.csv", needs.encode())],
        skip_invalid=True,
    )
    assert report.wrote
    where = sorted((e.file, e.row, e.column) for e in report.errors)
    assert where == [
        ("needs.csv", 2, "org_id"),
        ("needs.csv", 3, "area"),
        ("organizations.csv", 2, "area"),
    ]
    assert sorted(o.id for o in store.iter_all("Organization")) == ["o-ok"]
    assert sorted(n.id for n in store.iter_all("Need")) == ["n-ok"]


def test_a_districts_table_in_the_same_import_registers_them(store: GraphStore) -> None:
    files = [
        ("団体.csv", "団体名,種別,地区\n月の会,NPO,月面\n".encode()),
        ("地区.csv", "地区名,ふりがな\n月面,げつめん\n".encode()),
    ]
    report = import_files(store, files)
    assert report.wrote and not report.errors
    area = store.get_of(Area, "月面")
    assert area is not None and area.name_kana == "げつめん"
    org = next(iter(store.iter_all("Organization")))
    assert isinstance(org, Organization) and org.area == "月面"


def test_a_district_stored_before_the_rule_may_stay_on_a_partial_update(store: GraphStore) -> None:
    store.upsert([Organization(id="old", name="昔の会", sector="npo", area="月面")])
    report = import_bytes(store, "organizations.csv", "id,description\nold,説明を更新\n".encode())
    assert report.wrote and not report.errors, report.errors
    stored = store.get_of(Organization, "old")
    assert stored is not None
    assert (stored.area, stored.description) == ("月面", "説明を更新")
    moved = import_bytes(store, "organizations.csv", "id,area\nold,火星\n".encode())
    assert [(e.column, e.value) for e in moved.errors] == [("area", "火星")]


def test_a_throwaway_store_may_register_the_districts_its_files_name(store: GraphStore) -> None:
    """``register_districts`` (``tsunagu evaluate`` on a foreign data set) writes each unknown
    district once, with the rows; without it the same file is refused."""
    data = "団体ID,団体名称,区分,地区\norg-a,A会,自治会,IT\norg-b,B会,自治会,IT\norg-c,C会,NPO,FR\n"
    before = {a.id for a in store.iter_all("Area")}
    refused = import_bytes(store, "団体.csv", data.encode())
    assert not refused.written and store.count("Organization") == 0
    report = import_bytes(store, "団体.csv", data.encode(), register_districts=True)
    assert not report.errors
    assert {a.id for a in store.iter_all("Area")} - before == {"FR", "IT"}
    assert store.count("Organization") == 3
