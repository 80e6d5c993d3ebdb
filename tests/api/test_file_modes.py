"""Files on disk are for the service's own user only: the ``tsunagu`` command creates the data
directory 0700 and the store, its journal and the snapshots 0600, and closes an existing data
directory that others could read."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

TSUNAGU = Path(sys.executable).with_name("tsunagu")


def tsunagu(data_dir: Path, *args: str) -> None:
    env = {**os.environ, "TSUNAGU_DATA_DIR": str(data_dir), "TSUNAGU_NEO4J_URI": ""}
    done = subprocess.run(
        [str(TSUNAGU), *args], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def open_umask() -> object:
    """Run the commands from a permissive umask, as a careless shell would."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_the_data_directory_and_its_files_are_private(tmp_path: Path) -> None:
    data = tmp_path / "nested" / "data"
    tsunagu(data, "db", "init")
    tsunagu(data, "demo")
    tsunagu(data, "token", "create", "--role", "admin", "--name", "管理者")
    tsunagu(data, "stats")  # dated snapshots under analytics/
    assert mode(data) == 0o700
    files = [p for p in data.rglob("*") if p.is_file()]
    assert any(p.suffix == ".sqlite3" for p in files)
    assert any(p.parent != data for p in files), "expected a snapshot in a sub-folder"
    for path in files:
        assert mode(path) & 0o077 == 0, f"{path} is {oct(mode(path))}"
    for folder in (p for p in data.rglob("*") if p.is_dir()):
        assert mode(folder) == 0o700, f"{folder} is {oct(mode(folder))}"


def test_an_existing_open_data_directory_is_closed(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    data.chmod(0o755)
    tsunagu(data, "db", "stats")
    assert mode(data) == 0o700
