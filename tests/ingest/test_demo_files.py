"""The demo city's files (ingest.demo.write_files) round-trip through ingest."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from graph.store import GraphStore
from ingest.pipeline import import_paths

demo = pytest.importorskip("ingest.demo")


@pytest.fixture(scope="module")
def city_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Path]:
    city = demo.generate(42)
    out = tmp_path_factory.mktemp("demo")
    demo.write_files(city, out)
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
    store: GraphStore, city_files: tuple[Any, Path]
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
    embedded_store: GraphStore, city_files: tuple[Any, Path], folder: str
) -> None:
    city, out = city_files
    demo.load(embedded_store, 42, city)
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
    embedded_store: GraphStore, city_files: tuple[Any, Path], folder: str, kinds: set[str]
) -> None:
    _, out = city_files
    report = import_paths(embedded_store, [out / folder], progress=False)
    assert report.ok, report.errors[:5]
    assert set(report.by_kind) == kinds and report.created > 0
    again = import_paths(embedded_store, [out / folder], progress=False)
    assert again.written == 0
    if folder == "npo_portal":
        assert any("代表者氏名" in n.message_ja for n in report.notices)
