"""The demo city of seed 42, generated once for the package's tests (read it, never change it)."""

from __future__ import annotations

import pytest

from democity import DemoCity, generate


@pytest.fixture(scope="session")
def city() -> DemoCity:
    return generate(42)
