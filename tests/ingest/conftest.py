"""The ingest tests' store: the districts their files name are registered first (an
organization, need or offer may only name a registered district, see workflows.districts)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from graph.model import Area
from graph.store import GraphStore

#: every district the files of these tests name
DISTRICTS = ("中込", "北山", "東町", "桜丘", "野沢")


@pytest.fixture
def store(store: GraphStore) -> Iterator[GraphStore]:
    store.upsert([Area(id=name, name=name) for name in DISTRICTS])
    yield store
