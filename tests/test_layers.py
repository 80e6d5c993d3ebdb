"""The layers contract (pyproject.toml ``[tool.importlinter]``) holds on this tree, names every
package, and breaks when an import crosses a layer — checked by running import-linter itself,
on this tree and on a copy with one forbidden import added."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
    "importlinter"
]
LINT = Path(sys.executable).with_name("lint-imports")


def _lint(tree: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(tree)}  # the tree's packages, not the installed ones
    return subprocess.run(
        [str(LINT), "--config", str(tree / "pyproject.toml"), "--no-cache"],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _copy(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    for package in CONFIG["root_packages"]:
        shutil.copytree(ROOT / package, tree / package, ignore=_not_python)
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    return tree


def _not_python(folder: str, names: list[str]) -> list[str]:
    return [n for n in names if not n.endswith(".py") and not (Path(folder) / n).is_dir()]


def test_every_package_is_in_a_layer() -> None:
    packages = {
        p.name
        for p in ROOT.iterdir()
        if (p / "__init__.py").is_file() and p.name not in ("tests", "benchmarks", "scripts")
    }
    layers = CONFIG["contracts"][0]["layers"]
    named = {name.strip() for layer in layers for name in layer.split("|")}
    assert packages == set(CONFIG["root_packages"]) == named


def test_the_layers_hold() -> None:
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "imports"),
    [
        ("graph/_probe.py", "import matching.features\n"),  # graph imports nothing above it
        ("matching/_probe.py", "from ingest import pipeline\n"),  # matching never imports ingest
        ("workflows/_probe.py", "import api.app\n"),
        ("matching/_probe.py", "from workflows import suggestions\n"),
    ],
)
def test_an_import_across_a_layer_breaks_the_contract(
    tmp_path: Path, module: str, imports: str
) -> None:
    tree = _copy(tmp_path)
    assert _lint(tree).returncode == 0  # the copy holds, like the tree
    (tree / module).write_text(imports, encoding="utf-8")
    result = _lint(tree)
    assert result.returncode != 0
    assert (
        "BROKEN" in result.stdout and module.replace("/", ".").removesuffix(".py") in result.stdout
    )


def test_a_cycle_inside_a_package_breaks_the_contract(tmp_path: Path) -> None:
    tree = _copy(tmp_path)
    (tree / "graph" / "_probe_a.py").write_text("from graph import _probe_b\n", encoding="utf-8")
    (tree / "graph" / "_probe_b.py").write_text("from graph import _probe_a\n", encoding="utf-8")
    result = _lint(tree)
    assert result.returncode != 0 and "no cycles" in result.stdout
