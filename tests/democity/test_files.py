"""The demo city's files: every format written, byte-identical for equal seeds, and each one
read back through the ingest pipeline as the same records."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from democity import DemoCity, generate, load, write_files
from democity.files import NPO_PORTAL_FIELD_NAMES
from graph.model import Organization, Sector, record_type
from graph.store import GraphStore
from ingest.pipeline import import_paths


@pytest.fixture(scope="module")
def city_files(city: DemoCity, tmp_path_factory: pytest.TempPathFactory) -> tuple[DemoCity, Path]:
    out = tmp_path_factory.mktemp("demo")
    write_files(city, out)
    return city, out


def _records(store: GraphStore) -> dict[str, dict[str, str]]:
    """{kind: {id: content hash}} of everything stored."""
    return {
        k: {r.id: r.content_hash() for r in store.iter_all(k, include_inactive=True)}
        for k in (
            "Area",
            "Organization",
            "Need",
            "Offer",
            "Collaboration",
            "Interest",
            "Suggestion",
        )
    }


def test_csv_files_rebuild_the_demo_city_exactly(
    store: GraphStore, city_files: tuple[DemoCity, Path]
) -> None:
    city, out = city_files
    report = import_paths(store, [out / "csv"], progress=False)
    assert report.ok, report.errors[:5]
    loaded = _records(store)
    for kind, attr in (
        ("Area", "areas"),
        ("Organization", "organizations"),
        ("Need", "needs"),
        ("Offer", "offers"),
        ("Collaboration", "collaborations"),
        ("Interest", "interests"),
    ):
        expected = {r.id: r.content_hash() for r in getattr(city, attr)}
        assert loaded[kind] == expected, kind  # same ids, same content (evaluations included)
    again = import_paths(store, [out / "csv"], progress=False)
    assert again.written == 0 and again.unchanged == report.valid


@pytest.mark.parametrize("folder", ["jsonl", "xlsx", "ja"])
def test_other_canonical_formats_match_the_csv_import(
    embedded_store: GraphStore, city_files: tuple[DemoCity, Path], folder: str
) -> None:
    city, out = city_files
    load(embedded_store, 42, city)
    report = import_paths(embedded_store, [out / folder], progress=False)
    assert report.ok, report.errors[:5]
    # the same city in another format (CP932 with Japanese headers and 和暦 included): no change
    assert report.written == 0 and report.unchanged == report.valid > 0
    if folder == "ja":
        assert any("cp932" in n.message_en for n in report.notices)


@pytest.mark.parametrize(
    ("folder", "kinds"),
    [
        ("npo_portal", {"Organization"}),
        ("hsds", {"Organization", "Offer"}),
        ("360giving", {"Organization", "Collaboration"}),
    ],
)
def test_published_formats_load_into_a_fresh_store(
    embedded_store: GraphStore, city_files: tuple[DemoCity, Path], folder: str, kinds: set[str]
) -> None:
    _, out = city_files
    # a fresh store gets its districts from the city's districts file first (README: 地区)
    districts = import_paths(embedded_store, [out / "csv" / "areas.csv"], progress=False)
    assert districts.ok and set(districts.by_kind) == {"Area"}, districts.errors[:5]
    report = import_paths(embedded_store, [out / folder], progress=False)
    assert report.ok, report.errors[:5]
    assert set(report.by_kind) == kinds and report.created > 0
    again = import_paths(embedded_store, [out / folder], progress=False)
    assert again.written == 0
    if folder == "npo_portal":
        assert any("代表者氏名" in n.message_ja for n in report.notices)


def test_written_files_are_byte_identical_for_equal_seeds(tmp_path: Path, city: DemoCity) -> None:
    a = write_files(city, tmp_path / "a")
    b = write_files(generate(42), tmp_path / "b")
    assert [p.relative_to(tmp_path / "a") for p in a] == [p.relative_to(tmp_path / "b") for p in b]
    for pa, pb in zip(a, b, strict=True):
        assert pa.read_bytes() == pb.read_bytes(), pa.name


def _read_csv(path: Path, encoding: str = "utf-8") -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_bytes().decode(encoding), newline="")))


def test_files_in_every_format(tmp_path: Path, city: DemoCity) -> None:
    import openpyxl

    paths = write_files(city, tmp_path)
    rel = {str(p.relative_to(tmp_path)) for p in paths}
    for name in (
        "csv/organizations.csv",
        "csv/needs.csv",
        "csv/offers.csv",
        "csv/collaborations.csv",
        "csv/evaluations.csv",
        "csv/areas.csv",
        "jsonl/organizations.jsonl",
        "jsonl/suggestions.jsonl",
        "xlsx/demo_city.xlsx",
        "ja/organizations.csv",
        "npo_portal/npo_houjin.csv",
        "hsds/organizations.csv",
        "hsds/services.csv",
        "hsds/locations.csv",
        "360giving/grants.csv",
    ):
        assert name in rel, name

    # UTF-8 CSV: headers are the model's field names, lists joined with ';'
    orgs = _read_csv(tmp_path / "csv" / "organizations.csv")
    assert len(orgs) == len(city.organizations)
    assert set(orgs[0]) <= set(Organization.model_fields)
    assert {"id", "name", "sector", "area", "fields", "corporate_number"} <= set(orgs[0])
    assert (
        Organization.model_validate(
            {k: v for k, v in orgs[0].items() if v != ""} | {"fields": orgs[0]["fields"].split(";")}
        ).id
        == city.organizations[0].id
    )
    collabs = _read_csv(tmp_path / "csv" / "collaborations.csv")
    first = city.collaborations[0]
    expected = ";".join(f"{p.org_id}:{p.role}" for p in first.participants)
    assert collabs[0]["participants"] == expected
    evals = _read_csv(tmp_path / "csv" / "evaluations.csv")
    assert len(evals) == sum(len(c.evaluations) for c in city.collaborations)
    assert set(evals[0]) >= {
        "collaboration_id",
        "org_id",
        "targets",
        "form",
        "strengths",
        "selection",
        "relationship",
    }

    # JSONL round-trips to equal records
    for kind, records in city.by_kind().items():
        lines = (tmp_path / "jsonl" / f"{kind}.jsonl").read_text(encoding="utf-8").splitlines()
        rtype = record_type(records[0].kind)
        assert [rtype.model_validate(json.loads(line)) for line in lines] == records, kind

    # XLSX: one sheet per kind
    wb = openpyxl.load_workbook(tmp_path / "xlsx" / "demo_city.xlsx", read_only=True)
    assert {"organizations", "needs", "offers", "collaborations", "evaluations"} <= set(
        wb.sheetnames
    )
    assert sum(1 for _ in wb["needs"].iter_rows()) == len(city.needs) + 1
    wb.close()

    # CP932 with Japanese headers (fails to decode if it were UTF-8 with non-ASCII text)
    raw = (tmp_path / "ja" / "organizations.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    ja = _read_csv(tmp_path / "ja" / "organizations.csv", "cp932")
    assert {"団体名", "ふりがな", "種別", "地域", "活動分野", "内容", "法人番号"} <= set(ja[0])
    assert len(ja) == len(city.organizations)
    assert any(r["設立年月日"].startswith(("昭和", "平成", "令和")) for r in ja)

    # NPO portal: flag columns, fictional representative, only NPO corporations
    portal = _read_csv(tmp_path / "npo_portal" / "npo_houjin.csv", "cp932")
    npo_corps = [o for o in city.organizations if o.subtype == "NPO法人"]
    assert len(portal) == len(npo_corps) >= 5
    assert {
        "法人名称",
        "法人名称カナ",
        "所轄庁",
        "主たる事務所の所在地",
        "法人設立認証年月日",
        "定款に記載された目的",
        "法人番号",
        "代表者氏名",
        "活動分野１",
        "活動分野２０",
    } <= set(portal[0])
    by_number = {o.corporate_number: o for o in npo_corps}
    for row in portal:
        org = by_number[row["法人番号"]]
        flagged = {f"{i:02d}" for i in range(1, 21) if row[NPO_PORTAL_FIELD_NAMES[i - 1]] == "○"}
        assert flagged == set(org.fields)
        assert row["代表者氏名"].split()[0] in ("見本", "架空", "仮名", "例示", "試験", "結野")

    # HSDS and 360Giving
    services = _read_csv(tmp_path / "hsds" / "services.csv")
    hsds_orgs = {r["id"] for r in _read_csv(tmp_path / "hsds" / "organizations.csv")}
    assert services and {s["organization_id"] for s in services} <= hsds_orgs
    locations = _read_csv(tmp_path / "hsds" / "locations.csv")
    assert all(float(r["latitude"]) and float(r["longitude"]) for r in locations)
    grants = _read_csv(tmp_path / "360giving" / "grants.csv")
    assert len(grants) >= 5
    ids = {o.id for o in city.organizations}
    funders = Counter(
        {o.id: o for o in city.organizations}[g["Funding Org:Identifier"]].sector for g in grants
    )
    assert funders[Sector.GOVERNMENT] > 0 and funders[Sector.BUSINESS] > 0
    for g in grants:
        assert g["Recipient Org:Identifier"] in ids and g["Currency"] == "JPY"
        assert int(g["Amount Awarded"]) > 0 and date.fromisoformat(g["Award Date"])


def test_demo_files_read_back_through_the_ingest_pipeline(
    tmp_path: Path, embedded_store: GraphStore, city: DemoCity
) -> None:
    """The demo doubles as ingest test data: its own files re-import as 'nothing changed'."""
    write_files(city, tmp_path)
    load(embedded_store, city=city)
    total = embedded_store.count("Organization")
    for sub in ("csv", "jsonl", "ja", "xlsx"):
        report = import_paths(embedded_store, [tmp_path / sub], progress=False)
        assert not report.errors and not report.blocked, (sub, report.errors[:3])
        assert report.created == 0 and report.updated == 0 and report.unchanged > 0, sub
    # other published formats: read without errors, matched to the same organizations
    for sub in ("npo_portal", "hsds", "360giving"):
        report = import_paths(embedded_store, [tmp_path / sub], progress=False)
        assert not report.errors and not report.blocked, (sub, report.errors[:3])
    assert embedded_store.count("Organization") == total
